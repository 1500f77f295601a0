// SPDX-License-Identifier: GPL-2.0
/*
 * vxpu: grants, foreign BOs and fault interception (revocable
 * cross-context memory).
 *
 * A grant lends a page range of a backend context's BO to one frontend
 * context. The frontend maps it as a foreign BO: a GEM object of its own
 * file whose page array points into the backend BO's (which the foreign
 * BO references until revoked); the memory stays charged to the backend.
 *
 * References: a grant is held by its backend from creation until revoke
 * (the "live" reference), by its foreign BO, and by the DEVICE fault
 * records naming it. The id table (vdev->grants) holds none: lookups use
 * kref_get_unless_zero() under its lock, and the release erases the id.
 * Ids are (sequence << 32 | index): never reused.
 *
 * Revoke (grant_lock held): mark the foreign BO revoked (rev_lock write
 * side against the CPU fault handler, map_lock against vxpu_asid_map()),
 * zap every CPU mapping through the address_space the VMAs were created
 * in (forked children included), turn every ASID mapping into a hole
 * (vxpu_asid_revoke_foreign(): entries erased, ASID gen bumped so the
 * engine's cached slots go stale), wait until no translation of granted
 * pages is in use (an engine step, a VM_READ/WRITE copying with page
 * faults disabled), then drop the backing BO reference. Nothing is
 * allocated; every wait is bounded by one engine step.
 *
 * Holes: the CPU fault handler returns VM_FAULT_SIGBUS and queues a CPU
 * record; VM_READ/WRITE fail with -EKEYREVOKED and queue a VM_RW record;
 * an engine step faulting in a hole stalls its queue (the engine calls
 * vxpu_grant_hole() then vxpu_grant_stall()), which queues a DEVICE record
 * that the backend answers with DRM_VXPU_FAULT_REPLY.
 */
#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_managed.h>
#include <drm/drm_vma_manager.h>

#include "vxpu_drv.h"

#define VXPU_GRANT_ACCESS	(VXPU_GRANT_READ | VXPU_GRANT_WRITE)
/* CPU faults map up to this many pages ahead, as for our other BOs. */
#define VXPU_FOREIGN_FAULT_AROUND	512

struct vxpu_grant {
	struct kref ref;
	struct vxpu_device *vdev;
	u64 id;
	u32 idx;
	struct vxpu_ctx *backend;	/* a reference */
	u32 frontend_id;
	u32 access;			/* VXPU_GRANT_* */
	u64 offset;
	u64 size;
	struct vxpu_bo *bo;		/* grant_lock; a reference until revoked */
	struct list_head ctx_link;	/* grant_lock; on backend->grants */

	spinlock_t lock;		/* revoked, mapped, map_handle, fbo */
	bool revoked;			/* lock (written under grant_lock too) */
	bool mapped;			/* lock: the frontend holds map_handle */
	u32 map_handle;			/* lock */
	struct vxpu_foreign *fbo;	/* lock: the alive foreign BO, no reference */

	atomic64_t cpu_faults;
	atomic64_t device_faults;
	atomic64_t rw_faults;
};

struct vxpu_fault_rec {
	struct list_head link;
	struct drm_vxpu_grant_fault rec;
	struct vxpu_grant *grant;	/* DEVICE: a reference */
	struct vxpu_ctx *frontend;	/* DEVICE: a reference */
};

static const struct drm_gem_object_funcs vxpu_foreign_funcs;

static inline struct vxpu_foreign *to_foreign(struct drm_gem_object *obj)
{
	return container_of(obj, struct vxpu_foreign, bo.base);
}

bool vxpu_bo_is_foreign(struct drm_gem_object *obj)
{
	return obj->funcs == &vxpu_foreign_funcs;
}

u32 vxpu_grant_bo_owner_id(struct vxpu_bo *bo)
{
	if (vxpu_bo_is_foreign(&bo->base))
		return to_foreign(&bo->base)->grant->backend->id;
	return bo->owner ? bo->owner->id : 0;
}

/* ---- grants: lifetime ------------------------------------------------------- */

static void vxpu_grant_release(struct kref *ref)
{
	struct vxpu_grant *g = container_of(ref, struct vxpu_grant, ref);

	WARN_ON(g->bo || g->fbo || !list_empty(&g->ctx_link));
	xa_erase(&g->vdev->grants, g->idx);
	vxpu_ctx_put(g->backend);
	kfree(g);
	atomic_dec(&vxpu_live_grants);
}

static void vxpu_grant_put(struct vxpu_grant *g)
{
	kref_put(&g->ref, vxpu_grant_release);
}

/* Look up grant @id of @vdev and take a reference, or return NULL. */
static struct vxpu_grant *vxpu_grant_get(struct vxpu_device *vdev, u64 id)
{
	struct vxpu_grant *g;

	if (!lower_32_bits(id))
		return NULL;
	xa_lock(&vdev->grants);
	g = xa_load(&vdev->grants, lower_32_bits(id));
	if (g && (g->id != id || !kref_get_unless_zero(&g->ref)))
		g = NULL;
	xa_unlock(&vdev->grants);
	return g;
}

/* The grant's alive foreign BO with a GEM reference, or NULL. */
static struct vxpu_foreign *vxpu_grant_fbo(struct vxpu_grant *g)
{
	struct vxpu_foreign *f;

