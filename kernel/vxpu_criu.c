// SPDX-License-Identifier: GPL-2.0
/*
 * vxpu: checkpoint and restore of a context (DRM_VXPU_CRIU), after the
 * AMD KFD CRIU design. The kernel-doc of struct drm_vxpu_criu is the
 * contract; this file implements its five ops:
 *
 * PROCESS_INFO  pauses the context (vxpu_ctx_pause()) and hands the pause
 *               to an anon-inode file, the "pause fd": closing it (or its
 *               holder dying) undoes the pause unless UNPAUSE did.
 * CHECKPOINT    one BO bucket per GEM handle of the file (ascending), a
 *               dma-buf fd per owned BO, and the private data blob
 *               written by the portable codec (vxpu_criu_image.c).
 * UNPAUSE       drops the pause of the oldest live pause fd.
 * RESTORE       rebuilds a fresh context from buckets and blob (parsed
 *               and validated by the codec first): context id and quota,
 *               BOs at their handles, ASIDs, mappings, queues with their
 *               execution state, events, id cursors. The queues stay
 *               paused (the "restore pause") until RESUME. Owned BOs are
 *               published in the device's registry under (restore
 *               cookie, user gpu id, old offset) so that contexts that
 *               had imported them attach to them; the entries live until
 *               the owner is resumed or closed. Any error undoes
 *               everything.
 * RESUME        drops the restore pause of this context, or of every
 *               restored context of a process on the device.
 *
 * A rejected image is logged (rate limited, at info level) with the
 * codec's reason.
 *
 * Locks (see vxpu_drv.h): ctx->criu_lock serializes the ops of a context
 * and guards its pause list and restore_pending; vdev->criu_lock guards
 * the registry.
 */
#include <linux/anon_inodes.h>
#include <linux/bsearch.h>
#include <linux/capability.h>
#include <linux/dma-buf.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_prime.h>
#include <drm/drm_print.h>
#include <drm/drm_vma_manager.h>

#include "vxpu_drv.h"
#include "vxpu_criu_image.h"

/* A PROCESS_INFO pause, owned by its pause fd. */
struct vxpu_criu_pause {
	struct list_head link;		/* on ctx->criu_pauses */
	struct vxpu_ctx *ctx;		/* a reference */
	bool active;			/* still holds its vxpu_ctx_pause() */
};

/* A BO of a pending restore, for the contexts that imported it. */
struct vxpu_criu_shared {
	struct hlist_node node;		/* in vdev->criu_shared */
	u64 cookie;
	u64 offset;			/* the BO's mmap offset at checkpoint */
	u32 gpu_id;			/* the user gpu id at checkpoint */
	struct vxpu_ctx *ctx;		/* the restored owner (no reference) */
	struct vxpu_bo *bo;		/* a reference */
};

/* A BO handle of a file, with a reference on the BO. */
struct vxpu_criu_bo {
	struct vxpu_bo *bo;
	u32 handle;
	u32 idx;			/* RESTORE: its bucket */
};

struct vxpu_criu_counts {
	u32 bos;
	u32 asids;
	u32 maps;
	u32 queues;
	u32 events;
};

void vxpu_criu_device_init(struct vxpu_device *vdev)
{
	mutex_init(&vdev->criu_lock);
	hash_init(vdev->criu_shared);
}

void vxpu_criu_device_fini(struct vxpu_device *vdev)
{
	WARN_ON(!hash_empty(vdev->criu_shared));
	mutex_destroy(&vdev->criu_lock);
}

void vxpu_criu_ctx_init(struct vxpu_ctx *ctx)
{
	mutex_init(&ctx->criu_lock);
	INIT_LIST_HEAD(&ctx->criu_pauses);
}

/* ---- the shared-BO registry ------------------------------------------- */

static u64 vxpu_criu_key(u64 cookie, u32 gpu_id, u64 offset)
{
	return cookie ^ offset ^ ((u64)gpu_id << 32);
}

/* The registered BO (a new reference) for this key, or NULL. */
static struct vxpu_bo *vxpu_criu_lookup(struct vxpu_device *vdev, u64 cookie,
					u32 gpu_id, u64 offset)
{
	struct vxpu_criu_shared *e;
	struct vxpu_bo *bo = NULL;

	mutex_lock(&vdev->criu_lock);
	hash_for_each_possible(vdev->criu_shared, e, node,
			       vxpu_criu_key(cookie, gpu_id, offset)) {
		if (e->cookie == cookie && e->gpu_id == gpu_id &&
		    e->offset == offset) {
			bo = e->bo;
			drm_gem_object_get(&bo->base);
			break;
		}
	}
	mutex_unlock(&vdev->criu_lock);
	return bo;
}

/*
 * Publish @n prepared entries; one whose key is already there (the same
 * image restored twice with one cookie) is dropped: the first one wins.
 */
static void vxpu_criu_publish(struct vxpu_device *vdev,
			      struct vxpu_criu_shared **ents, u32 n)
{
	struct vxpu_criu_shared *e, *old;
	struct hlist_node *tmp;
	HLIST_HEAD(dup);
	bool found;
	u32 i;

	mutex_lock(&vdev->criu_lock);
	for (i = 0; i < n; i++) {
		e = ents[i];
		found = false;
		hash_for_each_possible(vdev->criu_shared, old, node,
				       vxpu_criu_key(e->cookie, e->gpu_id,
						     e->offset)) {
			if (old->cookie == e->cookie &&
			    old->gpu_id == e->gpu_id &&
			    old->offset == e->offset) {
				found = true;
				break;
			}
		}
		if (found)
			hlist_add_head(&e->node, &dup);
		else
			hash_add(vdev->criu_shared, &e->node,
				 vxpu_criu_key(e->cookie, e->gpu_id,
					       e->offset));
	}
	mutex_unlock(&vdev->criu_lock);

	hlist_for_each_entry_safe(e, tmp, &dup, node) {
		drm_gem_object_put(&e->bo->base);
		kfree(e);
	}
}

