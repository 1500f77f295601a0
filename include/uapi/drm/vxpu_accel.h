/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vxpu: a virtual, software-executed accelerator.
 *
 * This header is the whole userspace ABI of vxpu.ko. It follows
 * Documentation/process/botching-up-ioctls.rst:
 *
 *  - every struct has a fixed layout, is 64-bit aligned and uses __u64
 *    for user pointers;
 *  - every ``pad`` field and every reserved bit must be zero (-EINVAL);
 *  - unknown flags are rejected with -EINVAL;
 *  - structs only grow at their end. A caller built against an older,
 *    shorter struct still works (the missing tail reads as zero); a
 *    caller passing a longer struct than the kernel knows gets -E2BIG
 *    unless the unknown tail is all zero; a struct shorter than its
 *    first published size gets -EINVAL;
 *  - features are discovered through &drm_vxpu_device_info.caps, never
 *    by version checks.
 *
 * Objects are named by handles that are local to one open file. Each
 * open file is one *context*: whoever holds the fd uses the context.
 *
 * Errors common to all ioctls: -EINVAL (unknown flag, non-zero pad, size
 * or offset not a multiple of %VXPU_PAGE_SIZE, overflow), -ENOENT (no
 * such handle, ASID or mapping in this context), -EFAULT (bad user
 * pointer), -E2BIG (non-zero bytes past the end of a struct), -EPERM
 * (operation needs a capability the caller lacks).
 */
#ifndef _UAPI_VXPU_ACCEL_H_
#define _UAPI_VXPU_ACCEL_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/** @VXPU_DRIVER_NAME: name reported by DRM_IOCTL_VERSION */
#define VXPU_DRIVER_NAME "vxpu"

/** @VXPU_PAGE_SIZE: granule of every size, offset and VA in this ABI */
#define VXPU_PAGE_SIZE 4096ULL

#define DRM_VXPU_DEVICE_INFO		0x00
#define DRM_VXPU_CONTEXT_INFO		0x01
#define DRM_VXPU_CONTEXT_SET_QUOTA	0x02
#define DRM_VXPU_BO_CREATE		0x03
#define DRM_VXPU_BO_INFO		0x04
#define DRM_VXPU_ASID_CREATE		0x05
#define DRM_VXPU_ASID_DESTROY		0x06
#define DRM_VXPU_VM_MAP			0x07
#define DRM_VXPU_VM_UNMAP		0x08
#define DRM_VXPU_VM_READ		0x09
#define DRM_VXPU_VM_WRITE		0x0a

/* Capability bits reported in &drm_vxpu_device_info.caps. */
/** @VXPU_CAP_VRAM: BOs may be placed in device VRAM */
#define VXPU_CAP_VRAM		(1ULL << 0)
/** @VXPU_CAP_GTT: BOs may be placed in system memory (shmem) */
#define VXPU_CAP_GTT		(1ULL << 1)
/** @VXPU_CAP_PRIME: BOs can be exported and imported as dma-bufs */
#define VXPU_CAP_PRIME		(1ULL << 2)
/** @VXPU_CAP_VM_RW: the DRM_VXPU_VM_READ/WRITE device-view ioctls exist */
#define VXPU_CAP_VM_RW		(1ULL << 3)
/** @VXPU_CAP_ACCEL_NODE: the device is an accel node, not a render node */
#define VXPU_CAP_ACCEL_NODE	(1ULL << 4)

/**
 * struct drm_vxpu_device_info - describe one device (DRM_VXPU_DEVICE_INFO)
 *
 * Every field but @flags is out. The same values are in sysfs, under the
 * device's parent platform device (/sys/bus/platform/devices/vxpu.N/).
 */
struct drm_vxpu_device_info {
	/** @flags: in, must be 0 */
	__u32 flags;
	/** @index: out, position of this device among vxpu devices (0..N-1) */
	__u32 index;
	/** @gpu_id: out, stable id of this device, derived from the gpu_id_seed module parameter */
	__u32 gpu_id;
	/** @engine_count: out, number of execution engines */
	__u32 engine_count;
	/** @vram_size: out, bytes of device memory */
	__u64 vram_size;
	/** @vram_free: out, bytes of device memory not allocated to any BO */
	__u64 vram_free;
	/** @caps: out, VXPU_CAP_* bits */
	__u64 caps;
	/** @va_start: out, lowest device virtual address an ASID may map */
	__u64 va_start;
	/** @va_end: out, one past the highest device virtual address an ASID may map */
	__u64 va_end;
	/** @name: out, NUL-terminated device name, e.g. "vxpu0" */
	char name[32];
};

/**
 * struct drm_vxpu_context_info - describe the caller's context (DRM_VXPU_CONTEXT_INFO)
 *
 * Every field but @flags is out.
 */
