// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration tests for the ways of naming targets (-n, -c, -u), PID reuse and -i interval
 * lines: the real waitscope binary, the real BPF object, real example workloads.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "itest.h"
#include "jl_assert.h"
#include "json_lite.h"

#define TIMEOUT 60

static void require_root(void)
{
	ITEST_REQUIRE_ROOT();
}

/* What a test leaves on the machine, removed by the suite's fini even when the test fails. */
static char scratch_file[256]; /* an example copy or a ready file in /tmp */
static char test_cgroup[600];  /* a cgroup made for the test */
static char user_dir[64];      /* a directory the -u child writes to */

static void cgroup_remove(void)
{
	char procs[700], parent[700], buf[4096], *line, *save = NULL;
	FILE *f;
	size_t n;
	int i;

	/* Members left behind (a failed test) go back to the parent cgroup first. */
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", test_cgroup);
	snprintf(parent, sizeof(parent), "%s", test_cgroup);
	*strrchr(parent, '/') = '\0';
	strcat(parent, "/cgroup.procs");
	f = fopen(procs, "r");
	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		f = fopen(parent, "w");
		if (f) {
			fputs(line, f);
			fclose(f);
		}
	}
	for (i = 0; i < 100 && rmdir(test_cgroup) && errno == EBUSY; i++)
		usleep(20000);
}

static void cleanup(void)
{
	char cmd[128];

	if (scratch_file[0])
		unlink(scratch_file);
	if (test_cgroup[0])
		cgroup_remove();
	if (user_dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", user_dir);
		if (system(cmd))
			fprintf(stderr, "failed to remove %s\n", user_dir);
	}
	scratch_file[0] = test_cgroup[0] = user_dir[0] = '\0';
}

TestSuite(targets, .init = require_root, .fini = cleanup, .timeout = TIMEOUT);

static struct jl_value *parse_ok(const struct run_result *r, const char *text)
{
	struct jl_value *v;
	char err[256];

	cr_assert_eq(r->status, 0, "waitscope failed (%d): %s", r->status, r->err);
	v = jl_parse(text, strlen(text), err, sizeof(err));
	cr_assert_not_null(v, "invalid JSON (%s): %s", err, text);
	return v;
}

/* Copy an example binary to /tmp under a name no other process on the machine has. */
static void unique_copy(const char *example, char *path, size_t size, char *name, size_t nsize)
{
	char src[512], rel[128], cmd[1200];

	snprintf(rel, sizeof(rel), "examples/%s", example);
	itest_build_path(rel, src, sizeof(src));
	snprintf(name, nsize, "wsn%d%c", (int)getpid(), example[0]);
	snprintf(path, size, "/tmp/%s", name);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, path);
	snprintf(scratch_file, sizeof(scratch_file), "%s", path);
	cr_assert_eq(system(cmd), 0, "copy %s", src);
}

/* A time field (e.g. "on_cpu_ns") summed over the report's threads of process tgid. */
static unsigned long long process_time(const struct jl_value *root, pid_t tgid, const char *field)
{
	const struct jl_value *threads = jl_get(root, "threads");
	unsigned long long sum = 0;
	size_t i;

	for (i = 0; i < jl_len(threads); i++)
		if (get_u(jl_at(threads, i), "tgid") == (unsigned long long)tgid)
			sum += get_u(jl_at(threads, i), field);
	return sum;
}

/* A spinner is always on CPU or runnable, whatever the machine's load: their sum is its time. */
static unsigned long long runnable_ns(const struct jl_value *root, pid_t tgid)
{
	return process_time(root, tgid, "on_cpu_ns") + process_time(root, tgid, "runq_ns");
}

/* waitscope with args must exit 2 with one line on stderr holding msg. */
static void expect_usage_error(const char *const *args, const char *msg)
{
	struct run_result r;

	cr_assert_eq(waitscope_run(&r, args, TIMEOUT), 0);
	cr_assert_eq(r.status, 2, "%s: exit %d: %s", args[0], r.status, r.err);
	cr_assert_not_null(strstr(r.err, msg), "want '%s': %s", msg, r.err);
	cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "one line: %s", r.err);
	run_result_free(&r);
}

