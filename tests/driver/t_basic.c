// SPDX-License-Identifier: MIT
/* Devices, contexts and quota, BOs and VRAM capacity, ASIDs. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dt.h"

static unsigned int expected_devices(void)
{
	const char *e = getenv("VXPU_EXPECT_DEVICES");

	return e && *e ? (unsigned int)strtoul(e, NULL, 0) : 2; /* num_devices default */
}

/* ------------------------------------------------------------------ device */

START_TEST(device_discovery)
{
	struct vxpu_device_desc d[VXPU_MAX_DEVICES];
	unsigned int want = expected_devices();
	int n = vxpu_discover(NULL, d, VXPU_MAX_DEVICES);

	ck_assert_msg(n == (int)want, "vxpu_discover found %d devices, module default is %u", n,
		      want);
	ck_assert_int_eq(vxpu_device_count(), n);
	for (int i = 0; i < n; i++) {
		ck_assert_msg(d[i].info.index == (unsigned int)i, "device %d reports index %u",
			      i, d[i].info.index);
		ck_assert_uint_ne(d[i].info.gpu_id, 0);
		ck_assert_msg(memchr(d[i].info.name, '\0', sizeof(d[i].info.name)) &&
			      d[i].info.name[0], "name not a NUL-terminated non-empty string");
		for (int j = 0; j < i; j++) {
			ck_assert_msg(d[i].info.gpu_id != d[j].info.gpu_id,
				      "devices %d and %d share gpu_id %#x", i, j, d[i].info.gpu_id);
			ck_assert_str_ne(d[i].info.name, d[j].info.name);
			ck_assert_str_ne(d[i].node, d[j].node);
		}
	}
}
END_TEST

START_TEST(device_info_fields)
{
	struct vxpu_device_desc d[VXPU_MAX_DEVICES];
	int n = vxpu_discover(NULL, d, VXPU_MAX_DEVICES);

	ck_assert_int_gt(n, 0);
	for (int i = 0; i < n; i++) {
		int fd = vxpu_open_node(d[i].node);
		struct drm_vxpu_device_info di;
		uint64_t want = VXPU_CAP_VRAM | VXPU_CAP_GTT | VXPU_CAP_PRIME | VXPU_CAP_VM_RW;
		int accel = strstr(d[i].node, "/accel/") != NULL;

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(vxpu_is_vxpu_fd(fd), 1);
		di = dt_devinfo(fd);
		ck_assert_uint_eq(di.index, (unsigned int)i);
		ck_assert_uint_eq(di.gpu_id, d[i].info.gpu_id);
		ck_assert_uint_ge(di.engine_count, 1);
		ck_assert_uint_gt(di.vram_size, 0);
		ck_assert_uint_eq(di.vram_size % VT_PAGE, 0);
		ck_assert_uint_le(di.vram_free, di.vram_size);
		ck_assert_msg((di.caps & want) == want, "caps %#llx lack %#llx",
			      (unsigned long long)di.caps, (unsigned long long)want);
		ck_assert_msg(!!(di.caps & VXPU_CAP_ACCEL_NODE) == accel,
			      "VXPU_CAP_ACCEL_NODE=%d but node is %s",
			      !!(di.caps & VXPU_CAP_ACCEL_NODE), d[i].node);
		ck_assert_uint_lt(di.va_start, di.va_end);
		ck_assert_uint_eq(di.va_start % VT_PAGE, 0);
		ck_assert_uint_eq(di.va_end % VT_PAGE, 0);
		close(fd);
	}
}
END_TEST

START_TEST(device_info_flags_rejected)
{
	int fd = dt_open(0);
	struct drm_vxpu_device_info di = { .flags = 1 };

	VT_ERR(vxpu_ioctl(fd, DRM_IOCTL_VXPU_DEVICE_INFO, &di), EINVAL);
	memset(&di, 0, sizeof(di));
	di.flags = 1u << 31;
	VT_ERR(vxpu_ioctl(fd, DRM_IOCTL_VXPU_DEVICE_INFO, &di), EINVAL);
	close(fd);
}
END_TEST

START_TEST(device_open_by_gpu_id)
{
	struct vxpu_device_desc d[VXPU_MAX_DEVICES];
	int n = vxpu_discover(NULL, d, VXPU_MAX_DEVICES);
	uint32_t unused = 0xfffffff0u;

	ck_assert_int_gt(n, 0);
	for (int i = 0; i < n; i++) {
		int fd = vxpu_open_gpu_id(d[i].info.gpu_id);

		ck_assert_msg(fd >= 0, "open_gpu_id(%#x) = %d", d[i].info.gpu_id, fd);
		ck_assert_uint_eq(dt_devinfo(fd).index, (unsigned int)i);
		close(fd);
		fd = vxpu_open_index((unsigned int)i);
		ck_assert_int_ge(fd, 0);
		ck_assert_uint_eq(dt_devinfo(fd).gpu_id, d[i].info.gpu_id);
		close(fd);
	}
	for (int again = 1; again; ) {
		again = 0;
		for (int i = 0; i < n; i++)
			if (d[i].info.gpu_id == unused) {
				unused++;
				again = 1;
			}
	}
	VT_ERR(vxpu_open_gpu_id(unused), ENODEV);
	VT_ERR(vxpu_open_index((unsigned int)n), ENODEV);
}
END_TEST

