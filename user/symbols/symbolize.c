// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Symbolizer for off-CPU stacks: see symbolize.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "symbols/symbolize.h"

#define UNKNOWN "[unknown]"

struct ksym {
	__u64 addr;
	size_t name;
};

struct elf_cache_ent {
	dev_t dev;
	ino_t ino;
	struct elf_symtab *tab; /* NULL: not a readable ELF file */
};

struct proc_map {
	struct map_entry m;
	struct elf_symtab *tab; /* owned by the ELF cache */
	bool resolved;
};

struct proc_ent {
	pid_t tgid;
	struct proc_map *maps; /* sorted by start; empty if the process was gone */
	size_t n_maps;
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

/* String pool: names are stored back to back and referred to by offset. */
struct pool {
	char *buf;
	size_t len, cap;
};

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

int kallsyms_parse_line(const char *line, __u64 *addr, char *type, char *name, size_t name_size)
{
	unsigned long long a;
	const char *p;
	char *endp;
	size_t len;

	if (!line || !addr || !type || !name || !name_size || !isxdigit((unsigned char)line[0]))
		return -EINVAL;
	errno = 0;
	a = strtoull(line, &endp, 16);
	if (errno || *endp != ' ')
		return -EINVAL;
	p = endp + 1;
	if (!isalpha((unsigned char)p[0]) || p[1] != ' ')
		return -EINVAL;
	*type = p[0];
	p += 2;
	len = strcspn(p, " \t\n");
	if (!len)
		return -EINVAL;
	if (len >= name_size)
		len = name_size - 1;
	memcpy(name, p, len);
	name[len] = '\0';
	*addr = a;
	return 0;
}

/* ---- ELF symbol tables ---- */

struct sym_build {
	__u64 addr, size;
	size_t name;
	int rank; /* lower is preferred among symbols at the same address */
};

static int sym_build_cmp(const void *a, const void *b)
{
	const struct sym_build *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return x->name < y->name ? -1 : x->name > y->name;
}

static int sym_rank(const GElf_Sym *sym, const char *name)
{
	int bind = GELF_ST_BIND(sym->st_info);
	int r = 0;

	if (!sym->st_size)
		r += 100;
	if (bind == STB_WEAK)
		r += 10;
	else if (bind != STB_GLOBAL)
		r += 20;
	while (*name++ == '_')
		r++;
	return r;
}

/* Read a section's data, decompressing it first if needed. NULL on failure. */
static Elf_Data *section_data(Elf_Scn *scn)
{
	GElf_Shdr shdr;

	if (!scn || !gelf_getshdr(scn, &shdr) || shdr.sh_type == SHT_NOBITS)
		return NULL;
	if ((shdr.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
		return NULL;
	return elf_getdata(scn, NULL);
}

static int add_symbols(Elf *elf, Elf_Scn *scn, const GElf_Shdr *shdr, struct sym_build **syms,
		       size_t *n, size_t *cap, struct pool *names)
{
	Elf_Data *data = section_data(scn);
	size_t entsz = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);
	size_t i, count;
	int err;

	/* the string table must be decompressed too before elf_strptr can read it */
	if (!data || !entsz || !section_data(elf_getscn(elf, shdr->sh_link)))
		return 0;
	count = data->d_size / entsz;
	for (i = 1; i < count; i++) {
		GElf_Sym sym;
		const char *name;
		int type;

		if (!gelf_getsym(data, (int)i, &sym))
			break;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || !sym.st_value ||
		    sym.st_shndx == SHN_UNDEF)
			continue;
		name = elf_strptr(elf, shdr->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		err = grow((void **)syms, cap, *n, sizeof(**syms));
		if (err)
			return err;
		err = pool_add(names, name, &(*syms)[*n].name);
		if (err)
			return err;
		(*syms)[*n].addr = sym.st_value;
		(*syms)[*n].size = sym.st_size;
		(*syms)[*n].rank = sym_rank(&sym, name);
		(*n)++;
	}
	return 0;
}

static int load_segments(Elf *elf, struct elf_symtab *t)
{
	size_t i, n;

	if (elf_getphdrnum(elf, &n))
		return -EINVAL;
	if (!n)
		return 0;
	t->segs = calloc(n, sizeof(*t->segs));
	if (!t->segs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph))
			return -EINVAL;
		if (ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		t->segs[t->n_segs].offset = ph.p_offset;
		t->segs[t->n_segs].vaddr = ph.p_vaddr;
		t->segs[t->n_segs].filesz = ph.p_filesz;
		t->n_segs++;
	}
	return 0;
}

/* libelf silently ignores program and section headers past the end of a truncated file:
 * reject such files instead of returning an empty table. */
static int check_headers(Elf *elf, int fd)
{
	GElf_Ehdr eh;
	struct stat st;
	__u64 size, shnum;

	if (!gelf_getehdr(elf, &eh) || fstat(fd, &st))
		return -EINVAL;
	size = (__u64)st.st_size;
	shnum = eh.e_shnum ? eh.e_shnum : (eh.e_shoff ? 1 : 0); /* 0: extended numbering */
	if (eh.e_phoff > size || (__u64)eh.e_phnum * eh.e_phentsize > size - eh.e_phoff)
		return -EINVAL;
	if (eh.e_shoff > size || shnum * eh.e_shentsize > size - eh.e_shoff)
		return -EINVAL;
	return 0;
}

int elf_symbols_load_fd(int fd, struct elf_symtab **out)
{
	struct sym_build *syms = NULL;
	size_t n = 0, cap = 0, i, kept = 0;
	struct pool names = {};
	struct elf_symtab *t = NULL;
	Elf_Scn *scn = NULL;
	Elf *elf = NULL;
	int err = 0;

	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -EINVAL;
		goto cleanup;
	}
	err = check_headers(elf, fd);
	if (err)
		goto cleanup;
	t = calloc(1, sizeof(*t));
	if (!t) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = load_segments(elf, t);
	if (err)
		goto cleanup;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;

