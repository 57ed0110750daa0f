// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "symbols/elf_file.h"
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

/* ---- perf-PID.map lines ---- */

struct perfmap_case {
	char line[96];
	int ret;
	__u64 start, size;
	char name[48];
};

ParameterizedTestParameters(symbolize, perfmap_line)
{
	static struct perfmap_case cases[] = {
		{ "3b1e1c04a0c0 1c LazyCompile:~handler /srv/app.js:10\n", 0, 0x3b1e1c04a0c0, 0x1c,
		  "LazyCompile:~handler /srv/app.js:10" },
		{ "0x7f0010 0x20 py::main:/x.py", 0, 0x7f0010, 0x20, "py::main:/x.py" },
		{ "7f0010 20 Ljava/lang/Thread;::run \r\n", 0, 0x7f0010, 0x20,
		  "Ljava/lang/Thread;::run" },
		{ .line = "", .ret = -EINVAL },
		{ .line = "7f0010 20\n", .ret = -EINVAL },
		{ .line = "7f0010 20 \n", .ret = -EINVAL },
		{ .line = "7f0010 0 zero_size\n", .ret = -EINVAL },
		{ .line = "7f0010 zz name\n", .ret = -EINVAL },
		{ .line = "ffffffffffffffff 2 wraps\n", .ret = -EINVAL },
		{ .line = "x7f0010 20 name\n", .ret = -EINVAL },
	};

	return cr_make_param_array(struct perfmap_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct perfmap_case *c, symbolize, perfmap_line,
		  .description = "perf map lines: hex with or without 0x, blanks in names, malformed")
{
	char name[48];
	__u64 start, size;

	cr_assert_eq(perfmap_parse_line(c->line, &start, &size, name, sizeof(name)), c->ret,
		     "line: %s", c->line);
	if (c->ret)
		return;
	cr_expect_eq(start, c->start);
	cr_expect_eq(size, c->size);
	cr_expect_str_eq(name, c->name);
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

/* The value of symbol @name in @elf's symbol table of type @type (SHT_SYMTAB, SHT_DYNSYM); 0 when
 * there is none. */
static __u64 elf_sym_value(Elf *elf, __u32 type, const char *name)
{
	Elf_Scn *scn = NULL;
	__u64 value = 0;
	size_t i;

	while ((scn = elf_nextscn(elf, scn)) && !value) {
		Elf_Data *d = elf_getdata(scn, NULL);
		GElf_Shdr sh;
		GElf_Sym sym;

		cr_assert(gelf_getshdr(scn, &sh));
		for (i = 0; sh.sh_type == type && gelf_getsym(d, (int)i, &sym); i++)
			if (!strcmp(elf_strptr(elf, sh.sh_link, sym.st_name), name))
				value = sym.st_value;
	}
	return value;
}

/* Offset of @name in our own vDSO (its .dynsym value), 0 when not found. */
static __u64 own_vdso_sym(unsigned long base, size_t len, const char *name)
{
	char *copy = malloc(len);
	__u64 value;
	Elf *elf;

	cr_assert(copy);
	memcpy(copy, (const void *)base, len);
	cr_assert_neq(elf_version(EV_CURRENT), EV_NONE);
	elf = elf_memory(copy, len);
	cr_assert(elf);
	value = elf_sym_value(elf, SHT_DYNSYM, name);
	elf_end(elf);
	free(copy);
	return value;
}

Test(symbolize, vdso_names, .description = "[vdso] code is named from the vDSO's symbols")
{
	unsigned long base = getauxval(AT_SYSINFO_EHDR);
	struct symbolizer *s = symbolizer_new();
	char line[512];
	struct sym_frame fr;
	struct map_entry m;
	size_t len = 0;
	__u64 off;
	FILE *f;

	if (!base)
		cr_skip_test("no vDSO in this process");
	f = fopen("/proc/self/maps", "r");
	cr_assert(f);
	while (fgets(line, sizeof(line), f))
		if (!maps_parse_line(line, &m) && !strcmp(m.path, "[vdso]"))
			len = (size_t)(m.end - m.start);
	fclose(f);
	cr_assert(len && s);
	off = own_vdso_sym(base, len, "__vdso_clock_gettime");
	cr_assert(off, "no __vdso_clock_gettime in the vDSO");
	cr_assert_eq(symbolize_user_frame(s, getpid(), base + off + 1, false, &fr), 0);
	cr_assert_eq(fr.status, SYM_OK, "status %s", sym_status_name(fr.status));
	cr_assert(fr.n_lines >= 1);
	cr_assert(strstr(fr.lines[fr.n_lines - 1].func, "clock_gettime"), "%s",
		  fr.lines[fr.n_lines - 1].func);
	symbolizer_free(s);
}

Test(symbolize, data_is_no_code, .description = "an address in a file's data (no code): a "
						"broken walk, [unknown]")
{
	struct symbolizer *s = symbolizer_new();
	int fd = open("/proc/self/exe", O_RDONLY);
	struct sym_frame fr;
	char *data;

	cr_assert(s && fd >= 0);
	/* mapped readable, not executable: what a frame-pointer walk through data lands in */
	data = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	cr_assert(data != MAP_FAILED);
	cr_assert_eq(symbolize_user_frame(s, getpid(), (__u64)(uintptr_t)data + 64, true, &fr), 0);
	cr_assert_eq(fr.status, SYM_UNMAPPED, "status %s", sym_status_name(fr.status));
	cr_assert_not_null(fr.map, "the mapping is still named");
	cr_assert(fr.map->path[0] == '/', "%s", fr.map->path);
	expect_sym(s, getpid(), (__u64)(uintptr_t)data + 64, "[unknown]");
	munmap(data, 4096);
	symbolizer_free(s);
}

Test(symbolize, anonymous_data_is_no_jit, .description = "anonymous memory: executable is JIT "
							   "code, read-write a broken walk")
{
	struct symbolizer *s = symbolizer_new();
	char *rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *rx = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct sym_frame fr;

	cr_assert(s && rw != MAP_FAILED && rx != MAP_FAILED);
	cr_assert_eq(symbolize_user_frame(s, getpid(), (__u64)(uintptr_t)rw + 8, true, &fr), 0);
	cr_assert_eq(fr.status, SYM_UNMAPPED, "status %s", sym_status_name(fr.status));
	cr_assert_eq(symbolize_user_frame(s, getpid(), (__u64)(uintptr_t)rx + 8, true, &fr), 0);
	cr_assert_eq(fr.status, SYM_JIT_NO_MAP, "status %s", sym_status_name(fr.status));
	munmap(rw, 4096);
	munmap(rx, 4096);
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

/* File offset of function @name in @path (its .symtab value through the PT_LOAD holding it). */
static __u64 sym_offset(const char *path, const char *name)
{
	int fd = open(path, O_RDONLY);
	__u64 off = 0, vaddr;
	size_t i, n;
	Elf *elf;

	cr_assert(fd >= 0);
	cr_assert_neq(elf_version(EV_CURRENT), EV_NONE);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	cr_assert(elf);
	vaddr = elf_sym_value(elf, SHT_SYMTAB, name);
	cr_assert(vaddr, "no symbol %s in %s", name, path);
	cr_assert_eq(elf_getphdrnum(elf, &n), 0);
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		cr_assert(gelf_getphdr(elf, (int)i, &ph));
		if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz)
			off = vaddr - ph.p_vaddr + ph.p_offset;
	}
	elf_end(elf);
	close(fd);
	return off;
}

Test(symbolize_e2e, truncated_elf, .description = "truncated ELF, /dev/null, text: errors")
{
	struct symbolizer *s = symbolizer_new();
	char exe[256], cut[300];
	struct sym_frame fr;
	struct stat st;
	__u64 off;
	off_t len;

	cr_assert(s);
	build("whole", "-O0 -g -pie -fPIE", exe, sizeof(exe));
	off = sym_offset(exe, "ws_test_alpha");
	cr_assert_eq(symbolize_file(s, exe, off, &fr), 0);
	cr_assert_eq(fr.status, SYM_OK);
	cr_expect_str_eq(fr.lines[fr.n_lines - 1].func, "ws_test_alpha");

	snprintf(cut, sizeof(cut), "%s.cut", exe);
	copy_prefix(exe, cut, 100);
	cr_expect_lt(symbolize_file(s, cut, off, &fr), 0);
	cr_expect_lt(symbolize_file(s, "/dev/null", 0, &fr), 0);
	cr_expect_lt(symbolize_file(s, tmpdir, 0, &fr), 0, "a directory");
	snprintf(cut, sizeof(cut), "%s/prog.c", tmpdir);
	cr_expect_lt(symbolize_file(s, cut, 0, &fr), 0, "a text file");
	cr_expect_eq(symbolize_file(s, "/nonexistent/x", 0, &fr), -ENOENT);
	symbolizer_free(s);

	/* every prefix length (in steps) loads or fails, never crashes; a new symbolizer each
	 * time, as files are cached by inode */
	cr_assert_eq(stat(exe, &st), 0);
	for (len = 0; len < st.st_size; len += 61) {
		snprintf(cut, sizeof(cut), "%s.cut%lld", exe, (long long)len);
		copy_prefix(exe, cut, len);
		s = symbolizer_new();
		cr_assert(s);
		symbolize_file(s, cut, off, &fr);
		symbolizer_free(s);
		unlink(cut);
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
	struct symbolizer *s = symbolizer_new();
	struct sym_frame fr;
	char exe[256];
	__u64 off;

	cr_assert(s);
	build("zsym", "-O0 -g -pie -fPIE", exe, sizeof(exe));
	off = sym_offset(exe, "ws_test_alpha");
	compress_symtab(exe);
	cr_assert_eq(symbolize_file(s, exe, off + 1, &fr), 0);
	cr_assert_eq(fr.status, SYM_OK, "ws_test_alpha found in the compressed .symtab");
	cr_expect_str_eq(fr.lines[fr.n_lines - 1].func, "ws_test_alpha");
	symbolizer_free(s);
}

/* ---- separate debug files, C++, inlined functions, JIT maps ---- */

/* Write @text to DIR/@file and compile it with @cc @flags into DIR/@name (path in @exe). */
static void build_src(const char *file, const char *text, const char *cc, const char *name,
		      const char *flags, char *exe, size_t size)
{
	char src[128], cmd[768];
	FILE *f;

	snprintf(src, sizeof(src), "%s/%s", tmpdir, file);
	f = fopen(src, "w");
	cr_assert(f);
	fputs(text, f);
	fclose(f);
	snprintf(exe, size, "%s/%s", tmpdir, name);
	snprintf(cmd, sizeof(cmd), "%s %s -o %s %s 2>&1", cc, flags, exe, src);
	cr_assert_eq(system(cmd), 0, "failed: %s", cmd);
}

/* Run a shell command built with printf-style arguments; it must succeed. */
__attribute__((format(printf, 1, 2))) static void run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert_eq(system(cmd), 0, "failed: %s", cmd);
}

/* Strip @exe completely (no .symtab, no DWARF) after saving its debug part in @debug. */
static void split_debug(const char *exe, const char *debug)
{
	run("objcopy --only-keep-debug %s %s && strip --strip-all %s", exe, debug, exe);
}

/* Resolving ws_test_beta needs the separate debug file: the stripped binary does not export it. */
static void expect_debug_file_used(struct symbolizer *s, const char *exe, bool build_id)
{
	struct sym_frame fr;
	__u64 addr[3];

	spawn(exe, addr);
	cr_assert_eq(symbolize_user_frame(s, child, addr[1] + 1, false, &fr), 0);
	cr_assert_eq(fr.status, SYM_OK, "stripped %s: %s", exe, sym_status_name(fr.status));
	cr_expect_str_eq(fr.lines[fr.n_lines - 1].func, "ws_test_beta");
	cr_expect(fr.lines[0].file && strstr(fr.lines[0].file, "prog.c"), "file:line from DWARF");
	cr_expect_eq(fr.lines[0].line, 5, "ws_test_beta is on line 5 of prog.c");
	cr_expect_eq(fr.map && fr.map->main, true, "the executable's own mapping");
	cr_expect(fr.map && strlen(fr.map->build_id) == (build_id ? 40 : 0), "build-id %s",
		  fr.map ? fr.map->build_id : "-");
}

Test(symbolize_e2e, debug_file_by_build_id,
     .description = "stripped binary: symbols and lines from DIR/.build-id/xx/yyyy.debug")
{
	struct symbolizer *s = symbolizer_new();
	char exe[256], debug[300], dir[200], id[64], cmd[1024];
	FILE *f;

	cr_assert(s);
	build("bid", "-O0 -g -pie -fPIE -Wl,--build-id=sha1", exe, sizeof(exe));
	snprintf(cmd, sizeof(cmd), "readelf -n %s | sed -n 's/.*Build ID: //p'", exe);
	f = popen(cmd, "r");
	cr_assert(f && fscanf(f, "%63s", id) == 1, "no build-id in %s", exe);
	pclose(f);
	snprintf(dir, sizeof(dir), "%s/dbg/.build-id/%.2s", tmpdir, id);
	snprintf(debug, sizeof(debug), "%s/%s.debug", dir, id + 2);
	run("mkdir -p %s", dir);
	split_debug(exe, debug);
	snprintf(dir, sizeof(dir), ":.debug:%s/dbg", tmpdir);
	cr_assert_eq(symbolizer_set_debug_dirs(s, dir), 0);
	expect_debug_file_used(s, exe, true);
	symbolizer_free(s);
	run("rm -rf %s/dbg", tmpdir);
}

Test(symbolize_e2e, debug_file_by_debuglink,
     .description = "stripped binary: symbols and lines from its .gnu_debuglink file")
{
	struct symbolizer *s = symbolizer_new();
	char exe[256], debug[300];

	cr_assert(s);
	build("dlink", "-O0 -g -pie -fPIE -Wl,--build-id=none", exe, sizeof(exe));
	snprintf(debug, sizeof(debug), "%s.debug", exe);
	split_debug(exe, debug);
	run("objcopy --add-gnu-debuglink=%s %s", debug, exe);
	expect_debug_file_used(s, exe, false);
	symbolizer_free(s);
	unlink(debug);
}

Test(symbolize_e2e, stripped_without_debug_file, .description = "stripped, no debug file: "
								"module+0xOFF, no-symbols")
{
	struct symbolizer *s = symbolizer_new();
	struct sym_frame fr;
	char exe[256];
	__u64 addr[3];

	cr_assert(s);
	build("nodbg", "-O0 -g -pie -fPIE", exe, sizeof(exe));
	run("strip --strip-all %s", exe);
	spawn(exe, addr);
	cr_assert_eq(symbolize_user_frame(s, child, addr[1], false, &fr), 0);
	cr_expect_eq(fr.status, SYM_NO_SYMBOLS);
	cr_expect_eq(fr.n_lines, 0);
	cr_expect(fr.map && fr.map->main);
	symbolizer_free(s);
}

static const char cxx_src[] =
	"#include <cstdio>\n"
	"#include <unistd.h>\n"
	"namespace ws {\n"
	"template <typename T> struct Worker {\n"
	"	__attribute__((noinline)) static T run(T x) { return x * 3 + 1; }\n"
	"};\n"
	"}\n"
	"int main()\n"
	"{\n"
	"	std::printf(\"%p %p %p\\n\", (void *)&ws::Worker<long>::run, (void *)&main,\n"
	"		    (void *)&main);\n"
	"	std::fflush(stdout);\n"
	"	pause();\n"
	"	return (int)ws::Worker<long>::run(2);\n"
	"}\n";

Test(symbolize_e2e, cxx_demangled, .description = "C++ names demangled; mangled on request")
{
	struct symbolizer *s = symbolizer_new();
	char exe[256], buf[128];
	__u64 addr[3];

	cr_assert(s);
	build_src("prog.cc", cxx_src, "c++", "cxx", "-O0 -pie -fPIE", exe, sizeof(exe));
	spawn(exe, addr);
	expect_sym(s, child, addr[0] + 1, "ws::Worker<long>::run");
	symbolizer_free(s);

	s = symbolizer_new();
	cr_assert(s);
	symbolizer_set_demangle(s, false);
	cr_assert_eq(symbolize_user(s, child, addr[0] + 1, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "_ZN2ws6WorkerIlE3runEl");
	symbolizer_free(s);
}

Test(symbolize, demangle_names, .description = "Itanium C++, Rust legacy and v0; C untouched")
{
	static const char *const cases[][2] = {
		{ "_ZN3foo3barEv", "foo::bar" },
		{ "_ZNSt6vectorIiSaIiEE9push_backERKi",
		  "std::vector<int, std::allocator<int> >::push_back" },
		{ "_ZN4core3fmt5write17h0123456789abcdefE", "core::fmt::write" },
		{ "_RNvCs1234_7mycrate3foo", "mycrate::foo" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *d = sym_demangle(cases[i][0]);

		cr_expect_str_eq(d ? d : "(null)", cases[i][1], "%s", cases[i][0]);
		free(d);
	}
	cr_expect_null(sym_demangle("main"));
	cr_expect_null(sym_demangle("_start"));
	cr_expect_null(sym_demangle(NULL));
}

/* inner is inlined into outer; ws_here returns the address right after the call in inner. */
static const char inline_src[] =
	"#include <stdio.h>\n"
	"#include <unistd.h>\n"
	"volatile int sink;\n"
	"__attribute__((noinline)) void *ws_here(void) { return __builtin_return_address(0); }\n"
	"static inline __attribute__((always_inline)) void *ws_inner(int x)\n"
	"{\n"
	"	void *r = ws_here();\n" /* line 7 */
	"	sink += x;\n"
	"	return r;\n"
	"}\n"
	"__attribute__((noinline)) void *ws_outer(int x)\n"
	"{\n"
	"	void *r = ws_inner(x + 1);\n" /* line 13 */
	"	sink += 2;\n"
	"	return r;\n"
	"}\n"
	"int main(void)\n"
	"{\n"
	"	printf(\"%p %p %p\\n\", ws_outer(1), (void *)main, (void *)main);\n"
	"	fflush(stdout);\n"
	"	pause();\n"
	"	return 0;\n"
	"}\n";

Test(symbolize_e2e, inlined_file_line, .description = "-O2 inlined function: two frames, each "
							"with its file:line")
{
	struct symbolizer *s = symbolizer_new();
	struct sym_frame fr;
	char exe[256], buf[128];
	__u64 addr[3];

	cr_assert(s);
	build_src("inl.c", inline_src, "cc", "inl", "-O2 -g -pie -fPIE", exe, sizeof(exe));
	spawn(exe, addr);
	cr_assert_eq(symbolize_user_frame(s, child, addr[0], true, &fr), 0);
	cr_assert_eq(fr.status, SYM_OK);
	cr_assert_eq(fr.n_lines, 2, "inner inlined into outer: %u lines", fr.n_lines);
	cr_expect_str_eq(fr.lines[0].func, "ws_inner");
	cr_expect(fr.lines[0].file && strstr(fr.lines[0].file, "inl.c"));
	cr_expect_eq(fr.lines[0].line, 7);
	cr_expect_str_eq(fr.lines[1].func, "ws_outer");
	cr_expect(fr.lines[1].file && strstr(fr.lines[1].file, "inl.c"));
	cr_expect_eq(fr.lines[1].line, 13, "the inlined call's line");
	cr_assert_eq(symbolize_user(s, child, addr[0], buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "ws_outer", "one name: the function the ELF symbol names");
	symbolizer_free(s);
}

Test(symbolize, jit_perf_map, .description = "anonymous code resolves through /tmp/perf-PID.map")
{
	struct symbolizer *s = symbolizer_new();
	struct sym_frame fr;
	char path[64];
	void *code;
	FILE *f;

	cr_assert(s);
	code = mmap(NULL, 8192, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert(code != MAP_FAILED);
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	f = fopen(path, "w");
	cr_assert(f);
	fprintf(f, "%llx 40 LazyCompile:~old /srv/app.js:1\n", (unsigned long long)(uintptr_t)code);
	fprintf(f, "%llx 40 LazyCompile:*handler /srv/app.js:10\n",
		(unsigned long long)(uintptr_t)code); /* replaced: the later entry wins */
	fprintf(f, "%llx 100 Builtin:ArgumentsAdaptor\n",
		(unsigned long long)(uintptr_t)code + 0x1000);
	fclose(f);
	expect_sym(s, getpid(), (__u64)(uintptr_t)code + 0x10, "LazyCompile:*handler /srv/app.js:10");
	expect_sym(s, getpid(), (__u64)(uintptr_t)code + 0x1080, "Builtin:ArgumentsAdaptor");
	cr_assert_eq(symbolize_user_frame(s, getpid(), (__u64)(uintptr_t)code + 0x800, false, &fr),
		     0);
	cr_expect_eq(fr.status, SYM_JIT_NO_MAP, "anonymous code the map does not cover");
	cr_assert_eq(symbolize_user_frame(s, getpid(), 0x10, false, &fr), 0);
	cr_expect_eq(fr.status, SYM_UNMAPPED);
	unlink(path);
	munmap(code, 8192);
	symbolizer_free(s);
}
