// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Names for wait causes and (x86_64) syscall numbers. */
#include <stddef.h>
#include "model/profile.h"

const char *ws_cause_name(int cause)
{
	static const char *const names[WS_CAUSE_KINDS] = {
		[WS_CAUSE_OTHER] = "other", [WS_CAUSE_NET] = "net",     [WS_CAUSE_DISK] = "disk",
		[WS_CAUSE_LOCK] = "lock",   [WS_CAUSE_SLEEP] = "sleep", [WS_CAUSE_IDLE] = "idle",
		[WS_CAUSE_CLIENT] = "client", [WS_CAUSE_PARKED] = "parked",
	};

	return cause >= 0 && cause < WS_CAUSE_KINDS ? names[cause] : "other";
}

const char *ws_syscall_name(__u32 nr)
{
	static const char *const names[] = {
		[0] = "read", [1] = "write", [2] = "open", [3] = "close", [4] = "stat",
		[5] = "fstat", [6] = "lstat", [7] = "poll", [8] = "lseek", [9] = "mmap",
		[10] = "mprotect", [11] = "munmap", [12] = "brk", [13] = "rt_sigaction",
		[14] = "rt_sigprocmask", [16] = "ioctl", [17] = "pread64", [18] = "pwrite64",
		[19] = "readv", [20] = "writev", [21] = "access", [22] = "pipe", [23] = "select",
		[24] = "sched_yield", [26] = "msync", [28] = "madvise", [32] = "dup", [33] = "dup2",
		[34] = "pause", [35] = "nanosleep", [39] = "getpid", [40] = "sendfile",
		[41] = "socket", [42] = "connect", [43] = "accept", [44] = "sendto",
		[45] = "recvfrom", [46] = "sendmsg", [47] = "recvmsg", [48] = "shutdown",
		[49] = "bind", [50] = "listen", [51] = "getsockname", [52] = "getpeername",
		[53] = "socketpair", [54] = "setsockopt", [55] = "getsockopt", [56] = "clone",
		[57] = "fork", [59] = "execve", [60] = "exit", [61] = "wait4", [62] = "kill",
		[72] = "fcntl", [73] = "flock", [74] = "fsync", [75] = "fdatasync",
		[77] = "ftruncate", [96] = "gettimeofday", [202] = "futex", [213] = "epoll_create",
		[228] = "clock_gettime", [230] = "clock_nanosleep", [231] = "exit_group",
		[232] = "epoll_wait", [233] = "epoll_ctl", [257] = "openat", [270] = "pselect6",
		[271] = "ppoll", [277] = "sync_file_range", [281] = "epoll_pwait",
		[283] = "timerfd_create", [284] = "eventfd", [286] = "timerfd_settime",
		[288] = "accept4", [290] = "eventfd2", [291] = "epoll_create1", [293] = "pipe2",
		[295] = "preadv", [296] = "pwritev", [299] = "recvmmsg", [302] = "prlimit64",
		[307] = "sendmmsg", [318] = "getrandom", [334] = "rseq", [426] = "io_uring_enter",
		[435] = "clone3", [441] = "epoll_pwait2", [449] = "futex_waitv",
	};

	return nr < sizeof(names) / sizeof(names[0]) ? names[nr] : NULL;
}
