/* SPDX-License-Identifier: MIT */
/*
 * libvxpu: the C API for vxpu, the virtual accelerator.
 *
 * Conventions, for every function in this header:
 *  - errors are returned as a negative errno value (-EINVAL, -ENOENT, ...);
 *    0 or a non-negative value means success. errno is not meaningful
 *    after a call.
 *  - a device is used through a file descriptor returned by
 *    vxpu_open_index() or vxpu_open_gpu_id(); each open is one context
 *    (see include/uapi/drm/vxpu_accel.h). Close it with close(2).
 *  - the library checks only what would make the call meaningless before
 *    any ioctl is made: a negative fd (-EBADF), a NULL pointer the
 *    function must write through (-EINVAL), a NULL data buffer with a
 *    non-zero size (-EFAULT). Everything else is validated by the driver
 *    and its errno is passed through unchanged, so the errno lists below
 *    are those of the UAPI kernel-doc.
 *  - ioctls interrupted by a signal are restarted (libdrm's drmIoctl()).
 *
 * Thread safety: all functions are thread safe; discovery keeps no state.
 */
#ifndef LIBVXPU_H
#define LIBVXPU_H

#include <fcntl.h>	/* O_CLOEXEC, O_RDWR: DRM_CLOEXEC, DRM_RDWR for vxpu_bo_export() */
#include <stddef.h>
#include <stdint.h>

#include <drm/vxpu_accel.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest number of devices discovery reports. */
#define VXPU_MAX_DEVICES 64

/**
 * struct vxpu_device_desc - one discovered device
 * @node: path of its DRM node, e.g. "/dev/accel/accel0" or "/dev/dri/renderD128"
 * @info: its DRM_VXPU_DEVICE_INFO at discovery time (vram_free may change)
 */
struct vxpu_device_desc {
	char node[256];
	struct drm_vxpu_device_info info;
};

/**
 * vxpu_discover() - find vxpu devices under a /dev-like directory
 * @dev_root: directory holding accel/accel* and dri/renderD* nodes; NULL
 *            means the default (the environment variable VXPU_DEV_ROOT if
 *            set, else "/dev")
 * @out: array receiving up to @max descriptors, sorted by info.index;
 *       may be NULL when @max is 0
 * @max: capacity of @out
 *
 * Every node whose DRM_IOCTL_VERSION name is "vxpu" and that answers
 * DRM_VXPU_DEVICE_INFO is kept. Nodes that cannot be opened or are other
 * drivers' are skipped silently.
 *
 * Return: the number of vxpu devices found (may exceed @max; only the
 * first @max, by index, are stored), or -ENODEV if none was found
 * (including when @dev_root does not exist), -EINVAL if @out is NULL
 * and @max is not 0, -ENOMEM.
 */
int vxpu_discover(const char *dev_root, struct vxpu_device_desc *out, unsigned int max);

/**
 * vxpu_device_count() - number of vxpu devices in the default dev root
 *
 * Return: the number of devices (0 when there is none), or -ENOMEM.
 */
int vxpu_device_count(void);

/**
 * vxpu_open_index() - open the device whose info.index is @index
 * @index: device index, 0..vxpu_device_count()-1
 *
 * Opens a new context (O_RDWR | O_CLOEXEC).
 *
 * Return: a file descriptor, or -ENODEV (no such device), or the
 * negative errno of open(2).
 */
int vxpu_open_index(unsigned int index);

/**
 * vxpu_open_gpu_id() - open the device whose info.gpu_id is @gpu_id
 * @gpu_id: stable device id (never 0)
 *
 * Return: a file descriptor, or -ENODEV (no such device; always for
 * @gpu_id 0), or the negative errno of open(2).
 */
int vxpu_open_gpu_id(uint32_t gpu_id);

/**
 * vxpu_open_node() - open a DRM node and check that it is a vxpu device
 * @path: node path
 *
 * Return: a file descriptor, or -EINVAL (@path NULL), -ENODEV (the node
 * is not a vxpu device), or the negative errno of open(2).
 */
int vxpu_open_node(const char *path);

/**
 * vxpu_is_vxpu_fd() - whether @fd is a DRM device driven by vxpu
 * @fd: open file descriptor
 *
 * Return: 1 if DRM_IOCTL_VERSION names "vxpu", 0 if not (or not a DRM
 * fd), -EBADF for a negative fd.
 */
