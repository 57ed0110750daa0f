// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "srvprof.h"

#define PROFILE_TIMEOUT_S 60

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int srv_free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd, port = 0;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 0;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

const char *srv_script_path(const char *name, char *buf, size_t size)
{
	const char *src = getenv("WAITSCOPE_SOURCE");

	snprintf(buf, size, "%s/tests/servers/%s", src && *src ? src : ".", name);
	return buf;
}

bool srv_mkdtemp(char *buf, size_t size, const char *tag)
{
	snprintf(buf, size, "/tmp/ws-srv-%s.XXXXXX", tag);
	return mkdtemp(buf) != NULL;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void srv_rmtree(const char *dir)
{
	if (dir && *dir)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int srv_start(struct example *ex, const char *script, const char *const *args)
{
	char path[512];

	srv_script_path(script, path, sizeof(path));
	return example_start_path(ex, path, args);
}

int srv_load_start(struct example *ex, const char *out_file, const char *const *cmd)
{
	const char *args[32];
	char path[512];
	size_t i = 0;

	args[i++] = out_file;
	while (cmd && *cmd && i < 31)
		args[i++] = *cmd++;
	args[i] = NULL;
	srv_script_path("load.sh", path, sizeof(path));
	return load_start(ex, path, args);
}

int srv_load_wait(struct example *ex, double timeout_s)
{
	double deadline = now_s() + timeout_s;
	int status;

	if (ex->pid <= 0)
		return -1;
	while (now_s() < deadline) {
		if (waitpid(ex->pid, &status, WNOHANG) == ex->pid) {
			ex->pid = 0;
			return status;
		}
		usleep(20000);
	}
	return example_stop(ex);
}

double srv_file_number_after(const char *file, const char *key)
{
	char buf[16384];
	size_t n;
	FILE *f = fopen(file, "r");
	char *p;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strstr(buf, key);
	if (!p)
		return -1;
	return strtod(p + strlen(key), NULL);
}

static void save_json(const char *name, const char *text)
{
	const char *dir = getenv("WS_SERVERS_SAVE");
	char path[512];
	FILE *f;

	if (!dir || !*dir || !name)
		return;
	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	f = fopen(path, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

int srv_profile(struct srv_profile *p, pid_t pid, const char *secs, const char *name)
{
	const char *extra[] = { "-f", NULL };
	const char *argv[16];
	char pidbuf[16];

	memset(p, 0, sizeof(*p));
	waitscope_args(argv, 16, pidbuf, sizeof(pidbuf), pid, secs, extra);
	if (waitscope_run(&p->r, argv, PROFILE_TIMEOUT_S)) {
		snprintf(p->err, sizeof(p->err), "could not run waitscope");
		return -1;
	}
	if (p->r.status != 0) {
		snprintf(p->err, sizeof(p->err), "waitscope exited %d: %.200s", p->r.status,
			 p->r.err ? p->r.err : "");
		return -1;
	}
	save_json(name, p->r.out);
	p->j = jl_parse(p->r.out, strlen(p->r.out), p->err, sizeof(p->err));
	return p->j ? 0 : -1;
}

void srv_profile_free(struct srv_profile *p)
{
	jl_free(p->j);
	p->j = NULL;
	run_result_free(&p->r);
}

static uint64_t tid_of(const struct jl_value *t, const char *key)
{
	uint64_t v = 0;

	jl_get_u64(t, key, &v);
	return v;
}

bool srv_thread_main(const struct jl_value *t, const void *unused)
{
	(void)unused;
	return tid_of(t, "tid") == tid_of(t, "tgid");
}

bool srv_thread_not_main(const struct jl_value *t, const void *unused)
{
	return !srv_thread_main(t, unused);
}

bool srv_thread_comm_prefix(const struct jl_value *t, const void *prefix)
{
	const char *comm = jl_get_str(t, "comm");

	return comm && strncmp(comm, prefix, strlen(prefix)) == 0;
}

bool srv_thread_not_tgid(const struct jl_value *t, const void *tgid)
{
	return tid_of(t, "tgid") != (uint64_t)*(const pid_t *)tgid;
}

bool srv_thread_cmdline_has(const struct jl_value *t, const void *needle)
{
	char path[64], buf[512];
	ssize_t n, i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%llu/cmdline",
		 (unsigned long long)tid_of(t, "tgid"));
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	for (i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

double srv_cause_share(const struct jl_value *j, const char *cause, srv_thread_pred pred,
		       const void *arg, struct srv_cause_sum *sum)
{
	const struct jl_value *threads = jl_get(j, "threads");
	struct srv_cause_sum s = { 0 };
	size_t i;

	for (i = 0; i < jl_len(threads); i++) {
		const struct jl_value *t = jl_at(threads, i);
		uint64_t v;

		if (pred && !pred(t, arg))
			continue;
		s.threads++;
		if (jl_get_u64(t, "blocked_ns", &v))
			s.blocked_ns += v;
		if (jl_u64(jl_member(jl_member(t, "blocked_by_cause"), cause), &v))
			s.cause_ns += v;
	}
	if (sum)
		*sum = s;
	return s.blocked_ns ? (double)s.cause_ns / (double)s.blocked_ns : -1;
}

uint64_t srv_peer_ns(const struct jl_value *j, int port, const char *cause)
{
	const struct jl_value *peers = jl_get(j, "peers");
	uint64_t sum = 0, p, v;
	size_t i;

	for (i = 0; i < jl_len(peers); i++) {
		const struct jl_value *pe = jl_at(peers, i);
		const char *c = jl_get_str(pe, "cause");

		if (jl_get_u64(pe, "port", &p) && p == (uint64_t)port && c &&
		    strcmp(c, cause) == 0 && jl_get_u64(pe, "blocked_ns", &v))
			sum += v;
	}
	return sum;
}

uint64_t srv_syscall_ns(const struct jl_value *j, const char *name)
{
	const struct jl_value *sys = jl_get(j, "syscalls");
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < jl_len(sys); i++) {
		const char *n = jl_get_str(jl_at(sys, i), "name");

		if (n && strcmp(n, name) == 0 && jl_get_u64(jl_at(sys, i), "blocked_ns", &v))
			return v;
	}
	return 0;
}

const char *srv_unnamed_syscall(const struct jl_value *j)
{
	const struct jl_value *sys = jl_get(j, "syscalls");
	size_t i;

	for (i = 0; i < jl_len(sys); i++) {
		const char *n = jl_get_str(jl_at(sys, i), "name");

		if (!n || !*n || strcmp(n, "?") == 0 || strncmp(n, "syscall_", 8) == 0)
			return n ? n : "(none)";
	}
	return NULL;
}

__attribute__((format(printf, 4, 5)))
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n;
	if (*len >= size)
		*len = size - 1;
}

char *srv_describe(const struct jl_value *j, srv_thread_pred pred, const void *arg, char *buf,
		   size_t size)
{
	const struct jl_value *threads = jl_get(j, "threads"), *list;
	size_t len = 0, i, k;
	uint64_t v, blocked;
	double cov = 0;

	buf[0] = '\0';
	jl_get_double(j, "coverage", &cov);
	append(buf, size, &len, "coverage %.4f\n", cov);
	for (i = 0; i < jl_len(threads); i++) {
		const struct jl_value *t = jl_at(threads, i), *bc;

		if (pred && !pred(t, arg))
			continue;
		blocked = tid_of(t, "blocked_ns");
		append(buf, size, &len, "  tid %llu tgid %llu %s blocked %.2fs:",
		       (unsigned long long)tid_of(t, "tid"), (unsigned long long)tid_of(t, "tgid"),
		       jl_get_str(t, "comm") ? jl_get_str(t, "comm") : "?", blocked / 1e9);
		bc = jl_member(t, "blocked_by_cause");
		for (k = 0; k < jl_len(bc); k++)
			if (jl_u64(bc->items[k], &v) && v && blocked)
				append(buf, size, &len, " %s %.1f%%", bc->keys[k],
				       100.0 * (double)v / (double)blocked);
		append(buf, size, &len, "\n");
	}
	list = jl_get(j, "syscalls");
	append(buf, size, &len, "  syscalls:");
	for (i = 0; i < jl_len(list) && i < 8; i++)
		if (jl_get_u64(jl_at(list, i), "blocked_ns", &v))
			append(buf, size, &len, " %s %.2fs", jl_get_str(jl_at(list, i), "name"),
			       v / 1e9);
	list = jl_get(j, "peers");
	append(buf, size, &len, "\n  peers:");
	for (i = 0; i < jl_len(list) && i < 8; i++)
		if (jl_get_u64(jl_at(list, i), "blocked_ns", &v))
			append(buf, size, &len, " port %llu %s %.2fs",
			       (unsigned long long)tid_of(jl_at(list, i), "port"),
			       jl_get_str(jl_at(list, i), "cause"), v / 1e9);
	append(buf, size, &len, "\n");
	return buf;
}
