// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* One ELF file through libdwfl: see elf_file.h. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <gelf.h>
#include <libiberty/demangle.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "symbols/elf_file.h"

struct elf_seg {
	__u64 offset, vaddr, filesz;
};

struct elf_file {
	Dwfl *dwfl;
	Dwfl_Module *mod;
	Dwfl_Callbacks cb;
	char *debug_dirs; /* cb.debuginfo_path points here: it must outlive the Dwfl */
	struct elf_seg *segs;
	size_t n_segs;
	char build_id[129];
};

/* ---- interned strings ---- */

static __u64 hash_str(const char *s)
{
	__u64 h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static bool strings_grow(struct sym_strings *t)
{
	size_t cap = t->cap ? t->cap * 2 : 256, i, j;
	char **slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return false;
	for (i = 0; i < t->cap; i++) {
		if (!t->slots[i])
			continue;
		for (j = hash_str(t->slots[i]) & (cap - 1); slots[j]; j = (j + 1) & (cap - 1))
			;
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return true;
}

const char *sym_intern(struct sym_strings *t, const char *s)
{
	size_t j;

	if ((t->n + 1) * 2 > t->cap && !strings_grow(t))
		return NULL;
	for (j = hash_str(s) & (t->cap - 1); t->slots[j]; j = (j + 1) & (t->cap - 1))
		if (!strcmp(t->slots[j], s))
			return t->slots[j];
	t->slots[j] = strdup(s);
	if (t->slots[j])
		t->n++;
	return t->slots[j];
}

void sym_strings_free(struct sym_strings *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		free(t->slots[i]);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

char *sym_demangle(const char *name)
{
	/* Itanium C++ and Rust legacy (_ZN...17h<hash>E) start with _Z, Rust v0 with _R. */
	if (!name || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R'))
		return NULL;
	/* No DMGL_PARAMS: "ns::Class::method", short enough for a flame graph's frames. */
	return cplus_demangle(name, DMGL_AUTO);
}

/* ---- opening ---- */

/* libelf silently ignores program and section headers past the end of a truncated file:
 * reject such files instead of returning an empty one. */
static int check_headers(int fd)
{
	struct stat st;
	__u64 size, shnum;
	GElf_Ehdr eh;
	Elf *elf;
	int err = -EINVAL;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return -EINVAL;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh))
		goto cleanup;
	size = (__u64)st.st_size;
	shnum = eh.e_shnum ? eh.e_shnum : (eh.e_shoff ? 1 : 0); /* 0: extended numbering */
	if (eh.e_phoff > size || (__u64)eh.e_phnum * eh.e_phentsize > size - eh.e_phoff)
		goto cleanup;
	if (eh.e_shoff > size || shnum * eh.e_shentsize > size - eh.e_shoff)
		goto cleanup;
	err = 0;
cleanup:
	elf_end(elf);
	return err;
}

static int load_segments(struct elf_file *f)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(f->mod, &bias);
	size_t i, n;

	if (!elf || elf_getphdrnum(elf, &n))
		return -EINVAL;
	if (!n)
		return 0;
	f->segs = calloc(n, sizeof(*f->segs));
	if (!f->segs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph))
			return -EINVAL;
		if (ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		f->segs[f->n_segs].offset = ph.p_offset;
		f->segs[f->n_segs].vaddr = ph.p_vaddr;
		f->segs[f->n_segs].filesz = ph.p_filesz;
		f->n_segs++;
	}
	return 0;
}

static void load_build_id(struct elf_file *f)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int i, n = dwfl_module_build_id(f->mod, &bits, &vaddr);

	for (i = 0; i < n && 2 * i + 2 < (int)sizeof(f->build_id); i++)
		snprintf(f->build_id + 2 * i, 3, "%02x", bits[i]);
}

int elf_file_open(int fd, const char *path, const char *debug_dirs, struct elf_file **out)
{
	const char *base = strrchr(path, '/');
	struct elf_file *f;
	int err;

	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE || check_headers(fd)) {
		close(fd);
		return -EINVAL;
	}
	f = calloc(1, sizeof(*f));
	if (!f || (debug_dirs && !(f->debug_dirs = strdup(debug_dirs)))) {
		close(fd);
		err = -ENOMEM;
		goto cleanup;
	}
	f->cb.find_elf = dwfl_build_id_find_elf;
	f->cb.find_debuginfo = dwfl_standard_find_debuginfo; /* build-id, debuglink, debuginfod */
	f->cb.section_address = dwfl_offline_section_address;
	f->cb.debuginfo_path = f->debug_dirs ? &f->debug_dirs : NULL;
	f->dwfl = dwfl_begin(&f->cb);
	if (!f->dwfl) {
		close(fd);
		err = -ENOMEM;
		goto cleanup;
	}
	dwfl_report_begin(f->dwfl);
	/* Base 0 relative to p_vaddr: module addresses are the file's own virtual addresses. */
	f->mod = dwfl_report_elf(f->dwfl, base ? base + 1 : path, path, fd, 0, true);
	if (!f->mod) {
		close(fd); /* consumed only on success */
		err = -EINVAL;
		goto cleanup;
	}
	dwfl_report_end(f->dwfl, NULL, NULL);
	err = load_segments(f);
	if (err)
		goto cleanup;
	load_build_id(f);
	*out = f;
	f = NULL;