/* Does the JSON report list process pid among its targets? */
static bool has_target(const struct jl_value *root, pid_t pid)
{
	const struct jl_value *t = jl_get(root, "targets");
	size_t i;

	for (i = 0; i < jl_len(t); i++)
		if (get_u(jl_at(t, i), "pid") == (unsigned long long)pid)
			return true;
	return false;
}

Test(targets, name_unique, .description = "-n finds the one process with that comm, or regex")
{
	const char *sp_args[] = { "-n", "1", NULL };
	char path[256], name[32], re[48];
	struct run_result r;
	struct example ex;
	struct jl_value *v;

	unique_copy("spinner", path, sizeof(path), name, sizeof(name));
	cr_assert_eq(example_start_path(&ex, path, sp_args), 0);
	{
		const char *args[] = { "-n", name, "-d", "1", "-j", NULL };

		cr_assert_eq(waitscope_run(&r, args, TIMEOUT), 0);
		v = parse_ok(&r, r.out);
		cr_assert_eq(jl_len(jl_get(v, "targets")), 1, "%s", r.out);
		cr_assert(has_target(v, ex.target));
		cr_assert(process_time(v, ex.target, "on_cpu_ns") > 0, "the spinner ran");
		cr_assert(runnable_ns(v, ex.target) > 800000000ull, "the spinner was profiled: %llu ns "
			  "on CPU or runnable", runnable_ns(v, ex.target));
		jl_free(v);
		run_result_free(&r);
	}
	snprintf(re, sizeof(re), "^%.*s$", (int)strlen(name), name);
	{
		const char *args[] = { "-n", re, "-d", "0.5", "-j", NULL };

		cr_assert_eq(waitscope_run(&r, args, TIMEOUT), 0);
		v = parse_ok(&r, r.out);
		cr_assert(has_target(v, ex.target), "regex %s", re);
		jl_free(v);
		run_result_free(&r);
	}
	example_stop(&ex);
	unlink(path);
}

Test(targets, name_one_tree, .description = "-n matching a parent and its children is fine")
{
	const char *fk_args[] = { "-n", "2", "-D", "0", NULL };
	char path[256], name[32];
	struct run_result r;
	struct example ex;
	struct jl_value *v;

	unique_copy("forker", path, sizeof(path), name, sizeof(name));
	cr_assert_eq(example_start_path(&ex, path, fk_args), 0);
	usleep(300000); /* the children are forked right after the ready line */
	{
		const char *args[] = { "-n", name, "-d", "0.5", "-j", NULL };

		cr_assert_eq(waitscope_run(&r, args, TIMEOUT), 0);
		v = parse_ok(&r, r.out);
		cr_assert_eq(jl_len(jl_get(v, "targets")), 3, "parent + 2 children: %s", r.out);
		cr_assert(has_target(v, ex.target));
		jl_free(v);
		run_result_free(&r);
	}
	example_stop(&ex);
	unlink(path);
}

Test(targets, name_errors, .description = "-n: ambiguous and empty matches exit 2, one line")
{
	const char *sp_args[] = { "-n", "1", NULL };
	char path[256], name[32], p1[16], p2[16];
	struct run_result r;
	struct example a, b;

	unique_copy("sleeper", path, sizeof(path), name, sizeof(name));
	cr_assert_eq(example_start_path(&a, path, sp_args), 0);
	cr_assert_eq(example_start_path(&b, path, sp_args), 0);
	{
		const char *args[] = { "-n", name, "-d", "0.5", NULL };

		cr_assert_eq(waitscope_run(&r, args, TIMEOUT), 0);
		cr_assert_eq(r.status, 2, "%s", r.err);
		snprintf(p1, sizeof(p1), "%d", a.target);
		snprintf(p2, sizeof(p2), "%d", b.target);
		cr_assert_not_null(strstr(r.err, "ambiguous"), "%s", r.err);
		cr_assert_not_null(strstr(r.err, p1), "names candidate %s: %s", p1, r.err);
		cr_assert_not_null(strstr(r.err, p2), "names candidate %s: %s", p2, r.err);
		cr_assert_not_null(strstr(r.err, "-p"), "suggests -p: %s", r.err);
		cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "one line: %s", r.err);
		run_result_free(&r);
	}
	example_stop(&a);
	example_stop(&b);
	unlink(path);
	{
		const char *args[] = { "-n", name, "-d", "0.5", NULL };

		expect_usage_error(args, "no process matches");
	}
}

