// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Symbolizer for stacks: see symbolize.h. The ELF and DWARF part is elf_file.c (libdwfl). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "symbols/elf_file.h"
#include "symbols/symbolize.h"
#include "util/hash.h"

#define UNKNOWN "[unknown]"

struct ksym {
	__u64 addr;
	size_t name;
};

struct elf_cache_ent {
	dev_t dev;
	ino_t ino;
	struct elf_file *file; /* NULL: not an ELF file libdwfl reads */
};

struct proc_map {
	struct map_entry m;
	struct sym_mapping sm; /* what pprof's Mapping says of it; sm.path is m.path */
	int elf;               /* index into the ELF cache, -1 none; valid once resolved */
	bool resolved;
};

/* One /tmp/perf-PID.map entry; seq orders entries at the same address (the last one wins). */
struct jit_sym {
	__u64 start, size;
	size_t name, seq;
};

/* String pool: names are stored back to back and referred to by offset. */
struct pool {
	char *buf;
	size_t len, cap;
};

struct proc_ent {
	pid_t tgid;
	pid_t ns_pid;          /* its pid in its own pid namespace: perf-PID.map is named by it */
	ino_t exe_ino;         /* inode of /proc/PID/exe, 0 unknown */
	bool alive;            /* its maps were read */
	bool other_root;       /* /proc/PID/root is not our root: a container */
	struct proc_map *maps; /* sorted by start; empty if the process was gone */
	size_t n_maps;
	struct jit_sym *jit;   /* perf-PID.map, sorted by start; loaded on first use */
	size_t n_jit;
	struct pool jit_names;
	bool jit_tried;
};

/* A resolved (ELF file, vaddr): the lines, shared by every process mapping that file. */
struct frame_slot {
	__u64 k1, k2;
	struct sym_frame *f;
};

struct symbolizer {
	struct proc_ent *procs;
	size_t n_procs, cap_procs;
	struct elf_cache_ent *elfs;
	size_t n_elfs, cap_elfs;
	struct ksym *ksyms;
	size_t n_ksyms;
	char *kpool;
	bool ktried;
	bool vdso_tried;
	int vdso_elf;          /* ELF cache index of our own vDSO copy, -1 none */
	bool keep_mangled;
	char *debug_dirs;      /* NULL: libdwfl's default */
	struct sym_strings strings;
	struct frame_slot *frames;
	size_t n_frames, cap_frames;
};

/* Make room for one more element of size @elem in *@arr. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int pool_add(struct pool *p, const char *s, size_t *off)
{
	size_t n = strlen(s) + 1;

	while (p->len + n > p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 4096;
		char *b = realloc(p->buf, ncap);

		if (!b)
			return -ENOMEM;
		p->buf = b;
		p->cap = ncap;
	}
	memcpy(p->buf + p->len, s, n);
	*off = p->len;
	p->len += n;
	return 0;
}

/* ---- pure parsers ---- */

int maps_parse_line(const char *line, struct map_entry *out)
{
	static const char deleted[] = " (deleted)";
	unsigned long long start, end, off, ino;
	unsigned int maj, min;
	char perms[8];
	const char *p;
	size_t len;
	int n = -1;

	if (!line || !out || !isxdigit((unsigned char)line[0]))
		return -EINVAL;
	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu%n", &start, &end, perms, &off, &maj, &min,
		   &ino, &n) != 7 || n < 0)
		return -EINVAL;
	if (start >= end || strlen(perms) != 4)
		return -EINVAL;
	p = line + n;
	if (*p && *p != ' ' && *p != '\t' && *p != '\n')
		return -EINVAL;
	while (*p == ' ' || *p == '\t')
		p++;
	len = strcspn(p, "\n");
	memset(out, 0, sizeof(*out));
	if (len >= sizeof(deleted) - 1 &&
	    !memcmp(p + len - (sizeof(deleted) - 1), deleted, sizeof(deleted) - 1)) {
		len -= sizeof(deleted) - 1;
		out->deleted = true;
	}
	if (len >= sizeof(out->path))
		return -EINVAL;
	memcpy(out->path, p, len);
	out->path[len] = '\0';
	memcpy(out->perms, perms, 5);
	out->start = start;
	out->end = end;
	out->offset = off;
	out->inode = ino;
	return 0;
}

