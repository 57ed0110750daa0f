// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Fuzz the ELF side of the symbolizer (header checks, libdwfl, DWARF lines and inlined scopes,
 * demangling) with malformed files, through a memfd as the real code reads a mapped file. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz_util.h"
#include "symbols/symbolize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const __u64 offsets[] = { 0, 0x40, 0x1000, 0x1100, 0x2000 };
	struct symbolizer *s = NULL;
	struct sym_frame fr;
	char path[64];
	size_t i, j, done = 0;
	int fd;

	fd = memfd_create("elf_fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0)
			goto out;
		done += (size_t)n;
	}
	s = symbolizer_new();
	if (!s)
		goto out;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		if (symbolize_file(s, path, offsets[i], &fr))
			break;
		if (fr.status == SYM_OK && (!fr.n_lines || fr.n_lines > SYM_MAX_INLINE))
			__builtin_trap();
		for (j = 0; j < fr.n_lines; j++)
			if (!fr.lines[j].func || !*fr.lines[j].func)
				__builtin_trap(); /* a resolved frame names its functions */
	}
out:
	symbolizer_free(s);
	close(fd);
	return 0;
}