	spin_lock(&g->lock);
	f = g->fbo;
	if (f && !kref_get_unless_zero(&f->bo.base.refcount))
		f = NULL;
	spin_unlock(&g->lock);
	return f;
}

/* ---- fault records -------------------------------------------------------- */

static struct vxpu_fault_rec *vxpu_fault_rec_alloc(struct vxpu_grant *g,
						   u32 kind, u32 frontend_id)
{
	struct vxpu_fault_rec *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return NULL;
	INIT_LIST_HEAD(&r->link);
	r->rec.grant_id = g->id;
	r->rec.kind = kind;
	r->rec.frontend_ctx_id = frontend_id;
	atomic_inc(&vxpu_live_faults);
	return r;
}

static void vxpu_fault_rec_free(struct vxpu_fault_rec *r)
{
	if (r->grant)
		vxpu_grant_put(r->grant);
	if (r->frontend)
		vxpu_ctx_put(r->frontend);
	kfree(r);
	atomic_dec(&vxpu_live_faults);
}

/*
 * Queue @r for @g's backend. Returns false (and frees nothing) when the
 * backend is closing or has VXPU_FAULT_QUEUE_MAX unread records.
 */
static bool vxpu_fault_post(struct vxpu_grant *g, struct vxpu_fault_rec *r)
{
	struct vxpu_ctx *b = g->backend;
	bool ok;

	spin_lock(&b->fault_lock);
	ok = !b->faults_closed && b->fault_count < VXPU_FAULT_QUEUE_MAX;
	if (ok) {
		r->rec.fault_id = ++b->fault_next;
		list_add_tail(&r->link, &b->faults);
		b->fault_count++;
	} else {
		b->faults_lost++;
	}
	spin_unlock(&b->fault_lock);
	if (ok)
		wake_up_all(&b->fault_wq);
	return ok;
}

/* Queue a record that needs no answer; a failure only counts as lost. */
static void vxpu_fault_note(struct vxpu_grant *g, struct vxpu_fault_rec *r)
{
	if (!vxpu_fault_post(g, r))
		vxpu_fault_rec_free(r);
}

/*
 * Let a STALLED queue run on (@fail false) or put it in ERROR. Returns
 * false if it is no longer stalled (destroyed, or answered).
 */
static bool vxpu_grant_unstall(struct vxpu_queue *q, bool fail)
{
	struct vxpu_device *vdev = q->ctx->vdev;
	bool ok;

	spin_lock(&vdev->sched_lock);
	ok = q->state == VXPU_QUEUE_STALLED && !q->dead;
	if (ok && fail) {
		q->state = VXPU_QUEUE_ERROR;
		q->fault.reason = VXPU_FAULT_REVOKED;
	} else if (ok) {
		q->state = VXPU_QUEUE_RUNNING;
		vxpu_queue_requeue_locked(q);
	}
	spin_unlock(&vdev->sched_lock);
	return ok;
}

/* The queue of a DEVICE record, by id in its frontend; false if gone. */
static bool vxpu_fault_rec_unstall(struct vxpu_fault_rec *r, bool fail)
{
	struct vxpu_queue *q = vxpu_queue_get(r->frontend, r->rec.queue);
	bool ok;

	if (!q)
		return false;
	ok = vxpu_grant_unstall(q, fail);
	vxpu_queue_put(q);
	return ok;
}

/* Drop records nobody will read or answer: a DEVICE record's queue fails. */
static void vxpu_fault_recs_drop(struct list_head *recs)
{
	struct vxpu_fault_rec *r, *next;

	list_for_each_entry_safe(r, next, recs, link) {
		list_del(&r->link);
		if (r->rec.kind == VXPU_GRANT_FAULT_DEVICE)
			vxpu_fault_rec_unstall(r, true);
		vxpu_fault_rec_free(r);
	}
}

/* ---- foreign BOs ------------------------------------------------------------ */

void vxpu_foreign_idle(struct vxpu_foreign *f)
{
	if (atomic_dec_and_test(&f->active))
		wake_up_all(&f->idle_wq);
}

static void vxpu_foreign_free(struct drm_gem_object *obj)
{
	struct vxpu_foreign *f = to_foreign(obj);
	struct vxpu_grant *g = f->grant;

	WARN_ON(!list_empty(&f->maps) || atomic_read(&f->active) ||
		atomic_read(&f->mmaps));
	spin_lock(&g->lock);
	if (g->fbo == f) {
		g->fbo = NULL;
		g->mapped = false;
	}
	spin_unlock(&g->lock);
	/* No revoke runs: it would hold a reference. */
	if (f->backing)
		drm_gem_object_put(&f->backing->base);
	drm_gem_object_release(obj);
	atomic_dec(&f->ctx->foreign_count);
	vxpu_ctx_put(f->ctx);
	vxpu_grant_put(g);
	kfree(f);
	atomic_dec(&vxpu_live_foreign);
}

/* The frontend's handle goes (GEM_CLOSE, GRANT_UNMAP or file close). */
static void vxpu_foreign_close(struct drm_gem_object *obj,
			       struct drm_file *file)
{
	struct vxpu_foreign *f = to_foreign(obj);
	struct vxpu_grant *g = f->grant;

	spin_lock(&g->lock);
	if (g->fbo == f)
		g->mapped = false;
	spin_unlock(&g->lock);
}

/* A foreign BO is never passed on. */
static struct dma_buf *vxpu_foreign_export(struct drm_gem_object *obj,
					   int flags)
{
	return ERR_PTR(-EPERM);
}

