// SPDX-License-Identifier: MIT
/*
 * vxpu CRIU plugin, dump side: every CPU mapping of a vxpu node in a dumped
 * task must be reachable through a device fd the task still holds.
 *
 * A context is dumped through its fd (DUMP_EXT_FILE), and at restore
 * UPDATE_VMA_MAP re-creates a mapping through the task's restored fd of
 * the context that has the BO. A process that closed its device fd after
 * mmap keeps its context alive through the mapping alone: CRIU 3.17 would
 * dump it without the context (no fd, no hook), kill it, and the restore
 * would fail: the process lost. So the first HANDLE_DEVICE_VMA of a dump
 * looks at every task criu has seized (its tracees) and fails the dump,
 * which leaves the process running, when one of them maps a BO that none
 * of its own fds can map. "Can map" is asked of the driver itself: DRM
 * lets a file mmap a BO's offset only while it holds a handle to it, so a
 * one-page mmap through the task's fd (a pidfd_getfd() copy) answers it
 * with no side effect.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "plugin.h"

#define MAX_TASK_FDS	64	/* vxpu fds looked at per task */

struct task_fds {
	int n;
	int fd[MAX_TASK_FDS];	/* our copies of the task's vxpu fds */
	dev_t rdev[MAX_TASK_FDS];
};

/* the task's vxpu device fds, copied into criu with pidfd_getfd() */
static void get_task_fds(pid_t pid, struct task_fds *t)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	char dir[64], lnk[64 + 256];
	struct dirent *de;
	struct stat st;
	DIR *d;

	t->n = 0;
	if (pidfd < 0)
		return;
	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	while (d && (de = readdir(d)) && t->n < MAX_TASK_FDS) {
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(lnk, sizeof(lnk), "%s/%s", dir, de->d_name);
		if (stat(lnk, &st) || !S_ISCHR(st.st_mode) || !vxp_is_vxpu_rdev(st.st_rdev))
			continue;
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(de->d_name), 0);
		if (fd < 0)
			continue;
		t->fd[t->n] = fd;
		t->rdev[t->n++] = st.st_rdev;
	}
	if (d)
		closedir(d);
	close(pidfd);
}

static int can_map(const struct task_fds *t, dev_t rdev, off_t off)
{
	long pg = sysconf(_SC_PAGESIZE);

	for (int i = 0; i < t->n; i++) {
		void *p;

		if (t->rdev[i] != rdev)
			continue;
		p = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, t->fd[i], off);
		if (p != MAP_FAILED) {
			munmap(p, (size_t)pg);
			return 1;
		}
	}
	return 0;
}

/* 0 if every vxpu mapping of @pid can be mapped through one of its fds */
static int check_task(pid_t pid)
{
	struct task_fds t = { 0 };
	char path[64], line[4096], mf[128];
	unsigned long start, end;
	unsigned long long off;
	int fetched = 0, bad = 0;
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;	/* gone: not ours to judge */
	while (!bad && fgets(line, sizeof(line), f)) {
		char *name = strchr(line, '/');

		if (!name || sscanf(line, "%lx-%lx %*s %llx", &start, &end, &off) != 3)
			continue;
		/* map_files resolves in the task's own mount namespace */
		snprintf(mf, sizeof(mf), "/proc/%d/map_files/%lx-%lx", pid, start, end);
		if (stat(mf, &st) || !S_ISCHR(st.st_mode) || !vxp_is_vxpu_rdev(st.st_rdev))
			continue;
		if (!fetched) {
			get_task_fds(pid, &t);
			fetched = 1;
		}
		if (!can_map(&t, st.st_rdev, (off_t)off)) {
			name[strcspn(name, "\n")] = 0;
			vxp_err("pid %d maps %s at %#lx (offset %#llx) through a vxpu context it "
				"holds no fd of, or no handle of that BO (closed after mmap?): the "
				"mapping could not be restored; keep the device fd and the BO handle "
				"open while the mapping exists", pid, name, start, off);
			bad = 1;
		}
	}
	fclose(f);
	for (int i = 0; i < t.n; i++)
		close(t.fd[i]);
	return bad;
}

static pid_t tracer_of(pid_t pid)
{
	char path[64], line[256];
	pid_t tp = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "TracerPid: %d", &tp) == 1)
			break;
	fclose(f);
	return tp;
}

int vxp_check_mappings(void)
{
	static int verdict = -1;	/* once per criu run: its tasks stay frozen */
	pid_t self = getpid();
	struct dirent *de;
	int tasks = 0;
	DIR *d;

	if (verdict >= 0)
		return verdict ? -EINVAL : 0;
	verdict = 0;
	d = opendir("/proc");
	while (d && (de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name);

		if (pid <= 0 || tracer_of(pid) != self)
			continue;
		tasks++;
		if (check_task(pid))
			verdict = 1;
	}
	if (d)
		closedir(d);
	vxp_info("vxpu mappings of %d seized tasks checked: %s", tasks,
		 verdict ? "some cannot be restored" : "each goes through an fd the task holds");
	return verdict ? -EINVAL : 0;
}
