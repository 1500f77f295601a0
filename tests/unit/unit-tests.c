// SPDX-License-Identifier: MIT
/*
 * Host unit tests: what of libvxpu and the UAPI can be checked without a
 * vxpu device. The UAPI layout tests freeze the ABI: a size, offset,
 * ioctl number or flag value that changes fails here first.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt.h"
#include "vxpu_ref.h"

/* the same at compile time: an ABI change does not even build */
_Static_assert(sizeof(struct drm_vxpu_device_info) == 88, "ABI: drm_vxpu_device_info");
_Static_assert(sizeof(struct drm_vxpu_context_info) == 32, "ABI: drm_vxpu_context_info");
_Static_assert(sizeof(struct drm_vxpu_context_set_quota) == 16, "ABI: set_quota");
_Static_assert(sizeof(struct drm_vxpu_bo_create) == 32, "ABI: drm_vxpu_bo_create");
_Static_assert(sizeof(struct drm_vxpu_bo_info) == 32, "ABI: drm_vxpu_bo_info");
_Static_assert(sizeof(struct drm_vxpu_asid_create) == 8, "ABI: drm_vxpu_asid_create");
_Static_assert(sizeof(struct drm_vxpu_asid_destroy) == 8, "ABI: drm_vxpu_asid_destroy");
_Static_assert(sizeof(struct drm_vxpu_vm_map) == 40, "ABI: drm_vxpu_vm_map");
_Static_assert(sizeof(struct drm_vxpu_vm_unmap) == 24, "ABI: drm_vxpu_vm_unmap");
_Static_assert(sizeof(struct drm_vxpu_vm_rw) == 32, "ABI: drm_vxpu_vm_rw");

#define OFF(type, field, off) ck_assert_uint_eq(offsetof(struct type, field), off)
#define FSZ(type, field, sz) ck_assert_uint_eq(sizeof(((struct type *)0)->field), sz)

START_TEST(uapi_struct_sizes)
{
	ck_assert_uint_eq(sizeof(struct drm_vxpu_device_info), 88);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_context_info), 32);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_context_set_quota), 16);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_bo_create), 32);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_bo_info), 32);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_asid_create), 8);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_asid_destroy), 8);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_vm_map), 40);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_vm_unmap), 24);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_vm_rw), 32);
}
END_TEST

START_TEST(uapi_struct_alignment)
{
	/* every struct is a multiple of 8 bytes, so 32- and 64-bit layouts agree */
	ck_assert_uint_eq(sizeof(struct drm_vxpu_device_info) % 8, 0);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_context_info) % 8, 0);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_context_set_quota) % 8, 0);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_bo_create) % 8, 0);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_bo_info) % 8, 0);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_asid_create) % 8, 0);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_asid_destroy) % 8, 0);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_vm_map) % 8, 0);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_vm_unmap) % 8, 0);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_vm_rw) % 8, 0);
	ck_assert_uint_eq(_Alignof(struct drm_vxpu_device_info), 8);
	ck_assert_uint_eq(_Alignof(struct drm_vxpu_vm_rw), 8);
}
END_TEST

START_TEST(uapi_offsets_device_info)
{
	OFF(drm_vxpu_device_info, flags, 0);
	OFF(drm_vxpu_device_info, index, 4);
	OFF(drm_vxpu_device_info, gpu_id, 8);
	OFF(drm_vxpu_device_info, engine_count, 12);
	OFF(drm_vxpu_device_info, vram_size, 16);
	OFF(drm_vxpu_device_info, vram_free, 24);
	OFF(drm_vxpu_device_info, caps, 32);
	OFF(drm_vxpu_device_info, va_start, 40);
	OFF(drm_vxpu_device_info, va_end, 48);
	OFF(drm_vxpu_device_info, name, 56);
	FSZ(drm_vxpu_device_info, name, 32);
}
END_TEST

START_TEST(uapi_offsets_context)
{
	OFF(drm_vxpu_context_info, flags, 0);
	OFF(drm_vxpu_context_info, ctx_id, 4);
	OFF(drm_vxpu_context_info, quota, 8);
	OFF(drm_vxpu_context_info, quota_used, 16);
	OFF(drm_vxpu_context_info, bo_count, 24);
	OFF(drm_vxpu_context_info, asid_count, 28);
	OFF(drm_vxpu_context_set_quota, quota, 0);
	OFF(drm_vxpu_context_set_quota, flags, 8);
	OFF(drm_vxpu_context_set_quota, pad, 12);
}
END_TEST

