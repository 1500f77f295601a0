// SPDX-License-Identifier: MIT
/*
 * grant-bench: revoke latency of grants (issue 5) next to the teardown of
 * the same mappings of an ordinary BO, in the same guest.
 *
 * For each size (4 KiB .. 256 MiB) and each mapping shape (A ASIDs x C CPU
 * mappings, every page of every CPU mapping touched so that there are
 * page table entries to zap):
 *   revoke  DRM_VXPU_GRANT_REVOKE of a grant mapped that way
 *   munmap  munmap() of the C CPU mappings + DRM_VXPU_VM_UNMAP of the A ASID
 *           mappings of a plain BO of the same size mapped the same way
 * median and p99 (with few repetitions: the maximum) of each, and their
 * ratio (revoke / munmap, medians). Then grant+map+revoke cycles per second.
 *
 * usage: grant-bench [--quick]   (--quick: sizes up to 16 MiB, fewer reps)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "libvxpu.h"

#define MAXMAP 8
#define MAXASID 4

static void die(const char *what, int r)
{
	fprintf(stderr, "grant-bench: %s: %s\n", what, vxpu_strerror(r));
	exit(1);
}

#define CHECK(expr) do { int r_ = (expr); if (r_ < 0) die(#expr, r_); } while (0)

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void stats(double *v, int n, double *med, double *p99)
{
	int i99 = (int)(0.99 * (n - 1) + 0.999);

	qsort(v, n, sizeof(*v), cmp_d);
	*med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	*p99 = v[i99 >= n ? n - 1 : i99];
}

struct shape {
	int fd;
	uint32_t handle;
	uint64_t size;
	uint32_t asid[MAXASID];
	uint64_t va[MAXASID];
	void *cpu[MAXMAP];
	int nasid, ncpu;
};

/* map @handle (mmap offset @off) of @fd in s->nasid ASIDs and s->ncpu CPU mappings, touched */
static void map_shape(struct shape *s, uint64_t off)
{
	for (int a = 0; a < s->nasid; a++)
		CHECK(vxpu_vm_map(s->fd, s->asid[a], s->handle, 0, s->size, VXPU_MAP_READ,
				  &s->va[a]));
	for (int c = 0; c < s->ncpu; c++) {
		volatile uint8_t *p;

		CHECK(vxpu_bo_mmap(s->fd, off, s->size, PROT_READ, &s->cpu[c]));
		p = s->cpu[c];
		for (uint64_t o = 0; o < s->size; o += 4096)
			(void)p[o];
	}
}

static double one_revoke(int be, int fe, uint32_t fe_id, uint32_t bh, struct shape *s)
{
	struct drm_vxpu_grant_map m;
	uint64_t id;
	double t0, t;

	CHECK(vxpu_grant_create(be, bh, 0, s->size, fe_id, VXPU_GRANT_READ, &id));
	CHECK(vxpu_grant_map(fe, id, VXPU_GRANT_READ, &m));
	s->fd = fe;
	s->handle = m.handle;
	map_shape(s, m.mmap_offset);
	t0 = now_us();
	CHECK(vxpu_grant_revoke(be, id));
	t = now_us() - t0;
	for (int c = 0; c < s->ncpu; c++)
		munmap(s->cpu[c], s->size);
	for (int a = 0; a < s->nasid; a++)
		CHECK(vxpu_vm_unmap(fe, s->asid[a], s->va[a], s->size));
	CHECK(vxpu_bo_destroy(fe, m.handle));
	return t;
}

static double one_munmap(int fe, uint32_t fh, uint64_t foff, struct shape *s)
{
	double t0;

	s->fd = fe;
	s->handle = fh;
	map_shape(s, foff);
	t0 = now_us();
	for (int c = 0; c < s->ncpu; c++)
		munmap(s->cpu[c], s->size);
	for (int a = 0; a < s->nasid; a++)
		CHECK(vxpu_vm_unmap(fe, s->asid[a], s->va[a], s->size));
	return now_us() - t0;
}

