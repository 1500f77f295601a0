// SPDX-License-Identifier: MIT
/*
 * libvxpu: device discovery and one wrapper per vxpu ioctl.
 * See libvxpu.h for the contract of every function.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "libvxpu.h"

#define VXPU_EXPORT __attribute__((visibility("default")))

static int neg_errno(void)
{
	return errno ? -errno : -EIO;
}

VXPU_EXPORT int vxpu_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	if (fd < 0)
		return -EBADF;
	ret = drmIoctl(fd, request, arg);
	return ret < 0 ? neg_errno() : ret;
}

VXPU_EXPORT int vxpu_is_vxpu_fd(int fd)
{
	drmVersionPtr v;
	int ret;

	if (fd < 0)
		return -EBADF;
	v = drmGetVersion(fd);
	if (!v)
		return 0;
	ret = v->name && strcmp(v->name, VXPU_DRIVER_NAME) == 0;
	drmFreeVersion(v);
	return ret;
}

VXPU_EXPORT int vxpu_open_node(const char *path)
{
	int fd, ret;

	if (!path)
		return -EINVAL;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return neg_errno();
	ret = vxpu_is_vxpu_fd(fd);
	if (ret != 1) {
		close(fd);
		return -ENODEV;
	}
	return fd;
}

static const char *default_dev_root(void)
{
	const char *env = getenv("VXPU_DEV_ROOT");

	return env && *env ? env : "/dev";
}

static int desc_cmp(const void *a, const void *b)
{
	const struct vxpu_device_desc *x = a, *y = b;

	if (x->info.index != y->info.index)
		return x->info.index < y->info.index ? -1 : 1;
	return strcmp(x->node, y->node);
}

/* Append every vxpu node of @dir whose name starts with @prefix to @list. */
static int scan_dir(const char *root, const char *sub, const char *prefix,
		    struct vxpu_device_desc *list, unsigned int *n)
{
	char dirpath[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (snprintf(dirpath, sizeof(dirpath), "%s/%s", root, sub) >= (int)sizeof(dirpath))
		return 0;
	d = opendir(dirpath);
	if (!d)
		return 0; /* no such class of node: not an error */
	while ((de = readdir(d)) != NULL) {
		struct vxpu_device_desc desc;
		int fd;

		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		if (*n >= VXPU_MAX_DEVICES)
			break;
		memset(&desc, 0, sizeof(desc));
		if (snprintf(desc.node, sizeof(desc.node), "%s/%s", dirpath, de->d_name) >=
		    (int)sizeof(desc.node))
			continue;
		fd = vxpu_open_node(desc.node);
		if (fd < 0)
			continue;
		if (vxpu_device_info(fd, &desc.info) == 0)
			list[(*n)++] = desc;
		close(fd);
	}
	closedir(d);
	return 0;
}

static int discover(const char *root, struct vxpu_device_desc **listp)
{
	struct vxpu_device_desc *list;
	unsigned int n = 0;

	list = calloc(VXPU_MAX_DEVICES, sizeof(*list));
	if (!list)
		return -ENOMEM;
	scan_dir(root, "accel", "accel", list, &n);
	scan_dir(root, "dri", "renderD", list, &n);
	qsort(list, n, sizeof(*list), desc_cmp);
	*listp = list;
	return (int)n;
}

VXPU_EXPORT int vxpu_discover(const char *dev_root, struct vxpu_device_desc *out,
			      unsigned int max)
{
	struct vxpu_device_desc *list;
	unsigned int i;
	int n;

	if (!out && max)
		return -EINVAL;
	n = discover(dev_root ? dev_root : default_dev_root(), &list);
	if (n < 0)
		return n;
	for (i = 0; i < (unsigned int)n && i < max; i++)
		out[i] = list[i];
	free(list);
	return n ? n : -ENODEV;
}

VXPU_EXPORT int vxpu_device_count(void)
{
	struct vxpu_device_desc *list;
	int n;

	n = discover(default_dev_root(), &list);
	if (n >= 0)
		free(list);
	return n;
}

static int open_matching(int by_gpu_id, uint32_t key)
{
	struct vxpu_device_desc *list;
	int n, i, ret = -ENODEV;

	n = discover(default_dev_root(), &list);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		uint32_t v = by_gpu_id ? list[i].info.gpu_id : list[i].info.index;

		if (v == key) {
			ret = vxpu_open_node(list[i].node);
			break;
		}
	}
	free(list);
	return ret;
}

VXPU_EXPORT int vxpu_open_index(unsigned int index)
{
	return open_matching(0, index);
}

VXPU_EXPORT int vxpu_open_gpu_id(uint32_t gpu_id)
{
	if (gpu_id == 0)
		return -ENODEV;
	return open_matching(1, gpu_id);
}

VXPU_EXPORT int vxpu_device_info(int fd, struct drm_vxpu_device_info *info)
{
	if (fd < 0)
		return -EBADF;
	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	return vxpu_ioctl(fd, DRM_IOCTL_VXPU_DEVICE_INFO, info);
}

VXPU_EXPORT int vxpu_context_info(int fd, struct drm_vxpu_context_info *info)
{
	if (fd < 0)
		return -EBADF;
	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	return vxpu_ioctl(fd, DRM_IOCTL_VXPU_CONTEXT_INFO, info);
}

VXPU_EXPORT int vxpu_set_quota(int fd, uint64_t quota)
{
	struct drm_vxpu_context_set_quota q = { .quota = quota };

	return vxpu_ioctl(fd, DRM_IOCTL_VXPU_CONTEXT_SET_QUOTA, &q);
}

