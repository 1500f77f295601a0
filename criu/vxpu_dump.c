// SPDX-License-Identifier: MIT
/*
 * vxpu CRIU plugin, dump side.
 *
 * DUMP_EXT_FILE runs in criu, on criu's copy of the dumped task's device
 * file (CRIU is the task's ptrace parent, as DRM_VXPU_CRIU requires):
 * PROCESS_INFO pauses the context and keeps the pause in a pause fd,
 * CHECKPOINT fills the BO buckets (a dma-buf per owned BO) and the
 * private data; the BO contents go to content files through the
 * dma-bufs' mappings with several threads, the metadata to
 * vxpu-ctx-<id>.img. The pause is held until exit(DUMP): CRIU dumps the
 * memory pages after the files, so the device may not write into
 * host-visible memory until then. exit(DUMP) drops every pause, after a
 * failed dump too; if criu dies, the kernel closes the pause fds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <criu-plugin.h>

#include "libvxpu.h"
#include "plugin.h"
#include "vxpu_image.h"

/* the first bytes of the kernel's private data (kernel/vxpu_criu_image.h), read only
 * for `image show`'s counts; anything else is left opaque */
struct priv_hdr {
	uint64_t magic;
	uint32_t version, header_size;
	uint64_t total_size;
	uint32_t ctx_id, flags;
	uint64_t quota;
	uint32_t asid_next, queue_next, event_next;
	uint32_t nr_asids, nr_maps, nr_queues, nr_events, pad;
};
_Static_assert(sizeof(struct priv_hdr) == 72, "private data header");
#define PRIV_MAGIC	0x5550585655495243ULL	/* "CRIUVXPU" */

struct paused {
	int fd;			/* our dup of the context's file */
	int pause_fd;
	uint32_t gpu_id, ctx_id;
	struct paused *next;
};

static struct paused *paused;
static int progress_fd = -1;	/* set in init, closed in fini: no writer thread then */
static atomic_bool progress_broken;
static _Atomic uint64_t prog_done, prog_total;

/* called by the writer threads: a failed write only stops the progress reports */
static void tick(void)
{
	char b[48];
	int l;

	if (progress_fd < 0 || atomic_load(&progress_broken))
		return;
	l = snprintf(b, sizeof(b), "%020" PRIu64 " %020" PRIu64 "\n",
		     (uint64_t)atomic_load(&prog_done), (uint64_t)atomic_load(&prog_total));
	if (pwrite(progress_fd, b, (size_t)l, 0) < 0)
		atomic_store(&progress_broken, true);
}

int vxp_dump_init(void)
{
	const char *p = getenv("VXPU_PROGRESS");

	atomic_store(&progress_broken, false);
	if (p && *p) {
		progress_fd = open(p, O_WRONLY | O_CLOEXEC);
		if (progress_fd < 0)
			vxp_warn("cannot open the progress file %s: %s", p, strerror(errno));
	}
	return 0;
}

static int criu_op(int fd, struct drm_vxpu_criu *a)
{
	return vxp_criu(fd, a);
}

/*
 * One UNPAUSE per pause kept, all of them before any pause fd is closed:
 * UNPAUSE drops the context's oldest active pause, and closing a pause fd
 * drops that fd's pause if still active. A context paused twice
 * (CHECKPOINT_DEVICES, then DUMP_EXT_FILE) would otherwise lose its second
 * pause to the first close, and its second UNPAUSE would fail (-EINVAL).
 */
static void unpause_all(void)
{
	for (struct paused *p = paused; p; p = p->next) {
		struct drm_vxpu_criu a = { .op = VXPU_CRIU_UNPAUSE };
		int r = criu_op(p->fd, &a);

		if (r)
			vxp_warn("UNPAUSE of context %u on gpu %#x: %s (closing its pause fd "
				 "instead)", p->ctx_id, p->gpu_id, vxpu_strerror(r));
		else
			vxp_info("context %u on gpu %#x unpaused", p->ctx_id, p->gpu_id);
	}
	while (paused) {
		struct paused *p = paused;

		close(p->pause_fd);
		close(p->fd);
		paused = p->next;
		free(p);
	}
}

void vxp_dump_fini(int ret)
{
	vxp_info("dump %s: unpausing the dumped contexts", ret ? "failed" : "done");
	unpause_all();
	if (progress_fd >= 0)
		close(progress_fd);
	progress_fd = -1;
}

