// SPDX-License-Identifier: MIT
/*
 * bench: vxpu micro-benchmarks, printed as a table (no pass/fail on timing).
 *   - BO create+destroy per second, both placements
 *   - VM map+unmap per second, 4 KiB .. 64 MiB
 *   - VM_READ / VM_WRITE throughput next to memcpy of the same bytes in the
 *     same process, with the ratio, 4 KiB .. 64 MiB, both placements
 *
 * usage: bench [--device N] [--min-time SECONDS]   (default 0, 0.3)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libvxpu.h"

#define RW (VXPU_MAP_READ | VXPU_MAP_WRITE)
static double g_min_time = 0.3;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench: %s: %s\n", what, vxpu_strerror(err));
	exit(1);
}

static const char *human(uint64_t b, char *buf, size_t n)
{
	if (b >= (1ULL << 20))
		snprintf(buf, n, "%llu MiB", (unsigned long long)(b >> 20));
	else
		snprintf(buf, n, "%llu KiB", (unsigned long long)(b >> 10));
	return buf;
}

/* run @fn until g_min_time passed and at least @min_iter times; return iterations/s */
#define RATE(min_iter, body) ({ \
	double t0_ = now(), el_; \
	unsigned long it_ = 0; \
	do { body; it_++; el_ = now() - t0_; } while (it_ < (min_iter) || el_ < g_min_time); \
	(double)it_ / el_; \
})

static void bench_create(int fd)
{
	static const uint64_t sizes[] = { 4096, 1 << 20 };

	printf("\n%-28s %14s\n", "BO create+destroy", "per second");
	for (int p = VXPU_BO_VRAM; p <= VXPU_BO_GTT; p++)
		for (unsigned int s = 0; s < 2; s++) {
			char hb[32], label[64];
			double r = RATE(20, {
				uint32_t h;
				int e = vxpu_bo_create(fd, sizes[s], (uint32_t)p, &h, NULL);

				if (e)
					die("bo_create", e);
				e = vxpu_bo_destroy(fd, h);
				if (e)
					die("bo_destroy", e);
			});

			snprintf(label, sizeof(label), "  %s %s", p == VXPU_BO_VRAM ? "VRAM" : "GTT ",
				 human(sizes[s], hb, sizeof(hb)));
			printf("%-28s %14.0f\n", label, r);
		}
}

static const uint64_t rw_sizes[] = {
	4ULL << 10, 64ULL << 10, 1ULL << 20, 4ULL << 20, 16ULL << 20, 64ULL << 20,
};
#define N_SIZES (sizeof(rw_sizes) / sizeof(rw_sizes[0]))

static void bench_map(int fd)
{
	printf("\n%-12s %16s %16s\n", "map+unmap", "VRAM per second", "GTT per second");
	for (unsigned int s = 0; s < N_SIZES; s++) {
		double rate[2];
		char hb[32];

		for (int p = 0; p < 2; p++) {
			uint32_t h, a;
			int e = vxpu_bo_create(fd, rw_sizes[s], p ? VXPU_BO_GTT : VXPU_BO_VRAM, &h, NULL);

			if (e)
				die("bo_create", e);
			e = vxpu_asid_create(fd, 0, &a);
			if (e)
				die("asid_create", e);
			rate[p] = RATE(10, {
				uint64_t va = 0;

				e = vxpu_vm_map(fd, a, h, 0, rw_sizes[s], RW, &va);
				if (e)
					die("vm_map", e);
				e = vxpu_vm_unmap(fd, a, va, rw_sizes[s]);
				if (e)
					die("vm_unmap", e);
			});
			vxpu_asid_destroy(fd, a);
			vxpu_bo_destroy(fd, h);
		}
		printf("%-12s %16.0f %16.0f\n", human(rw_sizes[s], hb, sizeof(hb)), rate[0], rate[1]);
	}
}

/*
 * Under qemu TCG on a shared host the rates are noisy, so memcpy and the four
 * device-view copies of one size are measured in interleaved rounds and the
 * best round of each is reported: the ratio compares like with like.
 */
#define ROUNDS 5