int vxpu_is_vxpu_fd(int fd);

/**
 * vxpu_ioctl() - raw ioctl with libvxpu error convention
 * @fd: device fd
 * @request: ioctl number
 * @arg: argument
 *
 * Return: the ioctl's non-negative result, or -errno (-EBADF for fd < 0).
 */
int vxpu_ioctl(int fd, unsigned long request, void *arg);

/**
 * vxpu_device_info() - DRM_VXPU_DEVICE_INFO
 * @fd: device fd
 * @info: out; @info->flags is sent as 0
 *
 * Return: 0, or -EBADF, -EINVAL (@info NULL), -EFAULT.
 */
int vxpu_device_info(int fd, struct drm_vxpu_device_info *info);

/**
 * vxpu_context_info() - DRM_VXPU_CONTEXT_INFO
 * @fd: device fd
 * @info: out; @info->flags is sent as 0
 *
 * Return: 0, or -EBADF, -EINVAL (@info NULL), -EFAULT.
 */
int vxpu_context_info(int fd, struct drm_vxpu_context_info *info);

/**
 * vxpu_set_quota() - DRM_VXPU_CONTEXT_SET_QUOTA
 * @fd: device fd
 * @quota: new quota in bytes, a multiple of VXPU_PAGE_SIZE
 *
 * Return: 0, or -EBADF, -EINVAL (unaligned), -EPERM (raising without
 * CAP_SYS_ADMIN).
 */
int vxpu_set_quota(int fd, uint64_t quota);

/**
 * vxpu_bo_create() - DRM_VXPU_BO_CREATE
 * @fd: device fd
 * @size: bytes, a non-zero multiple of VXPU_PAGE_SIZE
 * @placement: VXPU_BO_VRAM or VXPU_BO_GTT
 * @handle: out, GEM handle
 * @mmap_offset: out, may be NULL
 *
 * Return: 0, or -EBADF, -EINVAL (@handle NULL; size 0 or unaligned,
 * unknown placement), -EDQUOT (quota, also when the bytes in use plus
 * @size overflow), -ENOSPC (VRAM full; VRAM @size of 16 TiB or more),
 * -ENOMEM (GTT @size of 16 TiB or more; out of memory).
 */
int vxpu_bo_create(int fd, uint64_t size, uint32_t placement, uint32_t *handle,
		   uint64_t *mmap_offset);

/**
 * vxpu_bo_info() - DRM_VXPU_BO_INFO
 * @fd: device fd
 * @handle: GEM handle
 * @info: out
 *
 * Return: 0, or -EBADF, -EINVAL (@info NULL), -ENOENT (no such handle
 * in this context).
 */
int vxpu_bo_info(int fd, uint32_t handle, struct drm_vxpu_bo_info *info);

/**
 * vxpu_bo_destroy() - DRM_IOCTL_GEM_CLOSE: drop this context's handle
 * @fd: device fd
 * @handle: GEM handle
 *
 * The BO lives on while mappings or dma-bufs reference it.
 *
 * Return: 0, or -EBADF, -EINVAL (no such handle: DRM core's errno).
 */
int vxpu_bo_destroy(int fd, uint32_t handle);

/**
 * vxpu_bo_mmap() - map a BO on the CPU (MAP_SHARED at its mmap offset)
 * @fd: device fd
 * @mmap_offset: from vxpu_bo_create() or vxpu_bo_info()
 * @size: bytes to map (usually the BO size), non-zero
 * @prot: PROT_READ and/or PROT_WRITE
 * @ptr: out, the mapping
 *
 * Return: 0, or -EBADF, -EINVAL (@ptr NULL, @size 0 or larger than the
 * address space, @mmap_offset not representable as off_t), or the
 * negative errno of mmap(2) (-EINVAL: no live BO at @mmap_offset, or
 * @size past its end; -EACCES: offset of another context's BO).
 */
int vxpu_bo_mmap(int fd, uint64_t mmap_offset, size_t size, int prot, void **ptr);

/**
 * vxpu_bo_munmap() - undo vxpu_bo_mmap()
 * @ptr: mapping
 * @size: its size
 *
 * Return: 0, or -EINVAL.
 */