START_TEST(uapi_offsets_bo)
{
	OFF(drm_vxpu_bo_create, size, 0);
	OFF(drm_vxpu_bo_create, placement, 8);
	OFF(drm_vxpu_bo_create, flags, 12);
	OFF(drm_vxpu_bo_create, handle, 16);
	OFF(drm_vxpu_bo_create, pad, 20);
	OFF(drm_vxpu_bo_create, mmap_offset, 24);
	OFF(drm_vxpu_bo_info, handle, 0);
	OFF(drm_vxpu_bo_info, flags, 4);
	OFF(drm_vxpu_bo_info, size, 8);
	OFF(drm_vxpu_bo_info, placement, 16);
	OFF(drm_vxpu_bo_info, owner_ctx_id, 20);
	OFF(drm_vxpu_bo_info, mmap_offset, 24);
}
END_TEST

START_TEST(uapi_offsets_asid_vm)
{
	OFF(drm_vxpu_asid_create, flags, 0);
	OFF(drm_vxpu_asid_create, asid, 4);
	OFF(drm_vxpu_asid_destroy, asid, 0);
	OFF(drm_vxpu_asid_destroy, pad, 4);
	OFF(drm_vxpu_vm_map, asid, 0);
	OFF(drm_vxpu_vm_map, handle, 4);
	OFF(drm_vxpu_vm_map, bo_offset, 8);
	OFF(drm_vxpu_vm_map, size, 16);
	OFF(drm_vxpu_vm_map, va, 24);
	OFF(drm_vxpu_vm_map, flags, 32);
	OFF(drm_vxpu_vm_map, pad, 36);
	OFF(drm_vxpu_vm_unmap, asid, 0);
	OFF(drm_vxpu_vm_unmap, flags, 4);
	OFF(drm_vxpu_vm_unmap, va, 8);
	OFF(drm_vxpu_vm_unmap, size, 16);
	OFF(drm_vxpu_vm_rw, asid, 0);
	OFF(drm_vxpu_vm_rw, flags, 4);
	OFF(drm_vxpu_vm_rw, va, 8);
	OFF(drm_vxpu_vm_rw, size, 16);
	OFF(drm_vxpu_vm_rw, user_ptr, 24);
}
END_TEST

START_TEST(uapi_ioctl_numbers)
{
	ck_assert_uint_eq(DRM_COMMAND_BASE, 0x40);
	ck_assert_uint_eq(DRM_IOCTL_VXPU_DEVICE_INFO, 0xc0586440UL);
	ck_assert_uint_eq(DRM_IOCTL_VXPU_CONTEXT_INFO, 0xc0206441UL);
	ck_assert_uint_eq(DRM_IOCTL_VXPU_CONTEXT_SET_QUOTA, 0x40106442UL);
	ck_assert_uint_eq(DRM_IOCTL_VXPU_BO_CREATE, 0xc0206443UL);
	ck_assert_uint_eq(DRM_IOCTL_VXPU_BO_INFO, 0xc0206444UL);
	ck_assert_uint_eq(DRM_IOCTL_VXPU_ASID_CREATE, 0xc0086445UL);
	ck_assert_uint_eq(DRM_IOCTL_VXPU_ASID_DESTROY, 0x40086446UL);
	ck_assert_uint_eq(DRM_IOCTL_VXPU_VM_MAP, 0xc0286447UL);
	ck_assert_uint_eq(DRM_IOCTL_VXPU_VM_UNMAP, 0x40186448UL);
	ck_assert_uint_eq(DRM_IOCTL_VXPU_VM_READ, 0x40206449UL);
	ck_assert_uint_eq(DRM_IOCTL_VXPU_VM_WRITE, 0x4020644aUL);
}
END_TEST