cleanup:
	elf_file_free(f);
	return err;
}

void elf_file_free(struct elf_file *f)
{
	if (!f)
		return;
	if (f->dwfl)
		dwfl_end(f->dwfl);
	free(f->debug_dirs);
	free(f->segs);
	free(f);
}

int elf_file_vaddr(const struct elf_file *f, __u64 file_off, __u64 *vaddr)
{
	size_t i;

	for (i = 0; i < f->n_segs; i++) {
		const struct elf_seg *g = &f->segs[i];

		if (file_off >= g->offset && file_off - g->offset < g->filesz) {
			*vaddr = file_off - g->offset + g->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

const char *elf_file_build_id(const struct elf_file *f)
{
	return f->build_id;
}

/* ---- lookups ---- */

/* Append one line, demangling and interning its strings. */
static int add_line(struct sym_frame *out, struct sym_strings *t, const char *func,
		    const char *file, int line, bool demangle)
{
	struct sym_line *l = &out->lines[out->n_lines];
	char *d = demangle ? sym_demangle(func) : NULL;

	l->func = sym_intern(t, d ? d : func);
	free(d);
	l->file = file ? sym_intern(t, file) : NULL;
	l->line = line > 0 ? (unsigned int)line : 0;
	if (!l->func || (file && !l->file))
		return -ENOMEM;
	out->n_lines++;
	return 0;
}

/* A DIE's linkage name (qualified, mangled), else its plain name; follows abstract_origin. */
static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	const char *name;

	name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &a));
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a));
	return name ? name : dwarf_diename(die);
}

static bool die_udata(Dwarf_Die *die, int attr, Dwarf_Word *w)
{
	Dwarf_Attribute a;

	return dwarf_formudata(dwarf_attr(die, attr, &a), w) == 0;
}

/*
 * The inlined functions at @vaddr, innermost first, then the function holding them: each with
 * the position inside it (the innermost from the line table, the others from the inlined
 * call's DW_AT_call_file/call_line). @sym (the ELF symbol) names the outermost function.
 */
static int dwarf_lines(struct elf_file *f, __u64 vaddr, const char *sym, bool demangle,
		       struct sym_strings *t, struct sym_frame *out)
{
	Dwarf_Die *cu, *scopes = NULL;
	Dwarf_Files *files = NULL;
	const char *file = NULL;
	Dwfl_Line *ln;
	Dwarf_Addr bias = 0;
	size_t n_files = 0;
	int i, n, line = 0, err = 0;
	bool done = false;

	ln = dwfl_module_getsrc(f->mod, vaddr);
	if (ln)
		file = dwfl_lineinfo(ln, NULL, &line, NULL, NULL, NULL);
	cu = dwfl_module_addrdie(f->mod, vaddr, &bias);
	n = cu ? dwarf_getscopes(cu, vaddr - bias, &scopes) : 0;
	if (cu && n > 0 && dwarf_getsrcfiles(cu, &files, &n_files))
		files = NULL;
	for (i = 0; i < n && !err; i++) {
		Dwarf_Die *die = &scopes[i];
		int tag = dwarf_tag(die);
		const char *name = die_name(die);
		Dwarf_Word w;

		if (tag == DW_TAG_subprogram) {
			if (sym || name)
				err = add_line(out, t, sym ? sym : name, file, line, demangle);
			done = true;
			break;
		}
		/* the last slot is kept for the function itself */
		if (tag != DW_TAG_inlined_subroutine || out->n_lines + 1 >= SYM_MAX_INLINE)
			continue;
		if (name)
			err = add_line(out, t, name, file, line, demangle);
		file = files && die_udata(die, DW_AT_call_file, &w) ?
			       dwarf_filesrc(files, w, NULL, NULL) : NULL;
		line = die_udata(die, DW_AT_call_line, &w) ? (int)w : 0;
	}
	free(scopes);
	if (!err && !done && sym)
		err = add_line(out, t, sym, file, line, demangle);
	return err;
}

int elf_file_lookup(struct elf_file *f, __u64 vaddr, bool demangle, struct sym_strings *t,
		    struct sym_frame *out)
{
	const char *name, *at;
	char *plain = NULL;
	GElf_Off off;
	GElf_Sym sym;
	int err;

	out->n_lines = 0;
	name = dwfl_module_addrinfo(f->mod, vaddr, &off, &sym, NULL, NULL, NULL);
	if (name && !*name)
		name = NULL;
	/* "clock_nanosleep@GLIBC_2.2.5": the version is noise in a stack */
	at = name ? strchr(name, '@') : NULL;
	if (at && at != name) {
		plain = strndup(name, (size_t)(at - name));
		if (!plain)
			return -ENOMEM;
		name = plain;
	}
	err = dwarf_lines(f, vaddr, name, demangle, t, out);
	free(plain);
	out->status = out->n_lines ? SYM_OK : SYM_NO_SYMBOLS;
	return err;
}