int vxpu_bo_munmap(void *ptr, size_t size);

/**
 * vxpu_asid_create() - DRM_VXPU_ASID_CREATE
 * @fd: device fd
 * @flags: 0 (VXPU_ASID_SVA is reserved)
 * @asid: out, never 0
 *
 * Return: 0, or -EBADF, -EINVAL (@asid NULL, unknown flag),
 * -EOPNOTSUPP (VXPU_ASID_SVA), -ENOMEM.
 */
int vxpu_asid_create(int fd, uint32_t flags, uint32_t *asid);

/**
 * vxpu_asid_destroy() - DRM_VXPU_ASID_DESTROY, with all its mappings
 * @fd: device fd
 * @asid: ASID
 *
 * Return: 0, or -EBADF, -ENOENT (no such ASID in this context).
 */
int vxpu_asid_destroy(int fd, uint32_t asid);

/**
 * vxpu_vm_map() - DRM_VXPU_VM_MAP
 * @fd: device fd
 * @asid: ASID
 * @handle: GEM handle of the BO
 * @bo_offset: byte offset in the BO, page aligned
 * @size: bytes, page aligned, non-zero
 * @flags: VXPU_MAP_READ | VXPU_MAP_WRITE, optionally VXPU_MAP_FIXED
 * @va: with VXPU_MAP_FIXED in: the VA to map at; always out: the VA
 *
 * Return: 0, or -EBADF, -EINVAL (@va NULL; unaligned or zero size,
 * offset or VA; range past the BO end; overflow; no permission bit;
 * unknown flag), -ERANGE (fixed range outside the VA window), -EEXIST
 * (fixed range overlaps), -ENOSPC (no free VA), -ENOENT (bad handle or
 * ASID), -EACCES (VXPU_MAP_WRITE of a read-only foreign BO),
 * -EKEYREVOKED (a foreign BO whose grant is revoked), -ENOMEM.
 */
int vxpu_vm_map(int fd, uint32_t asid, uint32_t handle, uint64_t bo_offset, uint64_t size,
		uint32_t flags, uint64_t *va);

/**
 * vxpu_vm_unmap() - DRM_VXPU_VM_UNMAP of one whole mapping
 * @fd: device fd
 * @asid: ASID
 * @va: start of the mapping
 * @size: size of the mapping
 *
 * Return: 0, or -EBADF, -ENOENT (bad ASID or no mapping starts at @va),
 * -EINVAL (@va or @size unaligned; @size differs from the mapping's).
 */
int vxpu_vm_unmap(int fd, uint32_t asid, uint64_t va, uint64_t size);

/**
 * vxpu_vm_read() - DRM_VXPU_VM_READ: copy device VAs into @buf
 * @fd: device fd
 * @asid: ASID
 * @va: device virtual address (any alignment)
 * @buf: destination
 * @size: bytes, 1..1 GiB
 *
 * Return: 0, or -EBADF, -EFAULT (@buf NULL or bad), -ENOENT (bad ASID),
 * -ENXIO (unmapped page), -EACCES (page not readable), -EINVAL (size 0,
 * over 1 GiB, overflow).
 */
int vxpu_vm_read(int fd, uint32_t asid, uint64_t va, void *buf, uint64_t size);

/**
 * vxpu_vm_write() - DRM_VXPU_VM_WRITE: copy @buf to device VAs
 * @fd: device fd
 * @asid: ASID
 * @va: device virtual address (any alignment)
 * @buf: source
 * @size: bytes, 1..1 GiB
 *
 * Return: 0, or -EBADF, -EFAULT (@buf NULL or bad), -ENOENT (bad ASID),
 * -ENXIO (unmapped page), -EACCES (page not writable), -EINVAL (size 0,
 * over 1 GiB, overflow).
 */
int vxpu_vm_write(int fd, uint32_t asid, uint64_t va, const void *buf, uint64_t size);

/**
 * vxpu_bo_export() - export a BO as a dma-buf (DRM_IOCTL_PRIME_HANDLE_TO_FD)
 * @fd: device fd
 * @handle: GEM handle
 * @flags: 0 or O_CLOEXEC, optionally | O_RDWR (needed to mmap the dma-buf
 *         writable)
 *
 * Return: the dma-buf fd, or -EBADF, -EINVAL (unknown flags), -ENOENT
 * (bad handle).
 */
