// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "itest.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *itest_build_path(const char *name, char *buf, size_t size)
{
	const char *dir = getenv("WAITSCOPE_BUILD");

	snprintf(buf, size, "%s/%s", dir && *dir ? dir : "build", name);
	return buf;
}

static pid_t spawn(const char *path, const char *const *args, int out_fd, int err_fd)
{
	const char *argv[64];
	size_t i = 0;
	pid_t pid;

	argv[i++] = path;
	while (args && *args && i < 63)
		argv[i++] = *args++;
	argv[i] = NULL;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (out_fd >= 0)
			dup2(out_fd, 1);
		if (err_fd >= 0)
			dup2(err_fd, 2);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

int example_start(struct example *ex, const char *name, const char *const *args)
{
	char path[512], rel[256];

	snprintf(rel, sizeof(rel), "examples/%s", name);
	itest_build_path(rel, path, sizeof(path));
	return example_start_path(ex, path, args);
}

int example_start_path(struct example *ex, const char *path, const char *const *args)
{
	int pipefd[2];
	size_t len = 0;
	double deadline = now_s() + 10;
	char *p;

	memset(ex, 0, sizeof(*ex));
	if (pipe(pipefd))
		return -errno;
	ex->pid = spawn(path, args, pipefd[1], -1);
	close(pipefd[1]);
	if (ex->pid < 0) {
		close(pipefd[0]);
		return -errno;
	}
	while (len < sizeof(ex->line) - 1 && !strchr(ex->line, '\n')) {
		struct pollfd pfd = { pipefd[0], POLLIN, 0 };
		int left = (int)((deadline - now_s()) * 1000);
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			break;
		n = read(pipefd[0], ex->line + len, sizeof(ex->line) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		ex->line[len] = '\0';
	}
	close(pipefd[0]);
	p = strstr(ex->line, "ready pid=");
	if (!p) {
		example_stop(ex);
		return -ETIMEDOUT;
	}
	ex->target = (pid_t)atoi(p + strlen("ready pid="));
	p = strstr(ex->line, "port=");
	if (p)
		ex->port = atoi(p + 5);
	return 0;
}

int example_stop(struct example *ex)
{
	double deadline = now_s() + 5;
	int status;

	if (ex->pid <= 0)
		return -1;
	kill(ex->pid, SIGTERM);
	while (now_s() < deadline) {
		if (waitpid(ex->pid, &status, WNOHANG) == ex->pid) {
			ex->pid = 0;
			return status;
		}
		usleep(10000);
	}
	kill(ex->pid, SIGKILL);
	waitpid(ex->pid, &status, 0);
	ex->pid = 0;
	return -1;
}

char *itest_slurp_fd(int fd)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		return NULL;
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			char *grown = realloc(buf, cap * 2);

			if (!grown)
				break;
			buf = grown;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	return buf;
}

int waitscope_run_signal(struct run_result *r, const char *const *args, double timeout_s,
			 const char *ready_file, int sig, double after_ready_s)
{
	char path[512];
	FILE *fout = tmpfile(), *ferr = tmpfile();
	int out, err, status = 0;
	double deadline = now_s() + timeout_s, ready_at = 0;
	bool signalled = false;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (!fout || !ferr) {
		if (fout)
			fclose(fout);
		if (ferr)
			fclose(ferr);
		return -errno;
	}
	out = fileno(fout);
	err = fileno(ferr);
	itest_build_path("waitscope", path, sizeof(path));
	pid = spawn(path, args, out, err);
	if (pid < 0) {
		fclose(fout);
		fclose(ferr);
		return -errno;
	}
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (now_s() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		if (sig && ready_file && !signalled) {
			if (!ready_at && access(ready_file, F_OK) == 0)
				ready_at = now_s();
			if (ready_at && now_s() >= ready_at + after_ready_s) {
				kill(pid, sig);
				signalled = true;
			}
		}
		usleep(5000);
	}
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r->out = itest_slurp_fd(out);
	r->err = itest_slurp_fd(err);
	fclose(fout);
	fclose(ferr);
	return 0;
}

int waitscope_run(struct run_result *r, const char *const *args, double timeout_s)
{
	return waitscope_run_signal(r, args, timeout_s, NULL, 0, 0);
}

void run_result_free(struct run_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

const char **waitscope_args(const char **argv, size_t n, char *pidbuf, size_t pidsz, pid_t pid,
			    const char *secs, const char *const *extra)
{
	size_t i = 0;

	snprintf(pidbuf, pidsz, "%d", pid);
	argv[i++] = "-p";
	argv[i++] = pidbuf;
	argv[i++] = "-d";
	argv[i++] = secs;
	argv[i++] = "-j";
	while (extra && *extra && i < n - 1)
		argv[i++] = *extra++;
	argv[i] = NULL;
	return argv;
}

int load_start(struct example *ex, const char *path, const char *const *args)
{
	int null = open("/dev/null", O_WRONLY);

	memset(ex, 0, sizeof(*ex));
	ex->pid = spawn(path, args, null, null);
	if (null >= 0)
		close(null);
	if (ex->pid < 0)
		return -errno;
	ex->target = ex->pid;
	return access(path, X_OK) == 0 ? 0 : -ENOENT;
}
