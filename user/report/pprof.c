// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pprof writer: profile.proto field numbers are noted next to each field written. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>
#include "report/frame_coverage.h"
#include "report/pprof.h"
#include "util/hash.h"

/* An open-addressing map from a two-word key to a dense id (1-based: 0 is "empty"). */
struct id_map {
	struct id_slot {
		__u64 k1, k2;
		__u32 id;
	} *slots;
	size_t cap, n;
};

/* A Mapping, with what its locations turned out to resolve to. */
struct pprof_map {
	const struct sym_mapping *m; /* NULL: the kernel */
	bool functions, lines;       /* every location in it has a name; a file and line */
};

/* Everything interned while encoding: strings, functions, locations, mappings. */
struct pprof_ctx {
	const struct ws_profile *p;
	const struct frame_resolver *r;
	char **strings; /* string_table; [0] = "" */
	size_t n_strings, cap_strings;
	struct id_map string_ids; /* (hash, 0) -> string index + 1 */
	struct id_map functions;  /* (name index, file index) -> function id */
	struct id_map locations;  /* (kind|return|tgid, addr or name index) -> location id */
	struct id_map mapping_ids; /* (sym_mapping address, 0) -> mapping id */
	struct pprof_map *maps;   /* [id - 1] */
	size_t cap_maps;
	struct pb_buf funcs;      /* encoded Function messages */
	struct pb_buf locs;       /* encoded Location messages */
	bool oom;
};

enum loc_kind { LOC_USER = 0, LOC_KERNEL = 1, LOC_ROOT = 2 };

static __u64 hash_str(const char *s)
{
	__u64 h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static bool id_map_grow(struct id_map *m)
{
	struct id_slot *old = m->slots;
	size_t old_cap = m->cap, i, j;

	m->cap = m->cap ? m->cap * 2 : 1024;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old;
		m->cap = old_cap;
		return false;
	}
	for (i = 0; i < old_cap; i++) {
		if (!old[i].id)
			continue;
		for (j = hash_words(old[i].k1, old[i].k2) & (m->cap - 1); m->slots[j].id;
		     j = (j + 1) & (m->cap - 1))
			;
		m->slots[j] = old[i];
	}
	free(old);
	return true;
}

/* The slot holding (k1, k2), or the empty slot where it belongs; NULL when out of memory. */
static struct id_slot *id_map_slot(struct id_map *m, __u64 k1, __u64 k2)
{
	size_t j;

	if ((m->n + 1) * 2 > m->cap && !id_map_grow(m))
		return NULL;
	for (j = hash_words(k1, k2) & (m->cap - 1); m->slots[j].id; j = (j + 1) & (m->cap - 1))
		if (m->slots[j].k1 == k1 && m->slots[j].k2 == k2)
			break;
	return &m->slots[j];
}

/* Index of s in the string table, adding it if new; 0 ("") when out of memory. */
static __u64 intern(struct pprof_ctx *c, const char *s)
{
	__u64 h = hash_str(s), probe;
	struct id_slot *slot;
	char *copy;

	if (!*s)
		return 0;
	/* Equal hashes of different strings take the next probe key: k2 counts collisions. */
	for (probe = 0;; probe++) {
		slot = id_map_slot(&c->string_ids, h, probe);
		if (!slot) {
			c->oom = true;
			return 0;
		}
		if (!slot->id)
			break;
		if (!strcmp(c->strings[slot->id - 1], s))
			return slot->id - 1;
	}
	if (c->n_strings == c->cap_strings) {
		size_t cap = c->cap_strings ? c->cap_strings * 2 : 256;
		char **grown = realloc(c->strings, cap * sizeof(*grown));

		if (!grown) {
			c->oom = true;
			return 0;
		}
		c->strings = grown;
		c->cap_strings = cap;
	}
	copy = strdup(s);
	if (!copy) {
		c->oom = true;
		return 0;
	}
	c->strings[c->n_strings] = copy;
	*slot = (struct id_slot){ h, probe, (__u32)++c->n_strings };
	c->string_ids.n++;
	return c->n_strings - 1;
}