/* A hex number at *p followed by one space: its value, and *p past the space. */
static int hex_field(const char **p, unsigned long long *v)
{
	char *endp;

	if (!isxdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	*v = strtoull(*p, &endp, 16);
	if (errno || *endp != ' ')
		return -EINVAL;
	*p = endp + 1;
	return 0;
}

/* len bytes of src as a string in name, cut to fit. */
static void copy_name(char *name, size_t name_size, const char *src, size_t len)
{
	if (len >= name_size)
		len = name_size - 1;
	memcpy(name, src, len);
	name[len] = '\0';
}

int kallsyms_parse_line(const char *line, __u64 *addr, char *type, char *name, size_t name_size)
{
	unsigned long long a;
	const char *p = line;
	size_t len;

	if (!line || !addr || !type || !name || !name_size || hex_field(&p, &a))
		return -EINVAL;
	if (!isalpha((unsigned char)p[0]) || p[1] != ' ')
		return -EINVAL;
	*type = p[0];
	p += 2;
	len = strcspn(p, " \t\n");
	if (!len)
		return -EINVAL;
	copy_name(name, name_size, p, len);
	*addr = a;
	return 0;
}

int perfmap_parse_line(const char *line, __u64 *start, __u64 *size, char *name, size_t name_size)
{
	unsigned long long a, n;
	const char *p = line;
	size_t len;

	if (!line || !start || !size || !name || !name_size || hex_field(&p, &a) ||
	    hex_field(&p, &n) || !n || a + n < a)
		return -EINVAL;
	len = strcspn(p, "\n");
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\r'))
		len--;
	if (!len)
		return -EINVAL;
	copy_name(name, name_size, p, len);
	*start = a;
	*size = n;
	return 0;
}

const char *sym_status_name(enum sym_status st)
{
	static const char *const names[SYM_STATUS_KINDS] = {
		[SYM_OK] = "ok",
		[SYM_NO_SYMBOLS] = "no-symbols",
		[SYM_JIT_NO_MAP] = "jit-no-map",
		[SYM_UNMAPPED] = "unmapped",
		[SYM_NO_PROCESS] = "process-gone",
	};

	return st >= 0 && st < SYM_STATUS_KINDS ? names[st] : "unknown";
}

/* ---- symbolizer ---- */

struct symbolizer *symbolizer_new(void)
{
	return calloc(1, sizeof(struct symbolizer));
}

void symbolizer_set_demangle(struct symbolizer *s, bool demangle)
{
	s->keep_mangled = !demangle;
}

int symbolizer_set_debug_dirs(struct symbolizer *s, const char *dirs)
{
	char *copy = dirs ? strdup(dirs) : NULL;

	if (dirs && !copy)
		return -ENOMEM;
	free(s->debug_dirs);
	s->debug_dirs = copy;
	return 0;
}

void symbolizer_free(struct symbolizer *s)
{
	size_t i;

	if (!s)
		return;
	free(s->debug_dirs);
	for (i = 0; i < s->n_procs; i++) {
		free(s->procs[i].maps);
		free(s->procs[i].jit);
		free(s->procs[i].jit_names.buf);
	}
	free(s->procs);
	for (i = 0; i < s->n_elfs; i++)
		elf_file_free(s->elfs[i].file);
	free(s->elfs);
	for (i = 0; i < s->cap_frames; i++)
		free(s->frames[i].f);
	free(s->frames);
	sym_strings_free(&s->strings);
	free(s->ksyms);
	free(s->kpool);
	free(s);
}

static int map_cmp(const void *a, const void *b)
{
	const struct proc_map *x = a, *y = b;

	if (x->m.start != y->m.start)
		return x->m.start < y->m.start ? -1 : 1;
	return 0;
}

/* Its pid in its innermost pid namespace (last NSpid field), else @tgid. */
static pid_t ns_pid_of(pid_t tgid)
{
	char path[64], *line = NULL;
	size_t len = 0;
	pid_t pid = tgid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tgid);
	f = fopen(path, "re");
	if (!f)
		return tgid;
	while (getline(&line, &len, f) > 0) {
		char *p, *endp;
		long v;

		if (strncmp(line, "NSpid:", 6))
			continue;
		for (p = line + 6;; p = endp) {
			v = strtol(p, &endp, 10);
			if (endp == p)
				break;
			if (v > 0)
				pid = (pid_t)v;
		}
		break;
	}
	free(line);
	fclose(f);
	return pid;
}