static int keep_pause(int fd, int pause_fd, uint32_t gpu_id, uint32_t ctx_id)
{
	struct paused *p = calloc(1, sizeof(*p));

	if (p)
		p->fd = dup(fd);
	if (!p || p->fd < 0) {
		free(p);
		close(pause_fd);	/* the pause ends here, the dump will fail */
		return -ENOMEM;
	}
	p->pause_fd = pause_fd;
	p->gpu_id = gpu_id;
	p->ctx_id = ctx_id;
	p->next = paused;
	paused = p;
	return 0;
}

static const char *op_hint(int r)
{
	switch (r) {
	case -ENOTTY:
	case -EINVAL:
		return " (does this vxpu.ko have checkpoint/restore, VXPU_CAP_CRIU?)";
	case -EPERM:
		return " (criu needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN)";
	default:
		return "";
	}
}

static void free_entry(VxpuCtxEntry *e)
{
	for (size_t i = 0; i < e->n_bos; i++) {
		free(e->bos[i]->content);
		free(e->bos[i]->chunk_sums);
		free(e->bos[i]);
	}
	free(e->bos);
	free(e->device->dump_path);
	free(e->device->name);
}

/* write the contents of the owned BOs; closes every dma-buf fd of @bk */
static int dump_contents(int dirfd, VxpuCtxEntry *e, struct drm_vxpu_criu_bo_bucket *bk)
{
	struct vxi_bo_job *jobs = NULL;
	double t0 = vxp_now();
	char err[VXI_ERR];
	void **maps;
	size_t nj = 0;
	int r;

	r = vxp_map_bos(e, bk, PROT_READ, &maps);
	if (!r) {
		r = vxi_open_jobs(dirfd, e, maps, O_WRONLY | O_CREAT | O_TRUNC, &jobs, &nj, err);
		if (!r)
			r = vxi_bo_io(VXI_IO_DUMP, jobs, nj, e->chunk_size, 0, &prog_done, tick,
				      err);
		if (!r && nj)
			vxp_test_stall("dump");
		if (!r && vxp_test_fail("dump"))
			r = -EIO;
		if (r)
			vxp_err("%s", err);
		if (jobs) {
			int c = vxi_close_jobs(jobs, nj, err);

			if (c && !r) {
				r = c;
				vxp_err("%s", err);
			}
		}
	}
	vxp_unmap_bos(e, bk, maps);
	if (!r)
		vxp_info("file %#x: %zu content files written in %.3f s", e->file_id, nj,
			 vxp_now() - t0);
	return r;
}

