/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Symbolizer for stack addresses collected by bpf_get_stackid().
 *
 * User addresses: /proc/PID/maps (read once per tgid and cached) -> the mapped file, opened
 * through /proc/PID/root (containers) or /proc/PID/map_files (unlinked files) -> elfutils'
 * libdwfl, once per file (device, inode): ELF symbols, separate debug files (build-id under
 * /usr/lib/debug/.build-id, .gnu_debuglink), DWARF file:line and inlined functions, and
 * debuginfod only when the user set DEBUGINFOD_URLS. Anonymous executable memory (JIT code):
 * the process's /tmp/perf-PID.map (Node --perf-basic-prof, perf-map-agent, python -X perf),
 * read in its own /tmp under its own pid-namespace pid. C++ and Rust names are demangled.
 * Kernel addresses: /proc/kallsyms, loaded once, lazily.
 * The line parsers are pure so they can be unit-tested and fuzzed.
 */
#ifndef WS_SYMBOLIZE_H
#define WS_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>
#include "symbols/frame.h"

struct symbolizer;

struct symbolizer *symbolizer_new(void);
void symbolizer_free(struct symbolizer *s); /* accepts NULL */

/* Demangle C++ and Rust names (the default), or keep them as the binary spells them. */
void symbolizer_set_demangle(struct symbolizer *s, bool demangle);

/* Directories for separate debug files, libdwfl's debuginfo_path syntax (":.debug:/usr/lib/debug",
 * the default: the file's own directory, its .debug/, and DIR/.build-id/xx/yyyy.debug under each
 * absolute DIR). Applies to files opened afterwards. Returns 0 or -ENOMEM. */
int symbolizer_set_debug_dirs(struct symbolizer *s, const char *dirs);

/*
 * The frame at user-space address @addr of process @tgid: its mapping and source lines.
 * @is_return: @addr is a return address (every frame but the leaf): looked up at @addr - 1 so
 * the line is the call's, not the next one's. Strings and the mapping stay valid until
 * symbolizer_free(). Returns 0 (even when nothing resolves: see out->status), or -errno on
 * internal failure (out->status is then SYM_NO_SYMBOLS or worse).
 */
int symbolize_user_frame(struct symbolizer *s, pid_t tgid, __u64 addr, bool is_return,
			 struct sym_frame *out);

/* The same for file offset @file_off of the ELF file at @path, as if it were mapped (no
 * mapping in out). Tests and the fuzz harness use it. Returns 0, or -errno when @path is not
 * an ELF file that opens. */
int symbolize_file(struct symbolizer *s, const char *path, __u64 file_off, struct sym_frame *out);

/* The executable's code mapping of @tgid (of /proc/PID/exe, executable), or NULL. */
const struct sym_mapping *symbolizer_main_mapping(struct symbolizer *s, pid_t tgid);

/*
 * Name of user-space address @addr of process @tgid: "func" (the function the ELF
 * symbol or the JIT map names, demangled), else "module+0xOFF" (module = basename of the mapped
 * file or "[vdso]"-style name, OFF = file offset), else "[unknown]" (no mapping, JIT code without
 * a perf map, process gone before its maps were read).
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

/* One /tmp/perf-PID.map line: "START SIZE NAME" (hex, optional 0x; NAME may hold blanks).
 * The name is truncated to fit. Returns 0 or -EINVAL (malformed, zero size, no name). */
int perfmap_parse_line(const char *line, __u64 *start, __u64 *size, char *name, size_t name_size);

#endif /* WS_SYMBOLIZE_H */
