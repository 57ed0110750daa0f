/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One symbolized user frame, as data: the mapping that holds the address, and the source lines at
 * it (inlined functions first). The symbolizer fills it; the writers (folded, pprof, the
 * unknown-frame share) read it. Strings belong to whoever filled the frame.
 */
#ifndef WS_SYMBOLS_FRAME_H
#define WS_SYMBOLS_FRAME_H

#include <stdbool.h>
#include <linux/types.h>

/* Why a frame has the name it has (SYM_OK) or has none. */
enum sym_status {
	SYM_OK = 0,      /* a function name (ELF symbol, DWARF, or a perf-PID.map entry) */
	SYM_NO_SYMBOLS,  /* a file is mapped there, but no symbol covers it: module+0xOFF */
	SYM_JIT_NO_MAP,  /* anonymous executable memory (JIT) without a perf-PID.map entry */
	SYM_UNMAPPED,    /* no executable mapping holds the address: a broken frame-pointer walk */
	SYM_NO_PROCESS,  /* the process was gone before its mappings were read */
	SYM_STATUS_KINDS
};

/* One line of /proc/PID/maps, as profile.proto's Mapping wants it. */
struct sym_mapping {
	__u64 start, limit, offset;
	const char *path;     /* as the process sees it: "/usr/bin/x", "[vdso]", "" (anonymous) */
	const char *build_id; /* lowercase hex, "" when unknown */
	bool main;            /* the process's executable (/proc/PID/exe) */
};

#define SYM_MAX_INLINE 8

struct sym_line {
	const char *func; /* demangled unless asked otherwise */
	const char *file; /* NULL without DWARF line information */
	unsigned int line;
};

struct sym_frame {
	enum sym_status status;
	const struct sym_mapping *map; /* NULL: no mapping holds the address */
	__u64 file_offset;             /* address - map->start + map->offset */
	/* lines[0] is the innermost (inlined) function, lines[n_lines - 1] the function the ELF
	 * symbol names. n_lines is 0 when status is not SYM_OK. */
	unsigned int n_lines;
	struct sym_line lines[SYM_MAX_INLINE];
};

/* The name of a frame's status in reports: "ok", "no-symbols", "jit-no-map", ... */
const char *sym_status_name(enum sym_status st);

#endif /* WS_SYMBOLS_FRAME_H */
