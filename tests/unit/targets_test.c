// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "targets/targets.h"

/* A constructed machine: init, two shells, a gunicorn master with workers, a lone gunicorn. */
static const struct proc_entry procs[] = {
	{ 1, 0, "systemd" },
	{ 100, 1, "bash" },
	{ 200, 100, "bash" },
	{ 300, 1, "gunicorn" },     /* master */
	{ 301, 300, "gunicorn" },   /* worker */
	{ 302, 300, "sh" },         /* wrapper between master and a worker */
	{ 303, 302, "gunicorn" },   /* worker below the wrapper: still one tree */
	{ 400, 200, "gunicorn" },   /* another, unrelated instance */
	{ 500, 200, "waitscope" },
	{ 600, 1, "nginx: worker" },
	{ 700, 1, "python3.11" },
};
#define NPROCS (sizeof(procs) / sizeof(procs[0]))

static size_t match(const char *name, pid_t self, pid_t *out, size_t max)
{
	pid_t *pids;
	size_t n, i;
	char errbuf[64];

	cr_assert_eq(match_by_name(procs, NPROCS, name, self, &pids, &n, errbuf, sizeof(errbuf)),
		     0, "pattern '%s'", name);
	for (i = 0; i < n && i < max; i++)
		out[i] = pids[i];
	free(pids);
	return n;
}

Test(targets, exact_comm, .description = "an exact name matches only that comm")
{
	pid_t p[8];

	cr_assert_eq(match("nginx: worker", 0, p, 8), 1);
	cr_assert_eq(p[0], 600);
	cr_assert_eq(match("bash", 0, p, 8), 2);
	cr_assert_eq(p[0], 100);
	cr_assert_eq(p[1], 200);
}

Test(targets, regex, .description = "extended regex anywhere in the comm; ^$ anchor it")
{
	pid_t p[8];

	cr_assert_eq(match("^python3\\.[0-9]+$", 0, p, 8), 1);
	cr_assert_eq(p[0], 700);
	cr_assert_eq(match("gun", 0, p, 8), 4);
	cr_assert_eq(match("^gun$", 0, p, 8), 0);
	cr_assert_eq(match("bash|nginx", 0, p, 8), 3);
	cr_assert_eq(match("zzz", 0, p, 8), 0, "no match is an empty list, not an error");
}

Test(targets, excludes_self, .description = "waitscope never matches itself")
{
	pid_t p[8];

	cr_assert_eq(match("waitscope", 500, p, 8), 0);
	cr_assert_eq(match("waitscope", 0, p, 8), 1);
}

Test(targets, bad_regex, .description = "an invalid pattern is -EINVAL with a reason")
{
	pid_t *pids = NULL;
	size_t n = 9;
	char errbuf[64] = "";

	cr_assert_eq(match_by_name(procs, NPROCS, "gun(", 0, &pids, &n, errbuf, sizeof(errbuf)),
		     -EINVAL);
	cr_assert_null(pids);
	cr_assert_eq(n, 0);
	cr_assert(errbuf[0], "regerror text given");
	cr_assert_eq(match_by_name(procs, NPROCS, "", 0, &pids, &n, errbuf, sizeof(errbuf)),
		     -EINVAL);
}

Test(targets, one_tree_is_not_ambiguous, .description = "master + workers: one root")
{
	const pid_t m[] = { 300, 301, 303 };
	pid_t roots[4];

	cr_assert_eq(match_roots(procs, NPROCS, m, 3, roots, 4), 1);
	cr_assert_eq(roots[0], 300);
}

Test(targets, two_trees_are_ambiguous, .description = "two unrelated instances: two roots")
{
	const pid_t m[] = { 300, 301, 303, 400 };
	const pid_t bashes[] = { 100, 200 };
	pid_t roots[4];

	cr_assert_eq(match_roots(procs, NPROCS, m, 4, roots, 4), 2);
	cr_assert_eq(roots[0], 300);
	cr_assert_eq(roots[1], 400);
	/* A shell and the shell it started are one tree. */
	cr_assert_eq(match_roots(procs, NPROCS, bashes, 2, roots, 4), 1);
	cr_assert_eq(roots[0], 100);
}

Test(targets, roots_capped, .description = "more roots than room: count all, list max")
{
	const pid_t m[] = { 600, 400, 700 };
	pid_t roots[2];

	cr_assert_eq(match_roots(procs, NPROCS, m, 3, roots, 2), 3);
}

Test(targets, parent_loop_terminates, .description = "a ppid cycle does not hang the walk")
{
	const struct proc_entry loop[] = { { 10, 11, "a" }, { 11, 10, "b" }, { 12, 10, "a" } };
	const pid_t m[] = { 10, 12 };
	pid_t roots[2];

	cr_assert_eq(match_roots(loop, 3, m, 2, roots, 2), 1);
	cr_assert_eq(roots[0], 10);
}

Test(targets, mountinfo, .description = "the cgroup2 mount point from mountinfo")
{
	const char *text =
		"22 28 0:21 / /sys rw,nosuid - sysfs sysfs rw\n"
		"26 22 0:6 / /sys/kernel/security rw - securityfs securityfs rw\n"
		"30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev shared:9 - cgroup2 cgroup2 rw,nsdelegate\n";
	const char *v1only = "31 22 0:27 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n";
	char m[64];

	cr_assert_eq(mountinfo_find_cgroup2(text, m, sizeof(m)), 0);
	cr_assert_str_eq(m, "/sys/fs/cgroup");
	cr_assert_eq(mountinfo_find_cgroup2(v1only, m, sizeof(m)), -ENOENT);
	cr_assert_eq(mountinfo_find_cgroup2("", m, sizeof(m)), -ENOENT);
	cr_assert_eq(mountinfo_find_cgroup2(text, m, 8), -ENAMETOOLONG);
}

