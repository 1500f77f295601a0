// SPDX-License-Identifier: MIT
/*
 * bench: vxpu micro-benchmarks, printed as a table (no pass/fail on timing).
 *   - BO create+destroy per second, both placements
 *   - VM map+unmap per second, 4 KiB .. 64 MiB
 *   - VM_READ / VM_WRITE throughput next to memcpy of the same bytes in the
 *     same process, with the ratio, 4 KiB .. 64 MiB, both placements
 *   - engine (issue 3): COPY/FILL next to memcpy/memset (64 KiB .. 64 MiB),
 *     NOP and WRITE64 packets per second, compute kernels (MIX64, HASH64,
 *     MATMUL_U32) next to the same interpreter (kernel/vxpu_interp.c) built
 *     into this program over flat memory, lib/vxpu_ref and plain C,
 *     pause latency with 8 busy queues next to the time of one chunk
 *
 * usage: bench [--device N] [--min-time SECONDS] [--engine] [--only TABLE]
 *        (default 0, 0.3; --engine: only the engine tables; --only: one engine
 *        table of copyfill, small, compute, pause)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libvxpu.h"
#include "vxpu_ref.h"
#include "vxpu_interp.h"

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
#define MIBS(rate) ((rate) * (double)sz / (1 << 20))

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

/* ------------------------------------------------------------ engine (issue 3) */

static int g_has_engine;
static unsigned int g_dev_index;

/*
 * Seconds the engine threads of the device (vxpuN/eM) have run, from
 * /proc/PID/schedstat: FILL's time on the engine, without the doorbell
 * and the fence wait. 0 if /proc does not show them.
 */
static double engine_cpu_seconds(void)
{
	char prefix[32], path[300], comm[32];
	double sum = 0;
	struct dirent *de;
	DIR *d = opendir("/proc");

	if (!d)
		return 0;
	snprintf(prefix, sizeof(prefix), "vxpu%u/e", g_dev_index);
	while ((de = readdir(d))) {
		unsigned long long ns;
		FILE *f;
		int ok;

		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		ok = fgets(comm, sizeof(comm), f) && !strncmp(comm, prefix, strlen(prefix));
		fclose(f);
		if (!ok)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/schedstat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &ns) == 1)
			sum += (double)ns * 1e-9;
		fclose(f);
	}
	closedir(d);
	return sum;
}

static void qdie(struct vxpu_queue *q, const char *what, int e)
{
	struct drm_vxpu_queue_info qi;

	if (q && !vxpu_queue_info(q->fd, q->id, &qi))
		fprintf(stderr, "bench: queue %u state %u fault reason %u va %#llx\n", qi.queue,
			qi.state, qi.fault.reason, (unsigned long long)qi.fault.va);
	die(what, e);
}

/* push @n packets (any count), fence, doorbell, wait; returns seconds */
static double eng_run(struct vxpu_queue *q, const struct drm_vxpu_packet *p, unsigned int n)
{
	double t0 = now();
	unsigned int step = q->entries - 2;

	for (unsigned int i = 0; i < n; i += step) {
		unsigned int k = n - i < step ? n - i : step;
		int e = vxpu_queue_push(q, p + i, k, -1);

		if (!e)
			e = vxpu_queue_kick(q);
		if (e)
			qdie(q, "push", e);
	}
	{
		uint64_t f;
		int e = vxpu_queue_fence(q, &f);

		if (!e)
			e = vxpu_queue_wait_rptr(q, f, -1);
		if (e)
			qdie(q, "wait", e);
	}
	return now() - t0;
}

struct ebuf {
	uint32_t h;
	uint64_t va;
};

static struct ebuf ebuf(int fd, uint32_t asid, uint64_t size, uint32_t placement)
{
	struct ebuf b;
	int e = vxpu_bo_create(fd, size, placement, &b.h, NULL);

	if (!e)
		e = vxpu_vm_map(fd, asid, b.h, 0, size, RW, &b.va);
	if (e)
		die("engine buffer", e);
	return b;
}

static void ebuf_free(int fd, uint32_t asid, struct ebuf *b, uint64_t size)
{
	vxpu_vm_unmap(fd, asid, b->va, size);
	vxpu_bo_destroy(fd, b->h);
}