int vxpu_bo_export(int fd, uint32_t handle, uint32_t flags);

/**
 * vxpu_bo_import() - import a dma-buf into this context (DRM_IOCTL_PRIME_FD_TO_HANDLE)
 * @fd: device fd
 * @dmabuf_fd: dma-buf file descriptor
 * @handle: out, GEM handle (the same handle every time the same buffer
 *          is imported into the same context)
 *
 * Return: 0, or -EBADF (@fd or @dmabuf_fd negative or not open),
 * -EINVAL (@handle NULL, or @dmabuf_fd is not a dma-buf), -EOPNOTSUPP
 * (a dma-buf not exported from this device: another vxpu device's, or
 * another exporter's), -ENOMEM.
 */
int vxpu_bo_import(int fd, int dmabuf_fd, uint32_t *handle);

/* ------------------------------------------------------------------ */
/* Execution engine (VXPU_CAP_ENGINE): queues, events, pause, packets */
/* ------------------------------------------------------------------ */

/**
 * vxpu_queue_create() - DRM_VXPU_QUEUE_CREATE
 * @fd: device fd
 * @asid: ASID packet addresses are translated in
 * @ring_handle: GEM handle of the BO holding the ring
 * @ring_offset: byte offset of the ring in the BO, page aligned
 * @ring_entries: ring size in packets, a power of two in [2, 65536]
 * @priority: 0..VXPU_QUEUE_PRIORITY_MAX
 * @queue: out, queue id (never 0)
 *
 * Return: 0, or -EBADF, -EINVAL (@queue NULL; ring entries, offset or
 * priority invalid), -ENOENT (bad ASID or handle), -EPERM (a foreign BO
 * as the ring), -ENOMEM.
 */
int vxpu_queue_create(int fd, uint32_t asid, uint32_t ring_handle, uint64_t ring_offset,
		      uint32_t ring_entries, uint32_t priority, uint32_t *queue);

/**
 * vxpu_queue_destroy() - DRM_VXPU_QUEUE_DESTROY (also while busy)
 *
 * Return: 0, or -EBADF, -ENOENT (bad queue).
 */
int vxpu_queue_destroy(int fd, uint32_t queue);

/**
 * vxpu_queue_doorbell() - DRM_VXPU_QUEUE_DOORBELL: publish packets up to @wptr
 * @wptr: packets ever written (not wrapped)
 *
 * Return: 0, or -EBADF, -EINVAL (@wptr below the current wptr or more
 * than ring_entries ahead of rptr), -ENOENT, -EIO (queue in error).
 */
int vxpu_queue_doorbell(int fd, uint32_t queue, uint64_t wptr);

/**
 * vxpu_queue_info() - DRM_VXPU_QUEUE_INFO
 * @info: out (state, rptr, wptr, progress, counters, fault)
 *
 * Return: 0, or -EBADF, -EINVAL (@info NULL), -ENOENT.
 */
int vxpu_queue_info(int fd, uint32_t queue, struct drm_vxpu_queue_info *info);

/**
 * vxpu_context_pause() - DRM_VXPU_CONTEXT_PAUSE with VXPU_CONTEXT_PAUSE
 *
 * Returns once no engine executes a queue of the context. Pauses nest.
 *
 * Return: 0, or -EBADF.
 */
int vxpu_context_pause(int fd);

/**
 * vxpu_context_resume() - DRM_VXPU_CONTEXT_PAUSE with VXPU_CONTEXT_RESUME
 *
 * Return: 0, or -EBADF, -EINVAL (no pause to undo).
 */
int vxpu_context_resume(int fd);

/**
 * vxpu_criu_process_info() - DRM_VXPU_CRIU, VXPU_CRIU_PROCESS_INFO
 * @info: out (zeroed first): num_bos, num_objects, priv_data_size, pid and
 *	pause_fd, which holds the pause until closed or vxpu_criu_unpause()
 *
 * Needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN and the caller must be the
 * context's owner or its ptrace parent (all vxpu_criu_* calls).
 *
 * Return: 0, or -EBADF, -EINVAL (@info NULL), -EPERM, -E2BIG (more than an
 * image holds), -ENOMEM, -EMFILE.
 */