/* Remove every entry that @ctx's restore published. */
static void vxpu_criu_unpublish(struct vxpu_ctx *ctx)
{
	struct vxpu_device *vdev = ctx->vdev;
	struct vxpu_criu_shared *e;
	struct hlist_node *tmp;
	HLIST_HEAD(gone);
	int bkt;

	mutex_lock(&vdev->criu_lock);
	hash_for_each_safe(vdev->criu_shared, bkt, tmp, e, node) {
		if (e->ctx != ctx)
			continue;
		hash_del(&e->node);
		hlist_add_head(&e->node, &gone);
	}
	mutex_unlock(&vdev->criu_lock);

	/* Dropping BO references: no lock held (vxpu_drv.h). */
	hlist_for_each_entry_safe(e, tmp, &gone, node) {
		drm_gem_object_put(&e->bo->base);
		kfree(e);
	}
}

/* ---- permission ----------------------------------------------------------- */

/*
 * CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN, and the caller is the thread
 * group that opened @ctx's file or the ptrace parent of that group's
 * leader (CRIU while it dumps and restores).
 */
static int vxpu_criu_allowed(struct vxpu_ctx *ctx)
{
	struct task_struct *task, *tracer;
	bool ok;

	if (!capable(CAP_CHECKPOINT_RESTORE) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (ctx->owner == task_tgid(current))
		return 0;

	task = get_pid_task(ctx->owner, PIDTYPE_TGID);
	if (!task)
		return -EPERM;
	rcu_read_lock();
	tracer = ptrace_parent(task);
	ok = tracer && same_thread_group(tracer, current);
	rcu_read_unlock();
	put_task_struct(task);
	return ok ? 0 : -EPERM;
}

/* ---- counting and collecting ------------------------------------------- */

static u64 vxpu_criu_priv_size(const struct vxpu_criu_counts *c)
{
	return vxpu_img_size(c->asids, c->maps, c->queues, c->events);
}

static u64 vxpu_criu_num_objects(const struct vxpu_criu_counts *c)
{
	return (u64)c->asids + c->maps + c->queues + c->events;
}

/*
 * Count what a checkpoint of @ctx holds. -E2BIG when the image could not
 * hold it (more objects than the image format allows, or a GEM handle
 * above VXPU_CRIU_HANDLE_MAX).
 */
static int vxpu_criu_count(struct drm_file *file, struct vxpu_ctx *ctx,
			   struct vxpu_criu_counts *c)
{
	struct drm_gem_object *obj;
	struct vxpu_asid *asid;
	struct vxpu_queue *q;
	struct vxpu_event *ev;
	unsigned long id;
	u64 maps = 0;
	int handle;
	bool big = false;

	memset(c, 0, sizeof(*c));
	spin_lock(&file->table_lock);
	idr_for_each_entry(&file->object_idr, obj, handle) {
		c->bos++;
		if ((u32)handle > VXPU_CRIU_HANDLE_MAX)
			big = true;
	}
	spin_unlock(&file->table_lock);

	mutex_lock(&ctx->asid_lock);
	xa_for_each(&ctx->asids, id, asid) {
		c->asids++;
		mutex_lock(&asid->lock);
		maps += asid->mapping_count;
		mutex_unlock(&asid->lock);
	}
	mutex_unlock(&ctx->asid_lock);
	/* Only counted: no entry is dereferenced. */
	xa_for_each(&ctx->queues, id, q)
		c->queues++;
	xa_for_each(&ctx->events, id, ev)
		c->events++;

	if (big || c->bos > VXPU_CRIU_BO_MAX || maps > VXPU_IMG_MAX_MAPS ||
	    c->asids > VXPU_IMG_MAX_ASIDS || c->queues > VXPU_IMG_MAX_QUEUES ||
	    c->events > VXPU_IMG_MAX_EVENTS)
		return -E2BIG;
	c->maps = maps;
	return 0;
}

static void vxpu_criu_put_bos(struct vxpu_criu_bo *bos, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		if (bos[i].bo)
			drm_gem_object_put(&bos[i].bo->base);
		bos[i].bo = NULL;
	}
}

/*
 * Every handle of @file in ascending order with a BO reference each, into
 * @out of @max entries. Returns the number, or -EAGAIN if there are more.
 */
static int vxpu_criu_collect_bos(struct drm_file *file,
				 struct vxpu_criu_bo *out, u32 max)
{
	struct drm_gem_object *obj;
	int handle, ret;
	u32 n = 0;

	spin_lock(&file->table_lock);
	idr_for_each_entry(&file->object_idr, obj, handle) {
		if (n == max) {
			n++;
			break;
		}
		drm_gem_object_get(obj);
		out[n].bo = to_vxpu_bo(obj);
		out[n].handle = handle;
		n++;
	}
	spin_unlock(&file->table_lock);

	ret = n;
	if (n > max) {
		vxpu_criu_put_bos(out, max);
		ret = -EAGAIN;
	}
	return ret;
}

static int vxpu_criu_cmp_bo(const void *a, const void *b)
{
	const struct vxpu_criu_bo *x = a, *y = b;

	if (x->bo != y->bo)
		return x->bo < y->bo ? -1 : 1;
	return x->handle < y->handle ? -1 : x->handle > y->handle;
}

static int vxpu_criu_cmp_handle(const void *a, const void *b)
{
	const struct vxpu_criu_bo *x = a, *y = b;

	return x->handle < y->handle ? -1 : x->handle > y->handle;
}

/* The handle of @bo in @by_bo (sorted by BO), or 0 if it has none. */
static u32 vxpu_criu_handle_of(const struct vxpu_criu_bo *by_bo, u32 n,
			       struct vxpu_bo *bo)
{
	struct vxpu_criu_bo key = { .bo = bo };
	u32 lo = 0, hi = n;

