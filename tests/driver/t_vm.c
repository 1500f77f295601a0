// SPDX-License-Identifier: MIT
/* VM_MAP / VM_UNMAP, device-view VM_READ / VM_WRITE, and the ioctl ABI rules. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dt.h"

static const uint32_t placements[] = { VXPU_BO_VRAM, VXPU_BO_GTT };
#define RW (VXPU_MAP_READ | VXPU_MAP_WRITE)

/* raw VM_MAP; returns 0/-errno, *va out */
static int map_raw(int fd, uint32_t asid, uint32_t h, uint64_t off, uint64_t size, uint64_t va,
		   uint32_t flags, uint32_t pad, uint64_t *out)
{
	struct drm_vxpu_vm_map m = {
		.asid = asid, .handle = h, .bo_offset = off, .size = size, .va = va,
		.flags = flags, .pad = pad,
	};
	int r = vxpu_ioctl(fd, DRM_IOCTL_VXPU_VM_MAP, &m);

	if (out)
		*out = m.va;
	return r;
}

static uint64_t map_fixed(int fd, uint32_t asid, uint32_t h, uint64_t off, uint64_t size,
			  uint64_t va, uint32_t perm)
{
	uint64_t got = va;
	int r = vxpu_vm_map(fd, asid, h, off, size, perm | VXPU_MAP_FIXED, &got);

	ck_assert_msg(r == 0, "fixed map at %#llx size %#llx: %d (%s)", (unsigned long long)va,
		      (unsigned long long)size, r, vxpu_strerror(r));
	ck_assert_uint_eq(got, va);
	return got;
}

static int rw_raw(int fd, unsigned long req, uint32_t asid, uint64_t va, uint64_t size,
		  uint64_t ptr, uint32_t flags)
{
	struct drm_vxpu_vm_rw rw = {
		.asid = asid, .flags = flags, .va = va, .size = size, .user_ptr = ptr,
	};

	return vxpu_ioctl(fd, req, &rw);
}

/* ------------------------------------------------------------------ map */

START_TEST(vm_map_auto_va)
{
	int fd = dt_open(0);
	struct drm_vxpu_device_info di = dt_devinfo(fd);
	uint32_t h = dt_bo(fd, 4 * VT_PAGE, VXPU_BO_GTT, NULL), a = dt_asid(fd);
	uint64_t v1 = dt_map(fd, a, h, 0, 4 * VT_PAGE, RW);
	uint64_t v2 = dt_map(fd, a, h, VT_PAGE, 2 * VT_PAGE, VXPU_MAP_READ);
	uint64_t v3 = dt_map(fd, a, h, 3 * VT_PAGE, VT_PAGE, VXPU_MAP_WRITE);

	ck_assert_uint_eq(v1 % VT_PAGE, 0);
	ck_assert_uint_ge(v1, di.va_start);
	ck_assert_uint_le(v1 + 4 * VT_PAGE, di.va_end);
	ck_assert_uint_ge(v2, di.va_start);
	ck_assert_uint_le(v2 + 2 * VT_PAGE, di.va_end);
	ck_assert_msg(v2 + 2 * VT_PAGE <= v1 || v2 >= v1 + 4 * VT_PAGE, "auto VAs overlap");
	ck_assert_msg(v3 + VT_PAGE <= v1 || v3 >= v1 + 4 * VT_PAGE, "auto VAs overlap");
	ck_assert_msg(v3 + VT_PAGE <= v2 || v3 >= v2 + 2 * VT_PAGE, "auto VAs overlap");
	VT_OK(vxpu_vm_unmap(fd, a, v2, 2 * VT_PAGE));
	VT_OK(vxpu_vm_unmap(fd, a, v1, 4 * VT_PAGE));
	VT_OK(vxpu_vm_unmap(fd, a, v3, VT_PAGE));
	close(fd);
}
END_TEST

START_TEST(vm_map_fixed_and_auto_disjoint)
{
	int fd = dt_open(0);
	struct drm_vxpu_device_info di = dt_devinfo(fd);
	uint32_t h = dt_bo(fd, 8 * VT_PAGE, VXPU_BO_GTT, NULL), a = dt_asid(fd);
	uint64_t base = di.va_start + 64 * VT_PAGE;

	map_fixed(fd, a, h, 0, 8 * VT_PAGE, base, RW);
	map_fixed(fd, a, h, 0, VT_PAGE, di.va_start, VXPU_MAP_READ);
	map_fixed(fd, a, h, 0, VT_PAGE, di.va_end - VT_PAGE, VXPU_MAP_READ);
	for (int i = 0; i < 16; i++) {
		uint64_t v = dt_map(fd, a, h, 0, 8 * VT_PAGE, RW);

		ck_assert_msg(v + 8 * VT_PAGE <= base || v >= base + 8 * VT_PAGE,
			      "auto VA %#llx overlaps the fixed mapping", (unsigned long long)v);
		ck_assert_uint_gt(v, di.va_start);
		ck_assert_uint_lt(v + 8 * VT_PAGE, di.va_end);
	}
	close(fd);
}
END_TEST