/* bytes per second of @n packets built by @mk; best of ROUNDS */
static void bench_copy_fill(int fd, uint32_t asid, struct vxpu_queue *q)
{
	uint64_t max = rw_sizes[N_SIZES - 1];
	uint8_t *src = malloc(max), *dst = malloc(max);
	static struct drm_vxpu_packet p[64];

	if (!src || !dst)
		die("malloc", -ENOMEM);
	memset(src, 0x5a, max);
	memset(dst, 0xa5, max);
	printf("\nengine COPY / FILL (one queue, packets batched up to 16 MiB per wait) next to "
	       "memcpy / memset\n");
	printf("%-8s %8s | %8s %6s %8s %6s | %8s | %8s %6s %8s %6s | %6s\n", "size", "memcpy",
	       "COPY vr", "ratio", "COPY gt", "ratio", "memset", "FILL vr", "ratio", "FILL gt",
	       "ratio", "on-CPU");
	printf("%-8s %8s | %8s %6s %8s %6s | %8s | %8s %6s %8s %6s | %6s\n", "", "MiB/s", "MiB/s",
	       "", "MiB/s", "", "MiB/s", "MiB/s", "", "MiB/s", "", "ratio");
	for (unsigned int s = 1; s < N_SIZES; s++) {
		uint64_t sz = rw_sizes[s];
		unsigned int k = sz >= (16 << 20) ? 1 : (unsigned int)((16 << 20) / sz);
		double mc = 0, ms = 0, cp[2] = { 0, 0 }, fl[2] = { 0, 0 }, on_cpu = 0, x;
		struct ebuf a[2], b[2];
		double c0, c1, t0;
		char hb[32];

		if (k > 64)
			k = 64;
		for (int pl = 0; pl < 2; pl++) {
			a[pl] = ebuf(fd, asid, sz, pl ? VXPU_BO_GTT : VXPU_BO_VRAM);
			b[pl] = ebuf(fd, asid, sz, pl ? VXPU_BO_GTT : VXPU_BO_VRAM);
			for (unsigned int i = 0; i < k; i++)
				vxpu_pkt_fill(&p[i], 0, a[pl].va, sz, 0x5a5a5a5a5a5a5a5aULL);
			eng_run(q, p, k); /* populate */
			eng_run(q, p, 1);
		}
		for (int round = 0; round < ROUNDS; round++) {
			x = RATE(3, { memcpy(dst, src, sz); __asm__ volatile("" ::: "memory"); });
			mc = x > mc ? x : mc;
			x = RATE(3, { memset(dst, round, sz); __asm__ volatile("" ::: "memory"); });
			ms = x > ms ? x : ms;
			for (int pl = 0; pl < 2; pl++) {
				for (unsigned int i = 0; i < k; i++)
					vxpu_pkt_copy(&p[i], 0, b[pl].va, 0, a[pl].va, sz);
				x = RATE(2, { eng_run(q, p, k); }) * k;
				cp[pl] = x > cp[pl] ? x : cp[pl];
				for (unsigned int i = 0; i < k; i++)
					vxpu_pkt_fill(&p[i], 0, b[pl].va, sz, 0x0123456789abcdefULL);
				c0 = engine_cpu_seconds();
				t0 = now();
				x = RATE(2, { eng_run(q, p, k); }) * k;
				fl[pl] = x > fl[pl] ? x : fl[pl];
				c1 = engine_cpu_seconds() - c0;
				/* VRAM: FILL's bytes over the engine's time alone */
				if (!pl && c1 > 0 && x * (now() - t0) / c1 > on_cpu)
					on_cpu = x * (now() - t0) / c1;
			}
		}
		for (int pl = 0; pl < 2; pl++) {
			ebuf_free(fd, asid, &a[pl], sz);
			ebuf_free(fd, asid, &b[pl], sz);
		}
		printf("%-8s %8.0f | %8.0f %5.2fx %8.0f %5.2fx | %8.0f | %8.0f %5.2fx %8.0f %5.2fx | "
		       "%5.2fx\n",
		       human(sz, hb, sizeof(hb)), MIBS(mc), MIBS(cp[0]), cp[0] / mc, MIBS(cp[1]),
		       cp[1] / mc, MIBS(ms), MIBS(fl[0]), fl[0] / ms, MIBS(fl[1]), fl[1] / ms,
		       on_cpu / ms);
	}
	printf("vr = VRAM, gt = GTT; best of %d interleaved rounds; a device figure includes the "
	       "doorbell and the fence wait\n(target >= 0.8x from 1 MiB up); on-CPU: FILL vr's "
	       "bytes over the engine threads' run time\n(/proc/PID/schedstat), next to memset: "
	       "what the engine does without the submit-and-wait round trip\n", ROUNDS);
	free(src);
	free(dst);
}

