// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Target resolution: -p/-n/-c/-- COMMAND/-u/-f into checked processes, returned as data. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/procfs.h"
#include "model/profile.h"
#include "targets/targets.h"
#include "util/log.h"

/* Check one -p PID and describe it; a thread id is turned into its process. quiet: no messages. */
static int validate_pid(pid_t pid, struct ws_target_info *t, bool quiet)
{
	struct proc_stat st;
	unsigned long tgid;
	char path[64], buf[4096];
	int err;

	err = proc_stat_read(pid, &st);
	if (err == -ENOENT || err == -ESRCH) {
		if (!quiet)
			ws_err("no such process: %d", pid);
		return -ESRCH;
	}
	if (err) {
		if (!quiet)
			ws_err("failed to read /proc/%d/stat: %s", pid, strerror(-err));
		return err;
	}
	if (st.flags & WS_PF_KTHREAD) {
		if (!quiet)
			ws_err("PID %d (%s) is a kernel thread: nothing to profile", pid, st.comm);
		return -EINVAL;
	}
	if (st.state == 'Z' || st.state == 'X') {
		if (!quiet)
			ws_err("process %d (%s) has already exited", pid, st.comm);
		return -ESRCH;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_small_file(path, buf, sizeof(buf)) > 0 &&
	    status_parse_field(buf, "Tgid", &tgid) == 0 && tgid != (unsigned long)pid) {
		if (!quiet)
			ws_warn("%d is a thread of process %lu: profiling the whole process", pid, tgid);
		pid = (pid_t)tgid;
		if (proc_stat_read(pid, &st)) {
			if (!quiet)
			ws_err("no such process: %d", pid);
			return -ESRCH;
		}
	}
	memset(t, 0, sizeof(*t));
	t->tgid = pid;
	t->start_ticks = st.starttime; /* re-checked at attach: PID reuse */
	snprintf(t->comm, sizeof(t->comm), "%s", st.comm);
	return 0;
}

int targets_resolve(const struct target_spec *s, struct target_set *ts)
{
	pid_t *found = NULL;
	const pid_t *pids = s->pids;
	size_t n_pids = s->n_pids, i;
	int err = 0;

	memset(ts, 0, sizeof(*ts));
	if (s->name || s->cgroup) {
		err = s->name ? targets_by_name(s->name, s->agent, &found, &n_pids)
			      : targets_by_cgroup(s->cgroup, s->agent, &found, &n_pids, &ts->cg);
		if (err) {
			ts->usage_error = targets_usage_error(err);
			return err;
		}
		pids = found;
	}
	if (s->user && cred_resolve(s->user, &ts->cred)) {
		ws_err("no such user: %s", s->user);
		ts->usage_error = true;
		err = -ENOENT;
		goto cleanup;
	}
	ts->has_cred = s->user != NULL;
	ts->n = s->command ? 1 : n_pids;
	ts->info = calloc(ts->n ? ts->n : 1, sizeof(*ts->info));
	ts->tgids = calloc(ts->n ? ts->n : 1, sizeof(*ts->tgids));
	if (!ts->info || !ts->tgids) {
		ws_err("failed to allocate targets: %s", strerror(ENOMEM));
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0, ts->n = s->command ? 1 : 0; i < n_pids; i++) {
		err = validate_pid(pids[i], &ts->info[ts->n], s->agent && (s->name || s->cgroup));
		if (err && s->agent && (s->name || s->cgroup)) {
			err = 0; /* exited since the scan */
			continue;
		}
		if (err) {
			ts->usage_error = true;
			goto cleanup;
		}
		ts->tgids[ts->n] = ts->info[ts->n].tgid;
		ts->n++;
	}
cleanup:
	free(found);
	return err;
}

int targets_launch(struct target_set *ts, struct launch *child, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	int err;

	child->cred = ts->has_cred ? &ts->cred : NULL;
	err = launch_prepare(child, argv);
	if (err)
		return err;
	ts->info[0].tgid = child->pid;
	snprintf(ts->info[0].comm, sizeof(ts->info[0].comm), "%s", base ? base + 1 : argv[0]);
	ts->tgids[0] = child->pid;
	return 0;
}

/* -f: existing descendants become targets too (forked ones are added by the kernel side). */
int targets_add_descendants(struct target_set *ts)
{
	struct ws_target_info *info;
	pid_t *kids = NULL, *grown;
	size_t nk = 0, i;
	int err;

	err = proc_descendants(ts->tgids, ts->n, &kids, &nk);
	if (err) {
		ws_err("failed to list descendants: %s", strerror(-err));
		return err;
	}
	info = realloc(ts->info, (ts->n + nk) * sizeof(*info));
	if (info)
		ts->info = info;
	grown = realloc(ts->tgids, (ts->n + nk) * sizeof(*grown));
	if (grown)
		ts->tgids = grown;
	if (!info || !grown) {
		free(kids);
		ws_err("failed to add descendants: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	for (i = 0; i < nk; i++) {
		if (validate_pid(kids[i], &ts->info[ts->n], false))
			continue; /* exited meanwhile */
		ts->tgids[ts->n] = ts->info[ts->n].tgid;
		ts->n++;
	}
	free(kids);
	return 0;
}

void targets_to_profile(struct target_set *ts, struct ws_profile *p)
{
	free(p->targets);
	p->targets = ts->info;
	p->n_targets = ts->n;
	ts->info = NULL;
}

bool target_recheck(struct ws_target_info *t)
{
	enum target_liveness l;
	struct proc_stat st = { 0 };
	int err;

	if (t->exited || !t->start_ticks)
		return false;
	err = proc_stat_read(t->tgid, &st);
	l = target_liveness(t->start_ticks, err, st.state, st.starttime);
	if (l == TARGET_ALIVE)
		return false;
	if (l == TARGET_REUSED)
		ws_warn("process %d (%s) exited and its PID now names another process (%s): "
			"not profiling it",
			t->tgid, t->comm, st.comm);
	else
		ws_warn("process %d (%s) exited before the window began", t->tgid, t->comm);
	t->exited = true;
	return true;
}

int targets_check_alive(const struct ws_profile *p)
{
	size_t i;

	for (i = 0; i < p->n_targets; i++)
		if (!p->targets[i].exited)
			return 0;
	ws_err("failed to start profiling: every target exited before the window began");
	return -ESRCH;
}

void target_set_free(struct target_set *ts)
{
	free(ts->info);
	free(ts->tgids);
	memset(ts, 0, sizeof(*ts));
}

static bool known_tgid(const pid_t *known, size_t n, pid_t tgid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (known[i] == tgid)
			return true;
	return false;
}

int targets_rescan(const struct target_spec *s, const struct cgroup_target *cg,
		   const pid_t *known, size_t n_known, struct ws_target_info **out)
{
	struct ws_target_info *info;
	pid_t *pids = NULL;
	size_t n = 0, i, found = 0;
	int err;

	*out = NULL;
	if (!s->name && !s->cgroup)
		return 0;
	err = s->name ? targets_by_name(s->name, true, &pids, &n)
		      : targets_cgroup_rescan(cg, &pids, &n);
	if (err)
		return err;
	info = calloc(n ? n : 1, sizeof(*info));
	if (!info) {
		free(pids);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		if (!known_tgid(known, n_known, pids[i]) &&
		    validate_pid(pids[i], &info[found], true) == 0 &&
		    !known_tgid(known, n_known, info[found].tgid))
			found++;
	free(pids);
	*out = info;
	return (int)found;
}
