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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libvxpu.h"
#include "plugin.h"

/* the task's vxpu device fds, copied into criu with pidfd_getfd() */
int vxp_task_fds(pid_t pid, struct vxp_task_fd **out)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), n = 0, cap = 0;
	struct vxp_task_fd *v = NULL;
	char dir[64], lnk[64 + 256];
	struct dirent *de;
	dev_t rdev;
	DIR *d;

	*out = NULL;
	if (pidfd < 0)
		return 0;	/* gone: nothing of it to dump */
	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(lnk, sizeof(lnk), "%s/%s", dir, de->d_name);
		if (!vxp_is_vxpu_path(lnk, &rdev))
			continue;
		if (n == cap) {
			void *w = realloc(v, (cap = cap ? 2 * cap : 8) * sizeof(*v));

			if (!w) {
				vxp_task_fds_close(v, n);
				n = -ENOMEM;
				break;
			}
			v = w;
		}
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(de->d_name), 0);
		if (fd < 0)
			continue;
		v[n].fd = fd;
		v[n++].rdev = rdev;
	}
	if (d)
		closedir(d);
	close(pidfd);
	if (n < 0)
		vxp_err("pid %d: no memory for its vxpu fds", pid);
	else
		*out = v;
	return n;
}

void vxp_task_fds_close(struct vxp_task_fd *v, int n)
{
	for (int i = 0; i < n; i++)
		close(v[i].fd);
	free(v);
}

static int can_map(const struct vxp_task_fd *v, int n, dev_t rdev, off_t off)
{
	long pg = sysconf(_SC_PAGESIZE);

	for (int i = 0; i < n; i++) {
		void *p;

		if (v[i].rdev != rdev)
			continue;
		p = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, v[i].fd, off);
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
	char path[64], line[4096], mf[128];
	struct vxp_task_fd *v = NULL;
	unsigned long start, end;
	unsigned long long off;
	int n = -1, bad = 0;
	dev_t rdev;
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
		if (!vxp_is_vxpu_path(mf, &rdev))
			continue;
		if (n < 0)
			n = vxp_task_fds(pid, &v);
		if (n < 0 || !can_map(v, n, rdev, (off_t)off)) {
			name[strcspn(name, "\n")] = 0;
			vxp_err("pid %d maps %s at %#lx (offset %#llx) through a vxpu context it "
				"holds no fd of, or no handle of that BO (closed after mmap?): the "
				"mapping could not be restored; keep the device fd and the BO handle "
				"open while the mapping exists", pid, name, start, off);
			bad = 1;
		}
	}
	fclose(f);
	if (n > 0)
		vxp_task_fds_close(v, n);
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

/*
 * The tasks criu has seized (its tracees), found once per criu run: they
 * stay frozen until the dump ends. Returns how many, or -ENOMEM.
 */
static int seized_tasks(const pid_t **out)
{
	static pid_t *pids;
	static int n = -1;
	pid_t self = getpid();
	struct dirent *de;
	int cap = 0;
	DIR *d;

	if (n >= 0)
		goto done;
	n = 0;
	d = opendir("/proc");
	while (d && (de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name);

		if (pid <= 0 || tracer_of(pid) != self)
			continue;
		if (n == cap) {
			void *w = realloc(pids, (cap = cap ? 2 * cap : 16) * sizeof(*pids));

			if (!w) {
				closedir(d);
				n = -1;
				vxp_err("no memory for the list of seized tasks");
				return -ENOMEM;
			}
			pids = w;
		}
		pids[n++] = pid;
	}
	if (d)
		closedir(d);
done:
	*out = pids;
	return n;
}

int vxp_check_mappings(void)
{
	static int verdict = -1;	/* once per criu run, like the task list */
	const pid_t *pids;
	int n = seized_tasks(&pids);

	if (n < 0)
		return n;
	if (verdict < 0) {
		verdict = 0;
		for (int i = 0; i < n; i++)
			verdict |= check_task(pids[i]);
		vxp_info("vxpu mappings of %d seized tasks checked: %s", n,
			 verdict ? "some cannot be restored" : "each goes through an fd the task holds");
	}
	return verdict ? -EINVAL : 0;
}

/* the contexts the seized tasks hold fds of, found once per criu run */
static struct seized_ctx {
	uint32_t gpu_id, ctx_id;
} *ctxs;
static int nctxs = -1;

static void find_contexts(void)
{
	const pid_t *pids;
	int n = seized_tasks(&pids), cap = 0;

	nctxs = 0;
	for (int i = 0; i < n; i++) {
		struct vxp_task_fd *v;
		int m = vxp_task_fds(pids[i], &v);

		for (int j = 0; j < m; j++) {
			struct drm_vxpu_device_info di;
			struct drm_vxpu_context_info ci;

			if (vxpu_device_info(v[j].fd, &di) || vxpu_context_info(v[j].fd, &ci))
				continue;
			if (nctxs == cap) {
				void *w = realloc(ctxs, (cap = cap ? 2 * cap : 16) * sizeof(*ctxs));

				if (!w)
					break;	/* then an owner is "missing": the dump fails, logged */
				ctxs = w;
			}
			ctxs[nctxs++] = (struct seized_ctx){ di.gpu_id, ci.ctx_id };
		}
		if (m > 0)
			vxp_task_fds_close(v, m);
	}
}

int vxp_ctx_seized(uint32_t gpu_id, uint32_t ctx_id)
{
	if (nctxs < 0)
		find_contexts();
	for (int i = 0; i < nctxs; i++)
		if (ctxs[i].gpu_id == gpu_id && ctxs[i].ctx_id == ctx_id)
			return 1;
	return 0;
}