static vm_fault_t vxpu_foreign_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct drm_gem_object *obj = vma->vm_private_data;
	struct vxpu_foreign *f = to_foreign(obj);
	struct vxpu_grant *g = f->grant;
	unsigned long npages = vxpu_bo_npages(&f->bo);
	unsigned long idx, addr, i;
	struct vxpu_fault_rec *r;
	vm_fault_t ret;

	idx = vmf->pgoff - drm_vma_node_start(&obj->vma_node);
	if (idx >= npages)
		return VM_FAULT_SIGBUS;

	down_read(&f->rev_lock);
	if (!f->revoked) {
		ret = vmf_insert_pfn(vma, vmf->address,
				     page_to_pfn(f->bo.pages[idx]));
		/* The pages after it, as for our other BOs; best effort. */
		for (i = 1, addr = vmf->address + PAGE_SIZE;
		     !(ret & VM_FAULT_ERROR) && i < VXPU_FOREIGN_FAULT_AROUND &&
		     idx + i < npages && addr < vma->vm_end;
		     i++, addr += PAGE_SIZE) {
			if (vmf_insert_pfn(vma, addr,
					   page_to_pfn(f->bo.pages[idx + i])) &
			    VM_FAULT_ERROR)
				break;
		}
		up_read(&f->rev_lock);
		return ret;
	}
	up_read(&f->rev_lock);

	atomic64_inc(&g->cpu_faults);
	r = vxpu_fault_rec_alloc(g, VXPU_GRANT_FAULT_CPU, f->ctx->id);
	if (r) {
		r->rec.access = vmf->flags & FAULT_FLAG_WRITE ?
				VXPU_ACCESS_WRITE : VXPU_ACCESS_READ;
		r->rec.offset = (u64)idx << PAGE_SHIFT;
		vxpu_fault_note(g, r);
	}
	return VM_FAULT_SIGBUS;
}

static void vxpu_foreign_vm_open(struct vm_area_struct *vma)
{
	atomic_inc(&to_foreign(vma->vm_private_data)->mmaps);
	drm_gem_vm_open(vma);
}

static void vxpu_foreign_vm_close(struct vm_area_struct *vma)
{
	atomic_dec(&to_foreign(vma->vm_private_data)->mmaps);
	drm_gem_vm_close(vma);
}

static const struct vm_operations_struct vxpu_foreign_vm_ops = {
	.fault	= vxpu_foreign_fault,
	.open	= vxpu_foreign_vm_open,
	.close	= vxpu_foreign_vm_close,
};

static int vxpu_foreign_mmap(struct drm_gem_object *obj,
			     struct vm_area_struct *vma)
{
	struct vxpu_foreign *f = to_foreign(obj);

	if (is_cow_mapping(vma->vm_flags))
		return -EINVAL;
	if (!(f->perm & VXPU_MAP_WRITE)) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		vxpu_vm_flags_clear(vma, VM_MAYWRITE);
	}
	vxpu_vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = vm_get_page_prot(vma->vm_flags);
	/* Every VMA of @f is in this address_space: revoke zaps it there. */
	down_write(&f->rev_lock);
	if (!f->mapping)
		f->mapping = vma->vm_file->f_mapping;
	WARN_ON_ONCE(f->mapping != vma->vm_file->f_mapping);
	up_write(&f->rev_lock);
	atomic_inc(&f->mmaps);
	return 0;
}

static const struct drm_gem_object_funcs vxpu_foreign_funcs = {
	.free	= vxpu_foreign_free,
	.close	= vxpu_foreign_close,
	.export	= vxpu_foreign_export,
	.mmap	= vxpu_foreign_mmap,
	.vm_ops	= &vxpu_foreign_vm_ops,
};

/*
 * Make @f unreachable through its pages: see the comment at the top.
 * grant_lock held; allocates nothing.
 */
static void vxpu_foreign_revoke(struct vxpu_foreign *f)
{
	struct address_space *mapping;
	struct vxpu_bo *backing;

	down_write(&f->rev_lock);
	spin_lock(&f->map_lock);
	f->revoked = true;
	spin_unlock(&f->map_lock);
	mapping = f->mapping;
	up_write(&f->rev_lock);

	/* CPU: no page inserted before the flag survives this. */
	if (mapping)
		unmap_mapping_range(mapping,
				    drm_vma_node_offset_addr(&f->bo.base.vma_node),
				    f->bo.base.size, 1);
	/* Device: holes in every ASID, cached translations stale. */
	vxpu_asid_revoke_foreign(f);
	/* Translations made before: at most one engine step each. */
	wait_event(f->idle_wq, !atomic_read(&f->active));

	backing = f->backing;
	f->backing = NULL;
	WRITE_ONCE(f->bo.pages, NULL);
	if (backing)
		drm_gem_object_put(&backing->base);
}

/* ---- revoke ------------------------------------------------------------------ */

/* Revoke @g (not revoked yet) and drop its live reference. */
static void vxpu_grant_revoke_locked(struct vxpu_grant *g)
{
	struct vxpu_foreign *f;

	lockdep_assert_held(&g->vdev->grant_lock);
	spin_lock(&g->lock);
	g->revoked = true;
	spin_unlock(&g->lock);
	list_del_init(&g->ctx_link);

	f = vxpu_grant_fbo(g);
	if (f) {
		vxpu_foreign_revoke(f);
		drm_gem_object_put(&f->bo.base);
	}
	drm_gem_object_put(&g->bo->base);
	g->bo = NULL;
	vxpu_grant_put(g);
}