TCase *dt_tcase_device(void)
{
	TCase *tc = tcase_create("device");

	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_test(tc, device_discovery);
	tcase_add_test(tc, device_info_fields);
	tcase_add_test(tc, device_info_flags_rejected);
	tcase_add_test(tc, device_open_by_gpu_id);
	return tc;
}

/* ----------------------------------------------------------------- context */

START_TEST(context_info_fresh)
{
	int a = dt_open(0), b = dt_open(0);
	struct drm_vxpu_context_info ca = dt_ctxinfo(a), cb = dt_ctxinfo(b);

	ck_assert_uint_ne(ca.ctx_id, 0);
	ck_assert_uint_ne(cb.ctx_id, 0);
	ck_assert_uint_ne(ca.ctx_id, cb.ctx_id);
	ck_assert_uint_gt(ca.quota, 0);
	ck_assert_uint_eq(ca.quota % VT_PAGE, 0);
	ck_assert_uint_eq(ca.quota_used, 0);
	ck_assert_uint_eq(ca.bo_count, 0);
	ck_assert_uint_eq(ca.asid_count, 0);
	close(a);
	close(b);
}
END_TEST

START_TEST(context_info_counts)
{
	int fd = dt_open(0);
	uint32_t g = dt_bo(fd, 2 * VT_PAGE, VXPU_BO_GTT, NULL);
	uint32_t v = dt_bo(fd, VT_PAGE, VXPU_BO_VRAM, NULL);
	uint32_t a = dt_asid(fd);
	struct drm_vxpu_context_info ci = dt_ctxinfo(fd);

	ck_assert_uint_eq(ci.bo_count, 2);
	ck_assert_uint_eq(ci.quota_used, 3 * VT_PAGE);
	ck_assert_uint_eq(ci.asid_count, 1);
	VT_OK(vxpu_bo_destroy(fd, g));
	VT_OK(vxpu_asid_destroy(fd, a));
	ci = dt_ctxinfo(fd);
	ck_assert_uint_eq(ci.bo_count, 1);
	ck_assert_uint_eq(ci.quota_used, VT_PAGE);
	ck_assert_uint_eq(ci.asid_count, 0);
	VT_OK(vxpu_bo_destroy(fd, v));
	ci = dt_ctxinfo(fd);
	ck_assert_uint_eq(ci.bo_count, 0);
	ck_assert_uint_eq(ci.quota_used, 0);
	close(fd);
}
END_TEST

START_TEST(context_info_flags_rejected)
{
	int fd = dt_open(0);
	struct drm_vxpu_context_info ci = { .flags = 1 };

	VT_ERR(vxpu_ioctl(fd, DRM_IOCTL_VXPU_CONTEXT_INFO, &ci), EINVAL);
	memset(&ci, 0, sizeof(ci));
	ci.flags = 0x80000000u;
	VT_ERR(vxpu_ioctl(fd, DRM_IOCTL_VXPU_CONTEXT_INFO, &ci), EINVAL);
	close(fd);
}
END_TEST

START_TEST(quota_set_validation)
{
	int fd = dt_open(0);
	uint64_t q = dt_ctxinfo(fd).quota;
	struct drm_vxpu_context_set_quota sq = { .quota = q, .flags = 1 };

	VT_ERR(vxpu_ioctl(fd, DRM_IOCTL_VXPU_CONTEXT_SET_QUOTA, &sq), EINVAL);
	sq.flags = 0;
	sq.pad = 1;
	VT_ERR(vxpu_ioctl(fd, DRM_IOCTL_VXPU_CONTEXT_SET_QUOTA, &sq), EINVAL);
	VT_ERR(vxpu_set_quota(fd, q - 1), EINVAL);	/* unaligned, lower */
	VT_ERR(vxpu_set_quota(fd, 100), EINVAL);
	ck_assert_uint_eq(dt_ctxinfo(fd).quota, q);	/* unchanged by failures */
	close(fd);
}
END_TEST

