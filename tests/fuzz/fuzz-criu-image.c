// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the checkpoint image codec (kernel/vxpu_criu_image.c,
 * host build), the one piece of RESTORE that reads untrusted bytes.
 *
 * Input: one mode byte, then
 * - mode bit 0 clear (raw): a little-endian u16 bucket count, that many
 *   48-byte struct drm_vxpu_criu_bo_bucket (as many as there are bytes
 *   for), and the rest is the private data blob;
 * - mode bit 0 set (structure aware): 8 bytes of seed and a shape byte for
 *   tests/fuzz/criu-gen.c, which generates a valid image and its buckets,
 *   then up to 48 mutation ops of 8 bytes each (set/add a byte, u32 or u64
 *   to interesting values, truncate or extend, delete, duplicate or swap
 *   whole records with the header's counts and size kept consistent, copy
 *   an id between records, mutate, drop or duplicate a bucket).
 *
 * Each case copies the buckets and the blob into buffers of exactly their
 * size (ASan sees any overread) and runs vxpu_img_check_bos() and
 * vxpu_img_parse(). Checked, with abort() on violation: no sanitizer
 * report; results are 0, -EINVAL or -EPROTO, with *why set exactly on
 * error and @out zeroed; a generated image with no mutation is accepted;
 * an accepted image has its arrays inside the blob, passes an independent
 * re-check of the main rules here, and vxpu_img_write() of the parsed image
 * gives back the same bytes. FUZZ_VERBOSE=1 prints every verdict.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "criu-gen.h"

#define BUCKET_SZ	sizeof(struct drm_vxpu_criu_bo_bucket)
#define MAX_OPS		48
#define MAX_BOS		512

static bool verbose;

static void fail(const char *what, const char *why)
{
	fprintf(stderr, "fuzz-criu-image: %s (why: %s)\n", what, why ? why : "NULL");
	abort();
}

