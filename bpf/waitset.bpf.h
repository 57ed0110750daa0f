/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Wait sets: the fds a poll/select/epoll wait waits on, read when the thread blocks, and the
 * wait's cause from them (ws_set_cause() in include/ws_classify.h).
 *
 * poll/ppoll: the struct pollfd array (args 0, 1) from the thread's memory; select/pselect6: the
 * read and write fd_set bitmaps (args 1, 2; arg 0 is nfds). sched_switch runs in the blocking
 * thread's context, so bpf_probe_read_user() reads its memory; the task iterator that seeds
 * threads blocked before the window runs in the collector's, so it is sleepable and uses
 * bpf_copy_from_user_task(). epoll: the interest tree of the epoll file's struct eventpoll
 * (kernel memory), walked in order from rb_leftmost through parent pointers, with no lock: an
 * epoll_ctl() racing with the walk can only make it miss or repeat an item (every load is
 * fault-safe and every loop bounded). The first WS_WAITSET_FDS fds are classified by their
 * struct file (file_kind()), the rest counted.
 *
 * Included by bpf/cause.bpf.h after fd_file() and file_kind(), before classify_block().
 */
#ifndef WAITSET_BPF_H
#define WAITSET_BPF_H

#define WS_SELECT_WORDS 16 /* fd_set words read: FD_SETSIZE (1024) bits, what glibc supports */
#define WS_RB_MAX_DEPTH 64 /* bound of one successor step: a red-black tree of 2^32 nodes */

/* State of one set read, shared with the bpf_loop() callbacks. */
struct waitset_walk {
	struct ws_waitset set;
	__u64 task;   /* the blocking thread (struct task_struct *), for its fd table */
	__u64 node;   /* epoll: the current struct rb_node * of the interest tree, 0 at the end */
	__u64 word;   /* select: bits of the current word not yet taken */
	__u32 widx;   /* select: the next word to take */
	__u32 nfds;   /* poll: entries read; select: nfds */
	__u32 seen;   /* fds classified */
	__u32 pad;
};

/*
 * Per CPU: slot 0 for the scheduler handlers, slot 1 for the (sleepable) seeding iterator. The
 * walk lives here, not on the stack: the verifier tracks a stack counter's every value through
 * the loop callbacks (a million instructions), a map value's contents are unknown to it.
 */
struct ws_waitset_scratch {
	struct pollfd pfds[WS_WAITSET_FDS];
	__u64 bits[2][WS_SELECT_WORDS];           /* select: readfds, writefds */
	struct waitset_walk w;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct ws_waitset_scratch);
} waitset_scratch SEC(".maps");

static __always_inline void waitset_add_file(struct waitset_walk *w, struct file *f)
{
	__u16 lport = 0, rport = 0;
	__u32 kind = file_kind(f, &lport, &rport);

	if (kind >= WS_FD_KINDS)
		kind = WS_FD_OTHER;
	w->set.n[kind]++;
	w->seen++;
	if (kind == WS_FD_INET && !w->set.rport) {
		w->set.lport = lport;
		w->set.rport = rport;
	} else if (kind == WS_FD_CLIENT && !w->set.client_lport) {
		w->set.client_lport = lport;
		w->set.client_rport = rport;
	}
}

static __always_inline struct task_struct *walk_task(struct waitset_walk *w)
{
	return bpf_rdonly_cast((void *)w->task, bpf_core_type_id_kernel(struct task_struct));
}

/* poll: classify entry i of the pollfd array (negative fds are ignored by poll, and here). */
static long poll_fd_cb(__u32 i, __u32 *slot)
{
	struct ws_waitset_scratch *sc = bpf_map_lookup_elem(&waitset_scratch, slot);
	int fd;

	barrier_var(i); /* bound-check the register that indexes */
	if (!sc || i >= WS_WAITSET_FDS)
		return 1;
	fd = sc->pfds[i].fd;
	if (fd >= 0)
		waitset_add_file(&sc->w, fd_file(walk_task(&sc->w), fd));
	return 0;
}