/* The cgroup2 mount point (from /proc/self/mountinfo), or skip the test. */
static void cgroup2_mount(char *mount, size_t size)
{
	char line[1024], mnt[512], fstype[64];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	bool found = false;

	cr_assert_not_null(f);
	while (!found && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (sep && sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1 &&
		    sscanf(sep + 3, "%63s", fstype) == 1 && !strcmp(fstype, "cgroup2"))
			found = true;
	}
	fclose(f);
	if (!found)
		cr_skip_test("needs a cgroup2 file system mounted");
	snprintf(mount, size, "%s", mnt);
}

static void write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	n = write(fd, s, strlen(s));
	close(fd);
	cr_assert_eq(n, (ssize_t)strlen(s), "write %s to %s: %s", s, path, strerror(errno));
}

Test(targets, cgroup, .description = "-c profiles every process of a cgroup; errors exit 2")
{
	const char *sp_args[] = { "-n", "1", NULL };
	char mount[512], rel[64], procs[700], pidbuf[16];
	struct run_result r;
	struct example ex;
	struct jl_value *v;

	cgroup2_mount(mount, sizeof(mount));
	snprintf(rel, sizeof(rel), "wstest-%d", (int)getpid());
	snprintf(test_cgroup, sizeof(test_cgroup), "%s/%s", mount, rel);
	cr_assert_eq(mkdir(test_cgroup, 0755), 0, "mkdir %s: %s", test_cgroup, strerror(errno));
	{
		const char *args[] = { "-c", rel, "-d", "0.5", NULL };

		expect_usage_error(args, "has no processes");
	}
	cr_assert_eq(example_start(&ex, "spinner", sp_args), 0);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", test_cgroup);
	snprintf(pidbuf, sizeof(pidbuf), "%d", ex.target);
	write_str(procs, pidbuf);
	{
		/* The absolute path form, as the mount shows it. */
		const char *args[] = { "-c", test_cgroup, "-d", "1", "-j", NULL };

		cr_assert_eq(waitscope_run(&r, args, TIMEOUT), 0);
		v = parse_ok(&r, r.out);
		cr_assert_eq(jl_len(jl_get(v, "targets")), 1, "%s", r.out);
		cr_assert(has_target(v, ex.target));
		cr_assert(process_time(v, ex.target, "on_cpu_ns") > 0, "the spinner ran");
		cr_assert(runnable_ns(v, ex.target) > 800000000ull, "the spinner was profiled the "
			  "whole 1 s window: %llu ns on CPU or runnable", runnable_ns(v, ex.target));
		jl_free(v);
		run_result_free(&r);
	}
	example_stop(&ex); /* reaped: the cgroup is empty again and can go */
	{
		const char *args[] = { "-c", "wstest-no-such-cgroup", "-d", "0.5", NULL };

		expect_usage_error(args, "no such cgroup");
	}
	{
		const char *args[] = { "-c", "/proc", "-d", "0.5", NULL };

		expect_usage_error(args, "not a cgroup v2");
	}
}