struct drm_vxpu_context_info {
	/** @flags: in, must be 0 */
	__u32 flags;
	/** @ctx_id: out, device-unique id of this context (its domain id), never 0 */
	__u32 ctx_id;
	/** @quota: out, bytes of BO memory this context may own */
	__u64 quota;
	/** @quota_used: out, bytes of BO memory charged to this context */
	__u64 quota_used;
	/** @bo_count: out, BOs charged to this context */
	__u32 bo_count;
	/** @asid_count: out, address spaces of this context */
	__u32 asid_count;
};

/**
 * struct drm_vxpu_context_set_quota - change the caller's quota (DRM_VXPU_CONTEXT_SET_QUOTA)
 *
 * Lowering is always allowed, even below the bytes in use (new
 * allocations then fail with -EDQUOT). Raising needs CAP_SYS_ADMIN
 * (-EPERM otherwise).
 */
struct drm_vxpu_context_set_quota {
	/** @quota: in, new quota in bytes, a multiple of VXPU_PAGE_SIZE */
	__u64 quota;
	/** @flags: in, must be 0 */
	__u32 flags;
	/** @pad: must be 0 */
	__u32 pad;
};

/* BO placements, &drm_vxpu_bo_create.placement */
/** @VXPU_BO_VRAM: device memory, carved from the device's pool */
#define VXPU_BO_VRAM	1
/** @VXPU_BO_GTT: system memory (shmem), unlimited but for the quota */
#define VXPU_BO_GTT	2

/**
 * struct drm_vxpu_bo_create - allocate a buffer object (DRM_VXPU_BO_CREATE)
 *
 * New memory reads as zero. The BO is charged to the caller's context.
 * Destroy it with DRM_IOCTL_GEM_CLOSE; share it with
 * DRM_IOCTL_PRIME_HANDLE_TO_FD. Map it on the CPU with mmap(MAP_SHARED)
 * of the device fd at @mmap_offset.
 *
 * Errors: -EINVAL (size 0 or unaligned, unknown placement or flag),
 * -EDQUOT (context quota exceeded), -ENOSPC (not enough free VRAM),
 * -ENOMEM.
 */
struct drm_vxpu_bo_create {
	/** @size: in, bytes, a non-zero multiple of VXPU_PAGE_SIZE */
	__u64 size;
	/** @placement: in, VXPU_BO_VRAM or VXPU_BO_GTT */
	__u32 placement;
	/** @flags: in, must be 0 */
	__u32 flags;
	/** @handle: out, GEM handle of the new BO */
	__u32 handle;
	/** @pad: must be 0 */
	__u32 pad;
	/** @mmap_offset: out, fake offset to mmap the BO through the device fd */
	__u64 mmap_offset;
};

/**
 * struct drm_vxpu_bo_info - describe a BO (DRM_VXPU_BO_INFO)
 *
 * Works for BOs created by this context and for BOs imported into it.
 */
struct drm_vxpu_bo_info {
	/** @handle: in, GEM handle */
	__u32 handle;
	/** @flags: in, must be 0 */
	__u32 flags;
	/** @size: out, bytes */
	__u64 size;
	/** @placement: out, VXPU_BO_VRAM or VXPU_BO_GTT */
	__u32 placement;
	/** @owner_ctx_id: out, id of the context the BO is charged to */
	__u32 owner_ctx_id;
	/** @mmap_offset: out, fake offset to mmap the BO through the device fd */
	__u64 mmap_offset;
};

/* ASID flags, &drm_vxpu_asid_create.flags */
/**
 * @VXPU_ASID_SVA: bind the ASID to the caller's mm (shared virtual
 * memory). Reserved: -EOPNOTSUPP until SVA support lands.
 */
#define VXPU_ASID_SVA	(1U << 0)

/**
 * struct drm_vxpu_asid_create - create a device address space (DRM_VXPU_ASID_CREATE)
 *
 * Each ASID spans [va_start, va_end) of &drm_vxpu_device_info.
 */
struct drm_vxpu_asid_create {
	/** @flags: in, 0 (VXPU_ASID_SVA is reserved) */
	__u32 flags;
	/** @asid: out, id of the new ASID in this context, never 0 */
	__u32 asid;
};

/**
 * struct drm_vxpu_asid_destroy - destroy an ASID and all its mappings (DRM_VXPU_ASID_DESTROY)
 */
struct drm_vxpu_asid_destroy {
	/** @asid: in */
	__u32 asid;
	/** @pad: must be 0 */
	__u32 pad;
};

/* Mapping flags, &drm_vxpu_vm_map.flags */
/** @VXPU_MAP_READ: the device may read through the mapping */
#define VXPU_MAP_READ	(1U << 0)
/** @VXPU_MAP_WRITE: the device may write through the mapping */
#define VXPU_MAP_WRITE	(1U << 1)
/** @VXPU_MAP_FIXED: map at @va exactly; without it the kernel picks the VA */
#define VXPU_MAP_FIXED	(1U << 2)