struct path_case {
	char mount[32];
	char arg[64];
	int err;
	char want[96];
};

ParameterizedTestParameters(targets, cgroup_paths)
{
	static struct path_case cases[] = {
		{ "/sys/fs/cgroup", "/sys/fs/cgroup/system.slice/x.service", 0,
		  "/sys/fs/cgroup/system.slice/x.service" },
		{ "/sys/fs/cgroup", "system.slice/x.service", 0,
		  "/sys/fs/cgroup/system.slice/x.service" },
		{ "/sys/fs/cgroup", "/system.slice/x.service", 0,
		  "/sys/fs/cgroup/system.slice/x.service" },
		{ "/sys/fs/cgroup", "/sys/fs/cgroup", 0, "/sys/fs/cgroup" },
		{ "/sys/fs/cgroup", "/", 0, "/sys/fs/cgroup" },
		{ "/sys/fs/cgroup", "a/b/", 0, "/sys/fs/cgroup/a/b" },
		{ "/sys/fs/cgroup/", "a", 0, "/sys/fs/cgroup/a" },
		{ "/sys/fs/cgroup", "/sys/fs/cgroupx/a", 0, "/sys/fs/cgroup/sys/fs/cgroupx/a" },
		{ "/sys/fs/cgroup", "a..b", 0, "/sys/fs/cgroup/a..b" },
		{ "/sys/fs/cgroup", "", -EINVAL, "" },
		{ "/sys/fs/cgroup", "..", -EINVAL, "" },
		{ "/sys/fs/cgroup", "a/../../etc", -EINVAL, "" },
		{ "/sys/fs/cgroup", "/sys/fs/cgroup/..", -EINVAL, "" },
	};
	return cr_make_param_array(struct path_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct path_case *c, targets, cgroup_paths,
		  .description = "cgroup path: absolute inside the mount, else relative to it")
{
	char out[96] = "";
	int err = cgroup_resolve_path(c->mount, c->arg, out, sizeof(out));

	cr_assert_eq(err, c->err, "'%s': got %d want %d", c->arg, err, c->err);
	if (!c->err)
		cr_assert_str_eq(out, c->want, "'%s'", c->arg);
}

Test(targets, cgroup_path_too_long, .description = "a result that does not fit is refused")
{
	char out[20];

	cr_assert_eq(cgroup_resolve_path("/sys/fs/cgroup", "system.slice", out, sizeof(out)),
		     -ENAMETOOLONG);
}

Test(targets, cgroup_procs, .description = "cgroup.procs: one PID a line, appended")
{
	pid_t *pids = NULL;
	size_t n = 0, cap = 0;

	cr_assert_eq(cgroup_procs_parse("12\n345\n", &pids, &n, &cap), 0);
	cr_assert_eq(cgroup_procs_parse("", &pids, &n, &cap), 0);
	cr_assert_eq(cgroup_procs_parse("7", &pids, &n, &cap), 0);
	cr_assert_eq(n, 3);
	cr_assert_eq(pids[0], 12);
	cr_assert_eq(pids[1], 345);
	cr_assert_eq(pids[2], 7);
	cr_assert_eq(cgroup_procs_parse("8\nx\n", &pids, &n, &cap), -EINVAL);
	cr_assert_eq(cgroup_procs_parse("0\n", &pids, &n, &cap), -EINVAL);
	free(pids);
}

Test(targets, liveness, .description = "PID reuse: a different start time is another process")
{
	cr_assert_eq(target_liveness(1000, 0, 'S', 1000), TARGET_ALIVE);
	cr_assert_eq(target_liveness(1000, 0, 'R', 1001), TARGET_REUSED);
	cr_assert_eq(target_liveness(1000, -ENOENT, 0, 0), TARGET_EXITED);
	cr_assert_eq(target_liveness(1000, 0, 'Z', 1000), TARGET_EXITED);
	cr_assert_eq(target_liveness(0, 0, 'S', 5), TARGET_ALIVE, "unknown start: not reused");
}

Test(targets, cgroup_depth, .description = "depth below the mount: the kernel's cgroup level")
{
	cr_assert_eq(cgroup_level("/sys/fs/cgroup", "/sys/fs/cgroup"), 0);
	cr_assert_eq(cgroup_level("/sys/fs/cgroup", "/sys/fs/cgroup/a"), 1);
	cr_assert_eq(cgroup_level("/sys/fs/cgroup/", "/sys/fs/cgroup/system.slice/x.service"), 2);
	cr_assert_eq(cgroup_level("/sys/fs/cgroup/unified", "/sys/fs/cgroup/unified/a/b/c"), 3);
	cr_assert_eq(cgroup_level("/sys/fs/cgroup", "/sys/fs/cgroupx/a"), -EINVAL);
	cr_assert_eq(cgroup_level("/sys/fs/cgroup", "/proc"), -EINVAL);
}

Test(targets, usage_errors, .description = "no match, ambiguity, bad paths: exit 2; ENOMEM: 1")
{
	cr_assert(targets_usage_error(-ESRCH));
	cr_assert(targets_usage_error(-EEXIST));
	cr_assert(targets_usage_error(-ENOTDIR));
	cr_assert(!targets_usage_error(-ENOMEM));
	cr_assert(!targets_usage_error(-EACCES));
}
