// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "symbols/symbolize.h"

/* ---- maps_parse_line ---- */

struct maps_case {
	char line[128]; /* arrays: Criterion copies parameters into the test process */
	int ret;
	__u64 start, end, offset, inode;
	char perms[8], path[64];
	bool deleted;
};

ParameterizedTestParameters(symbolize, maps_line)
{
	static struct maps_case cases[] = {
		{ "55d0c8a00000-55d0c8a21000 r-xp 00002000 fd:01 1311 /usr/bin/cat\n", 0,
		  0x55d0c8a00000, 0x55d0c8a21000, 0x2000, 1311, "r-xp", "/usr/bin/cat", false },
		{ "7f00aa000000-7f00aa100000 r-xp 00001000 08:02 77    /opt/my app/lib x.so\n", 0,
		  0x7f00aa000000, 0x7f00aa100000, 0x1000, 77, "r-xp", "/opt/my app/lib x.so",
		  false },
		{ "7f00aa000000-7f00aa100000 r-xp 00000000 08:02 78 /tmp/libgone.so (deleted)\n", 0,
		  0x7f00aa000000, 0x7f00aa100000, 0, 78, "r-xp", "/tmp/libgone.so", true },
		{ "7f1234560000-7f1234570000 rw-p 00000000 00:00 0 \n", 0, 0x7f1234560000,
		  0x7f1234570000, 0, 0, "rw-p", "", false },
		{ "7f1234560000-7f1234570000 rwxp 00000000 00:00 0", 0, 0x7f1234560000,
		  0x7f1234570000, 0, 0, "rwxp", "", false },
		{ "7ffd5e9f0000-7ffd5e9f2000 r-xp 00000000 00:00 0                  [vdso]\n", 0,
		  0x7ffd5e9f0000, 0x7ffd5e9f2000, 0, 0, "r-xp", "[vdso]", false },
		{ "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]", 0,
		  0xffffffffff600000, 0xffffffffff601000, 0, 0, "--xp", "[vsyscall]", false },
		{ .line = "", .ret = -EINVAL },
		{ .line = "garbage\n", .ret = -EINVAL },
		{ .line = "55d0c8a00000-55d0c8a21000 r-xp 00002000 fd:01\n", .ret = -EINVAL },
		{ .line = "55d0c8a00000 r-xp 00002000 fd:01 1311 /usr/bin/cat\n", .ret = -EINVAL },
		/* end before start, 5-letter perms, junk after the inode */
		{ .line = "2000-1000 r-xp 00002000 fd:01 1311 /usr/bin/cat\n", .ret = -EINVAL },
		{ .line = "1000-2000 r-xpq 00002000 fd:01 1311 /usr/bin/cat\n", .ret = -EINVAL },
		{ .line = "1000-2000 r-xp 00002000 fd:01 1311x /usr/bin/cat\n", .ret = -EINVAL },
	};

	return cr_make_param_array(struct maps_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct maps_case *c, symbolize, maps_line,
		  .description = "maps lines: spaces in path, (deleted), anon, [vdso], malformed")
{
	struct map_entry m;

	cr_assert_eq(maps_parse_line(c->line, &m), c->ret, "line: %s", c->line);
	if (c->ret)
		return;
	cr_expect_eq(m.start, c->start);
	cr_expect_eq(m.end, c->end);
	cr_expect_eq(m.offset, c->offset);
	cr_expect_eq(m.inode, c->inode);
	cr_expect_str_eq(m.perms, c->perms);
	cr_expect_str_eq(m.path, c->path);
	cr_expect_eq(m.deleted, c->deleted);
}

Test(symbolize, maps_line_path_too_long, .description = "a path that does not fit is rejected")
{
	char line[600];
	struct map_entry m;

	snprintf(line, sizeof(line), "1000-2000 r-xp 00000000 08:01 5 /%0300d\n", 0);
	cr_expect_eq(maps_parse_line(line, &m), -EINVAL);
	cr_expect_eq(maps_parse_line(NULL, &m), -EINVAL);
}

/* ---- kallsyms ---- */

Test(symbolize, kallsyms_line, .description = "address, type, name; module suffix dropped")
{
	char name[16], type;
	__u64 addr;

	cr_assert_eq(kallsyms_parse_line("ffffffff81000000 T _stext\n", &addr, &type, name,
					 sizeof(name)), 0);
	cr_expect_eq(addr, 0xffffffff81000000ULL);
	cr_expect_eq(type, 'T');
	cr_expect_str_eq(name, "_stext");

	cr_assert_eq(kallsyms_parse_line("ffffffffc0a01000 t ext4_fill_super\t[ext4]\n", &addr,
					 &type, name, sizeof(name)), 0);
	cr_expect_eq(addr, 0xffffffffc0a01000ULL);
	cr_expect_eq(type, 't');
	cr_expect_str_eq(name, "ext4_fill_super");

	cr_assert_eq(kallsyms_parse_line("0000000000000000 T startup_64", &addr, &type, name,
					 sizeof(name)), 0);
	cr_expect_eq(addr, 0);

	cr_assert_eq(kallsyms_parse_line("ffffffff81000000 T a_very_long_symbol_name\n", &addr,
					 &type, name, sizeof(name)), 0);
	cr_expect_str_eq(name, "a_very_long_sym", "truncated to the buffer");

	cr_expect_eq(kallsyms_parse_line("", &addr, &type, name, sizeof(name)), -EINVAL);
	cr_expect_eq(kallsyms_parse_line("zzzz T x\n", &addr, &type, name, sizeof(name)), -EINVAL);
	cr_expect_eq(kallsyms_parse_line("ffff T\n", &addr, &type, name, sizeof(name)), -EINVAL);
	cr_expect_eq(kallsyms_parse_line("ffff T \n", &addr, &type, name, sizeof(name)), -EINVAL);
	cr_expect_eq(kallsyms_parse_line("ffff TT x\n", &addr, &type, name, sizeof(name)),
		     -EINVAL);
	cr_expect_eq(kallsyms_parse_line("ffffx T x\n", &addr, &type, name, sizeof(name)),
		     -EINVAL);
	cr_expect_eq(kallsyms_parse_line("ffff T x\n", &addr, &type, name, 0), -EINVAL);
}

static void load_kallsyms(struct symbolizer *s, const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	cr_assert(f);
	cr_assert_eq(symbolizer_load_kallsyms(s, f), 0);
	fclose(f);
}

Test(symbolize, kernel_nearest_lower, .description = "nearest lower text symbol, unsorted input")
{
	struct symbolizer *s = symbolizer_new();
	char buf[64];

	cr_assert(s);
	load_kallsyms(s, "ffffffff81002000 T schedule\n"
			 "ffffffff81001000 t __schedule\n"
			 "ffffffff81001800 D some_data\n"
			 "ffffffffc0001000 t xfs_foo\t[xfs]\n");
	cr_expect_eq(symbolize_kernel(s, 0xffffffff81001900ULL, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "__schedule", "data symbols are skipped");
	symbolize_kernel(s, 0xffffffff81002000ULL, buf, sizeof(buf));
	cr_expect_str_eq(buf, "schedule");
	symbolize_kernel(s, 0xffffffffc0001234ULL, buf, sizeof(buf));
	cr_expect_str_eq(buf, "xfs_foo");
	symbolize_kernel(s, 0xffffffff80000000ULL, buf, sizeof(buf));
	cr_expect_str_eq(buf, "[unknown]", "below the first symbol");
	symbolize_kernel(s, 0xffffffff81002000ULL, buf, 4);
	cr_expect_str_eq(buf, "sch", "truncated, NUL-terminated");
	symbolizer_free(s);
}

Test(symbolize, kernel_hidden_addresses, .description = "all-zero kallsyms: [unknown]")
{
	struct symbolizer *s = symbolizer_new();
	char buf[64];

	cr_assert(s);
	load_kallsyms(s, "0000000000000000 T schedule\n0000000000000000 t __schedule\n");
	cr_expect_eq(symbolize_kernel(s, 0xffffffff81001900ULL, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "[unknown]");
	symbolizer_free(s);
}

Test(symbolize, kernel_real_kallsyms, .description = "/proc/kallsyms loads without error")
{
	struct symbolizer *s = symbolizer_new();
	char buf[128];

	cr_assert(s);
	cr_expect_eq(symbolize_kernel(s, 0xffffffff81000000ULL, buf, sizeof(buf)), 0);
	cr_expect(buf[0]);
	symbolizer_free(s);
}

/* ---- pure ELF table lookups ---- */

Test(symbolize, elf_lookup_table, .description = "sized symbols contain, zero-size is nearest")
{
	struct elf_sym syms[] = {
		{ 0x1000, 0x10, 0 },  /* "a" */
		{ 0x1020, 0, 2 },     /* "b", size unknown */
		{ 0x1100, 0x20, 4 },  /* "c" */
	};
	struct elf_seg segs[] = { { 0x0, 0x0, 0x800 }, { 0x1000, 0x401000, 0x2000 } };
	char names[] = "a\0b\0c";
	struct elf_symtab t = { syms, 3, segs, 2, names };
	__u64 v;

	cr_expect_null(elf_symtab_lookup(&t, 0xfff));
	cr_expect_str_eq(elf_symtab_lookup(&t, 0x1000), "a");
	cr_expect_str_eq(elf_symtab_lookup(&t, 0x100f), "a");
	cr_expect_null(elf_symtab_lookup(&t, 0x1010), "gap after a sized symbol");
	cr_expect_str_eq(elf_symtab_lookup(&t, 0x10ff), "b");
	cr_expect_str_eq(elf_symtab_lookup(&t, 0x111f), "c");
	cr_expect_null(elf_symtab_lookup(&t, 0x1120));

	cr_expect_eq(elf_symtab_vaddr(&t, 0x10, &v), 0);
	cr_expect_eq(v, 0x10);
	cr_expect_eq(elf_symtab_vaddr(&t, 0x1234, &v), 0);
	cr_expect_eq(v, 0x401234);
	cr_expect_eq(elf_symtab_vaddr(&t, 0x900, &v), -ENOENT);
	cr_expect_eq(elf_symtab_vaddr(&t, 0x3000, &v), -ENOENT);
}

/* ---- end to end: build a program, run it, symbolize its addresses ---- */

static const char prog_src[] =
	"#include <dlfcn.h>\n"
	"#include <stdio.h>\n"
	"#include <unistd.h>\n"
	"__attribute__((noinline)) int ws_test_alpha(int x) { return x * 3 + 1; }\n"
	"__attribute__((noinline)) int ws_test_beta(int x) { return ws_test_alpha(x) - 2; }\n"
	"int main(void)\n"
	"{\n"
	"	printf(\"%p %p %p\\n\", (void *)ws_test_alpha, (void *)ws_test_beta,\n"
	"	       dlsym(RTLD_DEFAULT, \"write\"));\n"
	"	fflush(stdout);\n"
	"	pause();\n"
	"	return ws_test_beta(1);\n"
	"}\n";

static char tmpdir[64];
static pid_t child = -1;

static void e2e_init(void)
{
	char path[128];
	FILE *f;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ws_symtest.XXXXXX");
	cr_assert(mkdtemp(tmpdir), "mkdtemp: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/prog.c", tmpdir);
	f = fopen(path, "w");
	cr_assert(f);
	fputs(prog_src, f);
	fclose(f);
}

static void reap_child(void)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = -1;
	}
}

static void e2e_fini(void)
{
	struct dirent *d;
	char path[384];
	DIR *dir;

	reap_child();
	dir = opendir(tmpdir);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, d->d_name);
		unlink(path);
	}
	closedir(dir);
	rmdir(tmpdir);
}