static void bench_small_packets(int fd, uint32_t asid, struct vxpu_queue *q)
{
	enum { NP = 4000 };
	static struct drm_vxpu_packet p[NP];
	struct ebuf w = ebuf(fd, asid, 1 << 20, VXPU_BO_GTT);
	double nop = 0, wr = 0, x;

	for (int round = 0; round < ROUNDS; round++) {
		for (int i = 0; i < NP; i++)
			vxpu_pkt_nop(&p[i]);
		x = NP / eng_run(q, p, NP);
		nop = x > nop ? x : nop;
		for (int i = 0; i < NP; i++)
			vxpu_pkt_write64(&p[i], 0, w.va + 8 * (uint64_t)i, (uint64_t)i);
		x = NP / eng_run(q, p, NP);
		wr = x > wr ? x : wr;
	}
	printf("\nsmall packets (%d per run, ring of %u, best of %d)\n", NP, q->entries, ROUNDS);
	printf("  %-24s %12.0f packets/s\n", "NOP", nop);
	printf("  %-24s %12.0f packets/s\n", "WRITE64", wr);
	ebuf_free(fd, asid, &w, 1 << 20);
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void bench_pause(int fd, uint32_t asid)
{
	enum { NQ = 8, REPS = 25 };
	static struct drm_vxpu_packet p[200];
	struct vxpu_queue q[NQ];
	struct ebuf b[NQ];
	double lat[REPS], base[REPS], first[REPS], chunk_mix, chunk_copy;
	uint64_t big = 16 << 20;
	int e;

	/* the time of one chunk: one 16 MiB packet is 256 chunks of 64 KiB */
	if ((e = vxpu_queue_open(fd, asid, 256, VXPU_BO_GTT, 0, &q[0])))
		die("queue", e);
	b[0] = ebuf(fd, asid, big, VXPU_BO_VRAM);
	b[1] = ebuf(fd, asid, big, VXPU_BO_VRAM);
	vxpu_pkt_mix64(&p[0], 0, b[0].va, 0, b[0].va, big, 1);
	eng_run(&q[0], p, 1);
	chunk_mix = 1e30;
	for (int i = 0; i < 3; i++) {
		double t = eng_run(&q[0], p, 1) / (double)(big / (64 << 10));

		chunk_mix = t < chunk_mix ? t : chunk_mix;
	}
	vxpu_pkt_copy(&p[0], 0, b[1].va, 0, b[0].va, big);
	chunk_copy = 1e30;
	for (int i = 0; i < 3; i++) {
		double t = eng_run(&q[0], p, 1) / (double)(big / (64 << 10));

		chunk_copy = t < chunk_copy ? t : chunk_copy;
	}
	ebuf_free(fd, asid, &b[0], big);
	ebuf_free(fd, asid, &b[1], big);
	vxpu_queue_close(&q[0]);

	for (int i = 0; i < NQ; i++) {
		if ((e = vxpu_queue_open(fd, asid, 256, VXPU_BO_GTT, 0, &q[i])))
			die("queue", e);
		b[i] = ebuf(fd, asid, 4 << 20, VXPU_BO_GTT);
		for (int k = 0; k < 200; k++)
			vxpu_pkt_mix64(&p[k], 0, b[i].va, 0, b[i].va, 4 << 20, (uint64_t)k);
		if ((e = vxpu_queue_push(&q[i], p, 200, -1)) || (e = vxpu_queue_kick(&q[i])))
			die("push", e);
	}
	/*
	 * Every pause comes after 20 ms of busy engines. Under qemu TCG the
	 * first system call after that costs tens of us by itself: the
	 * engines' streaming has evicted the vCPU's software TLB, and the
	 * caller's whole path (libc, syscall entry, drm_ioctl) is walked
	 * again. That is the emulator, not the pause. So each round times the
	 * PAUSE as the first call, as a process would see it, and then, after
	 * another 20 ms, a cheap ioctl (CONTEXT_INFO, the baseline) and the
	 * PAUSE right after it: request to all queues quiescent.
	 */
	usleep(50000);
	for (int r = 0; r < REPS; r++) {
		struct drm_vxpu_context_info ci;
		double t0 = now(), t1;

		if ((e = vxpu_context_pause(fd)))
			die("pause", e);
		first[r] = now() - t0;
		if ((e = vxpu_context_resume(fd)))
			die("resume", e);
		usleep(20000);

		t0 = now();
		if ((e = vxpu_context_info(fd, &ci)))
			die("context info", e);
		t1 = now();
		if ((e = vxpu_context_pause(fd)))
			die("pause", e);
		lat[r] = now() - t1;
		base[r] = t1 - t0;
		if ((e = vxpu_context_resume(fd)))
			die("resume", e);
		usleep(20000);
	}
	for (int i = 0; i < NQ; i++) {
		struct drm_vxpu_queue_info qi;

		if (!vxpu_queue_info(fd, q[i].id, &qi) && qi.rptr >= 200)
			printf("  (queue %d ran out of work during the pause measurements)\n", i);
		vxpu_queue_close(&q[i]);	/* destroy while busy */
		ebuf_free(fd, asid, &b[i], 4 << 20);
	}
	qsort(lat, REPS, sizeof(lat[0]), dbl_cmp);
	qsort(base, REPS, sizeof(base[0]), dbl_cmp);
	qsort(first, REPS, sizeof(first[0]), dbl_cmp);
	printf("\npause latency, 8 busy queues (MIX64 4 MiB packets), %d rounds of each, "
	       "20 ms apart: median (max)\n", REPS);
	printf("  %-44s %8.3f ms (%.3f)\n", "CONTEXT_INFO, the first call (baseline)",
	       base[REPS / 2] * 1e3, base[REPS - 1] * 1e3);
	printf("  %-44s %8.3f ms (%.3f)\n", "PAUSE right after it: request to quiescent",
	       lat[REPS / 2] * 1e3, lat[REPS - 1] * 1e3);
	printf("  %-44s %8.3f ms (%.3f)\n", "PAUSE as the first call", first[REPS / 2] * 1e3,
	       first[REPS - 1] * 1e3);
	printf("  %-44s %8.3f ms\n", "one 64 KiB MIX64 chunk", chunk_mix * 1e3);
	printf("  %-44s %8.3f ms\n", "one 64 KiB COPY chunk", chunk_copy * 1e3);
	printf("  PAUSE / MIX64 chunk        %7.2fx   (target <= 2x; max %.2fx)\n",
	       lat[REPS / 2] / chunk_mix, lat[REPS - 1] / chunk_mix);
	printf("  PAUSE as the first call / CONTEXT_INFO as the first call %.2fx\n",
	       first[REPS / 2] / base[REPS / 2]);
}

/* the kernels the plain way (u64 loads), for a fair userspace comparison */
static void native_mix64(uint64_t *d, const uint64_t *s, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t z = s[i] ^ seed;

		z += (i + 1) * 0x9e3779b97f4a7c15ULL;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		d[i] = z ^ (z >> 31);
	}
}

