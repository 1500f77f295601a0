/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vxpu: internal types shared by the driver's files.
 *
 * Object model
 * ------------
 * vxpu_device   one per platform device "vxpu.N"; owns the VRAM pool.
 * vxpu_ctx      one per open file (drm_file->driver_priv); refcounted,
 *               because BOs charged to it may outlive the file.
 * vxpu_bo       a GEM object, GTT (drm_gem_shmem, pinned at creation) or
 *               VRAM (pool pages carved by the buddy allocator); holds a
 *               reference on the context it is charged to.
 * vxpu_asid     a device address space of one context; refcounted so
 *               that an ioctl may use it while another thread destroys it.
 * vxpu_mapping  a BO range mapped into an ASID; holds a BO reference.
 *
 * Locks, one role each (outer to inner in the order listed):
 *
 * vxpu_ctx.asid_lock   (mutex) membership of ctx->asids: create, destroy,
 *                      context teardown and debugfs iteration.
 * vxpu_asid.lock       (mutex) the ASID's VA allocator (mm), page table
 *                      (pt), mapping_count and dead flag.
 * vxpu_device.vram_lock (mutex) the VRAM buddy allocator and vram_free.
 * vxpu_device.ctxs     (its xa_lock) context ids; held while debugfs walks
 *                      the contexts, and to erase a context's id.
 * vxpu_ctx.lock        (spinlock) quota, quota_used, bo_count, closed and
 *                      the list of BOs charged to the context.
 * vxpu_ctx.asids       (its xa_lock) ASID ids; lookups take an ASID
 *                      reference under it.
 *
 * Dropping the last reference of a BO (e.g. an unmap under asid.lock) may
 * take vram_lock, ctx.lock and the ctxs xa_lock: hence the order above.
 */
#ifndef _VXPU_DRV_H_
#define _VXPU_DRV_H_

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_mm.h>

#include <drm/vxpu_accel.h>

#include "compat.h"

#define VXPU_MAX_DEVICES	8
#define VXPU_VA_START		BIT_ULL(20)
#define VXPU_VA_END		BIT_ULL(47)
#define VXPU_RW_MAX		BIT_ULL(30)

/* Page table entry: xa_mk_value(pfn << VXPU_PTE_SHIFT | VXPU_MAP_* bits). */
#define VXPU_PTE_PERM_MASK	(VXPU_MAP_READ | VXPU_MAP_WRITE)
#define VXPU_PTE_SHIFT		2

struct vxpu_device {
	struct drm_device drm;
	unsigned int index;
	u32 gpu_id;
	u32 engine_count;
	char name[32];

	/* VRAM pool: vram_npages order-0 pages, allocated at probe. */
	struct page **vram_pages;
	unsigned long vram_npages;
	u64 vram_size;
	/* Protects vram_mm and vram_free. */
	struct mutex vram_lock;
	struct vxpu_buddy vram_mm;
	bool vram_mm_ready;
	u64 vram_free;

	/* Contexts by id (XA_FLAGS_ALLOC1), including closed ones with BOs. */
	struct xarray ctxs;
	u32 ctx_next;

	struct dentry *debugfs;
	struct dentry *debugfs_ctx;
};

struct vxpu_ctx {
	struct kref ref;
	struct vxpu_device *vdev;
	u32 id;

	/* Protects quota, quota_used, bo_count, closed and bos. */
	spinlock_t lock;
	u64 quota;
	u64 quota_used;
	u32 bo_count;
	bool closed;
	struct list_head bos;

	/* Serializes changes to asids and asid_count, and walks of asids. */
	struct mutex asid_lock;
	struct xarray asids;
	u32 asid_next;
	u32 asid_count;

	struct dentry *debugfs;
};

struct vxpu_bo {
	union {
		/* VRAM BOs use base; GTT BOs use shmem, whose base aliases it. */
		struct drm_gem_object base;
		struct drm_gem_shmem_object shmem;
	};
	u32 placement;
	bool pinned;
	/* Page of each BO page index; for GTT this is shmem.pages. */
	struct page **pages;
	/* VRAM: buddy blocks backing the BO. */
	struct list_head blocks;
	/* Context charged for the BO (a reference), and its link there. */
	struct vxpu_ctx *owner;
	struct list_head ctx_link;
	atomic_t map_count;
};

struct vxpu_asid {
	struct kref ref;
	struct vxpu_ctx *ctx;
	u32 id;