static void bench_rw(int fd)
{
	uint64_t max = rw_sizes[N_SIZES - 1];
	uint8_t *src = malloc(max), *dst = malloc(max);
	double saved = g_min_time;

	if (!src || !dst)
		die("malloc", -ENOMEM);
	memset(src, 0x5a, max);
	memset(dst, 0xa5, max);
	g_min_time = saved / ROUNDS;
	printf("\n%-8s %9s | %9s %6s %9s %6s | %9s %6s %9s %6s\n", "size", "memcpy",
	       "VRAM rd", "ratio", "VRAM wr", "ratio", "GTT rd", "ratio", "GTT wr", "ratio");
	printf("%-8s %9s | %9s %6s %9s %6s | %9s %6s %9s %6s\n", "", "MiB/s", "MiB/s", "", "MiB/s",
	       "", "MiB/s", "", "MiB/s", "");
	for (unsigned int s = 0; s < N_SIZES; s++) {
		uint64_t sz = rw_sizes[s], va[2] = { 0, 0 };
		uint32_t h[2], a[2];
		double mc = 0, r[2][2] = { { 0, 0 }, { 0, 0 } }, x;
		char hb[32];
		int e;

		for (int p = 0; p < 2; p++) {
			e = vxpu_bo_create(fd, sz, p ? VXPU_BO_GTT : VXPU_BO_VRAM, &h[p], NULL);
			if (e)
				die("bo_create", e);
			if ((e = vxpu_asid_create(fd, 0, &a[p])) ||
			    (e = vxpu_vm_map(fd, a[p], h[p], 0, sz, RW, &va[p])))
				die("asid/map", e);
			e = vxpu_vm_write(fd, a[p], va[p], src, sz); /* populate */
			if (e)
				die("vm_write", e);
		}
		for (int round = 0; round < ROUNDS; round++) {
			x = RATE(3, { memcpy(dst, src, sz); __asm__ volatile("" ::: "memory"); });
			mc = x > mc ? x : mc;
			for (int p = 0; p < 2; p++) {
				x = RATE(3, {
					e = vxpu_vm_read(fd, a[p], va[p], dst, sz);
					if (e)
						die("vm_read", e);
				});
				r[p][0] = x > r[p][0] ? x : r[p][0];
				x = RATE(3, {
					e = vxpu_vm_write(fd, a[p], va[p], src, sz);
					if (e)
						die("vm_write", e);
				});
				r[p][1] = x > r[p][1] ? x : r[p][1];
			}
		}
		for (int p = 0; p < 2; p++) {
			vxpu_asid_destroy(fd, a[p]);
			vxpu_bo_destroy(fd, h[p]);
		}
#define MIBS(rate) ((rate) * (double)sz / (1 << 20))
		printf("%-8s %9.0f | %9.0f %5.2fx %9.0f %5.2fx | %9.0f %5.2fx %9.0f %5.2fx\n",
		       human(sz, hb, sizeof(hb)), MIBS(mc),
		       MIBS(r[0][0]), r[0][0] / mc, MIBS(r[0][1]), r[0][1] / mc,
		       MIBS(r[1][0]), r[1][0] / mc, MIBS(r[1][1]), r[1][1] / mc);
	}
	printf("\nbest of %d interleaved rounds; ratio = device-view copy rate / memcpy rate of "
	       "the same bytes\n(target >= 0.8x from 1 MiB up)\n", ROUNDS);
	g_min_time = saved;
	free(src);
	free(dst);
}

int main(int argc, char **argv)
{
	struct drm_vxpu_device_info di;
	struct drm_vxpu_context_info ci;
	unsigned int dev = 0;
	int fd, e;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--device") && i + 1 < argc)
			dev = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--min-time") && i + 1 < argc)
			g_min_time = atof(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--device N] [--min-time SECONDS]\n", argv[0]);
			return 2;
		}
	}
	fd = vxpu_open_index(dev);
	if (fd < 0)
		die("open device", fd);
	if ((e = vxpu_device_info(fd, &di)) || (e = vxpu_context_info(fd, &ci)))
		die("info", e);
	/* 2 x 64 MiB must fit: ask for more quota if we may (root); fine if not */
	if (ci.quota < (256ULL << 20))
		vxpu_set_quota(fd, 256ULL << 20);
	printf("vxpu bench: device %u (%s, gpu_id %#x), VRAM %llu MiB, %u engines\n", di.index,
	       di.name, di.gpu_id, (unsigned long long)(di.vram_size >> 20), di.engine_count);
	bench_create(fd);
	bench_map(fd);
	bench_rw(fd);
	close(fd);
	return 0;
}
