// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Fuzz the ELF symbol-table loader with malformed files (through a memfd, as the real code
 * reads a mapped file through a file descriptor), then look up addresses in what it built. */
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz_util.h"
#include "symbols/symbolize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_symtab *t = NULL;
	size_t i, done = 0;
	__u64 vaddr;
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
	if (elf_symbols_load_fd(fd, &t) == 0) {
		for (i = 0; i < t->n_syms; i++) {
			const char *name = elf_symtab_lookup(t, t->syms[i].addr);

			if (!name || !*name)
				__builtin_trap(); /* a listed symbol is found by its own address */
		}
		for (i = 0; i < t->n_segs; i++)
			if (!elf_symtab_vaddr(t, t->segs[i].offset, &vaddr))
				elf_symtab_lookup(t, vaddr);
		elf_symtab_lookup(t, 0);
		elf_symtab_lookup(t, ~0ull);
	}
out:
	elf_symtab_free(t);
	close(fd);
	return 0;
}