Test(targets, cgroup_migration, .description = "-c: a process moved into the cgroup mid-window "
     "becomes a target")
{
	const char *sp_args[] = { "-n", "1", NULL };
	char mount[512], procs[700], pidbuf[16], ready[64];
	struct example in, later;
	struct run_result r;
	struct jl_value *v;
	pid_t mover;
	int status, i;

	cgroup2_mount(mount, sizeof(mount));
	snprintf(test_cgroup, sizeof(test_cgroup), "%s/wstest-%d", mount, (int)getpid());
	cr_assert_eq(mkdir(test_cgroup, 0755), 0, "mkdir %s: %s", test_cgroup, strerror(errno));
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", test_cgroup);
	cr_assert_eq(example_start(&in, "sleeper", sp_args), 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", in.target);
	write_str(procs, pidbuf);
	cr_assert_eq(example_start(&later, "spinner", sp_args), 0);
	snprintf(ready, sizeof(ready), "/tmp/wscg-%d.ready", (int)getpid());
	unlink(ready);
	snprintf(scratch_file, sizeof(scratch_file), "%s", ready);
	mover = fork();
	cr_assert(mover >= 0);
	if (mover == 0) {
		int fd;

		for (i = 0; i < 1000 && access(ready, F_OK); i++)
			usleep(10000);
		usleep(300000);
		snprintf(pidbuf, sizeof(pidbuf), "%d", later.target);
		fd = open(procs, O_WRONLY);
		_exit(fd >= 0 && write(fd, pidbuf, strlen(pidbuf)) > 0 ? 0 : 1);
	}
	{
		const char *args[] = { "-c", test_cgroup, "-d", "2", "-j", "--ready-file", ready,
				       NULL };

		cr_assert_eq(waitscope_run(&r, args, TIMEOUT), 0);
	}
	waitpid(mover, &status, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "moved the spinner in");
	v = parse_ok(&r, r.out);
	cr_assert(has_target(v, in.target), "the member at the start");
	/* Moved in ~0.3 s into a 2 s window: profiled for well over a second. */
	cr_assert(process_time(v, later.target, "on_cpu_ns") > 0, "the moved-in spinner ran");
	cr_assert(runnable_ns(v, later.target) > 1000000000ull, "moved-in spinner on CPU or "
		  "runnable %llu ns", runnable_ns(v, later.target));
	jl_free(v);
	run_result_free(&r);
	example_stop(&in);
	example_stop(&later);
	unlink(ready);
}

Test(targets, user, .description = "-u nobody: the command runs as nobody, waitscope as root")
{
	char script[512], out[256], status[4096];
	struct run_result r;
	FILE *f;
	char *uid;

	snprintf(user_dir, sizeof(user_dir), "/tmp/wsuser.XXXXXX");
	cr_assert_not_null(mkdtemp(user_dir));
	cr_assert_eq(chmod(user_dir, 0777), 0);
	snprintf(out, sizeof(out), "%s/status", user_dir);
	/* The child copies its own /proc status where the test can read it. */
	snprintf(script, sizeof(script), "cat /proc/self/status > %s; sleep 0.3", out);
	{
		const char *args[] = { "-u", "nobody", "-j", "--", "/bin/sh", "-c", script, NULL };

		cr_assert_eq(waitscope_run(&r, args, TIMEOUT), 0);
		cr_assert_eq(r.status, 0, "%s", r.err);
		run_result_free(&r);
	}
	f = fopen(out, "r");
	cr_assert_not_null(f, "the command wrote %s", out);
	status[fread(status, 1, sizeof(status) - 1, f)] = '\0';
	fclose(f);
	uid = strstr(status, "\nUid:");
	cr_assert_not_null(uid);
	cr_assert_eq(strncmp(uid, "\nUid:\t65534\t65534\t65534\t65534", 29), 0, "%.40s", uid);
	cr_assert_not_null(strstr(status, "\nGid:\t65534\t65534\t65534\t65534"), "%s", status);
	cr_assert_not_null(strstr(status, "\nGroups:\t65534"), "%s", status);
	{
		const char *args[] = { "-u", "no-such-user-ws", "--", "/bin/true", NULL };

		expect_usage_error(args, "no such user");
	}
	{
		const char *args[] = { "-u", "nobody", "-p", "1", NULL };

		expect_usage_error(args, "needs a command");
	}
}

static int write_last_pid(pid_t pid)
{
	char buf[16];
	int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY), n, rc;

	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	rc = write(fd, buf, (size_t)n) == n ? 0 : -errno;
	close(fd);
	return rc;
}

/*
 * The helper process of the PID reuse test: start the short-lived target, report its PID, wait
 * for waitscope to attach, stop the target, and start a spinner on the very same PID.
 * Reports "target", then "spinner PID" (or "failed WHY") on fd; keeps the spinner running.
 */
