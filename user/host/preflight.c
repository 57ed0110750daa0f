// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Preflight: the two things a BPF load would otherwise report in libbpf's words. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "host/preflight.h"
#include "host/procfs.h"
#include "util/log.h"

#define CAP_SYS_ADMIN 21
#define CAP_PERFMON 38
#define CAP_BPF 39

/* Root, or CAP_BPF + CAP_PERFMON (CAP_SYS_ADMIN covers both on older kernels). */
static int check_privileges(void)
{
	__u64 caps;

	if (self_capeff(&caps))
		return 0; /* cannot tell: let the BPF load report it */
	if (caps & (1ull << CAP_SYS_ADMIN))
		return 0;
	if (!(caps & (1ull << CAP_BPF))) {
		ws_err("failed to start: missing capability CAP_BPF (run as root, or grant "
		       "cap_bpf,cap_perfmon)");
		return -EPERM;
	}
	if (!(caps & (1ull << CAP_PERFMON))) {
		ws_err("failed to start: missing capability CAP_PERFMON (run as root, or grant "
		       "cap_bpf,cap_perfmon)");
		return -EPERM;
	}
	return 0;
}

static int check_btf(void)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		return 0;
	ws_err("failed to find kernel BTF at /sys/kernel/btf/vmlinux: %s (a kernel built with "
	       "CONFIG_DEBUG_INFO_BTF=y is needed)", strerror(errno));
	return -ENOENT;
}

int preflight_check(void)
{
	int err = check_btf();

	return err ? err : check_privileges();
}
