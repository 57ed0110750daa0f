// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The thin shell around the pure writers: symbolizer, clocks and atomic output files. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "report/atomic_file.h"
#include "report/export.h"
#include "report/folded.h"
#include "report/frame_coverage.h"
#include "util/log.h"
#include "report/pprof.h"
#include "report/prom.h"
#include "symbols/symbolize.h"

static void resolve_user(void *ctx, pid_t tgid, __u64 addr, char *buf, size_t size)
{
	if (symbolize_user(ctx, tgid, addr, buf, size))
		snprintf(buf, size, "[unknown]");
}

static void resolve_kernel(void *ctx, __u64 addr, char *buf, size_t size)
{
	if (symbolize_kernel(ctx, addr, buf, size))
		snprintf(buf, size, "[unknown]");
}

static int resolve_frame(void *ctx, pid_t tgid, __u64 addr, bool is_return, struct sym_frame *out)
{
	return symbolize_user_frame(ctx, tgid, addr, is_return, out);
}

static const struct sym_mapping *resolve_main(void *ctx, pid_t tgid)
{
	return symbolizer_main_mapping(ctx, tgid);
}

/* Wall-clock time (Unix ns) of the CLOCK_MONOTONIC instant mono_ns. */
static __u64 unix_ns_of(__u64 mono_ns)
{
	struct timespec rt, mt;
	__u64 rt_ns, mt_ns;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	rt_ns = (__u64)rt.tv_sec * 1000000000ull + (__u64)rt.tv_nsec;
	mt_ns = (__u64)mt.tv_sec * 1000000000ull + (__u64)mt.tv_nsec;
	return mono_ns <= mt_ns && mt_ns - mono_ns < rt_ns ? rt_ns - (mt_ns - mono_ns) : 0;
}

int exporter_init(struct exporter *e, const struct export_opts *o)
{
	memset(e, 0, sizeof(*e));
	if (o)
		e->o = *o;
	e->sym = symbolizer_new();
	if (!e->sym) {
		ws_err("failed to symbolize stacks: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	symbolizer_set_demangle(e->sym, !e->o.mangled);
	return 0;
}

void exporter_free(struct exporter *e)
{
	symbolizer_free(e->sym);
	e->sym = NULL;
}

static struct frame_resolver resolver(struct exporter *e)
{
	return (struct frame_resolver){ resolve_user, resolve_kernel, e->sym, resolve_frame,
					resolve_main };
}

void export_frame_coverage(struct exporter *e, const struct ws_profile *p,
			   struct frame_coverage *out)
{
	struct frame_resolver r = resolver(e);

	frame_coverage_compute(p, &r, out);
}

enum export_kind { EXPORT_FOLDED, EXPORT_PPROF };

/* Folded or pprof: both need the symbolizer. */
static int write_stacks(struct exporter *e, const char *path, const struct ws_profile *p,
			enum export_kind kind)
{
	struct frame_resolver r = resolver(e);
	struct folded_opts fo = { .per_thread = e->o.per_thread };
	struct atomic_file af;
	int err;

	err = atomic_file_open(&af, path);
	if (err)
		return err;
	if (kind == EXPORT_FOLDED)
		err = folded_write(af.f, p, &r, &fo);
	else
		err = pprof_write(af.f, p, &r, unix_ns_of(p->window_start_ns));
	if (err) {
		ws_err("failed to write %s: %s", path, strerror(-err));
		atomic_file_abort(&af);
		return err;
	}
	return atomic_file_commit(&af);
}

int write_folded(struct exporter *e, const char *path, const struct ws_profile *p)
{
	return write_stacks(e, path, p, EXPORT_FOLDED);
}

int write_pprof(struct exporter *e, const char *path, const struct ws_profile *p)
{
	return write_stacks(e, path, p, EXPORT_PPROF);
}

int write_prom(const char *path, const struct ws_profile *p, const struct prom_meta *meta)
{
	struct prom_meta m = *meta;
	struct atomic_file af;
	int err;

	err = atomic_file_open(&af, path);
	if (err)
		return err;
	m.end_unix_ns = unix_ns_of(p->window_end_ns);
	if (prom_write(af.f, p, &m)) {
		atomic_file_abort(&af);
		return -ENOMEM;
	}
	return atomic_file_commit(&af);
}
