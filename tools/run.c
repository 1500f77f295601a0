// SPDX-License-Identifier: MIT
/*
 * vxpuctl run: a deterministic, long-running workload for the vxpu engine.
 *
 *   vxpuctl run [--size MiB] [--rounds N | --seconds S] [--devices D]
 *               [--queues Q] [--seed X] [--placement vram|gtt] [--verify] [--quiet]
 *               [--corrupt ROUND] [--stop-at ROUND[,ROUND...]]
 *
 * Definition (what the checksum covers). Let W = D * Q workers; worker j
 * runs on device j / Q (devices by index, 0..D-1), queue j % Q of that
 * device's context. The SIZE MiB of state are split into W slices X_j:
 * each slice is floor(SIZE / W) rounded down to 4 KiB, the last takes the
 * rest (each must be >= 48 KiB). X_j lives in one device BO (VRAM by
 * default). Then:
 *
 *   init:      X_j = FILL with pattern mix64(seed, 0xf111, j)
 *   round r = 1..R, every worker j, in this order on its queue:
 *     MIX64      X_j = mix64(X_j, s) in place, s = mix64(seed, r, j)
 *     MATMUL_U32 X_j[32K..48K) = X_j[0..16K) x X_j[16K..32K) as 64x64 u32
 *     HASH64     h_j = xxh64(X_j, seed r), written into the device's control BO
 *     WRITE64    round_j = r, into the control BO
 *   digest_r = xxh64(h_0 .. h_{W-1} as little-endian u64s, seed r)
 *
 * (mix64(x, s, i) is the UAPI's splitmix64 finalizer, vxpu_ref_mix64_one.)
 * The final checksum is digest_R: it covers every byte of the final state
 * of every slice and so depends on SIZE, D, Q, seed and R (and nothing
 * else: not on timing, chunking, or placement). With --seconds, R is the
 * number of rounds that fit; it is printed, and --rounds R reproduces the
 * checksum. --verify recomputes all of it with lib/vxpu_ref in userspace
 * and compares every round's digest and the final bytes of every slice.
 *
 * --corrupt ROUND (a self-test of --verify) flips one byte of worker 0's
 * slice through the device view after round ROUND: --verify must then
 * report a mismatch (exit status 1).
 *
 * --stop-at ROUND,... (for checkpoint tests) stops the process with SIGSTOP
 * right after it has submitted each of these rounds: its CPU side halts at
 * a known point while the device runs the round, however fast the engine.
 * A test can then checkpoint it without racing the workload to its end.
 *
 * Checkpoint/restore: all state is in device BOs (the slices, and per
 * device a control BO with h_j and round_j); the host loop re-reads
 * round_j from the control BO at the start of every round and continues
 * from there, so a process restored mid-round (queues with a half-done
 * packet) finishes the round and goes on with the same result.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "libvxpu.h"
#include "vxpu_ref.h"

#define MAT 64u				/* MATMUL dimension */
#define MAT_BYTES (MAT * MAT * 4)	/* 16 KiB per matrix */
#define MIN_SLICE (3 * MAT_BYTES)
#define CTL_STRIDE 16			/* per worker in the control BO: hash, round */
#define RING 64
#define WAIT_NS (600LL * 1000000000LL)
#define MAX_STOPS 16

struct dev {
	int fd;
	uint32_t asid;
	uint32_t ctl_h;
	uint64_t ctl_va;
	uint8_t *ctl;			/* CPU mapping of the control BO */
	struct drm_vxpu_device_info info;
};

struct worker {
	unsigned int dev;
	struct vxpu_queue q;
	uint32_t h;
	uint64_t va, size;
	uint8_t *cpu;			/* CPU mapping (for --verify) */
	unsigned int slot;		/* index in its device's control BO */
};

struct opts {
	uint64_t size_mib;
	uint64_t rounds;
	double seconds;
	unsigned int devices, queues;
	uint64_t seed;
	uint32_t placement;
	int verify, quiet;
	uint64_t corrupt;		/* self-test of --verify: flip a byte after this round */
	uint64_t stop_at[MAX_STOPS];	/* SIGSTOP after submitting these rounds */
	unsigned int nstops;
};

static int err(const char *what, int e)
{
	fprintf(stderr, "vxpuctl run: %s: %s\n", what, vxpu_strerror(e));
	return 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t slice_size(const struct opts *o, unsigned int j, unsigned int w)
{
	uint64_t total = o->size_mib << 20, base = total / w / VXPU_PAGE_SIZE * VXPU_PAGE_SIZE;

	return j + 1 < w ? base : total - base * (w - 1);
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);	/* x86: little endian, as the device writes it */
	return v;
}