START_TEST(quota_edquot)
{
	int fd = dt_open(0);
	uint32_t h1, h2, h;
	struct drm_vxpu_context_info ci;

	dt_set_quota(fd, 4 * VT_PAGE);
	ck_assert_uint_eq(dt_ctxinfo(fd).quota, 4 * VT_PAGE);
	h1 = dt_bo(fd, 2 * VT_PAGE, VXPU_BO_GTT, NULL);
	VT_ERR(vxpu_bo_create(fd, 3 * VT_PAGE, VXPU_BO_GTT, &h, NULL), EDQUOT);
	VT_ERR(vxpu_bo_create(fd, 3 * VT_PAGE, VXPU_BO_VRAM, &h, NULL), EDQUOT);
	h2 = dt_bo(fd, 2 * VT_PAGE, VXPU_BO_VRAM, NULL);	/* exactly at quota */
	VT_ERR(vxpu_bo_create(fd, VT_PAGE, VXPU_BO_GTT, &h, NULL), EDQUOT);
	VT_ERR(vxpu_bo_create(fd, VT_PAGE, VXPU_BO_VRAM, &h, NULL), EDQUOT);
	ci = dt_ctxinfo(fd);
	ck_assert_uint_eq(ci.quota_used, 4 * VT_PAGE);
	ck_assert_uint_eq(ci.bo_count, 2);
	VT_OK(vxpu_bo_destroy(fd, h1));
	h1 = dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL);
	VT_OK(vxpu_bo_destroy(fd, h1));
	VT_OK(vxpu_bo_destroy(fd, h2));
	ck_assert_uint_eq(dt_ctxinfo(fd).quota_used, 0);
	close(fd);
}
END_TEST

START_TEST(quota_lower_below_use)
{
	int fd = dt_open(0);
	uint32_t h1 = dt_bo(fd, 2 * VT_PAGE, VXPU_BO_GTT, NULL), h2, h;
	struct drm_vxpu_context_info ci;

	h2 = dt_bo(fd, 2 * VT_PAGE, VXPU_BO_VRAM, NULL);
	VT_OK(vxpu_set_quota(fd, VT_PAGE));	/* below the 4 pages in use: allowed */
	ci = dt_ctxinfo(fd);
	ck_assert_uint_eq(ci.quota, VT_PAGE);
	ck_assert_uint_eq(ci.quota_used, 4 * VT_PAGE);
	VT_ERR(vxpu_bo_create(fd, VT_PAGE, VXPU_BO_GTT, &h, NULL), EDQUOT);
	VT_ERR(vxpu_bo_create(fd, VT_PAGE, VXPU_BO_VRAM, &h, NULL), EDQUOT);
	VT_OK(vxpu_bo_destroy(fd, h1));
	VT_ERR(vxpu_bo_create(fd, VT_PAGE, VXPU_BO_GTT, &h, NULL), EDQUOT); /* 2 used > 1 */
	VT_OK(vxpu_set_quota(fd, 0));
	ck_assert_uint_eq(dt_ctxinfo(fd).quota, 0);
	VT_OK(vxpu_bo_destroy(fd, h2));
	ck_assert_uint_eq(dt_ctxinfo(fd).quota_used, 0);
	VT_ERR(vxpu_bo_create(fd, VT_PAGE, VXPU_BO_GTT, &h, NULL), EDQUOT);
	close(fd);
}
END_TEST

START_TEST(quota_raise_as_admin)
{
	int fd = dt_open(0);
	uint64_t q = dt_ctxinfo(fd).quota;
	uint32_t h;

	VT_OK(vxpu_set_quota(fd, VT_PAGE));
	VT_OK(vxpu_set_quota(fd, q + 16 * VT_PAGE));	/* root: CAP_SYS_ADMIN */
	ck_assert_uint_eq(dt_ctxinfo(fd).quota, q + 16 * VT_PAGE);
	h = dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL);
	VT_OK(vxpu_bo_destroy(fd, h));
	close(fd);
}
END_TEST

START_TEST(quota_raise_needs_cap_sys_admin)
{
	int fd = dt_open(0);
	uint64_t q = dt_ctxinfo(fd).quota;

	dt_drop_sys_admin();
	VT_ERR(vxpu_set_quota(fd, q + VT_PAGE), EPERM);
	ck_assert_uint_eq(dt_ctxinfo(fd).quota, q);
	VT_OK(vxpu_set_quota(fd, q));		/* equal: not a raise */
	VT_OK(vxpu_set_quota(fd, q - VT_PAGE));	/* lowering: always */
	VT_ERR(vxpu_set_quota(fd, q), EPERM);	/* back up: a raise */
	ck_assert_uint_eq(dt_ctxinfo(fd).quota, q - VT_PAGE);
	close(fd);
}
END_TEST

START_TEST(quota_is_per_context)
{
	int a = dt_open(0), b = dt_open(0);
	uint32_t h;

	VT_OK(vxpu_set_quota(a, 0));
	VT_ERR(vxpu_bo_create(a, VT_PAGE, VXPU_BO_GTT, &h, NULL), EDQUOT);
	h = dt_bo(b, VT_PAGE, VXPU_BO_GTT, NULL);
	ck_assert_uint_eq(dt_ctxinfo(b).quota_used, VT_PAGE);
	ck_assert_uint_eq(dt_ctxinfo(a).quota_used, 0);
	close(a);
	close(b);
}
END_TEST