/* Does /proc/PID/root lead somewhere else than our own root (the process is in a container)? */
static bool other_root(pid_t tgid)
{
	struct stat theirs, ours;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/root/", (int)tgid);
	if (stat(path, &theirs) || stat("/", &ours))
		return false;
	return theirs.st_dev != ours.st_dev || theirs.st_ino != ours.st_ino;
}

/* Read /proc/PID/maps into a new cache entry; a vanished process gives an empty entry. */
static int proc_load(struct symbolizer *s, pid_t tgid, struct proc_ent **out)
{
	struct proc_map *maps = NULL;
	size_t n = 0, cap = 0, len = 0, i;
	struct proc_ent *e;
	char path[64], *line = NULL;
	struct stat st;
	FILE *f;
	int err;

	err = grow((void **)&s->procs, &s->cap_procs, s->n_procs, sizeof(*s->procs));
	if (err)
		return err;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)tgid);
	f = fopen(path, "re");
	if (f) {
		while (getline(&line, &len, f) > 0) {
			struct map_entry m;

			if (maps_parse_line(line, &m))
				continue;
			err = grow((void **)&maps, &cap, n, sizeof(*maps));
			if (err)
				goto cleanup;
			memset(&maps[n], 0, sizeof(maps[n]));
			maps[n].elf = -1;
			maps[n++].m = m;
		}
		if (n) /* qsort(NULL, 0) is undefined */
			qsort(maps, n, sizeof(*maps), map_cmp);
	}
	e = &s->procs[s->n_procs++];
	memset(e, 0, sizeof(*e));
	e->tgid = tgid;
	e->alive = f != NULL;
	e->ns_pid = ns_pid_of(tgid);
	e->other_root = other_root(tgid);
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)tgid);
	if (!stat(path, &st))
		e->exe_ino = st.st_ino;
	for (i = 0; i < n; i++) {
		struct sym_mapping *sm = &maps[i].sm;

		sm->start = maps[i].m.start;
		sm->limit = maps[i].m.end;
		sm->offset = maps[i].m.offset;
		sm->path = maps[i].m.path;
		sm->build_id = "";
		sm->main = e->exe_ino && maps[i].m.inode == e->exe_ino;
	}
	e->maps = maps;
	e->n_maps = n;
	maps = NULL;
	*out = e;
cleanup:
	if (f)
		fclose(f);
	free(line);
	free(maps);
	return err;
}

static int proc_get(struct symbolizer *s, pid_t tgid, struct proc_ent **out)
{
	size_t i;

	for (i = 0; i < s->n_procs; i++) {
		if (s->procs[i].tgid == tgid) {
			*out = &s->procs[i];
			return 0;
		}
	}
	return proc_load(s, tgid, out);
}

int symbolizer_prime(struct symbolizer *s, pid_t tgid)
{
	struct proc_ent *e;

	return proc_get(s, tgid, &e);
}

static struct proc_map *map_find(struct proc_ent *e, __u64 addr)
{
	size_t lo = 0, hi = e->n_maps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e->maps[mid].m.start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr >= e->maps[lo - 1].m.end)
		return NULL;
	return &e->maps[lo - 1];
}

/* ---- JIT maps (/tmp/perf-PID.map) ---- */

