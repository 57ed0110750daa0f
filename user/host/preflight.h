/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Before loading BPF: does the kernel have BTF, and may this process load and attach programs? */
#ifndef WS_PREFLIGHT_H
#define WS_PREFLIGHT_H

/*
 * Kernel BTF at /sys/kernel/btf/vmlinux, then root or CAP_BPF + CAP_PERFMON (CAP_SYS_ADMIN
 * covers both). Returns 0, or -errno with a one-line error printed.
 */
int preflight_check(void);

#endif /* WS_PREFLIGHT_H */