/* Function id for a name and source file (string indexes), adding a Function if new. */
static __u64 function_id(struct pprof_ctx *c, __u64 name, __u64 file)
{
	struct id_slot *slot = id_map_slot(&c->functions, name, file);
	size_t mark;

	if (!slot) {
		c->oom = true;
		return 0;
	}
	if (slot->id)
		return slot->id;
	*slot = (struct id_slot){ name, file, (__u32)++c->functions.n };
	mark = pb_begin(&c->funcs, 5);  /* Profile.function */
	pb_uint(&c->funcs, 1, slot->id); /* Function.id */
	pb_int(&c->funcs, 2, (int64_t)name);  /* Function.name */
	pb_int(&c->funcs, 3, (int64_t)name);  /* Function.system_name */
	if (file)
		pb_int(&c->funcs, 4, (int64_t)file); /* Function.filename */
	pb_end(&c->funcs, mark);
	return slot->id;
}

/* Mapping id of @m (NULL: the kernel's), adding it if new. Ids follow first use. */
static __u64 mapping_id(struct pprof_ctx *c, const struct sym_mapping *m)
{
	struct id_slot *slot = id_map_slot(&c->mapping_ids, (__u64)(uintptr_t)m, m ? 0 : 1);

	if (!slot) {
		c->oom = true;
		return 0;
	}
	if (slot->id)
		return slot->id;
	if (c->mapping_ids.n == c->cap_maps) {
		size_t cap = c->cap_maps ? c->cap_maps * 2 : 64;
		struct pprof_map *grown = realloc(c->maps, cap * sizeof(*grown));

		if (!grown) {
			c->oom = true;
			return 0;
		}
		c->maps = grown;
		c->cap_maps = cap;
	}
	*slot = (struct id_slot){ (__u64)(uintptr_t)m, m ? 0 : 1, (__u32)++c->mapping_ids.n };
	c->maps[slot->id - 1] = (struct pprof_map){ m, true, m != NULL };
	return slot->id;
}

/* One Location.line: function (name, file) and line number. */
static void location_line(struct pprof_ctx *c, const char *func, const char *file,
			  unsigned int line)
{
	__u64 fid = function_id(c, intern(c, func), file ? intern(c, file) : 0);
	size_t mark = pb_begin(&c->locs, 4); /* Location.line */

	pb_uint(&c->locs, 1, fid);           /* Line.function_id */
	if (line)
		pb_int(&c->locs, 2, line);   /* Line.line */
	pb_end(&c->locs, mark);
}

/* A user frame through the resolver's user_frame: mapping, and a line per inlined function
 * (innermost first, as profile.proto orders them). */
static void user_location(struct pprof_ctx *c, __u32 tgid, __u64 addr, bool is_return)
{
	struct sym_frame fr;
	struct pprof_map *pm = NULL;
	char name[256];
	unsigned int k;
	__u64 mid = 0;

	if (c->r->user_frame(c->r->ctx, (pid_t)tgid, addr, is_return, &fr))
		fr.status = fr.status == SYM_OK ? SYM_NO_SYMBOLS : fr.status;
	if (fr.map) {
		mid = mapping_id(c, fr.map);
		if (mid)
			pm = &c->maps[mid - 1];
	}
	if (mid)
		pb_uint(&c->locs, 2, mid);           /* Location.mapping_id */
	pb_uint(&c->locs, 3, addr);                  /* Location.address */
	if (fr.status != SYM_OK || !fr.n_lines) {
		frame_fallback_name(&fr, name, sizeof(name));
		location_line(c, name, NULL, 0);
		if (pm)
			pm->functions = pm->lines = false;
		return;
	}
	for (k = 0; k < fr.n_lines; k++) {
		location_line(c, fr.lines[k].func, fr.lines[k].file, fr.lines[k].line);
		if (pm && (!fr.lines[k].file || !fr.lines[k].line))
			pm->lines = false;
	}
}