static int jit_cmp(const void *a, const void *b)
{
	const struct jit_sym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int jit_read(struct proc_ent *e, FILE *f)
{
	size_t cap = 0, len = 0;
	char *line = NULL, name[512];
	int err = 0;

	while (getline(&line, &len, f) > 0) {
		struct jit_sym *j;
		__u64 start, size;

		if (perfmap_parse_line(line, &start, &size, name, sizeof(name)))
			continue;
		err = grow((void **)&e->jit, &cap, e->n_jit, sizeof(*e->jit));
		if (err)
			break;
		j = &e->jit[e->n_jit];
		err = pool_add(&e->jit_names, name, &j->name);
		if (err)
			break;
		j->start = start;
		j->size = size;
		j->seq = e->n_jit++;
	}
	free(line);
	return err;
}

/* Load the process's perf map: its own /tmp under its namespace pid, else ours under its pid. */
static int jit_load(struct proc_ent *e)
{
	char path[96];
	FILE *f;
	int err;

	e->jit_tried = true;
	snprintf(path, sizeof(path), "/proc/%d/root/tmp/perf-%d.map", (int)e->tgid,
		 (int)e->ns_pid);
	f = fopen(path, "re");
	if (!f) {
		snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)e->tgid);
		f = fopen(path, "re");
	}
	if (!f)
		return 0;
	err = jit_read(e, f);
	fclose(f);
	if (e->n_jit)
		qsort(e->jit, e->n_jit, sizeof(*e->jit), jit_cmp);
	return err;
}

/* The perf map's name for @addr (the latest entry holding it), or NULL. */
static const char *jit_lookup(struct proc_ent *e, __u64 addr)
{
	size_t lo = 0, hi = e->n_jit, k;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e->jit[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* entries may overlap (code replaced): look a few back for one that holds addr */
	for (k = 0; lo > 0 && k < 16; k++, lo--) {
		const struct jit_sym *j = &e->jit[lo - 1];

		if (addr - j->start < j->size)
			return e->jit_names.buf + j->name;
	}
	return NULL;
}

/* Resolve @addr through the perf map into @out; false when there is no entry. */
static int jit_frame(struct symbolizer *s, struct proc_ent *e, __u64 addr, struct sym_frame *out,
		     bool *found)
{
	const char *name;
	int err;

	*found = false;
	if (!e->jit_tried) {
		err = jit_load(e);
		if (err)
			return err;
	}
	name = jit_lookup(e, addr);
	if (!name)
		return 0;
	out->lines[0].func = sym_intern(&s->strings, name);
	if (!out->lines[0].func)
		return -ENOMEM;
	out->n_lines = 1;
	out->status = SYM_OK;
	*found = true;
	return 0;
}

/* ---- ELF files ---- */

/* Open the file behind mapping @m: /proc/PID/root/PATH (containers), PATH, then
 * /proc/PID/map_files/START-END (the only way to an unlinked file). -1 if none opens.
 * The path that opened it goes into @used. */
static int open_mapped(pid_t tgid, const struct map_entry *m, bool in_container, char *used,
		       size_t size)
{
	int i, fd;

	for (i = m->deleted ? 2 : (in_container ? 0 : 1); i < 3; i++) {
		struct stat st;

		if (i == 0)
			snprintf(used, size, "/proc/%d/root%s", (int)tgid, m->path);
		else if (i == 1)
			snprintf(used, size, "%s", m->path);
		else
			snprintf(used, size, "/proc/%d/map_files/%llx-%llx", (int)tgid,
				 (unsigned long long)m->start, (unsigned long long)m->end);
		fd = open(used, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!fstat(fd, &st) && S_ISREG(st.st_mode))
			return fd;
		close(fd);
	}
	return -1;
}

/* Index of the ELF cache entry for the file on @fd (consumed), opening it with libdwfl the first
 * time its (device, inode) is seen; -1 in *idx when it is not an ELF file. */
static int elf_get(struct symbolizer *s, int fd, const char *path, const char *debug_dirs,
		   int *idx)
{
	struct elf_cache_ent *c;
	struct elf_file *file = NULL;
	struct stat st;
	size_t i;
	int err;

	*idx = -1;
	if (fstat(fd, &st)) {
		close(fd);
		return 0;
	}
	for (i = 0; i < s->n_elfs; i++) {
		if (s->elfs[i].dev == st.st_dev && s->elfs[i].ino == st.st_ino) {
			close(fd);
			*idx = s->elfs[i].file ? (int)i : -1;
			return 0;
		}
	}
	err = grow((void **)&s->elfs, &s->cap_elfs, s->n_elfs, sizeof(*s->elfs));
	if (err) {
		close(fd);
		return err;
	}
	err = elf_file_open(fd, path, debug_dirs, &file);
	if (err == -ENOMEM)
		return err;
	/* not an ELF file: remember it and fall back to module+offset */
	c = &s->elfs[s->n_elfs];
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->file = file;
	*idx = file ? (int)s->n_elfs : -1;
	s->n_elfs++;
	return 0;
}

/* Length of this process's [vdso] mapping, 0 when it has none. */
static size_t own_vdso_len(unsigned long base)
{
	FILE *f = fopen("/proc/self/maps", "re");
	struct map_entry m;
	size_t cap = 0, len = 0;
	char *line = NULL;

	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0)
		if (!maps_parse_line(line, &m) && !strcmp(m.path, "[vdso]") && m.start == base)
			len = (size_t)(m.end - m.start);
	free(line);
	fclose(f);
	return len;
}

