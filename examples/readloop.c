/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * readloop: a syscall storm. One thread reads 1 byte at a time from /dev/zero in a tight loop:
 * the worst case for a profiler on sys_enter/sys_exit. Reports reads per second on stderr.
 */
#include <fcntl.h>
#include "storm.h"

struct opts {
	long warm_ms;
	double secs;
};

static const char usage[] =
	"Usage: readloop [-w MS] [-t SECONDS]\n"
	"Read /dev/zero one byte per read() as fast as one thread can.\n"
	"\n"
	STORM_USAGE_WARM_HELP
	WL_USAGE_TIME_HELP
	"\n"
	"Prints \"ready pid=PID\" on stdout once reading, and at the end one line on stderr:\n"
	"\"result ops=N secs=S ops_per_s=R ns_per_op=T\" (reads after the warm-up).\n"
	"\n"
	"EXAMPLES:\n"
	"  readloop -w 2000 -t 7   # 5 s measured after 2 s for a profiler to attach\n";

static void *reader(void *arg)
{
	int fd = *(int *)arg;
	unsigned long long n = 0;
	char c;

	while (!wl_ended()) {
		if (read(fd, &c, 1) != 1) {
			wl_err("failed to read /dev/zero: %s", strerror(errno));
			break;
		}
		storm_count(++n);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	const struct wl_opt opts[] = {
		{ 'w', "warmup", WL_OPT_LONG, 0, 3600000, &o.warm_ms },
	};
	int ret, fd;

	ret = wl_parse_opts(argc, argv, opts, WL_ARRAY_SIZE(opts), &o.secs, usage);
	if (ret != WL_RUN)
		return ret;
	if (wl_setup_signals())
		return WL_EXIT_FAIL;
	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		wl_err("failed to open /dev/zero: %s", strerror(errno));
		return WL_EXIT_FAIL;
	}
	ret = storm_run(reader, &fd, o.warm_ms, o.secs);
	close(fd);
	return ret;
}