TCase *dt_tcase_context(void)
{
	TCase *tc = tcase_create("context");

	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_test(tc, context_info_fresh);
	tcase_add_test(tc, context_info_counts);
	tcase_add_test(tc, context_info_flags_rejected);
	tcase_add_test(tc, quota_set_validation);
	tcase_add_test(tc, quota_edquot);
	tcase_add_test(tc, quota_lower_below_use);
	tcase_add_test(tc, quota_raise_as_admin);
	tcase_add_test(tc, quota_raise_needs_cap_sys_admin);
	tcase_add_test(tc, quota_is_per_context);
	return tc;
}

/* ---------------------------------------------------------------------- BO */

static const uint32_t placements[] = { VXPU_BO_VRAM, VXPU_BO_GTT };

START_TEST(bo_create_and_info)
{
	uint32_t pl = placements[_i];
	int fd = dt_open(0);
	uint32_t ctx = dt_ctxinfo(fd).ctx_id;
	uint64_t off1 = 0, off2 = 0;
	uint32_t h1 = dt_bo(fd, VT_PAGE, pl, &off1);
	uint32_t h2 = dt_bo(fd, 5 * VT_PAGE, pl, &off2);
	struct drm_vxpu_bo_info bi;

	ck_assert_uint_ne(h1, h2);
	ck_assert_uint_ne(off1, 0);
	ck_assert_uint_eq(off1 % VT_PAGE, 0);
	ck_assert_uint_eq(off2 % VT_PAGE, 0);
	ck_assert_uint_ne(off1, off2);
	VT_OK(vxpu_bo_info(fd, h2, &bi));
	ck_assert_uint_eq(bi.handle, h2);
	ck_assert_uint_eq(bi.size, 5 * VT_PAGE);
	ck_assert_uint_eq(bi.placement, pl);
	ck_assert_uint_eq(bi.owner_ctx_id, ctx);
	ck_assert_uint_eq(bi.mmap_offset, off2);
	VT_OK(vxpu_bo_destroy(fd, h1));
	VT_OK(vxpu_bo_destroy(fd, h2));
	close(fd);
}
END_TEST

START_TEST(bo_vram_accounting)
{
	int fd = dt_open(0);
	uint64_t before = dt_devinfo(fd).vram_free;
	uint32_t v, g;

	v = dt_bo(fd, 16 * VT_PAGE, VXPU_BO_VRAM, NULL);
	ck_assert_uint_eq(dt_devinfo(fd).vram_free, before - 16 * VT_PAGE);
	g = dt_bo(fd, 16 * VT_PAGE, VXPU_BO_GTT, NULL);
	ck_assert_uint_eq(dt_devinfo(fd).vram_free, before - 16 * VT_PAGE);
	VT_OK(vxpu_bo_destroy(fd, v));
	ck_assert_uint_eq(dt_devinfo(fd).vram_free, before);
	VT_OK(vxpu_bo_destroy(fd, g));
	ck_assert_uint_eq(dt_devinfo(fd).vram_free, before);
	close(fd);
}
END_TEST

START_TEST(bo_vram_freed_on_close)
{
	int fd = dt_open(0), other = dt_open(0);
	uint64_t before = dt_devinfo(other).vram_free;

	dt_bo(fd, 8 * VT_PAGE, VXPU_BO_VRAM, NULL);
	dt_bo(fd, 8 * VT_PAGE, VXPU_BO_VRAM, NULL);
	ck_assert_uint_eq(dt_devinfo(other).vram_free, before - 16 * VT_PAGE);
	close(fd);	/* closing the context frees its BOs */
	ck_assert_uint_eq(dt_devinfo(other).vram_free, before);
	close(other);
}
END_TEST

START_TEST(bo_create_bad_size)
{
	uint32_t pl = placements[_i];
	int fd = dt_open(0);
	static const uint64_t bad[] = { 0, 1, VT_PAGE - 1, VT_PAGE + 1, 2 * VT_PAGE - 512 };

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct drm_vxpu_bo_create c = { .size = bad[i], .placement = pl };
		int r = vxpu_ioctl(fd, DRM_IOCTL_VXPU_BO_CREATE, &c);

		ck_assert_msg(r == -EINVAL, "%s size %#llx: %d (%s), expected -EINVAL",
			      PLACEMENT_NAME(pl), (unsigned long long)bad[i], r, vxpu_strerror(r));
	}
	ck_assert_uint_eq(dt_ctxinfo(fd).bo_count, 0);
	close(fd);
}
END_TEST

START_TEST(bo_create_overflowing_size)
{
	/*
	 * A page-aligned size so large that quota_used + size wraps around
	 * (the first and third), or just far over the quota: -EDQUOT, as the
	 * UAPI says (the quota check is the overflow check), and nothing is
	 * charged.
	 */
	uint32_t pl = placements[_i];
	int fd = dt_open(0);
	uint32_t h0 = dt_bo(fd, VT_PAGE, pl, NULL);
	static const uint64_t huge[] = { ~0ULL - VT_PAGE + 1, 1ULL << 63, ~0ULL - 2 * VT_PAGE + 1 };

	for (unsigned int i = 0; i < 3; i++) {
		struct drm_vxpu_bo_create c = { .size = huge[i], .placement = pl };
		int r = vxpu_ioctl(fd, DRM_IOCTL_VXPU_BO_CREATE, &c);

		ck_assert_msg(r == -EDQUOT, "%s size %#llx: %d (%s), expected -EDQUOT",
			      PLACEMENT_NAME(pl), (unsigned long long)huge[i], r, vxpu_strerror(r));
	}
	ck_assert_uint_eq(dt_ctxinfo(fd).bo_count, 1);
	ck_assert_uint_eq(dt_ctxinfo(fd).quota_used, VT_PAGE);
	VT_OK(vxpu_bo_destroy(fd, h0));
	close(fd);
}
END_TEST