static uint64_t digest(const uint64_t *h, unsigned int w, uint64_t r)
{
	return vxpu_ref_hash64(h, (size_t)w * 8, r);
}

static int queue_error(struct worker *wk, struct dev *d, int e)
{
	struct drm_vxpu_queue_info qi;

	if (e == -EIO && !vxpu_queue_info(d->fd, wk->q.id, &qi))
		fprintf(stderr, "vxpuctl run: device %u queue %u fault: reason %u access %u asid %u "
			"va %#" PRIx64 " packet %" PRIu64 "\n", d->info.index, qi.queue,
			qi.fault.reason, qi.fault.access, qi.fault.asid, (uint64_t)qi.fault.va,
			(uint64_t)qi.fault.packet);
	return err("queue wait", e);
}

/* the packets of round @r for worker @j */
static int push_round(struct worker *wk, struct dev *d, unsigned int j, uint64_t seed,
		      uint64_t r)
{
	struct drm_vxpu_packet p[4];
	uint64_t ctl = d->ctl_va + (uint64_t)wk->slot * CTL_STRIDE;

	vxpu_pkt_mix64(&p[0], 0, wk->va, 0, wk->va, wk->size, vxpu_ref_mix64_one(seed, r, j));
	vxpu_pkt_matmul_u32(&p[1], 0, wk->va + 2 * MAT_BYTES, 0, wk->va, wk->va + MAT_BYTES,
			    MAT, MAT, MAT);
	vxpu_pkt_hash64(&p[2], 0, ctl, 0, wk->va, wk->size, r);
	vxpu_pkt_write64(&p[3], 0, ctl + 8, r);
	return vxpu_queue_push(&wk->q, p, 4, WAIT_NS);
}

/* the whole workload in userspace (lib/vxpu_ref); 0 when it matches */
static int verify(const struct opts *o, struct worker *wk, unsigned int w, uint64_t rounds,
		  const uint64_t *dev_digest)
{
	uint64_t *h = calloc(w, 8), bad = 0;
	uint8_t **x = calloc(w, sizeof(*x));
	double t0 = now();
	int ret = 0;

	if (!h || !x)
		return err("verify", -ENOMEM);
	for (unsigned int j = 0; j < w; j++) {
		x[j] = malloc(wk[j].size);
		if (!x[j])
			return err("verify", -ENOMEM);
		vxpu_ref_fill(x[j], wk[j].size, vxpu_ref_mix64_one(o->seed, 0xf111, j));
	}
	for (uint64_t r = 1; r <= rounds; r++) {
		uint64_t dg;

		for (unsigned int j = 0; j < w; j++) {
			uint8_t c[MAT_BYTES];

			vxpu_ref_mix64(x[j], x[j], wk[j].size / 8, vxpu_ref_mix64_one(o->seed, r, j), 0);
			vxpu_ref_matmul_u32(c, x[j], x[j] + MAT_BYTES, MAT, MAT, MAT);
			memcpy(x[j] + 2 * MAT_BYTES, c, MAT_BYTES);
			h[j] = vxpu_ref_hash64(x[j], wk[j].size, r);
		}
		dg = digest(h, w, r);
		if (dg != dev_digest[r - 1]) {
			if (!bad)
				printf("verify: round %" PRIu64 ": device digest 0x%016" PRIx64
				       ", reference 0x%016" PRIx64 "\n", r, dev_digest[r - 1], dg);
			bad++;
		}
	}
	for (unsigned int j = 0; j < w; j++) {
		for (uint64_t i = 0; i < wk[j].size; i++)
			if (x[j][i] != wk[j].cpu[i]) {
				printf("verify: worker %u: final byte %" PRIu64 " is %#x, reference "
				       "%#x\n", j, i, wk[j].cpu[i], x[j][i]);
				bad++;
				break;
			}
		free(x[j]);
	}
	if (bad) {
		printf("verify: MISMATCH (%" PRIu64 " problems)\n", bad);
		ret = 1;
	} else {
		printf("verify: OK: reference (lib/vxpu_ref, userspace, %.1f s) gives checksum "
		       "0x%016" PRIx64 ", every round's digest and all %" PRIu64 " MiB of final "
		       "state match\n", now() - t0, rounds ? dev_digest[rounds - 1] : 0,
		       o->size_mib);
	}
	free(x);
	free(h);
	return ret;
}

/* "3,7,12": rounds to stop at, each >= 1 */
static int parse_stops(struct opts *o, const char *v)
{
	char *end;

	for (o->nstops = 0; o->nstops < MAX_STOPS; v = end + 1) {
		o->stop_at[o->nstops] = strtoull(v, &end, 0);
		if (end == v || !o->stop_at[o->nstops++])
			return -1;
		if (!*end)
			return 0;
		if (*end != ',')
			return -1;
	}
	return -1;
}