static void native_matmul(uint32_t *c, const uint32_t *a, const uint32_t *b, uint32_t m,
			  uint32_t n, uint32_t k)
{
	for (uint32_t r = 0; r < m; r++) {
		uint32_t *row = c + (size_t)r * n;

		memset(row, 0, (size_t)n * 4);
		for (uint32_t i = 0; i < k; i++) {
			uint32_t av = a[(size_t)r * k + i];
			const uint32_t *brow = b + (size_t)i * n;

			for (uint32_t col = 0; col < n; col++)
				row[col] += av * brow[col];
		}
	}
}

/*
 * The interpreter itself (kernel/vxpu_interp.c, host build) over flat
 * memory: two regions at fixed device addresses, steps of 64 KiB like the
 * engine's chunks. The fair userspace figure for a device compute kernel.
 */
#define FLAT_SRC 0x100000000ULL
#define FLAT_DST 0x200000000ULL

struct flat {
	uint8_t *src, *dst;
	uint64_t size;
};

static int flat_map(void *priv, u32 asid, u64 va, u64 len, u32 access, void **ptr, u32 *avail)
{
	struct flat *f = priv;
	uint8_t *base;
	uint64_t off;

	(void)asid;
	(void)access;
	if (va >= FLAT_SRC && va - FLAT_SRC < f->size) {
		base = f->src;
		off = va - FLAT_SRC;
	} else if (va >= FLAT_DST && va - FLAT_DST < f->size) {
		base = f->dst;
		off = va - FLAT_DST;
	} else {
		return VXPU_FAULT_UNMAPPED;
	}
	if (len > f->size - off)
		len = f->size - off;
	*ptr = base + off;
	*avail = (u32)(len < 65536 ? len : 65536);
	return 0;
}