/* Location id of one frame, symbolizing it the first time it is seen. */
static __u64 location_id(struct pprof_ctx *c, enum loc_kind kind, __u32 tgid, __u64 addr,
			 bool is_return)
{
	__u64 k1 = (__u64)kind | (__u64)is_return << 2 |
		   ((__u64)(kind == LOC_USER ? tgid : 0) << 3);
	struct id_slot *slot = id_map_slot(&c->locations, k1, addr);
	__u64 id;
	size_t mark;
	char name[256];

	if (!slot) {
		c->oom = true;
		return 0;
	}
	if (slot->id)
		return slot->id;
	id = ++c->locations.n;
	*slot = (struct id_slot){ k1, addr, (__u32)id };
	mark = pb_begin(&c->locs, 4);          /* Profile.location */
	pb_uint(&c->locs, 1, id);              /* Location.id */
	if (kind == LOC_USER && c->r->user_frame) {
		user_location(c, tgid, addr, is_return);
		pb_end(&c->locs, mark);
		return id;
	}
	if (kind == LOC_USER)
		c->r->user(c->r->ctx, (pid_t)tgid, addr, name, sizeof(name));
	else if (kind == LOC_KERNEL)
		c->r->kernel(c->r->ctx, addr, name, sizeof(name));
	else
		snprintf(name, sizeof(name), "%s", c->strings[addr - 1]);
	if (kind == LOC_KERNEL && c->r->user_frame)
		pb_uint(&c->locs, 2, mapping_id(c, NULL)); /* Location.mapping_id */
	if (kind != LOC_ROOT)
		pb_uint(&c->locs, 3, addr);    /* Location.address */
	location_line(c, name, NULL, 0);
	pb_end(&c->locs, mark);
	return id;
}

static void label_str(struct pprof_ctx *c, struct pb_buf *b, const char *key, const char *val)
{
	__u64 k = intern(c, key), v = intern(c, val);
	size_t mark = pb_begin(b, 3); /* Sample.label */

	pb_int(b, 1, (int64_t)k);     /* Label.key */
	pb_int(b, 2, (int64_t)v);     /* Label.str */
	pb_end(b, mark);
}

static void label_num(struct pprof_ctx *c, struct pb_buf *b, const char *key, __u64 num)
{
	__u64 k = intern(c, key);
	size_t mark = pb_begin(b, 3);

	pb_int(b, 1, (int64_t)k);
	pb_int(b, 3, (int64_t)num);   /* Label.num */
	pb_end(b, mark);
}

/* One Sample: locations leaf first (kernel, user, comm root), then the two values. */
static void sample(struct pprof_ctx *c, struct pb_buf *b, const struct ws_offcpu_stack *st,
		   bool on_cpu)
{
	const char *comm = folded_comm(c->p, st->tgid);
	__u64 *ids, n = 0, comm_idx;
	char name[256];
	size_t mark, packed;
	__u32 j;

	ids = calloc((size_t)st->n_kernel + st->n_user + 1, sizeof(*ids));
	if (!ids) {
		c->oom = true;
		return;
	}
	for (j = 0; j < st->n_kernel; j++) {
		c->r->kernel(c->r->ctx, st->kernel[j], name, sizeof(name));
		if (!folded_probe_frame(name))
			ids[n++] = location_id(c, LOC_KERNEL, 0, st->kernel[j], false);
	}
	for (j = 0; j < st->n_user; j++)
		ids[n++] = location_id(c, LOC_USER, st->tgid, st->user[j], j > 0);
	comm_idx = intern(c, comm);
	ids[n++] = location_id(c, LOC_ROOT, 0, comm_idx + 1, false);

	mark = pb_begin(b, 2);          /* Profile.sample */
	packed = pb_begin(b, 1);        /* Sample.location_id, packed */
	for (j = 0; j < n; j++)
		pb_varint(b, ids[j]);
	pb_end(b, packed);
	packed = pb_begin(b, 2);        /* Sample.value, packed: [off-cpu, on-cpu] */
	pb_varint(b, on_cpu ? 0 : st->ns);
	pb_varint(b, on_cpu ? st->ns : 0);
	pb_end(b, packed);
	label_num(c, b, "pid", st->tgid);
	label_str(c, b, "comm", comm);
	if (st->tid) {
		label_num(c, b, "tid", st->tid);
		label_str(c, b, "thread_name", folded_thread_name(c->p, st->tid));
	}
	if (!on_cpu)
		label_str(c, b, "cause", ws_cause_name((int)st->cause));
	pb_end(b, mark);
	free(ids);
}

