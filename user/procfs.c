// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "procfs.h"
#include "sockdiag.h"

ssize_t read_small_file(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd, err;

	if (size == 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)total < size - 1) {
		n = read(fd, buf + total, size - 1 - total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			close(fd);
			return err;
		}
		if (n == 0)
			break;
		total += n;
	}
	buf[total] = '\0';
	close(fd);
	return total;
}

int schedstat_parse(const char *text, struct schedstat *out)
{
	unsigned long long a, b, c;
	int consumed = 0;

	if (sscanf(text, "%llu %llu %llu%n", &a, &b, &c, &consumed) != 3)
		return -EINVAL;
	if (text[consumed] && text[consumed] != '\n')
		return -EINVAL;
	out->on_cpu_ns = a;
	out->run_delay_ns = b;
	out->timeslices = c;
	return 0;
}

int schedstat_read(pid_t tgid, pid_t tid, struct schedstat *out)
{
	char path[64], buf[128];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", tgid, tid);
	n = read_small_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return schedstat_parse(buf, out);
}

int proc_stat_parse(const char *text, struct proc_stat *out)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')'), *p;
	unsigned long long starttime = 0;
	unsigned long flags = 0;
	size_t len;
	int field;

	if (!open || !close || close < open || close[1] != ' ' || !close[2])
		return -EINVAL;
	len = (size_t)(close - open - 1);
	if (len >= sizeof(out->comm))
		len = sizeof(out->comm) - 1;
	memcpy(out->comm, open + 1, len);
	out->comm[len] = '\0';
	out->state = close[2];
	/* Fields after the comm: 3=state 4=ppid ... 9=flags ... 22=starttime. */
	p = close + 2;
	for (field = 3; field <= 22 && *p; field++) {
		char *end;

		if (field == 4) {
			out->ppid = (int)strtol(p, &end, 10);
			if (end == p)
				return -EINVAL;
		}
		if (field == 9 || field == 22) {
			errno = 0;
			if (field == 9)
				flags = strtoul(p, &end, 10);
			else
				starttime = strtoull(p, &end, 10);
			if (end == p || errno)
				return -EINVAL;
		}
		p = strchr(p, ' ');
		if (!p) {
			if (field < 22)
				return -EINVAL;
			break;
		}
		p++;
	}
	if (field <= 22)
		return -EINVAL;
	out->flags = flags;
	out->starttime = starttime;
	return 0;
}

int proc_stat_read(pid_t pid, struct proc_stat *out)
{
	char path[64], buf[1024];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	n = read_small_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return proc_stat_parse(buf, out);
}

int status_parse_capeff(const char *text, __u64 *capeff)
{
	const char *line = strstr(text, "\nCapEff:");
	unsigned long long v;
	char *end;

	if (!line && strncmp(text, "CapEff:", 7) == 0)
		line = text - 1;
	if (!line)
		return -EINVAL;
	line += strlen("\nCapEff:");
	while (*line == ' ' || *line == '\t')
		line++;
	errno = 0;
	v = strtoull(line, &end, 16);
	if (end == line || errno || (*end && *end != '\n'))
		return -EINVAL;
	*capeff = v;
	return 0;
}

int self_capeff(__u64 *capeff)
{
	char buf[4096];
	ssize_t n = read_small_file("/proc/self/status", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return status_parse_capeff(buf, capeff);
}

int proc_list_tids(pid_t tgid, pid_t **tids, size_t *n)
{
	size_t cap = 0, count = 0;
	pid_t *list = NULL, *grown;
	struct dirent *de;
	char path[64];
	DIR *dir;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", tgid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end || tid <= 0)
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown) {
				err = -ENOMEM;
				goto cleanup;
			}
			list = grown;
		}
		list[count++] = (pid_t)tid;
	}
cleanup:
	closedir(dir);
	if (err) {
		free(list);
		return err;
	}
	*tids = list;
	*n = count;
	return 0;
}

