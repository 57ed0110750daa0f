// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/procfs.h"

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

/* The line of text that starts with key (at the start of text or after a newline), or NULL. */
static const char *find_line(const char *text, const char *key)
{
	size_t len = strlen(key);
	const char *p = text;

	while (p) {
		if (strncmp(p, key, len) == 0)
			return p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

int status_parse_capeff(const char *text, __u64 *capeff)
{
	const char *line = find_line(text, "CapEff:");
	unsigned long long v;
	char *end;

	if (!line)
		return -EINVAL;
	line += strlen("CapEff:");
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

int net_tcp_listen_parse(FILE *f, struct listen_sock **socks, size_t *n, size_t *cap)
{
	struct listen_sock s, *grown;
	char *line = NULL;
	size_t len = 0;
	int err = 0;

	while (getline(&line, &len, f) > 0) {
		if (net_tcp_parse_listen_line(line, &s))
			continue;
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 32;

			grown = realloc(*socks, ncap * sizeof(*grown));
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			*socks = grown;
			*cap = ncap;
		}
		(*socks)[(*n)++] = s;
	}
	free(line);
	return err;
}

int net_tcp_listen_read(struct listen_sock **socks, size_t *n)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	struct listen_sock *list = NULL;
	size_t cap = 0, count = 0, i;
	int err = 0;

	for (i = 0; i < 2 && !err; i++) {
		FILE *f = fopen(files[i], "re");

		if (!f)
			continue;
		err = net_tcp_listen_parse(f, &list, &count, &cap);
		fclose(f);
	}
	if (err) {
		free(list);
		return err;
	}
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
	unsigned long long v[10] = { 0 }, sum = 0;
	const char *p = text;
	int n, i;

	if (strncmp(p, "cpu ", 4) != 0)
		return -EINVAL;
	p += 4;
	/* Unsigned decimal fields only: strtoull would take "-7" as 2^64 - 7. */
	for (n = 0; n < 10; n++) {
		char *end;

		while (*p == ' ')
			p++;
		if (!isdigit((unsigned char)*p))
			break;
		errno = 0;
		v[n] = strtoull(p, &end, 10);
		if (errno)
			return -EINVAL;
		p = end;
	}
	if (n < 4)
		return -EINVAL;
	for (i = 0; i < n && i < 8; i++) /* guest time (8, 9) is already in user/nice */
		if (__builtin_add_overflow(sum, v[i], &sum))
			return -EINVAL;
	*total = sum;
	*busy = sum - v[3] - (n > 4 ? v[4] : 0); /* minus idle and iowait: both are in sum */
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

long status_parse_rss(const char *text)
{
	const char *line = find_line(text, "VmRSS:");
	unsigned long kb;

	if (!line || sscanf(line + 6, " %lu kB", &kb) != 1 || kb > (unsigned long)LONG_MAX / 1024)
		return -1;
	return (long)kb * 1024;
}

long proc_rss_bytes(pid_t pid)
{
	char path[64], buf[4096];

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return status_parse_rss(buf);
}

int proc_scan_all(struct proc_entry **out, size_t *n)
{
	struct proc_entry *procs = NULL;
	size_t cap = 0;
	struct dirent *de;
	DIR *dir;

	*out = NULL;
	*n = 0;
	dir = opendir("/proc");
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		struct proc_stat st;
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || proc_stat_read((pid_t)pid, &st))
			continue;
		if (st.flags & WS_PF_KTHREAD || st.state == 'Z' || st.state == 'X')
			continue;
		if (*n == cap) {
			struct proc_entry *g;

			cap = cap ? cap * 2 : 256;
			g = realloc(procs, cap * sizeof(*g));
			if (!g) {
				free(procs);
				closedir(dir);
				*n = 0;
				return -ENOMEM;
			}
			procs = g;
		}
		procs[*n].tgid = (pid_t)pid;
		procs[*n].ppid = st.ppid;
		snprintf(procs[*n].comm, sizeof(procs[*n].comm), "%s", st.comm);
		(*n)++;
	}
	closedir(dir);
	*out = procs;
	return 0;
}

int proc_descendants(const pid_t *roots, size_t n_roots, pid_t **out, size_t *n_out)
{
	struct proc_entry *procs = NULL;
	pid_t *found = NULL;
	size_t n = 0, nf = 0, i, j;
	bool grew = true;
	int err;

	err = proc_scan_all(&procs, &n);
	if (err)
		return err;
	found = calloc(n ? n : 1, sizeof(*found));
	if (!found) {
		free(procs);
		return -ENOMEM;
	}
	/* Grow the set until no process has a parent in it (roots or found). */
	while (grew) {
		grew = false;
		for (i = 0; i < n; i++) {
			bool in = false, parent = false;

			for (j = 0; j < nf && !in; j++)
				in = found[j] == procs[i].tgid;
			for (j = 0; j < n_roots && !in; j++)
				in = roots[j] == procs[i].tgid;
			if (in)
				continue;
			for (j = 0; j < n_roots && !parent; j++)
				parent = roots[j] == procs[i].ppid;
			for (j = 0; j < nf && !parent; j++)
				parent = found[j] == procs[i].ppid;
			if (parent) {
				found[nf++] = procs[i].tgid;
				grew = true;
			}
		}
	}
	free(procs);
	*out = found;
	*n_out = nf;
	return 0;
}
