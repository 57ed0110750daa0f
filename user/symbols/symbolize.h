/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Symbolizer for stack addresses collected by bpf_get_stackid().
 *
 * User addresses: /proc/PID/maps (read once per tgid and cached) -> mapped file -> ELF symbol
 * table (.symtab merged with .dynsym, loaded once per file, keyed by device and inode).
 * Kernel addresses: /proc/kallsyms, loaded once, lazily.
 * The line parsers and the ELF table lookups are pure so they can be unit-tested.
 */
#ifndef WS_SYMBOLIZE_H
#define WS_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

struct symbolizer;

struct symbolizer *symbolizer_new(void);
void symbolizer_free(struct symbolizer *s); /* accepts NULL */

/*
 * Name of user-space address @addr of process @tgid: "func", else "module+0xOFF" (module =
 * basename of the mapped file or "[vdso]"-style name, OFF = file offset), else "[unknown]"
 * (no mapping, anonymous mapping such as JIT code, process gone before its maps were read).
 * Writes into @buf, always NUL-terminated. Returns 0, or -errno on internal failure.
 */
int symbolize_user(struct symbolizer *s, pid_t tgid, __u64 addr, char *buf, size_t size);

/* Kernel address -> nearest lower symbol of /proc/kallsyms, else "[unknown]" (also when the
 * addresses are hidden, i.e. all zero, without CAP_SYSLOG). Same return convention. */
int symbolize_kernel(struct symbolizer *s, __u64 addr, char *buf, size_t size);

/* Read /proc/PID/maps of @tgid now (e.g. when the process is first seen, before it can exit).
 * Does nothing if already cached. Returns 0 or -errno (a vanished process is not an error). */
int symbolizer_prime(struct symbolizer *s, pid_t tgid);

/* Replace the kernel symbol table with the kallsyms text read from @f (tests use fmemopen;
 * symbolize_kernel() otherwise loads /proc/kallsyms on first use). Returns 0 or -errno. */
int symbolizer_load_kallsyms(struct symbolizer *s, FILE *f);

struct map_entry {
	__u64 start, end, offset;
	__u64 inode;	 /* 0 for anonymous and special mappings */
	char perms[5];	 /* "r-xp" */
	char path[256];	 /* "" when anonymous; " (deleted)" suffix removed */
	bool deleted;	 /* the file was unlinked: only /proc/PID/map_files reaches it */
};

/* One /proc/PID/maps line (trailing newline allowed). Returns 0 or -EINVAL (malformed, or
 * a path that does not fit in path[]). */
int maps_parse_line(const char *line, struct map_entry *out);

/* One /proc/kallsyms line: "ADDR TYPE NAME[\t[MODULE]]". The name is truncated to fit.
 * Returns 0 or -EINVAL. */
int kallsyms_parse_line(const char *line, __u64 *addr, char *type, char *name, size_t name_size);

/* ELF symbol table of one file: function symbols sorted by address, plus PT_LOAD segments. */
struct elf_sym {
	__u64 addr, size;
	size_t name; /* offset into elf_symtab.names */
};

struct elf_seg {
	__u64 offset, vaddr, filesz;
};

struct elf_symtab {
	struct elf_sym *syms;
	size_t n_syms;
	struct elf_seg *segs;
	size_t n_segs;
	char *names;
};

/* Load the STT_FUNC/STT_GNU_IFUNC symbols (nonzero value) of .symtab and .dynsym, decompressing
 * SHF_COMPRESSED sections. Returns 0 and *out (free with elf_symtab_free), or -errno; never
 * crashes on truncated or malformed files. A valid ELF without symbols gives an empty table. */
int elf_symbols_load(const char *path, struct elf_symtab **out);
int elf_symbols_load_fd(int fd, struct elf_symtab **out);
void elf_symtab_free(struct elf_symtab *t); /* accepts NULL */

/* File offset -> ELF virtual address through the PT_LOAD segment holding it. 0 or -ENOENT. */
int elf_symtab_vaddr(const struct elf_symtab *t, __u64 file_off, __u64 *vaddr);

/* Symbol whose [addr, addr+size) holds @vaddr (nearest lower one if its size is 0), or NULL. */
const char *elf_symtab_lookup(const struct elf_symtab *t, __u64 vaddr);

#endif /* WS_SYMBOLIZE_H */
