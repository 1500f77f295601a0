/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vxpu: every kernel feature probe lives here, nowhere else.
 *
 * Distribution kernels backport features, so version numbers lie: we test
 * for headers and signatures with the compile probes in probes/, whose
 * results kernel/Makefile writes to vxpu_probes.h as VXPU_HAVE_* defines.
 * (Not __has_include(): sparse does not know it.)
 */
#ifndef _VXPU_COMPAT_H_
#define _VXPU_COMPAT_H_

#include <linux/fs.h>
#include <linux/mm.h>

#include "vxpu_probes.h"

/* DRM accel nodes (/dev/accel/accelN), 6.2+. */
#ifdef VXPU_HAVE_DRM_ACCEL_H
#include <drm/drm_accel.h>
#define VXPU_DRIVER_FEATURE_NODE DRIVER_COMPUTE_ACCEL
#define vxpu_fops_open accel_open
#else
#define VXPU_DRIVER_FEATURE_NODE DRIVER_RENDER
#define vxpu_fops_open drm_open
#endif

/* The buddy allocator moved to lib/ as gpu_buddy (backported by Debian). */
#ifdef VXPU_HAVE_GPU_BUDDY_H
#include <linux/gpu_buddy.h>
#define vxpu_buddy			gpu_buddy
#define vxpu_buddy_block		gpu_buddy_block
#define vxpu_buddy_init			gpu_buddy_init
#define vxpu_buddy_fini			gpu_buddy_fini
#define vxpu_buddy_alloc_blocks		gpu_buddy_alloc_blocks
#define vxpu_buddy_block_offset		gpu_buddy_block_offset
#define vxpu_buddy_block_size		gpu_buddy_block_size
#define vxpu_buddy_free_list(mm, list)	gpu_buddy_free_list(mm, list, 0)
#else
#include <drm/drm_buddy.h>
#define vxpu_buddy			drm_buddy
#define vxpu_buddy_block		drm_buddy_block
#define vxpu_buddy_init			drm_buddy_init
#define vxpu_buddy_fini			drm_buddy_fini
#define vxpu_buddy_alloc_blocks		drm_buddy_alloc_blocks
#define vxpu_buddy_block_offset		drm_buddy_block_offset
#define vxpu_buddy_block_size		drm_buddy_block_size
#define vxpu_buddy_free_list(mm, list)	drm_buddy_free_list(mm, list)
#endif

/* vma->vm_flags became read-only behind vm_flags_set() in 6.3. */
#ifdef VXPU_HAVE_VM_FLAGS_SET
static inline void vxpu_vm_flags_set(struct vm_area_struct *vma,
				     vm_flags_t flags)
{
	vm_flags_set(vma, flags);
}

static inline void vxpu_vm_flags_clear(struct vm_area_struct *vma,
				       vm_flags_t flags)
{
	vm_flags_clear(vma, flags);
}
#else
static inline void vxpu_vm_flags_set(struct vm_area_struct *vma,
				     vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vxpu_vm_flags_clear(struct vm_area_struct *vma,
				       vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/* DRM file_operations gained .fop_flags = FOP_UNSIGNED_OFFSET in 6.12. */
#ifdef FOP_UNSIGNED_OFFSET
#define VXPU_FOP_FLAGS .fop_flags = FOP_UNSIGNED_OFFSET,
#else
#define VXPU_FOP_FLAGS
#endif

/* drm_driver members that older kernels require and newer ones dropped. */
#ifdef VXPU_HAVE_DRM_DRIVER_DATE
#define VXPU_DRIVER_DATE .date = "20261122",
#else
#define VXPU_DRIVER_DATE
#endif

#ifdef VXPU_HAVE_DRM_DRIVER_PRIME_HANDLE_TO_FD
#define VXPU_DRIVER_PRIME_FD \
	.prime_handle_to_fd = drm_gem_prime_handle_to_fd, \
	.prime_fd_to_handle = drm_gem_prime_fd_to_handle,
#else
#define VXPU_DRIVER_PRIME_FD
#endif

#ifdef VXPU_HAVE_DRM_DRIVER_GEM_PRIME_MMAP
#define VXPU_DRIVER_PRIME_MMAP .gem_prime_mmap = drm_gem_prime_mmap,
#else
#define VXPU_DRIVER_PRIME_MMAP
#endif

/*
 * A GEM handle's dma-buf without an fd (6.10+): an ioctl can then install
 * its fds once it can no longer fail. Before, only
 * drm_gem_prime_handle_to_fd(), which installs one at once.
 */
#ifdef VXPU_HAVE_DRM_GEM_PRIME_HANDLE_TO_DMABUF
#define vxpu_prime_fd_late	true
#define vxpu_prime_handle_to_dmabuf drm_gem_prime_handle_to_dmabuf
#else
#define vxpu_prime_fd_late	false
struct dma_buf;
struct drm_device;
struct drm_file;
static inline struct dma_buf *
vxpu_prime_handle_to_dmabuf(struct drm_device *dev, struct drm_file *file,
			    u32 handle, u32 flags)
{
	return ERR_PTR(-EOPNOTSUPP);	/* not called: vxpu_prime_fd_late */
}
#endif

#endif /* _VXPU_COMPAT_H_ */
