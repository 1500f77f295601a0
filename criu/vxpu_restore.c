// SPDX-License-Identifier: MIT
/*
 * vxpu CRIU plugin, restore side.
 *
 * RESTORE_EXT_FILE runs in the restored task: it reads vxpu-ctx-<id>.img,
 * picks the device (VXPU_GPU_MAP "old=new,..." from `vxpuctl restore
 * --gpu-map`; else the device with the same gpu id; else the one with the
 * same index) after checking that it can hold the context, opens it and
 * issues RESTORE with this restore's cookie (imports of a BO whose owner
 * is not restored yet give -EAGAIN: retried for up to 10 s), then writes
 * the BO contents through the returned dma-bufs, checking every chunk.
 *
 * UPDATE_VMA_MAP (same task, after the files) keeps no fd of its own: it
 * finds the restored file among the task's fds by (device, context id)
 * and the BO's new mmap offset by its handle (restored at the same value),
 * and hands CRIU that fd (CRIU 3.17 dup()s it), or a dup of it where CRIU
 * closes the fd after the mmap (3.19 and later: VXPU_CRIU_OWNS_VMA_FD).
 * RESUME_DEVICES_LATE (criu master) lets the restored queues run.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <criu-plugin.h>

#include "libvxpu.h"
#include "plugin.h"
#include "vxpu_image.h"

#define RESTORE_RETRY_S 10.0

/* contexts this process knows about: restored here, or read back from the image */
struct known {
	VxpuCtxEntry *e;
	uint32_t gpu_id;	/* the device it went to */
	struct known *next;
};

static uint64_t cookie;
static struct vxi_gpu_map gmap;
static struct known *known;
static int images_loaded;

