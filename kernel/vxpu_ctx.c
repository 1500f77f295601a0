// SPDX-License-Identifier: GPL-2.0
/*
 * vxpu: contexts. Each open file is one context with a device-unique id
 * and a memory quota. The file holds one reference; every BO charged to the
 * context holds another, so the charge can be returned after the file is
 * closed. The id stays reserved until the last reference goes.
 */
#include <linux/capability.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <drm/drm_print.h>

#include "vxpu_drv.h"

int vxpu_ctx_open(struct drm_device *drm, struct drm_file *file)
{
	struct vxpu_device *vdev = to_vxpu_device(drm);
	struct vxpu_ctx *ctx;
	int ret;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;

	kref_init(&ctx->ref);
	ctx->vdev = vdev;
	spin_lock_init(&ctx->lock);
	ctx->quota = vxpu_default_quota;
	INIT_LIST_HEAD(&ctx->bos);
	mutex_init(&ctx->asid_lock);
	xa_init_flags(&ctx->asids, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	vxpu_queue_ctx_init(ctx);
	vxpu_event_ctx_init(ctx);
	vxpu_criu_ctx_init(ctx);
	vxpu_grant_ctx_init(ctx);

	ret = xa_alloc_cyclic(&vdev->ctxs, &ctx->id, ctx,
			      XA_LIMIT(1, INT_MAX), &vdev->ctx_next,
			      GFP_KERNEL);
	if (ret < 0)
		goto err_free;

	ctx->owner = get_pid(task_tgid(current));
	atomic_inc(&vxpu_live_ctxs);
	file->driver_priv = ctx;
	vxpu_debugfs_ctx_init(ctx);
	return 0;

err_free:
	mutex_destroy(&ctx->criu_lock);
	mutex_destroy(&ctx->asid_lock);
	kfree(ctx);
	return ret;
}

static void vxpu_ctx_release(struct kref *ref)
{
	struct vxpu_ctx *ctx = container_of(ref, struct vxpu_ctx, ref);

	WARN_ON(!list_empty(&ctx->bos));
	WARN_ON(ctx->quota_used || ctx->bo_count);
	WARN_ON(!xa_empty(&ctx->asids));
	WARN_ON(!xa_empty(&ctx->queues) || !xa_empty(&ctx->events));
	WARN_ON(!list_empty(&ctx->criu_pauses));

	xa_erase(&ctx->vdev->ctxs, ctx->id);
	put_pid(ctx->owner);
	mutex_destroy(&ctx->criu_lock);
	xa_destroy(&ctx->asids);
	mutex_destroy(&ctx->asid_lock);
	kfree(ctx);
	atomic_dec(&vxpu_live_ctxs);
}

void vxpu_ctx_put(struct vxpu_ctx *ctx)
{
	kref_put(&ctx->ref, vxpu_ctx_release);
}

void vxpu_ctx_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);

	if (WARN_ON(!ctx))
		return;

	vxpu_debugfs_ctx_fini(ctx);
	/* Revoke what it granted; fail the queues waiting for its answers. */
	vxpu_grant_ctx_fini(ctx);
	/* First stop the engines using the context's ASIDs and events. */
	vxpu_queue_destroy_all(ctx);
	WARN_ON(!list_empty(&ctx->queue_list));
	vxpu_event_destroy_all(ctx);
	/* A pending restore ends: its BOs leave the device's registry. */
	vxpu_criu_ctx_close(ctx);
	/* Handles are gone already; mappings still hold BO references. */
	vxpu_asid_destroy_all(ctx);

	spin_lock(&ctx->lock);
	ctx->closed = true;
	spin_unlock(&ctx->lock);

	file->driver_priv = NULL;
	vxpu_ctx_put(ctx);
}

/* Charge @size bytes and one BO to @ctx, or fail with -EDQUOT. */
int vxpu_ctx_charge(struct vxpu_ctx *ctx, u64 size)
{
	u64 used;
	int ret = 0;

	spin_lock(&ctx->lock);
	if (check_add_overflow(ctx->quota_used, size, &used) ||
	    used > ctx->quota) {
		ret = -EDQUOT;
	} else {
		ctx->quota_used = used;
		ctx->bo_count++;
	}
	spin_unlock(&ctx->lock);
	return ret;
}

void vxpu_ctx_uncharge(struct vxpu_ctx *ctx, u64 size)
{
	spin_lock(&ctx->lock);
	if (!WARN_ON(ctx->quota_used < size || !ctx->bo_count)) {
		ctx->quota_used -= size;
		ctx->bo_count--;
	}
	spin_unlock(&ctx->lock);
}

int vxpu_ioctl_context_info(struct drm_device *drm, void *data,
			    struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_context_info *args = data;

	if (args->flags)
		return -EINVAL;

	args->ctx_id = ctx->id;
	spin_lock(&ctx->lock);
	args->quota = ctx->quota;
	args->quota_used = ctx->quota_used;
	args->bo_count = ctx->bo_count;
	spin_unlock(&ctx->lock);
	mutex_lock(&ctx->asid_lock);
	args->asid_count = ctx->asid_count;
	mutex_unlock(&ctx->asid_lock);
	return 0;
}

int vxpu_ioctl_context_set_quota(struct drm_device *drm, void *data,
				 struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_context_set_quota *args = data;
	bool raise;

	if (args->flags || args->pad ||
	    !IS_ALIGNED(args->quota, VXPU_PAGE_SIZE))
		return -EINVAL;

	spin_lock(&ctx->lock);
	raise = args->quota > ctx->quota;
	spin_unlock(&ctx->lock);

	/* capable() may sleep to audit: ask outside the spinlock. */
	if (raise && !capable(CAP_SYS_ADMIN))
		return -EPERM;

	spin_lock(&ctx->lock);
	ctx->quota = args->quota;
	spin_unlock(&ctx->lock);
	return 0;
}