static void value_type(struct pprof_ctx *c, struct pb_buf *b, __u32 field, const char *type,
		       const char *unit)
{
	__u64 t = intern(c, type), u = intern(c, unit);
	size_t mark = pb_begin(b, field);

	pb_int(b, 1, (int64_t)t); /* ValueType.type */
	pb_int(b, 2, (int64_t)u); /* ValueType.unit */
	pb_end(b, mark);
}

/* The Mapping messages, by id. A mapping whose every location resolved says so (has_functions,
 * has_filenames, has_line_numbers, has_inline_frames), so pprof keeps our names; the others are
 * re-symbolized by pprof from the file, when it can read it. */
static void mappings(struct pprof_ctx *c, struct pb_buf *b)
{
	size_t i;

	for (i = 0; i < c->mapping_ids.n; i++) {
		const struct pprof_map *pm = &c->maps[i];
		const struct sym_mapping *m = pm->m;
		__u64 file = intern(c, m ? (m->path[0] ? m->path : "[anon]") : "[kernel.kallsyms]");
		__u64 bid = m && m->build_id[0] ? intern(c, m->build_id) : 0;
		size_t mark = pb_begin(b, 3);              /* Profile.mapping */

		pb_uint(b, 1, i + 1);                       /* Mapping.id */
		pb_uint(b, 2, m ? m->start : 0xffff800000000000ull); /* memory_start */
		pb_uint(b, 3, m ? m->limit : ~0ull);       /* memory_limit */
		if (m)
			pb_uint(b, 4, m->offset);          /* file_offset */
		pb_int(b, 5, (int64_t)file);               /* filename */
		if (bid)
			pb_int(b, 6, (int64_t)bid);        /* build_id */
		if (pm->functions)
			pb_uint(b, 7, 1);                  /* has_functions */
		if (pm->lines) {
			pb_uint(b, 8, 1);                  /* has_filenames */
			pb_uint(b, 9, 1);                  /* has_line_numbers */
			pb_uint(b, 10, 1);                 /* has_inline_frames */
		}
		pb_end(b, mark);
	}
}