START_TEST(vm_map_invalid_args)
{
	int fd = dt_open(0);
	struct drm_vxpu_device_info di = dt_devinfo(fd);
	uint32_t h = dt_bo(fd, 4 * VT_PAGE, VXPU_BO_GTT, NULL), a = dt_asid(fd);
	uint64_t v = di.va_start + 16 * VT_PAGE;
	const uint32_t F = VXPU_MAP_FIXED;
	struct {
		const char *what;
		uint64_t off, size, va;
		uint32_t flags, pad;
	} c[] = {
		{ "size 0", 0, 0, 0, RW, 0 },
		{ "size 0 fixed", 0, 0, v, RW | F, 0 },
		{ "size unaligned", 0, VT_PAGE - 1, 0, RW, 0 },
		{ "size unaligned 2", 0, VT_PAGE + 8, 0, RW, 0 },
		{ "bo_offset unaligned", 100, VT_PAGE, 0, RW, 0 },
		{ "fixed va unaligned", 0, VT_PAGE, v + 1, RW | F, 0 },
		{ "fixed va unaligned 2", 0, VT_PAGE, v + VT_PAGE / 2, RW | F, 0 },
		{ "range past BO end", 3 * VT_PAGE, 2 * VT_PAGE, 0, RW, 0 },
		{ "size over BO size", 0, 5 * VT_PAGE, 0, RW, 0 },
		{ "offset at BO end", 4 * VT_PAGE, VT_PAGE, 0, RW, 0 },
		{ "offset far past BO", 1ULL << 40, VT_PAGE, 0, RW, 0 },
		{ "bo_offset+size overflow", ~0ULL - VT_PAGE + 1, 2 * VT_PAGE, 0, RW, 0 },
		{ "bo_offset+size overflow 2", ~0ULL - VT_PAGE + 1, ~0ULL - VT_PAGE + 1, 0, RW, 0 },
		{ "va+size overflow", 0, 2 * VT_PAGE, ~0ULL - VT_PAGE + 1, RW | F, 0 },
		{ "huge size", 0, ~0ULL - VT_PAGE + 1, 0, RW, 0 },
		{ "no permission", 0, VT_PAGE, 0, 0, 0 },
		{ "no permission fixed", 0, VT_PAGE, v, F, 0 },
		{ "unknown flag bit 3", 0, VT_PAGE, 0, RW | (1u << 3), 0 },
		{ "unknown flag bit 31", 0, VT_PAGE, 0, RW | (1u << 31), 0 },
		{ "pad", 0, VT_PAGE, 0, RW, 1 },
		{ "pad high", 0, VT_PAGE, v, RW | F, 0x80000000u },
	};

	for (unsigned int i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int r = map_raw(fd, a, h, c[i].off, c[i].size, c[i].va, c[i].flags, c[i].pad, NULL);

		ck_assert_msg(r == -EINVAL, "%s: %d (%s), expected -EINVAL", c[i].what, r,
			      vxpu_strerror(r));
	}
	/* nothing got mapped: the fixed VA is still free */
	map_fixed(fd, a, h, 0, 4 * VT_PAGE, v, RW);
	close(fd);
}
END_TEST

START_TEST(vm_map_out_of_range)
{
	int fd = dt_open(0);
	struct drm_vxpu_device_info di = dt_devinfo(fd);
	uint32_t h = dt_bo(fd, 4 * VT_PAGE, VXPU_BO_GTT, NULL), a = dt_asid(fd);
	const uint32_t F = VXPU_MAP_FIXED | RW;

	VT_ERR(map_raw(fd, a, h, 0, VT_PAGE, di.va_end, F, 0, NULL), ERANGE);
	VT_ERR(map_raw(fd, a, h, 0, 2 * VT_PAGE, di.va_end - VT_PAGE, F, 0, NULL), ERANGE);
	VT_ERR(map_raw(fd, a, h, 0, VT_PAGE, di.va_end + 1024 * VT_PAGE, F, 0, NULL), ERANGE);
	if (di.va_end <= (1ULL << 62))
		VT_ERR(map_raw(fd, a, h, 0, VT_PAGE, 1ULL << 62, F, 0, NULL), ERANGE);
	if (di.va_start >= VT_PAGE) {
		VT_ERR(map_raw(fd, a, h, 0, VT_PAGE, di.va_start - VT_PAGE, F, 0, NULL), ERANGE);
		VT_ERR(map_raw(fd, a, h, 0, 2 * VT_PAGE, di.va_start - VT_PAGE, F, 0, NULL),
		       ERANGE);
	}
	/* the edges themselves are fine */
	map_fixed(fd, a, h, 0, VT_PAGE, di.va_start, RW);
	map_fixed(fd, a, h, 0, VT_PAGE, di.va_end - VT_PAGE, RW);
	close(fd);
}
END_TEST

START_TEST(vm_map_overlap)
{
	int fd = dt_open(0);
	struct drm_vxpu_device_info di = dt_devinfo(fd);
	uint32_t h = dt_bo(fd, 8 * VT_PAGE, VXPU_BO_VRAM, NULL), a = dt_asid(fd), b = dt_asid(fd);
	uint64_t V = di.va_start + 64 * VT_PAGE;
	const uint32_t F = VXPU_MAP_FIXED | RW;
	struct { const char *what; uint64_t va, size; } c[] = {
		{ "same range", V, 4 * VT_PAGE },
		{ "same start, shorter", V, VT_PAGE },
		{ "overlaps start", V - VT_PAGE, 2 * VT_PAGE },
		{ "overlaps end", V + 3 * VT_PAGE, 2 * VT_PAGE },
		{ "inside", V + VT_PAGE, VT_PAGE },
		{ "contains", V - VT_PAGE, 6 * VT_PAGE },
	};

	map_fixed(fd, a, h, 0, 4 * VT_PAGE, V, RW);
	for (unsigned int i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int r = map_raw(fd, a, h, 0, c[i].size, c[i].va, F, 0, NULL);

		ck_assert_msg(r == -EEXIST, "%s: %d (%s), expected -EEXIST", c[i].what, r,
			      vxpu_strerror(r));
	}
	map_fixed(fd, a, h, 0, VT_PAGE, V - VT_PAGE, RW);	/* adjacent below */
	map_fixed(fd, a, h, 0, VT_PAGE, V + 4 * VT_PAGE, RW);	/* adjacent above */
	map_fixed(fd, b, h, 0, 4 * VT_PAGE, V, RW);		/* other ASID: independent */
	VT_OK(vxpu_vm_unmap(fd, a, V, 4 * VT_PAGE));
	map_fixed(fd, a, h, 4 * VT_PAGE, 4 * VT_PAGE, V, RW);	/* free again after unmap */
	close(fd);
}
END_TEST

