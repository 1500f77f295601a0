// SPDX-License-Identifier: GPL-2.0
/*
 * vxpu: events. An event is a 64-bit counter of one context that only goes
 * up: SIGNAL packets raise it to a value if larger, DRM_VXPU_EVENT_WAIT
 * sleeps until one or all of a set of events reach given values, or an
 * absolute CLOCK_MONOTONIC deadline passes.
 *
 * Lookups take a reference under the xa_lock of ctx->events; a waiter
 * holds references on its events, so destroying one wakes the waiter,
 * which sees the dead flag and returns -ENOENT.
 */
#include <linux/hrtimer.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vxpu_drv.h"

void vxpu_event_ctx_init(struct vxpu_ctx *ctx)
{
	xa_init_flags(&ctx->events, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	init_waitqueue_head(&ctx->event_wq);
}

static void vxpu_event_release(struct kref *ref)
{
	struct vxpu_event *ev = container_of(ref, struct vxpu_event, ref);

	WARN_ON(!ev->dead);
	kfree(ev);
	atomic_dec(&vxpu_live_events);
}

void vxpu_event_put(struct vxpu_event *ev)
{
	kref_put(&ev->ref, vxpu_event_release);
}

static struct vxpu_event *vxpu_event_get(struct vxpu_ctx *ctx, u64 id)
{
	struct vxpu_event *ev;

	if (!id || id > U32_MAX)
		return NULL;
	xa_lock(&ctx->events);
	ev = xa_load(&ctx->events, id);
	if (ev)
		kref_get(&ev->ref);
	xa_unlock(&ctx->events);
	return ev;
}

/*
 * The event of @ctx with the lowest id >= *@id, with a reference and
 * *@id set to its id; or NULL.
 */
struct vxpu_event *vxpu_event_next(struct vxpu_ctx *ctx, unsigned long *id)
{
	struct vxpu_event *ev;

	xa_lock(&ctx->events);
	ev = xa_find(&ctx->events, id, ULONG_MAX, XA_PRESENT);
	if (ev)
		kref_get(&ev->ref);
	xa_unlock(&ctx->events);
	return ev;
}

static void vxpu_event_kill(struct vxpu_ctx *ctx, struct vxpu_event *ev)
{
	WRITE_ONCE(ev->dead, true);
	wake_up_all(&ctx->event_wq);
	vxpu_event_put(ev);
}

/*
 * At context close, and when a restore fails (beside the context's other
 * ioctls: an event is ours to kill only if our xa_erase() took it out).
 */
void vxpu_event_destroy_all(struct vxpu_ctx *ctx)
{
	struct vxpu_event *ev;
	unsigned long id;

	xa_for_each(&ctx->events, id, ev) {
		ev = xa_erase(&ctx->events, id);
		if (ev)
			vxpu_event_kill(ctx, ev);
	}
}

/*
 * Raise event @id of @ctx to @value if larger (SIGNAL). Called by the
 * engine holding no lock. Returns 0 or VXPU_FAULT_BAD_EVENT.
 */
int vxpu_event_signal(struct vxpu_ctx *ctx, u64 id, u64 value)
{
	struct vxpu_event *ev = vxpu_event_get(ctx, id);
	s64 old;

	if (!ev)
		return VXPU_FAULT_BAD_EVENT;

	old = atomic64_read(&ev->value);
	do {
		if ((u64)old >= value)
			break;
	} while (!atomic64_try_cmpxchg(&ev->value, &old, (s64)value));
	if ((u64)old < value)
		wake_up_all(&ctx->event_wq);
	vxpu_event_put(ev);
	return 0;
}

/*
 * Create an event of @ctx holding @value, with id @want, or any free id
 * when @want is 0 (-EEXIST if @want is taken). Returns its id in *@id.
 */
int vxpu_event_create(struct vxpu_ctx *ctx, u32 want, u64 value, u32 *id)
{
	struct vxpu_event *ev;
	int ret;

	ev = kzalloc(sizeof(*ev), GFP_KERNEL_ACCOUNT);
	if (!ev)
		return -ENOMEM;
	kref_init(&ev->ref);
	atomic64_set(&ev->value, (s64)value);

	/*
	 * An ioctl may find it, and destroy it, as soon as it is in the
	 * xarray: the id is set before (xa_alloc sets it under the xarray's
	 * lock), and our reference keeps ev until we have read it back.
	 */
	atomic_inc(&vxpu_live_events);
	kref_get(&ev->ref);
	if (want) {
		ev->id = want;
		ret = xa_insert(&ctx->events, want, ev, GFP_KERNEL_ACCOUNT);
		if (ret == -EBUSY)
			ret = -EEXIST;
	} else {
		ret = xa_alloc_cyclic(&ctx->events, &ev->id, ev,
				      XA_LIMIT(1, INT_MAX), &ctx->event_next,
				      GFP_KERNEL_ACCOUNT);
	}
	if (ret < 0) {
		atomic_dec(&vxpu_live_events);
		kfree(ev);
		return ret;
	}
	*id = ev->id;
	vxpu_event_put(ev);
	return 0;
}

int vxpu_ioctl_event_create(struct drm_device *drm, void *data,
			    struct drm_file *file)
{
	struct drm_vxpu_event_create *args = data;

	if (args->flags)
		return -EINVAL;
	return vxpu_event_create(vxpu_file_ctx(file), 0, args->value,
				 &args->event);
}

int vxpu_ioctl_event_destroy(struct drm_device *drm, void *data,
			     struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_event_destroy *args = data;
	struct vxpu_event *ev;

	if (args->pad)
		return -EINVAL;
	ev = args->event ? xa_erase(&ctx->events, args->event) : NULL;
	if (!ev)
		return -ENOENT;
	vxpu_event_kill(ctx, ev);
	return 0;
}

int vxpu_ioctl_event_read(struct drm_device *drm, void *data,
			  struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_event_read *args = data;
	struct vxpu_event *ev;

	if (args->flags)
		return -EINVAL;
	ev = vxpu_event_get(ctx, args->event);
	if (!ev)
		return -ENOENT;
	args->value = (u64)atomic64_read(&ev->value);
	vxpu_event_put(ev);
	return 0;
}

struct vxpu_waiter {
	struct vxpu_event *ev;
	u64 value;
};

/*
 * 1 when the wait is satisfied (*first set), 0 when not yet, -ENOENT when
 * an event was destroyed.
 */
static int vxpu_wait_check(struct vxpu_waiter *w, u32 count, bool all,
			   u32 *first)
{
	u32 i, done = 0;

	for (i = 0; i < count; i++) {
		if (READ_ONCE(w[i].ev->dead))
			return -ENOENT;
		if ((u64)atomic64_read(&w[i].ev->value) >= w[i].value) {
			if (!done)
				*first = i;
			done++;
		}
	}
	return all ? done == count : done > 0;
}

int vxpu_ioctl_event_wait(struct drm_device *drm, void *data,
			  struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_event_wait *args = data;
	struct drm_vxpu_event_wait_entry *entries;
	bool all = args->flags & VXPU_WAIT_ALL;
	struct vxpu_waiter *w;
	u32 i, n = 0, first = 0;
	ktime_t deadline, rel;
	long ret;

	if ((args->flags & ~VXPU_WAIT_ALL) || args->pad || !args->count ||
	    args->count > VXPU_EVENT_WAIT_MAX)
		return -EINVAL;

	entries = memdup_user(u64_to_user_ptr(args->entries),
			      array_size(args->count, sizeof(*entries)));
	if (IS_ERR(entries))
		return PTR_ERR(entries);

	w = kcalloc(args->count, sizeof(*w), GFP_KERNEL);
	if (!w) {
		ret = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < args->count; i++) {
		if (entries[i].pad) {
			ret = -EINVAL;
			goto out_put;
		}
	}
	for (n = 0; n < args->count; n++) {
		w[n].ev = vxpu_event_get(ctx, entries[n].event);
		if (!w[n].ev) {
			ret = -ENOENT;
			goto out_put;
		}
		w[n].value = entries[n].value;
	}

	/*
	 * The deadline is absolute, so a restart after a signal waits for
	 * the same instant. Satisfied events win over an expired deadline.
	 */
	deadline = ns_to_ktime(args->timeout_ns);
	rel = ktime_sub(deadline, ktime_get());
	if (rel < 0)
		rel = 0;
	ret = wait_event_interruptible_hrtimeout(ctx->event_wq,
						 vxpu_wait_check(w, n, all, &first) ||
						 ktime_after(ktime_get(), deadline),
						 rel);
	if (ret == -ERESTARTSYS)
		goto out_put;
	ret = vxpu_wait_check(w, n, all, &first);
	if (ret > 0) {
		args->first = first;
		ret = 0;
	} else if (!ret) {
		ret = -ETIME;
	}

out_put:
	for (i = 0; i < n; i++)
		vxpu_event_put(w[i].ev);
	kfree(w);
out_free:
	kfree(entries);
	return ret;
}