static void flat_unmap(void *priv, void *ptr)
{
	(void)priv;
	(void)ptr;
}

static int flat_signal(void *priv, u64 event, u64 value)
{
	(void)priv;
	(void)event;
	(void)value;
	return 0;
}

static void flat_run(struct flat *f, const struct drm_vxpu_packet *p)
{
	struct vxpu_env env = { f, flat_map, flat_unmap, flat_signal, NULL };
	struct drm_vxpu_fault fault;
	struct vxpu_exec ex;
	u64 bytes;
	int r;

	vxpu_exec_init(&ex);
	do {
		r = vxpu_interp_step(p, 1, &ex, &env, 65536, &fault, &bytes);
	} while (r == VXPU_STEP_MORE);
	if (r != VXPU_STEP_DONE)
		die("interp (userspace)", -EFAULT);
}

static void bench_compute(int fd, uint32_t asid, struct vxpu_queue *q)
{
	const uint64_t sz = 16 << 20;
	const uint32_t M = 256;
	uint64_t *hs = malloc(sz), *hd = malloc(sz), h = 0;
	struct ebuf s = ebuf(fd, asid, sz, VXPU_BO_VRAM), d = ebuf(fd, asid, sz, VXPU_BO_VRAM);
	struct drm_vxpu_packet p;
	double dev[3] = { 0, 0, 0 }, ref[3] = { 0, 0, 0 }, nat[3] = { 0, 0, 0 }, itp[3] = { 0, 0, 0 };
	double x;
	struct flat fl = { (uint8_t *)hs, (uint8_t *)hd, sz };
	struct drm_vxpu_packet ip[3];
	double units[3] = { (double)sz, (double)sz, 4.0 * M * M * M };
	uint64_t ab = 4ULL * M * M;

	if (!hs || !hd)
		die("malloc", -ENOMEM);
	memset(hs, 0x3c, sz);
	vxpu_pkt_fill(&p, 0, s.va, sz, 0x3c3c3c3c3c3c3c3cULL);
	eng_run(q, &p, 1);
	vxpu_pkt_mix64(&ip[0], 0, FLAT_DST, 0, FLAT_SRC, sz, 5);
	vxpu_pkt_hash64(&ip[1], 0, FLAT_DST, 0, FLAT_SRC, sz, 5);
	vxpu_pkt_matmul_u32(&ip[2], 0, FLAT_DST, 0, FLAT_SRC, FLAT_SRC + ab, M, M, M);
	/* every figure: the same RATE() loop (>= g_min_time), best of ROUNDS interleaved */
	for (int round = 0; round < ROUNDS; round++) {
		vxpu_pkt_mix64(&p, 0, d.va, 0, s.va, sz, 5);
		x = RATE(1, eng_run(q, &p, 1));
		dev[0] = x > dev[0] ? x : dev[0];
		vxpu_pkt_hash64(&p, 0, d.va, 0, s.va, sz, 5);
		x = RATE(1, eng_run(q, &p, 1));
		dev[1] = x > dev[1] ? x : dev[1];
		vxpu_pkt_matmul_u32(&p, 0, d.va, 0, s.va, s.va + ab, M, M, M);
		x = RATE(1, eng_run(q, &p, 1));
		dev[2] = x > dev[2] ? x : dev[2];

		x = RATE(1, vxpu_ref_mix64(hd, hs, sz / 8, 5, 0));
		ref[0] = x > ref[0] ? x : ref[0];
		x = RATE(1, h += vxpu_ref_hash64(hs, sz, 5));
		ref[1] = x > ref[1] ? x : ref[1];
		x = RATE(1, vxpu_ref_matmul_u32(hd, hs, (uint8_t *)hs + ab, M, M, M));
		ref[2] = x > ref[2] ? x : ref[2];
		x = RATE(1, { native_mix64(hd, hs, sz / 8, 5); __asm__ volatile("" ::: "memory"); });
		nat[0] = x > nat[0] ? x : nat[0];
		nat[1] = ref[1]; /* lib/vxpu_ref's HASH64 is libxxhash's XXH64 already */
		x = RATE(1, { native_matmul((uint32_t *)hd, (uint32_t *)hs,
					    (uint32_t *)((uint8_t *)hs + ab), M, M, M);
			      __asm__ volatile("" ::: "memory"); });
		nat[2] = x > nat[2] ? x : nat[2];
		for (int i = 0; i < 3; i++) {
			x = RATE(1, { flat_run(&fl, &ip[i]); __asm__ volatile("" ::: "memory"); });
			itp[i] = x > itp[i] ? x : itp[i];
		}
	}
	printf("\ncompute kernels (one packet each; MiB/s of the interpreter's work units: bytes, "
	       "or 4 per multiply-add)\n");
	printf("  %-18s %8s | %8s %6s | %8s %6s | %8s %6s\n", "kernel", "device", "interp",
	       "ratio", "vxpu_ref", "ratio", "native C", "ratio");
	{
		static const char *names[3] = { "MIX64 16 MiB", "HASH64 16 MiB", "MATMUL_U32 256^3" };

		for (int i = 0; i < 3; i++)
			printf("  %-18s %8.0f | %8.0f %5.2fx | %8.0f %5.2fx | %8.0f %5.2fx\n",
			       names[i], dev[i] * units[i] / (1 << 20),
			       itp[i] * units[i] / (1 << 20), dev[i] / itp[i],
			       ref[i] * units[i] / (1 << 20), dev[i] / ref[i],
			       nat[i] * units[i] / (1 << 20), dev[i] / nat[i]);
	}
	printf("  best of %d interleaved rounds, each figure a rate over >= %.2f s (device: "
	       "packet, doorbell, fence wait)\n", ROUNDS, g_min_time);
	printf("  interp = kernel/vxpu_interp.c built into this program, flat memory, 64 KiB "
	       "steps (the target's\n  \"same kernel in userspace\"); vxpu_ref = lib/vxpu_ref "
	       "(byte-wise reference); native C = plain\n  u64/u32 loops, -O2. Ratios are "
	       "device / column (target: device >= 0.8x interp; hash checksum %#llx)\n",
	       (unsigned long long)(h & 0xff));
	ebuf_free(fd, asid, &s, sz);
	ebuf_free(fd, asid, &d, sz);
	free(hs);
	free(hd);
}