START_TEST(vm_map_enoent)
{
	int fd = dt_open(0);
	uint32_t h = dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL), a = dt_asid(fd), dead = dt_asid(fd);
	uint32_t gone = dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL);
	uint64_t va;

	VT_OK(vxpu_asid_destroy(fd, dead));
	VT_OK(vxpu_bo_destroy(fd, gone));
	VT_ERR(vxpu_vm_map(fd, a, h + 1000, 0, VT_PAGE, RW, &va), ENOENT);
	VT_ERR(vxpu_vm_map(fd, a, 0, 0, VT_PAGE, RW, &va), ENOENT);
	VT_ERR(vxpu_vm_map(fd, a, gone, 0, VT_PAGE, RW, &va), ENOENT);
	VT_ERR(vxpu_vm_map(fd, 0, h, 0, VT_PAGE, RW, &va), ENOENT);
	VT_ERR(vxpu_vm_map(fd, a + 1000, h, 0, VT_PAGE, RW, &va), ENOENT);
	VT_ERR(vxpu_vm_map(fd, dead, h, 0, VT_PAGE, RW, &va), ENOENT);
	close(fd);
}
END_TEST

START_TEST(vm_unmap_errors)
{
	int fd = dt_open(0);
	uint32_t h = dt_bo(fd, 4 * VT_PAGE, VXPU_BO_GTT, NULL), a = dt_asid(fd);
	uint64_t v = dt_map(fd, a, h, 0, 4 * VT_PAGE, RW);
	struct drm_vxpu_vm_unmap u = { .asid = a, .flags = 1, .va = v, .size = 4 * VT_PAGE };
	char byte;

	VT_ERR(vxpu_ioctl(fd, DRM_IOCTL_VXPU_VM_UNMAP, &u), EINVAL);
	u.flags = 1u << 31;
	VT_ERR(vxpu_ioctl(fd, DRM_IOCTL_VXPU_VM_UNMAP, &u), EINVAL);
	VT_ERR(vxpu_vm_unmap(fd, a, v, 2 * VT_PAGE), EINVAL);	/* size differs */
	VT_ERR(vxpu_vm_unmap(fd, a, v, 8 * VT_PAGE), EINVAL);
	VT_ERR(vxpu_vm_unmap(fd, a, v, 4 * VT_PAGE + 1), EINVAL);	/* unaligned */
	/* an unaligned va is -EINVAL, not -ENOENT, even inside the mapping */
	VT_ERR(vxpu_vm_unmap(fd, a, v + 1, 4 * VT_PAGE), EINVAL);
	VT_ERR(vxpu_vm_unmap(fd, a, v + VT_PAGE - 1, 3 * VT_PAGE), EINVAL);
	VT_ERR(vxpu_vm_unmap(fd, a, v + 64 * VT_PAGE + 8, VT_PAGE), EINVAL);
	VT_ERR(vxpu_vm_unmap(fd, a, v + VT_PAGE, 3 * VT_PAGE), ENOENT); /* not a start */
	VT_ERR(vxpu_vm_unmap(fd, a, v + 64 * VT_PAGE, VT_PAGE), ENOENT);
	VT_ERR(vxpu_vm_unmap(fd, a + 1000, v, 4 * VT_PAGE), ENOENT);
	VT_ERR(vxpu_vm_unmap(fd, 0, v, 4 * VT_PAGE), ENOENT);
	VT_OK(vxpu_vm_read(fd, a, v, &byte, 1));	/* still mapped after all that */
	VT_OK(vxpu_vm_unmap(fd, a, v, 4 * VT_PAGE));
	VT_ERR(vxpu_vm_unmap(fd, a, v, 4 * VT_PAGE), ENOENT);
	VT_ERR(vxpu_vm_read(fd, a, v, &byte, 1), ENXIO);
	close(fd);
}
END_TEST

START_TEST(vm_mapping_holds_bo)
{
	uint32_t pl = placements[_i];
	int fd = dt_open(0);
	uint64_t free0 = dt_devinfo(fd).vram_free;
	uint32_t h = dt_bo(fd, 4 * VT_PAGE, pl, NULL), a = dt_asid(fd);
	uint64_t v = dt_map(fd, a, h, 0, 4 * VT_PAGE, RW);
	char buf[64], out[64];
	struct drm_vxpu_context_info ci;

	vt_fill_pattern(buf, sizeof(buf), 3);
	VT_OK(vxpu_vm_write(fd, a, v + 100, buf, sizeof(buf)));
	VT_OK(vxpu_bo_destroy(fd, h));			/* the mapping keeps it alive */
	ci = dt_ctxinfo(fd);
	ck_assert_uint_eq(ci.bo_count, 1);
	ck_assert_uint_eq(ci.quota_used, 4 * VT_PAGE);
	VT_OK(vxpu_vm_read(fd, a, v + 100, out, sizeof(out)));
	ck_assert_mem_eq(buf, out, sizeof(buf));
	VT_OK(vxpu_vm_unmap(fd, a, v, 4 * VT_PAGE));	/* last reference */
	ci = dt_ctxinfo(fd);
	ck_assert_uint_eq(ci.bo_count, 0);
	ck_assert_uint_eq(ci.quota_used, 0);
	ck_assert_uint_eq(dt_devinfo(fd).vram_free, free0);
	close(fd);
}
END_TEST

START_TEST(vm_asid_destroy_releases_mappings)
{
	uint32_t pl = placements[_i];
	int fd = dt_open(0);
	uint64_t free0 = dt_devinfo(fd).vram_free;
	uint32_t h = dt_bo(fd, 4 * VT_PAGE, pl, NULL), a = dt_asid(fd);

	dt_map(fd, a, h, 0, 4 * VT_PAGE, RW);
	dt_map(fd, a, h, VT_PAGE, VT_PAGE, VXPU_MAP_READ);
	VT_OK(vxpu_bo_destroy(fd, h));
	ck_assert_uint_eq(dt_ctxinfo(fd).bo_count, 1);
	VT_OK(vxpu_asid_destroy(fd, a));
	ck_assert_uint_eq(dt_ctxinfo(fd).bo_count, 0);
	ck_assert_uint_eq(dt_ctxinfo(fd).quota_used, 0);
	ck_assert_uint_eq(dt_devinfo(fd).vram_free, free0);
	close(fd);
}
END_TEST