/**
 * struct drm_vxpu_vm_map - map a BO range into an ASID (DRM_VXPU_VM_MAP)
 *
 * The mapping holds a reference on the BO: closing the handle does not
 * unmap it. At least one of VXPU_MAP_READ and VXPU_MAP_WRITE is needed.
 *
 * Errors: -EINVAL (unaligned or zero size, offset or VA; range past the
 * end of the BO; arithmetic overflow; no permission bit), -ERANGE (a
 * fixed range outside [va_start, va_end)), -EEXIST (a fixed range
 * overlapping an existing mapping), -ENOSPC (no free VA range of that
 * size), -ENOENT (bad handle or ASID).
 */
struct drm_vxpu_vm_map {
	/** @asid: in */
	__u32 asid;
	/** @handle: in, GEM handle of the BO */
	__u32 handle;
	/** @bo_offset: in, byte offset in the BO where the mapping starts */
	__u64 bo_offset;
	/** @size: in, bytes to map */
	__u64 size;
	/** @va: in with VXPU_MAP_FIXED, else out: device VA of the mapping */
	__u64 va;
	/** @flags: in, VXPU_MAP_* */
	__u32 flags;
	/** @pad: must be 0 */
	__u32 pad;
};

/**
 * struct drm_vxpu_vm_unmap - remove one whole mapping (DRM_VXPU_VM_UNMAP)
 *
 * @va and @size must name exactly one mapping made by DRM_VXPU_VM_MAP.
 *
 * Errors: -ENOENT (no mapping starts at @va), -EINVAL (@size differs
 * from that mapping's size, or is unaligned).
 */
struct drm_vxpu_vm_unmap {
	/** @asid: in */
	__u32 asid;
	/** @flags: in, must be 0 */
	__u32 flags;
	/** @va: in, start of the mapping */
	__u64 va;
	/** @size: in, size of the mapping */
	__u64 size;
};

/**
 * struct drm_vxpu_vm_rw - copy through the device's view (DRM_VXPU_VM_READ, DRM_VXPU_VM_WRITE)
 *
 * Copies @size bytes between the user buffer @user_ptr and device
 * virtual addresses [@va, @va + @size) of @asid, translated through the
 * ASID's page table exactly as the engine translates. Byte granular:
 * @va and @size need no alignment. Either every byte is copied or, on
 * error, an unspecified prefix.
 *
 * Errors: -ENXIO (a page of the range is not mapped), -EACCES (a page
 * lacks VXPU_MAP_READ for READ, VXPU_MAP_WRITE for WRITE), -EFAULT (bad
 * @user_ptr), -EINVAL (@size 0, overflow, or @size over 1 GiB).
 */
struct drm_vxpu_vm_rw {
	/** @asid: in */
	__u32 asid;
	/** @flags: in, must be 0 */
	__u32 flags;
	/** @va: in, device virtual address */
	__u64 va;
	/** @size: in, bytes */
	__u64 size;
	/** @user_ptr: in, userspace buffer, cast to __u64 */
	__u64 user_ptr;
};

#define DRM_IOCTL_VXPU_DEVICE_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VXPU_DEVICE_INFO, struct drm_vxpu_device_info)
#define DRM_IOCTL_VXPU_CONTEXT_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VXPU_CONTEXT_INFO, struct drm_vxpu_context_info)
#define DRM_IOCTL_VXPU_CONTEXT_SET_QUOTA \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VXPU_CONTEXT_SET_QUOTA, struct drm_vxpu_context_set_quota)
#define DRM_IOCTL_VXPU_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VXPU_BO_CREATE, struct drm_vxpu_bo_create)
#define DRM_IOCTL_VXPU_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VXPU_BO_INFO, struct drm_vxpu_bo_info)
#define DRM_IOCTL_VXPU_ASID_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VXPU_ASID_CREATE, struct drm_vxpu_asid_create)
#define DRM_IOCTL_VXPU_ASID_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VXPU_ASID_DESTROY, struct drm_vxpu_asid_destroy)
#define DRM_IOCTL_VXPU_VM_MAP \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VXPU_VM_MAP, struct drm_vxpu_vm_map)
#define DRM_IOCTL_VXPU_VM_UNMAP \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VXPU_VM_UNMAP, struct drm_vxpu_vm_unmap)
#define DRM_IOCTL_VXPU_VM_READ \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VXPU_VM_READ, struct drm_vxpu_vm_rw)
#define DRM_IOCTL_VXPU_VM_WRITE \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VXPU_VM_WRITE, struct drm_vxpu_vm_rw)

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_VXPU_ACCEL_H_ */