/*
 * The ELF cache index of the vDSO, or -1. The kernel maps the same image into every 64-bit
 * process, so our own copy (written to a memfd for libdwfl) names a target's [vdso] frames
 * (clock_gettime, gettimeofday) without reading its memory.
 */
static int vdso_get(struct symbolizer *s, int *idx)
{
	unsigned long base = getauxval(AT_SYSINFO_EHDR);
	size_t len;
	int fd, err;

	if (s->vdso_tried) {
		*idx = s->vdso_elf;
		return 0;
	}
	s->vdso_tried = true;
	s->vdso_elf = *idx = -1;
	len = base ? own_vdso_len(base) : 0;
	if (!len)
		return 0;
	fd = memfd_create("vdso", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, (const void *)base, len) != (ssize_t)len) {
		close(fd);
		return 0;
	}
	err = elf_get(s, fd, "[vdso]", NULL, idx);
	s->vdso_elf = *idx;
	return err;
}

/* The ELF file behind @pm, opened once; fills the mapping's build-id. */
static int map_elf(struct symbolizer *s, struct proc_ent *e, struct proc_map *pm)
{
	char used[sizeof(pm->m.path) + 64], dirs[4096];
	struct elf_file *f;
	int fd, err;

	if (pm->resolved)
		return 0;
	pm->resolved = true;
	if (!strcmp(pm->m.path, "[vdso]")) {
		err = vdso_get(s, &pm->elf);
	} else {
		if (pm->m.path[0] != '/')
			return 0;
		fd = open_mapped(e->tgid, &pm->m, e->other_root, used, sizeof(used));
		if (fd < 0)
			return 0;
		/* a container's debug files are under its own root */
		snprintf(dirs, sizeof(dirs), "%s:/proc/%d/root/usr/lib/debug",
			 s->debug_dirs ? s->debug_dirs : ":.debug:/usr/lib/debug", (int)e->tgid);
		err = elf_get(s, fd, used, e->other_root ? dirs : s->debug_dirs, &pm->elf);
	}
	if (err || pm->elf < 0)
		return err;
	f = s->elfs[pm->elf].file;
	pm->sm.build_id = sym_intern(&s->strings, elf_file_build_id(f));
	if (!pm->sm.build_id)
		return -ENOMEM;
	return 0;
}