int main(int argc, char **argv)
{
	static const uint64_t sizes[] = { 4096, 64 << 10, 1 << 20, 16 << 20, 256 << 20 };
	static const int shapes[][2] = { { 1, 1 }, { 1, 8 }, { 4, 1 }, { 4, 8 } };
	int quick = argc > 1 && !strcmp(argv[1], "--quick");
	struct drm_vxpu_context_info ci;
	struct drm_vxpu_bo_info bi;
	int be = vxpu_open_index(0), fe = vxpu_open_index(0);
	double rv[64], mu[64];

	if (be < 0 || fe < 0)
		die("open device 0", be < 0 ? be : fe);
	CHECK(vxpu_context_info(fe, &ci));

	printf("grant revoke latency vs munmap of the same mappings (us; A ASIDs x C CPU mappings, "
	       "every page touched)\n");
	printf("%10s %5s %10s %10s %10s %10s %7s\n", "size", "AxC", "revoke_med", "revoke_p99",
	       "munmap_med", "munmap_p99", "ratio");
	for (unsigned int si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		uint64_t size = sizes[si];
		int reps = size <= (1 << 20) ? 21 : size <= (16 << 20) ? 7 : 3;
		uint32_t bh, fh;

		if (quick && size > (16 << 20))
			break;
		if (quick)
			reps = reps > 5 ? 5 : reps;
		CHECK(vxpu_bo_create(be, size, VXPU_BO_GTT, &bh, NULL));
		CHECK(vxpu_bo_create(fe, size, VXPU_BO_GTT, &fh, NULL));
		CHECK(vxpu_bo_info(fe, fh, &bi));
		for (unsigned int sh = 0; sh < sizeof(shapes) / sizeof(shapes[0]); sh++) {
			struct shape s = { .size = size, .nasid = shapes[sh][0],
					   .ncpu = shapes[sh][1] };
			double rmed, rp99, mmed, mp99;

			for (int a = 0; a < s.nasid; a++)
				CHECK(vxpu_asid_create(fe, 0, &s.asid[a]));
			for (int i = 0; i < reps; i++) {
				rv[i] = one_revoke(be, fe, ci.ctx_id, bh, &s);
				mu[i] = one_munmap(fe, fh, bi.mmap_offset, &s);
			}
			for (int a = 0; a < s.nasid; a++)
				CHECK(vxpu_asid_destroy(fe, s.asid[a]));
			stats(rv, reps, &rmed, &rp99);
			stats(mu, reps, &mmed, &mp99);
			printf("%10llu %3dx%d %10.1f %10.1f %10.1f %10.1f %7.2f\n",
			       (unsigned long long)size, s.nasid, s.ncpu, rmed, rp99, mmed, mp99,
			       mmed > 0 ? rmed / mmed : 0.0);
			fflush(stdout);
		}
		CHECK(vxpu_bo_destroy(be, bh));
		CHECK(vxpu_bo_destroy(fe, fh));
	}

	/* grant + map + revoke (+ the frontend's GEM_CLOSE) of one page */
	{
		double t0 = now_us(), secs = quick ? 0.5 : 2.0;
		struct drm_vxpu_grant_map m;
		unsigned long n = 0;
		uint64_t id;
		uint32_t bh;

		CHECK(vxpu_bo_create(be, 4096, VXPU_BO_GTT, &bh, NULL));
		while (now_us() - t0 < secs * 1e6) {
			CHECK(vxpu_grant_create(be, bh, 0, 4096, ci.ctx_id, VXPU_GRANT_READ, &id));
			CHECK(vxpu_grant_map(fe, id, VXPU_GRANT_READ, &m));
			CHECK(vxpu_grant_revoke(be, id));
			CHECK(vxpu_bo_destroy(fe, m.handle));
			n++;
		}
		printf("grant+map+revoke cycles/s (4 KiB, + GEM_CLOSE): %.0f\n",
		       n / ((now_us() - t0) / 1e6));
		CHECK(vxpu_bo_destroy(be, bh));
	}
	close(fe);
	close(be);
	return 0;
}