static int vxpu_dump_file(int fd, int id)
{
	struct drm_vxpu_criu_bo_bucket *bk = NULL;
	VxpuDeviceEntry dev = VXPU_DEVICE_ENTRY__INIT;
	VxpuCtxEntry e = VXPU_CTX_ENTRY__INIT;
	struct drm_vxpu_device_info di = { 0 };
	struct drm_vxpu_context_info ci = { 0 };
	struct drm_vxpu_criu pi, ck;
	char path[PATH_MAX], lnk[64];
	int dirfd = vxp_image_dir(), r, pause_fd = -1;
	void *priv = NULL;
	ssize_t l;

	if (!vxp_is_vxpu_fd(fd))
		return -ENOTSUP;
	e.device = &dev;
	r = vxpu_device_info(fd, &di);
	if (!r)
		r = vxpu_context_info(fd, &ci);
	if (r) {
		vxp_err("file %#x: DEVICE_INFO/CONTEXT_INFO: %s", id, vxpu_strerror(r));
		return vxp_hook_err(r);
	}
	snprintf(lnk, sizeof(lnk), "/proc/self/fd/%d", fd);
	l = readlink(lnk, path, sizeof(path) - 1);
	if (l <= 0) {
		vxp_err("file %#x: readlink %s: %s", id, lnk, strerror(errno));
		return -EIO;
	}
	path[l] = '\0';
	vxp_info("file %#x: context %u on %s (gpu %#x, device %u)", id, ci.ctx_id, path, di.gpu_id,
		 di.index);

	for (int tries = 0;; tries++) {
		memset(&pi, 0, sizeof(pi));
		pi.op = VXPU_CRIU_PROCESS_INFO;
		r = criu_op(fd, &pi);
		if (r) {
			vxp_err("file %#x: PROCESS_INFO: %s%s", id, vxpu_strerror(r), op_hint(r));
			goto out;
		}
		if (pause_fd >= 0)
			close(pause_fd);	/* the new PROCESS_INFO holds its own pause */
		pause_fd = pi.pause_fd;
		free(bk);
		free(priv);
		bk = calloc(pi.num_bos ? pi.num_bos : 1, sizeof(*bk));
		priv = malloc(pi.priv_data_size ? pi.priv_data_size : 1);
		if (!bk || !priv) {
			r = -ENOMEM;
			vxp_err("file %#x: no memory for %u BO buckets and %llu bytes of private data",
				id, pi.num_bos, (unsigned long long)pi.priv_data_size);
			goto out;
		}
		memset(&ck, 0, sizeof(ck));
		ck.op = VXPU_CRIU_CHECKPOINT;
		ck.bos = (uintptr_t)bk;
		ck.num_bos = pi.num_bos;
		ck.priv_data = (uintptr_t)priv;
		ck.priv_data_size = pi.priv_data_size;
		ck.num_objects = pi.num_objects;
		r = criu_op(fd, &ck);
		if (r == -EAGAIN && tries < 5)
			continue;
		if (r) {
			vxp_err("file %#x: CHECKPOINT: %s%s", id, vxpu_strerror(r), op_hint(r));
			goto out;
		}
		break;
	}
	r = keep_pause(fd, pause_fd, di.gpu_id, ci.ctx_id);
	pause_fd = -1;
	if (r)
		goto out_bufs;
	vxp_info("file %#x: paused; pid %u, %u BOs, %llu objects, %llu bytes of private data", id,
		 pi.pid, pi.num_bos, (unsigned long long)pi.num_objects,
		 (unsigned long long)pi.priv_data_size);

	dev.dump_path = strdup(path);
	dev.name = strndup(di.name, sizeof(di.name));
	dev.user_gpu_id = ck.device.user_gpu_id ? ck.device.user_gpu_id : di.gpu_id;
	dev.index = di.index;
	dev.vram_size = di.vram_size;
	dev.engine_count = di.engine_count;
	dev.caps = di.caps;
	e.file_id = (uint32_t)id;
	e.owner_pid = pi.pid;
	e.ctx_id = ci.ctx_id;
	e.num_objects = pi.num_objects;
	e.chunk_size = VXI_CHUNK;
	e.part_size = VXI_PART;
	e.priv_data.data = priv;
	e.priv_data.len = pi.priv_data_size;
	e.priv_sum = vxi_sum(priv, pi.priv_data_size);
	if (pi.priv_data_size >= sizeof(struct priv_hdr)) {
		struct priv_hdr h;

		memcpy(&h, priv, sizeof(h));
		if (h.magic == PRIV_MAGIC && h.version == 1 && h.header_size == sizeof(h)) {
			e.has_nr_asids = e.has_nr_maps = e.has_nr_queues = e.has_nr_events = 1;
			e.has_quota = 1;
			e.nr_asids = h.nr_asids;
			e.nr_maps = h.nr_maps;
			e.nr_queues = h.nr_queues;
			e.nr_events = h.nr_events;
			e.quota = h.quota;
		}
	}
	e.bos = calloc(pi.num_bos ? pi.num_bos : 1, sizeof(*e.bos));
	if (!dev.dump_path || !dev.name || !e.bos) {
		r = -ENOMEM;
		goto out_bufs;
	}
	for (uint32_t i = 0; i < pi.num_bos; i++) {
		VxpuBoEntry *b = calloc(1, sizeof(*b));
		char name[64];

		if (!b) {
			r = -ENOMEM;
			goto out_bufs;
		}
		vxpu_bo_entry__init(b);
		e.bos[e.n_bos++] = b;
		b->handle = bk[i].handle;
		b->size = bk[i].size;
		b->offset = bk[i].offset;
		b->placement = bk[i].placement;
		b->flags = bk[i].flags;
		b->owner_ctx_id = bk[i].owner_ctx_id;
		if (bk[i].dmabuf_fd < 0) {
			if (!(b->flags & VXPU_CRIU_BO_IMPORTED)) {
				vxp_err("file %#x: BO handle %u has no dma-buf but is not imported", id,
					b->handle);
				r = -EINVAL;
				goto out_bufs;
			}
			/* its contents are in the owner's image: the owner must be dumped */
			if (!vxp_ctx_seized(di.gpu_id, b->owner_ctx_id)) {
				vxp_err("file %#x: BO handle %u is imported from context %u on gpu %#x, "
					"which no dumped task holds an fd of: its contents would not be "
					"in the image; dump the process that owns it too", id, b->handle,
					b->owner_ctx_id, di.gpu_id);
				r = -EINVAL;
				goto out_bufs;
			}
			continue;
		}
		vxi_bo_name(name, sizeof(name), e.file_id, b->handle);
		b->content = strdup(name);
		b->n_chunk_sums = vxi_nchunks(b->size, e.chunk_size);
		b->chunk_sums = calloc(b->n_chunk_sums, sizeof(uint64_t));
		if (!b->content || !b->chunk_sums) {
			r = -ENOMEM;
			goto out_bufs;
		}
		if (b->placement == VXPU_BO_VRAM)
			e.vram_needed += b->size;
		else
			e.gtt_needed += b->size;
	}
	atomic_fetch_add(&prog_total, e.vram_needed + e.gtt_needed);
	tick();
	r = dump_contents(dirfd, &e, bk);
bk_closed:
	if (!r) {
		char err[VXI_ERR];

		r = vxi_write_ctx(dirfd, &e, err);
		if (r)
			vxp_err("%s", err);
	}
	if (!r)
		vxp_info("file %#x: dumped %zu BOs (%" PRIu64 " bytes of VRAM, %" PRIu64 " of GTT "
			 "owned) and %llu bytes of private data", id, e.n_bos, e.vram_needed,
			 e.gtt_needed, (unsigned long long)pi.priv_data_size);
	free_entry(&e);
	free(bk);
	free(priv);
	return vxp_hook_err(r);
out_bufs:
	for (uint32_t i = 0; i < pi.num_bos; i++)
		if (bk[i].dmabuf_fd >= 0)
			close(bk[i].dmabuf_fd);
	pi.num_bos = 0;
	goto bk_closed;
out:
	if (pause_fd >= 0)
		close(pause_fd);
	free(bk);
	free(priv);
	return vxp_hook_err(r);
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__DUMP_EXT_FILE, vxpu_dump_file)

