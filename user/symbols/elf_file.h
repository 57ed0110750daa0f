/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One mapped ELF file through elfutils' libdwfl: its symbols, its separate debug file (build-id
 * under the debug directories, .gnu_debuglink; debuginfod when DEBUGINFOD_URLS is set), DWARF
 * lines and inlined functions. Addresses are the file's own (ELF virtual addresses).
 * The symbolizer's internals; symbolize.h is the interface.
 */
#ifndef WS_SYMBOLS_ELF_FILE_H
#define WS_SYMBOLS_ELF_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "symbols/frame.h"

/* Interned strings: each distinct string stored once, valid until sym_strings_free(). */
struct sym_strings {
	char **slots;
	size_t cap, n;
};

/* The stored copy of @s (NULL on out of memory). */
const char *sym_intern(struct sym_strings *t, const char *s);
void sym_strings_free(struct sym_strings *t);

/* A malloc'ed demangled C++ (Itanium) or Rust (legacy, v0) name, or NULL if @name is none. */
char *sym_demangle(const char *name);

struct elf_file;

/*
 * Open the ELF file on @fd (always consumed). @path names it for .gnu_debuglink and messages;
 * @debug_dirs is libdwfl's debuginfo_path (NULL: ":.debug:/usr/lib/debug"). Returns 0, or
 * -EINVAL (not an ELF file libdwfl accepts), -ENOMEM.
 */
int elf_file_open(int fd, const char *path, const char *debug_dirs, struct elf_file **out);
void elf_file_free(struct elf_file *f); /* accepts NULL */

/* File offset -> ELF virtual address through the PT_LOAD segment holding it. 0 or -ENOENT. */
int elf_file_vaddr(const struct elf_file *f, __u64 file_off, __u64 *vaddr);

/* GNU build-id in lowercase hex, "" when the file has none. */
const char *elf_file_build_id(const struct elf_file *f);

/*
 * The source lines at @vaddr, innermost inlined function first, into out->lines (n_lines,
 * status SYM_OK), names demangled when @demangle; out->status SYM_NO_SYMBOLS when no symbol
 * covers it. Strings are interned in @t. Returns 0 or -ENOMEM.
 */
int elf_file_lookup(struct elf_file *f, __u64 vaddr, bool demangle, struct sym_strings *t,
		    struct sym_frame *out);

#endif /* WS_SYMBOLS_ELF_FILE_H */