int vxp_restore_init(void)
{
	const char *m = getenv("VXPU_GPU_MAP");
	char err[VXI_ERR];

	if (getrandom(&cookie, sizeof(cookie), 0) != sizeof(cookie))
		cookie = (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid();
	if (!cookie)
		cookie = 1;
	if (m && *m && vxi_parse_gpu_map(m, &gmap, err)) {
		vxp_err("VXPU_GPU_MAP: %s", err);
		return -1;
	}
	return 0;
}

void vxp_restore_fini(int ret)
{
	(void)ret;
	while (known) {
		struct known *k = known;

		known = k->next;
		vxi_free_ctx(k->e);
		free(k);
	}
}

static int criu_op(int fd, struct drm_vxpu_criu *a)
{
	return vxp_criu(fd, a);
}

static double mib(uint64_t b)
{
	return (double)b / (1 << 20);
}

/*
 * The device for @e among @n devices. @check_free: also require the free
 * VRAM (at restore; not when looking the choice up again afterwards).
 */
static int pick_device(const VxpuCtxEntry *e, const struct vxpu_device_desc *d, int n,
		       int check_free, int *out)
{
	uint32_t uid = e->device->user_gpu_id, to;
	const struct drm_vxpu_device_info *di;
	int i = -1;

	if (vxi_gpu_map_lookup(&gmap, uid, &to)) {
		for (int k = 0; k < n; k++)
			if (d[k].info.gpu_id == to)
				i = k;
		if (i < 0) {
			vxp_err("context %u: the gpu map sends gpu %#x to %#x, but no vxpu device has "
				"gpu id %#x (%d devices present)", e->ctx_id, uid, to, to, n);
			return -ENODEV;
		}
	} else {
		for (int k = 0; k < n; k++)
			if (d[k].info.gpu_id == uid)
				i = k;
		if (i < 0) {
			for (int k = 0; k < n; k++)
				if (d[k].info.index == e->device->index)
					i = k;
			if (i < 0) {
				vxp_err("context %u: no vxpu device with gpu id %#x nor with index %u "
					"(%d devices present; use --gpu-map OLD=NEW)", e->ctx_id, uid,
					e->device->index, n);
				return -ENODEV;
			}
			if (check_free)
				vxp_info("context %u: gpu %#x is not here; using device %u (gpu %#x), "
					 "which has its index", e->ctx_id, uid, d[i].info.index,
					 d[i].info.gpu_id);
		}
	}
	di = &d[i].info;
	if (!(di->caps & VXPU_CAP_CRIU)) {
		vxp_err("device %u (gpu %#x) has no checkpoint/restore (VXPU_CAP_CRIU)", di->index,
			di->gpu_id);
		return -EOPNOTSUPP;
	}
	if (e->has_nr_queues && e->nr_queues && !(di->caps & VXPU_CAP_ENGINE)) {
		vxp_err("device %u (gpu %#x) has no engine (VXPU_CAP_ENGINE); the context has %u "
			"queues", di->index, di->gpu_id, e->nr_queues);
		return -EOPNOTSUPP;
	}
	if (e->vram_needed > di->vram_size) {
		vxp_err("device %u (gpu %#x) has %.1f MiB of VRAM; context %u needs %.1f MiB",
			di->index, di->gpu_id, mib(di->vram_size), e->ctx_id, mib(e->vram_needed));
		return -ENOSPC;
	}
	if (check_free && e->vram_needed > di->vram_free) {
		vxp_err("device %u (gpu %#x) has %.1f MiB of VRAM free; context %u needs %.1f MiB",
			di->index, di->gpu_id, mib(di->vram_free), e->ctx_id, mib(e->vram_needed));
		return -ENOSPC;
	}
	*out = i;
	return 0;
}

static const char *restore_hint(int r)
{
	switch (r) {
	case -EEXIST:
		return " (another live context on that device has this context id: is the "
		       "dumped process, or an earlier restore of it, still running?)";
	case -EAGAIN:
		return " (a BO this context imported was never restored by its owner: was the "
		       "owner process dumped too?)";
	case -EINVAL:
		return " (the driver found the image malformed)";
	case -EPROTO:
		return " (the driver does not know this private data version)";
	case -ENOSPC:
		return " (not enough VRAM on the device)";
	case -EDQUOT:
		return " (over the context quota)";
	case -EPERM:
		return " (criu needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN)";
	case -ENOTTY:
		return " (does this vxpu.ko have checkpoint/restore?)";
	default:
		return "";
	}
}

/* write and check the owned BOs' contents; closes every dma-buf fd */
static int restore_contents(int dirfd, const VxpuCtxEntry *e, struct drm_vxpu_criu_bo_bucket *bk)
{
	struct vxi_bo_job *jobs = NULL;
	char err[VXI_ERR];
	void **maps;
	size_t nj = 0;
	int r;

	r = vxp_map_bos(e, bk, PROT_READ | PROT_WRITE, &maps);
	if (!r) {
		r = vxi_open_jobs(dirfd, e, maps, O_RDONLY, &jobs, &nj, err);
		if (!r) {
			r = vxi_bo_io(VXI_IO_RESTORE, jobs, nj, e->chunk_size, 0, NULL, NULL, err);
			vxi_close_jobs(jobs, nj, NULL);
		}
		if (r)
			vxp_err("%s", err);
	}
	vxp_unmap_bos(e, bk, maps);
	return r;
}

static int vxpu_restore_file(int id)
{
	struct vxpu_device_desc devs[VXPU_MAX_DEVICES];
	struct drm_vxpu_criu_bo_bucket *bk = NULL;
	struct drm_vxpu_criu a = { 0 };
	int dirfd = vxp_image_dir(), fd = -1, r, n, i;
	char name[64], err[VXI_ERR];
	VxpuCtxEntry *e = NULL;
	struct known *k;
	void *priv = NULL;
	double t0, t1, t2;

	vxi_ctx_name(name, sizeof(name), (uint32_t)id);
	if (faccessat(dirfd, name, F_OK, 0) && errno == ENOENT)
		return -ENOTSUP;	/* not a vxpu file */
	r = vxi_read_ctx(dirfd, name, &e, err);
	if (r) {
		vxp_err("%s", err);
		return vxp_hook_err(r);
	}
	n = vxpu_discover(NULL, devs, VXPU_MAX_DEVICES);
	if (n < 0) {
		vxp_err("context %u: no vxpu device here (%s); it needs gpu %#x", e->ctx_id,
			vxpu_strerror(n), e->device->user_gpu_id);
		r = n;
		goto out;
	}
	if (n > VXPU_MAX_DEVICES)
		n = VXPU_MAX_DEVICES;
	r = pick_device(e, devs, n, 1, &i);
	if (r)
		goto out;
	fd = vxpu_open_node(devs[i].node);
	if (fd < 0) {
		r = fd;
		vxp_err("cannot open %s: %s", devs[i].node, vxpu_strerror(fd));
		goto out;
	}
	bk = calloc(e->n_bos ? e->n_bos : 1, sizeof(*bk));
	priv = malloc(e->priv_data.len ? e->priv_data.len : 1);
	if (!bk || !priv) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(priv, e->priv_data.data, e->priv_data.len);
	for (size_t b = 0; b < e->n_bos; b++) {
		bk[b].size = e->bos[b]->size;
		bk[b].offset = e->bos[b]->offset;
		bk[b].handle = e->bos[b]->handle;
		bk[b].placement = e->bos[b]->placement;
		bk[b].flags = e->bos[b]->flags;
		bk[b].dmabuf_fd = -1;
	}
	t0 = vxp_now();
	for (;;) {
		memset(&a, 0, sizeof(a));
		a.op = VXPU_CRIU_RESTORE;
		a.bos = (uintptr_t)bk;
		a.num_bos = (uint32_t)e->n_bos;
		a.priv_data = (uintptr_t)priv;
		a.priv_data_size = e->priv_data.len;
		a.restore_cookie = cookie;
		a.device.user_gpu_id = e->device->user_gpu_id;
		a.device.actual_gpu_id = devs[i].info.gpu_id;
		r = criu_op(fd, &a);
		if (r != -EAGAIN || vxp_now() - t0 > RESTORE_RETRY_S)
			break;
		usleep(20000);
	}
	if (r) {
		vxp_err("context %u (file %#x) on device %u (gpu %#x): RESTORE: %s%s", e->ctx_id, id,
			devs[i].info.index, devs[i].info.gpu_id, vxpu_strerror(r), restore_hint(r));
		goto out;
	}
	vxp_test_stall("restore");
	t1 = vxp_now();
	r = restore_contents(dirfd, e, bk);
	if (r)
		goto out;
	t2 = vxp_now();
	k = calloc(1, sizeof(*k));
	if (!k) {
		r = -ENOMEM;
		goto out;
	}
	k->e = e;
	k->gpu_id = devs[i].info.gpu_id;
	k->next = known;
	known = k;
	vxp_info("context %u (file %#x, was gpu %#x) restored on device %u (gpu %#x) as fd %d: "
		 "%zu BOs, %.1f MiB of contents (RESTORE %.3f s, contents %.3f s)", e->ctx_id, id,
		 e->device->user_gpu_id, devs[i].info.index, devs[i].info.gpu_id, fd, e->n_bos,
		 mib(e->vram_needed + e->gtt_needed), t1 - t0, t2 - t1);
	free(bk);
	free(priv);
	return fd;
out:
	if (fd >= 0)
		close(fd);	/* a failed or half-written restore goes with its file */
	free(bk);
	free(priv);
	vxi_free_ctx(e);
	return r < 0 ? vxp_hook_err(r) : -EIO;
}

#ifdef VXPU_HAVE_RESTORE_RETRY
static int vxpu_restore_file_4(int id, bool *retry_needed)
{
	*retry_needed = false;
	return vxpu_restore_file(id);
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__RESTORE_EXT_FILE, vxpu_restore_file_4)
#else
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__RESTORE_EXT_FILE, vxpu_restore_file)
#endif

