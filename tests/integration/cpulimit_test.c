// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A target in a cgroup with a CPU quota: the model sees the quota, not the online CPUs. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "host/cpulimit.h"
#include "itest.h"
#include "json_lite.h"

#define TIMEOUT 60

static char cg_dir[256];

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -EIO;
}

/* A fresh cgroup limited to half a CPU: v2 (cpu.max) or v1 (cfs quota), whichever is here. */
static bool make_limited_cgroup(void)
{
	char buf[256];
	FILE *f;

	snprintf(cg_dir, sizeof(cg_dir), "/sys/fs/cgroup/waitscope-quota-%d", getpid());
	f = fopen("/sys/fs/cgroup/cgroup.subtree_control", "r");
	if (f) {
		bool cpu = fgets(buf, sizeof(buf), f) && strstr(buf, "cpu");

		fclose(f);
		if (cpu && mkdir(cg_dir, 0755) == 0) {
			if (write_file(cg_dir, "cpu.max", "50000 100000") == 0)
				return true;
			rmdir(cg_dir);
		}
	}
	snprintf(cg_dir, sizeof(cg_dir), "/sys/fs/cgroup/cpu/waitscope-quota-%d", getpid());
	if (mkdir(cg_dir, 0755) == 0) {
		if (write_file(cg_dir, "cpu.cfs_period_us", "100000") == 0 &&
		    write_file(cg_dir, "cpu.cfs_quota_us", "50000") == 0)
			return true;
		rmdir(cg_dir);
	}
	cg_dir[0] = '\0';
	return false;
}

static void setup(void)
{
	ITEST_REQUIRE_ROOT();
	if (!make_limited_cgroup())
		cr_skip_test("no writable cgroup CPU controller (v2 cpu.max or v1 cfs quota)");
}

static void teardown(void)
{
	if (cg_dir[0])
		rmdir(cg_dir); /* empty once the example is stopped */
}

TestSuite(cpulimit, .init = setup, .fini = teardown, .timeout = TIMEOUT);

Test(cpulimit, quota_is_the_cpu_budget,
     .description = "a spinner in a 0.5-CPU cgroup: quota read back, and named in the verdict")
{
	const char *args[] = { "-n", "1", NULL };
	const char *argv[16];
	char pidbuf[16], pid[16], err[256];
	struct run_result r;
	struct example ex;
	struct jl_value *j;
	const char *ev;

	cr_assert_eq(example_start(&ex, "spinner", args), 0);
	snprintf(pid, sizeof(pid), "%d", ex.target);
	cr_assert_eq(write_file(cg_dir, "cgroup.procs", pid), 0, "move into %s", cg_dir);
	cr_expect_float_eq(cpulimit_of_pid(ex.target), 0.5, 1e-6);
	waitscope_args(argv, 16, pidbuf, sizeof(pidbuf), ex.target, "2", NULL);
	cr_assert_eq(waitscope_run(&r, argv, TIMEOUT), 0);
	example_stop(&ex);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = jl_parse(r.out, strlen(r.out), err, sizeof(err));
	cr_assert_not_null(j, "%s", err);
	ev = jl_get_str(j, "prediction.conditions[2].evidence");
	cr_assert_not_null(ev);
	cr_expect_not_null(strstr(ev, "cgroup quota 0.50 CPUs"), "%s", ev);
	jl_free(j);
	run_result_free(&r);
}
