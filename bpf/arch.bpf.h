/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Syscall number and arguments in the user registers a task saved when it entered the kernel
 * (bpf_task_pt_regs), per architecture. The numbers themselves are in include/ws_syscalls.h.
 * Interrupts and exceptions, a page fault included, store -1 as the number.
 */
#ifndef WS_ARCH_BPF_H
#define WS_ARCH_BPF_H

#if defined(__TARGET_ARCH_x86)

static __always_inline long ws_syscall_nr(const struct pt_regs *regs)
{
	return regs->orig_ax;
}

/* Argument n (0-5) of the syscall, in the x86_64 calling convention of syscalls. */
static __always_inline unsigned long ws_syscall_arg(const struct pt_regs *regs, int n)
{
	switch (n) {
	case 0:
		return regs->di;
	case 1:
		return regs->si;
	case 2:
		return regs->dx;
	case 3:
		return regs->r10;
	case 4:
		return regs->r8;
	case 5:
		return regs->r9;
	}
	return 0;
}

#else
#error "waitscope reads syscall registers on x86_64 only: add this architecture to arch.bpf.h"
#endif

#endif /* WS_ARCH_BPF_H */
