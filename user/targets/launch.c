// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "targets/launch.h"

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int launch_prepare(struct launch *l, char **argv)
{
	int gate[2] = { -1, -1 }, errp[2] = { -1, -1 }, err;
	char c;

	l->pid = -1;
	l->gate_fd = l->err_fd = -1;
	if (pipe2(gate, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
		err = -errno;
		goto fail;
	}
	l->pid = fork();
	if (l->pid < 0) {
		err = -errno;
		goto fail;
	}
	if (l->pid == 0) {
		close(gate[1]);
		close(errp[0]);
		/* Wait until the profiler is attached: EOF on the gate. */
		while (read(gate[0], &c, 1) < 0 && errno == EINTR)
			;
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		err = l->cred ? -cred_apply(l->cred) : 0;
		if (!err) {
			execvp(argv[0], argv);
			err = errno;
		}
		if (write(errp[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(gate[0]);
	close(errp[1]);
	l->gate_fd = gate[1];
	l->err_fd = errp[0];
	return 0;
fail:
	close_fd(&gate[0]);
	close_fd(&gate[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	return err;
}

int launch_release(struct launch *l)
{
	int child_errno = 0;
	ssize_t n;

	close_fd(&l->gate_fd);
	do {
		n = read(l->err_fd, &child_errno, sizeof(child_errno));
	} while (n < 0 && errno == EINTR);
	close_fd(&l->err_fd);
	if (n == (ssize_t)sizeof(child_errno)) {
		waitpid(l->pid, NULL, 0);
		l->pid = -1;
		return -child_errno;
	}
	return 0;
}

int launch_reap(struct launch *l, int *status)
{
	pid_t r;

	if (l->pid <= 0)
		return 1;
	r = waitpid(l->pid, status, WNOHANG);
	if (r == l->pid) {
		l->pid = -1;
		return 1;
	}
	return 0;
}

void launch_stop(struct launch *l)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int i, status;

	if (l->pid <= 0)
		return;
	kill(l->pid, SIGTERM);
	for (i = 0; i < 300; i++) { /* 3 s grace, then SIGKILL */
		if (launch_reap(l, &status))
			return;
		nanosleep(&tick, NULL);
	}
	kill(l->pid, SIGKILL);
	waitpid(l->pid, NULL, 0);
	l->pid = -1;
}

void launch_close(struct launch *l)
{
	close_fd(&l->gate_fd);
	close_fd(&l->err_fd);
}