		if (!gelf_getshdr(scn, &shdr))
			continue;
		if (shdr.sh_type != SHT_SYMTAB && shdr.sh_type != SHT_DYNSYM)
			continue;
		err = add_symbols(elf, scn, &shdr, &syms, &n, &cap, &names);
		if (err)
			goto cleanup;
	}
	if (n) {
		qsort(syms, n, sizeof(*syms), sym_build_cmp);
		t->syms = calloc(n, sizeof(*t->syms));
		if (!t->syms) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	/* one symbol per address: the best ranked (sized, global, fewest leading '_') */
	for (i = 0; i < n; i++) {
		if (kept && t->syms[kept - 1].addr == syms[i].addr)
			continue;
		t->syms[kept].addr = syms[i].addr;
		t->syms[kept].size = syms[i].size;
		t->syms[kept].name = syms[i].name;
		kept++;
	}
	t->n_syms = kept;
	t->names = names.buf;
	names.buf = NULL;
	*out = t;
	t = NULL;
cleanup:
	elf_end(elf);
	elf_symtab_free(t);
	free(syms);
	free(names.buf);
	return err;
}

int elf_symbols_load(const char *path, struct elf_symtab **out)
{
	int fd, err;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = elf_symbols_load_fd(fd, out);
	close(fd);
	return err;
}

void elf_symtab_free(struct elf_symtab *t)
{
	if (!t)
		return;
	free(t->syms);
	free(t->segs);
	free(t->names);
	free(t);
}