/* Profile.comment: how many user frames stayed unknown, and why (go tool pprof -comments). */
static void comments(struct pprof_ctx *c, struct pb_buf *out)
{
	struct frame_coverage cov;
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f;

	if (!c->r->user_frame)
		return;
	frame_coverage_compute(c->p, c->r, &cov);
	f = open_memstream(&text, &len);
	if (!f) {
		c->oom = true;
		return;
	}
	frame_coverage_write(f, &cov, "");
	if (fclose(f) || !text) {
		free(text);
		c->oom = true;
		return;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		pb_int(out, 13, (int64_t)intern(c, line)); /* Profile.comment */
	free(text);
}

static void ctx_free(struct pprof_ctx *c)
{
	size_t i;

	for (i = 0; i < c->n_strings; i++)
		free(c->strings[i]);
	free(c->strings);
	free(c->string_ids.slots);
	free(c->functions.slots);
	free(c->locations.slots);
	free(c->mapping_ids.slots);
	free(c->maps);
	pb_free(&c->funcs);
	pb_free(&c->locs);
}

int pprof_encode(struct pb_buf *out, const struct ws_profile *p, const struct frame_resolver *r,
		 __u64 time_nanos)
{
	struct pprof_ctx c = { .p = p, .r = r };
	struct pb_buf samples;
	size_t i;
	int err = 0;

	pb_init(&samples);
	/* string_table[0] must be "": intern() maps "" to 0 without storing it, so add it. */
	c.strings = calloc(256, sizeof(*c.strings));
	c.cap_strings = 256;
	if (!c.strings || !(c.strings[0] = strdup(""))) {
		free(c.strings);
		return -ENOMEM;
	}
	c.n_strings = 1;

	value_type(&c, out, 1, "off-cpu", "nanoseconds"); /* Profile.sample_type */
	value_type(&c, out, 1, "on-cpu", "nanoseconds");
	/* Mapping 1 is what pprof calls the main binary: the first target's executable. */
	for (i = 0; c.r->main_mapping && i < p->n_targets; i++) {
		const struct sym_mapping *m = c.r->main_mapping(c.r->ctx, p->targets[i].tgid);

		if (m)
			mapping_id(&c, m);
	}
	for (i = 0; i < p->n_offcpu; i++)
		if (p->offcpu[i].ns)
			sample(&c, &samples, &p->offcpu[i], false);
	for (i = 0; i < p->n_oncpu; i++)
		if (p->oncpu[i].ns)
			sample(&c, &samples, &p->oncpu[i], true);
	/* Encoded apart because each may add strings, functions and locations. */
	pb_raw(out, samples.data, samples.len);
	mappings(&c, out);
	pb_raw(out, c.locs.data, c.locs.len);
	pb_raw(out, c.funcs.data, c.funcs.len);
	if (time_nanos)
		pb_int(out, 9, (int64_t)time_nanos); /* Profile.time_nanos */
	if (p->window_end_ns > p->window_start_ns && p->window_end_ns != (__u64)-1)
		pb_int(out, 10, (int64_t)(p->window_end_ns - p->window_start_ns)); /* duration */
	value_type(&c, out, 11, "cpu", "nanoseconds");       /* Profile.period_type */
	if (p->oncpu_period_ns)
		pb_int(out, 12, (int64_t)p->oncpu_period_ns); /* Profile.period */
	comments(&c, out);
	pb_int(out, 14, (int64_t)intern(&c, "off-cpu"));     /* Profile.default_sample_type */
	/* Last: the strings every part above interned. */
	for (i = 0; i < c.n_strings; i++)
		pb_string(out, 6, c.strings[i]);              /* Profile.string_table */
	if (c.oom || samples.oom || c.locs.oom || c.funcs.oom || out->oom)
		err = -ENOMEM;
	pb_free(&samples);
	ctx_free(&c);
	return err;
}

int gzip_write(FILE *f, const void *data, size_t len)
{
	unsigned char chunk[16384];
	size_t have;
	z_stream z;
	int rc, err = 0;

	if (len > UINT_MAX)
		return -EFBIG; /* one deflate call takes at most 4 GiB */
	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: gzip header and trailer instead of zlib's. */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		rc = deflate(&z, Z_FINISH);
		if (rc == Z_STREAM_ERROR) {
			err = -EINVAL;
			break;
		}
		have = sizeof(chunk) - z.avail_out;
		if (fwrite(chunk, 1, have, f) != have) {
			err = -EIO;
			break;
		}
	} while (rc != Z_STREAM_END);
	deflateEnd(&z);
	return err;
}

int pprof_write(FILE *f, const struct ws_profile *p, const struct frame_resolver *r,
		__u64 time_nanos)
{
	struct pb_buf b;
	int err;

	pb_init(&b);
	err = pprof_encode(&b, p, r, time_nanos);
	if (!err)
		err = gzip_write(f, b.data, b.len);
	pb_free(&b);
	return err;
}