int vxpu_criu_process_info(int fd, struct drm_vxpu_criu *info);

/**
 * vxpu_criu_checkpoint() - DRM_VXPU_CRIU, VXPU_CRIU_CHECKPOINT
 * @args: in: num_bos, num_objects, priv_data_size as PROCESS_INFO returned
 *	them, bos (num_bos buckets) and priv_data (priv_data_size bytes), as
 *	user pointers; out: device. The op is set here, nothing else.
 *
 * Owned BOs' buckets get a dma-buf fd each (the caller closes them).
 *
 * Return: 0, or -EBADF, -EINVAL (also num_bos over VXPU_CRIU_BO_MAX or
 * priv_data_size over VXPU_CRIU_PRIV_MAX), -EPERM, -EBUSY (not paused by
 * PROCESS_INFO; grants or foreign BOs), -EAGAIN (counts changed),
 * -EOPNOTSUPP, -E2BIG, -EFAULT, -ENOMEM.
 */
int vxpu_criu_checkpoint(int fd, struct drm_vxpu_criu *args);

/**
 * vxpu_criu_unpause() - DRM_VXPU_CRIU, VXPU_CRIU_UNPAUSE
 *
 * Return: 0, or -EBADF, -EPERM, -EINVAL (no live pause fd).
 */
int vxpu_criu_unpause(int fd);

/**
 * vxpu_criu_restore() - DRM_VXPU_CRIU, VXPU_CRIU_RESTORE
 * @args: in: bos, num_bos, priv_data, priv_data_size, restore_cookie,
 *	device (user_gpu_id of the checkpoint, actual_gpu_id of this device);
 *	the buckets get restored_offset and dmabuf_fd. The op is set here.
 *
 * Return: 0, or -EBADF, -EINVAL (malformed), -EPERM, -EBUSY (context not
 * fresh), -EEXIST (context id taken), -EAGAIN (an imported BO's owner is
 * not restored yet), -EDQUOT, -ENOSPC, -ENOMEM, -EFAULT.
 */
int vxpu_criu_restore(int fd, struct drm_vxpu_criu *args);

/**
 * vxpu_criu_resume() - DRM_VXPU_CRIU, VXPU_CRIU_RESUME
 * @pid: 0 for the context of @fd, else every restored, not yet resumed
 *	context of that process on @fd's device
 *
 * Return: 0, or -EBADF, -EPERM, -ENOENT (nothing to resume).
 */
int vxpu_criu_resume(int fd, uint32_t pid);

/**
 * vxpu_event_create() - DRM_VXPU_EVENT_CREATE
 * @value: initial counter value
 * @event: out, event id (never 0)
 *
 * Return: 0, or -EBADF, -EINVAL (@event NULL), -ENOMEM.
 */
int vxpu_event_create(int fd, uint64_t value, uint32_t *event);

/**
 * vxpu_event_destroy() - DRM_VXPU_EVENT_DESTROY; waiters get -ENOENT
 *
 * Return: 0, or -EBADF, -ENOENT.
 */
int vxpu_event_destroy(int fd, uint32_t event);

/**
 * vxpu_event_read() - DRM_VXPU_EVENT_READ
 * @value: out
 *
 * Return: 0, or -EBADF, -EINVAL (@value NULL), -ENOENT.
 */
int vxpu_event_read(int fd, uint32_t event, uint64_t *value);

/**
 * vxpu_event_wait() - DRM_VXPU_EVENT_WAIT
 * @entries: @count (event, value) pairs; satisfied when counter >= value
 * @count: 1..VXPU_EVENT_WAIT_MAX
 * @flags: 0 (any) or VXPU_WAIT_ALL
 * @deadline_ns: absolute CLOCK_MONOTONIC deadline (see vxpu_deadline_ns())
 * @first: out, may be NULL: index of the first satisfied entry
 *
 * Restarted after signals with the same deadline (drmIoctl).
 *
 * Return: 0, or -EBADF, -EFAULT (@entries NULL with @count), -ETIME
 * (deadline passed), -EINVAL (flags, pad, count), -ENOENT (bad event).
 */