int status_parse_field(const char *text, const char *name, unsigned long *value)
{
	size_t len = strlen(name);
	const char *line = text;
	char *end;

	while (line && *line) {
		if (strncmp(line, name, len) == 0 && line[len] == ':') {
			const char *v = line + len + 1;

			while (*v == ' ' || *v == '\t')
				v++;
			errno = 0;
			*value = strtoul(v, &end, 10);
			if (end == v || errno || (*end && *end != '\n'))
				return -EINVAL;
			return 0;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -EINVAL;
}

int net_tcp_parse_listen_line(const char *line, struct listen_sock *out)
{
	unsigned int lport, state;
	unsigned long inode;
	char local[64];

	/* "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout
	 *  inode" -> "0: 0100007F:2328 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0
	 *  12345 ..." */
	unsigned long rxq;

	if (sscanf(line, " %*u: %63s %*s %x %*x:%lx %*s %*s %*u %*u %lu", local, &state, &rxq,
		   &inode) != 4)
		return -EINVAL;
	if (state != 0x0A) /* TCP_LISTEN */
		return -ENOENT;
	{
		const char *colon = strrchr(local, ':');

		if (!colon || sscanf(colon + 1, "%x", &lport) != 1 || lport > 65535)
			return -EINVAL;
	}
	out->port = (unsigned short)lport;
	out->inode = inode;
	out->accept_queue = rxq; /* for a listener, rx_queue is the accept backlog */
	return 0;
}

int net_tcp_listen_read(struct listen_sock **socks, size_t *n)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	struct listen_sock s, *list = NULL, *grown;
	size_t cap = 0, count = 0, len = 0, i;
	char *line = NULL;

	/* Cheap where it works: the kernel walks only its listening hash. */
	if (sockdiag_tcp_listeners(socks, n) == 0)
		return 0;
	for (i = 0; i < 2; i++) {
		FILE *f = fopen(files[i], "re");

		if (!f)
			continue;
		while (getline(&line, &len, f) > 0) {
			if (net_tcp_parse_listen_line(line, &s))
				continue;
			if (count == cap) {
				cap = cap ? cap * 2 : 32;
				grown = realloc(list, cap * sizeof(*list));
				if (!grown) {
					fclose(f);
					free(line);
					free(list);
					return -ENOMEM;
				}
				list = grown;
			}
			list[count++] = s;
		}
		fclose(f);
	}
	free(line);
	*socks = list;
	*n = count;
	return 0;
}

bool proc_owns_socket(pid_t tgid, const struct listen_sock *socks, size_t n)
{
	return proc_scan_sockets(tgid, socks, n, NULL, NULL);
}

bool proc_scan_sockets(pid_t tgid, const struct listen_sock *socks, size_t n,
		       unsigned int *count, bool *owned)
{
	char dirpath[64], path[320], link[64];
	struct dirent *de;
	bool found = false;
	DIR *dir;

	snprintf(dirpath, sizeof(dirpath), "/proc/%d/fd", tgid);
	dir = opendir(dirpath);
	if (!dir)
		return false;
	if (count)
		*count = 0;
	while ((de = readdir(dir))) {
		unsigned long inode;
		ssize_t len;
		size_t i;

		snprintf(path, sizeof(path), "%s/%s", dirpath, de->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &inode) != 1)
			continue;
		if (count)
			(*count)++;
		else if (found && !owned)
			break;
		for (i = 0; i < n; i++) {
			if (socks[i].inode != inode)
				continue;
			found = true;
			if (owned)
				owned[i] = true;
		}
	}
	closedir(dir);
	return found;
}

int procstat_parse_cpu(const char *text, unsigned long long *busy, unsigned long long *total)
{
	unsigned long long v[10] = { 0 };
	int n, i;

	n = sscanf(text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
		   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
	if (n < 4)
		return -EINVAL;
	*total = 0;
	for (i = 0; i < n && i < 8; i++) /* guest time (8, 9) is already in user/nice */
		*total += v[i];
	*busy = *total - v[3] - (n > 4 ? v[4] : 0); /* minus idle and iowait */
	return 0;
}

int procstat_read_cpu(unsigned long long *busy, unsigned long long *total)
{
	char buf[4096];
	ssize_t n = read_small_file("/proc/stat", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return procstat_parse_cpu(buf, busy, total);
}

long proc_rss_bytes(pid_t pid)
{
	char path[64], buf[4096];
	const char *line;
	unsigned long kb;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	line = strstr(buf, "\nVmRSS:");
	if (!line || sscanf(line + 7, " %lu kB", &kb) != 1)
		return -1;
	return (long)kb * 1024;
}

int proc_descendants(const pid_t *roots, size_t n_roots, pid_t **out, size_t *n_out)
{
	pid_t *pids = NULL, *ppids = NULL, *found = NULL;
	size_t n = 0, cap = 0, nf = 0, i, j;
	struct dirent *de;
	bool grew = true;
	DIR *dir;
	int err = 0;

	dir = opendir("/proc");
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		struct proc_stat st;
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || proc_stat_read((pid_t)pid, &st))
			continue;
		if (n == cap) {
			pid_t *a, *b;

			cap = cap ? cap * 2 : 256;
			a = realloc(pids, cap * sizeof(*a));
			if (a)
				pids = a;
			b = realloc(ppids, cap * sizeof(*b));
			if (b)
				ppids = b;
			if (!a || !b) {
				err = -ENOMEM;
				goto cleanup;
			}
		}
		pids[n] = (pid_t)pid;
		ppids[n++] = st.ppid;
	}
	found = calloc(n ? n : 1, sizeof(*found));
	if (!found) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* Grow the set until no process has a parent in it (roots or found). */
	while (grew) {
		grew = false;
		for (i = 0; i < n; i++) {
			bool in = false, parent = false;

			for (j = 0; j < nf && !in; j++)
				in = found[j] == pids[i];
			for (j = 0; j < n_roots && !in; j++)
				in = roots[j] == pids[i];
			if (in)
				continue;
			for (j = 0; j < n_roots && !parent; j++)
				parent = roots[j] == ppids[i];
			for (j = 0; j < nf && !parent; j++)
				parent = found[j] == ppids[i];
			if (parent) {
				found[nf++] = pids[i];
				grew = true;
			}
		}
	}
cleanup:
	closedir(dir);
	free(pids);
	free(ppids);
	if (err) {
		free(found);
		return err;
	}
	*out = found;
	*n_out = nf;
	return 0;
}
