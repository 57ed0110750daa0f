/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Readers of /proc files. Each parser is pure (takes the text) so it can be unit-tested/fuzzed. */
#ifndef WS_PROCFS_H
#define WS_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

struct schedstat {
	__u64 on_cpu_ns;    /* time spent on the CPU */
	__u64 run_delay_ns; /* time spent waiting on a run queue */
	__u64 timeslices;
};

/* "/proc/PID/task/TID/schedstat" text: "ON_CPU RUN_DELAY SLICES\n". Returns 0 or -EINVAL. */
int schedstat_parse(const char *text, struct schedstat *out);
int schedstat_read(pid_t tgid, pid_t tid, struct schedstat *out);

/*
 * From "/proc/PID/stat" text: the comm (between the first '(' and the LAST ')'), the state letter,
 * the flags field (field 9) and the start time in clock ticks (field 22). Returns 0 or -EINVAL.
 */
struct proc_stat {
	char comm[16];
	char state;
	int ppid;
	unsigned long flags;
	unsigned long long starttime;
};
int proc_stat_parse(const char *text, struct proc_stat *out);
int proc_stat_read(pid_t pid, struct proc_stat *out);

#define WS_PF_KTHREAD 0x00200000 /* include/linux/sched.h */

/* Effective capability mask from "/proc/self/status" text ("CapEff:\t000001ffffffffff"). */
int status_parse_capeff(const char *text, __u64 *capeff);
int self_capeff(__u64 *capeff);

/* List the thread ids of a process (/proc/PID/task). Caller frees *tids. */
int proc_list_tids(pid_t tgid, pid_t **tids, size_t *n);

/* Read a small file into buf (NUL-terminated). Returns bytes read or -errno. */
ssize_t read_small_file(const char *path, char *buf, size_t size);


/* A numeric field of "/proc/PID/status" text, e.g. "Tgid". Returns 0 or -EINVAL. */
int status_parse_field(const char *text, const char *name, unsigned long *value);

/* A TCP socket in LISTEN state from /proc/net/tcp or tcp6. */
struct listen_sock {
	unsigned short port;
	unsigned long inode;
	unsigned long accept_queue; /* connections waiting to be accepted */
};

/* Parse one /proc/net/tcp line: 0 for a LISTEN row, -ENOENT other states, -EINVAL junk. */
int net_tcp_parse_listen_line(const char *line, struct listen_sock *out);
/*
 * Append the LISTEN rows of one /proc/net/tcp(6) text read from f to *socks (n used, cap
 * allocated; caller frees). Returns 0 or -ENOMEM (what was appended so far stays valid).
 */
int net_tcp_listen_parse(FILE *f, struct listen_sock **socks, size_t *n, size_t *cap);
/* All listening TCP sockets (v4 and v6) of the machine. Caller frees *socks. */
int net_tcp_listen_read(struct listen_sock **socks, size_t *n);
/* Does process tgid hold one of these sockets? */
bool proc_owns_socket(pid_t tgid, const struct listen_sock *socks, size_t n);
/*
 * Same, also counting the sockets it holds into *count and marking owned[i] for each of socks
 * it holds (each when not NULL). One pass over /proc/PID/fd.
 */
bool proc_scan_sockets(pid_t tgid, const struct listen_sock *socks, size_t n,
		       unsigned int *count, bool *owned);

/* First line of /proc/stat: busy (all but idle and iowait) and total jiffies. */
int procstat_parse_cpu(const char *text, unsigned long long *busy, unsigned long long *total);
int procstat_read_cpu(unsigned long long *busy, unsigned long long *total);
/* VmRSS of "/proc/PID/status" text in bytes, or -1. */
long status_parse_rss(const char *text);
/* VmRSS of a process in bytes, or -1. */
long proc_rss_bytes(pid_t pid);

/* One process as a /proc scan sees it. */
struct proc_entry {
	pid_t tgid;
	pid_t ppid;
	char comm[16];
};

/* All user processes from /proc (kernel threads and zombies left out). Caller frees *out. */
int proc_scan_all(struct proc_entry **out, size_t *n);

/*
 * Descendant processes of the given roots (children, grandchildren, ...), from the ppid of every
 * /proc/PID/stat. Caller frees *out.
 */
int proc_descendants(const pid_t *roots, size_t n_roots, pid_t **out, size_t *n_out);

#endif /* WS_PROCFS_H */
