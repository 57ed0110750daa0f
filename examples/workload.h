/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * workload.h: the contract every example workload keeps, in one place.
 *
 *   -h/--help prints usage; a bad option is one line on stderr and exit 2.
 *   -t SECONDS runs that long then exits 0; without it SIGINT/SIGTERM/SIGHUP end the run, exit 0.
 *   "ready pid=<tgid>[ extra]" is the only line on stdout, printed once the workload runs.
 *   Helper processes die with the target (PR_SET_PDEATHSIG) and are reaped by it.
 *
 * Signal handlers only set wl_stop and are installed without SA_RESTART, so a blocking call in the
 * main thread returns EINTR. Worker threads block those signals; the main thread tells them to
 * stop through wl_done (an atomic, because they read it concurrently).
 */
#ifndef WL_WORKLOAD_H
#define WL_WORKLOAD_H

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WL_RUN		(-1)	/* wl_parse_opts(): go on; else the exit status */
#define WL_EXIT_OK	0
#define WL_EXIT_FAIL	1
#define WL_EXIT_USAGE	2
#define WL_MAX_SECS	1e6	/* -t upper bound (11.5 days), keeps the itimer in range */
#define WL_MAX_THREADS	4096
#define WL_USAGE_TIME_HELP \
	"  -t, --time=SECS      run SECS seconds (e.g. 0.5); default: until SIGINT/SIGTERM\n" \
	"  -h, --help           show this help\n"
#define NSEC_PER_SEC	1000000000LL
#define NSEC_PER_MSEC	1000000LL
#define NSEC_PER_USEC	1000LL

static volatile sig_atomic_t wl_stop;	/* set by the signal handler only */
static atomic_bool wl_done;		/* set by the main thread: workers, finish now */

__attribute__((format(printf, 1, 2)))
static inline void wl_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Decimal integer in [min, max], whole string, no sign or blanks. Prints the usage error. */
static inline int wl_parse_long(const char *opt, const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)s[0]))
		goto bad;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end || errno == ERANGE || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	wl_err("failed to parse %s: '%s' is not an integer in [%ld, %ld]", opt, s, min, max);
	return -1;
}

/* Seconds as a decimal number (e.g. 0.5), > 0 and <= WL_MAX_SECS. Prints the usage error. */
static inline int wl_parse_secs(const char *opt, const char *s, double *out)
{
	char *end;
	double v;

	if (!(isdigit((unsigned char)s[0]) || (s[0] == '.' && isdigit((unsigned char)s[1]))))
		goto bad;
	errno = 0;
	v = strtod(s, &end);
	if (*end || errno == ERANGE || !isfinite(v) || v <= 0 || v > WL_MAX_SECS)
		goto bad;
	*out = v;
	return 0;
bad:
	wl_err("failed to parse %s: '%s' is not a number of seconds in (0, %g]", opt, s,
	       WL_MAX_SECS);
	return -1;
}

enum wl_opt_kind {
	WL_OPT_LONG,	/* dst is long *, range-checked against [min, max] */
	WL_OPT_FLAG,	/* dst is bool *, set when present */
	WL_OPT_STR,	/* dst is const char **, must not be empty */
};

/* One program-specific option; key is its short letter, or >= 256 for a long-only option. */
struct wl_opt {
	int key;
	const char *name;
	enum wl_opt_kind kind;
	long min, max;
	void *dst;
};

#define WL_MAX_OPTS	8
#define WL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline int wl_set_opt(const struct wl_opt *opt, const char *arg)
{
	char name[32];

	if (opt->key < 256)
		snprintf(name, sizeof(name), "-%c", opt->key);
	else
		snprintf(name, sizeof(name), "--%s", opt->name);
	switch (opt->kind) {
	case WL_OPT_LONG:
		return wl_parse_long(name, arg, opt->min, opt->max, opt->dst);
	case WL_OPT_FLAG:
		*(bool *)opt->dst = true;
		return 0;
	case WL_OPT_STR:
		if (!*arg) {
			wl_err("failed to parse %s: empty value", name);
			return -1;
		}
		*(const char **)opt->dst = arg;
		return 0;
	}
	return -1;
}

/*
 * Parse argv: the program's options plus the shared -t/--time and -h/--help; no operands.
 * Returns WL_RUN, or the exit status (0 after --help, 2 on a usage error, already reported).
 */