TCase *dt_tcase_vm(void)
{
	TCase *tc = tcase_create("vm");

	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_test(tc, vm_map_auto_va);
	tcase_add_test(tc, vm_map_fixed_and_auto_disjoint);
	tcase_add_test(tc, vm_map_invalid_args);
	tcase_add_test(tc, vm_map_out_of_range);
	tcase_add_test(tc, vm_map_overlap);
	tcase_add_test(tc, vm_map_enoent);
	tcase_add_test(tc, vm_unmap_errors);
	tcase_add_loop_test(tc, vm_mapping_holds_bo, 0, 2);
	tcase_add_loop_test(tc, vm_asid_destroy_releases_mappings, 0, 2);
	return tc;
}

/* ---------------------------------------------------------- device view */

START_TEST(rw_roundtrip_cpu_and_device)
{
	uint32_t pl = placements[_i];
	int fd = dt_open(0);
	const uint64_t sz = 16 * VT_PAGE;
	uint32_t h = dt_bo(fd, sz, pl, NULL), a = dt_asid(fd);
	uint64_t v = dt_map(fd, a, h, 0, sz, RW);
	uint8_t *cpu = dt_mmap(fd, h, sz), *buf = malloc(sz);
	long bad;

	ck_assert_ptr_nonnull(buf);
	vt_fill_pattern(buf, sz, 21);
	VT_OK(vxpu_vm_write(fd, a, v, buf, sz));
	bad = vt_check_pattern(cpu, sz, 21);
	ck_assert_msg(bad < 0, "%s: CPU view differs from device write at %ld", PLACEMENT_NAME(pl),
		      bad);
	vt_fill_pattern(cpu, sz, 22);
	memset(buf, 0, sz);
	VT_OK(vxpu_vm_read(fd, a, v, buf, sz));
	bad = vt_check_pattern(buf, sz, 22);
	ck_assert_msg(bad < 0, "%s: device view differs from CPU write at %ld", PLACEMENT_NAME(pl),
		      bad);
	free(buf);
	munmap(cpu, sz);
	close(fd);
}
END_TEST

START_TEST(rw_new_memory_zero_device_view)
{
	uint32_t pl = placements[_i];
	int fd = dt_open(0);
	const uint64_t sz = 64 * VT_PAGE;
	uint8_t *buf = malloc(sz);

	ck_assert_ptr_nonnull(buf);
	for (int round = 0; round < 3; round++) {
		uint32_t h = dt_bo(fd, sz, pl, NULL), a = dt_asid(fd);
		uint64_t v = dt_map(fd, a, h, 0, sz, RW);
		long nz;

		memset(buf, 0x5a, sz);
		VT_OK(vxpu_vm_read(fd, a, v, buf, sz));
		nz = vt_first_nonzero(buf, sz);
		ck_assert_msg(nz < 0, "%s round %d: device view byte %ld of a new BO is %#x",
			      PLACEMENT_NAME(pl), round, nz, nz >= 0 ? buf[nz] : 0);
		memset(buf, 0xc3, sz);
		VT_OK(vxpu_vm_write(fd, a, v, buf, sz));	/* dirty it for the next round */
		VT_OK(vxpu_asid_destroy(fd, a));
		VT_OK(vxpu_bo_destroy(fd, h));
	}
	free(buf);
	close(fd);
}
END_TEST

START_TEST(rw_byte_granular)
{
	uint32_t pl = placements[_i];
	int fd = dt_open(0);
	uint32_t h = dt_bo(fd, 2 * VT_PAGE, pl, NULL), a = dt_asid(fd);
	uint64_t v = dt_map(fd, a, h, 0, 2 * VT_PAGE, RW);
	uint8_t *cpu = dt_mmap(fd, h, 2 * VT_PAGE);
	uint8_t in[3] = { 0x11, 0x22, 0x33 }, out[5] = { 0 };

	VT_OK(vxpu_vm_write(fd, a, v + VT_PAGE - 2, in, 3));	/* crosses the page boundary */
	ck_assert_uint_eq(cpu[VT_PAGE - 3], 0);
	ck_assert_uint_eq(cpu[VT_PAGE - 2], 0x11);
	ck_assert_uint_eq(cpu[VT_PAGE - 1], 0x22);
	ck_assert_uint_eq(cpu[VT_PAGE], 0x33);
	ck_assert_uint_eq(cpu[VT_PAGE + 1], 0);
	cpu[7] = 0x77;
	VT_OK(vxpu_vm_read(fd, a, v + 7, out, 1));
	ck_assert_uint_eq(out[0], 0x77);
	VT_OK(vxpu_vm_read(fd, a, v + VT_PAGE - 3, out, 5));
	ck_assert_uint_eq(out[0], 0);
	ck_assert_uint_eq(out[1], 0x11);
	ck_assert_uint_eq(out[3], 0x33);
	ck_assert_uint_eq(out[4], 0);
	VT_OK(vxpu_vm_read(fd, a, v + 2 * VT_PAGE - 1, out, 1));	/* last byte */
	munmap(cpu, 2 * VT_PAGE);
	close(fd);
}
END_TEST