int vxpu_event_wait(int fd, const struct drm_vxpu_event_wait_entry *entries, uint32_t count,
		    uint32_t flags, int64_t deadline_ns, uint32_t *first);

/**
 * vxpu_deadline_ns() - CLOCK_MONOTONIC now + @rel_ns, in ns
 * @rel_ns: relative timeout; negative means "forever" (INT64_MAX)
 */
int64_t vxpu_deadline_ns(int64_t rel_ns);

/*
 * Packet builders. Each zeroes *@p, fills it for one opcode and returns
 * @p (never fails; the engine validates, a malformed packet stops the
 * queue with VXPU_FAULT_BAD_PACKET). An ASID argument of 0 means the
 * queue's own ASID; another ASID of the same context may be named.
 */
struct drm_vxpu_packet *vxpu_pkt_nop(struct drm_vxpu_packet *p);
/* dst[0..size) = src[0..size) */
struct drm_vxpu_packet *vxpu_pkt_copy(struct drm_vxpu_packet *p, uint32_t dst_asid,
				      uint64_t dst, uint32_t src_asid, uint64_t src,
				      uint64_t size);
/* dst byte i = byte (i % 8) of @pattern (little endian) */
struct drm_vxpu_packet *vxpu_pkt_fill(struct drm_vxpu_packet *p, uint32_t dst_asid,
				      uint64_t dst, uint64_t size, uint64_t pattern);
/* *(u64 *)dst = @value; dst 8-aligned */
struct drm_vxpu_packet *vxpu_pkt_write64(struct drm_vxpu_packet *p, uint32_t dst_asid,
					 uint64_t dst, uint64_t value);
/* atomically *(u64 *)dst += @value; dst 8-aligned */
struct drm_vxpu_packet *vxpu_pkt_atomic_add64(struct drm_vxpu_packet *p, uint32_t dst_asid,
					      uint64_t dst, uint64_t value);
/* event @event's counter = @value if larger */
struct drm_vxpu_packet *vxpu_pkt_signal(struct drm_vxpu_packet *p, uint32_t event,
				       uint64_t value);
/* wait until *(u64 *)src <@cond> @value; @cond VXPU_WAIT_EQ/NE/GE; src 8-aligned */
struct drm_vxpu_packet *vxpu_pkt_wait(struct drm_vxpu_packet *p, uint32_t src_asid,
				      uint64_t src, uint32_t cond, uint64_t value);
/* u64 dst[i] = mix64(src[i], @seed, i); size a multiple of 8, src/dst 8-aligned */
struct drm_vxpu_packet *vxpu_pkt_mix64(struct drm_vxpu_packet *p, uint32_t dst_asid,
				       uint64_t dst, uint32_t src_asid, uint64_t src,
				       uint64_t size, uint64_t seed);
/* C(MxN) = A(MxK) x B(KxN) mod 2^32; A and B in @src_asid, C in @dst_asid; 4-aligned */
struct drm_vxpu_packet *vxpu_pkt_matmul_u32(struct drm_vxpu_packet *p, uint32_t dst_asid,
					    uint64_t c, uint32_t src_asid, uint64_t a,
					    uint64_t b, uint32_t m, uint32_t n, uint32_t k);
/* *(u64 *)dst = xxh64(src[0..size), @seed); dst 8-aligned */
struct drm_vxpu_packet *vxpu_pkt_hash64(struct drm_vxpu_packet *p, uint32_t dst_asid,
				       uint64_t dst, uint32_t src_asid, uint64_t src,
				       uint64_t size, uint64_t seed);

/**
 * struct vxpu_queue - a queue with its ring mapped on the CPU (queue helpers)
 * @fd: device fd (not owned)
 * @id: queue id
 * @asid: the queue's ASID
 * @ring_handle: GEM handle of the ring BO (owned)
 * @entries: ring size in packets
 * @ring: CPU mapping of the ring
 * @ring_bytes: size of @ring's mapping
 * @wptr: packets written into the ring (pushed) so far
 * @doorbell: wptr published by the last doorbell
 * @event: private event signalled by fence packets (owned)
 * @fence: ring index + 1 of the last fence packet pushed (0: none)
 * @done: an rptr the queue is known to have reached (from fences)
 *
 * A fence is a SIGNAL packet of @event with the value "its ring index +
 * 1"; when the event counter reaches v, every packet before the fence is
 * complete, so rptr >= v - 1 (the fence itself may not be counted yet:
 * the UAPI does not order the event update and the rptr update). Waiting
 * for rptr is therefore an EVENT_WAIT, never a poll. Not thread safe: one
 * user per struct.
 */