static void reuse_helper(int fd, const char *ready_file, double spin_s)
{
	/*
	 * The spinner's main thread and first thread reuse the sleeper's two thread ids too; its
	 * other threads get fresh ids, so reuse cannot hide behind the sleeper's exit records.
	 */
	const char *sl_args[] = { "-n", "1", NULL }, *sp_args[] = { "-n", "3", NULL };
	struct example a, sp = { 0 };
	char msg[64];
	int tries, i;

	if (example_start(&a, "sleeper", sl_args))
		_exit(1);
	dprintf(fd, "%d\n", a.target);
	for (i = 0; i < 1000 && access(ready_file, F_OK); i++)
		usleep(10000);
	usleep(300000);
	example_stop(&a); /* reaped: its PID is free */
	for (tries = 0; tries < 50; tries++) {
		if (write_last_pid(a.target - 1)) {
			snprintf(msg, sizeof(msg), "failed ns_last_pid: %s", strerror(errno));
			break;
		}
		if (example_start(&sp, "spinner", sp_args)) {
			snprintf(msg, sizeof(msg), "failed to start spinner");
			break;
		}
		if (sp.target == a.target)
			break;
		example_stop(&sp); /* another fork got there first: try again */
		sp.pid = 0;
	}
	if (sp.pid && sp.target == a.target)
		snprintf(msg, sizeof(msg), "spinner %d", sp.target);
	else if (tries == 50)
		snprintf(msg, sizeof(msg), "failed to get PID %d in 50 tries", a.target);
	dprintf(fd, "%s\n", msg);
	usleep((useconds_t)(spin_s * 1e6));
	example_stop(&sp);
	_exit(0);
}

Test(targets, pid_reuse, .description = "a target's PID reused by a new process is not profiled")
{
	const char *sl_args[] = { "-n", "1", NULL };
	char ready[64], pids[48], msg[128] = "";
	const struct jl_value *threads;
	struct run_result r;
	struct example b;
	struct jl_value *v;
	int pipefd[2], status;
	pid_t helper, a_pid = 0, sp_pid = 0;
	FILE *f;
	size_t i;

	if (access("/proc/sys/kernel/ns_last_pid", W_OK))
		cr_skip_test("needs a writable /proc/sys/kernel/ns_last_pid to force PID reuse");
	snprintf(ready, sizeof(ready), "/tmp/wsreuse-%d.ready", (int)getpid());
	unlink(ready);
	snprintf(scratch_file, sizeof(scratch_file), "%s", ready);
	cr_assert_eq(example_start(&b, "sleeper", sl_args), 0); /* keeps the window open */
	cr_assert_eq(pipe(pipefd), 0);
	helper = fork();
	cr_assert(helper >= 0);
	if (helper == 0) {
		close(pipefd[0]);
		reuse_helper(pipefd[1], ready, 4.0);
	}
	close(pipefd[1]);
	f = fdopen(pipefd[0], "r");
	cr_assert(fscanf(f, "%d", &a_pid) == 1 && a_pid > 0, "helper started the target");
	snprintf(pids, sizeof(pids), "%d,%d", a_pid, b.target);
	{
		const char *args[] = { "-p", pids, "-d", "3", "-j", "--ready-file", ready, NULL };

		cr_assert_eq(waitscope_run(&r, args, TIMEOUT), 0);
	}
	cr_assert_eq(fscanf(f, " %127[^\n]", msg), 1, "helper result");
	cr_assert(sscanf(msg, "spinner %d", &sp_pid) == 1, "PID reuse not forced: %s", msg);
	cr_assert_eq(sp_pid, a_pid, "the spinner got the target's PID");

	v = parse_ok(&r, r.out);
	/* The spinner ran ~2.5 s of the window on the reused PID: none of it may show. */
	cr_assert(get_u(v, "totals.on_cpu_ns") < 200000000ull, "on-CPU %llu ns: the spinner "
		  "was counted: %s", get_u(v, "totals.on_cpu_ns"), r.out);
	threads = jl_get(v, "threads");
	for (i = 0; i < jl_len(threads); i++)
		cr_assert_str_neq(jl_get_str(jl_at(threads, i), "comm"), "spinner");
	jl_free(v);
	run_result_free(&r);

	waitpid(helper, &status, 0);
	fclose(f);
	example_stop(&b);
	unlink(ready);
}