START_TEST(rw_bo_offset)
{
	uint32_t pl = placements[_i];
	int fd = dt_open(0);
	uint32_t h = dt_bo(fd, 4 * VT_PAGE, pl, NULL), a = dt_asid(fd);
	uint8_t *cpu = dt_mmap(fd, h, 4 * VT_PAGE);
	uint64_t v = dt_map(fd, a, h, 2 * VT_PAGE, VT_PAGE, RW);
	uint8_t buf[VXPU_PAGE_SIZE];

	vt_fill_pattern(cpu + 2 * VT_PAGE, VT_PAGE, 31);
	VT_OK(vxpu_vm_read(fd, a, v, buf, VT_PAGE));
	ck_assert_int_eq(vt_check_pattern(buf, VT_PAGE, 31), -1);
	vt_fill_pattern(buf, VT_PAGE, 32);
	VT_OK(vxpu_vm_write(fd, a, v, buf, VT_PAGE));
	ck_assert_int_eq(vt_check_pattern(cpu + 2 * VT_PAGE, VT_PAGE, 32), -1);
	ck_assert_int_eq(vt_first_nonzero(cpu, 2 * VT_PAGE), -1);
	ck_assert_int_eq(vt_first_nonzero(cpu + 3 * VT_PAGE, VT_PAGE), -1);
	munmap(cpu, 4 * VT_PAGE);
	close(fd);
}
END_TEST

START_TEST(rw_across_mappings)
{
	int fd = dt_open(0);
	struct drm_vxpu_device_info di = dt_devinfo(fd);
	uint32_t hv = dt_bo(fd, VT_PAGE, VXPU_BO_VRAM, NULL);
	uint32_t hg = dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL), a = dt_asid(fd);
	uint64_t V = di.va_start + 32 * VT_PAGE;
	uint8_t *cv = dt_mmap(fd, hv, VT_PAGE), *cg = dt_mmap(fd, hg, VT_PAGE);
	uint8_t buf[2 * VXPU_PAGE_SIZE], out[2 * VXPU_PAGE_SIZE];

	map_fixed(fd, a, hv, 0, VT_PAGE, V, RW);
	map_fixed(fd, a, hg, 0, VT_PAGE, V + VT_PAGE, RW);
	vt_fill_pattern(buf, sizeof(buf), 41);
	VT_OK(vxpu_vm_write(fd, a, V, buf, sizeof(buf)));
	ck_assert_mem_eq(cv, buf, VT_PAGE);
	ck_assert_mem_eq(cg, buf + VT_PAGE, VT_PAGE);
	VT_OK(vxpu_vm_read(fd, a, V + 10, out, sizeof(out) - 20));
	ck_assert_mem_eq(out, buf + 10, sizeof(out) - 20);
	munmap(cv, VT_PAGE);
	munmap(cg, VT_PAGE);
	close(fd);
}
END_TEST

START_TEST(rw_two_asids_same_bo)
{
	uint32_t pl = placements[_i];
	int fd = dt_open(0);
	uint32_t h = dt_bo(fd, 2 * VT_PAGE, pl, NULL), a = dt_asid(fd), b = dt_asid(fd);
	uint64_t va = dt_map(fd, a, h, 0, 2 * VT_PAGE, RW);
	uint64_t vb = dt_map(fd, b, h, VT_PAGE, VT_PAGE, VXPU_MAP_READ);
	uint8_t buf[256], out[256];

	vt_fill_pattern(buf, sizeof(buf), 51);
	VT_OK(vxpu_vm_write(fd, a, va + VT_PAGE + 40, buf, sizeof(buf)));
	VT_OK(vxpu_vm_read(fd, b, vb + 40, out, sizeof(out)));
	ck_assert_mem_eq(buf, out, sizeof(buf));
	close(fd);
}
END_TEST

START_TEST(rw_enxio)
{
	int fd = dt_open(0);
	struct drm_vxpu_device_info di = dt_devinfo(fd);
	uint32_t h = dt_bo(fd, 2 * VT_PAGE, VXPU_BO_GTT, NULL), a = dt_asid(fd);
	uint64_t V = di.va_start + 128 * VT_PAGE;
	uint8_t buf[512] = { 0 };

	VT_ERR(vxpu_vm_read(fd, a, V, buf, 1), ENXIO);		/* nothing mapped at all */
	VT_ERR(vxpu_vm_write(fd, a, V, buf, 1), ENXIO);
	map_fixed(fd, a, h, 0, VT_PAGE, V, RW);
	map_fixed(fd, a, h, VT_PAGE, VT_PAGE, V + 2 * VT_PAGE, RW);	/* hole at V+1 page */
	VT_OK(vxpu_vm_read(fd, a, V, buf, 16));
	VT_ERR(vxpu_vm_read(fd, a, V + VT_PAGE - 100, buf, 200), ENXIO);	/* runs into hole */
	VT_ERR(vxpu_vm_write(fd, a, V + VT_PAGE - 100, buf, 200), ENXIO);
	VT_ERR(vxpu_vm_read(fd, a, V + VT_PAGE + 5, buf, 10), ENXIO);
	VT_ERR(vxpu_vm_read(fd, a, V - VT_PAGE, buf, 1), ENXIO);	/* below the first */
	VT_ERR(vxpu_vm_read(fd, a, di.va_end, buf, 1), ENXIO);		/* outside the window */
	VT_ERR(vxpu_vm_read(fd, a, di.va_end - 1, buf, 1), ENXIO);
	VT_OK(vxpu_vm_unmap(fd, a, V, VT_PAGE));
	VT_ERR(vxpu_vm_read(fd, a, V, buf, 1), ENXIO);			/* after unmap */
	VT_ERR(vxpu_vm_write(fd, a, V + 10, buf, 1), ENXIO);
	close(fd);
}
END_TEST

