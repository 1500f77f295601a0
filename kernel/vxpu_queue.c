// SPDX-License-Identifier: GPL-2.0
/*
 * vxpu: user-mode queues and context pause.
 *
 * A queue is a ring of 64-byte packets in a BO, executed in one ASID of
 * its context by the engines of the device (vxpu_engine.c). Its state
 * lives under vxpu_device.sched_lock:
 *
 *   IDLE     rptr == wptr and no packet half done; on no list
 *   RUNNING  work pending; on the device's runq, or on an engine
 *   WAITING  parked in VXPU_OP_WAIT; on the device's waitq, or on an
 *            engine re-checking the condition
 *   ERROR    stopped by a fault; on no list, until destroyed
 *   STALLED  stopped at a revoked grant's hole; on no list until the
 *            backend's FAULT_REPLY (vxpu_grant.c) sets it RUNNING or ERROR
 *
 * PAUSED is not a state of its own: while its context is paused a queue
 * is on no list and DRM_VXPU_QUEUE_INFO reports PAUSED unless in ERROR.
 * The engine that executes a queue sets queue->engine; destroy and pause
 * wait on idle_wq for the engines to let go.
 */
#include <linux/highmem.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <drm/drm_gem.h>

#include "vxpu_drv.h"

#define VXPU_PACKET_SIZE	sizeof(struct drm_vxpu_packet)

static_assert(sizeof(struct drm_vxpu_packet) == 64);