Test(targets, interval_json_lines, .description = "-i 0.5 -d 2 -j: JSON Lines, then the report")
{
	const char *sp_args[] = { "-n", "1", NULL };
	const char *extra[] = { "-i", "0.5", NULL };
	const char *argv[16];
	char pidbuf[16], *line, *save = NULL;
	struct run_result r;
	struct example ex;
	size_t intervals = 0, reports = 0;

	cr_assert_eq(example_start(&ex, "spinner", sp_args), 0);
	waitscope_args(argv, 16, pidbuf, sizeof(pidbuf), ex.target, "2", extra);
	cr_assert_eq(waitscope_run(&r, argv, TIMEOUT), 0);
	example_stop(&ex);
	cr_assert_eq(r.status, 0, "%s", r.err);
	for (line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct jl_value *v = parse_ok(&r, line);
		const char *type = jl_get_str(v, "type");

		cr_assert_eq(reports, 0, "the report is the last line");
		if (type && !strcmp(type, "interval")) {
			double busy = get_d(v, "busy_on_cpu_share");

			intervals++;
			cr_assert(busy > 0.9, "interval %zu: spinner busy on-CPU share %.3f: %s",
				  intervals, busy, line);
			cr_assert_eq(get_u(v, "threads"), 2, "%s", line);
			cr_assert(get_d(v, "interval_s") > 0.2, "%s", line);
		} else {
			cr_assert_str_eq(jl_get_str(v, "schema"), "waitscope/1", "%s", line);
			reports++;
		}
		jl_free(v);
	}
	cr_assert(intervals >= 3 && intervals <= 5, "%zu interval lines", intervals);
	cr_assert_eq(reports, 1);
	run_result_free(&r);
}

/* Run cmd under script(1), so that waitscope's stderr is a terminal; returns what it printed. */
static char *run_on_tty(const char *cmd)
{
	char *buf = NULL, line[2048];
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len), *p;
	size_t n;

	snprintf(line, sizeof(line), "script -qec '%s' /dev/null", cmd);
	p = popen(line, "r");
	cr_assert_not_null(p);
	while ((n = fread(line, 1, sizeof(line), p)) > 0)
		fwrite(line, 1, n, out);
	pclose(p);
	fclose(out);
	return buf;
}

Test(targets, progress_on_tty_only, .description = "progress line on a terminal, erased; none "
     "when stderr is not a terminal, none with -i")
{
	const char *sp_args[] = { "-n", "1", NULL };
	char ws[512], cmd[700], pid[16], *out, *last;
	struct run_result r;
	struct example ex;

	if (system("command -v script > /dev/null"))
		cr_skip_test("needs script(1) (bsdutils) to give waitscope a terminal");
	cr_assert_eq(example_start(&ex, "spinner", sp_args), 0);
	itest_build_path("waitscope", ws, sizeof(ws));
	snprintf(pid, sizeof(pid), "%d", ex.target);
	snprintf(cmd, sizeof(cmd), "%s -p %s -d 1", ws, pid);
	out = run_on_tty(cmd);
	cr_assert_not_null(strstr(out, "\rwaitscope: 0."), "progress shown: %s", out);
	cr_assert_not_null(strstr(out, " / 1.0 s, "), "elapsed / total: %s", out);
	cr_assert_not_null(strstr(out, " events"), "events seen: %s", out);
	/* Erased: blanks over the last progress line, a carriage return, then the report. */
	last = strstr(out, "\rwaitscope: pid ");
	cr_assert(last && last > out && last[-1] == ' ', "cleared before the report: %s", out);
	/* (the report's overhead line says "events" too: look for the progress format) */
	cr_assert_null(strstr(last, " / 1.0 s, "), "no progress after the clear");
	free(out);

	snprintf(cmd, sizeof(cmd), "%s -p %s -d 1 -i 0.5", ws, pid);
	out = run_on_tty(cmd);
	cr_assert_null(strstr(out, " / 1.0 s, "), "no progress with -i: %s", out);
	free(out);
	{
		const char *args[] = { "-p", pid, "-d", "0.5", NULL };

		cr_assert_eq(waitscope_run(&r, args, TIMEOUT), 0);
		cr_assert_eq(r.status, 0, "%s", r.err);
		cr_assert_null(strchr(r.err, '\r'), "no progress into a pipe: %s", r.err);
		run_result_free(&r);
	}
	example_stop(&ex);
}