START_TEST(uapi_flag_values)
{
	ck_assert_str_eq(VXPU_DRIVER_NAME, "vxpu");
	ck_assert_uint_eq(VXPU_PAGE_SIZE, 4096);
	ck_assert_uint_eq(VXPU_CAP_VRAM, 1ULL << 0);
	ck_assert_uint_eq(VXPU_CAP_GTT, 1ULL << 1);
	ck_assert_uint_eq(VXPU_CAP_PRIME, 1ULL << 2);
	ck_assert_uint_eq(VXPU_CAP_VM_RW, 1ULL << 3);
	ck_assert_uint_eq(VXPU_CAP_ACCEL_NODE, 1ULL << 4);
	ck_assert_uint_eq(VXPU_BO_VRAM, 1);
	ck_assert_uint_eq(VXPU_BO_GTT, 2);
	ck_assert_uint_eq(VXPU_ASID_SVA, 1);
	ck_assert_uint_eq(VXPU_MAP_READ, 1);
	ck_assert_uint_eq(VXPU_MAP_WRITE, 2);
	ck_assert_uint_eq(VXPU_MAP_FIXED, 4);
}
END_TEST

/* ---- libvxpu argument checks (made before any ioctl) ---- */

static int devnull(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	return fd;
}

START_TEST(lib_negative_fd)
{
	struct drm_vxpu_device_info di;
	struct drm_vxpu_context_info ci;
	struct drm_vxpu_bo_info bi;
	uint32_t h, a;
	uint64_t va = 0;
	char buf[8];
	void *p;

	VT_ERR(vxpu_ioctl(-1, DRM_IOCTL_VXPU_DEVICE_INFO, &di), EBADF);
	VT_ERR(vxpu_device_info(-1, &di), EBADF);
	VT_ERR(vxpu_context_info(-1, &ci), EBADF);
	VT_ERR(vxpu_set_quota(-1, 0), EBADF);
	VT_ERR(vxpu_bo_create(-1, 4096, VXPU_BO_GTT, &h, NULL), EBADF);
	VT_ERR(vxpu_bo_info(-1, 1, &bi), EBADF);
	VT_ERR(vxpu_bo_destroy(-1, 1), EBADF);
	VT_ERR(vxpu_bo_mmap(-1, 0, 4096, PROT_READ, &p), EBADF);
	VT_ERR(vxpu_asid_create(-1, 0, &a), EBADF);
	VT_ERR(vxpu_asid_destroy(-1, 1), EBADF);
	VT_ERR(vxpu_vm_map(-1, 1, 1, 0, 4096, VXPU_MAP_READ, &va), EBADF);
	VT_ERR(vxpu_vm_unmap(-1, 1, 0, 4096), EBADF);
	VT_ERR(vxpu_vm_read(-1, 1, 0, buf, sizeof(buf)), EBADF);
	VT_ERR(vxpu_vm_write(-1, 1, 0, buf, sizeof(buf)), EBADF);
	VT_ERR(vxpu_bo_export(-1, 1, 0), EBADF);
	VT_ERR(vxpu_bo_import(-1, 0, &h), EBADF);
	VT_ERR(vxpu_is_vxpu_fd(-1), EBADF);
}
END_TEST

START_TEST(lib_null_pointers)
{
	int fd = devnull();

	VT_ERR(vxpu_device_info(fd, NULL), EINVAL);
	VT_ERR(vxpu_context_info(fd, NULL), EINVAL);
	VT_ERR(vxpu_bo_create(fd, 4096, VXPU_BO_GTT, NULL, NULL), EINVAL);
	VT_ERR(vxpu_bo_info(fd, 1, NULL), EINVAL);
	VT_ERR(vxpu_bo_mmap(fd, 0, 4096, PROT_READ, NULL), EINVAL);
	VT_ERR(vxpu_asid_create(fd, 0, NULL), EINVAL);
	VT_ERR(vxpu_vm_map(fd, 1, 1, 0, 4096, VXPU_MAP_READ, NULL), EINVAL);
	VT_ERR(vxpu_vm_read(fd, 1, 0, NULL, 16), EFAULT);
	VT_ERR(vxpu_vm_write(fd, 1, 0, NULL, 16), EFAULT);
	VT_ERR(vxpu_bo_import(fd, fd, NULL), EINVAL);
	VT_ERR(vxpu_bo_import(fd, -1, NULL), EBADF);
	VT_ERR(vxpu_bo_munmap(NULL, 4096), EINVAL);
	VT_ERR(vxpu_open_node(NULL), EINVAL);
	close(fd);
}
END_TEST

