/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "model/profile.h"
#include "ws_classify.h"

void profile_init(struct ws_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->coverage = 1.0;
}

void profile_free(struct ws_profile *p)
{
	free(p->threads);
	free(p->targets);
	free(p->command);
	free(p->syscalls);
	free(p->peers);
	free(p->futexes);
	free(p->offcpu);
	free(p->oncpu);
	profile_init(p);
}

/* Copy a kernel comm: at most WS_COMM_LEN - 1 bytes, always terminated. */
static void copy_comm(char *dst, const char *src)
{
	size_t n = src ? strnlen(src, WS_COMM_LEN - 1) : 0;

	memcpy(dst, src ? src : "", n);
	memset(dst + n, 0, WS_COMM_LEN - n);
}

int profile_add_target(struct ws_profile *p, pid_t tgid, const char *comm)
{
	struct ws_target_info *t;

	t = realloc(p->targets, (p->n_targets + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	p->targets = t;
	t = &p->targets[p->n_targets++];
	memset(t, 0, sizeof(*t));
	t->tgid = tgid;
	copy_comm(t->comm, comm);
	return 0;
}

/* Shell words need no quotes when made only of these characters. */
static bool shell_plain(const char *s)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789_@%+=:,./-";

	return *s && strspn(s, safe) == strlen(s);
}

int profile_set_command(struct ws_profile *p, char *const *argv)
{
	size_t len = 1, i;
	const char *s;
	char *cmd, *o;

	/* worst case per word: every byte a quote ('\'' is 4 bytes), 2 quotes, 1 space */
	for (i = 0; argv[i]; i++)
		len += 4 * strlen(argv[i]) + 3;
	cmd = malloc(len);
	if (!cmd)
		return -ENOMEM;
	o = cmd;
	for (i = 0; argv[i]; i++) {
		if (i)
			*o++ = ' ';
		if (shell_plain(argv[i])) {
			o = stpcpy(o, argv[i]);
			continue;
		}
		*o++ = '\'';
		for (s = argv[i]; *s; s++) {
			if (*s == '\'')
				o = stpcpy(o, "'\\''");
			else
				*o++ = *s;
		}
		*o++ = '\'';
	}
	*o = '\0';
	free(p->command);
	p->command = cmd;
	return 0;
}

void ws_counts_add(struct ws_counts *sum, const struct ws_counts *c)
{
	sum->on_cpu_ns += c->on_cpu_ns;
	sum->runq_ns += c->runq_ns;
	sum->blocked_ns += c->blocked_ns;
	sum->vol_switches += c->vol_switches;
	sum->invol_switches += c->invol_switches;
	sum->wakeups += c->wakeups;
	sum->handoffs += c->handoffs;
	sum->set_waits += c->set_waits;
	sum->set_wait_ns += c->set_wait_ns;
	sum->set_client_ns += c->set_client_ns;
	for (int k = 0; k < WS_CAUSE_KINDS; k++)
		sum->blocked_by_cause[k] += c->blocked_by_cause[k];
}

static __u64 sub_floor(__u64 a, __u64 b)
{
	return a > b ? a - b : 0;
}

void ws_counts_sub(struct ws_counts *d, const struct ws_counts *a, const struct ws_counts *b)
{
	d->on_cpu_ns = sub_floor(a->on_cpu_ns, b->on_cpu_ns);
	d->runq_ns = sub_floor(a->runq_ns, b->runq_ns);
	d->blocked_ns = sub_floor(a->blocked_ns, b->blocked_ns);
	d->vol_switches = sub_floor(a->vol_switches, b->vol_switches);
	d->invol_switches = sub_floor(a->invol_switches, b->invol_switches);
	d->wakeups = sub_floor(a->wakeups, b->wakeups);
	d->handoffs = sub_floor(a->handoffs, b->handoffs);
	d->set_waits = sub_floor(a->set_waits, b->set_waits);
	d->set_wait_ns = sub_floor(a->set_wait_ns, b->set_wait_ns);
	d->set_client_ns = sub_floor(a->set_client_ns, b->set_client_ns);
	for (int k = 0; k < WS_CAUSE_KINDS; k++)
		d->blocked_by_cause[k] = sub_floor(a->blocked_by_cause[k], b->blocked_by_cause[k]);
}

void ws_times_add(struct ws_times *sum, const struct ws_times *t)
{
	ws_counts_add(&sum->counts, &t->counts);
	sum->observed_ns += t->observed_ns;
}

void ws_times_sub(struct ws_times *d, const struct ws_times *a, const struct ws_times *b)
{
	ws_counts_sub(&d->counts, &a->counts, &b->counts);
	d->observed_ns = sub_floor(a->observed_ns, b->observed_ns);
}

void ws_times_add_exited(struct ws_times *sum, const struct ws_exited_totals *e)
{
	ws_counts_add(&sum->counts, &e->counts);
	sum->observed_ns += e->lifetime_ns;
}

void profile_set_unlisted(struct ws_profile *p, const struct ws_times *exited, __u64 threads)
{
	struct ws_times listed = {};
	__u64 n_listed = 0;

	for (size_t i = 0; i < p->n_threads; i++) {
		if (p->threads[i].exited) {
			ws_times_add(&listed, &p->threads[i].t);
			n_listed++;
		}
	}
	ws_times_sub(&p->unlisted, exited, &listed);
	p->unlisted_threads = threads > n_listed ? threads - n_listed : 0;
}

__u64 ws_times_accounted(const struct ws_times *t)
{
	return t->on_cpu_ns + t->runq_ns + t->blocked_ns;
}

double ws_ratio(__u64 num, __u64 den)
{
	return den ? (double)num / (double)den : NAN;
}

double ws_times_coverage(const struct ws_times *t)
{
	return t->observed_ns ? ws_ratio(ws_times_accounted(t), t->observed_ns) : 1.0;
}

void ws_times_from_record(const struct ws_thread_record *r, __u64 window_start_ns,
			  __u64 window_end_ns, struct ws_times *out)
{
	const struct ws_thread_acct *a = &r->acct;
	__u64 open_from, open_to, begin, end;

	memset(out, 0, sizeof(*out));
	out->counts = a->counts;

	/* The interval still open at the snapshot, inside the window, goes to the current state. */
	open_from = a->ts > window_start_ns ? a->ts : window_start_ns;
	open_to = r->snap_ns < window_end_ns ? r->snap_ns : window_end_ns;
	if (open_from < open_to) {
		switch (a->state) {
		case WS_STATE_RUNNING:
			out->on_cpu_ns += open_to - open_from;
			break;
		case WS_STATE_RUNQ:
			out->runq_ns += open_to - open_from;
			break;
		case WS_STATE_BLOCKED:
			out->blocked_ns += open_to - open_from;
			out->blocked_by_cause[a->block_cause < WS_CAUSE_KINDS ? a->block_cause
									: WS_CAUSE_OTHER] +=
				open_to - open_from;
			if (a->block_set) { /* the open set wait counts as one */
				out->set_waits++;
				out->set_wait_ns += open_to - open_from;
				out->set_client_ns += (open_to - open_from) * a->block_clients;
			}
			break;
		default: /* UNKNOWN: no open interval; EXITED: closed at exit */
			break;
		}
	}

	/* Same rule as the kernel's exited totals: from max(window start, birth) to exit or end. */
	begin = r->start_time_ns > window_start_ns ? r->start_time_ns : window_start_ns;
	end = r->exited ? r->snap_ns : window_end_ns;
	out->observed_ns = end > begin ? end - begin : 0;
}

static struct ws_thread *find_thread(struct ws_profile *p, __u32 tid)
{
	size_t i;

	for (i = 0; i < p->n_threads; i++)
		if (p->threads[i].tid == tid)
			return &p->threads[i];
	return NULL;
}

size_t profile_tgids(const struct ws_profile *p, __u32 **tgids)
{
	size_t i, j, n = 0;

	*tgids = p->n_threads ? malloc(p->n_threads * sizeof(**tgids)) : NULL;
	for (i = 0; *tgids && i < p->n_threads; i++) {
		for (j = 0; j < n && (*tgids)[j] != p->threads[i].tgid; j++)
			;
		if (j == n)
			(*tgids)[n++] = p->threads[i].tgid;
	}
	return n;
}

int ws_syscall_cmp(const void *a, const void *b)
{
	const struct ws_syscall *x = a, *y = b;

	if (x->s.blocked_ns != y->s.blocked_ns)
		return x->s.blocked_ns < y->s.blocked_ns ? 1 : -1;
	return x->s.count < y->s.count ? 1 : x->s.count > y->s.count ? -1 : 0;
}

int ws_peer_cmp(const void *a, const void *b)
{
	const struct ws_peer *x = a, *y = b;

	return x->s.blocked_ns < y->s.blocked_ns ? 1 : x->s.blocked_ns > y->s.blocked_ns ? -1 : 0;
}

/*
 * A wait still open at the end (a thread blocked in recv since before the window) has its peer:
 * the kernel charges peers when a wait ends, so its time is added here, as no wait ended.
 */
static int add_open_peer(struct ws_profile *p, const struct ws_thread *t)
{
	struct ws_peer *pe = NULL;
	size_t j;

	for (j = 0; j < p->n_peers && !pe; j++)
		if (!memcmp(&p->peers[j].key, &t->open_peer, sizeof(t->open_peer)))
			pe = &p->peers[j];
	if (!pe) {
		pe = realloc(p->peers, (p->n_peers + 1) * sizeof(*pe));
		if (!pe)
			return -ENOMEM;
		p->peers = pe;
		pe = &p->peers[p->n_peers++];
		memset(pe, 0, sizeof(*pe));
		pe->key = t->open_peer;
	}
	pe->s.blocked_ns += t->open_blocked_ns;
	return 0;
}

int profile_add_open_blocks(struct ws_profile *p)
{
	size_t i, j;

	for (i = 0; i < p->n_threads; i++) {
		const struct ws_thread *t = &p->threads[i];
		struct ws_syscall *sc = NULL;

		if (!t->open_block_nr_plus1 || !t->open_blocked_ns)
			continue;
		for (j = 0; j < p->n_syscalls && !sc; j++)
			if (p->syscalls[j].nr == t->open_block_nr_plus1 - 1)
				sc = &p->syscalls[j];
		if (!sc) {
			sc = realloc(p->syscalls, (p->n_syscalls + 1) * sizeof(*sc));
			if (!sc)
				return -ENOMEM;
			p->syscalls = sc;
			sc = &p->syscalls[p->n_syscalls++];
			memset(sc, 0, sizeof(*sc));
			sc->nr = t->open_block_nr_plus1 - 1;
		}
		sc->s.blocked_ns += t->open_blocked_ns;
		if ((t->open_peer.lport || t->open_peer.rport) && add_open_peer(p, t))
			return -ENOMEM;
	}
	if (p->n_syscalls)
		qsort(p->syscalls, p->n_syscalls, sizeof(*p->syscalls), ws_syscall_cmp);
	if (p->n_peers)
		qsort(p->peers, p->n_peers, sizeof(*p->peers), ws_peer_cmp);
	return 0;
}

int profile_add_record(struct ws_profile *p, const struct ws_thread_record *r)
{
	struct ws_thread *t = find_thread(p, r->tid);

	/* An exit record is final: a live snapshot taken later (a zombie) must not undo it. */
	if (t && t->exited && !r->exited)
		return 0;
	if (!t) {
		if (p->n_threads == p->cap_threads) {
			size_t cap = p->cap_threads ? 2 * p->cap_threads : 64;
			struct ws_thread *n = realloc(p->threads, cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			p->threads = n;
			p->cap_threads = cap;
		}
		t = &p->threads[p->n_threads++];
	}
	memset(t, 0, sizeof(*t));
	t->tid = r->tid;
	t->tgid = r->tgid;
	copy_comm(t->comm, r->comm);
	ws_times_from_record(r, p->window_start_ns, p->window_end_ns, &t->t);
	if (!r->exited && r->acct.state == WS_STATE_BLOCKED && r->acct.block_nr_plus1) {
		__u64 from = r->acct.ts > p->window_start_ns ? r->acct.ts : p->window_start_ns;
		__u64 to = r->snap_ns < p->window_end_ns ? r->snap_ns : p->window_end_ns;

		t->open_block_nr_plus1 = r->acct.block_nr_plus1;
		t->open_blocked_ns = to > from ? to - from : 0;
		if (r->acct.block_lport || r->acct.block_rport)
			t->open_peer = ws_peer_key_of(r->acct.block_lport, r->acct.block_rport,
						      r->acct.block_cause);
	}
	t->poll_ns = t->t.set_wait_ns;
	t->set_clients_max = r->acct.set_clients_max;
	t->exited = r->exited != 0;
	t->born = (r->acct.flags & WS_THREAD_BORN) != 0;
	t->untracked = !r->exited && !r->acct.first_ns && r->acct.state == WS_STATE_UNKNOWN;
	return 0;
}

/* Move futex time of process tgid to idle; drop its futexes from the contended list. */
static void locks_to_idle(struct ws_profile *p, __u32 tgid)
{
	size_t i, kept = 0;

	for (i = 0; i < p->n_threads; i++) {
		struct ws_times *t = &p->threads[i].t;

		if (p->threads[i].tgid != tgid)
			continue;
		p->idle_lock_ns += t->blocked_by_cause[WS_CAUSE_LOCK];
		t->blocked_by_cause[WS_CAUSE_IDLE] += t->blocked_by_cause[WS_CAUSE_LOCK];
		t->blocked_by_cause[WS_CAUSE_LOCK] = 0;
	}
	for (i = 0; i < p->n_futexes; i++)
		if (p->futexes[i].key.tgid != tgid)
			p->futexes[kept++] = p->futexes[i];
	p->n_futexes = kept;
}

/* See WS_IDLE_LOCK_RATIO. Runs after poll resolution: poll waits on a listener are idle too. */
void profile_resolve_idle_locks(struct ws_profile *p)
{
	size_t i, j;

	p->idle_lock_ns = 0;
	for (j = 0; j < p->n_targets; j++) {
		__u32 tgid = (__u32)p->targets[j].tgid;
		__u64 lock = 0, idle = 0, work = 0;

		for (i = 0; i < p->n_threads; i++) {
			const struct ws_times *t = &p->threads[i].t;

			if (p->threads[i].tgid != tgid)
				continue;
			lock += t->blocked_by_cause[WS_CAUSE_LOCK];
			idle += t->blocked_by_cause[WS_CAUSE_IDLE];
			work += t->on_cpu_ns + t->runq_ns + t->blocked_by_cause[WS_CAUSE_NET] +
				t->blocked_by_cause[WS_CAUSE_DISK] + t->blocked_by_cause[WS_CAUSE_CLIENT];
		}
		if (lock && idle && work * WS_IDLE_LOCK_RATIO < lock)
			locks_to_idle(p, tgid);
	}
}

void profile_finish(struct ws_profile *p)
{
	size_t i;

	profile_resolve_poll(p);
	profile_resolve_idle_locks(p);
	memset(&p->totals, 0, sizeof(p->totals));
	for (i = 0; i < p->n_threads; i++)
		ws_times_add(&p->totals, &p->threads[i].t);
	ws_times_add(&p->totals, &p->unlisted);
	p->n_threads_total = p->n_threads + p->unlisted_threads;
	/*
	 * A thread forked just before the final dump has no state yet either (it has not been woken
	 * for the first time, so has no time to account): only a failed create makes it untracked.
	 */
	p->untracked_threads = 0;
	for (i = 0; i < p->n_threads && p->counters.drops[WS_DROP_STORAGE]; i++)
		p->untracked_threads += p->threads[i].untracked;
	p->coverage = ws_times_coverage(&p->totals);
}

/*
 * poll/select/epoll waits are classified in the kernel from the fds of their set (idle, client,
 * net, ...): here only the event-loop flag, from the threads' set-wait time.
 */
void profile_resolve_poll(struct ws_profile *p)
{
	size_t i, j;

	p->poll_ns = 0;
	for (i = 0; i < p->n_threads; i++) {
		struct ws_thread *t = &p->threads[i];
		unsigned int sockets = 0;

		for (j = 0; j < p->n_targets; j++) {
			if ((__u32)p->targets[j].tgid == t->tgid)
				sockets = p->targets[j].sockets;
		}
		/* An event loop: most of its waiting in poll/epoll, in a process with many sockets. */
		p->poll_ns += t->poll_ns;
		t->event_loop = t->poll_ns > t->t.blocked_ns / 2 && sockets >= WS_EVENT_LOOP_SOCKETS;
	}
}

double profile_window_s(const struct ws_profile *p)
{
	if (p->window_end_ns <= p->window_start_ns)
		return 0;
	return (double)(p->window_end_ns - p->window_start_ns) / 1e9;
}

/* Biggest accounted time first; ties by tid so the order is stable across runs. */
static int thread_cmp(const struct ws_thread *a, const struct ws_thread *b)
{
	__u64 x = ws_times_accounted(&a->t), y = ws_times_accounted(&b->t);

	if (x != y)
		return x > y ? -1 : 1;
	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	return 0;
}

static int thread_cmp_qsort(const void *a, const void *b)
{
	return thread_cmp(a, b);
}

static int thread_ptr_cmp_qsort(const void *a, const void *b)
{
	return thread_cmp(*(const struct ws_thread *const *)a, *(const struct ws_thread *const *)b);
}

void profile_sort_threads(struct ws_profile *p)
{
	if (p->n_threads)
		qsort(p->threads, p->n_threads, sizeof(*p->threads), thread_cmp_qsort);
}

const struct ws_thread **profile_sorted_threads(const struct ws_profile *p)
{
	const struct ws_thread **v = calloc(p->n_threads ? p->n_threads : 1, sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < p->n_threads; i++)
		v[i] = &p->threads[i];
	if (p->n_threads)
		qsort(v, p->n_threads, sizeof(*v), thread_ptr_cmp_qsort);
	return v;
}

const char *profile_ended_by(const struct ws_profile *p)
{
	if (p->interrupted)
		return "signal";
	if (p->all_targets_exited)
		return "targets-exited";
	return "duration";
}

__u64 profile_drops_total(const struct ws_profile *p)
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < WS_DROP_KINDS; i++)
		sum += p->counters.drops[i];
	return sum;
}

bool profile_complete(const struct ws_profile *p)
{
	/* A failed create alone loses one transition, not time: the thread is created at its next
	 * event from its start. Time is lost when a thread ends without state, live or exited. */
	return !p->untracked_threads && !p->counters.drops[WS_DROP_UNTRACKED_EXIT] &&
	       !p->counters.drops[WS_DROP_EXIT_RECORD] && !p->counters.drops[WS_DROP_EXIT_TOTALS] &&
	       !p->counters.drops[WS_DROP_TARGET_FULL];
}