void vxpu_queue_ctx_init(struct vxpu_ctx *ctx)
{
	xa_init_flags(&ctx->queues, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	INIT_LIST_HEAD(&ctx->queue_list);
}

bool vxpu_ctx_paused_locked(struct vxpu_ctx *ctx)
{
	lockdep_assert_held(&ctx->vdev->sched_lock);
	return ctx->pause_count || ctx->user_pause_count;
}

/* The state DRM_VXPU_QUEUE_INFO reports. */
u32 vxpu_queue_state_locked(struct vxpu_queue *q)
{
	if (q->state != VXPU_QUEUE_ERROR && vxpu_ctx_paused_locked(q->ctx))
		return VXPU_QUEUE_PAUSED;
	return q->state;
}

const char *vxpu_queue_state_name(struct vxpu_queue *q)
{
	static const char * const names[] = {
		[VXPU_QUEUE_IDLE] = "idle",
		[VXPU_QUEUE_RUNNING] = "running",
		[VXPU_QUEUE_WAITING] = "waiting",
		[VXPU_QUEUE_PAUSED] = "paused",
		[VXPU_QUEUE_ERROR] = "error",
		[VXPU_QUEUE_STALLED] = "stalled",
	};
	u32 state = vxpu_queue_state_locked(q);

	return state < ARRAY_SIZE(names) ? names[state] : "?";
}

/*
 * Put @q where its state says: on the runq (and wake an engine), on the
 * waitq, or nowhere. Not while an engine holds it (the engine calls this
 * when it lets go), nor when dead, in error or paused.
 */
void vxpu_queue_requeue_locked(struct vxpu_queue *q)
{
	struct vxpu_device *vdev = q->ctx->vdev;

	lockdep_assert_held(&vdev->sched_lock);
	if (q->engine || q->dead || q->state == VXPU_QUEUE_ERROR ||
	    q->state == VXPU_QUEUE_STALLED ||	/* grants: see vxpu_grant.c */
	    vxpu_ctx_paused_locked(q->ctx) || !list_empty(&q->run_link))
		return;

	if (q->state == VXPU_QUEUE_WAITING) {
		list_add_tail(&q->run_link, &vdev->waitq);
		/* An idle engine must start its 1 ms re-check timer. */
		wake_up(&vdev->engine_wq);
	} else if (q->pkt_valid || q->rptr != q->wptr) {
		q->state = VXPU_QUEUE_RUNNING;
		list_add_tail(&q->run_link, &vdev->runq);
		wake_up(&vdev->engine_wq);
	} else {
		q->state = VXPU_QUEUE_IDLE;
	}
}

static void vxpu_queue_release(struct kref *ref)
{
	struct vxpu_queue *q = container_of(ref, struct vxpu_queue, ref);

	WARN_ON(!q->dead || q->engine || !list_empty(&q->run_link));
	vxpu_asid_put(q->asid);
	drm_gem_object_put(&q->ring_bo->base);
	kfree(q);
	atomic_dec(&vxpu_live_queues);
}

void vxpu_queue_put(struct vxpu_queue *q)
{
	kref_put(&q->ref, vxpu_queue_release);
}

/* The queue @id of @ctx with a new reference, or NULL. */
struct vxpu_queue *vxpu_queue_get(struct vxpu_ctx *ctx, u32 id)
{
	struct vxpu_queue *q;

	xa_lock(&ctx->queues);
	q = xa_load(&ctx->queues, id);
	if (q)
		kref_get(&q->ref);
	xa_unlock(&ctx->queues);
	return q;
}

/*
 * The queue of @ctx with the lowest id >= *@id, with a reference and
 * *@id set to its id; or NULL. For walks that must not hold a lock.
 */
struct vxpu_queue *vxpu_queue_next(struct vxpu_ctx *ctx, unsigned long *id)
{
	struct vxpu_queue *q;

	xa_lock(&ctx->queues);
	q = xa_find(&ctx->queues, id, ULONG_MAX, XA_PRESENT);
	if (q)
		kref_get(&q->ref);
	xa_unlock(&ctx->queues);
	return q;
}

/*
 * The execution state of @q for a checkpoint (its context paused, so no
 * engine moves it). Normalized: IDLE/RUNNING as the pending work says
 * (a doorbell while paused leaves IDLE with work), stale pkt/exec and
 * fault records zeroed.
 */
void vxpu_queue_save(struct vxpu_queue *q, struct vxpu_queue_state *st)
{
	struct vxpu_device *vdev = q->ctx->vdev;

	memset(st, 0, sizeof(*st));
	spin_lock(&vdev->sched_lock);
	st->state = q->state;
	st->pkt_valid = q->pkt_valid;
	st->rptr = q->rptr;
	st->wptr = q->wptr;
	st->bytes = q->bytes;
	st->chunks = q->chunks;
	if (q->pkt_valid) {
		st->pkt = q->pkt;
		st->exec = q->exec;
	}
	if (q->state == VXPU_QUEUE_ERROR)
		st->fault = q->fault;
	spin_unlock(&vdev->sched_lock);

	if (st->state == VXPU_QUEUE_IDLE || st->state == VXPU_QUEUE_RUNNING)
		st->state = st->pkt_valid || st->rptr != st->wptr ?
			    VXPU_QUEUE_RUNNING : VXPU_QUEUE_IDLE;
}

static bool vxpu_queue_off_engine(struct vxpu_queue *q)
{
	struct vxpu_device *vdev = q->ctx->vdev;
	bool off;

	spin_lock(&vdev->sched_lock);
	off = !q->engine;
	spin_unlock(&vdev->sched_lock);
	return off;
}

/*
 * Take @q (already out of the id table) off every list, wait until no
 * engine executes it, and drop the table's reference.
 */
static void vxpu_queue_kill(struct vxpu_queue *q)
{
	struct vxpu_device *vdev = q->ctx->vdev;

	spin_lock(&vdev->sched_lock);
	q->dead = true;
	list_del_init(&q->run_link);
	list_del_init(&q->ctx_link);
	spin_unlock(&vdev->sched_lock);

	/* The engine checks dead between chunks: at most one chunk. */
	wait_event(vdev->idle_wq, vxpu_queue_off_engine(q));
	vxpu_queue_put(q);
}

/*
 * At context close, and when a restore fails: destroy every queue, busy or
 * not. A failing restore runs beside the context's other ioctls: a queue is
 * ours to kill only if our xa_erase() took it out.
 */
void vxpu_queue_destroy_all(struct vxpu_ctx *ctx)
{
	struct vxpu_queue *q;
	unsigned long id;

	xa_for_each(&ctx->queues, id, q) {
		q = xa_erase(&ctx->queues, id);
		if (q)
			vxpu_queue_kill(q);
	}
}

/* ---- pause / resume ------------------------------------------------------ */

static bool vxpu_ctx_quiescent(struct vxpu_ctx *ctx)
{
	struct vxpu_device *vdev = ctx->vdev;
	bool idle;

	spin_lock(&vdev->sched_lock);
	idle = !ctx->active;
	spin_unlock(&vdev->sched_lock);
	return idle;
}

/*
 * Wait until no engine executes a queue of @ctx (already parked). An
 * engine stops within one grain of work once it sees the pause, so while
 * all of them run on a CPU, spin: being put to sleep and woken costs more
 * than that under qemu (pause median 90 -> 45 us, 8 busy queues). Sleep as
 * soon as one is off its CPU (it stops only when it runs again), when we
 * should give up ours, or after VXPU_PAUSE_SPIN_NS: a vCPU the host does
 * not run looks on-CPU to us, and spinning takes host time from it.
 */
#define VXPU_PAUSE_SPIN_NS	(50 * NSEC_PER_USEC)

static void vxpu_ctx_wait_quiescent(struct vxpu_ctx *ctx)
{
	struct vxpu_device *vdev = ctx->vdev;
	u64 until = ktime_get_ns() + VXPU_PAUSE_SPIN_NS;
	bool spin;

	do {
		spin_lock(&vdev->sched_lock);
		if (!ctx->active) {
			spin_unlock(&vdev->sched_lock);
			return;
		}
		spin = vxpu_engine_ctx_on_cpu_locked(ctx);
		spin_unlock(&vdev->sched_lock);
		cpu_relax();
	} while (spin && !need_resched() && ktime_get_ns() < until);
	wait_event(vdev->idle_wq, vxpu_ctx_quiescent(ctx));
}

static void vxpu_ctx_park_locked(struct vxpu_ctx *ctx)
{
	struct vxpu_queue *q;

	list_for_each_entry(q, &ctx->queue_list, ctx_link)
		list_del_init(&q->run_link);
}

static void vxpu_ctx_unpark_locked(struct vxpu_ctx *ctx)
{
	struct vxpu_queue *q;

	list_for_each_entry(q, &ctx->queue_list, ctx_link)
		vxpu_queue_requeue_locked(q);
}

/*
 * Pause every queue of @ctx: on return no engine executes any of them and
 * none will until the matching resume. A half-done packet keeps its
 * progress (queue->exec). Nests; each pause needs a vxpu_ctx_resume().
 * For kernel users (checkpoint); the ioctl keeps a count of its own, so
 * userspace cannot resume a pause it did not make. Returns 0, or
 * -EOVERFLOW when nested too deep.
 */
int vxpu_ctx_pause(struct vxpu_ctx *ctx)
{
	struct vxpu_device *vdev = ctx->vdev;

	spin_lock(&vdev->sched_lock);
	if (ctx->pause_count == U32_MAX) {
		spin_unlock(&vdev->sched_lock);
		return -EOVERFLOW;
	}
	ctx->pause_count++;
	vxpu_ctx_park_locked(ctx);
	spin_unlock(&vdev->sched_lock);

	/* Engines stop within one grain of work (VXPU_YIELD_GRAIN). */
	vxpu_ctx_wait_quiescent(ctx);
	return 0;
}

void vxpu_ctx_resume(struct vxpu_ctx *ctx)
{
	struct vxpu_device *vdev = ctx->vdev;

	spin_lock(&vdev->sched_lock);
	if (!WARN_ON(!ctx->pause_count)) {
		ctx->pause_count--;
		vxpu_ctx_unpark_locked(ctx);
	}
	spin_unlock(&vdev->sched_lock);
}

int vxpu_ioctl_context_pause(struct drm_device *drm, void *data,
			     struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_context_pause *args = data;
	struct vxpu_device *vdev = ctx->vdev;
	int ret = 0;

	if (args->flags)
		return -EINVAL;

	spin_lock(&vdev->sched_lock);
	switch (args->op) {
	case VXPU_CONTEXT_PAUSE:
		if (ctx->user_pause_count == U32_MAX) {
			ret = -EINVAL;
			break;
		}
		ctx->user_pause_count++;
		vxpu_ctx_park_locked(ctx);
		break;
	case VXPU_CONTEXT_RESUME:
		if (!ctx->user_pause_count) {
			ret = -EINVAL;
			break;
		}
		ctx->user_pause_count--;
		vxpu_ctx_unpark_locked(ctx);
		break;
	default:
		ret = -EINVAL;
	}
	spin_unlock(&vdev->sched_lock);

	if (!ret && args->op == VXPU_CONTEXT_PAUSE)
		vxpu_ctx_wait_quiescent(ctx);
	return ret;
}

/* ---- ioctls -------------------------------------------------------------- */

/*
 * Create a queue of @ctx on @ring_bo (the queue takes a reference of its
 * own) executing in ASID @asid_id, with id @want, or any free id when
 * @want is 0 (-EEXIST if @want is taken). @st, if not NULL, is a restored
 * execution state (checked by the image parser; restore keeps the context
 * paused until its RESUME). Returns the id in *@id. Errors: -EINVAL (ring
 * geometry), -ENOENT (no such ASID), -EEXIST, -ENOMEM.
 */
int vxpu_queue_create(struct vxpu_ctx *ctx, u32 want, u32 asid_id,
		      struct vxpu_bo *ring_bo, u64 ring_offset, u32 ring_entries,
		      u32 priority, const struct vxpu_queue_state *st, u32 *id)
{
	struct vxpu_device *vdev = ctx->vdev;
	struct vxpu_queue *q;
	u64 ring_end;
	int ret;

	if (priority > VXPU_QUEUE_PRIORITY_MAX)
		return -EINVAL;
	if (ring_entries < 2 || ring_entries > 65536 ||
	    !is_power_of_2(ring_entries) ||
	    !IS_ALIGNED(ring_offset, VXPU_PAGE_SIZE) ||
	    check_add_overflow(ring_offset,
			       (u64)ring_entries * VXPU_PACKET_SIZE,
			       &ring_end) ||
	    ring_end > ring_bo->base.size)
		return -EINVAL;

	q = kzalloc(sizeof(*q), GFP_KERNEL_ACCOUNT);
	if (!q)
		return -ENOMEM;
	q->asid = asid_id ? vxpu_asid_get(ctx, asid_id) : NULL;
	if (!q->asid) {
		kfree(q);
		return -ENOENT;
	}

	kref_init(&q->ref);
	q->ctx = ctx;
	q->priority = priority;
	drm_gem_object_get(&ring_bo->base);
	q->ring_bo = ring_bo;
	q->ring_offset = ring_offset;
	q->ring_entries = ring_entries;
	q->state = VXPU_QUEUE_IDLE;
	INIT_LIST_HEAD(&q->run_link);
	INIT_LIST_HEAD(&q->ctx_link);
	if (st) {
		q->state = st->state;
		q->pkt_valid = st->pkt_valid;
		q->rptr = st->rptr;
		q->wptr = st->wptr;
		q->bytes = st->bytes;
		q->chunks = st->chunks;
		q->pkt = st->pkt;
		q->exec = st->exec;
		q->fault = st->fault;
	}

	/*
	 * Publish last: an ioctl may find it, and destroy it, at once. The id
	 * is set before (xa_alloc sets it under the xarray's lock), and our
	 * reference keeps q until we have read it back.
	 */
	spin_lock(&vdev->sched_lock);
	list_add_tail(&q->ctx_link, &ctx->queue_list);
	spin_unlock(&vdev->sched_lock);
	atomic_inc(&vxpu_live_queues);
	kref_get(&q->ref);
	if (want) {
		q->id = want;
		ret = xa_insert(&ctx->queues, want, q, GFP_KERNEL_ACCOUNT);
		if (ret == -EBUSY)
			ret = -EEXIST;
	} else {
		ret = xa_alloc_cyclic(&ctx->queues, &q->id, q,
				      XA_LIMIT(1, INT_MAX), &ctx->queue_next,
				      GFP_KERNEL_ACCOUNT);
	}
	if (ret < 0) {
		atomic_dec(&vxpu_live_queues);
		spin_lock(&vdev->sched_lock);
		list_del_init(&q->ctx_link);
		spin_unlock(&vdev->sched_lock);
		vxpu_asid_put(q->asid);
		drm_gem_object_put(&ring_bo->base);
		kfree(q);
		return ret;
	}
	*id = q->id;
	vxpu_queue_put(q);
	return 0;
}

int vxpu_ioctl_queue_create(struct drm_device *drm, void *data,
			    struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_queue_create *args = data;
	struct drm_gem_object *obj;
	u64 ring_end;
	int ret;

	if (args->flags || args->priority > VXPU_QUEUE_PRIORITY_MAX)
		return -EINVAL;
	if (args->ring_entries < 2 || args->ring_entries > 65536 ||
	    !is_power_of_2(args->ring_entries) ||
	    !IS_ALIGNED(args->ring_offset, VXPU_PAGE_SIZE) ||
	    check_add_overflow(args->ring_offset,
			       (u64)args->ring_entries * VXPU_PACKET_SIZE,
			       &ring_end))
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->ring_handle);
	if (!obj)
		return -ENOENT;
	if (WARN_ON(!vxpu_is_vxpu_bo(drm, obj))) {
		drm_gem_object_put(obj);
		return -ENOENT;
	}
	/* grants: a revoke takes a foreign BO's pages away from the ring */
	if (vxpu_bo_is_foreign(obj)) {
		drm_gem_object_put(obj);
		return -EPERM;
	}
	ret = vxpu_queue_create(ctx, 0, args->asid, to_vxpu_bo(obj),
				args->ring_offset, args->ring_entries,
				args->priority, NULL, &args->queue);
	drm_gem_object_put(obj);
	return ret;
}