START_TEST(lib_mmap_args)
{
	int fd = devnull();
	void *p = NULL;

	VT_ERR(vxpu_bo_mmap(fd, 0, 0, PROT_READ, &p), EINVAL);
	VT_ERR(vxpu_bo_mmap(fd, 0, SIZE_MAX, PROT_READ, &p), EINVAL);
	VT_ERR(vxpu_bo_mmap(fd, 1ULL << 63, 4096, PROT_READ, &p), EINVAL);
	ck_assert_ptr_null(p);
	close(fd);
}
END_TEST

START_TEST(lib_errno_passthrough)
{
	/* a non-DRM fd: the kernel's errno must come back unchanged and negative */
	int fd = devnull();
	struct drm_vxpu_device_info di;
	uint32_t h;

	VT_ERR(vxpu_device_info(fd, &di), ENOTTY);
	VT_ERR(vxpu_bo_create(fd, 4096, VXPU_BO_GTT, &h, NULL), ENOTTY);
	ck_assert_int_eq(vxpu_is_vxpu_fd(fd), 0);
	close(fd);
}
END_TEST

START_TEST(lib_open_node_not_vxpu)
{
	VT_ERR(vxpu_open_node("/dev/null"), ENODEV);
	VT_ERR(vxpu_open_node("/nonexistent/vxpu/node"), ENOENT);
}
END_TEST

START_TEST(lib_discover_missing_root)
{
	struct vxpu_device_desc d[2];

	VT_ERR(vxpu_discover("/nonexistent/vxpu-dev-root", d, 2), ENODEV);
	VT_ERR(vxpu_discover("/nonexistent/vxpu-dev-root", NULL, 0), ENODEV);
	VT_ERR(vxpu_discover("/nonexistent/vxpu-dev-root", NULL, 1), EINVAL);
}
END_TEST

START_TEST(lib_discover_fake_nodes)
{
	/* accel/accel0 and dri/renderD128 exist but are not DRM devices: skipped */
	char root[] = "/tmp/vxpu-unit-XXXXXX";
	char path[PATH_MAX];
	struct vxpu_device_desc d[2];
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/accel", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/dri", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/accel/accel0", root);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/dri/renderD128", root);
	ck_assert_int_eq(symlink("/dev/null", path), 0);

	VT_ERR(vxpu_discover(root, d, 2), ENODEV);
	ck_assert_int_eq(setenv("VXPU_DEV_ROOT", root, 1), 0);
	ck_assert_int_eq(vxpu_device_count(), 0);
	VT_ERR(vxpu_open_index(0), ENODEV);

	unlink(path);
	snprintf(path, sizeof(path), "%s/accel/accel0", root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/accel", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/dri", root);
	rmdir(path);
	rmdir(root);
}
END_TEST

START_TEST(lib_open_without_devices)
{
	ck_assert_int_eq(setenv("VXPU_DEV_ROOT", "/nonexistent/vxpu-dev-root", 1), 0);
	ck_assert_int_eq(vxpu_device_count(), 0);
	VT_ERR(vxpu_open_index(0), ENODEV);
	VT_ERR(vxpu_open_index(UINT32_MAX), ENODEV);
	VT_ERR(vxpu_open_gpu_id(1), ENODEV);
	VT_ERR(vxpu_open_gpu_id(0), ENODEV);
}
END_TEST

START_TEST(lib_strerror)
{
	ck_assert_ptr_nonnull(strstr(vxpu_strerror(-EINVAL), "EINVAL"));
	ck_assert_ptr_nonnull(strstr(vxpu_strerror(EDQUOT), "EDQUOT"));
	ck_assert_ptr_nonnull(vxpu_strerror(-99999));
}
END_TEST