static const char *g_only;	/* --only: one engine table */

static int want(const char *name)
{
	return !g_only || !strcmp(g_only, name);
}

static void bench_engine(int fd)
{
	struct vxpu_queue q;
	uint32_t asid;
	int e;

	if (!g_has_engine) {
		printf("\nengine: the device does not report VXPU_CAP_ENGINE; no engine figures\n");
		return;
	}
	if ((e = vxpu_asid_create(fd, 0, &asid)) ||
	    (e = vxpu_queue_open(fd, asid, 256, VXPU_BO_GTT, 0, &q)))
		die("engine setup", e);
	if (want("copyfill"))
		bench_copy_fill(fd, asid, &q);
	if (want("small"))
		bench_small_packets(fd, asid, &q);
	if (want("compute"))
		bench_compute(fd, asid, &q);
	vxpu_queue_close(&q);
	if (want("pause"))
		bench_pause(fd, asid);
	vxpu_asid_destroy(fd, asid);
}

int main(int argc, char **argv)
{
	struct drm_vxpu_device_info di;
	struct drm_vxpu_context_info ci;
	unsigned int dev = 0;
	int fd, e, only_engine = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--device") && i + 1 < argc)
			dev = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--engine"))
			only_engine = 1;
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			g_only = argv[++i], only_engine = 1;
		else if (!strcmp(argv[i], "--min-time") && i + 1 < argc)
			g_min_time = atof(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--device N] [--min-time SECONDS] [--engine] "
				"[--only copyfill|small|compute|pause]\n", argv[0]);
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
	g_has_engine = !!(di.caps & VXPU_CAP_ENGINE);
	g_dev_index = di.index;
	if (only_engine) {
		bench_engine(fd);
		close(fd);
		return 0;
	}
	bench_create(fd);
	bench_map(fd);
	bench_rw(fd);
	bench_engine(fd);
	close(fd);
	return 0;
}