START_TEST(bo_create_over_16tib)
{
	/*
	 * With the quota out of the way (root raises it to the largest
	 * page-aligned value), a BO of 2^32 pages (16 TiB) or more is refused
	 * before any memory is allocated: -ENOSPC for VRAM, -ENOMEM for GTT.
	 * The charge is returned. A size whose sum with the bytes in use
	 * wraps is still -EDQUOT.
	 */
	uint32_t pl = placements[_i];
	int want = pl == VXPU_BO_VRAM ? ENOSPC : ENOMEM;
	int fd = dt_open(0);
	uint32_t h0 = dt_bo(fd, VT_PAGE, pl, NULL), h;
	static const uint64_t big[] = { 1ULL << 44, (1ULL << 44) + VT_PAGE, 1ULL << 63,
					~0ULL - 2 * VT_PAGE + 1 };

	dt_set_quota(fd, ~(VT_PAGE - 1));
	ck_assert_uint_eq(dt_ctxinfo(fd).quota, ~(VT_PAGE - 1));
	for (unsigned int i = 0; i < 4; i++) {
		int r = vxpu_bo_create(fd, big[i], pl, &h, NULL);

		ck_assert_msg(r == -want, "%s size %#llx: %d (%s), expected -%s", PLACEMENT_NAME(pl),
			      (unsigned long long)big[i], r, vxpu_strerror(r),
			      want == ENOSPC ? "ENOSPC" : "ENOMEM");
		ck_assert_uint_eq(dt_ctxinfo(fd).bo_count, 1);
		ck_assert_uint_eq(dt_ctxinfo(fd).quota_used, VT_PAGE);
	}
	VT_ERR(vxpu_bo_create(fd, ~0ULL - VT_PAGE + 1, pl, &h, NULL), EDQUOT);
	ck_assert_uint_eq(dt_ctxinfo(fd).bo_count, 1);
	ck_assert_uint_eq(dt_ctxinfo(fd).quota_used, VT_PAGE);
	VT_OK(vxpu_bo_destroy(fd, h0));
	close(fd);
}
END_TEST

START_TEST(bo_create_bad_placement_flags_pad)
{
	int fd = dt_open(0);
	static const uint32_t bad_pl[] = { 0, 3, 4, 0x80000000u, 0xffffffffu };
	struct drm_vxpu_bo_create c;

	for (unsigned int i = 0; i < 5; i++) {
		memset(&c, 0, sizeof(c));
		c.size = VT_PAGE;
		c.placement = bad_pl[i];
		VT_ERR(vxpu_ioctl(fd, DRM_IOCTL_VXPU_BO_CREATE, &c), EINVAL);
	}
	for (unsigned int bit = 0; bit < 32; bit += 31) {
		memset(&c, 0, sizeof(c));
		c.size = VT_PAGE;
		c.placement = VXPU_BO_GTT;
		c.flags = 1u << bit;
		VT_ERR(vxpu_ioctl(fd, DRM_IOCTL_VXPU_BO_CREATE, &c), EINVAL);
	}
	memset(&c, 0, sizeof(c));
	c.size = VT_PAGE;
	c.placement = VXPU_BO_VRAM;
	c.pad = 1;
	VT_ERR(vxpu_ioctl(fd, DRM_IOCTL_VXPU_BO_CREATE, &c), EINVAL);
	ck_assert_uint_eq(dt_ctxinfo(fd).bo_count, 0);
	close(fd);
}
END_TEST

START_TEST(bo_info_errors)
{
	int fd = dt_open(0);
	uint32_t h = dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL);
	struct drm_vxpu_bo_info bi;

	VT_ERR(vxpu_bo_info(fd, 0, &bi), ENOENT);
	VT_ERR(vxpu_bo_info(fd, h + 1000, &bi), ENOENT);
	VT_ERR(vxpu_bo_info(fd, 0xffffffffu, &bi), ENOENT);
	memset(&bi, 0, sizeof(bi));
	bi.handle = h;
	bi.flags = 1;
	VT_ERR(vxpu_ioctl(fd, DRM_IOCTL_VXPU_BO_INFO, &bi), EINVAL);
	VT_OK(vxpu_bo_destroy(fd, h));
	VT_ERR(vxpu_bo_info(fd, h, &bi), ENOENT);	/* destroyed */
	VT_ERR(vxpu_bo_destroy(fd, h), EINVAL);		/* GEM_CLOSE of a dead handle */
	close(fd);
}
END_TEST