int vxpu_ioctl_queue_destroy(struct drm_device *drm, void *data,
			     struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_queue_destroy *args = data;
	struct vxpu_queue *q;

	if (args->pad)
		return -EINVAL;
	q = args->queue ? xa_erase(&ctx->queues, args->queue) : NULL;
	if (!q)
		return -ENOENT;
	vxpu_queue_kill(q);
	return 0;
}

int vxpu_ioctl_queue_doorbell(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct vxpu_device *vdev = ctx->vdev;
	struct drm_vxpu_queue_doorbell *args = data;
	struct vxpu_queue *q;
	int ret = 0;

	if (args->flags)
		return -EINVAL;
	q = vxpu_queue_get(ctx, args->queue);
	if (!q)
		return -ENOENT;

	spin_lock(&vdev->sched_lock);
	if (q->state == VXPU_QUEUE_ERROR) {
		ret = -EIO;
	} else if (args->wptr < q->wptr ||
		   args->wptr - q->rptr > q->ring_entries) {
		ret = -EINVAL;
	} else if (args->wptr != q->wptr) {
		q->wptr = args->wptr;
		if (q->state == VXPU_QUEUE_IDLE)
			vxpu_queue_requeue_locked(q);
	}
	spin_unlock(&vdev->sched_lock);

	vxpu_queue_put(q);
	return ret;
}

