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
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <time.h>

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

/* Passing a device fd shares its context (SCM_RIGHTS); one copy for all users. */
VXPU_EXPORT int vxpu_send_fd(int sock, int fd, const void *data, size_t len)
{
	char byte = 0;
	struct iovec iov = {
		.iov_base = data ? (void *)data : &byte,
		.iov_len = data ? len : 1,
	};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) < 0 ? -errno : 0;
}

VXPU_EXPORT int vxpu_recv_fd(int sock, void *data, size_t len)
{
	char byte;
	struct iovec iov = {
		.iov_base = data ? data : &byte,
		.iov_len = data ? len : 1,
	};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0)
		return -errno;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
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

/* ---------------------------------------------------------------- engine */

VXPU_EXPORT int vxpu_queue_create(int fd, uint32_t asid, uint32_t ring_handle,
				  uint64_t ring_offset, uint32_t ring_entries, uint32_t priority,
				  uint32_t *queue)
{
	struct drm_vxpu_queue_create c = {
		.asid = asid, .ring_handle = ring_handle, .ring_offset = ring_offset,
		.ring_entries = ring_entries, .priority = priority,
	};
	int ret;

	if (fd < 0)
		return -EBADF;
	if (!queue)
		return -EINVAL;
	ret = vxpu_ioctl(fd, DRM_IOCTL_VXPU_QUEUE_CREATE, &c);
	if (ret)
		return ret;
	*queue = c.queue;
	return 0;
}

VXPU_EXPORT int vxpu_queue_destroy(int fd, uint32_t queue)
{
	struct drm_vxpu_queue_destroy d = { .queue = queue };

	return vxpu_ioctl(fd, DRM_IOCTL_VXPU_QUEUE_DESTROY, &d);
}

VXPU_EXPORT int vxpu_queue_doorbell(int fd, uint32_t queue, uint64_t wptr)
{
	struct drm_vxpu_queue_doorbell d = { .queue = queue, .wptr = wptr };

	/* packets written through the CPU mapping are visible before the doorbell */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return vxpu_ioctl(fd, DRM_IOCTL_VXPU_QUEUE_DOORBELL, &d);
}

VXPU_EXPORT int vxpu_queue_info(int fd, uint32_t queue, struct drm_vxpu_queue_info *info)
{
	if (fd < 0)
		return -EBADF;
	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->queue = queue;
	return vxpu_ioctl(fd, DRM_IOCTL_VXPU_QUEUE_INFO, info);
}

static int context_pause_op(int fd, uint32_t op)
{
	struct drm_vxpu_context_pause p = { .op = op };

	return vxpu_ioctl(fd, DRM_IOCTL_VXPU_CONTEXT_PAUSE, &p);
}

VXPU_EXPORT int vxpu_context_pause(int fd)
{
	return context_pause_op(fd, VXPU_CONTEXT_PAUSE);
}

VXPU_EXPORT int vxpu_context_resume(int fd)
{
	return context_pause_op(fd, VXPU_CONTEXT_RESUME);
}

/*
 * DRM_VXPU_CRIU without drmIoctl(): that one retries on EAGAIN, which
 * CHECKPOINT (counts changed) and RESTORE (imported BO's owner not yet
 * restored) return for the caller to act on. EINTR is retried.
 */
static int criu_ioctl(int fd, struct drm_vxpu_criu *a)
{
	int ret;

	if (fd < 0)
		return -EBADF;
	do {
		ret = ioctl(fd, DRM_IOCTL_VXPU_CRIU, a);
	} while (ret == -1 && errno == EINTR);
	return ret < 0 ? neg_errno() : ret;
}

VXPU_EXPORT int vxpu_criu_process_info(int fd, struct drm_vxpu_criu *info)
{
	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->op = VXPU_CRIU_PROCESS_INFO;
	info->pause_fd = -1;
	return criu_ioctl(fd, info);
}

VXPU_EXPORT int vxpu_criu_checkpoint(int fd, struct drm_vxpu_criu *args)
{
	if (!args)
		return -EINVAL;
	args->op = VXPU_CRIU_CHECKPOINT;
	return criu_ioctl(fd, args);
}

VXPU_EXPORT int vxpu_criu_unpause(int fd)
{
	struct drm_vxpu_criu a = { .op = VXPU_CRIU_UNPAUSE };

	return criu_ioctl(fd, &a);
}

VXPU_EXPORT int vxpu_criu_restore(int fd, struct drm_vxpu_criu *args)
{
	if (!args)
		return -EINVAL;
	args->op = VXPU_CRIU_RESTORE;
	return criu_ioctl(fd, args);
}