START_TEST(rw_eacces)
{
	int fd = dt_open(0);
	struct drm_vxpu_device_info di = dt_devinfo(fd);
	uint32_t h = dt_bo(fd, 4 * VT_PAGE, VXPU_BO_GTT, NULL), a = dt_asid(fd);
	uint64_t V = di.va_start + 256 * VT_PAGE;
	uint8_t *cpu = dt_mmap(fd, h, 4 * VT_PAGE);
	uint8_t buf[64];

	map_fixed(fd, a, h, 0, VT_PAGE, V, VXPU_MAP_READ);
	map_fixed(fd, a, h, VT_PAGE, VT_PAGE, V + VT_PAGE, VXPU_MAP_WRITE);
	map_fixed(fd, a, h, 2 * VT_PAGE, VT_PAGE, V + 2 * VT_PAGE, RW);
	memset(buf, 0xee, sizeof(buf));
	VT_ERR(vxpu_vm_write(fd, a, V, buf, 8), EACCES);		/* read-only page */
	ck_assert_int_eq(vt_first_nonzero(cpu, VT_PAGE), -1);	/* and nothing written */
	VT_OK(vxpu_vm_read(fd, a, V, buf, 8));
	VT_ERR(vxpu_vm_read(fd, a, V + VT_PAGE, buf, 8), EACCES);	/* write-only page */
	memset(buf, 0xee, sizeof(buf));
	VT_OK(vxpu_vm_write(fd, a, V + VT_PAGE, buf, 8));
	ck_assert_uint_eq(cpu[VT_PAGE], 0xee);
	/* ranges that are partly allowed */
	VT_ERR(vxpu_vm_write(fd, a, V + VT_PAGE - 4, buf, 8), EACCES);	/* R then W */
	VT_ERR(vxpu_vm_read(fd, a, V + 2 * VT_PAGE - 4, buf, 8), EACCES);	/* W then RW */
	VT_OK(vxpu_vm_write(fd, a, V + 2 * VT_PAGE - 4, buf, 8));		/* W then RW */
	close(fd);
}
END_TEST

START_TEST(rw_efault)
{
	int fd = dt_open(0);
	uint32_t h = dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL), a = dt_asid(fd);
	uint64_t v = dt_map(fd, a, h, 0, VT_PAGE, RW);
	void *ro = mmap(NULL, VT_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *none = mmap(NULL, VT_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(ro, MAP_FAILED);
	ck_assert_ptr_ne(none, MAP_FAILED);
	VT_ERR(rw_raw(fd, DRM_IOCTL_VXPU_VM_READ, a, v, 16, 0, 0), EFAULT);
	VT_ERR(rw_raw(fd, DRM_IOCTL_VXPU_VM_WRITE, a, v, 16, 0, 0), EFAULT);
	VT_ERR(rw_raw(fd, DRM_IOCTL_VXPU_VM_READ, a, v, 16, 16, 0), EFAULT);
	VT_ERR(rw_raw(fd, DRM_IOCTL_VXPU_VM_READ, a, v, 16, (uintptr_t)none, 0), EFAULT);
	VT_ERR(rw_raw(fd, DRM_IOCTL_VXPU_VM_WRITE, a, v, 16, (uintptr_t)none, 0), EFAULT);
	VT_ERR(rw_raw(fd, DRM_IOCTL_VXPU_VM_READ, a, v, 16, (uintptr_t)ro, 0), EFAULT);
	VT_OK(rw_raw(fd, DRM_IOCTL_VXPU_VM_WRITE, a, v, 16, (uintptr_t)ro, 0)); /* reading it is fine */
	VT_ERR(rw_raw(fd, DRM_IOCTL_VXPU_VM_READ, a, v, 16, 0xffff800000000000ULL, 0), EFAULT);
	munmap(ro, VT_PAGE);
	munmap(none, VT_PAGE);
	close(fd);
}
END_TEST

START_TEST(rw_einval_enoent)
{
	int fd = dt_open(0);
	uint32_t h = dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL), a = dt_asid(fd);
	uint64_t v = dt_map(fd, a, h, 0, VT_PAGE, RW);
	uint8_t buf[16];
	uint64_t p = (uintptr_t)buf;
	unsigned long req[2] = { DRM_IOCTL_VXPU_VM_READ, DRM_IOCTL_VXPU_VM_WRITE };

	for (int i = 0; i < 2; i++) {
		VT_ERR(rw_raw(fd, req[i], a, v, 0, p, 0), EINVAL);			/* size 0 */
		VT_ERR(rw_raw(fd, req[i], a, v, (1ULL << 30) + 1, p, 0), EINVAL);	/* > 1 GiB */
		VT_ERR(rw_raw(fd, req[i], a, v, ~0ULL, p, 0), EINVAL);
		VT_ERR(rw_raw(fd, req[i], a, ~0ULL - 3, 16, p, 0), EINVAL);		/* va overflow */
		VT_ERR(rw_raw(fd, req[i], a, v, 16, p, 1), EINVAL);			/* flags */
		VT_ERR(rw_raw(fd, req[i], a, v, 16, p, 1u << 31), EINVAL);
		VT_ERR(rw_raw(fd, req[i], a + 1000, v, 16, p, 0), ENOENT);		/* bad ASID */
		VT_ERR(rw_raw(fd, req[i], 0, v, 16, p, 0), ENOENT);
		VT_OK(rw_raw(fd, req[i], a, v, 16, p, 0));
	}
	close(fd);
}
END_TEST

/*
 * The user buffer of VM_READ/VM_WRITE is itself a CPU mapping of a vxpu BO
 * (not yet faulted in): the copy faults on a vxpu mapping while the device
 * view is being walked, which must neither deadlock nor fail.
 */
START_TEST(rw_user_buffer_is_bo_mapping)
{
	uint32_t pl = placements[_i];
	int fd = dt_open(0);
	const uint64_t sz = 8 * VT_PAGE;
	uint32_t h = dt_bo(fd, 2 * sz, pl, NULL), h2 = dt_bo(fd, sz, pl, NULL), a = dt_asid(fd);
	uint64_t v = dt_map(fd, a, h, 0, 2 * sz, RW);
	uint8_t *self = dt_mmap(fd, h, 2 * sz);		/* fresh: no page faulted yet */
	uint8_t *other = dt_mmap(fd, h2, sz);
	uint8_t *tmp = malloc(sz);

	ck_assert_ptr_nonnull(tmp);
	/* the same BO: copy its first half onto its second half through the device view */
	vt_fill_pattern(tmp, sz, 111);
	VT_OK(vxpu_vm_write(fd, a, v, tmp, sz));
	munmap(self, 2 * sz);
	self = dt_mmap(fd, h, 2 * sz);
	VT_OK(vxpu_vm_write(fd, a, v + sz, self, sz));	/* source: mapping of the same BO */
	ck_assert_int_eq(vt_check_pattern(self + sz, sz, 111), -1);
	munmap(self, 2 * sz);
	self = dt_mmap(fd, h, 2 * sz);
	VT_OK(vxpu_vm_read(fd, a, v, self + sz, sz));	/* destination: the same BO */
	ck_assert_int_eq(vt_check_pattern(self + sz, sz, 111), -1);
	/* another BO's fresh mapping as the destination */
	VT_OK(vxpu_vm_read(fd, a, v, other, sz));
	ck_assert_int_eq(vt_check_pattern(other, sz, 111), -1);
	free(tmp);
	munmap(self, 2 * sz);
	munmap(other, sz);
	close(fd);
}
END_TEST

