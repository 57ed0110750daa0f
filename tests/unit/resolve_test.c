// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "model/profile.h"
#include "targets/targets.h"

/* A PID no process has: pid_max itself (PIDs stop one below). */
static pid_t unused_pid(void)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
	int max = 4194304;

	if (f) {
		cr_assert_eq(fscanf(f, "%d", &max), 1);
		fclose(f);
	}
	return (pid_t)max;
}

Test(targets_resolve, self, .description = "-p PID: validated, described, its tgid returned")
{
	pid_t self = getpid();
	struct target_spec s = { .pids = &self, .n_pids = 1 };
	struct target_set ts;

	cr_assert_eq(targets_resolve(&s, &ts), 0);
	cr_assert_eq(ts.n, 1);
	cr_assert_eq(ts.tgids[0], self);
	cr_assert_eq(ts.info[0].tgid, self);
	cr_assert_neq(ts.info[0].start_ticks, 0, "recorded for the PID reuse check");
	cr_assert_eq(ts.cg.id, 0);
	cr_assert(!ts.has_cred);
	target_set_free(&ts);
}

static void *park(void *arg)
{
	pid_t *tid = arg;

	__atomic_store_n(tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	pause();
	return NULL;
}

Test(targets_resolve, thread_id, .description = "a thread id becomes its process")
{
	struct target_spec s = { .n_pids = 1 };
	struct target_set ts;
	pthread_t th;
	pid_t tid = 0;

	cr_assert_eq(pthread_create(&th, NULL, park, &tid), 0);
	while (!__atomic_load_n(&tid, __ATOMIC_SEQ_CST))
		usleep(1000);
	s.pids = &tid;
	cr_assert_eq(targets_resolve(&s, &ts), 0);
	cr_assert_eq(ts.tgids[0], getpid());
	target_set_free(&ts);
	pthread_cancel(th);
	pthread_join(th, NULL);
}

Test(targets_resolve, no_such_pid, .description = "a missing process is a usage error")
{
	pid_t pid = unused_pid();
	struct target_spec s = { .pids = &pid, .n_pids = 1 };
	struct target_set ts;

	cr_assert_eq(targets_resolve(&s, &ts), -ESRCH);
	cr_assert(ts.usage_error);
	target_set_free(&ts);
}

Test(targets_resolve, no_such_user, .description = "-u with an unknown user is a usage error")
{
	char *argv[] = { "true", NULL };
	struct target_spec s = { .command = argv, .user = "no-such-user-waitscope" };
	struct target_set ts;

	cr_assert_neq(targets_resolve(&s, &ts), 0);
	cr_assert(ts.usage_error);
	target_set_free(&ts);
}

Test(targets_resolve, command_slot, .description = "a command: one slot, filled at launch")
{
	char *argv[] = { "true", NULL };
	struct target_spec s = { .command = argv, .user = "0" };
	struct target_set ts;

	cr_assert_eq(targets_resolve(&s, &ts), 0);
	cr_assert_eq(ts.n, 1);
	cr_assert_eq(ts.tgids[0], 0);
	cr_assert(ts.has_cred);
	cr_assert_eq(ts.cred.uid, 0);
	target_set_free(&ts);
}

Test(targets_resolve, to_profile, .description = "the profile takes the target list; tgids stay")
{
	pid_t self = getpid();
	struct target_spec s = { .pids = &self, .n_pids = 1 };
	struct target_set ts;
	struct ws_profile p;

	profile_init(&p);
	cr_assert_eq(targets_resolve(&s, &ts), 0);
	targets_to_profile(&ts, &p);
	cr_assert_null(ts.info);
	cr_assert_eq(p.n_targets, 1);
	cr_assert_eq(p.targets[0].tgid, self);
	cr_assert_eq(ts.tgids[0], self);
	target_set_free(&ts);
	profile_free(&p);
}

Test(targets_resolve, recheck, .description = "a changed start time marks the target gone once; "
					   "with none left, -ESRCH")
{
	struct ws_target_info t[2];
	struct ws_profile p;

	memset(t, 0, sizeof(t));
	t[0].tgid = getpid();
	t[0].start_ticks = 1; /* not this process's start: its PID was "reused" */
	t[1].tgid = unused_pid();
	profile_init(&p);
	p.targets = t;
	p.n_targets = 2;
	cr_assert(target_recheck(&t[0]));
	cr_assert(t[0].exited);
	cr_assert(!target_recheck(&t[0]), "already gone");
	cr_assert(!target_recheck(&t[1]), "no start time recorded: not checked");
	cr_assert_eq(targets_check_alive(&p), 0);
	t[1].exited = true;
	cr_assert_eq(targets_check_alive(&p), -ESRCH);
}