VXPU_EXPORT int vxpu_criu_resume(int fd, uint32_t pid)
{
	struct drm_vxpu_criu a = { .op = VXPU_CRIU_RESUME, .pid = pid };

	return criu_ioctl(fd, &a);
}

VXPU_EXPORT int vxpu_event_create(int fd, uint64_t value, uint32_t *event)
{
	struct drm_vxpu_event_create c = { .value = value };
	int ret;

	if (fd < 0)
		return -EBADF;
	if (!event)
		return -EINVAL;
	ret = vxpu_ioctl(fd, DRM_IOCTL_VXPU_EVENT_CREATE, &c);
	if (ret)
		return ret;
	*event = c.event;
	return 0;
}

VXPU_EXPORT int vxpu_event_destroy(int fd, uint32_t event)
{
	struct drm_vxpu_event_destroy d = { .event = event };

	return vxpu_ioctl(fd, DRM_IOCTL_VXPU_EVENT_DESTROY, &d);
}

VXPU_EXPORT int vxpu_event_read(int fd, uint32_t event, uint64_t *value)
{
	struct drm_vxpu_event_read r = { .event = event };
	int ret;

	if (fd < 0)
		return -EBADF;
	if (!value)
		return -EINVAL;
	ret = vxpu_ioctl(fd, DRM_IOCTL_VXPU_EVENT_READ, &r);
	if (ret)
		return ret;
	*value = r.value;
	return 0;
}

VXPU_EXPORT int vxpu_event_wait(int fd, const struct drm_vxpu_event_wait_entry *entries,
				uint32_t count, uint32_t flags, int64_t deadline_ns,
				uint32_t *first)
{
	struct drm_vxpu_event_wait w = {
		.entries = (uint64_t)(uintptr_t)entries, .count = count, .flags = flags,
		.timeout_ns = deadline_ns,
	};
	int ret;

	if (fd < 0)
		return -EBADF;
	if (!entries && count)
		return -EFAULT;
	ret = vxpu_ioctl(fd, DRM_IOCTL_VXPU_EVENT_WAIT, &w);
	if (ret)
		return ret;
	if (first)
		*first = w.first;
	return 0;
}

VXPU_EXPORT int64_t vxpu_deadline_ns(int64_t rel_ns)
{
	struct timespec ts;
	int64_t now;

	if (rel_ns < 0)
		return INT64_MAX;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	return rel_ns > INT64_MAX - now ? INT64_MAX : now + rel_ns;
}

/* ---- packet builders ---- */

static struct drm_vxpu_packet *pkt_init(struct drm_vxpu_packet *p, uint32_t op)
{
	memset(p, 0, sizeof(*p));
	p->opcode = op;
	return p;
}

VXPU_EXPORT struct drm_vxpu_packet *vxpu_pkt_nop(struct drm_vxpu_packet *p)
{
	return pkt_init(p, VXPU_OP_NOP);
}

VXPU_EXPORT struct drm_vxpu_packet *vxpu_pkt_copy(struct drm_vxpu_packet *p, uint32_t dst_asid,
						  uint64_t dst, uint32_t src_asid, uint64_t src,
						  uint64_t size)
{
	pkt_init(p, VXPU_OP_COPY);
	p->dst_asid = dst_asid;
	p->dst = dst;
	p->src_asid = src_asid;
	p->src = src;
	p->size = size;
	return p;
}

VXPU_EXPORT struct drm_vxpu_packet *vxpu_pkt_fill(struct drm_vxpu_packet *p, uint32_t dst_asid,
						  uint64_t dst, uint64_t size, uint64_t pattern)
{
	pkt_init(p, VXPU_OP_FILL);
	p->dst_asid = dst_asid;
	p->dst = dst;
	p->size = size;
	p->arg[0] = pattern;
	return p;
}

VXPU_EXPORT struct drm_vxpu_packet *vxpu_pkt_write64(struct drm_vxpu_packet *p,
						     uint32_t dst_asid, uint64_t dst,
						     uint64_t value)
{
	pkt_init(p, VXPU_OP_WRITE64);
	p->dst_asid = dst_asid;
	p->dst = dst;
	p->arg[0] = value;
	return p;
}

VXPU_EXPORT struct drm_vxpu_packet *vxpu_pkt_atomic_add64(struct drm_vxpu_packet *p,
							  uint32_t dst_asid, uint64_t dst,
							  uint64_t value)
{
	pkt_init(p, VXPU_OP_ATOMIC_ADD64);
	p->dst_asid = dst_asid;
	p->dst = dst;
	p->arg[0] = value;
	return p;
}

