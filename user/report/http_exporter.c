// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The /metrics endpoint: libmicrohttpd in its own thread, serving the last published buffer. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "report/http_exporter.h"
#include "report/mhd_api.h"
#include "util/log.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* One published exposition, shared by the scrapes sending it: freed by the last one. */
struct blob {
	unsigned int refs; /* under http_exporter.lock */
	size_t len;
	char text[];
};

struct http_exporter {
	const struct mhd_api *mhd;
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock;
	struct blob *cur;
	unsigned long scrapes;
};

/* With the lock held or from the only owner. */
static void blob_put(struct http_exporter *h, struct blob *b)
{
	bool last;

	if (!b)
		return;
	pthread_mutex_lock(&h->lock);
	last = --b->refs == 0;
	pthread_mutex_unlock(&h->lock);
	if (last)
		free(b);
}

struct send_ctx {
	struct http_exporter *h;
	struct blob *b;
};

static void send_done(void *cls)
{
	struct send_ctx *sc = cls;

	blob_put(sc->h, sc->b);
	free(sc);
}

static enum MHD_Result queue_text(const struct mhd_api *mhd, struct MHD_Connection *conn,
				  unsigned int status, const char *text)
{
	struct MHD_Response *r = mhd->create_response_from_buffer(strlen(text), (void *)text,
								  MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	mhd->add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	ret = mhd->queue_response(conn, status, r);
	mhd->destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	struct http_exporter *h = cls;
	struct MHD_Response *r;
	struct send_ctx *sc;
	enum MHD_Result ret;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return queue_text(h->mhd, conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET /metrics\n");
	if (!strcmp(url, "/"))
		return queue_text(h->mhd, conn, MHD_HTTP_OK, "waitscope: metrics at /metrics\n");
	if (strcmp(url, "/metrics"))
		return queue_text(h->mhd, conn, MHD_HTTP_NOT_FOUND, "not found: metrics at /metrics\n");
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return MHD_NO;
	sc->h = h;
	pthread_mutex_lock(&h->lock);
	sc->b = h->cur;
	if (sc->b)
		sc->b->refs++;
	h->scrapes++;
	pthread_mutex_unlock(&h->lock);
	if (!sc->b) {
		free(sc);
		return queue_text(h->mhd, conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "waitscope: no complete interval yet\n");
	}
	r = h->mhd->create_response_from_buffer_with_free_callback_cls(sc->b->len, sc->b->text,
								   send_done, sc);
	if (!r) {
		send_done(sc);
		return MHD_NO;
	}
	h->mhd->add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	ret = h->mhd->queue_response(conn, MHD_HTTP_OK, r);
	h->mhd->destroy_response(r);
	return ret;
}

__attribute__((format(printf, 2, 0))) static void log_mhd(void *cls, const char *fmt,
							  va_list ap)
{
	char msg[256];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	ws_debug("http: %s", msg);
}

/* addr as a socket address; "" gives the IPv6 wildcard (dual stack). */
static int make_addr(const char *addr, unsigned int port, struct sockaddr_storage *ss,
		     bool *v6)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	*v6 = true;
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons((unsigned short)port);
	if (!*addr) {
		in6->sin6_addr = in6addr_any;
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1)
		return 0;
	memset(ss, 0, sizeof(*ss));
	*v6 = false;
	in4->sin_family = AF_INET;
	in4->sin_port = htons((unsigned short)port);
	return inet_pton(AF_INET, addr, &in4->sin_addr) == 1 ? 0 : -EINVAL;
}

int http_exporter_start(struct http_exporter **out, const char *addr, unsigned int port)
{
	struct sockaddr_storage ss;
	struct http_exporter *h;
	sigset_t block, old;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	bool v6;

	*out = NULL;
	if (make_addr(addr, port, &ss, &v6)) {
		ws_err("failed to listen on %s:%u: not an IP address", addr, port);
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->mhd = mhd_api_load();
	if (!h->mhd) {
		free(h);
		return -ENOENT;
	}
	pthread_mutex_init(&h->lock, NULL);
	if (v6)
		flags |= MHD_USE_IPv6 | (*addr ? 0 : MHD_USE_DUAL_STACK);
	if (h->mhd->is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
		flags |= MHD_USE_EPOLL;
	/* The server thread takes no signals: SIGINT/SIGTERM/SIGHUP stay the main loop's. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	h->daemon = h->mhd->start_daemon(flags, (unsigned short)port, NULL, NULL, on_request, h,
				     MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				     MHD_OPTION_CONNECTION_LIMIT, 64u,
				     MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				     MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->daemon) {
		int err = errno ? -errno : -EADDRINUSE;

		ws_err("failed to listen on %s%s%s:%u: %s", v6 && *addr ? "[" : "", addr,
		       v6 && *addr ? "]" : "", port, strerror(-err));
		pthread_mutex_destroy(&h->lock);
		free(h);
		return err;
	}
	*out = h;
	return 0;
}

int http_exporter_publish(struct http_exporter *h, const char *text, size_t len)
{
	struct blob *b = malloc(sizeof(*b) + len), *old;

	if (!b)
		return -ENOMEM;
	b->refs = 1;
	b->len = len;
	memcpy(b->text, text, len);
	pthread_mutex_lock(&h->lock);
	old = h->cur;
	h->cur = b;
	pthread_mutex_unlock(&h->lock);
	blob_put(h, old);
	return 0;
}

unsigned long http_exporter_scrapes(struct http_exporter *h)
{
	unsigned long n;

	pthread_mutex_lock(&h->lock);
	n = h->scrapes;
	pthread_mutex_unlock(&h->lock);
	return n;
}

void http_exporter_stop(struct http_exporter *h)
{
	if (!h)
		return;
	h->mhd->stop_daemon(h->daemon); /* joins the thread; responses still queued are freed */
	blob_put(h, h->cur);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