START_TEST(vt_helpers)
{
	char buf[4096];
	int sv[2];
	int fd, got;
	uint32_t v = 0x12345678, w = 0;

	vt_fill_pattern(buf, sizeof(buf), 7);
	ck_assert_int_eq(vt_check_pattern(buf, sizeof(buf), 7), -1);
	ck_assert_int_ne(vt_check_pattern(buf, sizeof(buf), 8), -1);
	ck_assert_int_eq(vt_first_nonzero(buf, sizeof(buf)), 0);
	buf[100] ^= 1;
	ck_assert_int_eq(vt_check_pattern(buf, sizeof(buf), 7), 100);

	ck_assert_uint_eq(vt_ioctl_resize(DRM_IOCTL_VXPU_DEVICE_INFO, 96), 0xc0606440UL);
	ck_assert_uint_eq(vt_ioctl_resize(DRM_IOCTL_VXPU_VM_READ, 24), 0x40186449UL);

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fd = devnull();
	VT_OK(vxpu_send_fd(sv[0], fd, &v, sizeof(v)));
	got = vxpu_recv_fd(sv[1], &w, sizeof(w));
	ck_assert_int_ge(got, 0);
	ck_assert_uint_eq(w, v);
	close(got);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* -------------------------------------------------- C/R and grant API */

_Static_assert(sizeof(struct drm_vxpu_criu) == 88, "ABI: drm_vxpu_criu");
_Static_assert(sizeof(struct drm_vxpu_criu_bo_bucket) == 48, "ABI: drm_vxpu_criu_bo_bucket");
_Static_assert(sizeof(struct drm_vxpu_criu_device_bucket) == 24, "ABI: criu_device_bucket");
_Static_assert(sizeof(struct drm_vxpu_grant_create) == 40, "ABI: drm_vxpu_grant_create");
_Static_assert(sizeof(struct drm_vxpu_grant_map) == 40, "ABI: drm_vxpu_grant_map");
_Static_assert(sizeof(struct drm_vxpu_grant_fault) == 72, "ABI: drm_vxpu_grant_fault");
_Static_assert(sizeof(struct drm_vxpu_fault_reply) == 32, "ABI: drm_vxpu_fault_reply");

/* CRIU images hold these structs' values: their layout is frozen too */
START_TEST(uapi_criu_grant_layout)
{
	ck_assert_uint_eq(sizeof(struct drm_vxpu_criu), 88);
	OFF(drm_vxpu_criu, bos, 8);
	OFF(drm_vxpu_criu, priv_data_size, 24);
	OFF(drm_vxpu_criu, restore_cookie, 40);
	OFF(drm_vxpu_criu, device, 48);
	OFF(drm_vxpu_criu, pause_fd, 80);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_criu_bo_bucket), 48);
	OFF(drm_vxpu_criu_bo_bucket, dmabuf_fd, 40);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_criu_device_bucket), 24);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_grant_create), 40);
	OFF(drm_vxpu_grant_create, grant_id, 32);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_grant_map), 40);
	OFF(drm_vxpu_grant_map, grant_id, 0);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_grant_unmap), 16);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_grant_revoke), 16);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_grant_info), 80);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_grant_fault), 72);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_fault_read), 24);
	OFF(drm_vxpu_fault_read, lost, 16);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_fault_reply), 32);
	/* number, direction and size of each ioctl */
	ck_assert_uint_eq(DRM_IOCTL_VXPU_CRIU, 0xc0586454);
	ck_assert_uint_eq(DRM_IOCTL_VXPU_GRANT_CREATE, 0xc0286455);
	ck_assert_uint_eq(DRM_IOCTL_VXPU_FAULT_REPLY, 0x4020645b);
	ck_assert_uint_eq(VXPU_CAP_CRIU, 1u << 6);
	ck_assert_uint_eq(VXPU_CAP_GRANT, 1u << 7);
}
END_TEST

/* ------------------------------------------------------------ engine API */

_Static_assert(sizeof(struct drm_vxpu_packet) == 64, "ABI: drm_vxpu_packet");
_Static_assert(sizeof(struct drm_vxpu_fault) == 32, "ABI: drm_vxpu_fault");
_Static_assert(sizeof(struct drm_vxpu_queue_info) == 88, "ABI: drm_vxpu_queue_info");
_Static_assert(sizeof(struct drm_vxpu_event_wait) == 32, "ABI: drm_vxpu_event_wait");

START_TEST(uapi_engine_layout)
{
	ck_assert_uint_eq(sizeof(struct drm_vxpu_packet), 64);
	OFF(drm_vxpu_packet, src, 16);
	OFF(drm_vxpu_packet, dst, 24);
	OFF(drm_vxpu_packet, size, 32);
	OFF(drm_vxpu_packet, arg, 40);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_queue_create), 32);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_queue_destroy), 8);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_queue_doorbell), 16);
	OFF(drm_vxpu_queue_info, fault, 56);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_context_pause), 8);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_event_create), 16);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_event_read), 16);
	ck_assert_uint_eq(sizeof(struct drm_vxpu_event_wait_entry), 16);
	OFF(drm_vxpu_event_wait, timeout_ns, 16);
	OFF(drm_vxpu_event_wait, first, 24);
	ck_assert_uint_eq(DRM_IOCTL_VXPU_QUEUE_CREATE & 0xff, 0x40 + 0x0b);
	ck_assert_uint_eq(DRM_IOCTL_VXPU_EVENT_WAIT & 0xff, 0x40 + 0x13);
	ck_assert_uint_eq(VXPU_CAP_ENGINE, 1u << 5);
}
END_TEST