VXPU_EXPORT struct drm_vxpu_packet *vxpu_pkt_signal(struct drm_vxpu_packet *p, uint32_t event,
						    uint64_t value)
{
	pkt_init(p, VXPU_OP_SIGNAL);
	p->arg[0] = event;
	p->arg[1] = value;
	return p;
}

VXPU_EXPORT struct drm_vxpu_packet *vxpu_pkt_wait(struct drm_vxpu_packet *p, uint32_t src_asid,
						  uint64_t src, uint32_t cond, uint64_t value)
{
	pkt_init(p, VXPU_OP_WAIT);
	p->flags = cond;
	p->src_asid = src_asid;
	p->src = src;
	p->arg[0] = value;
	return p;
}

VXPU_EXPORT struct drm_vxpu_packet *vxpu_pkt_mix64(struct drm_vxpu_packet *p, uint32_t dst_asid,
						   uint64_t dst, uint32_t src_asid, uint64_t src,
						   uint64_t size, uint64_t seed)
{
	vxpu_pkt_copy(p, dst_asid, dst, src_asid, src, size);
	p->opcode = VXPU_OP_MIX64;
	p->arg[0] = seed;
	return p;
}

VXPU_EXPORT struct drm_vxpu_packet *vxpu_pkt_matmul_u32(struct drm_vxpu_packet *p,
							uint32_t dst_asid, uint64_t c,
							uint32_t src_asid, uint64_t a, uint64_t b,
							uint32_t m, uint32_t n, uint32_t k)
{
	pkt_init(p, VXPU_OP_MATMUL_U32);
	p->dst_asid = dst_asid;
	p->dst = c;
	p->src_asid = src_asid;
	p->src = a;
	p->arg[0] = b;
	p->arg[1] = (uint64_t)m | (uint64_t)n << 32;
	p->arg[2] = k;
	return p;
}

VXPU_EXPORT struct drm_vxpu_packet *vxpu_pkt_hash64(struct drm_vxpu_packet *p, uint32_t dst_asid,
						    uint64_t dst, uint32_t src_asid, uint64_t src,
						    uint64_t size, uint64_t seed)
{
	vxpu_pkt_copy(p, dst_asid, dst, src_asid, src, size);
	p->opcode = VXPU_OP_HASH64;
	p->arg[0] = seed;
	return p;
}

/* ---- queue helpers ---- */

VXPU_EXPORT int vxpu_queue_open(int fd, uint32_t asid, uint32_t entries, uint32_t placement,
				uint32_t priority, struct vxpu_queue *q)
{
	uint64_t bytes, off = 0;
	void *ring = NULL;
	int ret;

	if (fd < 0)
		return -EBADF;
	if (!q)
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	q->fd = fd;
	q->asid = asid;
	q->entries = entries;
	bytes = (uint64_t)entries * sizeof(struct drm_vxpu_packet);
	bytes = (bytes + VXPU_PAGE_SIZE - 1) / VXPU_PAGE_SIZE * VXPU_PAGE_SIZE;
	if (!bytes)
		bytes = VXPU_PAGE_SIZE;
	ret = vxpu_bo_create(fd, bytes, placement, &q->ring_handle, &off);
	if (ret)
		goto err;
	ret = vxpu_bo_mmap(fd, off, bytes, PROT_READ | PROT_WRITE, &ring);
	if (ret)
		goto err_bo;
	q->ring = ring;
	q->ring_bytes = bytes;
	ret = vxpu_queue_create(fd, asid, q->ring_handle, 0, entries, priority, &q->id);
	if (ret)
		goto err_map;
	ret = vxpu_event_create(fd, 0, &q->event);
	if (ret)
		goto err_queue;
	return 0;

err_queue:
	vxpu_queue_destroy(fd, q->id);
err_map:
	munmap(ring, bytes);
err_bo:
	vxpu_bo_destroy(fd, q->ring_handle);
err:
	memset(q, 0, sizeof(*q));
	q->fd = -1;
	return ret;
}

VXPU_EXPORT int vxpu_queue_close(struct vxpu_queue *q)
{
	int ret = 0, r;

	if (!q)
		return -EINVAL;
	if (q->id) {
		r = vxpu_queue_destroy(q->fd, q->id);
		ret = ret ? ret : r;
	}
	if (q->event) {
		r = vxpu_event_destroy(q->fd, q->event);
		ret = ret ? ret : r;
	}
	if (q->ring)
		munmap(q->ring, q->ring_bytes);
	if (q->ring_handle) {
		r = vxpu_bo_destroy(q->fd, q->ring_handle);
		ret = ret ? ret : r;
	}
	memset(q, 0, sizeof(*q));
	q->fd = -1;
	return ret;
}