/* contexts of the image that this process did not restore itself (a VMA of a shared file) */
static void load_images(void)
{
	struct vxpu_device_desc devs[VXPU_MAX_DEVICES];
	char **names, err[VXI_ERR];
	int dirfd = vxp_image_dir(), n;
	size_t cnt;

	images_loaded = 1;
	n = vxpu_discover(NULL, devs, VXPU_MAX_DEVICES);
	if (n <= 0 || vxi_list_ctx(dirfd, &names, &cnt, err))
		return;
	if (n > VXPU_MAX_DEVICES)
		n = VXPU_MAX_DEVICES;
	for (size_t i = 0; i < cnt; i++) {
		VxpuCtxEntry *e;
		struct known *k;
		int d;

		if (vxi_read_ctx(dirfd, names[i], &e, err))
			continue;
		if (pick_device(e, devs, n, 0, &d) || !(k = calloc(1, sizeof(*k)))) {
			vxi_free_ctx(e);
			continue;
		}
		k->e = e;
		k->gpu_id = devs[d].info.gpu_id;
		/* after the ones restored here, which win */
		struct known **tail = &known;

		while (*tail)
			tail = &(*tail)->next;
		*tail = k;
	}
	vxi_free_names(names, cnt);
}

static void normalize(char *p)
{
	char *w = p;

	for (char *r = p; *r; r++)
		if (!(r[0] == '/' && r[1] == '/'))
			*w++ = *r;
	*w = '\0';
}

/* an fd of this process on device @gpu_id with context @ctx_id, or -1 */
static int find_fd(uint32_t gpu_id, uint32_t ctx_id)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int found = -1;

	while (d && found < 0 && (de = readdir(d))) {
		struct drm_vxpu_device_info di;
		struct drm_vxpu_context_info ci;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd == dirfd(d) || !vxp_is_vxpu_fd(fd))
			continue;
		if (!vxpu_device_info(fd, &di) && di.gpu_id == gpu_id &&
		    !vxpu_context_info(fd, &ci) && ci.ctx_id == ctx_id)
			found = fd;
	}
	if (d)
		closedir(d);
	return found;
}

