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
 * CPU mappings, of the device fd at @mmap_offset or of a dma-buf of the
 * BO, are MAP_SHARED only: a BO's pages are shared by definition, so
 * mmap(MAP_PRIVATE) is -EINVAL through either fd. On the device fd, an
 * offset that is no live BO's @mmap_offset (also one inside a BO) or a
 * length past the BO's end is -EINVAL, and the offset of a BO this file
 * holds no handle of (another context's) is -EACCES.
 *
 * DRM_IOCTL_PRIME_FD_TO_HANDLE imports only dma-bufs exported from this
 * same device: one of another vxpu device, or of any other exporter (a
 * dma-buf heap, another DRM driver), is -EOPNOTSUPP.
 *
 * Errors: -EINVAL (size 0 or unaligned, unknown placement or flag,
 * non-zero pad), -EDQUOT (context quota exceeded; also a @size so large
 * that the bytes in use plus @size overflow 64 bits: the quota check is
 * the overflow check), -ENOSPC (not enough free VRAM; a VRAM @size of
 * 2^32 pages, 16 TiB, or more), -ENOMEM (a GTT @size of 16 TiB or more;
 * out of memory).
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

/*
 * ASID flags, &drm_vxpu_asid_create.flags. VXPU_ASID_SVA: bind the ASID
 * to the caller's mm (shared virtual memory). Reserved: -EOPNOTSUPP until
 * SVA support lands.
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
 * size), -ENOENT (bad handle or ASID), -EACCES (a foreign BO, see
 * DRM_VXPU_GRANT_MAP, mapped with a permission its grant map lacks:
 * VXPU_MAP_WRITE of a read-only one), -EKEYREVOKED (a foreign BO whose
 * grant is revoked), -ENOMEM.
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
 * Errors: -EINVAL (@va or @size not a multiple of VXPU_PAGE_SIZE, checked
 * first; @size differs from that mapping's size; unknown flag), -ENOENT
 * (no such ASID; no mapping starts at @va).
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
 * @user_ptr, e.g. not a user address), -EINVAL (@size 0, overflow, or
 * @size over 1 GiB), -ENOENT (no such ASID), -EKEYREVOKED (a page of the
 * range is a revoked grant's hole; see DRM_VXPU_GRANT_REVOKE).
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

/* ---- Execution engine: queues, packets, events, faults (issue 3) ---- */

#define DRM_VXPU_QUEUE_CREATE		0x0b
#define DRM_VXPU_QUEUE_DESTROY		0x0c
#define DRM_VXPU_QUEUE_DOORBELL		0x0d
#define DRM_VXPU_QUEUE_INFO		0x0e
#define DRM_VXPU_CONTEXT_PAUSE		0x0f
#define DRM_VXPU_EVENT_CREATE		0x10
#define DRM_VXPU_EVENT_DESTROY		0x11
#define DRM_VXPU_EVENT_READ		0x12
#define DRM_VXPU_EVENT_WAIT		0x13

/** @VXPU_CAP_ENGINE: queues, packets and events exist */
#define VXPU_CAP_ENGINE		(1ULL << 5)

/* Packet opcodes, &drm_vxpu_packet.opcode */
#define VXPU_OP_NOP		0	/* nothing */
#define VXPU_OP_COPY		1	/* dst[0..size) = src[0..size), byte granular */
#define VXPU_OP_FILL		2	/* dst byte i = byte (i % 8) of arg[0] (little endian) */
#define VXPU_OP_WRITE64		3	/* *(u64 *)dst = arg[0]; dst 8-aligned */
#define VXPU_OP_ATOMIC_ADD64	4	/* atomically *(u64 *)dst += arg[0]; dst 8-aligned */
#define VXPU_OP_SIGNAL		5	/* event arg[0] value = arg[1] (if larger) */
#define VXPU_OP_WAIT		6	/* until *(u64 *)src <flags cond> arg[0]; src 8-aligned */
#define VXPU_OP_MIX64		7	/* u64 dst[i] = mix64(src[i], arg[0], i) for i < size / 8 */
#define VXPU_OP_MATMUL_U32	8	/* C(MxN) = A(MxK) x B(KxN) mod 2^32, row major u32 */
#define VXPU_OP_HASH64		9	/* *(u64 *)dst = xxh64(src[0..size), seed arg[0]) */

/* VXPU_OP_WAIT conditions, in &drm_vxpu_packet.flags */
#define VXPU_WAIT_EQ		0
#define VXPU_WAIT_NE		1
#define VXPU_WAIT_GE		2

/**
 * struct drm_vxpu_packet - one command in a queue's ring (64 bytes)
 *
 * Compute kernels, all integer (u64 arithmetic wraps):
 *
 * - MIX64 (splitmix64 finalizer): z = src[i] ^ seed; z += (i + 1) *
 *   0x9e3779b97f4a7c15; z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
 *   z = (z ^ (z >> 27)) * 0x94d049bb133111eb; dst[i] = z ^ (z >> 31).
 *   @size a multiple of 8, @src and @dst 8-aligned; i counts from the
 *   start of the packet, so the result does not depend on chunking.
 * - MATMUL_U32: C[r][c] = sum over k of A[r][k] * B[k][c], mod 2^32.
 * - HASH64: XXH64 (the reference xxHash algorithm) of @size bytes at
 *   @src with seed arg[0], stored little endian at @dst (8-aligned).
 *
 * SIGNAL: arg[0] is an event id of the queue's context; the event's
 * counter becomes arg[1] if that is larger (counters never go back).
 * When a waiter wakes, every packet before the SIGNAL is complete, but
 * &drm_vxpu_queue_info.rptr may still name the SIGNAL packet itself.
 * WAIT: the queue sleeps (holding no engine time) until the condition
 * holds; the engine re-checks it on every engine step of its device and
 * at least once per millisecond.
 *
 * Addresses are device VAs, translated through @src_asid / @dst_asid (0
 * means the queue's own ASID; another ASID of the same context may be
 * named). MATMUL_U32: @src = A, arg[0] = VA of B (in @src_asid), @dst = C,
 * arg[1] = M | (u64)N << 32, arg[2] = K; @size is ignored and must be 0.
 * A malformed packet (unknown opcode, non-zero reserved field, bad
 * alignment, arithmetic overflow) stops the queue with
 * VXPU_FAULT_BAD_PACKET.
 *
 * Edge cases, all defined:
 *
 * - A range may end exactly at 2^64; one that wraps is BAD_PACKET.
 * - Zero-size COPY, FILL and MIX64 do nothing; HASH64 of 0 bytes stores
 *   the hash of the empty input.
 * - MATMUL_U32: A, B and C 4-aligned; M, N and K at most 65536 each;
 *   K = 0 stores zeros in C without reading A or B; M = 0 or N = 0
 *   touches nothing.
 * - Overlapping source and destination give unspecified bytes (never
 *   unsafe), except MIX64 exactly in place (@dst == @src).
 * - ATOMIC_ADD64 needs VXPU_MAP_WRITE only; WAIT compares as unsigned
 *   64-bit values; SIGNAL takes arg[0] as a 64-bit event id (an id that
 *   names no event, 2^32 and above included, is BAD_EVENT).
 * - Faults are found in access order: source before destination, front
 *   to back. COPY, FILL and MIX64 have written every byte before the
 *   faulting offset; the rest of the destination (and partial sums of
 *   MATMUL) are unspecified. BAD_ASID reports the named ASID and the va.
 */
struct drm_vxpu_packet {
	/** @opcode: VXPU_OP_* */
	__u32 opcode;
	/** @flags: WAIT: its condition, VXPU_WAIT_*; else 0 */
	__u32 flags;
	/** @src_asid: ASID of @src (and of B for MATMUL_U32); 0: the queue's */
	__u32 src_asid;
	/** @dst_asid: ASID of @dst; 0: the queue's */
	__u32 dst_asid;
	/** @src: device VA read by COPY, WAIT, MIX64, MATMUL_U32 (A), HASH64 */
	__u64 src;
	/**
	 * @dst: device VA written by COPY, FILL, WRITE64, ATOMIC_ADD64, MIX64,
	 * MATMUL_U32 (C), HASH64
	 */
	__u64 dst;
	/** @size: bytes for COPY, FILL, MIX64 and HASH64; else 0 */
	__u64 size;
	/** @arg: per opcode, see the VXPU_OP_* definitions; unused ones 0 */
	__u64 arg[3];
};

/* Queue states, &drm_vxpu_queue_info.state */
#define VXPU_QUEUE_IDLE		0	/* ring empty */
#define VXPU_QUEUE_RUNNING	1	/* packets pending or executing */
#define VXPU_QUEUE_WAITING	2	/* blocked in VXPU_OP_WAIT */
#define VXPU_QUEUE_PAUSED	3	/* context paused; holds no engine time */
#define VXPU_QUEUE_ERROR	4	/* stopped by a fault; see @fault */

/* Fault reasons, &drm_vxpu_fault.reason */
#define VXPU_FAULT_NONE		0
#define VXPU_FAULT_UNMAPPED	1	/* VA not mapped in the ASID */
#define VXPU_FAULT_PERMISSION	2	/* mapping lacks the access right */
#define VXPU_FAULT_BAD_PACKET	3	/* malformed packet */
#define VXPU_FAULT_BAD_ASID	4	/* packet names an ASID that does not exist */
#define VXPU_FAULT_BAD_EVENT	5	/* SIGNAL names an event that does not exist */

/* Fault access kinds, &drm_vxpu_fault.access */
#define VXPU_ACCESS_READ	1
#define VXPU_ACCESS_WRITE	2

/**
 * struct drm_vxpu_fault - why a queue stopped
 */
struct drm_vxpu_fault {
	/** @reason: VXPU_FAULT_* */
	__u32 reason;
	/** @access: VXPU_ACCESS_* for UNMAPPED and PERMISSION, else 0 */
	__u32 access;
	/**
	 * @asid: ASID of the faulting access, or the ASID named for BAD_ASID (0
	 * for BAD_PACKET and BAD_EVENT)
	 */
	__u32 asid;
	/** @queue: id of the queue that faulted */
	__u32 queue;
	/** @va: faulting device address (first byte of its page; 0 for BAD_PACKET and BAD_EVENT) */
	__u64 va;
	/** @packet: ring index (rptr) of the faulting packet */
	__u64 packet;
};

/**
 * struct drm_vxpu_queue_create - create a user-mode queue (DRM_VXPU_QUEUE_CREATE)
 *
 * The ring is @ring_entries packets at @ring_offset in BO @ring_handle;
 * userspace writes packets there (CPU mapping), then rings the doorbell.
 * The queue holds a reference on the ring BO and on its ASID.
 *
 * Errors: -EINVAL (unknown flag, @ring_entries not a power of two in
 * [2, 65536], ring offset unaligned or ring past the BO's end, priority
 * over VXPU_QUEUE_PRIORITY_MAX), -ENOENT (bad ASID or handle), -EPERM
 * (the ring BO is a foreign BO: a revoke would take its pages away),
 * -ENOMEM.
 */
struct drm_vxpu_queue_create {
	/** @asid: in, ASID that packet addresses are translated in */
	__u32 asid;
	/** @ring_handle: in, GEM handle of the BO holding the ring */
	__u32 ring_handle;
	/** @ring_offset: in, byte offset of the ring in the BO, VXPU_PAGE_SIZE aligned */
	__u64 ring_offset;
	/** @ring_entries: in, ring size in packets */
	__u32 ring_entries;
	/** @priority: in, 0 (lowest) .. VXPU_QUEUE_PRIORITY_MAX; weights the time slice */
	__u32 priority;
	/** @flags: in, must be 0 */
	__u32 flags;
	/** @queue: out, id of the new queue, never 0 */
	__u32 queue;
};

#define VXPU_QUEUE_PRIORITY_MAX	15

/**
 * struct drm_vxpu_queue_destroy - destroy a queue, also while busy (DRM_VXPU_QUEUE_DESTROY)
 *
 * Returns once the engine no longer touches the queue; a half-done
 * packet is abandoned.
 */
struct drm_vxpu_queue_destroy {
	/** @queue: in */
	__u32 queue;
	/** @pad: must be 0 */
	__u32 pad;
};

/**
 * struct drm_vxpu_queue_doorbell - publish new packets (DRM_VXPU_QUEUE_DOORBELL)
 *
 * @wptr counts packets ever written (it is not wrapped); the engine
 * executes packets rptr..@wptr-1, packet i living at ring slot
 * i % ring_entries.
 *
 * Errors: -EINVAL (@wptr below the current wptr, or more than
 * ring_entries ahead of rptr), -ENOENT (bad queue), -EIO (queue in error).
 */
struct drm_vxpu_queue_doorbell {
	/** @queue: in */
	__u32 queue;
	/** @flags: in, must be 0 */
	__u32 flags;
	/** @wptr: in, new write pointer */
	__u64 wptr;
};

/**
 * struct drm_vxpu_queue_info - state of a queue (DRM_VXPU_QUEUE_INFO)
 */
struct drm_vxpu_queue_info {
	/** @queue: in */
	__u32 queue;
	/** @flags: in, must be 0 */
	__u32 flags;
	/** @state: out, VXPU_QUEUE_* */
	__u32 state;
	/** @priority: out */
	__u32 priority;
	/** @rptr: out, packets completed (next to execute) */
	__u64 rptr;
	/** @wptr: out, last doorbell value */
	__u64 wptr;
	/** @progress: out, bytes (or rows) of packet @rptr already done */
	__u64 progress;
	/** @bytes: out, bytes moved or produced by completed work, ever */
	__u64 bytes;
	/** @chunks: out, engine steps spent on this queue, ever */
	__u64 chunks;
	/** @fault: out, valid when @state is VXPU_QUEUE_ERROR */
	struct drm_vxpu_fault fault;
};

/* &drm_vxpu_context_pause.op */
#define VXPU_CONTEXT_PAUSE	1
#define VXPU_CONTEXT_RESUME	2

/**
 * struct drm_vxpu_context_pause - pause or resume every queue of the context
 * (DRM_VXPU_CONTEXT_PAUSE)
 *
 * PAUSE returns once no engine is executing any queue of the context;
 * a half-done packet keeps its progress. Pauses nest: each PAUSE needs
 * a RESUME. A doorbell on a paused queue is accepted and takes effect at
 * resume. Errors: -EINVAL (bad op or flags; RESUME without a PAUSE).
 */
struct drm_vxpu_context_pause {
	/** @op: in, VXPU_CONTEXT_PAUSE or VXPU_CONTEXT_RESUME */
	__u32 op;
	/** @flags: in, must be 0 */
	__u32 flags;
};

/**
 * struct drm_vxpu_event_create - create an event counter (DRM_VXPU_EVENT_CREATE)
 */
struct drm_vxpu_event_create {
	/** @flags: in, must be 0 */
	__u32 flags;
	/** @event: out, id of the new event, never 0 */
	__u32 event;
	/** @value: in, initial counter value */
	__u64 value;
};

/**
 * struct drm_vxpu_event_destroy - destroy an event (DRM_VXPU_EVENT_DESTROY);
 * waiters get -ENOENT
 */
struct drm_vxpu_event_destroy {
	/** @event: in */
	__u32 event;
	/** @pad: must be 0 */
	__u32 pad;
};

/** struct drm_vxpu_event_read - read an event's counter (DRM_VXPU_EVENT_READ) */
struct drm_vxpu_event_read {
	/** @event: in */
	__u32 event;
	/** @flags: in, must be 0 */
	__u32 flags;
	/** @value: out */
	__u64 value;
};

/** struct drm_vxpu_event_wait_entry - one element of &drm_vxpu_event_wait.entries */
struct drm_vxpu_event_wait_entry {
	/** @event: in */
	__u32 event;
	/** @pad: must be 0 */
	__u32 pad;
	/** @value: in, satisfied when the counter is >= @value */
	__u64 value;
};

/** @VXPU_WAIT_ALL: wait for every entry, not any one */
#define VXPU_WAIT_ALL	(1U << 0)
#define VXPU_EVENT_WAIT_MAX	64

/**
 * struct drm_vxpu_event_wait - wait for events (DRM_VXPU_EVENT_WAIT)
 *
 * Sleeps until any (or, with VXPU_WAIT_ALL, every) entry is satisfied or
 * CLOCK_MONOTONIC reaches @timeout_ns. Interruptible; restarted after a
 * signal with the same absolute timeout.
 *
 * Errors: -ETIME (timeout), -EINVAL (flags, pad, @count 0 or over
 * VXPU_EVENT_WAIT_MAX), -ENOENT (bad or destroyed event), -EFAULT,
 * -ERESTARTSYS/-EINTR (signal).
 */
struct drm_vxpu_event_wait {
	/** @entries: in, user pointer to @count struct drm_vxpu_event_wait_entry */
	__u64 entries;
	/** @count: in */
	__u32 count;
	/** @flags: in, VXPU_WAIT_ALL or 0 */
	__u32 flags;
	/** @timeout_ns: in, absolute CLOCK_MONOTONIC deadline */
	__s64 timeout_ns;
	/** @first: out, index of the first satisfied entry */
	__u32 first;
	/** @pad: must be 0 */
	__u32 pad;
};

/* ---- Checkpoint/restore (issue 4), after the AMD KFD CRIU design ---- */

#define DRM_VXPU_CRIU			0x14

/** @VXPU_CAP_CRIU: DRM_VXPU_CRIU exists */
#define VXPU_CAP_CRIU		(1ULL << 6)

/* &drm_vxpu_criu.op */
#define VXPU_CRIU_PROCESS_INFO	0	/* pause the context, count its objects */
#define VXPU_CRIU_CHECKPOINT	1	/* fill BO buckets and private data */
#define VXPU_CRIU_UNPAUSE	2	/* undo PROCESS_INFO's pause */
#define VXPU_CRIU_RESTORE	3	/* rebuild a fresh context from an image */
#define VXPU_CRIU_RESUME	4	/* let restored queues run */

/**
 * struct drm_vxpu_criu_device_bucket - the device a context lives on
 *
 * A context belongs to exactly one device, so a process that uses two
 * devices has two contexts (two files) and each is checkpointed on its
 * own. Restore may happen on a device with another gpu id: the user gpu
 * id is the one the process saw at checkpoint, the actual gpu id the one
 * it runs on now.
 */
struct drm_vxpu_criu_device_bucket {
	/** @user_gpu_id: CHECKPOINT out (this device's id); RESTORE in, the id at checkpoint */
	__u32 user_gpu_id;
	/**
	 * @actual_gpu_id: CHECKPOINT out (this device's id); RESTORE in, must
	 * be this device's id
	 */
	__u32 actual_gpu_id;
	/** @vram_size: CHECKPOINT out, this device's VRAM bytes; RESTORE: ignored */
	__u64 vram_size;
	/** @engine_count: CHECKPOINT out; RESTORE: ignored */
	__u32 engine_count;
	/** @pad: must be 0 */
	__u32 pad;
};

/*
 * VXPU_CRIU_BO_IMPORTED: the BO is charged to another, still open, context of
 * the device (it came in by dma-buf)
 */
#define VXPU_CRIU_BO_IMPORTED	(1U << 0)

/**
 * struct drm_vxpu_criu_bo_bucket - one BO handle of a checkpointed context
 *
 * The same BO seen by two contexts (shared by dma-buf) has the same
 * @offset in both: it is the BO's identity on its device at checkpoint.
 * At restore the context that owned it recreates it; a context that had
 * imported it (VXPU_CRIU_BO_IMPORTED) attaches to the BO that the owner's
 * RESTORE, with the same &drm_vxpu_criu.restore_cookie, recreated.
 */
struct drm_vxpu_criu_bo_bucket {
	/** @size: CHECKPOINT out; RESTORE in, bytes (VXPU_PAGE_SIZE multiple) */
	__u64 size;
	/** @offset: CHECKPOINT out, the mmap offset; RESTORE in, that old offset */
	__u64 offset;
	/** @restored_offset: RESTORE out, the BO's new mmap offset */
	__u64 restored_offset;
	/** @handle: CHECKPOINT out; RESTORE in, the GEM handle to restore at (identical value) */
	__u32 handle;
	/** @placement: CHECKPOINT out; RESTORE in, VXPU_BO_VRAM or VXPU_BO_GTT */
	__u32 placement;
	/** @flags: CHECKPOINT out; RESTORE in, VXPU_CRIU_BO_* */
	__u32 flags;
	/** @owner_ctx_id: CHECKPOINT out, context the BO is charged to; RESTORE: ignored */
	__u32 owner_ctx_id;
	/**
	 * @dmabuf_fd: CHECKPOINT and RESTORE out, a dma-buf of the BO
	 * (O_RDWR | O_CLOEXEC) to read or write its contents through mmap;
	 * the caller closes it. CHECKPOINT returns -1 for an imported BO,
	 * whose contents the owner's checkpoint carries; RESTORE returns one
	 * for every bucket. An op that fails leaves none open. From Linux
	 * 6.10 they enter the caller's fd table only once the op has
	 * succeeded; before, as they are made, and a failure closes them
	 * again by number.
	 */
	__s32 dmabuf_fd;
	/** @pad: must be 0 */
	__u32 pad;
};

/** @VXPU_CRIU_PRIV_MAX: largest private data a context may have (16 MiB) */
#define VXPU_CRIU_PRIV_MAX	(16ULL << 20)
/** @VXPU_CRIU_BO_MAX: most BO buckets one call handles */
#define VXPU_CRIU_BO_MAX	65536
/** @VXPU_CRIU_HANDLE_MAX: largest GEM handle RESTORE recreates */
#define VXPU_CRIU_HANDLE_MAX	(1U << 20)

/**
 * struct drm_vxpu_criu - checkpoint and restore a context (DRM_VXPU_CRIU)
 *
 * Every op needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN (-EPERM), and the
 * caller must be the context's owner (the process that opened the device
 * file) or that process's ptrace parent, as CRIU is while it dumps and
 * restores (-EPERM). Ops act on the context of the file the ioctl is
 * issued on, except RESUME with a non-zero @pid.
 *
 * The sequence, driven by a CRIU plugin:
 *
 * 1. PROCESS_INFO pauses every queue of the context (no engine touches
 *    its memory until UNPAUSE) and returns @num_bos, @num_objects,
 *    @priv_data_size and @pid. The pause is held by @pause_fd: closing it
 *    (or the caller dying) undoes the pause, so an aborted dump never
 *    leaves the process frozen. Each PROCESS_INFO pauses once more
 *    (-EOVERFLOW past the pause nesting limit). PROCESS_INFO and
 *    CHECKPOINT refuse a context with grants, foreign BOs or a queue
 *    stalled on a revoked grant: -EBUSY.
 * 2. CHECKPOINT, with @num_bos, @num_objects and @priv_data_size as
 *    PROCESS_INFO returned them, fills @device, @num_bos buckets at @bos
 *    and @priv_data_size bytes of private data at @priv_data. -EBUSY if
 *    the context is not paused by PROCESS_INFO, or has grants or foreign
 *    BOs (also ones it gained after PROCESS_INFO, up to the end of the
 *    call: no dma-buf fd stays open then); -EINVAL if @num_bos is
 *    over VXPU_CRIU_BO_MAX or @priv_data_size over VXPU_CRIU_PRIV_MAX;
 *    -EAGAIN if a count changed since, or another holder of the file
 *    closed a handle and reused it during the call (call PROCESS_INFO
 *    again).
 *    -EOPNOTSUPP if a BO that is mapped in an ASID or holds a queue's
 *    ring has no GEM handle left in this file (the image names BOs by
 *    handle). -EFAULT if @bos or @priv_data cannot be written: no
 *    dma-buf fd of the call stays open (@bos may hold numbers that are
 *    not, or no longer, this call's).
 * 3. UNPAUSE drops the pause of the oldest live @pause_fd (the fd then
 *    does nothing when closed). -EINVAL without one.
 * 4. RESTORE, in a fresh context (no BO, ASID, queue or event: -EBUSY),
 *    opened by the restored process on the device chosen for it:
 *    recreates the context id and quota, every BO at its handle (new
 *    memory, zeroed: the caller writes the contents through
 *    @dmabuf_fd), every ASID and mapping, queue and event. The queues
 *    stay paused until RESUME. -EEXIST if the context id is taken by
 *    another context of the device, -EAGAIN if an imported BO's owner
 *    has not been restored yet (retry), -EINVAL for anything malformed
 *    in the buckets or private data, -EDQUOT/-ENOSPC/-ENOMEM as for
 *    BO_CREATE, -EPROTO for private data of a version this kernel does
 *    not know. On any error nothing of the image remains.
 * 5. RESUME lets the queues of a restored context run. @pid 0: the
 *    context of this file; else every restored, not yet resumed context
 *    of that process on this device (-ENOENT if none).
 *
 * PROCESS_INFO and CHECKPOINT return -E2BIG for a context beyond what an
 * image holds: over VXPU_CRIU_BO_MAX handles, a handle above
 * VXPU_CRIU_HANDLE_MAX, or more ASIDs, mappings, queues or events than
 * the private data format allows.
 *
 * As with every DRM ioctl, this struct is copied back to userspace after
 * the op: when that last copy fails (-EFAULT), the op has already taken
 * effect (its fds are open, its pause or restore done).
 */
struct drm_vxpu_criu {
	/** @op: in, VXPU_CRIU_* */
	__u32 op;
	/** @flags: in, must be 0 */
	__u32 flags;
	/**
	 * @bos: in, user pointer to @num_bos struct drm_vxpu_criu_bo_bucket
	 * (CHECKPOINT, RESTORE)
	 */
	__u64 bos;
	/** @priv_data: in, user pointer to @priv_data_size bytes (CHECKPOINT, RESTORE) */
	__u64 priv_data;
	/**
	 * @priv_data_size: PROCESS_INFO out; CHECKPOINT and RESTORE in, at most
	 * VXPU_CRIU_PRIV_MAX
	 */
	__u64 priv_data_size;
	/** @num_objects: PROCESS_INFO out, ASIDs + mappings + queues + events; CHECKPOINT in */
	__u64 num_objects;
	/**
	 * @restore_cookie: RESTORE in, the same non-zero value for every
	 * context of one restore, to find shared BOs
	 */
	__u64 restore_cookie;
	/** @device: CHECKPOINT out, RESTORE in */
	struct drm_vxpu_criu_device_bucket device;
	/** @num_bos: PROCESS_INFO out; CHECKPOINT and RESTORE in, at most VXPU_CRIU_BO_MAX */
	__u32 num_bos;
	/** @pid: PROCESS_INFO out, the owner's pid; RESUME in, 0 or a pid */
	__u32 pid;
	/** @pause_fd: PROCESS_INFO out, holds the pause (O_CLOEXEC) */
	__s32 pause_fd;
	/** @pad: must be 0 */
	__u32 pad;
};

/* ---- Revocable cross-context memory: grants (issue 5) ---- */

#define DRM_VXPU_GRANT_CREATE		0x15
#define DRM_VXPU_GRANT_MAP		0x16
#define DRM_VXPU_GRANT_UNMAP		0x17
#define DRM_VXPU_GRANT_REVOKE		0x18
#define DRM_VXPU_GRANT_INFO		0x19
#define DRM_VXPU_FAULT_READ		0x1a
#define DRM_VXPU_FAULT_REPLY		0x1b

/** @VXPU_CAP_GRANT: grants, foreign BOs and fault interception exist */
#define VXPU_CAP_GRANT		(1ULL << 7)

/*
 * Grants. A *backend* context lends a page range of a BO it owns (is
 * charged for) to one *frontend* context of the same device, named by its
 * context id (&drm_vxpu_context_info.ctx_id). The frontend maps the grant
 * as a *foreign BO*: a GEM handle in its own file whose pages are the
 * backend's. The memory stays charged to the backend's quota.
 *
 * A foreign BO may be mmap()ed (MAP_SHARED only; PROT_WRITE needs a
 * writable map, else mmap fails with -EACCES and mprotect cannot add
 * write access) and mapped into the frontend's ASIDs with DRM_VXPU_VM_MAP
 * (VXPU_MAP_WRITE needs a writable map: -EACCES). It cannot be passed on:
 * DRM_IOCTL_PRIME_HANDLE_TO_FD (-EPERM), DRM_VXPU_GRANT_CREATE of it
 * (-EPERM), a queue ring in it (DRM_VXPU_QUEUE_CREATE: -EPERM). Checkpoint
 * (DRM_VXPU_CRIU PROCESS_INFO, CHECKPOINT) refuses a context with grants
 * or foreign BOs: -EBUSY.
 * DRM_VXPU_BO_INFO reports the backend as @owner_ctx_id.
 *
 * Revoke (DRM_VXPU_GRANT_REVOKE, or implicitly when the backend closes
 * the BO's handle, closes its file or dies) never fails, allocates
 * nothing and takes bounded time. When it returns, no CPU mapping of the
 * foreign BO (also in forked children) and no ASID mapping of it reaches
 * the backend's pages, and no engine step or DRM_VXPU_VM_READ/WRITE still
 * uses them. What remains are *holes*: a CPU access to one gets SIGBUS, a
 * DRM_VXPU_VM_READ/WRITE gets -EKEYREVOKED, a queue packet *stalls* the
 * queue (state VXPU_QUEUE_STALLED, fault reason VXPU_FAULT_REVOKED), and
 * each access queues a fault record for the backend (DRM_VXPU_FAULT_READ;
 * the backend's fd polls readable while records are pending). The backend
 * answers a stalled queue with DRM_VXPU_FAULT_REPLY. The frontend releases
 * the foreign BO with DRM_VXPU_GRANT_UNMAP (before revoke) or
 * DRM_IOCTL_GEM_CLOSE, munmap() and DRM_VXPU_VM_UNMAP (always).
 *
 * Grant ids are device-wide, 64-bit and never reused. A grant is known
 * (GRANT_INFO, REVOKE says -EALREADY) until it is revoked *and* nothing
 * refers to it any more (foreign BO, unanswered fault records); after
 * that its id gives -ENOENT.
 */

/* &drm_vxpu_grant_create.access, &drm_vxpu_grant_map.access */
/** @VXPU_GRANT_READ: the frontend may read (required) */
#define VXPU_GRANT_READ		(1U << 0)
/** @VXPU_GRANT_WRITE: the frontend may write */
#define VXPU_GRANT_WRITE	(1U << 1)

/* &drm_vxpu_grant_info.state */
#define VXPU_GRANT_STATE_GRANTED	1	/* created, no foreign BO alive */
#define VXPU_GRANT_STATE_MAPPED		2	/* the frontend's foreign BO is alive */
#define VXPU_GRANT_STATE_REVOKED	3	/* revoked */

/*
 * VXPU_QUEUE_STALLED: &drm_vxpu_queue_info.state: stopped at a revoked grant,
 * waits for the backend's FAULT_REPLY
 */
#define VXPU_QUEUE_STALLED	5
/*
 * VXPU_FAULT_REVOKED: &drm_vxpu_fault.reason: access to a revoked grant
 * (STALLED, or ERROR after a FAIL reply)
 */
#define VXPU_FAULT_REVOKED	6

/**
 * struct drm_vxpu_grant_create - lend a BO range to another context (DRM_VXPU_GRANT_CREATE)
 *
 * Issued by the backend. Errors: -EINVAL (unknown @access bit or no
 * VXPU_GRANT_READ, non-zero @pad, @offset or @size unaligned, @size 0,
 * range past the BO's end or overflowing, @frontend_ctx_id 0 or the
 * caller's own id), -ENOENT (no such handle), -EPERM (the BO is foreign,
 * or not charged to the caller, e.g. imported), -EIDRM (the BO is being
 * destroyed: its owner closed its handle, another reference keeps it
 * alive), -ESRCH (no open context with @frontend_ctx_id on this device),
 * -ENOMEM.
 */
struct drm_vxpu_grant_create {
	/** @handle: in, GEM handle of a BO of the caller */
	__u32 handle;
	/** @access: in, VXPU_GRANT_READ, optionally | VXPU_GRANT_WRITE */
	__u32 access;
	/** @offset: in, byte offset of the range in the BO, VXPU_PAGE_SIZE aligned */
	__u64 offset;
	/** @size: in, bytes, a non-zero multiple of VXPU_PAGE_SIZE */
	__u64 size;
	/** @frontend_ctx_id: in, the one context that may map the grant */
	__u32 frontend_ctx_id;
	/** @pad: must be 0 */
	__u32 pad;
	/** @grant_id: out, the new grant's id, never 0, never reused */
	__u64 grant_id;
};

/**
 * struct drm_vxpu_grant_map - map a grant as a foreign BO (DRM_VXPU_GRANT_MAP)
 *
 * Issued by the frontend. One foreign BO per grant at a time.
 *
 * Errors: -EINVAL (unknown @access bit or no VXPU_GRANT_READ, non-zero
 * @pad), -ENOENT (no such grant), -EPERM (the grant names another
 * frontend context), -EACCES (VXPU_GRANT_WRITE asked of a read-only
 * grant), -EKEYREVOKED (the grant is revoked), -EBUSY (a foreign BO of
 * the grant is still alive: unmap it, munmap and VM_UNMAP it first),
 * -ENOMEM.
 */
struct drm_vxpu_grant_map {
	/** @grant_id: in */
	__u64 grant_id;
	/**
	 * @access: in, VXPU_GRANT_READ, optionally | VXPU_GRANT_WRITE: what the
	 * foreign BO allows
	 */
	__u32 access;
	/** @handle: out, GEM handle of the foreign BO in the caller's file */
	__u32 handle;
	/** @mmap_offset: out, fake offset to mmap the foreign BO through the device fd */
	__u64 mmap_offset;
	/** @size: out, bytes (the grant's size) */
	__u64 size;
	/** @backend_ctx_id: out, the context that made the grant */
	__u32 backend_ctx_id;
	/** @pad: must be 0 */
	__u32 pad;
};

/**
 * struct drm_vxpu_grant_unmap - drop the handle GRANT_MAP made (DRM_VXPU_GRANT_UNMAP)
 *
 * Issued by the frontend; the same as DRM_IOCTL_GEM_CLOSE of that handle,
 * with the grant's rules. CPU and ASID mappings of the foreign BO stay
 * until munmap() / DRM_VXPU_VM_UNMAP or a revoke.
 *
 * Errors: -EINVAL (flags, pad), -ENOENT (no such grant), -EPERM (the
 * grant names another frontend context), -EKEYREVOKED (the grant is
 * revoked: release the foreign BO with DRM_IOCTL_GEM_CLOSE), -ENXIO (not
 * mapped: never, or unmapped already, e.g. a double unmap).
 */
struct drm_vxpu_grant_unmap {
	/** @grant_id: in */
	__u64 grant_id;
	/** @flags: in, must be 0 */
	__u32 flags;
	/** @pad: must be 0 */
	__u32 pad;
};

/**
 * struct drm_vxpu_grant_revoke - take a grant back (DRM_VXPU_GRANT_REVOKE)
 *
 * Issued by the backend. Never fails for a live grant of the caller,
 * allocates nothing, and takes bounded time (it waits for at most one
 * engine step of each queue using the grant). See the section comment
 * above for what holds when it returns.
 *
 * Errors: -EINVAL (flags, pad), -ENOENT (no such grant), -EPERM (a grant
 * of another backend), -EALREADY (revoked already).
 */
struct drm_vxpu_grant_revoke {
	/** @grant_id: in */
	__u64 grant_id;
	/** @flags: in, must be 0 */
	__u32 flags;
	/** @pad: must be 0 */
	__u32 pad;
};

/**
 * struct drm_vxpu_grant_info - describe a grant (DRM_VXPU_GRANT_INFO)
 *
 * Issued by its backend or its frontend; every field but @grant_id and
 * @flags is out. Errors: -EINVAL (flags), -ENOENT (no such grant), -EPERM
 * (the caller is neither its backend nor its frontend).
 */
struct drm_vxpu_grant_info {
	/** @grant_id: in */
	__u64 grant_id;
	/** @flags: in, must be 0 */
	__u32 flags;
	/** @state: out, VXPU_GRANT_STATE_* */
	__u32 state;
	/** @backend_ctx_id: out */
	__u32 backend_ctx_id;
	/** @frontend_ctx_id: out */
	__u32 frontend_ctx_id;
	/** @offset: out, byte offset of the range in the backend's BO */
	__u64 offset;
	/** @size: out, bytes */
	__u64 size;
	/** @access: out, VXPU_GRANT_* of the grant */
	__u32 access;
	/** @asid_mappings: out, ASID mappings of the foreign BO (holes after revoke included) */
	__u32 asid_mappings;
	/** @cpu_mappings: out, CPU mappings (VMAs, forked ones included) of the foreign BO */
	__u32 cpu_mappings;
	/** @pad: out, 0 */
	__u32 pad;
	/** @cpu_faults: out, CPU accesses to the holes since revoke (each got SIGBUS) */
	__u64 cpu_faults;
	/** @device_faults: out, queue accesses to the holes (each stalled a queue) */
	__u64 device_faults;
	/** @rw_faults: out, DRM_VXPU_VM_READ/WRITE of the holes */
	__u64 rw_faults;
};

/* &drm_vxpu_grant_fault.kind */
#define VXPU_GRANT_FAULT_CPU	1	/* CPU access through mmap: SIGBUS */
#define VXPU_GRANT_FAULT_DEVICE	2	/* queue packet: the queue stalled, answer it */
#define VXPU_GRANT_FAULT_VM_RW	3	/* DRM_VXPU_VM_READ/WRITE: -EKEYREVOKED */

/**
 * struct drm_vxpu_grant_fault - one record read by DRM_VXPU_FAULT_READ
 *
 * All fields are out.
 */
struct drm_vxpu_grant_fault {
	/**
	 * @fault_id: non-zero, unique in the backend's context; names a DEVICE
	 * record in DRM_VXPU_FAULT_REPLY
	 */
	__u64 fault_id;
	/** @grant_id: the revoked grant */
	__u64 grant_id;
	/** @kind: VXPU_GRANT_FAULT_* */
	__u32 kind;
	/** @access: VXPU_ACCESS_READ or VXPU_ACCESS_WRITE */
	__u32 access;
	/** @frontend_ctx_id: the context that made the access */
	__u32 frontend_ctx_id;
	/** @queue: DEVICE: the stalled queue of the frontend; else 0 */
	__u32 queue;
	/** @asid: DEVICE and VM_RW: the frontend's ASID; else 0 */
	__u32 asid;
	/** @pad: 0 */
	__u32 pad;
	/** @va: DEVICE and VM_RW: faulting device address (first byte of its page); CPU: 0 */
	__u64 va;
	/** @offset: byte offset in the grant of the faulting page */
	__u64 offset;
	/**
	 * @hole_va: DEVICE: first device address of the hole (the revoked
	 * mapping) in @asid; else 0
	 */
	__u64 hole_va;
	/** @hole_size: DEVICE: its bytes, what a SUPPLY reply must cover; else 0 */
	__u64 hole_size;
};

/** @VXPU_FAULT_READ_MAX: most records one DRM_VXPU_FAULT_READ returns */
#define VXPU_FAULT_READ_MAX	256
/** @VXPU_FAULT_QUEUE_MAX: most unread records a backend context keeps; more are counted in @lost */
#define VXPU_FAULT_QUEUE_MAX	4096

/**
 * struct drm_vxpu_fault_read - read the fault records of the caller's grants (DRM_VXPU_FAULT_READ)
 *
 * Never blocks: poll() the fd (POLLIN) to wait. Records come out oldest
 * first. A record that cannot be queued (the backend has
 * VXPU_FAULT_QUEUE_MAX unread ones) is counted in @lost; a DEVICE one
 * also fails its queue at once (ERROR, VXPU_FAULT_REVOKED), as do those
 * of a backend that is closing.
 *
 * Errors: -EINVAL (flags, @count 0 or over VXPU_FAULT_READ_MAX),
 * -EFAULT (a record could not be copied to @records: it and the ones
 * after it stay queued for the next read, and @lost is 0: the count
 * waits for the next read too).
 */
struct drm_vxpu_fault_read {
	/** @records: in, user pointer to @count struct drm_vxpu_grant_fault */
	__u64 records;
	/** @count: in, room at @records; out, records written */
	__u32 count;
	/** @flags: in, must be 0 */
	__u32 flags;
	/** @lost: out, records dropped since the previous read */
	__u64 lost;
};

/* &drm_vxpu_fault_reply.action */
/*
 * VXPU_FAULT_SUPPLY: map [@bo_offset, @bo_offset + hole_size) of BO @handle
 * into the hole (the hole's permissions)
 */
#define VXPU_FAULT_SUPPLY	1
/*
 * VXPU_FAULT_ZERO: map the zero page, read-only, over the whole hole (a write
 * then faults VXPU_FAULT_PERMISSION)
 */
#define VXPU_FAULT_ZERO		2
/** @VXPU_FAULT_FAIL: the queue goes to ERROR with VXPU_FAULT_REVOKED */
#define VXPU_FAULT_FAIL		3

/**
 * struct drm_vxpu_fault_reply - answer a stalled queue (DRM_VXPU_FAULT_REPLY)
 *
 * Issued by the backend, once per DEVICE record it read. After SUPPLY or
 * ZERO the queue continues exactly where it stalled. A hole filled once
 * stays filled (later replies for it just resume their queues); the
 * supplied BO stays referenced by the frontend's mapping until that is
 * unmapped (it is charged to the backend). Unanswered records are failed
 * when the backend's file closes.
 *
 * Errors: -EINVAL (@fault_id 0, unknown @action, flags, pad; SUPPLY:
 * @bo_offset unaligned, or the BO shorter than @bo_offset + hole_size;
 * ZERO and FAIL: non-zero @handle or @bo_offset), -ENOENT (no
 * unanswered DEVICE record @fault_id of this context read yet, e.g. a
 * second reply; SUPPLY: no such handle), -EPERM (SUPPLY: a foreign BO, or
 * one not charged to the caller), -ESRCH (the stalled queue or its ASID
 * mapping is gone: nothing to answer; the record is consumed).
 */
struct drm_vxpu_fault_reply {
	/** @fault_id: in, &drm_vxpu_grant_fault.fault_id of a DEVICE record */
	__u64 fault_id;
	/** @action: in, VXPU_FAULT_SUPPLY, VXPU_FAULT_ZERO or VXPU_FAULT_FAIL */
	__u32 action;
	/** @handle: in, SUPPLY: GEM handle of a BO of the caller; else 0 */
	__u32 handle;
	/** @bo_offset: in, SUPPLY: byte offset in it of the hole's first page; else 0 */
	__u64 bo_offset;
	/** @flags: in, must be 0 */
	__u32 flags;
	/** @pad: must be 0 */
	__u32 pad;
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

#define DRM_IOCTL_VXPU_QUEUE_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VXPU_QUEUE_CREATE, struct drm_vxpu_queue_create)
#define DRM_IOCTL_VXPU_QUEUE_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VXPU_QUEUE_DESTROY, struct drm_vxpu_queue_destroy)
#define DRM_IOCTL_VXPU_QUEUE_DOORBELL \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VXPU_QUEUE_DOORBELL, struct drm_vxpu_queue_doorbell)
#define DRM_IOCTL_VXPU_QUEUE_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VXPU_QUEUE_INFO, struct drm_vxpu_queue_info)
#define DRM_IOCTL_VXPU_CONTEXT_PAUSE \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VXPU_CONTEXT_PAUSE, struct drm_vxpu_context_pause)
#define DRM_IOCTL_VXPU_EVENT_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VXPU_EVENT_CREATE, struct drm_vxpu_event_create)
#define DRM_IOCTL_VXPU_EVENT_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VXPU_EVENT_DESTROY, struct drm_vxpu_event_destroy)
#define DRM_IOCTL_VXPU_EVENT_READ \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VXPU_EVENT_READ, struct drm_vxpu_event_read)
#define DRM_IOCTL_VXPU_EVENT_WAIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VXPU_EVENT_WAIT, struct drm_vxpu_event_wait)
#define DRM_IOCTL_VXPU_CRIU \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VXPU_CRIU, struct drm_vxpu_criu)

#define DRM_IOCTL_VXPU_GRANT_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VXPU_GRANT_CREATE, struct drm_vxpu_grant_create)
#define DRM_IOCTL_VXPU_GRANT_MAP \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VXPU_GRANT_MAP, struct drm_vxpu_grant_map)
#define DRM_IOCTL_VXPU_GRANT_UNMAP \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VXPU_GRANT_UNMAP, struct drm_vxpu_grant_unmap)
#define DRM_IOCTL_VXPU_GRANT_REVOKE \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VXPU_GRANT_REVOKE, struct drm_vxpu_grant_revoke)
#define DRM_IOCTL_VXPU_GRANT_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VXPU_GRANT_INFO, struct drm_vxpu_grant_info)
#define DRM_IOCTL_VXPU_FAULT_READ \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VXPU_FAULT_READ, struct drm_vxpu_fault_read)
#define DRM_IOCTL_VXPU_FAULT_REPLY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VXPU_FAULT_REPLY, struct drm_vxpu_fault_reply)

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_VXPU_ACCEL_H_ */
