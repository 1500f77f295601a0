// SPDX-License-Identifier: GPL-2.0
/*
 * vxpu: debugfs.
 *
 * /sys/kernel/debug/vxpu/live              live object counters (all devices)
 * /sys/kernel/debug/vxpu/<index>/memory    VRAM pool and per-context usage
 * /sys/kernel/debug/vxpu/<index>/contexts  one line per context
 * /sys/kernel/debug/vxpu/<index>/ctx/<id>  one context: quota, BOs, ASIDs
 *                                          and their mappings, queues (state,
 *                                          rptr/wptr, counters, fault)
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include <drm/drm_vma_manager.h>

#include "vxpu_drv.h"

static struct dentry *vxpu_debugfs_root;

static const char *vxpu_placement_name(u32 placement)
{
	return placement == VXPU_BO_VRAM ? "vram" : "gtt";
}

static int vxpu_live_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "contexts %d\nbos %d\nasids %d\nmappings %d\nqueues %d\nevents %d\n",
		   atomic_read(&vxpu_live_ctxs), atomic_read(&vxpu_live_bos),
		   atomic_read(&vxpu_live_asids),
		   atomic_read(&vxpu_live_mappings),
		   atomic_read(&vxpu_live_queues),
		   atomic_read(&vxpu_live_events));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vxpu_live);

static int vxpu_memory_show(struct seq_file *m, void *unused)
{
	struct vxpu_device *vdev = m->private;
	struct vxpu_ctx *ctx;
	unsigned long id;

	mutex_lock(&vdev->vram_lock);
	seq_printf(m, "vram_size %llu\nvram_free %llu\nvram_used %llu\n",
		   vdev->vram_size, vdev->vram_free,
		   vdev->vram_size - vdev->vram_free);
	mutex_unlock(&vdev->vram_lock);

	seq_puts(m, "ctx_id quota_used bo_count\n");
	xa_lock(&vdev->ctxs);
	xa_for_each(&vdev->ctxs, id, ctx) {
		spin_lock(&ctx->lock);
		seq_printf(m, "%u %llu %u\n", ctx->id, ctx->quota_used,
			   ctx->bo_count);
		spin_unlock(&ctx->lock);
	}
	xa_unlock(&vdev->ctxs);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vxpu_memory);

static int vxpu_contexts_show(struct seq_file *m, void *unused)
{
	struct vxpu_device *vdev = m->private;
	struct vxpu_ctx *ctx;
	unsigned long id;

	seq_puts(m, "ctx_id state quota quota_used bo_count asid_count\n");
	xa_lock(&vdev->ctxs);
	xa_for_each(&vdev->ctxs, id, ctx) {
		spin_lock(&ctx->lock);
		seq_printf(m, "%u %s %llu %llu %u %u\n", ctx->id,
			   ctx->closed ? "closed" : "open", ctx->quota,
			   ctx->quota_used, ctx->bo_count,
			   READ_ONCE(ctx->asid_count));
		spin_unlock(&ctx->lock);
	}
	xa_unlock(&vdev->ctxs);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vxpu_contexts);

static void vxpu_ctx_show_asid(struct seq_file *m, struct vxpu_asid *asid)
{
	struct drm_mm_node *node;

	mutex_lock(&asid->lock);
	seq_printf(m, "asid %u mappings %u\n", asid->id, asid->mapping_count);
	drm_mm_for_each_node(node, &asid->mm) {
		struct vxpu_mapping *map =
			container_of(node, struct vxpu_mapping, node);

		seq_printf(m, "  va 0x%llx size 0x%llx bo %p bo_offset 0x%llx perm %s%s\n",
			   node->start, node->size, map->bo, map->bo_offset,
			   map->perm & VXPU_MAP_READ ? "r" : "-",
			   map->perm & VXPU_MAP_WRITE ? "w" : "-");
	}
	mutex_unlock(&asid->lock);
}

static void vxpu_ctx_show_queues(struct seq_file *m, struct vxpu_ctx *ctx)
{
	struct vxpu_device *vdev = ctx->vdev;
	struct vxpu_queue *q;

	spin_lock(&vdev->sched_lock);
	seq_printf(m, "paused %u user_paused %u active %u\n",
		   ctx->pause_count, ctx->user_pause_count, ctx->active);
	list_for_each_entry(q, &ctx->queue_list, ctx_link) {
		seq_printf(m, "queue %u asid %u prio %u state %s rptr %llu wptr %llu progress %llu bytes %llu chunks %llu ring_entries %u",
			   q->id, q->asid->id, q->priority,
			   vxpu_queue_state_name(q), q->rptr, q->wptr,
			   q->pkt_valid ? vxpu_exec_progress(&q->exec) : 0,
			   q->bytes, q->chunks, q->ring_entries);
		if (q->state == VXPU_QUEUE_ERROR)
			seq_printf(m, " fault reason %u access %u asid %u va 0x%llx packet %llu",
				   q->fault.reason, q->fault.access,
				   q->fault.asid, q->fault.va, q->fault.packet);
		seq_putc(m, '\n');
	}
	spin_unlock(&vdev->sched_lock);
}

static int vxpu_ctxfile_show(struct seq_file *m, void *unused)
{
	struct vxpu_ctx *ctx = m->private;
	struct vxpu_asid *asid;
	struct vxpu_bo *bo;
	unsigned long id;

	spin_lock(&ctx->lock);
	seq_printf(m, "ctx_id %u\nquota %llu\nquota_used %llu\nbo_count %u\n",
		   ctx->id, ctx->quota, ctx->quota_used, ctx->bo_count);
	list_for_each_entry(bo, &ctx->bos, ctx_link)
		seq_printf(m, "bo %p size 0x%zx placement %s refs %u maps %d mmap_offset 0x%llx\n",
			   bo, bo->base.size, vxpu_placement_name(bo->placement),
			   kref_read(&bo->base.refcount),
			   atomic_read(&bo->map_count),
			   drm_vma_node_offset_addr(&bo->base.vma_node));
	spin_unlock(&ctx->lock);

	mutex_lock(&ctx->asid_lock);
	seq_printf(m, "asid_count %u\n", ctx->asid_count);
	xa_for_each(&ctx->asids, id, asid)
		vxpu_ctx_show_asid(m, asid);
	mutex_unlock(&ctx->asid_lock);

	vxpu_ctx_show_queues(m, ctx);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vxpu_ctxfile);

void vxpu_debugfs_ctx_init(struct vxpu_ctx *ctx)
{
	char name[16];

	if (IS_ERR_OR_NULL(ctx->vdev->debugfs_ctx))
		return;
	snprintf(name, sizeof(name), "%u", ctx->id);
	ctx->debugfs = debugfs_create_file(name, 0444, ctx->vdev->debugfs_ctx,
					   ctx, &vxpu_ctxfile_fops);
}

void vxpu_debugfs_ctx_fini(struct vxpu_ctx *ctx)
{
	/* Waits for readers, so ctx outlives every show. */
	debugfs_remove(ctx->debugfs);
	ctx->debugfs = NULL;
}