START_TEST(rw_large)
{
	uint32_t pl = placements[_i];
	int fd = dt_open(0);
	const uint64_t sz = 4ULL << 20;
	uint32_t h = dt_bo(fd, sz, pl, NULL), a = dt_asid(fd);
	uint64_t v = dt_map(fd, a, h, 0, sz, RW);
	uint8_t *in = malloc(sz), *out = malloc(sz), *cpu = dt_mmap(fd, h, sz);

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	vt_fill_pattern(in, sz, 61);
	VT_OK(vxpu_vm_write(fd, a, v, in, sz));
	VT_OK(vxpu_vm_read(fd, a, v, out, sz));
	ck_assert_int_eq(vt_check_pattern(out, sz, 61), -1);
	ck_assert_int_eq(vt_check_pattern(cpu, sz, 61), -1);
	/* every page of a large mapping goes with the unmap, not just a first batch */
	VT_OK(vxpu_vm_unmap(fd, a, v, sz));
	for (uint64_t o = 0; o < sz; o += 256 * VT_PAGE)
		VT_ERR(vxpu_vm_read(fd, a, v + o, out, 1), ENXIO);
	VT_ERR(vxpu_vm_read(fd, a, v + sz - 1, out, 1), ENXIO);
	v = dt_map(fd, a, h, 0, sz, RW);	/* and again, torn down by close() */
	free(in);
	free(out);
	munmap(cpu, sz);
	close(fd);
}
END_TEST

TCase *dt_tcase_vm_rw(void)
{
	TCase *tc = tcase_create("vm_rw");

	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_loop_test(tc, rw_roundtrip_cpu_and_device, 0, 2);
	tcase_add_loop_test(tc, rw_new_memory_zero_device_view, 0, 2);
	tcase_add_loop_test(tc, rw_byte_granular, 0, 2);
	tcase_add_loop_test(tc, rw_bo_offset, 0, 2);
	tcase_add_test(tc, rw_across_mappings);
	tcase_add_loop_test(tc, rw_two_asids_same_bo, 0, 2);
	tcase_add_test(tc, rw_enxio);
	tcase_add_test(tc, rw_eacces);
	tcase_add_test(tc, rw_efault);
	tcase_add_test(tc, rw_einval_enoent);
	tcase_add_loop_test(tc, rw_user_buffer_is_bo_mapping, 0, 2);
	tcase_add_loop_test(tc, rw_large, 0, 2);
	return tc;
}

/* ------------------------------------------------------------ ioctl ABI */

START_TEST(abi_unknown_ioctl)
{
	int fd = dt_open(0);
	uint64_t arg[8] = { 0 };

	VT_ERR(vxpu_ioctl(fd, DRM_IO(DRM_COMMAND_BASE + 0x5f), NULL), EINVAL);
	VT_ERR(vxpu_ioctl(fd, DRM_IOWR(DRM_COMMAND_BASE + 0x5f, uint64_t[8]), arg), EINVAL);
	VT_ERR(vxpu_ioctl(fd, DRM_IOWR(DRM_COMMAND_BASE + 0x9f, uint64_t[2]), arg), EINVAL);
	close(fd);
}
END_TEST

struct abi_fixture {
	int fd;
	uint32_t h, a;
	uint64_t va;
	uint8_t data[64];
};

enum { N_IOCTLS = 11 };

static const struct {
	const char *name;
	unsigned long cmd;
	size_t size;
} abi_ioctls[N_IOCTLS] = {
	{ "DEVICE_INFO", DRM_IOCTL_VXPU_DEVICE_INFO, sizeof(struct drm_vxpu_device_info) },
	{ "CONTEXT_INFO", DRM_IOCTL_VXPU_CONTEXT_INFO, sizeof(struct drm_vxpu_context_info) },
	{ "CONTEXT_SET_QUOTA", DRM_IOCTL_VXPU_CONTEXT_SET_QUOTA,
	  sizeof(struct drm_vxpu_context_set_quota) },
	{ "BO_CREATE", DRM_IOCTL_VXPU_BO_CREATE, sizeof(struct drm_vxpu_bo_create) },
	{ "BO_INFO", DRM_IOCTL_VXPU_BO_INFO, sizeof(struct drm_vxpu_bo_info) },
	{ "ASID_CREATE", DRM_IOCTL_VXPU_ASID_CREATE, sizeof(struct drm_vxpu_asid_create) },
	{ "ASID_DESTROY", DRM_IOCTL_VXPU_ASID_DESTROY, sizeof(struct drm_vxpu_asid_destroy) },
	{ "VM_MAP", DRM_IOCTL_VXPU_VM_MAP, sizeof(struct drm_vxpu_vm_map) },
	{ "VM_UNMAP", DRM_IOCTL_VXPU_VM_UNMAP, sizeof(struct drm_vxpu_vm_unmap) },
	{ "VM_READ", DRM_IOCTL_VXPU_VM_READ, sizeof(struct drm_vxpu_vm_rw) },
	{ "VM_WRITE", DRM_IOCTL_VXPU_VM_WRITE, sizeof(struct drm_vxpu_vm_rw) },
};