/* Next fd of readfds | writefds from word w->widx on (bits past nfds not waited on), -1 none. */
static __always_inline int select_next_fd(struct waitset_walk *w, struct ws_waitset_scratch *sc)
{
	__u64 low, i; /* 64-bit: the bound checked is the indexing register's */
	__u32 k;

	for (k = 0; k < WS_SELECT_WORDS && !w->word; k++) {
		i = w->widx;
		barrier_var(i);
		if (i >= WS_SELECT_WORDS || i * 64 >= w->nfds)
			return -1;
		w->word = sc->bits[0][i] | sc->bits[1][i];
		if (w->nfds < (i + 1) * 64)
			w->word &= (1ULL << (w->nfds & 63)) - 1;
		w->widx = i + 1;
	}
	if (!w->word)
		return -1;
	low = w->word & -w->word;
	w->word &= w->word - 1;
	return (int)((w->widx - 1) * 64 + log2_u64(low));
}

/* select: classify the next fd of the bitmaps. */
static long select_fd_cb(__u32 i, __u32 *slot)
{
	struct ws_waitset_scratch *sc = bpf_map_lookup_elem(&waitset_scratch, slot);
	int fd;

	if (!sc)
		return 1;
	fd = select_next_fd(&sc->w, sc);
	if (fd < 0)
		return 1;
	waitset_add_file(&sc->w, fd_file(walk_task(&sc->w), fd));
	return 0;
}

/* select: after WS_WAITSET_FDS fds, is there any more? (counted as one truncation) */
static long select_more_cb(__u32 i, __u32 *slot)
{
	struct ws_waitset_scratch *sc = bpf_map_lookup_elem(&waitset_scratch, slot);

	if (sc && select_next_fd(&sc->w, sc) >= 0)
		sc->w.set.truncated = 1;
	return 1;
}

static __always_inline struct rb_node *rb_at(__u64 addr)
{
	return bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct rb_node));
}

/* In-order successor of node in its red-black tree, 0 after the last (or on a bound). */
static __always_inline __u64 rb_next_addr(__u64 node)
{
	struct rb_node *n = rb_at(node);
	__u64 child, parent;
	int i;

	child = (__u64)n->rb_right;
	if (child) {
		/* the leftmost node of the right subtree */
		node = child;
		for (i = 0; i < WS_RB_MAX_DEPTH; i++) {
			child = (__u64)rb_at(node)->rb_left;
			if (!child)
				return node;
			node = child;
		}
		return 0;
	}
	/* up until we come from a left child */
	for (i = 0; i < WS_RB_MAX_DEPTH; i++) {
		parent = rb_at(node)->__rb_parent_color & ~3UL;
		if (!parent || (__u64)rb_at(parent)->rb_right != node)
			return parent;
		node = parent;
	}
	return 0;
}

/* epoll: classify the file of the current epitem, step to the next. */
static long epoll_item_cb(__u32 i, __u32 *slot)
{
	struct ws_waitset_scratch *sc = bpf_map_lookup_elem(&waitset_scratch, slot);
	struct epitem *epi;

	if (!sc || !sc->w.node)
		return 1;
	/* rbn is epitem's first member (checked by the caller through CO-RE) */
	epi = bpf_rdonly_cast((void *)sc->w.node, bpf_core_type_id_kernel(struct epitem));
	waitset_add_file(&sc->w, epi->ffd.file);
	sc->w.node = rb_next_addr(sc->w.node);
	return 0;
}

/* Read the pollfd array or the fd_set bitmaps of the wait; seeded: from the collector's context. */
static __always_inline int waitset_read_user(struct ws_waitset_scratch *sc,
					     struct task_struct *cur, __u32 nr,
					     const struct blocking_call *bc, bool seeded)
{
	struct waitset_walk *w = &sc->w;
	__u64 n, words, size; /* 64-bit: the bounds checked are those of the registers used */
	int err = 0;

	if (nr == WS_NR_poll || nr == WS_NR_ppoll) {
		n = (__u32)bc->fd; /* nfds */
		if (n > WS_WAITSET_FDS) {
			n -= WS_WAITSET_FDS;
			w->set.truncated = n > 0xffff ? 0xffff : n;
			n = WS_WAITSET_FDS;
		}
		barrier_var(n); /* bound the register the size is computed from */
		if (n > WS_WAITSET_FDS)
			return -1;
		size = n * sizeof(struct pollfd);
		err = seeded ? bpf_copy_from_user_task(sc->pfds, size, (void *)bc->arg0, cur, 0)
			     : bpf_probe_read_user(sc->pfds, size, (void *)bc->arg0);
		w->nfds = n;
		return err;
	}
	/* select, pselect6 */
	w->nfds = (__u32)bc->fd;
	words = ((__u64)w->nfds + 63) / 64;
	if (words > WS_SELECT_WORDS)
		words = WS_SELECT_WORDS; /* past FD_SETSIZE: not classified (nor counted) */
	barrier_var(words);
	if (words > WS_SELECT_WORDS)
		return -1;
	size = words * sizeof(__u64);
	__builtin_memset(sc->bits, 0, sizeof(sc->bits));
	if (bc->arg1)
		err = seeded ? bpf_copy_from_user_task(sc->bits[0], size, (void *)bc->arg1, cur, 0)
			     : bpf_probe_read_user(sc->bits[0], size, (void *)bc->arg1);
	if (!err && bc->arg2)
		err = seeded ? bpf_copy_from_user_task(sc->bits[1], size, (void *)bc->arg2, cur, 0)
			     : bpf_probe_read_user(sc->bits[1], size, (void *)bc->arg2);
	w->nfds = words * 64 < w->nfds ? words * 64 : w->nfds;
	return err ? err : (int)words;
}