/* a packet pre-filled with garbage, so the builder must clear unused fields */
static struct drm_vxpu_packet junk(void)
{
	struct drm_vxpu_packet p;

	memset(&p, 0xa5, sizeof(p));
	return p;
}

#define PKT_EQ(got, ...) do { \
	struct drm_vxpu_packet want_ = __VA_ARGS__; \
	ck_assert_msg(!memcmp(&(got), &want_, sizeof(want_)), \
		      "packet op %u: fields differ from the expected layout", want_.opcode); \
	ck_assert_int_eq(vxpu_ref_check(&(got)), 0); \
} while (0)

START_TEST(lib_packet_builders)
{
	struct drm_vxpu_packet p = junk(), *r;

	r = vxpu_pkt_nop(&p);
	ck_assert_ptr_eq(r, &p);
	PKT_EQ(p, { .opcode = VXPU_OP_NOP });
	p = junk();
	ck_assert_ptr_eq(vxpu_pkt_copy(&p, 3, 0x2000, 4, 0x1001, 77), &p);
	PKT_EQ(p, { .opcode = VXPU_OP_COPY, .dst_asid = 3, .dst = 0x2000, .src_asid = 4,
		    .src = 0x1001, .size = 77 });
	p = junk();
	vxpu_pkt_fill(&p, 0, 0x3003, 5, 0x1122334455667788ULL);
	PKT_EQ(p, { .opcode = VXPU_OP_FILL, .dst = 0x3003, .size = 5,
		    .arg = { 0x1122334455667788ULL } });
	p = junk();
	vxpu_pkt_write64(&p, 2, 0x4008, ~0ULL);
	PKT_EQ(p, { .opcode = VXPU_OP_WRITE64, .dst_asid = 2, .dst = 0x4008, .arg = { ~0ULL } });
	p = junk();
	vxpu_pkt_atomic_add64(&p, 0, 0x5000, 7);
	PKT_EQ(p, { .opcode = VXPU_OP_ATOMIC_ADD64, .dst = 0x5000, .arg = { 7 } });
	p = junk();
	vxpu_pkt_signal(&p, 9, 1234);
	PKT_EQ(p, { .opcode = VXPU_OP_SIGNAL, .arg = { 9, 1234 } });
	p = junk();
	vxpu_pkt_wait(&p, 5, 0x6000, VXPU_WAIT_GE, 42);
	PKT_EQ(p, { .opcode = VXPU_OP_WAIT, .flags = VXPU_WAIT_GE, .src_asid = 5, .src = 0x6000,
		    .arg = { 42 } });
	p = junk();
	vxpu_pkt_wait(&p, 0, 0x6000, VXPU_WAIT_EQ, 0);
	PKT_EQ(p, { .opcode = VXPU_OP_WAIT, .src = 0x6000 });
	p = junk();
	vxpu_pkt_mix64(&p, 1, 0x8000, 2, 0x9000, 4096, 0xdeadbeef);
	PKT_EQ(p, { .opcode = VXPU_OP_MIX64, .dst_asid = 1, .dst = 0x8000, .src_asid = 2,
		    .src = 0x9000, .size = 4096, .arg = { 0xdeadbeef } });
	p = junk();
	vxpu_pkt_matmul_u32(&p, 1, 0xc000, 2, 0xa000, 0xb000, 3, 5, 7);
	PKT_EQ(p, { .opcode = VXPU_OP_MATMUL_U32, .dst_asid = 1, .dst = 0xc000, .src_asid = 2,
		    .src = 0xa000, .arg = { 0xb000, 3 | (5ULL << 32), 7 } });
	p = junk();
	vxpu_pkt_hash64(&p, 0, 0xd000, 0, 0xe001, 13, 99);
	PKT_EQ(p, { .opcode = VXPU_OP_HASH64, .dst = 0xd000, .src = 0xe001, .size = 13,
		    .arg = { 99 } });
	/* what the builders cannot prevent, the reference (and the engine) rejects */
	vxpu_pkt_write64(&p, 0, 0x4004, 1);
	ck_assert_int_eq(vxpu_ref_check(&p), VXPU_FAULT_BAD_PACKET);
	vxpu_pkt_mix64(&p, 0, 0x8000, 0, 0x9000, 12, 1);
	ck_assert_int_eq(vxpu_ref_check(&p), VXPU_FAULT_BAD_PACKET);
	vxpu_pkt_wait(&p, 0, 0x6000, 3, 0);
	ck_assert_int_eq(vxpu_ref_check(&p), VXPU_FAULT_BAD_PACKET);
	vxpu_pkt_matmul_u32(&p, 0, 0xc000, 0, 0xa000, 0xb000, 65537, 1, 1);
	ck_assert_int_eq(vxpu_ref_check(&p), VXPU_FAULT_BAD_PACKET);
}
END_TEST