static bool frames_grow(struct symbolizer *s)
{
	size_t cap = s->cap_frames ? s->cap_frames * 2 : 1024, i, j;
	struct frame_slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return false;
	for (i = 0; i < s->cap_frames; i++) {
		if (!s->frames[i].f)
			continue;
		for (j = hash_words(s->frames[i].k1, s->frames[i].k2) & (cap - 1); slots[j].f;
		     j = (j + 1) & (cap - 1))
			;
		slots[j] = s->frames[i];
	}
	free(s->frames);
	s->frames = slots;
	s->cap_frames = cap;
	return true;
}

/* The lines at @vaddr of ELF cache entry @idx, looked up once (the cache owns the result). */
static int elf_frame(struct symbolizer *s, int idx, __u64 vaddr, struct sym_frame *out)
{
	__u64 k1 = (__u64)idx + 1;
	struct frame_slot *slot;
	size_t j;
	int err;

	if ((s->n_frames + 1) * 2 > s->cap_frames && !frames_grow(s))
		return -ENOMEM;
	for (j = hash_words(k1, vaddr) & (s->cap_frames - 1); s->frames[j].f;
	     j = (j + 1) & (s->cap_frames - 1))
		if (s->frames[j].k1 == k1 && s->frames[j].k2 == vaddr)
			break;
	slot = &s->frames[j];
	if (!slot->f) {
		slot->f = calloc(1, sizeof(*slot->f));
		if (!slot->f)
			return -ENOMEM;
		err = elf_file_lookup(s->elfs[idx].file, vaddr, !s->keep_mangled, &s->strings,
				      slot->f);
		if (err) {
			free(slot->f);
			slot->f = NULL;
			return err;
		}
		slot->k1 = k1;
		slot->k2 = vaddr;
		s->n_frames++;
	}
	out->status = slot->f->status;
	out->n_lines = slot->f->n_lines;
	memcpy(out->lines, slot->f->lines, sizeof(out->lines));
	return 0;
}

/* Anonymous memory, where JIT compilers put their code. */
static bool anonymous(const struct map_entry *m)
{
	return !m->path[0] || !strncmp(m->path, "[anon", 5) || !strncmp(m->path, "/memfd:", 7);
}

int symbolize_user_frame(struct symbolizer *s, pid_t tgid, __u64 addr, bool is_return,
			 struct sym_frame *out)
{
	__u64 at = is_return && addr ? addr - 1 : addr, vaddr;
	struct proc_map *pm;
	struct proc_ent *e;
	bool found;
	int err;