/* New memory reads as zero even when it reuses memory a previous BO dirtied. */
START_TEST(bo_new_memory_zero_cpu)
{
	uint32_t pl = placements[_i];
	int fd = dt_open(0);
	const uint64_t sz = 64 * VT_PAGE;

	for (int round = 0; round < 3; round++) {
		uint32_t h = dt_bo(fd, sz, pl, NULL);
		uint8_t *p = dt_mmap(fd, h, sz);
		long nz = vt_first_nonzero(p, sz);

		ck_assert_msg(nz < 0, "%s round %d: byte %ld of a new BO is %#x", PLACEMENT_NAME(pl),
			      round, nz, nz >= 0 ? p[nz] : 0);
		memset(p, 0xa5, sz);
		munmap(p, sz);
		VT_OK(vxpu_bo_destroy(fd, h));
	}
	close(fd);
}
END_TEST

START_TEST(bo_mmap_coherent)
{
	uint32_t pl = placements[_i];
	int fd = dt_open(0);
	const uint64_t sz = 3 * VT_PAGE;
	uint64_t free0 = dt_devinfo(fd).vram_free, free1;
	uint32_t h = dt_bo(fd, sz, pl, NULL), h2;
	uint8_t *p = dt_mmap(fd, h, sz), *q = dt_mmap(fd, h, sz);

	free1 = dt_devinfo(fd).vram_free;
	ck_assert_ptr_ne(p, q);
	vt_fill_pattern(p, sz, 11);
	ck_assert_int_eq(vt_check_pattern(q, sz, 11), -1);
	VT_OK(vxpu_bo_destroy(fd, h));			/* mappings keep the BO */
	ck_assert_uint_eq(dt_devinfo(fd).vram_free, free1);	/* and its memory */
	h2 = dt_bo(fd, sz, pl, NULL);			/* must not get the same pages */
	ck_assert_int_eq(vt_check_pattern(q, sz, 11), -1);
	VT_OK(vxpu_bo_destroy(fd, h2));
	munmap(p, sz);
	ck_assert_int_eq(vt_check_pattern(q, sz, 11), -1);
	munmap(q, sz);
	ck_assert_uint_eq(dt_ctxinfo(fd).quota_used, 0);
	ck_assert_uint_eq(dt_devinfo(fd).vram_free, free0);
	close(fd);
}
END_TEST

/* DRM core (drm_gem_mmap): no BO at exactly that offset and size is -EINVAL */
START_TEST(bo_mmap_bad_offset)
{
	int fd = dt_open(0);
	uint64_t off;
	uint32_t h = dt_bo(fd, 2 * VT_PAGE, VXPU_BO_GTT, &off);
	void *p = NULL;

	/* an offset no BO owns */
	VT_ERR(vxpu_bo_mmap(fd, off + 64 * VT_PAGE * 1024, VT_PAGE, PROT_READ, &p), EINVAL);
	/* longer than the BO */
	VT_ERR(vxpu_bo_mmap(fd, off, 3 * VT_PAGE, PROT_READ, &p), EINVAL);
	/* not at the BO's first page */
	VT_ERR(vxpu_bo_mmap(fd, off + VT_PAGE, VT_PAGE, PROT_READ, &p), EINVAL);
	VT_OK(vxpu_bo_destroy(fd, h));
	/* a destroyed BO */
	VT_ERR(vxpu_bo_mmap(fd, off, VT_PAGE, PROT_READ, &p), EINVAL);
	close(fd);
}
END_TEST

/*
 * A BO's pages are shared by definition: mmap(MAP_PRIVATE) (a mapping that
 * could hold copy-on-write copies) is -EINVAL for both placements, read
 * only or not, through the device fd and through an exported dma-buf.
 */
START_TEST(bo_mmap_private)
{
	uint32_t pl = placements[_i];
	int fd = dt_open(0);
	const uint64_t sz = 2 * VT_PAGE;
	uint64_t off;
	uint32_t h = dt_bo(fd, sz, pl, &off);
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE };
	int dfd = vxpu_bo_export(fd, h, DRM_CLOEXEC | DRM_RDWR);
	const struct {
		int fd;
		off_t off;
		const char *name;
	} via[] = { { fd, (off_t)off, "device fd" }, { dfd, 0, "dma-buf" } };
	uint8_t *p;

	ck_assert_int_ge(dfd, 0);
	for (unsigned int v = 0; v < 2; v++)
		for (unsigned int i = 0; i < 2; i++) {
			errno = 0;
			p = mmap(NULL, sz, prots[i], MAP_PRIVATE, via[v].fd, via[v].off);
			ck_assert_msg(p == MAP_FAILED && errno == EINVAL,
				      "%s: %s mmap(MAP_PRIVATE, prot %#x) = %p, errno %d (%m)",
				      PLACEMENT_NAME(pl), via[v].name, prots[i], (void *)p, errno);
		}
	/* MAP_SHARED of the same ranges works, and both see one page */
	p = dt_mmap(fd, h, sz);
	{
		uint8_t *q = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);

		ck_assert_msg(q != MAP_FAILED, "dma-buf mmap(MAP_SHARED): %m");
		p[VT_PAGE + 7] = 0x3c;
		ck_assert_uint_eq(q[VT_PAGE + 7], 0x3c);
		munmap(q, sz);
	}
	munmap(p, sz);
	close(dfd);
	VT_OK(vxpu_bo_destroy(fd, h));
	close(fd);
}
END_TEST