/* write one packet at wptr; the caller made sure there is room */
static void ring_put(struct vxpu_queue *q, const struct drm_vxpu_packet *p)
{
	q->ring[q->wptr % q->entries] = *p;
	q->wptr++;
}

static void put_fence(struct vxpu_queue *q)
{
	struct drm_vxpu_packet p;

	vxpu_pkt_signal(&p, q->event, q->wptr + 1);
	ring_put(q, &p);
	q->fence = q->wptr;
}

VXPU_EXPORT int vxpu_queue_kick(struct vxpu_queue *q)
{
	int ret;

	if (!q)
		return -EINVAL;
	if (q->doorbell == q->wptr)
		return 0;
	ret = vxpu_queue_doorbell(q->fd, q->id, q->wptr);
	if (ret)
		return ret;
	q->doorbell = q->wptr;
	return 0;
}

static int64_t mono_ns(void)
{
	return vxpu_deadline_ns(0);
}

/* vxpu_queue_wait_rptr() until an absolute CLOCK_MONOTONIC @deadline (INT64_MAX: none) */
static int wait_rptr_until(struct vxpu_queue *q, uint64_t rptr, int64_t deadline)
{
	struct drm_vxpu_event_wait_entry e;
	int ret;

	if (!q || rptr > q->wptr)
		return -EINVAL;
	if (rptr <= q->done)
		return 0;
	/*
	 * A fence at index f signals f + 1 while it executes: once the event
	 * holds f + 1, packets 0..f-1 are complete (rptr >= f; the fence itself
	 * may not be counted yet). So a fence at an index >= @rptr is needed;
	 * the ring keeps one slot free for it (see vxpu_queue_push).
	 */
	if (q->fence < rptr + 1)
		put_fence(q);
	ret = vxpu_queue_kick(q);
	if (ret)
		return ret;
	memset(&e, 0, sizeof(e));
	e.event = q->event;
	e.value = rptr + 1;
	for (;;) {
		int64_t now = mono_ns(), slice = now + 100000000LL;
		struct drm_vxpu_queue_info qi;
		uint64_t v;

		ret = vxpu_event_wait(q->fd, &e, 1, 0, slice < deadline ? slice : deadline, NULL);
		if (ret == 0) {
			ret = vxpu_event_read(q->fd, q->event, &v);
			if (ret)
				return ret;
			if (v - 1 > q->done)
				q->done = v - 1;
			return 0;
		}
		if (ret != -ETIME)
			return ret;
		ret = vxpu_queue_info(q->fd, q->id, &qi);
		if (ret)
			return ret;
		if (qi.rptr > q->done)
			q->done = qi.rptr;
		if (q->done >= rptr)
			return 0;
		if (qi.state == VXPU_QUEUE_ERROR)
			return -EIO;
		if (mono_ns() >= deadline)
			return -ETIME;
	}
}

VXPU_EXPORT int vxpu_queue_wait_rptr(struct vxpu_queue *q, uint64_t rptr, int64_t timeout_ns)
{
	return wait_rptr_until(q, rptr, vxpu_deadline_ns(timeout_ns));
}

VXPU_EXPORT int vxpu_queue_push(struct vxpu_queue *q, const struct drm_vxpu_packet *pkts,
				uint32_t n, int64_t timeout_ns)
{
	int ret;

	if (!q || (!pkts && n) || q->entries < 2 || n > q->entries - 2)
		return -EINVAL;
	/*
	 * Keep wptr - rptr <= entries - 1: one slot stays free for a fence.
	 * Waiting for room costs one fence, whose own slot is not known free
	 * until later: hence n <= entries - 2.
	 */
	while (q->wptr + n + 1 - q->done > q->entries) {
		struct drm_vxpu_queue_info qi;

		ret = vxpu_queue_info(q->fd, q->id, &qi);
		if (ret)
			return ret;
		if (qi.rptr > q->done)
			q->done = qi.rptr;
		if (q->wptr + n + 1 - q->done <= q->entries)
			break;
		ret = vxpu_queue_wait_rptr(q, q->wptr + n + 1 - q->entries, timeout_ns);
		if (ret)
			return ret;
	}
	for (uint32_t i = 0; i < n; i++)
		ring_put(q, &pkts[i]);
	return 0;
}