void vxpu_debugfs_device_init(struct vxpu_device *vdev)
{
	char name[16];

	if (IS_ERR_OR_NULL(vxpu_debugfs_root))
		return;
	snprintf(name, sizeof(name), "%u", vdev->index);
	vdev->debugfs = debugfs_create_dir(name, vxpu_debugfs_root);
	debugfs_create_file("memory", 0444, vdev->debugfs, vdev,
			    &vxpu_memory_fops);
	debugfs_create_file("contexts", 0444, vdev->debugfs, vdev,
			    &vxpu_contexts_fops);
	vdev->debugfs_ctx = debugfs_create_dir("ctx", vdev->debugfs);
}

void vxpu_debugfs_device_fini(struct vxpu_device *vdev)
{
	debugfs_remove_recursive(vdev->debugfs);
	vdev->debugfs = NULL;
	vdev->debugfs_ctx = NULL;
}

void vxpu_debugfs_module_init(void)
{
	vxpu_debugfs_root = debugfs_create_dir("vxpu", NULL);
	debugfs_create_file("live", 0444, vxpu_debugfs_root, NULL,
			    &vxpu_live_fops);
}

void vxpu_debugfs_module_exit(void)
{
	debugfs_remove_recursive(vxpu_debugfs_root);
	vxpu_debugfs_root = NULL;
}