TCase *dt_tcase_bo(void)
{
	TCase *tc = tcase_create("bo");

	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_loop_test(tc, bo_create_and_info, 0, 2);
	tcase_add_test(tc, bo_vram_accounting);
	tcase_add_test(tc, bo_vram_freed_on_close);
	tcase_add_loop_test(tc, bo_create_bad_size, 0, 2);
	tcase_add_loop_test(tc, bo_create_overflowing_size, 0, 2);
	tcase_add_loop_test(tc, bo_create_over_16tib, 0, 2);
	tcase_add_test(tc, bo_create_bad_placement_flags_pad);
	tcase_add_test(tc, bo_info_errors);
	tcase_add_loop_test(tc, bo_new_memory_zero_cpu, 0, 2);
	tcase_add_loop_test(tc, bo_mmap_coherent, 0, 2);
	tcase_add_test(tc, bo_mmap_bad_offset);
	tcase_add_loop_test(tc, bo_mmap_private, 0, 2);
	return tc;
}

/* ---------------------------------------------------------------- capacity */

START_TEST(vram_enospc)
{
	int fd = dt_open(0);
	struct drm_vxpu_device_info di = dt_devinfo(fd);
	uint64_t free0 = di.vram_free;
	uint32_t h, all, g;

	ck_assert_uint_gt(free0, 0);
	dt_set_quota(fd, 2 * di.vram_size + 64 * VT_PAGE);	/* capacity, not quota, must bite */
	VT_ERR(vxpu_bo_create(fd, free0 + VT_PAGE, VXPU_BO_VRAM, &h, NULL), ENOSPC);
	VT_ERR(vxpu_bo_create(fd, di.vram_size + VT_PAGE, VXPU_BO_VRAM, &h, NULL), ENOSPC);
	ck_assert_uint_eq(dt_devinfo(fd).vram_free, free0);
	all = dt_bo(fd, free0, VXPU_BO_VRAM, NULL);
	ck_assert_uint_eq(dt_devinfo(fd).vram_free, 0);
	VT_ERR(vxpu_bo_create(fd, VT_PAGE, VXPU_BO_VRAM, &h, NULL), ENOSPC);
	g = dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL);	/* GTT is not VRAM-limited */
	VT_OK(vxpu_bo_destroy(fd, all));
	ck_assert_uint_eq(dt_devinfo(fd).vram_free, free0);
	h = dt_bo(fd, VT_PAGE, VXPU_BO_VRAM, NULL);
	VT_OK(vxpu_bo_destroy(fd, h));
	VT_OK(vxpu_bo_destroy(fd, g));
	/* far past capacity, within a raised quota: refused before any allocation for it
	 * (a 4 GiB page array would warn in kvmalloc)
	 */
	dt_set_quota(fd, 1ULL << 44);
	VT_ERR(vxpu_bo_create(fd, 1ULL << 41, VXPU_BO_VRAM, &h, NULL), ENOSPC);
	ck_assert_uint_eq(dt_ctxinfo(fd).quota_used, 0);
	close(fd);
}
END_TEST

START_TEST(vram_fill_in_chunks)
{
	int fd = dt_open(0);
	struct drm_vxpu_device_info di = dt_devinfo(fd);
	uint64_t free0 = di.vram_free;
	uint64_t chunk = (free0 / 256) & ~(VT_PAGE - 1);
	uint32_t *hs, h;
	unsigned int n = 0;
	int r;

	if (chunk < VT_PAGE)
		chunk = VT_PAGE;
	hs = calloc(free0 / chunk + 2, sizeof(*hs));
	ck_assert_ptr_nonnull(hs);
	dt_set_quota(fd, 2 * di.vram_size + 64 * VT_PAGE);
	while ((r = vxpu_bo_create(fd, chunk, VXPU_BO_VRAM, &hs[n], NULL)) == 0) {
		n++;
		ck_assert_uint_le(n, free0 / chunk);
	}
	ck_assert_msg(r == -ENOSPC, "after %u chunks: %d (%s), expected -ENOSPC", n, r,
		      vxpu_strerror(r));
	ck_assert_uint_eq(n, free0 / chunk);
	ck_assert_uint_eq(dt_devinfo(fd).vram_free, free0 - n * chunk);
	if (free0 % chunk) {
		h = dt_bo(fd, free0 % chunk, VXPU_BO_VRAM, NULL);
		ck_assert_uint_eq(dt_devinfo(fd).vram_free, 0);
		VT_OK(vxpu_bo_destroy(fd, h));
	}
	for (unsigned int i = 0; i < n; i += 2)	/* free every other: fragmented */
		VT_OK(vxpu_bo_destroy(fd, hs[i]));
	h = dt_bo(fd, chunk * ((n + 1) / 2), VXPU_BO_VRAM, NULL); /* non-contiguous is fine */
	VT_OK(vxpu_bo_destroy(fd, h));
	for (unsigned int i = 1; i < n; i += 2)
		VT_OK(vxpu_bo_destroy(fd, hs[i]));
	ck_assert_uint_eq(dt_devinfo(fd).vram_free, free0);
	free(hs);
	close(fd);
}
END_TEST