START_TEST(lib_engine_args)
{
	int fd = devnull();
	struct drm_vxpu_queue_info qi;
	struct drm_vxpu_event_wait_entry e = { 0 };
	struct drm_vxpu_packet pkt;
	struct vxpu_queue q;
	uint32_t id;
	uint64_t v;

	VT_ERR(vxpu_queue_create(-1, 1, 1, 0, 2, 0, &id), EBADF);
	VT_ERR(vxpu_queue_create(fd, 1, 1, 0, 2, 0, NULL), EINVAL);
	VT_ERR(vxpu_queue_destroy(-1, 1), EBADF);
	VT_ERR(vxpu_queue_doorbell(-1, 1, 1), EBADF);
	VT_ERR(vxpu_queue_info(-1, 1, &qi), EBADF);
	VT_ERR(vxpu_queue_info(fd, 1, NULL), EINVAL);
	VT_ERR(vxpu_context_pause(-1), EBADF);
	VT_ERR(vxpu_context_resume(-1), EBADF);
	VT_ERR(vxpu_event_create(-1, 0, &id), EBADF);
	VT_ERR(vxpu_event_create(fd, 0, NULL), EINVAL);
	VT_ERR(vxpu_event_destroy(-1, 1), EBADF);
	VT_ERR(vxpu_event_read(-1, 1, &v), EBADF);
	VT_ERR(vxpu_event_read(fd, 1, NULL), EINVAL);
	VT_ERR(vxpu_event_wait(-1, &e, 1, 0, 0, NULL), EBADF);
	VT_ERR(vxpu_event_wait(fd, NULL, 1, 0, 0, NULL), EFAULT);
	VT_ERR(vxpu_queue_open(-1, 1, 16, VXPU_BO_GTT, 0, &q), EBADF);
	VT_ERR(vxpu_queue_open(fd, 1, 16, VXPU_BO_GTT, 0, NULL), EINVAL);
	/* not a DRM fd: the first ioctl's errno, nothing left behind */
	VT_ERR(vxpu_queue_open(fd, 1, 16, VXPU_BO_GTT, 0, &q), ENOTTY);
	ck_assert_int_eq(q.fd, -1);
	VT_ERR(vxpu_queue_push(NULL, &pkt, 1, 0), EINVAL);
	VT_ERR(vxpu_queue_close(NULL), EINVAL);
	VT_ERR(vxpu_queue_kick(NULL), EINVAL);
	VT_ERR(vxpu_queue_fence(NULL, &v), EINVAL);
	VT_ERR(vxpu_queue_wait_rptr(NULL, 1, 0), EINVAL);
	VT_ERR(vxpu_submit_wait(NULL, &pkt, 1, 0), EINVAL);
	/* errno pass-through of the raw wrappers */
	VT_ERR(vxpu_queue_doorbell(fd, 1, 1), ENOTTY);
	VT_ERR(vxpu_event_wait(fd, &e, 1, 0, 0, NULL), ENOTTY);
	close(fd);
}
END_TEST

/* queue helpers on a fake queue whose ring is plain memory: push and wrap
 * bookkeeping only (no ioctl is reached while the ring has room) */