static int stop_here(const struct opts *o, uint64_t r)
{
	for (unsigned int i = 0; i < o->nstops; i++)
		if (o->stop_at[i] == r)
			return 1;
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: vxpuctl run [--size MiB] [--rounds N | --seconds S] [--devices D]\n"
		"                   [--queues Q] [--seed X] [--placement vram|gtt] [--verify]\n"
		"                   [--quiet] [--corrupt ROUND] [--stop-at ROUND[,ROUND...]]\n"
		"defaults: --size 16 --rounds 8 --devices 1 --queues 2 --seed 1 --placement vram\n");
	return 2;
}

int cmd_run(int argc, char **argv)
{
	struct opts o = { .size_mib = 16, .rounds = 8, .devices = 1, .queues = 2, .seed = 1,
			  .placement = VXPU_BO_VRAM };
	struct dev *devs = NULL;
	struct worker *wk = NULL;
	uint64_t *dg = NULL, *h = NULL, r, last = 0;
	unsigned int w;
	double t0, tr;
	int e, ret = 1, ndev;

	/* Progress goes out line by line, also into a file or a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--verify")) {
			o.verify = 1;
			continue;
		}
		if (!strcmp(a, "--quiet")) {
			o.quiet = 1;
			continue;
		}
		if (!v)
			return usage();
		i++;
		if (!strcmp(a, "--size"))
			o.size_mib = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--rounds"))
			o.rounds = strtoull(v, NULL, 0), o.seconds = 0;
		else if (!strcmp(a, "--seconds"))
			o.seconds = atof(v), o.rounds = 0;
		else if (!strcmp(a, "--devices"))
			o.devices = (unsigned int)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--queues"))
			o.queues = (unsigned int)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--corrupt"))
			o.corrupt = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--stop-at")) {
			if (parse_stops(&o, v))
				return usage();
		} else if (!strcmp(a, "--seed"))
			o.seed = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--placement") && (!strcmp(v, "vram") || !strcmp(v, "gtt")))
			o.placement = !strcmp(v, "vram") ? VXPU_BO_VRAM : VXPU_BO_GTT;
		else
			return usage();
	}
	if (!o.devices || !o.queues || o.queues > 64 || o.devices > VXPU_MAX_DEVICES ||
	    (!o.rounds && o.seconds <= 0) || !o.size_mib || o.size_mib > (1 << 20))
		return usage();
	w = o.devices * o.queues;
	if ((o.size_mib << 20) / w < MIN_SLICE) {
		fprintf(stderr, "vxpuctl run: %" PRIu64 " MiB over %u workers is under %u KiB each\n",
			o.size_mib, w, MIN_SLICE >> 10);
		return 2;
	}
	ndev = vxpu_device_count();
	if (ndev < (int)o.devices) {
		fprintf(stderr, "vxpuctl run: %u devices wanted, %d found\n", o.devices, ndev);
		return 1;
	}
	devs = calloc(o.devices, sizeof(*devs));
	wk = calloc(w, sizeof(*wk));
	h = calloc(w, 8);
	if (!devs || !wk || !h)
		return err("setup", -ENOMEM);
	for (unsigned int d = 0; d < o.devices; d++) {
		struct dev *dv = &devs[d];
		uint64_t off;

		dv->fd = vxpu_open_index(d);
		if (dv->fd < 0)
			return err("open", dv->fd);
		if ((e = vxpu_device_info(dv->fd, &dv->info)))
			return err("device info", e);
		if (!(dv->info.caps & VXPU_CAP_ENGINE)) {
			fprintf(stderr, "vxpuctl run: device %u has no engine (VXPU_CAP_ENGINE)\n", d);
			return 1;
		}
		if ((e = vxpu_asid_create(dv->fd, 0, &dv->asid)) ||
		    (e = vxpu_bo_create(dv->fd, VXPU_PAGE_SIZE, VXPU_BO_GTT, &dv->ctl_h, &off)) ||
		    (e = vxpu_bo_mmap(dv->fd, off, VXPU_PAGE_SIZE, PROT_READ | PROT_WRITE,
				      (void **)&dv->ctl)) ||
		    (e = vxpu_vm_map(dv->fd, dv->asid, dv->ctl_h, 0, VXPU_PAGE_SIZE,
				     VXPU_MAP_READ | VXPU_MAP_WRITE, &dv->ctl_va)))
			return err("device setup", e);
	}
	for (unsigned int j = 0; j < w; j++) {
		struct worker *x = &wk[j];
		struct dev *dv = &devs[j / o.queues];
		struct drm_vxpu_packet p;
		uint64_t off;

		x->dev = j / o.queues;
		x->slot = j % o.queues;
		x->size = slice_size(&o, j, w);
		if ((e = vxpu_queue_open(dv->fd, dv->asid, RING, VXPU_BO_GTT, 0, &x->q)) ||
		    (e = vxpu_bo_create(dv->fd, x->size, o.placement, &x->h, &off)) ||
		    (e = vxpu_bo_mmap(dv->fd, off, x->size, PROT_READ, (void **)&x->cpu)) ||
		    (e = vxpu_vm_map(dv->fd, dv->asid, x->h, 0, x->size,
				     VXPU_MAP_READ | VXPU_MAP_WRITE, &x->va)))
			return err("worker setup", e);
		vxpu_pkt_fill(&p, 0, x->va, x->size, vxpu_ref_mix64_one(o.seed, 0xf111, j));
		if ((e = vxpu_queue_push(&x->q, &p, 1, WAIT_NS)) || (e = vxpu_queue_kick(&x->q)))
			return err("init", e);
	}
	printf("vxpuctl run: %" PRIu64 " MiB on %u device(s) x %u queue(s) (%u workers, %s), seed "
	       "%" PRIu64 ", %s %g\n", o.size_mib, o.devices, o.queues, w,
	       o.placement == VXPU_BO_VRAM ? "vram" : "gtt", o.seed,
	       o.rounds ? "rounds" : "seconds", o.rounds ? (double)o.rounds : o.seconds);
	fflush(stdout);
	t0 = now();
	for (;;) {
		/* progress lives in the device: the round every worker finished */
		r = UINT64_MAX;
		for (unsigned int j = 0; j < w; j++) {
			uint64_t rj = le64(devs[wk[j].dev].ctl + wk[j].slot * CTL_STRIDE + 8);

			r = rj < r ? rj : r;
		}
		r++;
		if (o.rounds ? r > o.rounds : (r > 1 && now() - t0 >= o.seconds))
			break;
		tr = now();
		for (unsigned int j = 0; j < w; j++) {
			if ((e = push_round(&wk[j], &devs[wk[j].dev], j, o.seed, r)))
				return queue_error(&wk[j], &devs[wk[j].dev], e);
			if ((e = vxpu_queue_fence(&wk[j].q, NULL)) || (e = vxpu_queue_kick(&wk[j].q)))
				return queue_error(&wk[j], &devs[wk[j].dev], e);
		}
		if (stop_here(&o, r)) {
			printf("stopped after submitting round %" PRIu64 " (--stop-at)\n", r);
			fflush(stdout);
			raise(SIGSTOP);
		}
		for (unsigned int j = 0; j < w; j++) {
			e = vxpu_queue_wait_rptr(&wk[j].q, wk[j].q.fence - 1, WAIT_NS);
			if (e)
				return queue_error(&wk[j], &devs[wk[j].dev], e);
			h[j] = le64(devs[wk[j].dev].ctl + wk[j].slot * CTL_STRIDE);
		}
		dg = realloc(dg, r * 8);
		if (!dg)
			return err("digest", -ENOMEM);
		dg[r - 1] = last = digest(h, w, r);
		if (r == o.corrupt) {
			uint64_t va = wk[0].va + wk[0].size / 2;
			struct dev *dv = &devs[wk[0].dev];
			uint8_t b;

			if ((e = vxpu_vm_read(dv->fd, dv->asid, va, &b, 1)))
				return err("corrupt", e);
			b ^= 1;
			if ((e = vxpu_vm_write(dv->fd, dv->asid, va, &b, 1)))
				return err("corrupt", e);
			printf("round %4" PRIu64 "  corrupted one byte of worker 0 (--corrupt)\n", r);
		}
		if (!o.quiet)
			printf("round %4" PRIu64 "  digest 0x%016" PRIx64 "  %6.2f s  %8.1f MiB/s  "
			       "elapsed %.1f s\n", r, last, now() - tr,
			       (double)(o.size_mib * 2) / (now() - tr), now() - t0);
		fflush(stdout);
	}
	r--;
	printf("checksum 0x%016" PRIx64 "  (size %" PRIu64 " MiB, devices %u, queues %u, seed %"
	       PRIu64 ", rounds %" PRIu64 ", %.1f s)\n", last, o.size_mib, o.devices, o.queues,
	       o.seed, r, now() - t0);
	fflush(stdout);
	ret = o.verify ? verify(&o, wk, w, r, dg) : 0;
	for (unsigned int j = 0; j < w; j++) {
		munmap(wk[j].cpu, wk[j].size);
		vxpu_queue_close(&wk[j].q);
	}
	for (unsigned int d = 0; d < o.devices; d++) {
		munmap(devs[d].ctl, VXPU_PAGE_SIZE);
		close(devs[d].fd);
	}
	free(dg);
	free(h);
	free(wk);
	free(devs);
	return ret;
}