#ifdef VXPU_HAVE_CHECKPOINT_DEVICES
/*
 * CRIU 4: CHECKPOINT_DEVICES(pid) runs for every task of the tree once all
 * of them are seized, before any task's files or memory are dumped. Pause
 * every vxpu context the task holds an fd of (pidfd_getfd gives criu the
 * task's own file), so that no queue of the tree runs on while the BO
 * contents are dumped (one writing into a BO another task owns, say);
 * DUMP_EXT_FILE later pauses once more (pauses nest) and checkpoints. Each
 * pause is kept like DUMP_EXT_FILE's and undone in exit(DUMP).
 * Not PAUSE_DEVICES: CRIU calls it before it seizes the task, when criu is
 * not yet the task's ptrace parent, and PROCESS_INFO refuses it (-EPERM).
 */
static int vxpu_checkpoint_devices(int pid)
{
	struct vxp_task_fd *v;
	int m = vxp_task_fds(pid, &v), n = 0;

	for (int i = 0; i < m; i++) {
		struct drm_vxpu_device_info di;
		struct drm_vxpu_context_info ci;
		struct drm_vxpu_criu pi = { .op = VXPU_CRIU_PROCESS_INFO };
		int r;

		if (vxpu_device_info(v[i].fd, &di) || vxpu_context_info(v[i].fd, &ci))
			continue;
		r = criu_op(v[i].fd, &pi);
		if (r)		/* DUMP_EXT_FILE tries again and fails the dump, logged */
			vxp_debug("pid %d: early PROCESS_INFO of context %u on gpu %#x: %s", pid,
				  ci.ctx_id, di.gpu_id, vxpu_strerror(r));
		else if (keep_pause(v[i].fd, pi.pause_fd, di.gpu_id, ci.ctx_id) == 0)
			n++;
	}
	if (m > 0)
		vxp_task_fds_close(v, m);
	if (n)
		vxp_info("pid %d: paused %d vxpu contexts before the dump", pid, n);
	return n ? 0 : -ENOTSUP;
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__CHECKPOINT_DEVICES, vxpu_checkpoint_devices)
#endif