struct vxpu_queue {
	int fd;
	uint32_t id;
	uint32_t asid;
	uint32_t ring_handle;
	uint32_t entries;
	struct drm_vxpu_packet *ring;
	size_t ring_bytes;
	uint64_t wptr;
	uint64_t doorbell;
	uint32_t event;
	uint64_t fence;
	uint64_t done;
};

/**
 * vxpu_queue_open() - create a ring BO, map it, create the queue and its fence event
 * @fd: device fd
 * @asid: the queue's ASID
 * @entries: ring size in packets (power of two, 2..65536)
 * @placement: VXPU_BO_GTT or VXPU_BO_VRAM for the ring BO
 * @priority: 0..VXPU_QUEUE_PRIORITY_MAX
 * @q: out
 *
 * Return: 0, or -EBADF, -EINVAL (@q NULL or driver validation), the
 * errnos of BO creation, mmap, queue and event creation (nothing is
 * left behind on failure).
 */
int vxpu_queue_open(int fd, uint32_t asid, uint32_t entries, uint32_t placement,
		    uint32_t priority, struct vxpu_queue *q);

/**
 * vxpu_queue_close() - destroy the queue (also while busy), its event and ring BO
 *
 * Return: 0, or the first error (everything is released anyway).
 */
int vxpu_queue_close(struct vxpu_queue *q);

/**
 * vxpu_queue_push() - write @n packets into the ring (no doorbell)
 *
 * One ring slot is always kept free for a fence. When the ring has no
 * room, pushes a fence, rings the doorbell and waits (EVENT_WAIT) for
 * room, at most @timeout_ns (relative; negative: forever).
 *
 * Return: 0, or -EINVAL (@q or @pkts NULL, @n over entries - 2), -ETIME,
 * -EIO (the queue is in ERROR), errnos of the ioctls.
 */
int vxpu_queue_push(struct vxpu_queue *q, const struct drm_vxpu_packet *pkts, uint32_t n,
		    int64_t timeout_ns);

/**
 * vxpu_queue_fence() - push a fence (SIGNAL of the queue's event) if the
 * last pushed packet is not one already
 * @value: out, may be NULL: the rptr the fence guarantees (its own ring
 *         index: every packet before it), for vxpu_queue_wait_rptr()
 *
 * Return: 0, or as vxpu_queue_push().
 */
int vxpu_queue_fence(struct vxpu_queue *q, uint64_t *value);

/**
 * vxpu_queue_kick() - ring the doorbell with everything pushed so far
 *
 * Return: 0, or the errno of vxpu_queue_doorbell().
 */
int vxpu_queue_kick(struct vxpu_queue *q);

/**
 * vxpu_queue_wait_rptr() - wait until the queue's rptr is at least @rptr
 * @rptr: at most q->wptr
 * @timeout_ns: relative; negative: forever
 *
 * Pushes a fence and rings the doorbell if no fence at index @rptr or
 * later is there yet, then sleeps in EVENT_WAIT on the queue's event.
 * Sleeps in slices of 100 ms, checking the queue state between them.
 *
 * Return: 0, or -EINVAL (@rptr past q->wptr), -ETIME, -EIO (the queue
 * went to ERROR; vxpu_queue_info() has the fault), errnos of the ioctls.
 */
int vxpu_queue_wait_rptr(struct vxpu_queue *q, uint64_t rptr, int64_t timeout_ns);

/**
 * vxpu_submit_wait() - push @n packets, a fence, ring the doorbell, wait
 * until all of them executed
 *
 * Return: 0, or as vxpu_queue_push() and vxpu_queue_wait_rptr().
 */
int vxpu_submit_wait(struct vxpu_queue *q, const struct drm_vxpu_packet *pkts, uint32_t n,
		     int64_t timeout_ns);