VXPU_EXPORT int vxpu_queue_fence(struct vxpu_queue *q, uint64_t *value)
{
	struct drm_vxpu_packet p;
	int ret;

	if (!q)
		return -EINVAL;
	if (q->fence != q->wptr || !q->wptr) {
		vxpu_pkt_signal(&p, q->event, q->wptr + 1);
		ret = vxpu_queue_push(q, &p, 1, -1);
		if (ret)
			return ret;
		q->fence = q->wptr;
	}
	if (value)
		*value = q->fence - 1;
	return 0;
}

VXPU_EXPORT int vxpu_submit_wait(struct vxpu_queue *q, const struct drm_vxpu_packet *pkts,
				 uint32_t n, int64_t timeout_ns)
{
	int64_t deadline = vxpu_deadline_ns(timeout_ns);
	uint64_t f;
	int ret;

	if (!q)
		return -EINVAL;
	ret = vxpu_queue_push(q, pkts, n, timeout_ns);
	f = q->wptr;
	if (!ret)
		ret = vxpu_queue_fence(q, NULL);
	if (!ret)
		ret = vxpu_queue_kick(q);
	if (!ret)
		ret = wait_rptr_until(q, f, deadline);
	return ret;
}

/* ---- grants (issue 5) ---- */

VXPU_EXPORT int vxpu_grant_create(int fd, uint32_t handle, uint64_t offset, uint64_t size,
				  uint32_t frontend_ctx_id, uint32_t access, uint64_t *grant_id)
{
	struct drm_vxpu_grant_create a = {
		.handle = handle, .access = access, .offset = offset, .size = size,
		.frontend_ctx_id = frontend_ctx_id,
	};
	int ret;

	if (!grant_id)
		return -EINVAL;
	ret = vxpu_ioctl(fd, DRM_IOCTL_VXPU_GRANT_CREATE, &a);
	if (!ret)
		*grant_id = a.grant_id;
	return ret;
}

VXPU_EXPORT int vxpu_grant_map(int fd, uint64_t grant_id, uint32_t access,
			       struct drm_vxpu_grant_map *out)
{
	struct drm_vxpu_grant_map a = { .grant_id = grant_id, .access = access };
	int ret;

	if (!out)
		return -EINVAL;
	ret = vxpu_ioctl(fd, DRM_IOCTL_VXPU_GRANT_MAP, &a);
	if (!ret)
		*out = a;
	return ret;
}

VXPU_EXPORT int vxpu_grant_unmap(int fd, uint64_t grant_id)
{
	struct drm_vxpu_grant_unmap a = { .grant_id = grant_id };

	return vxpu_ioctl(fd, DRM_IOCTL_VXPU_GRANT_UNMAP, &a);
}

VXPU_EXPORT int vxpu_grant_revoke(int fd, uint64_t grant_id)
{
	struct drm_vxpu_grant_revoke a = { .grant_id = grant_id };

	return vxpu_ioctl(fd, DRM_IOCTL_VXPU_GRANT_REVOKE, &a);
}

VXPU_EXPORT int vxpu_grant_info(int fd, uint64_t grant_id, struct drm_vxpu_grant_info *info)
{
	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->grant_id = grant_id;
	return vxpu_ioctl(fd, DRM_IOCTL_VXPU_GRANT_INFO, info);
}

VXPU_EXPORT int vxpu_fault_read(int fd, struct drm_vxpu_grant_fault *recs, uint32_t max,
				uint64_t *lost)
{
	struct drm_vxpu_fault_read a = { .records = (uint64_t)(uintptr_t)recs, .count = max };
	int ret;

	if (!recs)
		return -EINVAL;
	ret = vxpu_ioctl(fd, DRM_IOCTL_VXPU_FAULT_READ, &a);
	if (ret)
		return ret;
	if (lost)
		*lost = a.lost;
	return (int)a.count;
}

VXPU_EXPORT int vxpu_fault_wait(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ret;

	if (fd < 0)
		return -EBADF;
	do {
		ret = poll(&p, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return neg_errno();
	return ret > 0 && (p.revents & POLLIN) ? 1 : 0;
}

VXPU_EXPORT int vxpu_fault_reply(int fd, uint64_t fault_id, uint32_t action, uint32_t handle,
				 uint64_t bo_offset)
{
	struct drm_vxpu_fault_reply a = {
		.fault_id = fault_id, .action = action, .handle = handle, .bo_offset = bo_offset,
	};

	return vxpu_ioctl(fd, DRM_IOCTL_VXPU_FAULT_REPLY, &a);
}
