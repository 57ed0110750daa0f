// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * emptyprobe: load a BPF object, attach all its programs, wait for SIGINT or SIGTERM, then print
 * each program's runs and run time per run (BPF run-time stats, with -s). For bench/overhead.sh:
 * the empty handlers of bench/empty.bpf.c measure the floor under waitscope's hot tracepoints.
 *
 * Usage: emptyprobe [-s] [-r READY_FILE] OBJECT.bpf.o
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define MAX_LINKS 16

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int write_ready(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs("ready\n", f);
	return fclose(f) ? -errno : 0;
}

int main(int argc, char **argv)
{
	struct bpf_link *links[MAX_LINKS] = { 0 };
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	const char *ready = NULL;
	int opt, n = 0, i, stats_fd = -1, rc = 1;
	bool stats = false;

	while ((opt = getopt(argc, argv, "sr:h")) != -1) {
		switch (opt) {
		case 's':
			stats = true;
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			fprintf(stderr, "usage: emptyprobe [-s] [-r READY_FILE] OBJECT.bpf.o\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: emptyprobe [-s] [-r READY_FILE] OBJECT.bpf.o\n");
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	obj = bpf_object__open_file(argv[optind], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "emptyprobe: failed to load %s: %s\n", argv[optind], strerror(errno));
		goto cleanup;
	}
	if (stats) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0)
			fprintf(stderr, "emptyprobe: no BPF stats: %s\n", strerror(errno));
	}
	bpf_object__for_each_program(prog, obj) {
		if (n == MAX_LINKS)
			break;
		links[n] = bpf_program__attach(prog);
		if (!links[n]) {
			fprintf(stderr, "emptyprobe: failed to attach %s: %s\n",
				bpf_program__name(prog), strerror(errno));
			goto cleanup;
		}
		n++;
	}
	if (ready && write_ready(ready)) {
		fprintf(stderr, "emptyprobe: failed to write %s\n", ready);
		goto cleanup;
	}
	while (!stop)
		pause();
	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			continue;
		printf("%s\t%llu\t%.1f\n", bpf_program__name(prog),
		       (unsigned long long)info.run_cnt,
		       info.run_cnt ? (double)info.run_time_ns / (double)info.run_cnt : 0.0);
	}
	rc = 0;
cleanup:
	for (i = 0; i < n; i++)
		bpf_link__destroy(links[i]);
	if (stats_fd >= 0)
		close(stats_fd);
	bpf_object__close(obj);
	return rc;
}
