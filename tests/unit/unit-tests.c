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
	VT_OK(vt_send_fd(sv[0], fd, &v, sizeof(v)));
	got = vt_recv_fd(sv[1], &w, sizeof(w));
	ck_assert_int_ge(got, 0);
	ck_assert_uint_eq(w, v);
	close(got);
	close(fd);
	close(sv[0]);
	close(sv[1]);
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
