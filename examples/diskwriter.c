/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * diskwriter: write BLOCK bytes and fsync(), over and over (or O_DIRECT writes with --direct), in
 * one file that is removed on exit. The file wraps at 64 MiB so it never grows past that.
 * Expected verdict: I/O-bound (off-CPU in block I/O / journal waits).
 */
#include <fcntl.h>
#include <sys/stat.h>
#include "workload.h"

#define MIN_BLOCK	512L
#define MAX_BLOCK	(64L << 20)
#define FILE_WRAP	(64LL << 20)
#define BUF_ALIGN	4096
#define OPT_DIRECT	256

struct opts {
	const char *path;
	long block;
	bool direct;
	double secs;
};

static const char usage[] =
	"Usage: diskwriter [-f FILE] [-s BLOCK] [--direct] [-t SECONDS]\n"
	"Write BLOCK bytes + fsync() in a loop (or O_DIRECT writes) to FILE, deleted on exit.\n"
	"\n"
	"  -f, --file=FILE      file to write (default ./diskwriter.dat); must be a regular file\n"
	"  -s, --block-size=N   bytes per write (default 4096, 512..67108864)\n"
	"      --direct         O_DIRECT writes, no fsync (fails where direct I/O is unsupported)\n"
	WL_USAGE_TIME_HELP
	"\n"
	"Prints \"ready pid=PID\" on stdout after the first write reached the disk.\n"
	"\n"
	"EXAMPLES:\n"
	"  diskwriter -t 5                      # 4 KiB write + fsync loop in ./diskwriter.dat\n"
	"  diskwriter --direct -s 4194304 -t 5   # few large direct writes: mostly waiting\n";

/* Create or truncate the file. Only a regular file (or none yet): we delete it at exit. */
static int open_file(const struct opts *o)
{
	int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
	struct stat st;
	int fd;

	if (stat(o->path, &st) == 0 && !S_ISREG(st.st_mode)) {
		wl_err("failed to use %s: not a regular file", o->path);
		return -1;
	}
	if (o->direct)
		flags |= O_DIRECT;
	fd = open(o->path, flags, 0644);
	if (fd >= 0)
		return fd;
	if (o->direct && errno == EINVAL)
		wl_err("failed to open %s with O_DIRECT: %s (no direct I/O here?)", o->path,
		       strerror(errno));
	else
		wl_err("failed to open %s: %s", o->path, strerror(errno));
	return -1;
}

/* One block at off; with buffered I/O followed by fsync(). */
static int write_block(int fd, const struct opts *o, const void *buf, off_t off)
{
	ssize_t n;

	do {
		n = pwrite(fd, buf, o->block, off);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (o->direct && errno == EINVAL)
			wl_err("failed to write %s with O_DIRECT: %s (block size not a multiple of "
			       "the device's logical block size?)", o->path, strerror(errno));
		else
			wl_err("failed to write %s: %s", o->path, strerror(errno));
		return -1;
	}
	if (n != o->block) {
		wl_err("failed to write %s: short write (%zd of %ld bytes)", o->path, n, o->block);
		return -1;
	}
	if (!o->direct && fsync(fd)) {
		wl_err("failed to fsync %s: %s", o->path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .path = "./diskwriter.dat", .block = 4096 };
	const struct wl_opt opts[] = {
		{ 'f', "file", WL_OPT_STR, 0, 0, &o.path },
		{ 's', "block-size", WL_OPT_LONG, MIN_BLOCK, MAX_BLOCK, &o.block },
		{ OPT_DIRECT, "direct", WL_OPT_FLAG, 0, 0, &o.direct },
	};
	long long wrap;
	void *buf = NULL;
	off_t off = 0;
	int fd = -1, ret, err;

	ret = wl_parse_opts(argc, argv, opts, WL_ARRAY_SIZE(opts), &o.secs, usage);
	if (ret != WL_RUN)
		return ret;
	wrap = FILE_WRAP / o.block * o.block;	/* >= one block: MAX_BLOCK <= FILE_WRAP */

	ret = WL_EXIT_FAIL;
	if (wl_setup_signals())
		goto cleanup;
	err = posix_memalign(&buf, BUF_ALIGN, o.block);
	if (err) {
		buf = NULL;
		wl_err("failed to allocate write buffer: %s", strerror(err));
		goto cleanup;
	}
	memset(buf, 0xa5, o.block);
	fd = open_file(&o);
	if (fd < 0)
		goto cleanup;
	/* The first write proves the mode works (O_DIRECT alignment) before we say ready. */
	if (write_block(fd, &o, buf, off))
		goto cleanup;
	off += o.block;
	if (wl_ready(o.secs, NULL))
		goto cleanup;
	while (!wl_stop) {
		if (off >= wrap)
			off = 0;
		if (write_block(fd, &o, buf, off))
			goto cleanup;
		off += o.block;
	}
	ret = WL_EXIT_OK;
cleanup:
	/* fd >= 0: we created or truncated a regular file at path, so we remove it. */
	if (fd >= 0) {
		close(fd);
		if (unlink(o.path)) {
			wl_err("failed to remove %s: %s", o.path, strerror(errno));
			ret = WL_EXIT_FAIL;
		}
	}
	free(buf);
	return ret;
}
