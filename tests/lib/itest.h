/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Integration-test helpers: start examples, run the real waitscope binary, capture its output. */
#ifndef WS_ITEST_H
#define WS_ITEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Skip (never pass) the current test when not root: integration tests load real BPF. */
#define ITEST_REQUIRE_ROOT()                                                            \
	do {                                                                            \
		if (geteuid() != 0)                                                     \
			cr_skip_test("needs root: loads BPF programs into the kernel"); \
	} while (0)

struct example {
	pid_t pid;        /* the example process we started */
	pid_t target;     /* "ready pid=N": the process to profile */
	int port;         /* "port=N" if given, else 0 */
	char line[512];   /* the whole ready line */
};

/* Path of a built file: $WAITSCOPE_BUILD/name (default ./build/name). */
const char *itest_build_path(const char *name, char *buf, size_t size);

/* Start build/examples/NAME with args (NULL-terminated) and wait up to 10 s for its ready line. */
int example_start(struct example *ex, const char *name, const char *const *args);
/* Same, for an example program at path (e.g. a copy under a unique name). */
int example_start_path(struct example *ex, const char *path, const char *const *args);
/* Start any program (e.g. wrk) in the background, output discarded; stop it with example_stop. */
int load_start(struct example *ex, const char *path, const char *const *args);
/* SIGTERM, wait up to 5 s, then SIGKILL; returns the exit status as from waitpid, or -1. */
int example_stop(struct example *ex);

struct run_result {
	int status;   /* exit status (0..255), or 128+signal */
	char *out;    /* stdout, NUL-terminated (caller frees with run_result_free) */
	char *err;    /* stderr */
};

/*
 * Run build/waitscope with args (NULL-terminated), at most timeout_s seconds. If ready_signal is
 * > 0 and ready_file is not NULL, send that signal to waitscope once ready_file appears.
 */
int waitscope_run(struct run_result *r, const char *const *args, double timeout_s);
int waitscope_run_signal(struct run_result *r, const char *const *args, double timeout_s,
			 const char *ready_file, int sig, double after_ready_s);
void run_result_free(struct run_result *r);

/* Everything left to read from fd (from its start when it seeks), NUL-terminated; NULL on ENOMEM. */
char *itest_slurp_fd(int fd);

/* Fill argv (size n) with "-p", "<pid>", "-d", "<secs>", "-j" and extra args; returns argv. */
const char **waitscope_args(const char **argv, size_t n, char *pidbuf, size_t pidsz, pid_t pid,
			    const char *secs, const char *const *extra);

#endif /* WS_ITEST_H */
