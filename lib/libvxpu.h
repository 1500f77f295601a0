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
 * unknown placement), -EDQUOT (quota), -ENOSPC (VRAM full), -ENOMEM.
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
 * negative errno of mmap(2) (-EACCES: offset of another context's BO).
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
 * ASID).
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
 * -EINVAL (@size differs from the mapping's or is unaligned).
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
 * -EINVAL (@handle NULL, or @dmabuf_fd is not a dma-buf), -ENOMEM.
 */
int vxpu_bo_import(int fd, int dmabuf_fd, uint32_t *handle);

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