VXPU_EXPORT int vxpu_bo_create(int fd, uint64_t size, uint32_t placement, uint32_t *handle,
			       uint64_t *mmap_offset)
{
	struct drm_vxpu_bo_create c = { .size = size, .placement = placement };
	int ret;

	if (fd < 0)
		return -EBADF;
	if (!handle)
		return -EINVAL;
	ret = vxpu_ioctl(fd, DRM_IOCTL_VXPU_BO_CREATE, &c);
	if (ret)
		return ret;
	*handle = c.handle;
	if (mmap_offset)
		*mmap_offset = c.mmap_offset;
	return 0;
}

VXPU_EXPORT int vxpu_bo_info(int fd, uint32_t handle, struct drm_vxpu_bo_info *info)
{
	if (fd < 0)
		return -EBADF;
	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	return vxpu_ioctl(fd, DRM_IOCTL_VXPU_BO_INFO, info);
}

VXPU_EXPORT int vxpu_bo_destroy(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return vxpu_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

VXPU_EXPORT int vxpu_bo_mmap(int fd, uint64_t mmap_offset, size_t size, int prot, void **ptr)
{
	void *p;

	if (fd < 0)
		return -EBADF;
	if (!ptr || size == 0 || size > (size_t)PTRDIFF_MAX || mmap_offset > (uint64_t)INT64_MAX)
		return -EINVAL;
	p = mmap(NULL, size, prot, MAP_SHARED, fd, (off_t)mmap_offset);
	if (p == MAP_FAILED)
		return neg_errno();
	*ptr = p;
	return 0;
}

VXPU_EXPORT int vxpu_bo_munmap(void *ptr, size_t size)
{
	if (!ptr || size == 0)
		return -EINVAL;
	return munmap(ptr, size) ? neg_errno() : 0;
}

VXPU_EXPORT int vxpu_asid_create(int fd, uint32_t flags, uint32_t *asid)
{
	struct drm_vxpu_asid_create c = { .flags = flags };
	int ret;

	if (fd < 0)
		return -EBADF;
	if (!asid)
		return -EINVAL;
	ret = vxpu_ioctl(fd, DRM_IOCTL_VXPU_ASID_CREATE, &c);
	if (ret)
		return ret;
	*asid = c.asid;
	return 0;
}

VXPU_EXPORT int vxpu_asid_destroy(int fd, uint32_t asid)
{
	struct drm_vxpu_asid_destroy d = { .asid = asid };

	return vxpu_ioctl(fd, DRM_IOCTL_VXPU_ASID_DESTROY, &d);
}

VXPU_EXPORT int vxpu_vm_map(int fd, uint32_t asid, uint32_t handle, uint64_t bo_offset,
			    uint64_t size, uint32_t flags, uint64_t *va)
{
	struct drm_vxpu_vm_map m = {
		.asid = asid, .handle = handle, .bo_offset = bo_offset,
		.size = size, .flags = flags,
	};
	int ret;

	if (fd < 0)
		return -EBADF;
	if (!va)
		return -EINVAL;
	if (flags & VXPU_MAP_FIXED)
		m.va = *va;
	ret = vxpu_ioctl(fd, DRM_IOCTL_VXPU_VM_MAP, &m);
	if (ret)
		return ret;
	*va = m.va;
	return 0;
}

VXPU_EXPORT int vxpu_vm_unmap(int fd, uint32_t asid, uint64_t va, uint64_t size)
{
	struct drm_vxpu_vm_unmap u = { .asid = asid, .va = va, .size = size };

	return vxpu_ioctl(fd, DRM_IOCTL_VXPU_VM_UNMAP, &u);
}

static int vm_rw(int fd, unsigned long req, uint32_t asid, uint64_t va, const void *buf,
		 uint64_t size)
{
	struct drm_vxpu_vm_rw rw = {
		.asid = asid, .va = va, .size = size,
		.user_ptr = (uint64_t)(uintptr_t)buf,
	};

	if (fd < 0)
		return -EBADF;
	if (!buf && size)
		return -EFAULT;
	return vxpu_ioctl(fd, req, &rw);
}

VXPU_EXPORT int vxpu_vm_read(int fd, uint32_t asid, uint64_t va, void *buf, uint64_t size)
{
	return vm_rw(fd, DRM_IOCTL_VXPU_VM_READ, asid, va, buf, size);
}

VXPU_EXPORT int vxpu_vm_write(int fd, uint32_t asid, uint64_t va, const void *buf,
			      uint64_t size)
{
	return vm_rw(fd, DRM_IOCTL_VXPU_VM_WRITE, asid, va, buf, size);
}

VXPU_EXPORT int vxpu_bo_export(int fd, uint32_t handle, uint32_t flags)
{
	int dmabuf_fd = -1;

	if (fd < 0)
		return -EBADF;
	errno = 0;
	if (drmPrimeHandleToFD(fd, handle, flags, &dmabuf_fd))
		return neg_errno();
	return dmabuf_fd;
}

VXPU_EXPORT int vxpu_bo_import(int fd, int dmabuf_fd, uint32_t *handle)
{
	uint32_t h = 0;

	if (fd < 0 || dmabuf_fd < 0)
		return -EBADF;
	if (!handle)
		return -EINVAL;
	errno = 0;
	if (drmPrimeFDToHandle(fd, dmabuf_fd, &h))
		return neg_errno();
	*handle = h;
	return 0;
}

VXPU_EXPORT const char *vxpu_strerror(int err)
{
	static __thread char buf[96];
	const char *name;

	if (err < 0)
		err = -err;
	name = strerrorname_np(err);
	snprintf(buf, sizeof(buf), "%s: %s", name ? name : "E?", strerror(err));
	return buf;
}