/*
 * The set of the wait the thread is about to block in (syscall nr, its arguments in bc): fills
 * sc->w.set. cur: the thread as a trusted typed pointer.
 */
static __always_inline void waitset_read(struct ws_waitset_scratch *sc, __u32 *slot,
					 struct task_struct *cur, __u32 nr,
					 const struct blocking_call *bc, bool seeded)
{
	struct waitset_walk *w = &sc->w;
	int err;

	__builtin_memset(w, 0, sizeof(*w));
	w->task = (__u64)cur;
	if (nr == WS_NR_epoll_wait || nr == WS_NR_epoll_pwait || nr == WS_NR_epoll_pwait2) {
		__u16 lport, rport;
		struct file *f = fd_file(cur, (int)bc->arg0);
		struct eventpoll *ep;

		if (file_kind(f, &lport, &rport) != WS_FD_EPOLL ||
		    bpf_core_field_offset(struct epitem, rbn) != 0) {
			w->set.unreadable = 1;
			return;
		}
		f = bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file));
		ep = bpf_rdonly_cast(f->private_data, bpf_core_type_id_kernel(struct eventpoll));
		w->node = (__u64)ep->rbr.rb_leftmost;
		bpf_loop(WS_WAITSET_FDS, epoll_item_cb, slot, 0);
		if (w->node)
			w->set.truncated = 1; /* one more at least: counting costs a walk */
		return;
	}
	err = waitset_read_user(sc, cur, nr, bc, seeded);
	if (err < 0) {
		w->set.unreadable = 1;
		return;
	}
	if (nr == WS_NR_poll || nr == WS_NR_ppoll) {
		bpf_loop(w->nfds, poll_fd_cb, slot, 0);
		return;
	}
	bpf_loop(WS_WAITSET_FDS, select_fd_cb, slot, 0);
	if (w->seen == WS_WAITSET_FDS)
		bpf_loop(1, select_more_cb, slot, 0);
}

/* Cause of a set wait; notes its peer, clients and counters in the thread's state. */
static __always_inline __u32 waitset_cause(struct task_struct *cur, __u32 nr,
					   const struct blocking_call *bc, struct ws_thread_acct *a,
					   bool seeded)
{
	__u32 slot = seeded, cause, clients;
	struct ws_waitset_scratch *sc = bpf_map_lookup_elem(&waitset_scratch, &slot);
	struct ws_counters *c;
	struct waitset_walk *w;

	if (!sc)
		return WS_CAUSE_OTHER;
	w = &sc->w;
	waitset_read(sc, &slot, cur, nr, bc, seeded);
	cause = ws_set_cause(&w->set);
	clients = ws_set_clients(&w->set);
	a->block_set = 1 + w->seen;
	a->block_clients = clients;
	if (clients > a->set_clients_max)
		a->set_clients_max = clients;
	if (cause == WS_CAUSE_NET) {
		a->block_lport = w->set.lport;
		a->block_rport = w->set.rport;
	} else if (cause == WS_CAUSE_CLIENT) {
		a->block_lport = w->set.client_lport;
		a->block_rport = w->set.client_rport;
	}
	if (w->set.unreadable) {
		count_drop(WS_DROP_WAITSET);
		return cause;
	}
	c = counters_get();
	if (c) {
		c->set_waits++;
		if (w->set.truncated)
			c->set_truncated++;
	}
	return cause;
}

#endif /* WAITSET_BPF_H */