	/* Protects dead, mm, pt and mapping_count. */
	struct mutex lock;
	bool dead;
	struct drm_mm mm;
	struct xarray pt;
	u32 mapping_count;
};

struct vxpu_mapping {
	struct drm_mm_node node;
	struct vxpu_bo *bo;
	u64 bo_offset;
	u32 perm;
};

/* Live object counters, checked at module unload (vxpu_drv.c). */
extern atomic_t vxpu_live_ctxs;
extern atomic_t vxpu_live_bos;
extern atomic_t vxpu_live_asids;
extern atomic_t vxpu_live_mappings;

/* Module parameters (vxpu_drv.c). */
extern unsigned long long vxpu_default_quota;

static inline struct vxpu_device *to_vxpu_device(struct drm_device *drm)
{
	return container_of(drm, struct vxpu_device, drm);
}

static inline struct vxpu_bo *to_vxpu_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct vxpu_bo, base);
}

static inline struct vxpu_ctx *vxpu_file_ctx(struct drm_file *file)
{
	return file->driver_priv;
}

/* vxpu_ctx.c */
int vxpu_ctx_open(struct drm_device *drm, struct drm_file *file);
void vxpu_ctx_postclose(struct drm_device *drm, struct drm_file *file);
void vxpu_ctx_put(struct vxpu_ctx *ctx);
int vxpu_ctx_charge(struct vxpu_ctx *ctx, u64 size);
void vxpu_ctx_uncharge(struct vxpu_ctx *ctx, u64 size);
int vxpu_ioctl_context_info(struct drm_device *drm, void *data,
			    struct drm_file *file);
int vxpu_ioctl_context_set_quota(struct drm_device *drm, void *data,
				 struct drm_file *file);

/* vxpu_bo.c */
int vxpu_vram_init(struct vxpu_device *vdev, u64 size);
struct drm_gem_object *vxpu_gem_create_object(struct drm_device *drm,
					      size_t size);
bool vxpu_is_vxpu_bo(struct drm_device *drm, struct drm_gem_object *obj);
u64 vxpu_vram_free(struct vxpu_device *vdev);
int vxpu_ioctl_bo_create(struct drm_device *drm, void *data,
			 struct drm_file *file);
int vxpu_ioctl_bo_info(struct drm_device *drm, void *data,
		       struct drm_file *file);

static inline unsigned long vxpu_bo_npages(struct vxpu_bo *bo)
{
	return bo->base.size >> PAGE_SHIFT;
}

/* The page backing page @idx of @bo, whatever its placement. */
static inline struct page *vxpu_bo_page(struct vxpu_bo *bo, unsigned long idx)
{
	if (WARN_ON(idx >= vxpu_bo_npages(bo) || !bo->pages))
		return NULL;
	return bo->pages[idx];
}

/* vxpu_asid.c */
void vxpu_asid_destroy_all(struct vxpu_ctx *ctx);
struct vxpu_asid *vxpu_asid_get(struct vxpu_ctx *ctx, u32 id);
void vxpu_asid_put(struct vxpu_asid *asid);
struct vxpu_mapping *vxpu_asid_find(struct vxpu_asid *asid, u64 va);
int vxpu_ioctl_asid_create(struct drm_device *drm, void *data,
			   struct drm_file *file);
int vxpu_ioctl_asid_destroy(struct drm_device *drm, void *data,
			    struct drm_file *file);
int vxpu_ioctl_vm_map(struct drm_device *drm, void *data,
		      struct drm_file *file);
int vxpu_ioctl_vm_unmap(struct drm_device *drm, void *data,
			struct drm_file *file);

/* vxpu_vm_rw.c */
int vxpu_ioctl_vm_read(struct drm_device *drm, void *data,
		       struct drm_file *file);
int vxpu_ioctl_vm_write(struct drm_device *drm, void *data,
			struct drm_file *file);

/* vxpu_prime.c */
struct drm_gem_object *vxpu_gem_prime_import(struct drm_device *drm,
					     struct dma_buf *dma_buf);

/* vxpu_debugfs.c */
void vxpu_debugfs_module_init(void);
void vxpu_debugfs_module_exit(void);
void vxpu_debugfs_device_init(struct vxpu_device *vdev);
void vxpu_debugfs_device_fini(struct vxpu_device *vdev);
void vxpu_debugfs_ctx_init(struct vxpu_ctx *ctx);
void vxpu_debugfs_ctx_fini(struct vxpu_ctx *ctx);

#endif /* _VXPU_DRV_H_ */
