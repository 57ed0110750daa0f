// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli/outpath.h"

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/waitscope-outpath.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
	char path[384];
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path))
			rmdir(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static size_t entries(void)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t n = 0;

	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void path_in(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

TestSuite(outpath, .init = make_dir, .fini = remove_dir);

Test(outpath, new_file_ok_nothing_left, .description = "a new path: 0, and no file created")
{
	char p[128];

	path_in(p, sizeof(p), "out.folded");
	cr_assert_eq(outpath_check("--folded", p), 0);
	cr_assert_eq(entries(), 0, "the probe file was left behind");
}

Test(outpath, existing_file_untouched, .description = "an existing regular file: 0, unchanged")
{
	char p[128], buf[16] = { 0 };
	FILE *f;

	path_in(p, sizeof(p), "out.folded");
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs("keep", f);
	fclose(f);
	cr_assert_eq(outpath_check("--folded", p), 0);
	f = fopen(p, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	cr_assert_str_eq(buf, "keep");
	cr_assert_eq(entries(), 1);
}

Test(outpath, refuses, .description = "symlink (even dangling), directory, missing parent")
{
	char p[128], target[128];

	path_in(target, sizeof(target), "target");
	path_in(p, sizeof(p), "link");
	cr_assert_eq(symlink(target, p), 0);
	cr_assert_eq(outpath_check("--folded", p), -ELOOP, "dangling symlink");
	cr_assert_eq(access(target, F_OK), -1, "the link's target was created");
	path_in(p, sizeof(p), "sub");
	cr_assert_eq(mkdir(p, 0700), 0);
	cr_assert_eq(outpath_check("--prom", p), -EINVAL);
	path_in(p, sizeof(p), "missing/out");
	cr_assert_eq(outpath_check("--pprof", p), -ENOENT);
}

Test(outpath, every_option_checked, .description = "outpath_check_opts: all four paths, unset "
						  "ones skipped, the first bad one fails")
{
	char good[128], bad[128];
	struct ws_opts o;

	memset(&o, 0, sizeof(o));
	cr_assert_eq(outpath_check_opts(&o), 0, "no output paths");
	path_in(good, sizeof(good), "ok");
	path_in(bad, sizeof(bad), "missing/out");
	o.folded_file = good;
	o.pprof_file = good;
	o.prom_file = good;
	o.ready_file = good;
	cr_assert_eq(outpath_check_opts(&o), 0);
	o.ready_file = bad;
	cr_assert_eq(outpath_check_opts(&o), -ENOENT, "--ready-file is checked too");
	o.ready_file = NULL;
	o.prom_file = bad;
	cr_assert_eq(outpath_check_opts(&o), -ENOENT, "--prom is checked too");
	cr_assert_eq(entries(), 0);
}