	/* The lowest handle of @bo: a lower bound on (bo, 0). */
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (vxpu_criu_cmp_bo(&by_bo[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && by_bo[lo].bo == bo ? by_bo[lo].handle : 0;
}

/* ---- pause fd ----------------------------------------------------------- */

static int vxpu_criu_pause_release(struct inode *inode, struct file *filp)
{
	struct vxpu_criu_pause *p = filp->private_data;
	struct vxpu_ctx *ctx = p->ctx;
	struct drm_device *drm = &ctx->vdev->drm;

	mutex_lock(&ctx->criu_lock);
	if (p->active)
		vxpu_ctx_resume(ctx);
	list_del(&p->link);
	mutex_unlock(&ctx->criu_lock);

	kfree(p);
	vxpu_ctx_put(ctx);
	drm_dev_put(drm);
	return 0;
}

static const struct file_operations vxpu_criu_pause_fops = {
	.owner		= THIS_MODULE,
	.release	= vxpu_criu_pause_release,
	.llseek		= noop_llseek,
};

static bool vxpu_criu_paused(struct vxpu_ctx *ctx)
{
	struct vxpu_criu_pause *p;

	lockdep_assert_held(&ctx->criu_lock);
	list_for_each_entry(p, &ctx->criu_pauses, link) {
		if (p->active)
			return true;
	}
	return false;
}

/* ---- PROCESS_INFO, UNPAUSE ---------------------------------------------- */

static int vxpu_criu_process_info(struct drm_file *file, struct vxpu_ctx *ctx,
				  struct drm_vxpu_criu *args)
{
	struct vxpu_criu_counts c;
	struct vxpu_criu_pause *p;
	int fd, ret;

	/* Grants (as backend or frontend) are not checkpointed. */
	if (vxpu_grant_ctx_busy(ctx))
		return -EBUSY;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	ret = vxpu_ctx_pause(ctx);
	if (ret)
		goto err_free;
	/* Paused: nothing the engines do changes the counts any more. */
	ret = vxpu_criu_count(file, ctx, &c);
	if (ret)
		goto err_resume;

	p->ctx = ctx;
	p->active = true;
	kref_get(&ctx->ref);
	drm_dev_get(&ctx->vdev->drm);
	list_add_tail(&p->link, &ctx->criu_pauses);
	fd = anon_inode_getfd("vxpu-criu-pause", &vxpu_criu_pause_fops, p,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		list_del(&p->link);
		vxpu_ctx_put(ctx);
		drm_dev_put(&ctx->vdev->drm);
		ret = fd;
		goto err_resume;
	}

	args->num_bos = c.bos;
	args->num_objects = vxpu_criu_num_objects(&c);
	args->priv_data_size = vxpu_criu_priv_size(&c);
	args->pid = pid_vnr(ctx->owner);
	args->pause_fd = fd;
	return 0;

err_resume:
	vxpu_ctx_resume(ctx);
err_free:
	kfree(p);
	return ret;
}

static int vxpu_criu_unpause(struct vxpu_ctx *ctx)
{
	struct vxpu_criu_pause *p;

	list_for_each_entry(p, &ctx->criu_pauses, link) {
		if (p->active) {
			p->active = false;
			vxpu_ctx_resume(ctx);
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- CHECKPOINT ---------------------------------------------------------- */

struct vxpu_criu_ckpt {
	struct vxpu_img img;
	struct vxpu_img_asid *asids;
	struct vxpu_img_map *maps;
	struct vxpu_img_queue *queues;
	struct vxpu_img_event *events;
	/* The file's handles, sorted by BO (for handle lookups). */
	struct vxpu_criu_bo *by_bo;
	u32 nbos;
};

static int vxpu_criu_save_asids(struct vxpu_ctx *ctx, struct vxpu_criu_ckpt *ck,
				const struct vxpu_criu_counts *c)
{
	struct vxpu_img_header *h = &ck->img.hdr;
	struct drm_mm_node *node;
	struct vxpu_asid *asid;
	unsigned long id;
	int ret = 0;

	mutex_lock(&ctx->asid_lock);
	h->asid_next = ctx->asid_next;
	xa_for_each(&ctx->asids, id, asid) {
		if (h->nr_asids == c->asids) {
			ret = -EAGAIN;
			break;
		}
		ck->asids[h->nr_asids++].id = id;
		mutex_lock(&asid->lock);
		drm_mm_for_each_node(node, &asid->mm) {
			struct vxpu_mapping *m =
				container_of(node, struct vxpu_mapping, node);
			struct vxpu_img_map *im = &ck->maps[h->nr_maps];

			if (h->nr_maps == c->maps) {
				ret = -EAGAIN;
				break;
			}
			im->handle = vxpu_criu_handle_of(ck->by_bo, ck->nbos,
							 m->bo);
			/* Mapped, but its handle is closed: not nameable. */
			if (!im->handle) {
				ret = -EOPNOTSUPP;
				break;
			}
			im->asid = id;
			im->va = node->start;
			im->size = node->size;
			im->bo_offset = m->bo_offset;
			im->perm = m->perm;
			h->nr_maps++;
		}
		mutex_unlock(&asid->lock);
		if (ret)
			break;
	}
	mutex_unlock(&ctx->asid_lock);
	return ret;
}

static int vxpu_criu_save_queues(struct vxpu_ctx *ctx,
				 struct vxpu_criu_ckpt *ck,
				 const struct vxpu_criu_counts *c)
{
	struct vxpu_img_header *h = &ck->img.hdr;
	struct vxpu_queue_state st;
	struct vxpu_queue *q;
	unsigned long id;
	int ret = 0;

	xa_lock(&ctx->queues);
	h->queue_next = ctx->queue_next;
	xa_unlock(&ctx->queues);

	for (id = 0; (q = vxpu_queue_next(ctx, &id)); id++) {
		struct vxpu_img_queue *iq = &ck->queues[h->nr_queues];

		if (h->nr_queues == c->queues) {
			vxpu_queue_put(q);
			return -EAGAIN;
		}
		iq->ring_handle = vxpu_criu_handle_of(ck->by_bo, ck->nbos,
						      q->ring_bo);
		if (!iq->ring_handle) {
			vxpu_queue_put(q);
			return -EOPNOTSUPP;
		}
		vxpu_queue_save(q, &st);
		/* A STALLED queue (grants) has no image representation. */
		if (st.state != VXPU_QUEUE_IDLE &&
		    st.state != VXPU_QUEUE_RUNNING &&
		    st.state != VXPU_QUEUE_WAITING &&
		    st.state != VXPU_QUEUE_ERROR) {
			vxpu_queue_put(q);
			return -EBUSY;
		}
		iq->id = q->id;
		iq->asid = q->asid->id;
		iq->ring_entries = q->ring_entries;
		iq->ring_offset = q->ring_offset;
		iq->priority = q->priority;
		iq->state = st.state;
		iq->rptr = st.rptr;
		iq->wptr = st.wptr;
		iq->bytes = st.bytes;
		iq->chunks = st.chunks;
		iq->pkt_valid = st.pkt_valid;
		iq->pkt = st.pkt;
		iq->exec = st.exec;
		iq->fault = st.fault;
		h->nr_queues++;
		vxpu_queue_put(q);
	}
	return ret;
}

static int vxpu_criu_save_events(struct vxpu_ctx *ctx,
				 struct vxpu_criu_ckpt *ck,
				 const struct vxpu_criu_counts *c)
{
	struct vxpu_img_header *h = &ck->img.hdr;
	struct vxpu_event *ev;
	unsigned long id;

	xa_lock(&ctx->events);
	h->event_next = ctx->event_next;
	xa_unlock(&ctx->events);

	for (id = 0; (ev = vxpu_event_next(ctx, &id)); id++) {
		if (h->nr_events == c->events) {
			vxpu_event_put(ev);
			return -EAGAIN;
		}
		ck->events[h->nr_events].id = id;
		ck->events[h->nr_events].value = atomic64_read(&ev->value);
		h->nr_events++;
		vxpu_event_put(ev);
	}
	return 0;
}

/*
 * The dma-buf fds CHECKPOINT and RESTORE hand out. Where the kernel makes
 * a dma-buf without an fd, each fd is only reserved until the ioctl can
 * no longer fail, then installed: an error path gives back what it
 * reserved and never touches the caller's fd table. Older kernels install
 * each fd as it is made, and an error path closes it by number (as amdkfd
 * does there), which closes another file if a thread of the caller closed
 * and reused that number in between.
 *
 * The export goes by handle: when @obj is given, -EAGAIN if @handle no
 * longer names it (another holder of the file closed it, or reused it).
 */
static int vxpu_criu_make_fd(struct drm_file *file, u32 handle,
			     struct drm_gem_object *obj, s32 *fd,
			     struct file **filp)
{
	struct drm_device *dev = file->minor->dev;
	struct drm_gem_object *now;
	struct dma_buf *dmabuf;
	int ret;

	*filp = NULL;
	if (!vxpu_prime_fd_late) {
		ret = drm_gem_prime_handle_to_fd(dev, file, handle,
						 O_RDWR | O_CLOEXEC, fd);
		if (ret == -ENOENT && obj)
			return -EAGAIN;
		if (ret || !obj)
			return ret;
		now = drm_gem_object_lookup(file, handle);
		if (now)
			drm_gem_object_put(now);
		if (now == obj)
			return 0;
		close_fd(*fd);
		return -EAGAIN;
	}
	dmabuf = vxpu_prime_handle_to_dmabuf(dev, file, handle,
					     O_RDWR | O_CLOEXEC);
	if (dmabuf == ERR_PTR(-ENOENT) && obj)
		return -EAGAIN;
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	if (obj && dmabuf->priv != obj) {
		fput(dmabuf->file);
		return -EAGAIN;
	}
	ret = get_unused_fd_flags(O_CLOEXEC);
	if (ret < 0) {
		fput(dmabuf->file);	/* dma_buf_put(), outside its namespace */
		return ret;
	}
	*fd = ret;
	*filp = dmabuf->file;
	return 0;
}

/* Success: the reserved fds get their files. */
static void vxpu_criu_install_fds(struct drm_vxpu_criu_bo_bucket *bkts,
				  struct file **files, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		if (files[i])
			fd_install(bkts[i].dmabuf_fd, files[i]);
		files[i] = NULL;
	}
}

/* Failure: give back the reserved fds, close the installed ones. */
static void vxpu_criu_drop_fds(struct drm_vxpu_criu_bo_bucket *bkts,
			       struct file **files, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		if (files[i]) {
			put_unused_fd(bkts[i].dmabuf_fd);
			fput(files[i]);
			files[i] = NULL;
		} else if (bkts[i].dmabuf_fd >= 0) {
			close_fd(bkts[i].dmabuf_fd);
		}
		bkts[i].dmabuf_fd = -1;
	}
}

static int vxpu_criu_checkpoint(struct drm_file *file, struct vxpu_ctx *ctx,
				struct drm_vxpu_criu *args)
{
	struct vxpu_device *vdev = ctx->vdev;
	struct drm_vxpu_criu_bo_bucket *bkts = NULL;
	struct vxpu_criu_bo *bos = NULL;
	struct vxpu_criu_ckpt ck = {};
	struct vxpu_criu_counts c;
	struct file **files = NULL;
	void *blob = NULL;
	u32 i, n = 0;
	int ret;

	if (!vxpu_criu_paused(ctx) || vxpu_grant_ctx_busy(ctx))
		return -EBUSY;
	if (args->num_bos > VXPU_CRIU_BO_MAX ||
	    args->priv_data_size > VXPU_CRIU_PRIV_MAX)
		return -EINVAL;
	ret = vxpu_criu_count(file, ctx, &c);
	if (ret)
		return ret;
	if (c.bos != args->num_bos ||
	    vxpu_criu_num_objects(&c) != args->num_objects ||
	    vxpu_criu_priv_size(&c) != args->priv_data_size)
		return -EAGAIN;

	ret = -ENOMEM;
	bos = kvcalloc(c.bos, sizeof(*bos), GFP_KERNEL);
	ck.by_bo = kvcalloc(c.bos, sizeof(*ck.by_bo), GFP_KERNEL);
	bkts = kvcalloc(c.bos, sizeof(*bkts), GFP_KERNEL);
	files = kvcalloc(c.bos, sizeof(*files), GFP_KERNEL);
	ck.asids = kvcalloc(c.asids, sizeof(*ck.asids), GFP_KERNEL);
	ck.maps = kvcalloc(c.maps, sizeof(*ck.maps), GFP_KERNEL);
	ck.queues = kvcalloc(c.queues, sizeof(*ck.queues), GFP_KERNEL);
	ck.events = kvcalloc(c.events, sizeof(*ck.events), GFP_KERNEL);
	blob = kvzalloc(args->priv_data_size, GFP_KERNEL);
	if (!bos || !ck.by_bo || !bkts || !files || !ck.asids || !ck.maps ||
	    !ck.queues || !ck.events || !blob)
		goto out;

	ret = vxpu_criu_collect_bos(file, bos, c.bos);
	if (ret < 0)
		goto out;
	n = ret;
	if (n != c.bos) {
		ret = -EAGAIN;
		goto out;
	}
	memcpy(ck.by_bo, bos, n * sizeof(*bos));
	sort(ck.by_bo, n, sizeof(*ck.by_bo), vxpu_criu_cmp_bo, NULL);
	ck.nbos = n;

	ret = vxpu_criu_save_asids(ctx, &ck, &c);
	if (!ret)
		ret = vxpu_criu_save_queues(ctx, &ck, &c);
	if (!ret)
		ret = vxpu_criu_save_events(ctx, &ck, &c);
	if (ret)
		goto out;
	if (ck.img.hdr.nr_asids != c.asids || ck.img.hdr.nr_maps != c.maps ||
	    ck.img.hdr.nr_queues != c.queues ||
	    ck.img.hdr.nr_events != c.events) {
		ret = -EAGAIN;
		goto out;
	}

	ck.img.hdr.ctx_id = ctx->id;
	spin_lock(&ctx->lock);
	ck.img.hdr.quota = ctx->quota;
	spin_unlock(&ctx->lock);
	ck.img.asids = ck.asids;
	ck.img.maps = ck.maps;
	ck.img.queues = ck.queues;
	ck.img.events = ck.events;
	vxpu_img_write(blob, &ck.img);

	for (i = 0; i < n; i++) {
		struct drm_vxpu_criu_bo_bucket *b = &bkts[i];
		struct vxpu_bo *bo = bos[i].bo;
		struct vxpu_ctx *owner = bo->owner;
		bool imported = false;

		/* Gained since the check above: the image cannot hold it. */
		if (vxpu_bo_is_foreign(&bo->base)) {
			ret = -EBUSY;
			goto out;
		}
		if (owner && owner != ctx) {
			spin_lock(&owner->lock);
			imported = !owner->closed;
			spin_unlock(&owner->lock);
		}
		b->size = bo->base.size;
		b->offset = drm_vma_node_offset_addr(&bo->base.vma_node);
		b->handle = bos[i].handle;
		b->placement = bo->placement;
		b->flags = imported ? VXPU_CRIU_BO_IMPORTED : 0;
		b->owner_ctx_id = owner ? owner->id : 0;
		b->dmabuf_fd = -1;
	}
	for (i = 0; i < n; i++) {
		if (bkts[i].flags & VXPU_CRIU_BO_IMPORTED)
			continue;
		ret = vxpu_criu_make_fd(file, bkts[i].handle,
					&bos[i].bo->base, &bkts[i].dmabuf_fd,
					&files[i]);
		if (ret) {
			bkts[i].dmabuf_fd = -1;
			goto out_close;
		}
	}

	if (copy_to_user(u64_to_user_ptr(args->bos), bkts,
			 array_size(n, sizeof(*bkts))) ||
	    copy_to_user(u64_to_user_ptr(args->priv_data), blob,
			 args->priv_data_size)) {
		ret = -EFAULT;
		goto out_close;
	}
	/*
	 * Another holder of the file may have added a grant or a foreign BO
	 * since the first check; the image cannot hold either.
	 */
	if (vxpu_grant_ctx_busy(ctx)) {
		ret = -EBUSY;
		goto out_close;
	}

	args->device.user_gpu_id = vdev->gpu_id;
	args->device.actual_gpu_id = vdev->gpu_id;
	args->device.vram_size = vdev->vram_size;
	args->device.engine_count = vdev->engine_count;
	args->device.pad = 0;
	vxpu_criu_install_fds(bkts, files, n);
	ret = 0;
	goto out;

out_close:
	vxpu_criu_drop_fds(bkts, files, n);
out:
	if (bos)
		vxpu_criu_put_bos(bos, n);
	kvfree(blob);
	kvfree(ck.events);
	kvfree(ck.queues);
	kvfree(ck.maps);
	kvfree(ck.asids);
	kvfree(files);
	kvfree(bkts);
	kvfree(ck.by_bo);
	kvfree(bos);
	return ret;
}

/* ---- RESTORE ----------------------------------------------------------- */

/* No handle, BO, ASID, queue or event, and no restore pending. */
static bool vxpu_criu_fresh(struct drm_file *file, struct vxpu_ctx *ctx)
{
	bool fresh;

	spin_lock(&file->table_lock);
	fresh = idr_is_empty(&file->object_idr);
	spin_unlock(&file->table_lock);
	spin_lock(&ctx->lock);
	fresh = fresh && !ctx->bo_count;
	spin_unlock(&ctx->lock);
	mutex_lock(&ctx->asid_lock);
	fresh = fresh && !ctx->asid_count;
	mutex_unlock(&ctx->asid_lock);
	return fresh && xa_empty(&ctx->queues) && xa_empty(&ctx->events) &&
	       !ctx->restore_pending;
}

/* Give @ctx the id @id (-EEXIST if another context of the device has it). */
static int vxpu_criu_rekey(struct vxpu_ctx *ctx, u32 id)
{
	struct vxpu_device *vdev = ctx->vdev;
	int ret;

	if (id == ctx->id)
		return 0;
	ret = xa_insert(&vdev->ctxs, id, ctx, GFP_KERNEL);
	if (ret)
		return ret == -EBUSY ? -EEXIST : ret;
	xa_lock(&vdev->ctxs);
	__xa_erase(&vdev->ctxs, ctx->id);
	WRITE_ONCE(ctx->id, id);
	xa_unlock(&vdev->ctxs);

	/* debugfs names the context by its id. */
	vxpu_debugfs_ctx_fini(ctx);
	vxpu_debugfs_ctx_init(ctx);
	return 0;
}

/* The restored BO of @handle (@rb sorted by handle), or NULL. */
static struct vxpu_bo *vxpu_criu_rb_find(struct vxpu_criu_bo *rb, u32 n,
					 u32 handle)
{
	struct vxpu_criu_bo key = { .handle = handle }, *r;

	r = bsearch(&key, rb, n, sizeof(*rb), vxpu_criu_cmp_handle);
	return r ? r->bo : NULL;
}

struct vxpu_criu_rst {
	struct drm_file *file;
	struct vxpu_ctx *ctx;
	struct drm_vxpu_criu *args;
	struct drm_vxpu_criu_bo_bucket *bkts;
	struct vxpu_criu_bo *rb;	/* sorted by handle */
	struct vxpu_criu_shared **pub;	/* one per owned BO */
	struct file **files;		/* dma-bufs of reserved fds */
	u32 npub;
	u32 next_handle;		/* handles 1 .. next_handle - 1 made */
	bool gaps_deleted;		/* ... and the gaps' deleted again */
	struct vxpu_img img;
};

/* Create (or attach) every BO at its handle; gaps get spare handles. */
static int vxpu_criu_restore_bos(struct vxpu_criu_rst *r)
{
	struct vxpu_device *vdev = r->ctx->vdev;
	struct drm_vxpu_criu *args = r->args;
	u32 i, h;
	int ret;

	for (i = 0; i < args->num_bos; i++) {
		struct vxpu_criu_bo *rb = &r->rb[i];
		struct drm_vxpu_criu_bo_bucket *b = &r->bkts[rb->idx];
		struct vxpu_bo *bo;

		if (b->flags & VXPU_CRIU_BO_IMPORTED) {
			bo = vxpu_criu_lookup(vdev, args->restore_cookie,
					      args->device.user_gpu_id,
					      b->offset);
			if (!bo)
				return -EAGAIN;
			rb->bo = bo;
			if (bo->base.size != b->size ||
			    bo->placement != b->placement) {
				dev_info_ratelimited(vdev->drm.dev,
						     "CRIU restore into context %u: image rejected: imported BO %u is not its owner's BO (size or placement)\n",
						     r->ctx->id, i);
				return -EINVAL;
			}
		} else {
			bo = vxpu_bo_create(r->ctx, b->size, b->placement);
			if (IS_ERR(bo))
				return PTR_ERR(bo);
			rb->bo = bo;
		}

		/* The idr gives the lowest free handle: fill the gap. */
		while (r->next_handle <= rb->handle) {
			ret = drm_gem_handle_create(r->file, &bo->base, &h);
			if (ret)
				return ret;
			if (h != r->next_handle) {
				/* Someone else made handles meanwhile. */
				drm_gem_handle_delete(r->file, h);
				return -EBUSY;
			}
			r->next_handle++;
		}
		b->restored_offset =
			drm_vma_node_offset_addr(&bo->base.vma_node);
	}
	return 0;
}

/* Delete the spare handles of the gaps between restored handles. */
static void vxpu_criu_delete_gaps(struct vxpu_criu_rst *r)
{
	u32 i, h, prev = 0;

	/* A gap handle is a spare one: deleting it closes no BO (grants). */
	WRITE_ONCE(r->ctx->criu_gap_close, true);
	for (i = 0; i < r->args->num_bos; i++) {
		for (h = prev + 1; h < r->rb[i].handle; h++)
			drm_gem_handle_delete(r->file, h);
		prev = r->rb[i].handle;
	}
	WRITE_ONCE(r->ctx->criu_gap_close, false);
	r->gaps_deleted = true;
}

/*
 * Undo: delete the handles this call made. Once the gaps are deleted,
 * only the restored ones: another holder of the file may have a handle
 * at a former gap's number by now.
 */
static void vxpu_criu_delete_handles(struct vxpu_criu_rst *r)
{
	u32 i, h;

	if (r->gaps_deleted) {
		for (i = 0; i < r->args->num_bos; i++)
			drm_gem_handle_delete(r->file, r->rb[i].handle);
		return;
	}
	for (h = 1; h < r->next_handle; h++)
		drm_gem_handle_delete(r->file, h);
}

static int vxpu_criu_restore_objects(struct vxpu_criu_rst *r)
{
	const struct vxpu_img *img = &r->img;
	struct vxpu_ctx *ctx = r->ctx;
	u32 n = r->args->num_bos, i, id;
	int ret;

	for (i = 0; i < img->hdr.nr_asids; i++) {
		ret = vxpu_asid_create(ctx, img->asids[i].id, &id);
		if (ret)
			return ret;
	}

	for (i = 0; i < img->hdr.nr_maps; i++) {
		const struct vxpu_img_map *m = &img->maps[i];
		struct vxpu_bo *bo = vxpu_criu_rb_find(r->rb, n, m->handle);
		struct vxpu_asid *asid = vxpu_asid_get(ctx, m->asid);
		u64 va = m->va;

		ret = -EINVAL;
		if (bo && asid)
			ret = vxpu_asid_map(asid, bo, m->bo_offset, m->size,
					    &va, m->perm | VXPU_MAP_FIXED);
		if (asid)
			vxpu_asid_put(asid);
		if (ret)
			return ret;
	}

	for (i = 0; i < img->hdr.nr_queues; i++) {
		const struct vxpu_img_queue *q = &img->queues[i];
		struct vxpu_bo *bo = vxpu_criu_rb_find(r->rb, n,
						       q->ring_handle);
		struct vxpu_queue_state st = {
			.state = q->state,
			.pkt_valid = q->pkt_valid,
			.rptr = q->rptr,
			.wptr = q->wptr,
			.bytes = q->bytes,
			.chunks = q->chunks,
			.pkt = q->pkt,
			.exec = q->exec,
			.fault = q->fault,
		};

		if (!bo)
			return -EINVAL;
		ret = vxpu_queue_create(ctx, q->id, q->asid, bo, q->ring_offset,
					q->ring_entries, q->priority, &st, &id);
		if (ret)
			return ret;
	}

	for (i = 0; i < img->hdr.nr_events; i++) {
		ret = vxpu_event_create(ctx, img->events[i].id,
					img->events[i].value, &id);
		if (ret)
			return ret;
	}
	return 0;
}

static void vxpu_criu_set_cursors(struct vxpu_ctx *ctx, u32 asid_next,
				  u32 queue_next, u32 event_next)
{
	mutex_lock(&ctx->asid_lock);
	ctx->asid_next = asid_next;
	mutex_unlock(&ctx->asid_lock);
	xa_lock(&ctx->queues);
	ctx->queue_next = queue_next;
	xa_unlock(&ctx->queues);
	xa_lock(&ctx->events);
	ctx->event_next = event_next;
	xa_unlock(&ctx->events);
}

/* Prepare a registry entry for every owned BO (published at the end). */
static int vxpu_criu_prepare_pub(struct vxpu_criu_rst *r)
{
	u32 i;

	for (i = 0; i < r->args->num_bos; i++) {
		struct drm_vxpu_criu_bo_bucket *b = &r->bkts[r->rb[i].idx];
		struct vxpu_criu_shared *e;

		if (b->flags & VXPU_CRIU_BO_IMPORTED)
			continue;
		e = kzalloc(sizeof(*e), GFP_KERNEL);
		if (!e)
			return -ENOMEM;
		e->cookie = r->args->restore_cookie;
		e->gpu_id = r->args->device.user_gpu_id;
		e->offset = b->offset;
		e->ctx = r->ctx;
		e->bo = r->rb[i].bo;
		drm_gem_object_get(&e->bo->base);
		r->pub[r->npub++] = e;
	}
	return 0;
}

static void vxpu_criu_free_pub(struct vxpu_criu_rst *r)
{
	u32 i;

	for (i = 0; i < r->npub; i++) {
		drm_gem_object_put(&r->pub[i]->bo->base);
		kfree(r->pub[i]);
	}
	r->npub = 0;
}

static int vxpu_criu_restore(struct drm_file *file, struct vxpu_ctx *ctx,
			     struct drm_vxpu_criu *args)
{
	struct vxpu_device *vdev = ctx->vdev;
	struct vxpu_criu_rst r = {
		.file = file,
		.ctx = ctx,
		.args = args,
		.next_handle = 1,
	};
	u32 n = args->num_bos, i;
	u32 old_asid_next, old_queue_next, old_event_next;
	const char *why = NULL;
	void *blob = NULL;
	u64 old_quota;
	int ret;

	if (!args->restore_cookie || args->device.pad ||
	    args->device.actual_gpu_id != vdev->gpu_id ||
	    n > VXPU_CRIU_BO_MAX || args->priv_data_size > VXPU_CRIU_PRIV_MAX)
		return -EINVAL;
	if (!vxpu_criu_fresh(file, ctx))
		return -EBUSY;

	ret = -ENOMEM;
	r.bkts = kvcalloc(n, sizeof(*r.bkts), GFP_KERNEL);
	r.rb = kvcalloc(n, sizeof(*r.rb), GFP_KERNEL);
	r.pub = kvcalloc(n, sizeof(*r.pub), GFP_KERNEL);
	r.files = kvcalloc(n, sizeof(*r.files), GFP_KERNEL);
	blob = kvmalloc(args->priv_data_size, GFP_KERNEL);
	if (!r.bkts || !r.rb || !r.pub || !r.files || !blob)
		goto out_free;
	ret = -EFAULT;
	if (copy_from_user(r.bkts, u64_to_user_ptr(args->bos),
			   array_size(n, sizeof(*r.bkts))) ||
	    copy_from_user(blob, u64_to_user_ptr(args->priv_data),
			   args->priv_data_size))
		goto out_free;

	ret = vxpu_img_check_bos(r.bkts, n, &why);
	if (!ret)
		ret = vxpu_img_parse(blob, args->priv_data_size, r.bkts, n,
				     &r.img, &why);
	if (ret) {
		/* Info, not a warning: a user's bad image is no kernel bug. */
		dev_info_ratelimited(vdev->drm.dev,
				     "CRIU restore into context %u: image rejected: %s\n",
				     ctx->id, why ? why : "?");
		/* -EPROTO: an unknown version; anything else is malformed. */
		if (ret != -EPROTO)
			ret = -EINVAL;
		goto out_free;
	}
	if (r.img.hdr.ctx_id != ctx->id &&
	    xa_load(&vdev->ctxs, r.img.hdr.ctx_id)) {
		ret = -EEXIST;
		goto out_free;
	}

	for (i = 0; i < n; i++) {
		r.rb[i].handle = r.bkts[i].handle;
		r.rb[i].idx = i;
		r.bkts[i].dmabuf_fd = -1;
		r.bkts[i].restored_offset = 0;
	}
	sort(r.rb, n, sizeof(*r.rb), vxpu_criu_cmp_handle, NULL);

	spin_lock(&ctx->lock);
	old_quota = ctx->quota;
	ctx->quota = r.img.hdr.quota;
	spin_unlock(&ctx->lock);
	mutex_lock(&ctx->asid_lock);
	old_asid_next = ctx->asid_next;
	mutex_unlock(&ctx->asid_lock);
	old_queue_next = READ_ONCE(ctx->queue_next);
	old_event_next = READ_ONCE(ctx->event_next);

	/* The restore pause: queues stay still until RESUME. */
	ret = vxpu_ctx_pause(ctx);
	if (ret)
		goto err_quota;

	ret = vxpu_criu_restore_bos(&r);
	if (!ret)
		ret = vxpu_criu_restore_objects(&r);
	if (!ret)
		ret = vxpu_criu_prepare_pub(&r);
	if (ret)
		goto err_undo;
	vxpu_criu_set_cursors(ctx, r.img.hdr.asid_next, r.img.hdr.queue_next,
			      r.img.hdr.event_next);
	vxpu_criu_delete_gaps(&r);

	for (i = 0; i < n; i++) {
		/* NULL: this call made the handles, in a fresh context */
		ret = vxpu_criu_make_fd(file, r.bkts[i].handle, NULL,
					&r.bkts[i].dmabuf_fd, &r.files[i]);
		if (ret) {
			r.bkts[i].dmabuf_fd = -1;
			goto err_fds;
		}
	}
	if (copy_to_user(u64_to_user_ptr(args->bos), r.bkts,
			 array_size(n, sizeof(*r.bkts)))) {
		ret = -EFAULT;
		goto err_fds;
	}
	ret = vxpu_criu_rekey(ctx, r.img.hdr.ctx_id);
	if (ret)
		goto err_fds;

	vxpu_criu_install_fds(r.bkts, r.files, n);
	vxpu_criu_publish(vdev, r.pub, r.npub);
	r.npub = 0;
	ctx->restore_pending = true;
	ret = 0;
	goto out_put;

err_fds:
	vxpu_criu_drop_fds(r.bkts, r.files, n);
err_undo:
	vxpu_criu_free_pub(&r);
	/* The context was fresh: everything in it is the image's. */
	vxpu_queue_destroy_all(ctx);
	vxpu_event_destroy_all(ctx);
	vxpu_asid_destroy_all(ctx);
	vxpu_criu_delete_handles(&r);
	vxpu_criu_set_cursors(ctx, old_asid_next, old_queue_next,
			      old_event_next);
	vxpu_ctx_resume(ctx);
err_quota:
	spin_lock(&ctx->lock);
	ctx->quota = old_quota;
	spin_unlock(&ctx->lock);
out_put:
	vxpu_criu_put_bos(r.rb, n);
out_free:
	kvfree(blob);
	kvfree(r.files);
	kvfree(r.pub);
	kvfree(r.rb);
	kvfree(r.bkts);
	return ret;
}

/* ---- RESUME ------------------------------------------------------------- */

/* End the restore of @ctx (criu_lock held): its queues may run. */
static int vxpu_criu_resume_ctx(struct vxpu_ctx *ctx)
{
	lockdep_assert_held(&ctx->criu_lock);
	if (!ctx->restore_pending)
		return -ENOENT;
	ctx->restore_pending = false;
	vxpu_ctx_resume(ctx);
	vxpu_criu_unpublish(ctx);
	return 0;
}

/* Resume every restored context of process @nr on @vdev. */
static int vxpu_criu_resume_pid(struct vxpu_device *vdev, u32 nr)
{
	struct vxpu_ctx *ctx;
	unsigned long idx = 0;
	struct pid *pid;
	int resumed = 0, denied = 0, ret;

	pid = find_get_pid(nr);
	if (!pid)
		return -ENOENT;

	for (;;) {
		xa_lock(&vdev->ctxs);
		ctx = xa_find(&vdev->ctxs, &idx, ULONG_MAX, XA_PRESENT);
		while (ctx && !(ctx->owner == pid &&
				READ_ONCE(ctx->restore_pending) &&
				kref_get_unless_zero(&ctx->ref)))
			ctx = xa_find_after(&vdev->ctxs, &idx, ULONG_MAX,
					    XA_PRESENT);
		xa_unlock(&vdev->ctxs);
		if (!ctx)
			break;

		ret = vxpu_criu_allowed(ctx);
		if (ret) {
			denied++;
		} else {
			mutex_lock(&ctx->criu_lock);
			if (!vxpu_criu_resume_ctx(ctx))
				resumed++;
			mutex_unlock(&ctx->criu_lock);
		}
		vxpu_ctx_put(ctx);
		idx++;
	}
	put_pid(pid);

	if (resumed)
		return 0;
	return denied ? -EPERM : -ENOENT;
}

/* ---- close and the ioctl ------------------------------------------------ */

/* At context close: a pending restore ends, its registry entries go. */
void vxpu_criu_ctx_close(struct vxpu_ctx *ctx)
{
	bool pending;

	mutex_lock(&ctx->criu_lock);
	pending = ctx->restore_pending;
	ctx->restore_pending = false;
	if (pending)
		vxpu_ctx_resume(ctx);
	mutex_unlock(&ctx->criu_lock);
	if (pending)
		vxpu_criu_unpublish(ctx);
}

int vxpu_ioctl_criu(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_criu *args = data;
	int ret;

	if (args->flags || args->pad || args->op > VXPU_CRIU_RESUME)
		return -EINVAL;
	ret = vxpu_criu_allowed(ctx);
	if (ret)
		return ret;
	if (args->op == VXPU_CRIU_RESUME && args->pid)
		return vxpu_criu_resume_pid(ctx->vdev, args->pid);

	mutex_lock(&ctx->criu_lock);
	switch (args->op) {
	case VXPU_CRIU_PROCESS_INFO:
		ret = vxpu_criu_process_info(file, ctx, args);
		break;
	case VXPU_CRIU_CHECKPOINT:
		ret = vxpu_criu_checkpoint(file, ctx, args);
		break;
	case VXPU_CRIU_UNPAUSE:
		ret = vxpu_criu_unpause(ctx);
		break;
	case VXPU_CRIU_RESTORE:
		ret = vxpu_criu_restore(file, ctx, args);
		break;
	default:
		ret = vxpu_criu_resume_ctx(ctx);
		break;
	}
	mutex_unlock(&ctx->criu_lock);
	return ret;
}
