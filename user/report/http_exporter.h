/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * GET /metrics for the agent (--listen), served by libmicrohttpd from its own thread. The agent
 * renders a whole exposition into a buffer each interval and publishes it: a pointer swap under
 * a mutex. A scrape takes a reference to the last published buffer and sends it, so a scrape
 * never waits for the collector and never sees a half-updated set, and publishing never waits
 * for a slow client.
 */
#ifndef WS_HTTP_EXPORTER_H
#define WS_HTTP_EXPORTER_H

#include <stddef.h>

struct http_exporter;

/*
 * Listen on addr:port (addr "" = every IPv4 and IPv6 address; an IPv4 or IPv6 literal) and serve
 * until http_exporter_stop. Until the first publish, /metrics answers 503. Returns 0 or -errno
 * (message printed).
 */
int http_exporter_start(struct http_exporter **out, const char *addr, unsigned int port);

/* Serve text (len bytes, copied) from now on. 0 or -ENOMEM (the previous text stays). */
int http_exporter_publish(struct http_exporter *h, const char *text, size_t len);

/* Scrapes answered so far. */
unsigned long http_exporter_scrapes(struct http_exporter *h);

/* Stop serving (waits for the server thread) and free everything; NULL is fine. */
void http_exporter_stop(struct http_exporter *h);

#endif /* WS_HTTP_EXPORTER_H */