static int lookup(const char *path, uint64_t pgoff, uint64_t *new_pgoff, int *plugin_fd)
{
	for (struct known *k = known; k; k = k->next) {
		const VxpuCtxEntry *e = k->e;
		struct drm_vxpu_bo_info bi;
		char dp[PATH_MAX];
		int fd, r;

		snprintf(dp, sizeof(dp), "%s", e->device->dump_path);
		normalize(dp);
		if (strcmp(dp, path))
			continue;
		for (size_t b = 0; b < e->n_bos; b++) {
			const VxpuBoEntry *bo = e->bos[b];

			if (pgoff < bo->offset || pgoff - bo->offset >= bo->size)
				continue;
			fd = find_fd(k->gpu_id, e->ctx_id);
			if (fd < 0)
				break;	/* maybe another context of the same device */
			r = vxpu_bo_info(fd, bo->handle, &bi);
			if (r) {
				vxp_err("BO_INFO of restored handle %u: %s", bo->handle, vxpu_strerror(r));
				return -1;
			}
			*new_pgoff = bi.mmap_offset + (pgoff - bo->offset);
#ifdef VXPU_CRIU_OWNS_VMA_FD
			/* CRIU >= 3.19 closes this fd after the mmap: give it a dup of the task's */
			fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
			if (fd < 0) {
				vxp_err("cannot dup the restored file of context %u for its mapping: %s",
					e->ctx_id, strerror(errno));
				return -1;
			}
#endif
			*plugin_fd = fd;
			return 1;
		}
	}
	return 0;
}

static int vxpu_update_vma_map(const char *in_path, const uint64_t addr, const uint64_t old_pgoff,
			       uint64_t *new_pgoff, int *plugin_fd)
{
	char path[PATH_MAX];
	dev_t rdev;
	int r;

	snprintf(path, sizeof(path), "%s", in_path);
	normalize(path);
	r = lookup(path, old_pgoff, new_pgoff, plugin_fd);
	if (r == 0 && !images_loaded) {
		load_images();
		r = lookup(path, old_pgoff, new_pgoff, plugin_fd);
	}
	if (r == 1) {
		vxp_debug("mapping %#" PRIx64 " of %s: offset %#" PRIx64 " -> %#" PRIx64 " (fd %d)",
			  addr, path, old_pgoff, *new_pgoff, *plugin_fd);
		return 1;
	}
	if (r == 0 && vxp_is_vxpu_path(path, &rdev))
		vxp_err("mapping %#" PRIx64 " of %s at offset %#" PRIx64 ": no restored vxpu "
			 "context of this process has that BO (was its fd closed after mmap? such a "
			 "context is not dumped, and its mappings cannot be restored)",
			 addr, path, old_pgoff);
	/* not found: another plugin's device maybe (CRIU asks the next on -ENOTSUP) */
	return r < 0 ? r : -ENOTSUP;
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__UPDATE_VMA_MAP, vxpu_update_vma_map)

static int vxpu_resume_devices_late(int pid)
{
	struct vxpu_device_desc devs[VXPU_MAX_DEVICES];
	int n = vxpu_discover(NULL, devs, VXPU_MAX_DEVICES), resumed = 0, ret = 0;

	if (n <= 0)
		return -ENOTSUP;
	if (n > VXPU_MAX_DEVICES)
		n = VXPU_MAX_DEVICES;
	for (int i = 0; i < n; i++) {
		struct drm_vxpu_criu a = { .op = VXPU_CRIU_RESUME, .pid = (uint32_t)pid };
		int fd = vxpu_open_node(devs[i].node), r;

		if (fd < 0) {
			vxp_err("cannot open %s to resume pid %d: %s", devs[i].node, pid,
				vxpu_strerror(fd));
			ret = fd;
			continue;
		}
		r = criu_op(fd, &a);
		close(fd);
		if (r == -ENOENT)
			continue;
		if (r) {
			vxp_err("RESUME of pid %d on device %u (gpu %#x): %s", pid, devs[i].info.index,
				devs[i].info.gpu_id, vxpu_strerror(r));
			ret = r;
			continue;
		}
		resumed++;
		vxp_info("pid %d: queues resumed on device %u (gpu %#x)", pid, devs[i].info.index,
			 devs[i].info.gpu_id);
	}
	return ret ? vxp_hook_err(ret) : (resumed ? 0 : -ENOTSUP);
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__RESUME_DEVICES_LATE, vxpu_resume_devices_late)