int elf_symtab_vaddr(const struct elf_symtab *t, __u64 file_off, __u64 *vaddr)
{
	size_t i;

	for (i = 0; i < t->n_segs; i++) {
		const struct elf_seg *g = &t->segs[i];

		if (file_off >= g->offset && file_off - g->offset < g->filesz) {
			*vaddr = file_off - g->offset + g->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

const char *elf_symtab_lookup(const struct elf_symtab *t, __u64 vaddr)
{
	size_t lo = 0, hi = t->n_syms;
	const struct elf_sym *sym;

	/* find the last symbol with addr <= vaddr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->syms[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	sym = &t->syms[lo - 1];
	if (sym->size && vaddr - sym->addr >= sym->size)
		return NULL;
	return t->names + sym->name;
}

/* ---- symbolizer ---- */

struct symbolizer *symbolizer_new(void)
{
	return calloc(1, sizeof(struct symbolizer));
}

void symbolizer_free(struct symbolizer *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_procs; i++)
		free(s->procs[i].maps);
	free(s->procs);
	for (i = 0; i < s->n_elfs; i++)
		elf_symtab_free(s->elfs[i].tab);
	free(s->elfs);
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

/* Read /proc/PID/maps into a new cache entry; a vanished process gives an empty entry. */
static int proc_load(struct symbolizer *s, pid_t tgid, struct proc_ent **out)
{
	struct proc_map *maps = NULL;
	size_t n = 0, cap = 0, len = 0;
	struct proc_ent *e;
	char path[64], *line = NULL;
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
			maps[n++].m = m;
		}
		if (n) /* qsort(NULL, 0) is undefined */
			qsort(maps, n, sizeof(*maps), map_cmp);
	}
	e = &s->procs[s->n_procs++];
	e->tgid = tgid;
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

/* Open the file behind mapping @m: /proc/PID/root/PATH (containers), PATH, then
 * /proc/PID/map_files/START-END (the only way to an unlinked file). -1 if none opens. */
static int open_mapped(pid_t tgid, const struct map_entry *m)
{
	char path[sizeof(m->path) + 64];
	int i, fd;

	for (i = m->deleted ? 2 : 0; i < 3; i++) {
		struct stat st;

		if (i == 0)
			snprintf(path, sizeof(path), "/proc/%d/root%s", (int)tgid, m->path);
		else if (i == 1)
			snprintf(path, sizeof(path), "%s", m->path);
		else
			snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", (int)tgid,
				 (unsigned long long)m->start, (unsigned long long)m->end);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!fstat(fd, &st) && S_ISREG(st.st_mode))
			return fd;
		close(fd);
	}
	return -1;
}

/* Symbol table of the file behind @pm, loaded once per (device, inode). */
static int map_symtab(struct symbolizer *s, pid_t tgid, struct proc_map *pm)
{
	struct elf_symtab *tab = NULL;
	struct elf_cache_ent *c;
	struct stat st;
	size_t i;
	int fd, err = 0;

	if (pm->resolved)
		return 0;
	if (pm->m.path[0] != '/') {
		pm->resolved = true;
		return 0;
	}
	fd = open_mapped(tgid, &pm->m);
	if (fd < 0 || fstat(fd, &st)) {
		pm->resolved = true;
		goto cleanup;
	}
	for (i = 0; i < s->n_elfs; i++) {
		if (s->elfs[i].dev == st.st_dev && s->elfs[i].ino == st.st_ino) {
			pm->tab = s->elfs[i].tab;
			pm->resolved = true;
			goto cleanup;
		}
	}
	err = grow((void **)&s->elfs, &s->cap_elfs, s->n_elfs, sizeof(*s->elfs));
	if (err)
		goto cleanup;
	err = elf_symbols_load_fd(fd, &tab);
	if (err == -ENOMEM)
		goto cleanup;
	err = 0; /* not an ELF file: remember it and fall back to module+offset */
	c = &s->elfs[s->n_elfs++];
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->tab = tab;
	pm->tab = tab;
	pm->resolved = true;
cleanup:
	if (fd >= 0)
		close(fd);
	return err;
}

static void put_name(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s", name);
}

int symbolize_user(struct symbolizer *s, pid_t tgid, __u64 addr, char *buf, size_t size)
{
	const char *module, *name;
	struct proc_map *pm;
	struct proc_ent *e;
	__u64 off, vaddr;
	int err;

	if (!s || !buf || !size)
		return -EINVAL;
	put_name(buf, size, UNKNOWN);
	err = proc_get(s, tgid, &e);
	if (err)
		return err;
	pm = map_find(e, addr);
	if (!pm || !pm->m.path[0])
		return 0; /* unmapped, or anonymous (JIT) */
	off = addr - pm->m.start + pm->m.offset;
	err = map_symtab(s, tgid, pm);
	if (err)
		return err;
	if (pm->tab && !elf_symtab_vaddr(pm->tab, off, &vaddr)) {
		name = elf_symtab_lookup(pm->tab, vaddr);
		if (name) {
			put_name(buf, size, name);
			return 0;
		}
	}
	module = pm->m.path[0] == '/' ? strrchr(pm->m.path, '/') + 1 : pm->m.path;
	snprintf(buf, size, "%s+0x%llx", module, (unsigned long long)off);
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
