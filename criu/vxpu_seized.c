// SPDX-License-Identifier: MIT
/*
 * vxpu CRIU plugin, dump side: what an image refers to must be in it. Two
 * checks against the tasks criu has seized (its tracees), each failing the
 * dump, which leaves the processes running, rather than the restore, which
 * comes after criu has killed them.
 *
 * Mappings. A context is dumped through its fd (DUMP_EXT_FILE), and at
 * restore UPDATE_VMA_MAP re-creates a mapping through the task's restored
 * fd of the context that has the BO. A process that closed its device fd
 * (or the BO's handle) after mmap keeps the context (or BO) alive through
 * the mapping alone: CRIU 3.17 would dump it without it, and the restore
 * would fail. So the first HANDLE_DEVICE_VMA of a dump checks that every
 * vxpu mapping of every tracee can be mapped through one of that task's own
 * fds. "Can map" is asked of the driver itself: DRM lets a file mmap a BO's
 * offset only while it holds a handle to it, so a one-page mmap through the
 * task's fd (a pidfd_getfd() copy) answers it with no side effect.
 *
 * Imports. The contents of a BO a context imported are in its owner's
 * image: DUMP_EXT_FILE checks that a tracee holds an fd of the owner.
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

#include "libvxpu.h"
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

/* calls @fn for every task criu has seized (its tracees); returns how many */
static int for_each_seized(void (*fn)(pid_t pid, void *arg), void *arg)
{
	pid_t self = getpid();
	struct dirent *de;
	int tasks = 0;
	DIR *d;

	d = opendir("/proc");
	while (d && (de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name);

		if (pid <= 0 || tracer_of(pid) != self)
			continue;
		tasks++;
		fn(pid, arg);
	}
	if (d)
		closedir(d);
	return tasks;
}

static void check_one(pid_t pid, void *arg)
{
	if (check_task(pid))
		*(int *)arg = 1;
}

int vxp_check_mappings(void)
{
	static int verdict = -1;	/* once per criu run: its tasks stay frozen */
	int tasks;

	if (verdict >= 0)
		return verdict ? -EINVAL : 0;
	verdict = 0;
	tasks = for_each_seized(check_one, &verdict);
	vxp_info("vxpu mappings of %d seized tasks checked: %s", tasks,
		 verdict ? "some cannot be restored" : "each goes through an fd the task holds");
	return verdict ? -EINVAL : 0;
}

/* the contexts the seized tasks hold fds of, by (gpu id, context id) */
struct ctx_set {
	size_t n, cap;
	struct { uint32_t gpu_id, ctx_id; } *v;
};

static void add_contexts(pid_t pid, void *arg)
{
	struct ctx_set *cs = arg;
	struct task_fds t;

	get_task_fds(pid, &t);
	for (int i = 0; i < t.n; i++) {
		struct drm_vxpu_device_info di;
		struct drm_vxpu_context_info ci;

		if (!vxpu_device_info(t.fd[i], &di) && !vxpu_context_info(t.fd[i], &ci)) {
			if (cs->n == cs->cap) {
				size_t cap = cs->cap ? 2 * cs->cap : 16;
				void *v = realloc(cs->v, cap * sizeof(*cs->v));

				if (!v)
					break;	/* then the owner is "missing": the dump fails, logged */
				cs->v = v;
				cs->cap = cap;
			}
			cs->v[cs->n].gpu_id = di.gpu_id;
			cs->v[cs->n++].ctx_id = ci.ctx_id;
		}
	}
	for (int i = 0; i < t.n; i++)
		close(t.fd[i]);
}

int vxp_ctx_seized(uint32_t gpu_id, uint32_t ctx_id)
{
	static struct ctx_set cs;	/* once per criu run, like the mappings */
	static int collected;

	if (!collected) {
		for_each_seized(add_contexts, &cs);
		collected = 1;
	}
	for (size_t i = 0; i < cs.n; i++)
		if (cs.v[i].gpu_id == gpu_id && cs.v[i].ctx_id == ctx_id)
			return 1;
	return 0;
}