static inline int wl_parse_opts(int argc, char **argv, const struct wl_opt *opts, size_t n,
				double *secs, const char *usage)
{
	struct option longopts[WL_MAX_OPTS + 3] = {
		{ "time", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
	};
	char optstring[3 * WL_MAX_OPTS + 8] = "+:t:h";
	const char *elem;
	size_t i, len = strlen(optstring);
	int c;

	if (n > WL_MAX_OPTS)
		abort();
	for (i = 0; i < n; i++) {
		longopts[i + 2] = (struct option){
			.name = opts[i].name,
			.has_arg = opts[i].kind == WL_OPT_FLAG ? no_argument : required_argument,
			.val = opts[i].key,
		};
		if (opts[i].key >= 256)
			continue;
		optstring[len++] = (char)opts[i].key;
		if (opts[i].kind != WL_OPT_FLAG)
			optstring[len++] = ':';
	}
	optstring[len] = '\0';

	/* '+': no permutation, so argv[optind] before each call is the element being parsed. */
	for (;;) {
		elem = argv[optind];
		c = getopt_long(argc, argv, optstring, longopts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 't':
			if (wl_parse_secs("-t", optarg, secs))
				return WL_EXIT_USAGE;
			continue;
		case 'h':
			fputs(usage, stdout);
			return WL_EXIT_OK;
		case ':':
			if (strncmp(elem, "--", 2) == 0)
				wl_err("failed to parse options: '%s' needs an argument", elem);
			else
				wl_err("failed to parse options: '-%c' needs an argument", optopt);
			return WL_EXIT_USAGE;
		case '?':
			if (strncmp(elem, "--", 2) != 0)
				wl_err("failed to parse options: unknown option '-%c'", optopt);
			else if (optopt)
				wl_err("failed to parse options: '%s' takes no argument", elem);
			else
				wl_err("failed to parse options: unknown option '%s'", elem);
			return WL_EXIT_USAGE;
		}
		for (i = 0; i < n && opts[i].key != c; i++)
			;
		if (i == n || wl_set_opt(&opts[i], optarg))
			return WL_EXIT_USAGE;
	}
	if (optind < argc) {
		wl_err("failed to parse options: unexpected argument '%s'", argv[optind]);
		return WL_EXIT_USAGE;
	}
	return WL_RUN;
}

static void wl_on_signal(int sig)
{
	(void)sig;
	wl_stop = 1;
}

static inline void wl_stop_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGALRM);
}