static uint64_t get(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static const struct drm_vxpu_criu_bo_bucket *
find_bo(const struct drm_vxpu_criu_bo_bucket *bos, uint32_t n, uint32_t handle)
{
	for (uint32_t i = 0; i < n; i++)
		if (bos[i].handle == handle)
			return &bos[i];
	return NULL;
}

/* An independent, naive re-check of the rules that matter most for safety. */
static void oracle(const struct vxpu_img *img, const struct drm_vxpu_criu_bo_bucket *bos,
		   uint32_t nb)
{
	const struct vxpu_img_header *h = &img->hdr;

	if (h->magic != VXPU_IMG_MAGIC || h->version != VXPU_IMG_VERSION || !h->ctx_id)
		fail("accepted a bad header", NULL);
	for (uint32_t i = 0; i < h->nr_asids; i++)
		for (uint32_t j = 0; j < i; j++)
			if (img->asids[i].id == img->asids[j].id || !img->asids[i].id)
				fail("accepted a duplicate or zero asid id", NULL);
	for (uint32_t i = 0; i < h->nr_maps; i++) {
		const struct vxpu_img_map *m = &img->maps[i];
		const struct drm_vxpu_criu_bo_bucket *bo = find_bo(bos, nb, m->handle);
		bool asid = false;

		for (uint32_t j = 0; j < h->nr_asids; j++)
			asid |= img->asids[j].id == m->asid;
		if (!asid || !bo)
			fail("accepted a map with an unknown asid or handle", NULL);
		if (m->va < VXPU_VA_START || m->va + m->size > VXPU_VA_END ||
		    m->va + m->size < m->va || !m->size)
			fail("accepted a map outside the VA range", NULL);
		if (m->bo_offset + m->size > bo->size || m->bo_offset + m->size < m->size)
			fail("accepted a map past its BO", NULL);
		for (uint32_t j = 0; j < i; j++) {
			const struct vxpu_img_map *o = &img->maps[j];

			if (o->asid == m->asid && o->va < m->va + m->size && m->va < o->va + o->size)
				fail("accepted overlapping maps", NULL);
		}
	}
	for (uint32_t i = 0; i < h->nr_queues; i++) {
		const struct vxpu_img_queue *q = &img->queues[i];
		const struct drm_vxpu_criu_bo_bucket *bo = find_bo(bos, nb, q->ring_handle);

		if (!bo || q->ring_offset + (uint64_t)q->ring_entries * 64 > bo->size ||
		    q->ring_offset >= bo->size)
			fail("accepted a ring outside its BO", NULL);
		if (q->rptr > q->wptr || q->wptr - q->rptr > q->ring_entries)
			fail("accepted bad ring pointers", NULL);
		if (q->pkt_valid && !(q->state == VXPU_QUEUE_ERROR &&
				      q->fault.reason == VXPU_FAULT_BAD_PACKET) &&
		    vxpu_interp_check(&q->pkt, &q->exec))
			fail("accepted a packet the interpreter refuses", NULL);
		if ((q->fault.reason != VXPU_FAULT_NONE) != (q->state == VXPU_QUEUE_ERROR))
			fail("accepted a fault inconsistent with the state", NULL);
		for (uint32_t j = 0; j < i; j++)
			if (img->queues[j].id == q->id)
				fail("accepted a duplicate queue id", NULL);
	}
	for (uint32_t i = 0; i < h->nr_events; i++)
		for (uint32_t j = 0; j < i; j++)
			if (img->events[i].id == img->events[j].id)
				fail("accepted a duplicate event id", NULL);
}

/* @must_pass: a generated image with no mutation */
static void run_case(const struct drm_vxpu_criu_bo_bucket *bos_in, uint32_t nb,
		     const void *blob_in, size_t len, bool must_pass)
{
	struct drm_vxpu_criu_bo_bucket *bos = NULL;
	struct vxpu_img out;
	const char *why = NULL;
	void *blob;
	int rb, rp;

	if (nb) {
		bos = malloc(nb * BUCKET_SZ);
		if (!bos)
			return;
		memcpy(bos, bos_in, nb * BUCKET_SZ);
	}
	blob = malloc(len ? len : 1);	/* malloc is 16-aligned, exactly @len for ASan */
	if (!blob) {
		free(bos);
		return;
	}
	memcpy(blob, blob_in, len);

	rb = vxpu_img_check_bos(bos, nb, &why);
	if (rb && (rb != -EINVAL || !why))
		fail("check_bos: bad error", why);
	if (!rb && why)
		fail("check_bos: why set on success", why);
	if (verbose)
		fprintf(stderr, "check_bos(%u) = %d %s\n", nb, rb, why ? why : "");
	if (must_pass && rb)
		fail("generated buckets refused", why);

	why = NULL;
	memset(&out, 0x5a, sizeof(out));
	rp = vxpu_img_parse(blob, len, bos, nb, &out, &why);
	if (verbose)
		fprintf(stderr, "parse(%zu) = %d %s\n", len, rp, why ? why : "");
	if (rp) {
		static const struct vxpu_img zero;

		if ((rp != -EINVAL && rp != -EPROTO) || !why)
			fail("parse: bad error", why);
		if (memcmp(&out, &zero, sizeof(out)))
			fail("parse: out not zeroed on error", why);
		if (must_pass)
			fail("generated image refused", why);
	} else if (!rb) {
		const uint8_t *b = blob;
		void *again;

		if (why)
			fail("parse: why set on success", why);
		if (out.hdr.total_size != len || (const uint8_t *)out.asids != b + 72 ||
		    (const uint8_t *)(out.events + out.hdr.nr_events) != b + len)
			fail("parse: arrays not where the blob has them", NULL);
		oracle(&out, bos, nb);
		again = malloc(len);
		if (!again)
			abort();
		vxpu_img_write(again, &out);
		if (memcmp(again, blob, len))
			fail("accepted image not written back byte for byte", NULL);
		free(again);
	}
	free(blob);
	free(bos);
}

static void run_raw(const uint8_t *d, size_t n)
{
	uint32_t nb;

	if (n < 2)
		return;
	nb = (uint32_t)get(d, 2);
	d += 2;
	n -= 2;
	if (nb > n / BUCKET_SZ)
		nb = (uint32_t)(n / BUCKET_SZ);
	run_case((const void *)d, nb, d + nb * BUCKET_SZ, n - nb * BUCKET_SZ, false);
}

/* ---- structure-aware mutations ---- */

static const uint32_t i32[] = {
	0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 64, 65535, 65536, 65537, 0x7fffffff, 0x80000000u,
	0x80000001u, 0xffffffffu, 1u << 20, (1u << 20) + 1, 4096, 4097, 72, 256,
};

static const uint64_t i64[] = {
	0, 1, 8, 4095, 4096, 4097, VXPU_VA_START, VXPU_VA_START - 4096, VXPU_VA_END,
	VXPU_VA_END - 4096, 1ULL << 63, ~0ULL, ~0ULL - 4095, 1ULL << 32, 72, 65536,
	VXPU_IMG_MAGIC, 0x7fffffff, 0x80000000ULL,
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct work {
	uint8_t *blob;
	size_t len, cap;
	struct drm_vxpu_criu_bo_bucket bos[MAX_BOS];
	uint32_t nb;
};

static const size_t rec_size[4] = {
	sizeof(struct vxpu_img_asid), sizeof(struct vxpu_img_map),
	sizeof(struct vxpu_img_queue), sizeof(struct vxpu_img_event),
};

/* The header's counts, if they describe the blob exactly. */
static bool layout(struct work *w, uint32_t cnt[4], size_t start[4])
{
	struct vxpu_img_header h;
	size_t off = sizeof(h);

	if (w->len < sizeof(h))
		return false;
	memcpy(&h, w->blob, sizeof(h));
	cnt[0] = h.nr_asids;
	cnt[1] = h.nr_maps;
	cnt[2] = h.nr_queues;
	cnt[3] = h.nr_events;
	if (vxpu_img_size(cnt[0], cnt[1], cnt[2], cnt[3]) != w->len)
		return false;
	for (int t = 0; t < 4; t++) {
		start[t] = off;
		off += cnt[t] * rec_size[t];
	}
	return true;
}

static void set_counts(struct work *w, const uint32_t cnt[4])
{
	struct vxpu_img_header h;

	memcpy(&h, w->blob, sizeof(h));
	h.nr_asids = cnt[0];
	h.nr_maps = cnt[1];
	h.nr_queues = cnt[2];
	h.nr_events = cnt[3];
	h.total_size = w->len;
	memcpy(w->blob, &h, sizeof(h));
}

static bool grow(struct work *w, size_t len)
{
	if (len > w->cap) {
		uint8_t *n = realloc(w->blob, len);

		if (!n)
			return false;
		w->blob = n;
		w->cap = len;
	}
	if (len > w->len)
		memset(w->blob + w->len, 0, len - w->len);
	w->len = len;
	return true;
}

static void apply(struct work *w, const uint8_t *op)
{
	unsigned int kind = op[0] % 12;
	uint32_t sel = (uint32_t)get(op + 1, 2), cnt[4];
	uint64_t v = get(op + 3, 5);
	size_t start[4], off, rs;
	uint32_t u;
	uint64_t q;
	int t = op[3] % 4;

	switch (kind) {
	case 0:		/* a byte */
		if (w->len)
			w->blob[sel % w->len] = op[3];
		break;
	case 1:		/* a u32 to an interesting value */
		if (w->len < 4)
			break;
		off = (sel * 4ULL) % (w->len - 3) & ~3ULL;
		u = op[4] & 1 ? (uint32_t)v : i32[op[3] % NELEM(i32)];
		memcpy(w->blob + off, &u, 4);
		break;
	case 2:		/* a u64 to an interesting value */
		if (w->len < 8)
			break;
		off = (sel * 8ULL) % (w->len - 7) & ~7ULL;
		q = op[4] & 1 ? v << (op[5] % 24) : i64[op[3] % NELEM(i64)];
		memcpy(w->blob + off, &q, 8);
		break;
	case 3:		/* a u64 plus or minus a little (or a page) */
		if (w->len < 8)
			break;
		off = (sel * 8ULL) % (w->len - 7) & ~7ULL;
		memcpy(&q, w->blob + off, 8);
		q += (uint64_t)(int64_t)(int8_t)op[3] * (op[4] & 1 ? 4096 : 1);
		memcpy(w->blob + off, &q, 8);
		break;
	case 4:		/* a u32 plus or minus a little */
		if (w->len < 4)
			break;
		off = (sel * 4ULL) % (w->len - 3) & ~3ULL;
		memcpy(&u, w->blob + off, 4);
		u += (uint32_t)(int32_t)(int8_t)op[3];
		memcpy(w->blob + off, &u, 4);
		break;
	case 5:		/* truncate or extend, header untouched */
		rs = (op[3] % 64) * (op[4] & 2 ? 1 : 8);
		if (op[4] & 1)
			grow(w, w->len + rs);
		else
			w->len = rs < w->len ? w->len - rs : 0;
		break;
	case 6:		/* delete a record, counts and size kept consistent */
		if (!layout(w, cnt, start) || !cnt[t])
			break;
		rs = rec_size[t];
		off = start[t] + (sel % cnt[t]) * rs;
		memmove(w->blob + off, w->blob + off + rs, w->len - off - rs);
		w->len -= rs;
		cnt[t]--;
		set_counts(w, cnt);
		break;
	case 7:		/* duplicate a record in place (a collision), or append a copy */
		if (!layout(w, cnt, start) || !cnt[t] || cnt[t] >= 1024)
			break;
		rs = rec_size[t];
		off = start[t] + (sel % cnt[t]) * rs;
		if (!grow(w, w->len + rs))
			break;
		memmove(w->blob + off + rs, w->blob + off, w->len - off - rs);
		if (op[4] & 1) {	/* the copy goes at the end of its array */
			uint8_t tmp[256];
			size_t end = start[t] + cnt[t] * rs;

			memcpy(tmp, w->blob + off, rs);
			memmove(w->blob + off, w->blob + off + rs, end - off);
			memcpy(w->blob + end, tmp, rs);
		}
		cnt[t]++;
		set_counts(w, cnt);
		break;
	case 8:		/* swap two records of a kind */
		if (!layout(w, cnt, start) || cnt[t] < 2) {
			break;
		} else {
			uint8_t tmp[256];
			size_t a, b;

			rs = rec_size[t];
			a = start[t] + (sel % cnt[t]) * rs;
			b = start[t] + (op[4] % cnt[t]) * rs;
			memcpy(tmp, w->blob + a, rs);
			memcpy(w->blob + a, w->blob + b, rs);
			memcpy(w->blob + b, tmp, rs);
		}
		break;
	case 9:		/* a bucket field */
		if (!w->nb)
			break;
		{
			struct drm_vxpu_criu_bo_bucket *b = &w->bos[sel % w->nb];
			uint32_t x = op[5] & 1 ? (uint32_t)v : i32[op[4] % NELEM(i32)];
			uint64_t y = op[5] & 1 ? v << 12 : i64[op[4] % NELEM(i64)];

			switch (op[3] % 6) {
			case 0: b->size = y; break;
			case 1: b->offset = y; break;
			case 2: b->handle = x; break;
			case 3: b->placement = x; break;
			case 4: b->flags = x; break;
			default: b->pad = x; break;
			}
		}
		break;
	case 10:	/* drop or duplicate a bucket */
		if (!w->nb)
			break;
		off = sel % w->nb;
		if (op[3] & 1) {
			memmove(&w->bos[off], &w->bos[off + 1], (w->nb - off - 1) * BUCKET_SZ);
			w->nb--;
		} else if (w->nb < MAX_BOS) {
			memmove(&w->bos[off + 1], &w->bos[off], (w->nb - off) * BUCKET_SZ);
			w->nb++;
		}
		break;
	default:	/* copy a u32 field (an id, a handle, an asid) between two records */
		if (!layout(w, cnt, start) || !cnt[t])
			break;
		rs = rec_size[t];
		off = (op[5] % (rs / 4)) * 4;
		memcpy(w->blob + start[t] + (op[4] % cnt[t]) * rs + off,
		       w->blob + start[t] + (sel % cnt[t]) * rs + off, 4);
		break;
	}
}

static void run_structured(const uint8_t *d, size_t n)
{
	static struct work w;
	struct cg_shape s;
	struct cg_image ci;
	size_t nops;

	if (n < 9)
		return;
	cg_pick_shape(&s, d[8]);
	if (cg_generate(&ci, get(d, 8), &s))
		return;
	d += 9;
	n -= 9;
	nops = n / 8 < MAX_OPS ? n / 8 : MAX_OPS;

	w.len = 0;
	if (!grow(&w, ci.size)) {
		cg_free(&ci);
		return;
	}
	memcpy(w.blob, ci.blob, ci.size);
	w.nb = ci.num_bos < MAX_BOS ? ci.num_bos : MAX_BOS;
	memcpy(w.bos, ci.bos, w.nb * BUCKET_SZ);
	cg_free(&ci);

	for (size_t i = 0; i < nops; i++)
		apply(&w, d + 8 * i);
	run_case(w.bos, w.nb, w.blob, w.len, nops == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;

	if (!init) {
		const char *e = getenv("FUZZ_VERBOSE");

		verbose = e && *e && *e != '0';
		init = true;
	}
	if (size < 1)
		return 0;
	if (data[0] & 1)
		run_structured(data + 1, size - 1);
	else
		run_raw(data + 1, size - 1);
	return 0;
}