START_TEST(vram_per_device)
{
	struct vxpu_device_desc d[2];
	int n = vxpu_discover(NULL, d, 2), a, b;
	uint64_t fb;

	ck_assert_int_ge(n, 2);
	a = dt_open(0);
	b = dt_open(1);
	fb = dt_devinfo(b).vram_free;
	dt_bo(a, 32 * VT_PAGE, VXPU_BO_VRAM, NULL);
	ck_assert_uint_eq(dt_devinfo(b).vram_free, fb);
	dt_bo(b, 8 * VT_PAGE, VXPU_BO_VRAM, NULL);
	ck_assert_uint_eq(dt_devinfo(b).vram_free, fb - 8 * VT_PAGE);
	close(a);
	close(b);
}
END_TEST

TCase *dt_tcase_capacity(void)
{
	TCase *tc = tcase_create("capacity");

	tcase_set_timeout(tc, VT_TIMEOUT * 2);
	tcase_add_test(tc, vram_enospc);
	tcase_add_test(tc, vram_fill_in_chunks);
	tcase_add_test(tc, vram_per_device);
	return tc;
}

/* -------------------------------------------------------------------- ASID */

START_TEST(asid_create_destroy)
{
	int fd = dt_open(0);
	uint32_t a = dt_asid(fd), b = dt_asid(fd);
	struct drm_vxpu_asid_destroy d = { .asid = a, .pad = 1 };

	ck_assert_uint_ne(a, b);
	ck_assert_uint_eq(dt_ctxinfo(fd).asid_count, 2);
	VT_ERR(vxpu_ioctl(fd, DRM_IOCTL_VXPU_ASID_DESTROY, &d), EINVAL);
	ck_assert_uint_eq(dt_ctxinfo(fd).asid_count, 2);
	VT_OK(vxpu_asid_destroy(fd, a));
	VT_ERR(vxpu_asid_destroy(fd, a), ENOENT);
	ck_assert_uint_eq(dt_ctxinfo(fd).asid_count, 1);
	VT_ERR(vxpu_asid_destroy(fd, 0), ENOENT);
	VT_ERR(vxpu_asid_destroy(fd, b + 1000), ENOENT);
	VT_OK(vxpu_asid_destroy(fd, b));
	ck_assert_uint_eq(dt_ctxinfo(fd).asid_count, 0);
	close(fd);
}
END_TEST

START_TEST(asid_many)
{
	int fd = dt_open(0);
	uint32_t ids[32];

	for (int i = 0; i < 32; i++) {
		ids[i] = dt_asid(fd);
		for (int j = 0; j < i; j++)
			ck_assert_uint_ne(ids[i], ids[j]);
	}
	ck_assert_uint_eq(dt_ctxinfo(fd).asid_count, 32);
	for (int i = 0; i < 32; i += 2)
		VT_OK(vxpu_asid_destroy(fd, ids[i]));
	ck_assert_uint_eq(dt_ctxinfo(fd).asid_count, 16);
	close(fd);	/* the rest go with the context */
}
END_TEST

START_TEST(asid_sva_reserved)
{
	int fd = dt_open(0);
	uint32_t a;

	VT_ERR(vxpu_asid_create(fd, VXPU_ASID_SVA, &a), EOPNOTSUPP);
	ck_assert_uint_eq(dt_ctxinfo(fd).asid_count, 0);
	close(fd);
}
END_TEST

START_TEST(asid_unknown_flags)
{
	int fd = dt_open(0);
	uint32_t a;

	VT_ERR(vxpu_asid_create(fd, 1u << 1, &a), EINVAL);
	VT_ERR(vxpu_asid_create(fd, 1u << 31, &a), EINVAL);
	VT_ERR(vxpu_asid_create(fd, 0xfffffffeu, &a), EINVAL);
	ck_assert_uint_eq(dt_ctxinfo(fd).asid_count, 0);
	close(fd);
}
END_TEST

TCase *dt_tcase_asid(void)
{
	TCase *tc = tcase_create("asid");

	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_test(tc, asid_create_destroy);
	tcase_add_test(tc, asid_many);
	tcase_add_test(tc, asid_sva_reserved);
	tcase_add_test(tc, asid_unknown_flags);
	return tc;
}