/**
 * vxpu_send_fd() - pass @fd (a device fd, a dma-buf, ...) over a UNIX socket
 * @sock: connected AF_UNIX socket
 * @fd: the descriptor to pass (SCM_RIGHTS); a device fd shares its context
 * @data: bytes sent along with it, or NULL for one zero byte
 * @len: bytes at @data
 *
 * Return: 0, or -errno of sendmsg().
 */
int vxpu_send_fd(int sock, int fd, const void *data, size_t len);

/**
 * vxpu_recv_fd() - receive a descriptor sent by vxpu_send_fd()
 * @sock: connected AF_UNIX socket
 * @data: buffer for the bytes sent along, or NULL to discard one byte
 * @len: bytes at @data
 *
 * Return: the new descriptor (close-on-exec), -errno of recvmsg(), or
 * -EPROTO when the message carries no descriptor.
 */
int vxpu_recv_fd(int sock, void *data, size_t len);

/* ---- grants (issue 5): revocable cross-context memory ---- */

/**
 * vxpu_grant_create() - DRM_VXPU_GRANT_CREATE: lend [@offset, @offset + @size)
 * of BO @handle to context @frontend_ctx_id with @access (VXPU_GRANT_READ,
 * optionally | VXPU_GRANT_WRITE)
 * @grant_id: out, the new grant's id
 *
 * Return: 0, or -errno as documented in vxpu_accel.h.
 */
int vxpu_grant_create(int fd, uint32_t handle, uint64_t offset, uint64_t size,
		      uint32_t frontend_ctx_id, uint32_t access, uint64_t *grant_id);

/**
 * vxpu_grant_map() - DRM_VXPU_GRANT_MAP: map grant @grant_id as a foreign BO
 * @access: VXPU_GRANT_READ, optionally | VXPU_GRANT_WRITE
 * @out: out, the whole reply (handle, mmap_offset, size, backend_ctx_id)
 *
 * Return: 0, or -errno.
 */
int vxpu_grant_map(int fd, uint64_t grant_id, uint32_t access, struct drm_vxpu_grant_map *out);

/** vxpu_grant_unmap() - DRM_VXPU_GRANT_UNMAP: drop the foreign BO's handle. Return: 0, or -errno. */
int vxpu_grant_unmap(int fd, uint64_t grant_id);

/** vxpu_grant_revoke() - DRM_VXPU_GRANT_REVOKE (backend). Return: 0, or -errno. */
int vxpu_grant_revoke(int fd, uint64_t grant_id);

/** vxpu_grant_info() - DRM_VXPU_GRANT_INFO into @info. Return: 0, or -errno. */
int vxpu_grant_info(int fd, uint64_t grant_id, struct drm_vxpu_grant_info *info);

/**
 * vxpu_fault_read() - DRM_VXPU_FAULT_READ: up to @max (1..VXPU_FAULT_READ_MAX)
 * records into @recs, without blocking
 * @lost: out, may be NULL: records dropped since the previous read
 *
 * Return: the number of records read (0 if none), or -errno.
 */
int vxpu_fault_read(int fd, struct drm_vxpu_grant_fault *recs, uint32_t max, uint64_t *lost);

/**
 * vxpu_fault_wait() - wait until @fd has fault records (poll POLLIN)
 * @timeout_ms: as for poll(); negative: forever
 *
 * Return: 1 when records are pending, 0 on timeout, or -errno.
 */
int vxpu_fault_wait(int fd, int timeout_ms);

/**
 * vxpu_fault_reply() - DRM_VXPU_FAULT_REPLY: answer DEVICE record @fault_id
 * @action: VXPU_FAULT_SUPPLY (BO @handle from @bo_offset), VXPU_FAULT_ZERO
 *	or VXPU_FAULT_FAIL (@handle and @bo_offset 0)
 *
 * Return: 0, or -errno.
 */
int vxpu_fault_reply(int fd, uint64_t fault_id, uint32_t action, uint32_t handle,
		     uint64_t bo_offset);

/**
 * vxpu_strerror() - "EINVAL: Invalid argument" style text for a libvxpu result
 * @err: a negative errno (a positive one is accepted too)
 *
 * Return: a per-thread buffer, valid until the next call in the same
 * thread; never NULL.
 */
const char *vxpu_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* LIBVXPU_H */