START_TEST(lib_queue_push_ring)
{
	struct drm_vxpu_packet ring[8], pkts[7];
	struct vxpu_queue q;

	memset(&q, 0, sizeof(q));
	memset(ring, 0, sizeof(ring));
	q.fd = -1;
	q.entries = 8;
	q.ring = ring;
	for (unsigned int i = 0; i < 7; i++)
		vxpu_pkt_write64(&pkts[i], 0, 0x1000 + 8 * i, i);
	VT_ERR(vxpu_queue_push(&q, pkts, 7, 0), EINVAL); /* over entries - 2 */
	VT_OK(vxpu_queue_push(&q, pkts, 5, 0));
	ck_assert_uint_eq(q.wptr, 5);
	for (unsigned int i = 0; i < 5; i++)
		ck_assert_uint_eq(ring[i].arg[0], i);
	q.done = 5; /* as if a fence told us rptr reached 5 */
	VT_OK(vxpu_queue_push(&q, pkts, 6, 0));
	ck_assert_uint_eq(q.wptr, 11);
	for (unsigned int i = 0; i < 6; i++)
		ck_assert_uint_eq(ring[(5 + i) % 8].arg[0], i);
	/* no room: needs the device (queue info on fd -1) */
	VT_ERR(vxpu_queue_push(&q, pkts, 2, 0), EBADF);
	ck_assert_uint_eq(q.wptr, 11);
	/* a fence fits in the reserved slot; it signals its index + 1 on the queue's event */
	q.event = 77;
	VT_ERR(vxpu_queue_wait_rptr(&q, 12, 0), EINVAL);
	VT_ERR(vxpu_queue_wait_rptr(&q, 11, 0), EBADF); /* fence written, doorbell fails */
	ck_assert_uint_eq(q.wptr, 12);
	ck_assert_uint_eq(q.fence, 12);
	ck_assert_uint_eq(ring[11 % 8].opcode, VXPU_OP_SIGNAL);
	ck_assert_uint_eq(ring[11 % 8].arg[0], 77);
	ck_assert_uint_eq(ring[11 % 8].arg[1], 12);
	VT_OK(vxpu_queue_wait_rptr(&q, 5, 0)); /* already known done */
}
END_TEST

START_TEST(lib_deadline)
{
	int64_t a = vxpu_deadline_ns(0), b = vxpu_deadline_ns(1000000000LL);

	ck_assert_int_gt(a, 0);
	ck_assert_int_ge(b - a, 1000000000LL);
	ck_assert_int_lt(b - a, 2000000000LL);
	ck_assert_int_eq(vxpu_deadline_ns(-1), INT64_MAX);
	ck_assert_int_eq(vxpu_deadline_ns(INT64_MAX), INT64_MAX);
}
END_TEST

static Suite *unit_suite(void)
{
	Suite *s = suite_create("unit");
	TCase *tc;

	tc = tcase_create("uapi");
	tcase_add_test(tc, uapi_struct_sizes);
	tcase_add_test(tc, uapi_struct_alignment);
	tcase_add_test(tc, uapi_offsets_device_info);
	tcase_add_test(tc, uapi_offsets_context);
	tcase_add_test(tc, uapi_offsets_bo);
	tcase_add_test(tc, uapi_offsets_asid_vm);
	tcase_add_test(tc, uapi_ioctl_numbers);
	tcase_add_test(tc, uapi_flag_values);
	tcase_add_test(tc, uapi_engine_layout);
	tcase_add_test(tc, uapi_criu_grant_layout);
	suite_add_tcase(s, tc);

	tc = tcase_create("lib");
	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_test(tc, lib_negative_fd);
	tcase_add_test(tc, lib_null_pointers);
	tcase_add_test(tc, lib_mmap_args);
	tcase_add_test(tc, lib_errno_passthrough);
	tcase_add_test(tc, lib_open_node_not_vxpu);
	tcase_add_test(tc, lib_discover_missing_root);
	tcase_add_test(tc, lib_discover_fake_nodes);
	tcase_add_test(tc, lib_open_without_devices);
	tcase_add_test(tc, lib_strerror);
	tcase_add_test(tc, vt_helpers);
	tcase_add_test(tc, lib_packet_builders);
	tcase_add_test(tc, lib_engine_args);
	tcase_add_test(tc, lib_queue_push_ring);
	tcase_add_test(tc, lib_deadline);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	SRunner *sr = srunner_create(unit_suite());
	const char *tap = argc > 1 ? argv[1] : basename(argv[0]);
	int failed;

	failed = vt_run(sr, tap);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