	if (!s || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->status = SYM_NO_SYMBOLS;
	err = proc_get(s, tgid, &e);
	if (err)
		return err;
	pm = map_find(e, at);
	if (!pm || anonymous(&pm->m)) {
		/* no mapping may still be JIT code mapped after the maps were read */
		err = jit_frame(s, e, at, out, &found);
		if (err || found) {
			out->map = pm ? &pm->sm : NULL;
			return err;
		}
		/* anonymous but not executable (a malloc arena): a broken walk, not JIT code */
		out->status = pm ? (pm->m.perms[2] == 'x' ? SYM_JIT_NO_MAP : SYM_UNMAPPED) :
			      e->alive ? SYM_UNMAPPED : SYM_NO_PROCESS;
		out->map = pm ? &pm->sm : NULL;
		return 0;
	}
	out->map = &pm->sm;
	out->file_offset = addr - pm->m.start + pm->m.offset;
	if (pm->m.perms[2] != 'x') {
		/* no code there ([heap], [stack], a file's data): a frame-pointer walk gone astray */
		out->status = SYM_UNMAPPED;
		return 0;
	}
	err = map_elf(s, e, pm);
	if (err || pm->elf < 0)
		return err;
	if (elf_file_vaddr(s->elfs[pm->elf].file, at - pm->m.start + pm->m.offset, &vaddr))
		return 0;
	return elf_frame(s, pm->elf, vaddr, out);
}

int symbolize_file(struct symbolizer *s, const char *path, __u64 file_off, struct sym_frame *out)
{
	__u64 vaddr;
	int fd, idx, err;

	if (!s || !path || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->status = SYM_NO_SYMBOLS;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = elf_get(s, fd, path, s->debug_dirs, &idx);
	if (err)
		return err;
	if (idx < 0)
		return -EINVAL;
	if (elf_file_vaddr(s->elfs[idx].file, file_off, &vaddr))
		return 0;
	return elf_frame(s, idx, vaddr, out);
}

const struct sym_mapping *symbolizer_main_mapping(struct symbolizer *s, pid_t tgid)
{
	struct proc_map *pm = NULL;
	struct proc_ent *e;
	size_t i;

	if (!s || proc_get(s, tgid, &e))
		return NULL;
	/* its code: the executable mapping, else the first one */
	for (i = 0; i < e->n_maps; i++) {
		if (!e->maps[i].sm.main)
			continue;
		if (!pm || (e->maps[i].m.perms[2] == 'x' && pm->m.perms[2] != 'x'))
			pm = &e->maps[i];
	}
	if (!pm || map_elf(s, e, pm))
		return NULL;
	return &pm->sm;
}

static void put_name(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s", name);
}

int symbolize_user(struct symbolizer *s, pid_t tgid, __u64 addr, char *buf, size_t size)
{
	struct sym_frame fr;
	const char *path;
	int err;

	if (!s || !buf || !size)
		return -EINVAL;
	put_name(buf, size, UNKNOWN);
	err = symbolize_user_frame(s, tgid, addr, false, &fr);
	if (err)
		return err;
	if (fr.status == SYM_OK) {
		put_name(buf, size, fr.lines[fr.n_lines - 1].func);
		return 0;
	}
	if (fr.status != SYM_NO_SYMBOLS || !fr.map)
		return 0; /* JIT without a map, unmapped, process gone */
	path = fr.map->path;
	snprintf(buf, size, "%s+0x%llx", path[0] == '/' ? strrchr(path, '/') + 1 : path,
		 (unsigned long long)fr.file_offset);
	return 0;
}

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

int symbolizer_load_kallsyms(struct symbolizer *s, FILE *f)
{
	struct ksym *syms = NULL;
	size_t n = 0, cap = 0, len = 0;
	struct pool names = {};
	bool nonzero = false;
	char *line = NULL, name[512];
	int err = 0;

	while (getline(&line, &len, f) > 0) {
		__u64 addr;
		char type;

		if (kallsyms_parse_line(line, &addr, &type, name, sizeof(name)))
			continue;
		if (addr)
			nonzero = true;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		err = grow((void **)&syms, &cap, n, sizeof(*syms));
		if (err)
			goto cleanup;
		err = pool_add(&names, name, &syms[n].name);
		if (err)
			goto cleanup;
		syms[n++].addr = addr;
	}
	if (!nonzero)
		n = 0; /* addresses hidden (kptr_restrict, no CAP_SYSLOG) */
	if (n) /* syms is NULL without text symbols: qsort(NULL, 0) is undefined */
		qsort(syms, n, sizeof(*syms), ksym_cmp);
	free(s->ksyms);
	free(s->kpool);
	s->ksyms = syms;
	s->n_ksyms = n;
	s->kpool = names.buf;
	s->ktried = true;
	syms = NULL;
	names.buf = NULL;
cleanup:
	free(line);
	free(syms);
	free(names.buf);
	return err;
}

int symbolize_kernel(struct symbolizer *s, __u64 addr, char *buf, size_t size)
{
	size_t lo = 0, hi;
	int err;

	if (!s || !buf || !size)
		return -EINVAL;
	put_name(buf, size, UNKNOWN);
	if (!s->ktried) {
		FILE *f = fopen("/proc/kallsyms", "re");

		s->ktried = true;
		if (!f)
			return 0;
		err = symbolizer_load_kallsyms(s, f);
		fclose(f);
		if (err)
			return err;
	}
	hi = s->n_ksyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->ksyms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo)
		put_name(buf, size, s->kpool + s->ksyms[lo - 1].name);
	return 0;
}