/* Compile prog.c into @name with @flags; returns the path in @exe. */
static void build(const char *name, const char *flags, char *exe, size_t size)
{
	char cmd[512];

	snprintf(exe, size, "%s/%s", tmpdir, name);
	snprintf(cmd, sizeof(cmd), "cc %s -o %s %s/prog.c 2>&1", flags, exe, tmpdir);
	cr_assert_eq(system(cmd), 0, "failed: %s", cmd);
}

/* Start @exe, read the addresses it prints: alpha, beta, libc write. */
static void spawn(const char *exe, __u64 addr[3])
{
	unsigned long long a, b, w;
	char line[256];
	int fds[2];
	FILE *f;

	cr_assert_eq(pipe(fds), 0);
	child = fork();
	cr_assert(child >= 0);
	if (child == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execl(exe, exe, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	cr_assert(f);
	cr_assert(fgets(line, sizeof(line), f), "child printed nothing");
	fclose(f);
	cr_assert_eq(sscanf(line, "%llx %llx %llx", &a, &b, &w), 3, "line: %s", line);
	addr[0] = a;
	addr[1] = b;
	addr[2] = w;
}

static void expect_sym(struct symbolizer *s, pid_t tgid, __u64 addr, const char *want)
{
	char buf[128];

	cr_assert_eq(symbolize_user(s, tgid, addr, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, want, "0x%llx", (unsigned long long)addr);
}

/* alpha, an address inside alpha, beta, and libc's write resolve to names. */
static void check_program(const char *name, const char *flags)
{
	struct symbolizer *s = symbolizer_new();
	char exe[256], buf[128];
	__u64 addr[3];

	cr_assert(s);
	build(name, flags, exe, sizeof(exe));
	spawn(exe, addr);
	expect_sym(s, child, addr[0], "ws_test_alpha");
	expect_sym(s, child, addr[0] + 4, "ws_test_alpha");
	expect_sym(s, child, addr[1], "ws_test_beta");
	cr_assert_eq(symbolize_user(s, child, addr[2], buf, sizeof(buf)), 0);
	cr_expect(strstr(buf, "write") && !strchr(buf, '+'), "libc write gave %s", buf);
	symbolizer_free(s);
}

TestSuite(symbolize_e2e, .init = e2e_init, .fini = e2e_fini, .timeout = 60);

Test(symbolize_e2e, pie, .description = "PIE executable, .symtab")
{
	check_program("pie", "-O0 -g -pie -fPIE");
}

Test(symbolize_e2e, compressed_debug, .description = "PIE with zlib-compressed debug sections")
{
	check_program("zdebug", "-O0 -g -pie -fPIE -Wl,--compress-debug-sections=zlib");
}

Test(symbolize_e2e, no_pie, .description = "non-PIE executable")
{
	check_program("nopie", "-O0 -g -no-pie -fno-PIE");
}

Test(symbolize_e2e, stripped_dynsym, .description = "stripped, exported: .dynsym only")
{
	check_program("stripped", "-O0 -pie -fPIE -rdynamic -s");
}

Test(symbolize_e2e, maps_cached_before_exit,
     .description = "maps read while alive still symbolize after the process exits")
{
	struct symbolizer *s = symbolizer_new();
	char exe[256];
	__u64 addr[3];
	pid_t pid;

	cr_assert(s);
	build("cached", "-O0 -g -pie -fPIE", exe, sizeof(exe));
	spawn(exe, addr);
	pid = child;
	cr_assert_eq(symbolizer_prime(s, pid), 0);
	reap_child();
	expect_sym(s, pid, addr[1], "ws_test_beta");
	symbolizer_free(s);

	s = symbolizer_new();
	cr_assert(s);
	expect_sym(s, pid, addr[1], "[unknown]"); /* never seen alive */
	symbolizer_free(s);
}

Test(symbolize_e2e, module_offset_fallback, .description = "no symbol: module+0xOFF")
{
	struct symbolizer *s = symbolizer_new();
	char exe[256], buf[128];
	__u64 addr[3];

	cr_assert(s);
	build("fallback", "-O0 -pie -fPIE -s", exe, sizeof(exe));
	spawn(exe, addr);
	cr_assert_eq(symbolize_user(s, child, addr[0], buf, sizeof(buf)), 0);
	cr_expect(!strncmp(buf, "fallback+0x", 11), "got %s", buf);
	symbolizer_free(s);
}

Test(symbolize, special_mappings, .description = "[vdso]+0xOFF; anonymous code is [unknown]")
{
	struct symbolizer *s = symbolizer_new();
	unsigned long long vdso = 0;
	char line[512], buf[128];
	struct map_entry m;
	void *anon;
	FILE *f;

	anon = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert(anon != MAP_FAILED);
	f = fopen("/proc/self/maps", "r");
	cr_assert(f);
	while (fgets(line, sizeof(line), f))
		if (!maps_parse_line(line, &m) && !strcmp(m.path, "[vdso]"))
			vdso = m.start;
	fclose(f);
	cr_assert(s);
	if (vdso)
		expect_sym(s, getpid(), vdso + 0x10, "[vdso]+0x10");
	expect_sym(s, getpid(), (__u64)(unsigned long)anon + 8, "[unknown]");
	expect_sym(s, getpid(), 0x10, "[unknown]");
	cr_assert_eq(symbolize_user(s, getpid(), 0x10, buf, 0), -EINVAL);
	munmap(anon, 4096);
	symbolizer_free(s);
}

/* ---- malformed ELF files ---- */

static void copy_prefix(const char *src, const char *dst, off_t len)
{
	int in = open(src, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char buf[4096];
	ssize_t n;

	cr_assert(in >= 0 && out >= 0);
	while (len > 0) {
		n = read(in, buf, len < (off_t)sizeof(buf) ? (size_t)len : sizeof(buf));
		if (n <= 0)
			break;
		cr_assert_eq(write(out, buf, n), n);
		len -= n;
	}
	close(in);
	close(out);
}

Test(symbolize_e2e, truncated_elf, .description = "truncated ELF, /dev/null, text: errors")
{
	struct elf_symtab *t = (void *)1;
	char exe[256], cut[300];
	struct stat st;
	off_t len;

	build("whole", "-O0 -g -pie -fPIE", exe, sizeof(exe));
	cr_assert_eq(elf_symbols_load(exe, &t), 0);
	cr_expect(t->n_syms > 0);
	elf_symtab_free(t);

	snprintf(cut, sizeof(cut), "%s.cut", exe);
	copy_prefix(exe, cut, 100);
	cr_expect_lt(elf_symbols_load(cut, &t), 0);
	cr_expect_null(t);
	cr_expect_lt(elf_symbols_load("/dev/null", &t), 0);
	cr_expect_null(t);
	cr_expect_lt(elf_symbols_load(tmpdir, &t), 0, "a directory");
	snprintf(cut, sizeof(cut), "%s/prog.c", tmpdir);
	cr_expect_lt(elf_symbols_load(cut, &t), 0, "a text file");
	cr_expect_eq(elf_symbols_load("/nonexistent/x", &t), -ENOENT);

	/* every prefix length (in steps) loads or fails, never crashes */
	cr_assert_eq(stat(exe, &st), 0);
	snprintf(cut, sizeof(cut), "%s.cut", exe);
	for (len = 0; len < st.st_size; len += 61) {
		copy_prefix(exe, cut, len);
		if (!elf_symbols_load(cut, &t))
			elf_symtab_free(t);
	}
}

/* Compress .symtab and .strtab of @path in place with libelf. */
static void compress_symtab(const char *path)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int fd = open(path, O_RDWR);
	Elf *elf;

	cr_assert(fd >= 0);
	cr_assert_neq(elf_version(EV_CURRENT), EV_NONE);
	elf = elf_begin(fd, ELF_C_RDWR, NULL);
	cr_assert(elf);
	cr_assert_eq(elf_getshdrstrndx(elf, &shstrndx), 0);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		cr_assert(gelf_getshdr(scn, &sh));
		if (sh.sh_type == SHT_SYMTAB ||
		    (sh.sh_type == SHT_STRTAB && elf_ndxscn(scn) != shstrndx &&
		     !(sh.sh_flags & SHF_ALLOC)))
			cr_assert_eq(elf_compress(scn, ELFCOMPRESS_ZLIB, 0), 1, "%s",
				     elf_errmsg(-1));
	}
	cr_assert_geq(elf_update(elf, ELF_C_WRITE), 0, "%s", elf_errmsg(-1));
	elf_end(elf);
	close(fd);
}

Test(symbolize_e2e, compressed_symtab, .description = "SHF_COMPRESSED .symtab is decompressed")
{
	struct elf_symtab *t;
	char exe[256];
	const char *name;
	size_t i;

	build("zsym", "-O0 -g -pie -fPIE", exe, sizeof(exe));
	compress_symtab(exe);
	cr_assert_eq(elf_symbols_load(exe, &t), 0);
	for (i = 0; i < t->n_syms; i++) {
		name = t->names + t->syms[i].name;
		if (!strcmp(name, "ws_test_alpha"))
			break;
	}
	cr_expect_lt(i, t->n_syms, "ws_test_alpha found in the compressed .symtab");
	if (i < t->n_syms)
		cr_expect_str_eq(elf_symtab_lookup(t, t->syms[i].addr + 1), "ws_test_alpha");
	elf_symtab_free(t);
}