int vxpu_ioctl_queue_info(struct drm_device *drm, void *data,
			  struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct vxpu_device *vdev = ctx->vdev;
	struct drm_vxpu_queue_info *args = data;
	struct vxpu_queue *q;

	if (args->flags)
		return -EINVAL;
	q = vxpu_queue_get(ctx, args->queue);
	if (!q)
		return -ENOENT;

	spin_lock(&vdev->sched_lock);
	args->state = vxpu_queue_state_locked(q);
	args->priority = q->priority;
	args->rptr = q->rptr;
	args->wptr = q->wptr;
	args->progress = q->pkt_valid ? vxpu_exec_progress(&q->exec) : 0;
	args->bytes = q->bytes;
	args->chunks = q->chunks;
	if (q->state == VXPU_QUEUE_ERROR || q->state == VXPU_QUEUE_STALLED)
		args->fault = q->fault;
	else
		memset(&args->fault, 0, sizeof(args->fault));
	spin_unlock(&vdev->sched_lock);

	vxpu_queue_put(q);
	return 0;
}

/* Copy packet @idx out of @q's ring (the ring BO is referenced by @q). */
void vxpu_queue_fetch(struct vxpu_queue *q, u64 idx,
		      struct drm_vxpu_packet *pkt)
{
	u64 off = q->ring_offset + (idx & (q->ring_entries - 1)) *
		  VXPU_PACKET_SIZE;
	struct page *page = vxpu_bo_page(q->ring_bo, off >> PAGE_SHIFT);
	void *kaddr;

	if (!page) {
		memset(pkt, 0xff, sizeof(*pkt));	/* a BAD_PACKET */
		return;
	}
	kaddr = kmap_local_page(page);
	memcpy(pkt, kaddr + offset_in_page(off), sizeof(*pkt));
	kunmap_local(kaddr);
}
