// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Names for wait causes and (x86_64) syscall numbers. */
#include <stddef.h>
#include "model/profile.h"
#include "ws_syscalls.h"

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
#define WS_SYSCALL_NAME(nr, name) [nr] = #name,
	static const char *const names[WS_SYSCALL_END] = { WS_SYSCALLS(WS_SYSCALL_NAME) };
#undef WS_SYSCALL_NAME

	return nr < WS_SYSCALL_END ? names[nr] : NULL;
}