/* Handlers for the stop signals (no SA_RESTART) and SIGPIPE ignored, so EPIPE is an error. */
static inline int wl_setup_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGALRM };
	struct sigaction sa = { .sa_handler = wl_on_signal };
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], &sa, NULL)) {
			wl_err("failed to install handler for %s: %s", strsignal(sigs[i]),
			       strerror(errno));
			return -1;
		}
	}
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		wl_err("failed to ignore SIGPIPE: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Attributes for worker threads: stop signals blocked, so they reach the main thread. */
static inline int wl_thread_attr_init(pthread_attr_t *attr)
{
	sigset_t set;
	int err;

	err = pthread_attr_init(attr);
	if (err)
		return err;
	wl_stop_sigset(&set);
	err = pthread_attr_setsigmask_np(attr, &set);
	if (err)
		pthread_attr_destroy(attr);
	return err;
}

/* Start fn(arg) on a thread that leaves the stop signals to the main thread; 0 or an errno. */
static inline int wl_thread_start(pthread_t *tid, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	int err = wl_thread_attr_init(&attr);

	if (err)
		return err;
	err = pthread_create(tid, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return err;
}

/* Arm -t (if secs > 0) and print the ready line; extra is NULL or starts with a space. */
static inline int wl_ready(double secs, const char *extra)
{
	struct itimerval it = { 0 };

	if (secs > 0) {
		it.it_value.tv_sec = (time_t)secs;
		it.it_value.tv_usec = (suseconds_t)((secs - floor(secs)) * 1e6);
		if (!it.it_value.tv_sec && !it.it_value.tv_usec)
			it.it_value.tv_usec = 1;
		if (setitimer(ITIMER_REAL, &it, NULL)) {
			wl_err("failed to arm timer: %s", strerror(errno));
			return -1;
		}
	}
	printf("ready pid=%d%s\n", (int)getpid(), extra ? extra : "");
	if (fflush(stdout) == EOF) {
		wl_err("failed to write ready line: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static inline long long wl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static inline struct timespec wl_ts(long long ns)
{
	struct timespec ts = { .tv_sec = ns / NSEC_PER_SEC, .tv_nsec = ns % NSEC_PER_SEC };

	return ts;
}

/*
 * Block until a stop signal arrives or ns nanoseconds pass (ns < 0: no limit). Race-free: the
 * signals stay blocked except inside ppoll(). Returns true if the run should stop.
 */
static inline bool wl_wait_ns(long long ns)
{
	long long deadline = ns < 0 ? 0 : wl_now_ns() + ns;
	sigset_t set, old;

	wl_stop_sigset(&set);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	while (!wl_stop) {
		struct timespec ts = { 0 };
		long long left;

		if (ns >= 0) {
			left = deadline - wl_now_ns();
			if (left <= 0)
				break;
			ts = wl_ts(left);
		}
		ppoll(NULL, 0, ns >= 0 ? &ts : NULL, &old);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return wl_stop;
}

static inline void wl_wait(void)
{
	wl_wait_ns(-1);
}

static inline void wl_end(void)
{
	atomic_store(&wl_done, true);
}

static inline bool wl_ended(void)
{
	return atomic_load_explicit(&wl_done, memory_order_relaxed);
}

/* Relative sleep; returns 0 or EINTR (only where stop signals are not blocked). */
static inline int wl_sleep_ns(long long ns)
{
	struct timespec ts = wl_ts(ns);

	return clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

/* Pure user-space arithmetic until wl_end(). */
static inline void wl_spin(void)
{
	volatile unsigned long sink = 1;
	int i;

	while (!wl_ended())
		for (i = 0; i < 100000; i++)
			sink = sink * 6364136223846793005UL + 1442695040888963407UL;
}

/* Stay on CPU for ns nanoseconds (vDSO clock reads, no syscalls). */
static inline void wl_burn_ns(long long ns)
{
	long long end = wl_now_ns() + ns;
	volatile unsigned long sink = 1;

	while (wl_now_ns() < end)
		sink = sink * 6364136223846793005UL + 1442695040888963407UL;
}

/*
 * The life of a thread workload: start n threads running fn(arg) (stop signals blocked; with cpus,
 * confined to that set), print the ready line, wait for the end, then stop and join them.
 * cancel: pthread_cancel() them as well, for workers that sit long in a cancellation point.
 * Returns the exit status.
 */
static inline int wl_run_threads(long n, void *(*fn)(void *), void *arg, const cpu_set_t *cpus,
				 bool cancel, double secs)
{
	int ret = WL_EXIT_FAIL, err;
	bool attr_ok = false;
	pthread_t *tids = NULL;
	pthread_attr_t attr;
	long started = 0, i;

	tids = calloc(n, sizeof(*tids));
	if (!tids) {
		wl_err("failed to allocate thread table: %s", strerror(errno));
		goto cleanup;
	}
	err = wl_thread_attr_init(&attr);
	if (err) {
		wl_err("failed to init thread attributes: %s", strerror(err));
		goto cleanup;
	}
	attr_ok = true;
	if (cpus) {
		err = pthread_attr_setaffinity_np(&attr, sizeof(*cpus), cpus);
		if (err) {
			wl_err("failed to set thread affinity: %s", strerror(err));
			goto cleanup;
		}
	}
	for (; started < n; started++) {
		err = pthread_create(&tids[started], &attr, fn, arg);
		if (err) {
			wl_err("failed to create thread %ld: %s", started, strerror(err));
			goto cleanup;
		}
	}
	if (wl_ready(secs, NULL))
		goto cleanup;
	wl_wait();
	ret = WL_EXIT_OK;
cleanup:
	wl_end();
	for (i = 0; cancel && i < started; i++)
		pthread_cancel(tids[i]);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	if (attr_ok)
		pthread_attr_destroy(&attr);
	free(tids);
	return ret;
}

static inline void wl_set_nodelay(int fd)
{
	int one = 1;

	/* Best effort: without it Nagle and delayed ACKs only add latency to small writes. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* TCP socket listening on 127.0.0.1:port (0: ephemeral); *bound gets the port. Reports errors. */
static inline int wl_listen_loopback(long port, uint16_t *bound)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t len = sizeof(addr);
	int fd, one = 1;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		wl_err("failed to create listening socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) {
		wl_err("failed to set SO_REUSEADDR: %s", strerror(errno));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		wl_err("failed to bind 127.0.0.1:%ld: %s", port, strerror(errno));
		goto fail;
	}
	if (listen(fd, 16) || getsockname(fd, (struct sockaddr *)&addr, &len)) {
		wl_err("failed to listen on 127.0.0.1:%ld: %s", port, strerror(errno));
		goto fail;
	}
	*bound = ntohs(addr.sin_port);
	return fd;
fail:
	close(fd);
	return -1;
}

/* TCP socket connected to 127.0.0.1:port, TCP_NODELAY set. Reports errors. */
static inline int wl_connect_loopback(uint16_t port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		wl_err("failed to create client socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		wl_err("failed to connect to 127.0.0.1:%u: %s", port, strerror(errno));
		close(fd);
		return -1;
	}
	wl_set_nodelay(fd);
	return fd;
}

/*
 * First thing in a forked helper: die with the parent (checked for a parent already gone), and
 * leave terminal signals to the parent, which kills and reaps its helpers when it ends.
 */
static inline int wl_child_init(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL)) {
		wl_err("failed to set parent-death signal: %s", strerror(errno));
		return -1;
	}
	if (getppid() != parent)
		return -1;
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGALRM, SIG_IGN);
	return 0;
}

static inline void wl_reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

#endif /* WL_WORKLOAD_H */
