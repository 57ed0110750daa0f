/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One place for diagnostics: "waitscope: failed to <verb> <object>: <reason>" on stderr. */
#ifndef WS_LOG_H
#define WS_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <bpf/libbpf.h>

extern bool ws_verbose;

void ws_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ws_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ws_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* libbpf_set_print() callback: libbpf's debug output only with -v. */
int ws_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
	__attribute__((format(printf, 2, 0)));

#endif /* WS_LOG_H */