/* A handle of @bo goes; if it is its owner's, revoke the BO's grants. */
void vxpu_grant_bo_closed(struct vxpu_bo *bo, struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct vxpu_device *vdev;
	struct vxpu_grant *g, *next;

	if (!ctx || bo->owner != ctx || READ_ONCE(ctx->criu_gap_close))
		return;
	vdev = ctx->vdev;
	mutex_lock(&vdev->grant_lock);
	bo->grant_dead = true;
	list_for_each_entry_safe(g, next, &ctx->grants, ctx_link) {
		if (g->bo == bo)
			vxpu_grant_revoke_locked(g);
	}
	mutex_unlock(&vdev->grant_lock);
}

/* ---- contexts and devices ------------------------------------------------------ */

void vxpu_grant_ctx_init(struct vxpu_ctx *ctx)
{
	INIT_LIST_HEAD(&ctx->grants);
	atomic_set(&ctx->foreign_count, 0);
	spin_lock_init(&ctx->fault_lock);
	INIT_LIST_HEAD(&ctx->faults);
	INIT_LIST_HEAD(&ctx->stalls);
	init_waitqueue_head(&ctx->fault_wq);
}

/*
 * The context's file closes: revoke what it granted (its BO handles are
 * gone already, so normally nothing is left), fail the queues waiting for
 * its answers and drop its records.
 */
void vxpu_grant_ctx_fini(struct vxpu_ctx *ctx)
{
	struct vxpu_device *vdev = ctx->vdev;
	LIST_HEAD(recs);

	mutex_lock(&vdev->grant_lock);
	while (!list_empty(&ctx->grants))
		vxpu_grant_revoke_locked(list_first_entry(&ctx->grants,
							  struct vxpu_grant,
							  ctx_link));
	mutex_unlock(&vdev->grant_lock);

	spin_lock(&ctx->fault_lock);
	ctx->faults_closed = true;
	list_splice_init(&ctx->faults, &recs);
	list_splice_tail_init(&ctx->stalls, &recs);
	ctx->fault_count = 0;
	spin_unlock(&ctx->fault_lock);
	vxpu_fault_recs_drop(&recs);
}

/* Checkpoint refuses a context for which this is true (vxpu_criu.c). */
bool vxpu_grant_ctx_busy(struct vxpu_ctx *ctx)
{
	bool busy;

	mutex_lock(&ctx->vdev->grant_lock);
	busy = !list_empty(&ctx->grants);
	mutex_unlock(&ctx->vdev->grant_lock);
	return busy || atomic_read(&ctx->foreign_count);
}