static void abi_setup(struct abi_fixture *f)
{
	f->fd = dt_open(0);
	f->h = dt_bo(f->fd, 4 * VT_PAGE, VXPU_BO_GTT, NULL);
	f->a = dt_asid(f->fd);
	f->va = dt_map(f->fd, f->a, f->h, 0, VT_PAGE, RW);
}

/* Write into @buf a valid argument for ioctl @i (may create objects for it). */
static void abi_valid_arg(struct abi_fixture *f, int i, void *buf)
{
	memset(buf, 0, 256);
	switch (i) {
	case 0: case 1: case 5:
		break;
	case 2: {
		struct drm_vxpu_context_set_quota q = { .quota = dt_ctxinfo(f->fd).quota };

		memcpy(buf, &q, sizeof(q));
		break;
	}
	case 3: {
		struct drm_vxpu_bo_create c = { .size = VT_PAGE, .placement = VXPU_BO_GTT };

		memcpy(buf, &c, sizeof(c));
		break;
	}
	case 4: {
		struct drm_vxpu_bo_info b = { .handle = f->h };

		memcpy(buf, &b, sizeof(b));
		break;
	}
	case 6: {
		struct drm_vxpu_asid_destroy d = { .asid = dt_asid(f->fd) };

		memcpy(buf, &d, sizeof(d));
		break;
	}
	case 7: {
		struct drm_vxpu_vm_map m = {
			.asid = f->a, .handle = f->h, .size = VT_PAGE, .flags = VXPU_MAP_READ,
		};

		memcpy(buf, &m, sizeof(m));
		break;
	}
	case 8: {
		struct drm_vxpu_vm_unmap u = {
			.asid = f->a, .va = dt_map(f->fd, f->a, f->h, VT_PAGE, VT_PAGE, RW),
			.size = VT_PAGE,
		};

		memcpy(buf, &u, sizeof(u));
		break;
	}
	case 9: case 10: {
		struct drm_vxpu_vm_rw rw = {
			.asid = f->a, .va = f->va, .size = sizeof(f->data),
			.user_ptr = (uintptr_t)f->data,
		};

		memcpy(buf, &rw, sizeof(rw));
		break;
	}
	}
}

START_TEST(abi_short_struct)
{
	struct abi_fixture f;
	uint64_t buf[32];
	int i = _i;
	size_t sz = abi_ioctls[i].size;
	size_t shorter[] = { sz - 4, sz >= 16 ? sz - 8 : 4, 4 };

	abi_setup(&f);
	for (unsigned int k = 0; k < 3; k++) {
		int r;

		abi_valid_arg(&f, i, buf);
		r = vxpu_ioctl(f.fd, vt_ioctl_resize(abi_ioctls[i].cmd, shorter[k]), buf);
		ck_assert_msg(r == -EINVAL, "%s with %zu of %zu bytes: %d (%s), expected -EINVAL",
			      abi_ioctls[i].name, shorter[k], sz, r, vxpu_strerror(r));
	}
	close(f.fd);
}
END_TEST

START_TEST(abi_oversized_nonzero_tail)
{
	struct abi_fixture f;
	uint64_t buf[32];
	int i = _i;
	size_t sz = abi_ioctls[i].size;
	struct { size_t extra, at; } v[] = { { 8, 0 }, { 8, 7 }, { 64, 63 }, { 4, 2 } };
	struct drm_vxpu_context_info before, after;

	abi_setup(&f);
	before = dt_ctxinfo(f.fd);
	for (unsigned int k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		int r;

		abi_valid_arg(&f, i, buf);
		((uint8_t *)buf)[sz + v[k].at] = 0x01;
		r = vxpu_ioctl(f.fd, vt_ioctl_resize(abi_ioctls[i].cmd, sz + v[k].extra), buf);
		ck_assert_msg(r == -E2BIG, "%s with %zu bytes, byte %zu non-zero: %d (%s), "
			      "expected -E2BIG", abi_ioctls[i].name, sz + v[k].extra, sz + v[k].at,
			      r, vxpu_strerror(r));
	}
	after = dt_ctxinfo(f.fd);
	if (i == 3) /* refused BO_CREATE created nothing */
		ck_assert_uint_eq(after.bo_count, before.bo_count);
	close(f.fd);
}
END_TEST

START_TEST(abi_oversized_zero_tail)
{
	struct abi_fixture f;
	uint64_t buf[32];
	int i = _i;
	size_t sz = abi_ioctls[i].size;
	size_t extra[] = { 8, 64, 4 };

	abi_setup(&f);
	for (unsigned int k = 0; k < 3; k++) {
		int r;

		abi_valid_arg(&f, i, buf);
		r = vxpu_ioctl(f.fd, vt_ioctl_resize(abi_ioctls[i].cmd, sz + extra[k]), buf);
		ck_assert_msg(r == 0, "%s with %zu bytes, zero tail: %d (%s), expected success",
			      abi_ioctls[i].name, sz + extra[k], r, vxpu_strerror(r));
		/* what the kernel does not know it leaves alone (zero) on the way back */
		for (size_t b = sz; b < sz + extra[k]; b++)
			ck_assert_msg(((uint8_t *)buf)[b] == 0, "%s: tail byte %zu came back as %#x",
				      abi_ioctls[i].name, b, ((uint8_t *)buf)[b]);
		if (i == 0) {
			struct drm_vxpu_device_info *di = (void *)buf;

			ck_assert_uint_eq(di->gpu_id, dt_devinfo(f.fd).gpu_id);
		}
	}
	close(f.fd);
}
END_TEST

TCase *dt_tcase_abi(void)
{
	TCase *tc = tcase_create("abi");

	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_test(tc, abi_unknown_ioctl);
	tcase_add_loop_test(tc, abi_short_struct, 0, N_IOCTLS);
	tcase_add_loop_test(tc, abi_oversized_nonzero_tail, 0, N_IOCTLS);
	tcase_add_loop_test(tc, abi_oversized_zero_tail, 0, N_IOCTLS);
	return tc;
}