__poll_t vxpu_poll(struct file *filp, struct poll_table_struct *wait)
{
	struct drm_file *file = filp->private_data;
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	__poll_t mask = drm_poll(filp, wait);

	if (!ctx)
		return mask;
	poll_wait(filp, &ctx->fault_wq, wait);
	if (READ_ONCE(ctx->fault_count))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static const char *vxpu_grant_state_name(u32 state)
{
	switch (state) {
	case VXPU_GRANT_STATE_GRANTED:
		return "granted";
	case VXPU_GRANT_STATE_MAPPED:
		return "mapped";
	default:
		return "revoked";
	}
}

struct vxpu_grant_stat {
	u32 state;
	u32 asid_mappings;
	u32 cpu_mappings;
};

static void vxpu_grant_stat(struct vxpu_grant *g, struct vxpu_grant_stat *st)
{
	struct vxpu_foreign *f = vxpu_grant_fbo(g);

	memset(st, 0, sizeof(*st));
	if (f) {
		spin_lock(&f->map_lock);
		st->asid_mappings = f->map_total;
		spin_unlock(&f->map_lock);
		st->cpu_mappings = atomic_read(&f->mmaps);
	}
	spin_lock(&g->lock);
	st->state = g->revoked ? VXPU_GRANT_STATE_REVOKED :
		    g->fbo ? VXPU_GRANT_STATE_MAPPED : VXPU_GRANT_STATE_GRANTED;
	spin_unlock(&g->lock);
	if (f)
		drm_gem_object_put(&f->bo.base);
}

static int vxpu_grants_show(struct seq_file *m, void *unused)
{
	struct vxpu_device *vdev = m->private;
	struct vxpu_grant_stat st;
	struct vxpu_grant *g;
	unsigned long idx;

	seq_puts(m, "grant_id backend frontend state access offset size asid_mappings cpu_mappings cpu_faults device_faults rw_faults\n");
	for (idx = 0; ; idx++) {
		/* Entries are freed without RCU: get them under the lock. */
		xa_lock(&vdev->grants);
		g = xa_find(&vdev->grants, &idx, ULONG_MAX, XA_PRESENT);
		if (g && !kref_get_unless_zero(&g->ref))
			g = ERR_PTR(-ENOENT);
		xa_unlock(&vdev->grants);
		if (!g)
			break;
		if (IS_ERR(g))
			continue;
		vxpu_grant_stat(g, &st);
		seq_printf(m, "%#llx %u %u %s %s %llu %llu %u %u %lld %lld %lld\n",
			   g->id, g->backend->id, g->frontend_id,
			   vxpu_grant_state_name(st.state),
			   g->access & VXPU_GRANT_WRITE ? "rw" : "r",
			   g->offset, g->size, st.asid_mappings,
			   st.cpu_mappings,
			   (long long)atomic64_read(&g->cpu_faults),
			   (long long)atomic64_read(&g->device_faults),
			   (long long)atomic64_read(&g->rw_faults));
		vxpu_grant_put(g);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vxpu_grants);

static void vxpu_grant_device_fini(struct drm_device *drm, void *data)
{
	struct vxpu_device *vdev = data;

	WARN_ON(!xa_empty(&vdev->grants));
	xa_destroy(&vdev->grants);
	mutex_destroy(&vdev->grant_lock);
}

/* At probe, after vxpu_debugfs_device_init(). */
int vxpu_grant_device_init(struct vxpu_device *vdev)
{
	mutex_init(&vdev->grant_lock);
	xa_init_flags(&vdev->grants, XA_FLAGS_ALLOC1);
	if (!IS_ERR_OR_NULL(vdev->debugfs))
		debugfs_create_file("grants", 0444, vdev->debugfs, vdev,
				    &vxpu_grants_fops);
	return drmm_add_action_or_reset(&vdev->drm, vxpu_grant_device_fini,
					vdev);
}

/* ---- holes: VM_READ/WRITE and the engine ----------------------------------------- */

/*
 * VM_READ/WRITE met an unmapped page at @va: a hole gives -EKEYREVOKED
 * and a record, anything else -ENXIO.
 */
int vxpu_grant_vm_rw_fault(struct vxpu_ctx *ctx, struct vxpu_asid *asid,
			   u64 va, bool write)
{
	struct vxpu_fault_rec *r;
	struct vxpu_foreign *f = NULL;
	u64 hole_va, hole_size, offset;
	struct vxpu_grant *g;
	int ret;

	ret = vxpu_asid_hole_info(asid, va, &f, &hole_va, &hole_size, &offset);
	if (ret != 1) {
		if (!ret)
			drm_gem_object_put(&f->bo.base);
		return -ENXIO;
	}
	g = f->grant;
	atomic64_inc(&g->rw_faults);
	r = vxpu_fault_rec_alloc(g, VXPU_GRANT_FAULT_VM_RW, ctx->id);
	if (r) {
		r->rec.access = write ? VXPU_ACCESS_WRITE : VXPU_ACCESS_READ;
		r->rec.asid = asid->id;
		r->rec.va = va & PAGE_MASK;
		r->rec.offset = offset;
		vxpu_fault_note(g, r);
	}
	drm_gem_object_put(&f->bo.base);
	return -EKEYREVOKED;
}

/**
 * vxpu_grant_hole - is an engine fault an access to a revoked grant?
 * @q: the faulting queue
 * @fault: the interpreter's fault; its reason becomes VXPU_FAULT_REVOKED
 *	when the answer is yes
 *
 * Called by the engine holding no lock. When true, the engine marks the
 * queue VXPU_QUEUE_STALLED and then calls vxpu_grant_stall().
 */
bool vxpu_grant_hole(struct vxpu_queue *q, struct drm_vxpu_fault *fault)
{
	struct vxpu_foreign *f = NULL;
	u64 hole_va, hole_size, offset;
	struct vxpu_asid *asid;
	int ret;

	if (fault->reason != VXPU_FAULT_UNMAPPED)
		return false;
	asid = vxpu_asid_get(q->ctx, fault->asid);
	if (!asid)
		return false;
	ret = vxpu_asid_hole_info(asid, fault->va, &f, &hole_va, &hole_size,
				  &offset);
	vxpu_asid_put(asid);
	if (ret < 0)
		return false;
	drm_gem_object_put(&f->bo.base);
	fault->reason = VXPU_FAULT_REVOKED;
	return true;
}

/**
 * vxpu_grant_stall - report a stalled queue to the grant's backend
 * @q: the queue, STALLED, still held by the calling engine
 * @fault: its fault (reason VXPU_FAULT_REVOKED, queue and packet set)
 *
 * Queues a DEVICE record; if that is impossible the queue goes to ERROR.
 * If the hole was filled (or unmapped) meanwhile, the queue runs on.
 */
void vxpu_grant_stall(struct vxpu_queue *q, struct drm_vxpu_fault *fault)
{
	struct vxpu_foreign *f = NULL;
	u64 hole_va, hole_size, offset;
	struct vxpu_fault_rec *r;
	struct vxpu_asid *asid;
	struct vxpu_grant *g;
	int ret = -ENXIO;

	asid = vxpu_asid_get(q->ctx, fault->asid);
	if (asid) {
		ret = vxpu_asid_hole_info(asid, fault->va, &f, &hole_va,
					  &hole_size, &offset);
		vxpu_asid_put(asid);
	}
	if (ret != 1) {
		/* Filled or gone: try again (an unmapped page faults then). */
		if (ret == 0)
			drm_gem_object_put(&f->bo.base);
		vxpu_grant_unstall(q, false);
		return;
	}

	g = f->grant;
	atomic64_inc(&g->device_faults);
	r = vxpu_fault_rec_alloc(g, VXPU_GRANT_FAULT_DEVICE, q->ctx->id);
	if (r) {
		r->rec.access = fault->access;
		r->rec.queue = q->id;
		r->rec.asid = fault->asid;
		r->rec.va = fault->va;
		r->rec.offset = offset;
		r->rec.hole_va = hole_va;
		r->rec.hole_size = hole_size;
		kref_get(&g->ref);
		r->grant = g;
		kref_get(&q->ctx->ref);
		r->frontend = q->ctx;
		if (!vxpu_fault_post(g, r)) {
			vxpu_fault_rec_free(r);
			r = NULL;
		}
	}
	if (!r)
		vxpu_grant_unstall(q, true);
	drm_gem_object_put(&f->bo.base);
}

/* ---- ioctls ---------------------------------------------------------------- */

static bool vxpu_grant_access_ok(u32 access)
{
	return !(access & ~VXPU_GRANT_ACCESS) && (access & VXPU_GRANT_READ);
}

/* Is @id an open context of @vdev? */
static bool vxpu_ctx_id_open(struct vxpu_device *vdev, u32 id)
{
	struct vxpu_ctx *ctx;
	bool open = false;

	xa_lock(&vdev->ctxs);
	ctx = xa_load(&vdev->ctxs, id);
	if (ctx) {
		spin_lock(&ctx->lock);
		open = !ctx->closed;
		spin_unlock(&ctx->lock);
	}
	xa_unlock(&vdev->ctxs);
	return open;
}

int vxpu_ioctl_grant_create(struct drm_device *drm, void *data,
			    struct drm_file *file)
{
	struct vxpu_device *vdev = to_vxpu_device(drm);
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_grant_create *args = data;
	struct drm_gem_object *obj;
	struct vxpu_grant *g;
	struct vxpu_bo *bo;
	u64 end;
	u32 idx;
	int ret;

	if (args->pad || !vxpu_grant_access_ok(args->access))
		return -EINVAL;
	if (!args->size || !IS_ALIGNED(args->size, VXPU_PAGE_SIZE) ||
	    !IS_ALIGNED(args->offset, VXPU_PAGE_SIZE) ||
	    check_add_overflow(args->offset, args->size, &end))
		return -EINVAL;
	if (!args->frontend_ctx_id || args->frontend_ctx_id == ctx->id)
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	bo = to_vxpu_bo(obj);
	if (vxpu_bo_is_foreign(obj) || bo->owner != ctx) {
		ret = -EPERM;
		goto out_put;
	}
	if (end > obj->size) {
		ret = -EINVAL;
		goto out_put;
	}
	if (!vxpu_ctx_id_open(vdev, args->frontend_ctx_id)) {
		ret = -ESRCH;
		goto out_put;
	}

	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g) {
		ret = -ENOMEM;
		goto out_put;
	}
	kref_init(&g->ref);
	spin_lock_init(&g->lock);
	INIT_LIST_HEAD(&g->ctx_link);
	g->vdev = vdev;
	g->frontend_id = args->frontend_ctx_id;
	g->access = args->access;
	g->offset = args->offset;
	g->size = args->size;

	mutex_lock(&vdev->grant_lock);
	if (bo->grant_dead) {
		ret = -EIDRM;
		goto err_unlock;
	}
	/* The id is set under the table's lock: lookups compare it. */
	xa_lock(&vdev->grants);
	ret = __xa_alloc_cyclic(&vdev->grants, &idx, g, XA_LIMIT(1, U32_MAX),
				&vdev->grant_next, GFP_KERNEL_ACCOUNT);
	if (ret >= 0) {
		g->idx = idx;
		g->id = ++vdev->grant_seq << 32 | idx;
	}
	xa_unlock(&vdev->grants);
	if (ret < 0)
		goto err_unlock;

	kref_get(&ctx->ref);
	g->backend = ctx;
	drm_gem_object_get(obj);
	g->bo = bo;
	bo->granted = true;
	list_add_tail(&g->ctx_link, &ctx->grants);
	atomic_inc(&vxpu_live_grants);
	args->grant_id = g->id;
	mutex_unlock(&vdev->grant_lock);
	drm_gem_object_put(obj);
	return 0;

err_unlock:
	mutex_unlock(&vdev->grant_lock);
	kfree(g);
out_put:
	drm_gem_object_put(obj);
	return ret;
}

/* A new foreign BO of @g for @ctx, with one reference. grant_lock held. */
static struct vxpu_foreign *vxpu_foreign_create(struct vxpu_grant *g,
						struct vxpu_ctx *ctx, u32 access)
{
	struct vxpu_foreign *f;
	int ret;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return ERR_PTR(-ENOMEM);
	f->bo.base.funcs = &vxpu_foreign_funcs;
	drm_gem_private_object_init(&g->vdev->drm, &f->bo.base, g->size);
	f->bo.placement = g->bo->placement;
	INIT_LIST_HEAD(&f->bo.blocks);
	INIT_LIST_HEAD(&f->bo.ctx_link);
	f->bo.pages = g->bo->pages + (g->offset >> PAGE_SHIFT);
	drm_gem_object_get(&g->bo->base);
	f->backing = g->bo;
	kref_get(&g->ref);
	f->grant = g;
	kref_get(&ctx->ref);
	f->ctx = ctx;
	atomic_inc(&ctx->foreign_count);
	f->perm = (access & VXPU_GRANT_WRITE ? VXPU_MAP_WRITE : 0) |
		  VXPU_MAP_READ;
	init_rwsem(&f->rev_lock);
	spin_lock_init(&f->map_lock);
	INIT_LIST_HEAD(&f->maps);
	init_waitqueue_head(&f->idle_wq);
	atomic_inc(&vxpu_live_foreign);

	/* From here on, vxpu_foreign_free() undoes everything. */
	ret = drm_gem_create_mmap_offset(&f->bo.base);
	if (ret) {
		drm_gem_object_put(&f->bo.base);
		return ERR_PTR(ret);
	}
	return f;
}

int vxpu_ioctl_grant_map(struct drm_device *drm, void *data,
			 struct drm_file *file)
{
	struct vxpu_device *vdev = to_vxpu_device(drm);
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_grant_map *args = data;
	struct vxpu_foreign *f = NULL;
	struct vxpu_grant *g;
	u32 handle;
	int ret;

	if (args->pad || !vxpu_grant_access_ok(args->access))
		return -EINVAL;
	g = vxpu_grant_get(vdev, args->grant_id);
	if (!g)
		return -ENOENT;

	mutex_lock(&vdev->grant_lock);
	if (g->frontend_id != ctx->id) {
		ret = -EPERM;
	} else if (g->revoked) {
		ret = -EKEYREVOKED;
	} else if (args->access & ~g->access) {
		ret = -EACCES;
	} else if (READ_ONCE(g->fbo)) {
		ret = -EBUSY;
	} else {
		f = vxpu_foreign_create(g, ctx, args->access);
		ret = PTR_ERR_OR_ZERO(f);
	}
	if (ret)
		goto out_unlock;

	spin_lock(&g->lock);
	g->fbo = f;
	spin_unlock(&g->lock);
	ret = drm_gem_handle_create(file, &f->bo.base, &handle);
	if (!ret) {
		spin_lock(&g->lock);
		g->mapped = true;
		g->map_handle = handle;
		spin_unlock(&g->lock);
		args->handle = handle;
		args->mmap_offset = drm_vma_node_offset_addr(&f->bo.base.vma_node);
		args->size = g->size;
		args->backend_ctx_id = g->backend->id;
	}
	/* The handle holds the object now (or its free undoes it all). */
	drm_gem_object_put(&f->bo.base);
out_unlock:
	mutex_unlock(&vdev->grant_lock);
	vxpu_grant_put(g);
	return ret;
}

int vxpu_ioctl_grant_unmap(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct vxpu_device *vdev = to_vxpu_device(drm);
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_grant_unmap *args = data;
	struct drm_gem_object *obj = NULL;
	struct vxpu_foreign *f;
	struct vxpu_grant *g;
	bool mapped;
	u32 handle;
	int ret = 0;

	if (args->flags || args->pad)
		return -EINVAL;
	g = vxpu_grant_get(vdev, args->grant_id);
	if (!g)
		return -ENOENT;

	mutex_lock(&vdev->grant_lock);
	spin_lock(&g->lock);
	mapped = g->mapped;
	handle = g->map_handle;
	f = g->fbo;
	spin_unlock(&g->lock);
	if (g->frontend_id != ctx->id)
		ret = -EPERM;
	else if (g->revoked)
		ret = -EKEYREVOKED;
	else if (!mapped)
		ret = -ENXIO;
	mutex_unlock(&vdev->grant_lock);
	if (ret)
		goto out_put;

	/*
	 * Not under grant_lock: deleting a handle takes the file's prime
	 * lock, under which an import may close a handle (and so take
	 * grant_lock). Its close callback clears mapped.
	 */
	obj = drm_gem_object_lookup(file, handle);
	if (!f || obj != &f->bo.base)
		ret = -ENXIO;	/* closed and the handle reused */
	else
		ret = drm_gem_handle_delete(file, handle) ? -ENXIO : 0;
	if (obj)
		drm_gem_object_put(obj);
out_put:
	vxpu_grant_put(g);
	return ret;
}

int vxpu_ioctl_grant_revoke(struct drm_device *drm, void *data,
			    struct drm_file *file)
{
	struct vxpu_device *vdev = to_vxpu_device(drm);
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_grant_revoke *args = data;
	struct vxpu_grant *g;
	int ret = 0;

	if (args->flags || args->pad)
		return -EINVAL;
	g = vxpu_grant_get(vdev, args->grant_id);
	if (!g)
		return -ENOENT;

	mutex_lock(&vdev->grant_lock);
	if (g->backend != ctx)
		ret = -EPERM;
	else if (g->revoked)
		ret = -EALREADY;
	else
		vxpu_grant_revoke_locked(g);
	mutex_unlock(&vdev->grant_lock);
	vxpu_grant_put(g);
	return ret;
}

int vxpu_ioctl_grant_info(struct drm_device *drm, void *data,
			  struct drm_file *file)
{
	struct vxpu_device *vdev = to_vxpu_device(drm);
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_grant_info *args = data;
	struct vxpu_grant_stat st;
	struct vxpu_grant *g;

	if (args->flags)
		return -EINVAL;
	g = vxpu_grant_get(vdev, args->grant_id);
	if (!g)
		return -ENOENT;
	if (g->backend != ctx && g->frontend_id != ctx->id) {
		vxpu_grant_put(g);
		return -EPERM;
	}

	vxpu_grant_stat(g, &st);
	args->state = st.state;
	args->backend_ctx_id = g->backend->id;
	args->frontend_ctx_id = g->frontend_id;
	args->offset = g->offset;
	args->size = g->size;
	args->access = g->access;
	args->asid_mappings = st.asid_mappings;
	args->cpu_mappings = st.cpu_mappings;
	args->pad = 0;
	args->cpu_faults = atomic64_read(&g->cpu_faults);
	args->device_faults = atomic64_read(&g->device_faults);
	args->rw_faults = atomic64_read(&g->rw_faults);
	vxpu_grant_put(g);
	return 0;
}

int vxpu_ioctl_fault_read(struct drm_device *drm, void *data,
			  struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_fault_read *args = data;
	struct drm_vxpu_grant_fault __user *out =
		u64_to_user_ptr(args->records);
	struct vxpu_fault_rec *r, *next;
	u32 n = 0, copied = 0;
	LIST_HEAD(recs);
	int ret = 0;

	if (args->flags || !args->count || args->count > VXPU_FAULT_READ_MAX)
		return -EINVAL;

	spin_lock(&ctx->fault_lock);
	while (n < args->count && !list_empty(&ctx->faults)) {
		list_move_tail(ctx->faults.next, &recs);
		ctx->fault_count--;
		n++;
	}
	args->lost = ctx->faults_lost;
	ctx->faults_lost = 0;
	spin_unlock(&ctx->fault_lock);

	list_for_each_entry_safe(r, next, &recs, link) {
		if (copy_to_user(&out[copied], &r->rec, sizeof(r->rec))) {
			ret = -EFAULT;
			break;
		}
		copied++;
		list_del_init(&r->link);
		if (r->rec.kind != VXPU_GRANT_FAULT_DEVICE) {
			vxpu_fault_rec_free(r);
			continue;
		}
		/* Read: it waits for FAULT_REPLY (or the file's close). */
		spin_lock(&ctx->fault_lock);
		if (!ctx->faults_closed) {
			list_add_tail(&r->link, &ctx->stalls);
			r = NULL;
		}
		spin_unlock(&ctx->fault_lock);
		if (r) {
			vxpu_fault_rec_unstall(r, true);
			vxpu_fault_rec_free(r);
		}
	}
	if (ret) {
		/*
		 * Userspace did not see these: back to the head, in order,
		 * with the lost count it did not see either.
		 */
		spin_lock(&ctx->fault_lock);
		if (!ctx->faults_closed) {
			ctx->fault_count += n - copied;
			ctx->faults_lost += args->lost;
			list_splice(&recs, &ctx->faults);
			INIT_LIST_HEAD(&recs);
		}
		spin_unlock(&ctx->fault_lock);
		/* drm_ioctl() copies @args out even on error: report it once. */
		args->lost = 0;
		vxpu_fault_recs_drop(&recs);
	}
	args->count = copied;
	return ret;
}

int vxpu_ioctl_fault_reply(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_fault_reply *args = data;
	struct drm_gem_object *obj = NULL;
	struct vxpu_fault_rec *r = NULL, *it;
	struct vxpu_bo *supply = NULL;
	struct vxpu_asid *asid;
	struct vxpu_queue *q;
	int ret = 0;

	if (args->flags || args->pad || !args->fault_id)
		return -EINVAL;
	switch (args->action) {
	case VXPU_FAULT_SUPPLY:
		if (!IS_ALIGNED(args->bo_offset, VXPU_PAGE_SIZE))
			return -EINVAL;
		break;
	case VXPU_FAULT_ZERO:
	case VXPU_FAULT_FAIL:
		if (args->handle || args->bo_offset)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}

	if (args->action == VXPU_FAULT_SUPPLY) {
		obj = drm_gem_object_lookup(file, args->handle);
		if (!obj)
			return -ENOENT;
		supply = to_vxpu_bo(obj);
		if (vxpu_bo_is_foreign(obj) || supply->owner != ctx) {
			ret = -EPERM;
			goto out_put;
		}
	}

	spin_lock(&ctx->fault_lock);
	list_for_each_entry(it, &ctx->stalls, link) {
		if (it->rec.fault_id == args->fault_id) {
			r = it;
			list_del_init(&r->link);
			break;
		}
	}
	spin_unlock(&ctx->fault_lock);
	if (!r) {
		ret = -ENOENT;
		goto out_put;
	}

	q = vxpu_queue_get(r->frontend, r->rec.queue);
	if (!q) {
		ret = -ESRCH;
		goto out_free;
	}
	if (args->action == VXPU_FAULT_FAIL) {
		ret = vxpu_grant_unstall(q, true) ? 0 : -ESRCH;
		goto out_queue;
	}
	asid = vxpu_asid_get(r->frontend, r->rec.asid);
	ret = -ESRCH;
	if (asid) {
		ret = vxpu_asid_fill_hole(asid, r->rec.va, r->grant, supply,
					  args->bo_offset);
		vxpu_asid_put(asid);
	}
	if (ret == -ESRCH) {
		/* The hole is gone: the queue tries again and sees why. */
		vxpu_grant_unstall(q, false);
	} else if (ret == -EINVAL || ret == -ENOMEM) {
		/*
		 * The BO is too short, or no memory for the page table: the
		 * record stays to be answered (again).
		 */
		spin_lock(&ctx->fault_lock);
		if (!ctx->faults_closed) {
			list_add(&r->link, &ctx->stalls);
			r = NULL;
		}
		spin_unlock(&ctx->fault_lock);
		if (r)
			vxpu_grant_unstall(q, true);
	} else if (!ret && !vxpu_grant_unstall(q, false)) {
		ret = -ESRCH;
	}
out_queue:
	vxpu_queue_put(q);
out_free:
	if (r)
		vxpu_fault_rec_free(r);
out_put:
	if (obj)
		drm_gem_object_put(obj);
	return ret;
}
