// SPDX-License-Identifier: MIT
/*
 * Host unit tests of the checkpoint image codec (kernel/vxpu_criu_image.c,
 * the very file vxpu.ko runs): write -> parse round trips of generated
 * images of many shapes (tests/fuzz/criu-gen.c), accepted edge cases, one
 * test per validation rule asserting the exact errno and *why string, and
 * exhaustive truncation and single-byte corruption of a hand-built image.
 *
 * The base image of the rule tests (buckets ascending by handle):
 *   BOs     1: 16 pages GTT, 2: 4 pages VRAM imported, 5: 64 pages VRAM
 *   ASIDs   1, 3
 *   maps    M0 asid 1 va 0x100000 4 pages of BO 1 @0        RW
 *           M1 asid 1 va 0x200000 2 pages of BO 5 @8 pages  R
 *           M2 asid 3 va 0x100000 1 page  of BO 2 @3 pages  W
 *   queues  Q0 id 1  RUNNING, half-done COPY, ring BO 5 @0, 64 entries
 *           Q1 id 2  IDLE, ring BO 1 @0x8000, 16 entries, rptr = wptr = 5
 *           Q2 id 4  WAITING on a WAIT GE, ring BO 5 @0x1000, 32 entries
 *           Q3 id 7  ERROR, UNMAPPED write of a FILL, ring BO 1 @0
 *           Q4 id 8  RUNNING, half-done HASH64, ring BO 5 @0x2000, 2 entries
 *   events  1 (5), 2 (0), 10 (~0)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"
#include "criu-gen.h"

#define PG	VXPU_PAGE_SIZE
#define RW	(VXPU_MAP_READ | VXPU_MAP_WRITE)

static const struct drm_vxpu_criu_bo_bucket base_bos[3] = {
	{ .size = 16 * PG, .offset = 0x100000, .handle = 1, .placement = VXPU_BO_GTT },
	{ .size = 4 * PG, .offset = 0x200000, .handle = 2, .placement = VXPU_BO_VRAM,
	  .flags = VXPU_CRIU_BO_IMPORTED, .dmabuf_fd = -1 },
	{ .size = 64 * PG, .offset = 0x300000, .handle = 5, .placement = VXPU_BO_VRAM },
};

/* The base image, built into a fresh 8-aligned blob of exactly its size. */
struct base {
	struct drm_vxpu_criu_bo_bucket bos[3];
	const struct drm_vxpu_criu_bo_bucket *bosp;
	u32 num_bos;
	void *blob;
	const void *buf;
	u64 size;
	/* views into blob */
	struct vxpu_img_header *h;
	struct vxpu_img_asid *a;
	struct vxpu_img_map *m;
	struct vxpu_img_queue *q;
	struct vxpu_img_event *e;
};

static void base_build(struct base *b)
{
	struct vxpu_img_asid asids[2] = { { .id = 1 }, { .id = 3 } };
	struct vxpu_img_map maps[3] = {
		{ .asid = 1, .handle = 1, .va = 0x100000, .size = 4 * PG, .perm = RW },
		{ .asid = 1, .handle = 5, .va = 0x200000, .size = 2 * PG, .bo_offset = 8 * PG,
		  .perm = VXPU_MAP_READ },
		{ .asid = 3, .handle = 2, .va = 0x100000, .size = PG, .bo_offset = 3 * PG,
		  .perm = VXPU_MAP_WRITE },
	};
	struct vxpu_img_queue queues[5];
	struct vxpu_img_event events[3] = { { .id = 1, .value = 5 }, { .id = 2 },
					    { .id = 10, .value = ~0ULL } };
	struct vxpu_img img = {
		.hdr = { .ctx_id = 42, .quota = 1ULL << 30, .asid_next = 4, .queue_next = 9,
			 .event_next = 11, .nr_asids = 2, .nr_maps = 3, .nr_queues = 5,
			 .nr_events = 3 },
		.asids = asids, .maps = maps, .queues = queues, .events = events,
	};
	struct vxpu_img_queue *q;
	u8 *p;

	memset(queues, 0, sizeof(queues));
	q = &queues[0];
	*q = (struct vxpu_img_queue){ .id = 1, .asid = 1, .ring_handle = 5, .ring_entries = 64,
		.state = VXPU_QUEUE_RUNNING, .rptr = 10, .wptr = 14, .bytes = 4096, .chunks = 1,
		.pkt_valid = 1, .priority = 3 };
	q->pkt = (struct drm_vxpu_packet){ .opcode = VXPU_OP_COPY, .src = 0x100000,
					   .dst = 0x200000, .size = 0x3000 };
	q->exec.done = 0x1000;

	q = &queues[1];
	*q = (struct vxpu_img_queue){ .id = 2, .asid = 3, .ring_handle = 1,
		.ring_offset = 0x8000, .ring_entries = 16, .state = VXPU_QUEUE_IDLE,
		.rptr = 5, .wptr = 5 };

	q = &queues[2];
	*q = (struct vxpu_img_queue){ .id = 4, .asid = 1, .ring_handle = 5,
		.ring_offset = 0x1000, .ring_entries = 32, .state = VXPU_QUEUE_WAITING,
		.rptr = 0, .wptr = 1, .pkt_valid = 1 };
	q->pkt = (struct drm_vxpu_packet){ .opcode = VXPU_OP_WAIT, .flags = VXPU_WAIT_GE,
					   .src = 0x100008, .arg = { 7 } };

	q = &queues[3];
	*q = (struct vxpu_img_queue){ .id = 7, .asid = 1, .ring_handle = 1, .ring_entries = 64,
		.state = VXPU_QUEUE_ERROR, .rptr = 3, .wptr = 4, .pkt_valid = 1 };
	q->pkt = (struct drm_vxpu_packet){ .opcode = VXPU_OP_FILL, .dst = 0x500000,
					   .size = 0x2000, .arg = { 0x55 } };
	q->fault = (struct drm_vxpu_fault){ .reason = VXPU_FAULT_UNMAPPED,
		.access = VXPU_ACCESS_WRITE, .asid = 1, .queue = 7, .va = 0x500000, .packet = 3 };

	q = &queues[4];
	*q = (struct vxpu_img_queue){ .id = 8, .asid = 3, .ring_handle = 5,
		.ring_offset = 0x2000, .ring_entries = 2, .state = VXPU_QUEUE_RUNNING,
		.rptr = 100, .wptr = 102, .pkt_valid = 1, .priority = 15 };
	q->pkt = (struct drm_vxpu_packet){ .opcode = VXPU_OP_HASH64, .src = 0x100000,
					   .size = 100, .dst = 0x100000, .arg = { 5 } };
	q->exec.done = 40;
	for (int i = 0; i < 4; i++)
		q->exec.acc[i] = 0x1111111111111111ULL * (i + 1);
	for (int i = 0; i < 8; i++)
		q->exec.tail[i] = (u8)(0xa0 + i);

	memset(b, 0, sizeof(*b));
	memcpy(b->bos, base_bos, sizeof(base_bos));
	b->bosp = b->bos;
	b->num_bos = 3;
	b->size = vxpu_img_size(2, 3, 5, 3);
	b->blob = aligned_alloc(8, b->size);
	ck_assert_ptr_nonnull(b->blob);
	vxpu_img_write(b->blob, &img);
	b->buf = b->blob;
	p = b->blob;
	b->h = (void *)p;
	b->a = (void *)(p + sizeof(*b->h));
	b->m = (void *)(b->a + 2);
	b->q = (void *)(b->m + 3);
	b->e = (void *)(b->q + 5);
}

static int base_parse(struct base *b, const char **why)
{
	struct vxpu_img out;

	return vxpu_img_parse(b->buf, b->size, b->bosp, b->num_bos, &out, why);
}

/* ---- round trips ---- */

static void check_roundtrip(const struct cg_image *ci, const char *what)
{
	struct vxpu_img out;
	const char *why = "unset";
	void *again;
	int r;

	r = vxpu_img_check_bos(ci->bos, ci->num_bos, &why);
	ck_assert_msg(r == 0, "%s: check_bos %d (%s)", what, r, why ? why : "-");
	r = vxpu_img_parse(ci->blob, ci->size, ci->bos, ci->num_bos, &out, &why);
	ck_assert_msg(r == 0, "%s: parse %d (%s)", what, r, why ? why : "-");
	ck_assert_ptr_null(why);
	ck_assert_int_eq(out.hdr.magic, VXPU_IMG_MAGIC);
	ck_assert_int_eq(out.hdr.version, VXPU_IMG_VERSION);
	ck_assert_int_eq(out.hdr.total_size, ci->size);
	ck_assert_int_eq(out.hdr.ctx_id, ci->img.hdr.ctx_id);
	ck_assert_int_eq(out.hdr.quota, ci->img.hdr.quota);
	ck_assert_int_eq(out.hdr.asid_next, ci->img.hdr.asid_next);
	ck_assert_int_eq(out.hdr.queue_next, ci->img.hdr.queue_next);
	ck_assert_int_eq(out.hdr.event_next, ci->img.hdr.event_next);
	ck_assert_int_eq(out.hdr.nr_asids, ci->img.hdr.nr_asids);
	ck_assert_int_eq(out.hdr.nr_maps, ci->img.hdr.nr_maps);
	ck_assert_int_eq(out.hdr.nr_queues, ci->img.hdr.nr_queues);
	ck_assert_int_eq(out.hdr.nr_events, ci->img.hdr.nr_events);
	/* read in place */
	ck_assert_ptr_eq(out.asids, (const u8 *)ci->blob + sizeof(out.hdr));
	ck_assert_ptr_eq(out.events + out.hdr.nr_events, (const u8 *)ci->blob + ci->size);
	ck_assert(!memcmp(out.asids, ci->asids, out.hdr.nr_asids * sizeof(*out.asids)));
	ck_assert(!memcmp(out.maps, ci->maps, out.hdr.nr_maps * sizeof(*out.maps)));
	ck_assert(!memcmp(out.events, ci->events, out.hdr.nr_events * sizeof(*out.events)));
	for (u32 i = 0; i < out.hdr.nr_queues; i++) {
		struct vxpu_img_queue want = ci->queues[i];

		if (!want.pkt_valid) {
			memset(&want.pkt, 0, sizeof(want.pkt));
			memset(&want.exec, 0, sizeof(want.exec));
		}
		ck_assert_msg(!memcmp(&out.queues[i], &want, sizeof(want)), "%s: queue %u differs",
			      what, i);
	}
	again = aligned_alloc(8, ci->size);
	ck_assert_ptr_nonnull(again);
	vxpu_img_write(again, &out);
	ck_assert_msg(!memcmp(again, ci->blob, ci->size), "%s: rewrite differs", what);
	free(again);
}

START_TEST(size_formula)
{
	ck_assert_int_eq(vxpu_img_size(0, 0, 0, 0), 72);
	ck_assert_int_eq(vxpu_img_size(1, 0, 0, 0), 72 + 8);
	ck_assert_int_eq(vxpu_img_size(0, 1, 0, 0), 72 + 40);
	ck_assert_int_eq(vxpu_img_size(0, 0, 1, 0), 72 + 256);
	ck_assert_int_eq(vxpu_img_size(0, 0, 0, 1), 72 + 16);
	ck_assert_int_eq(vxpu_img_size(2, 3, 5, 3), 72 + 16 + 120 + 1280 + 48);
	/* the largest image fits the UAPI's private data limit */
	ck_assert(vxpu_img_size(VXPU_IMG_MAX_ASIDS, VXPU_IMG_MAX_MAPS, VXPU_IMG_MAX_QUEUES,
				VXPU_IMG_MAX_EVENTS) <= VXPU_CRIU_PRIV_MAX);
	ck_assert_int_eq(vxpu_img_size(~0u, ~0u, ~0u, ~0u),
			 72 + 0xffffffffULL * (8 + 40 + 256 + 16));
}
END_TEST

START_TEST(roundtrip_empty)
{
	struct cg_shape s = { 0 };
	struct cg_image ci;

	ck_assert_int_eq(cg_generate(&ci, 1, &s), 0);
	ck_assert_int_eq(ci.size, 72);
	check_roundtrip(&ci, "empty");
	/* no buckets at all: NULL is fine */
	{
		struct vxpu_img out;
		const char *why;

		ck_assert_int_eq(vxpu_img_check_bos(NULL, 0, &why), 0);
		ck_assert_int_eq(vxpu_img_parse(ci.blob, ci.size, NULL, 0, &out, &why), 0);
		ck_assert_int_eq(out.hdr.nr_asids + out.hdr.nr_maps + out.hdr.nr_queues +
				 out.hdr.nr_events, 0);
	}
	cg_free(&ci);
}
END_TEST

START_TEST(roundtrip_base)
{
	struct base b;
	struct vxpu_img out;
	const char *why = "unset";

	base_build(&b);
	ck_assert_int_eq(vxpu_img_check_bos(b.bos, 3, &why), 0);
	ck_assert_ptr_null(why);
	ck_assert_int_eq(vxpu_img_parse(b.blob, b.size, b.bos, 3, &out, &why), 0);
	ck_assert_ptr_null(why);
	ck_assert_int_eq(out.hdr.ctx_id, 42);
	ck_assert_int_eq(out.queues[0].exec.done, 0x1000);
	ck_assert_int_eq(out.queues[4].exec.done, 40);
	ck_assert_int_eq(out.queues[4].exec.acc[3], 0x4444444444444444ULL);
	ck_assert_int_eq(out.queues[4].exec.tail[7], 0xa7);
	ck_assert_int_eq(out.queues[3].fault.va, 0x500000);
	ck_assert_int_eq(out.events[2].value, ~0ULL);
	free(b.blob);
}
END_TEST

/* 256 shapes x 4 seeds: empty, small, medium; queues in every state */
START_TEST(roundtrip_shapes)
{
	for (int sel = 0; sel < 256; sel++)
		for (uint64_t seed = 0; seed < 4; seed++) {
			struct cg_shape s;
			struct cg_image ci;
			char what[64];

			cg_pick_shape(&s, (uint8_t)sel);
			ck_assert_int_eq(cg_generate(&ci, seed * 7919 + sel, &s), 0);
			snprintf(what, sizeof(what), "shape %d seed %llu", sel,
				 (unsigned long long)seed);
			check_roundtrip(&ci, what);
			cg_free(&ci);
		}
}
END_TEST

/* many of everything, up to every limit at once */
START_TEST(roundtrip_many)
{
	const struct cg_shape shapes[] = {
		{ 40, 30, 500, 200, 300 },
		{ 1, 1, 1000, 1, 0 },		/* many maps in one ASID */
		{ VXPU_CRIU_BO_MAX, VXPU_IMG_MAX_ASIDS, VXPU_IMG_MAX_MAPS, VXPU_IMG_MAX_QUEUES,
		  VXPU_IMG_MAX_EVENTS },
	};

	for (unsigned int i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct cg_image ci;
		char what[32];

		ck_assert_int_eq(cg_generate(&ci, 1000 + i, &shapes[i]), 0);
		snprintf(what, sizeof(what), "many %u", i);
		check_roundtrip(&ci, what);
		cg_free(&ci);
	}
}
END_TEST

/* a half-done packet of every resumable opcode, its progress kept exactly */
START_TEST(roundtrip_half_done)
{
	static const u32 ops[] = { VXPU_OP_COPY, VXPU_OP_FILL, VXPU_OP_MIX64, VXPU_OP_HASH64,
				   VXPU_OP_MATMUL_U32, VXPU_OP_WAIT };
	struct cg_shape s = { 2, 1, 0, 1, 0 };

	for (unsigned int i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		for (uint64_t seed = 1; seed < 50; seed++) {
			struct cg_image ci;
			struct vxpu_img_queue *q;
			uint64_t rs = seed;
			char what[48];

			ck_assert_int_eq(cg_generate(&ci, seed, &s), 0);
			q = &ci.queues[0];
			memset(&q->fault, 0, sizeof(q->fault));
			q->state = ops[i] == VXPU_OP_WAIT ? VXPU_QUEUE_WAITING : VXPU_QUEUE_RUNNING;
			q->pkt_valid = 1;
			if (q->wptr == q->rptr)
				q->wptr++;
			cg_packet(&rs, ops[i], &q->pkt, &q->exec);
			ck_assert_int_eq(cg_serialize(&ci), 0);
			snprintf(what, sizeof(what), "op %u seed %llu", ops[i],
				 (unsigned long long)seed);
			check_roundtrip(&ci, what);
			cg_free(&ci);
		}
}
END_TEST

/* write: pads zeroed, stale pkt/exec of a queue without a packet zeroed */
START_TEST(write_canonical)
{
	struct vxpu_img_asid a = { .id = 1 };
	struct vxpu_img_map m = { .asid = 1, .handle = 1, .va = VXPU_VA_START, .size = PG,
				  .perm = RW, .pad = 0xdead };
	struct vxpu_img_queue q = { .id = 3, .asid = 1, .ring_handle = 1, .ring_entries = 2,
				    .state = VXPU_QUEUE_IDLE, .pad = 7 };
	struct vxpu_img_event e = { .id = 9, .pad = 1, .value = 3 };
	struct vxpu_img img = {
		.hdr = { .magic = 1, .version = 99, .header_size = 3, .total_size = 5,
			 .ctx_id = 1, .pad = 77, .nr_asids = 1, .nr_maps = 1, .nr_queues = 1,
			 .nr_events = 1 },
		.asids = &a, .maps = &m, .queues = &q, .events = &e,
	};
	struct drm_vxpu_criu_bo_bucket bo = { .size = PG, .offset = PG, .handle = 1,
					      .placement = VXPU_BO_GTT };
	u64 size = vxpu_img_size(1, 1, 1, 1);
	void *buf = aligned_alloc(8, size);
	struct vxpu_img out;
	const char *why;

	q.pkt.opcode = VXPU_OP_COPY;
	q.pkt.size = 99;
	q.exec.done = 12;
	q.exec.tail[5] = 1;
	ck_assert_ptr_nonnull(buf);
	memset(buf, 0xee, size);
	vxpu_img_write(buf, &img);
	ck_assert_int_eq(vxpu_img_parse(buf, size, &bo, 1, &out, &why), 0);
	ck_assert_int_eq(out.hdr.magic, VXPU_IMG_MAGIC);
	ck_assert_int_eq(out.hdr.version, 1);
	ck_assert_int_eq(out.hdr.header_size, 72);
	ck_assert_int_eq(out.hdr.total_size, size);
	ck_assert_int_eq(out.hdr.pad, 0);
	ck_assert_int_eq(out.maps[0].pad, 0);
	ck_assert_int_eq(out.queues[0].pad, 0);
	ck_assert_int_eq(out.events[0].pad, 0);
	ck_assert_int_eq(out.queues[0].pkt.opcode, 0);
	ck_assert_int_eq(vt_first_nonzero(&out.queues[0].pkt, sizeof(q.pkt)), -1);
	ck_assert_int_eq(vt_first_nonzero(&out.queues[0].exec, sizeof(q.exec)), -1);
	free(buf);
}
END_TEST

/* Accepted edge cases, each on its own copy of the base image. */
enum {
	OK_BAD_PACKET_GARBAGE, OK_BAD_PACKET_PROGRESS, OK_IDLE_DOORBELL_PAUSED,
	OK_RUNNING_BETWEEN, OK_FULL_RING, OK_MAP_AT_VA_END, OK_MAP_WHOLE_BO, OK_RING_AT_BO_END,
	OK_IDS_MAX, OK_CURSORS, OK_HANDLE_MAX, OK_ADJACENT_MAPS, OK_BAD_ASID_FAULT,
	OK_BAD_EVENT_FAULT, OK_MATMUL_DONE, OK_ASID_NOT_QUEUED, OK_REVOKED_FAULT, OK_COUNT
};

START_TEST(accepted_edges)
{
	struct base b;
	const char *why = NULL;
	struct vxpu_img_queue *q;
	int r;

	base_build(&b);
	switch (_i) {
	case OK_BAD_PACKET_GARBAGE:	/* the engine keeps the malformed packet it fetched */
		q = &b.q[3];
		memset(&q->pkt, 0xff, sizeof(q->pkt));
		q->exec.done = 77;
		q->exec.acc[0] = 1;
		q->fault = (struct drm_vxpu_fault){ .reason = VXPU_FAULT_BAD_PACKET, .queue = 7,
						    .packet = 3 };
		break;
	case OK_BAD_PACKET_PROGRESS:	/* a good packet with a corrupt progress */
		q = &b.q[3];
		q->exec.done = q->pkt.size + 1;
		q->fault = (struct drm_vxpu_fault){ .reason = VXPU_FAULT_BAD_PACKET, .queue = 7,
						    .packet = 3 };
		break;
	case OK_IDLE_DOORBELL_PAUSED:	/* a doorbell while paused leaves it IDLE */
		b.q[1].wptr = b.q[1].rptr + 3;
		break;
	case OK_RUNNING_BETWEEN:	/* paused right after a packet completed */
		q = &b.q[0];
		q->pkt_valid = 0;
		memset(&q->pkt, 0, sizeof(q->pkt));
		memset(&q->exec, 0, sizeof(q->exec));
		q->wptr = q->rptr;
		break;
	case OK_FULL_RING:
		b.q[0].wptr = b.q[0].rptr + b.q[0].ring_entries;
		b.q[0].rptr = ~0ULL - 100;
		b.q[0].wptr = b.q[0].rptr + 64;
		b.q[0].fault.packet = 0;
		break;
	case OK_MAP_AT_VA_END:
		b.m[2].va = VXPU_VA_END - PG;
		break;
	case OK_MAP_WHOLE_BO:
		b.m[0].size = 16 * PG;
		b.m[1].va = 0x200000;
		break;
	case OK_RING_AT_BO_END:		/* 64 entries = 4 KiB in the last page of BO 1 */
		b.q[1].ring_offset = 15 * PG;
		b.q[1].ring_entries = 64;
		break;
	case OK_IDS_MAX:
		b.h->ctx_id = VXPU_IMG_ID_MAX;
		b.q[4].id = VXPU_IMG_ID_MAX;
		b.e[2].id = VXPU_IMG_ID_MAX;
		b.a[1].id = VXPU_IMG_ID_MAX;
		b.m[2].asid = VXPU_IMG_ID_MAX;
		b.q[1].asid = VXPU_IMG_ID_MAX;
		b.q[4].asid = VXPU_IMG_ID_MAX;
		break;
	case OK_CURSORS:	/* after an id of INT_MAX; 0 = never allocated */
		b.h->asid_next = VXPU_IMG_ID_MAX + 1;
		b.h->queue_next = 0;
		b.h->event_next = 1;
		break;
	case OK_HANDLE_MAX:
		b.bos[2].handle = VXPU_CRIU_HANDLE_MAX;
		b.m[1].handle = VXPU_CRIU_HANDLE_MAX;
		b.q[0].ring_handle = VXPU_CRIU_HANDLE_MAX;
		b.q[2].ring_handle = VXPU_CRIU_HANDLE_MAX;
		b.q[4].ring_handle = VXPU_CRIU_HANDLE_MAX;
		break;
	case OK_ADJACENT_MAPS:
		b.m[1].va = b.m[0].va + b.m[0].size;
		break;
	case OK_BAD_ASID_FAULT:
		b.q[3].fault.reason = VXPU_FAULT_BAD_ASID;
		b.q[3].fault.access = 0;
		b.q[3].fault.asid = 0xffffffffu;
		break;
	case OK_BAD_EVENT_FAULT:
		q = &b.q[3];
		q->pkt = (struct drm_vxpu_packet){ .opcode = VXPU_OP_SIGNAL,
						   .arg = { 1ULL << 40, 1 } };
		q->fault = (struct drm_vxpu_fault){ .reason = VXPU_FAULT_BAD_EVENT, .queue = 7,
						    .packet = 3 };
		break;
	case OK_MATMUL_DONE:	/* all rows done: MATMUL about to store nothing more */
		q = &b.q[0];
		q->pkt = (struct drm_vxpu_packet){ .opcode = VXPU_OP_MATMUL_U32, .src = 0x100000,
			.dst = 0x200000, .arg = { 0x100000, 4 | 5ULL << 32, 3 } };
		q->exec.done = 4;
		break;
	case OK_REVOKED_FAULT:	/* a revoked grant's hole, failed by the backend */
		b.q[3].fault.reason = VXPU_FAULT_REVOKED;
		b.q[3].fault.access = VXPU_ACCESS_READ;
		break;
	case OK_ASID_NOT_QUEUED:	/* an ASID without maps or queues */
		b.m[2].asid = 1;
		b.m[2].va = 0x300000;
		b.q[1].asid = 1;
		b.q[4].asid = 1;
		break;
	}
	ck_assert_int_eq(vxpu_img_check_bos(b.bos, b.num_bos, &why), 0);
	r = base_parse(&b, &why);
	ck_assert_msg(r == 0, "edge %d: %d (%s)", _i, r, why ? why : "-");
	free(b.blob);
}
END_TEST

/* ---- one test per validation rule of vxpu_img_parse() ---- */

struct rule {
	const char *name;
	int err;		/* EINVAL or EPROTO */
	const char *why;
};

#define R(n, w)		{ #n, EINVAL, w }
#define RP(n, w)	{ #n, EPROTO, w }

static const struct rule rules[] = {
	/* 0 */ R(null_blob, "private data missing or not 8-byte aligned"),
	R(unaligned_blob, "private data missing or not 8-byte aligned"),
	R(shorter_than_magic, "private data shorter than the header"),
	R(bad_magic, "bad magic (not a vxpu context image)"),
	RP(version_2, "unsupported image version"),
	RP(version_0, "unsupported image version"),
	R(shorter_than_header, "private data shorter than the header"),
	R(header_size, "header_size is not that of version 1"),
	R(total_size, "total_size differs from the private data size"),
	R(header_flags, "header flags not zero"),
	/* 10 */ R(header_pad, "header pad not zero"),
	R(ctx_id_zero, "ctx_id zero or over INT_MAX"),
	R(ctx_id_big, "ctx_id zero or over INT_MAX"),
	R(quota_unaligned, "quota not page aligned"),
	R(asid_next, "asid_next cursor over INT_MAX + 1"),
	R(queue_next, "queue_next cursor over INT_MAX + 1"),
	R(event_next, "event_next cursor over INT_MAX + 1"),
	R(nr_asids, "nr_asids over VXPU_IMG_MAX_ASIDS"),
	R(nr_maps, "nr_maps over VXPU_IMG_MAX_MAPS"),
	R(nr_queues, "nr_queues over VXPU_IMG_MAX_QUEUES"),
	/* 20 */ R(nr_events, "nr_events over VXPU_IMG_MAX_EVENTS"),
	R(counts_vs_size, "private data size does not match the record counts"),
	R(truncated_consistently, "private data size does not match the record counts"),
	R(buckets_missing, "BO buckets missing"),
	R(asid_id_zero, "asid id zero or over INT_MAX"),
	R(asid_id_big, "asid id zero or over INT_MAX"),
	R(asid_flags, "asid flags not zero"),
	R(asid_dup, "asid ids duplicate or not ascending"),
	R(asid_unsorted, "asid ids duplicate or not ascending"),
	R(map_pad, "map pad not zero"),
	/* 30 */ R(map_perm_zero, "map perm zero or not READ/WRITE bits"),
	R(map_perm_fixed, "map perm zero or not READ/WRITE bits"),
	R(map_asid_unknown, "map names an ASID that is not in the image"),
	R(map_va_unaligned, "map va not page aligned"),
	R(map_size_zero, "map size zero or not page aligned"),
	R(map_size_unaligned, "map size zero or not page aligned"),
	R(map_bo_offset_unaligned, "map bo_offset not page aligned"),
	R(map_below_va_start, "map outside [VXPU_VA_START, VXPU_VA_END)"),
	R(map_at_va_end, "map outside [VXPU_VA_START, VXPU_VA_END)"),
	R(map_across_va_end, "map outside [VXPU_VA_START, VXPU_VA_END)"),
	/* 40 */ R(map_size_wraps, "map outside [VXPU_VA_START, VXPU_VA_END)"),
	R(map_handle_unknown, "map handle not in the BO buckets"),
	R(map_size_past_bo, "map past the end of its BO"),
	R(map_offset_past_bo, "map past the end of its BO"),
	R(map_offset_wraps, "map past the end of its BO"),
	R(maps_asid_unsorted, "maps not sorted by (asid, va) or duplicated"),
	R(maps_va_unsorted, "maps not sorted by (asid, va) or duplicated"),
	R(maps_duplicate, "maps not sorted by (asid, va) or duplicated"),
	R(maps_overlap, "maps overlap in their ASID"),
	R(queue_id_zero, "queue id zero or over INT_MAX"),
	/* 50 */ R(queue_id_big, "queue id zero or over INT_MAX"),
	R(queue_pad, "queue pad not zero"),
	R(queue_asid_unknown, "queue names an ASID that is not in the image"),
	R(ring_entries_zero, "queue ring_entries not a power of two in [2, 65536]"),
	R(ring_entries_one, "queue ring_entries not a power of two in [2, 65536]"),
	R(ring_entries_three, "queue ring_entries not a power of two in [2, 65536]"),
	R(ring_entries_big, "queue ring_entries not a power of two in [2, 65536]"),
	R(ring_offset_unaligned, "queue ring_offset not page aligned"),
	R(ring_handle_unknown, "queue ring_handle not in the BO buckets"),
	R(ring_past_bo, "queue ring past the end of its BO"),
	/* 60 */ R(ring_offset_past_bo, "queue ring past the end of its BO"),
	R(priority, "queue priority over VXPU_QUEUE_PRIORITY_MAX"),
	R(state_paused, "queue state not IDLE, RUNNING, WAITING or ERROR"),
	R(state_unknown, "queue state not IDLE, RUNNING, WAITING or ERROR"),
	R(rptr_past_wptr, "queue rptr past wptr"),
	R(wptr_too_far, "queue wptr more than ring_entries ahead of rptr"),
	R(pkt_valid_two, "queue pkt_valid not 0 or 1"),
	R(stale_pkt, "queue without a packet has non-zero pkt or exec"),
	R(stale_exec, "queue without a packet has non-zero pkt or exec"),
	R(packet_empty_ring, "queue holds a packet but rptr == wptr"),
	/* 70 */ R(packet_malformed, "queue packet or progress rejected by interp_check"),
	R(progress_past_size, "queue packet or progress rejected by interp_check"),
	R(progress_matmul, "queue packet or progress rejected by interp_check"),
	R(progress_wait, "queue packet or progress rejected by interp_check"),
	R(hash_state_copy, "queue non-HASH64 progress has hash state"),
	R(hash_tail_wait, "queue non-HASH64 progress has hash state"),
	R(idle_with_packet, "IDLE queue holds a half-done packet"),
	R(waiting_no_packet, "WAITING queue without a WAIT packet"),
	R(waiting_copy, "WAITING queue without a WAIT packet"),
	R(error_no_packet, "queue in ERROR without its faulting packet"),
	/* 80 */ R(error_reason_none, "queue in ERROR without a fault reason"),
	R(error_reason_unknown, "queue fault reason unknown"),
	R(fault_queue, "queue fault names another queue"),
	R(fault_packet, "queue fault packet is not the queue's rptr"),
	R(fault_va_unaligned, "queue fault va not page aligned"),
	R(fault_access_zero, "queue fault access not READ/WRITE for a memory fault"),
	R(fault_access_both, "queue fault access not READ/WRITE for a memory fault"),
	R(fault_access_bad_asid, "queue fault access set for a non-memory fault reason"),
	R(fault_asid_bad_packet, "queue fault asid or va set for BAD_PACKET/BAD_EVENT"),
	R(fault_va_bad_event, "queue fault asid or va set for BAD_PACKET/BAD_EVENT"),
	/* 90 */ R(fault_asid_zero, "queue fault asid zero for a memory fault"),
	R(bad_event_not_signal, "queue fault BAD_EVENT for a packet that is not SIGNAL"),
	R(unmapped_signal, "queue memory fault for a packet that accesses no memory"),
	R(bad_asid_nop, "queue memory fault for a packet that accesses no memory"),
	R(fault_not_error, "queue not in ERROR has a fault record"),
	R(fault_idle, "queue not in ERROR has a fault record"),
	R(queue_dup, "queue ids duplicate or not ascending"),
	R(queue_unsorted, "queue ids duplicate or not ascending"),
	R(event_id_zero, "event id zero or over INT_MAX"),
	R(event_id_big, "event id zero or over INT_MAX"),
	/* 100 */ R(event_pad, "event pad not zero"),
	R(event_dup, "event ids duplicate or not ascending"),
	R(event_unsorted, "event ids duplicate or not ascending"),
	R(fault_asid_not_an_id, "queue fault asid over INT_MAX for a memory fault"),
	R(revoked_access_zero, "queue fault access not READ/WRITE for a memory fault"),
	R(revoked_signal, "queue memory fault for a packet that accesses no memory"),
	R(revoked_asid_zero, "queue fault asid zero for a memory fault"),
};

#define NRULES	((int)(sizeof(rules) / sizeof(rules[0])))

static void swap_bytes(void *a, void *b, size_t n)
{
	u8 t[512];

	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

/* Break exactly rule @i of the base image. */
static void *mutate(struct base *b, int i)
{
	struct vxpu_img_queue *q0 = &b->q[0], *q1 = &b->q[1], *q3 = &b->q[3];
	void *extra = NULL;

	switch (i) {
	case 0: b->buf = NULL; break;
	case 1:
		extra = aligned_alloc(8, b->size + 8);
		memcpy((u8 *)extra + 4, b->blob, b->size);
		b->buf = (u8 *)extra + 4;
		break;
	case 2: b->size = 15; break;
	case 3: b->h->magic ^= 1ULL << 40; break;
	case 4: b->h->version = 2; break;
	case 5: b->h->version = 0; break;
	case 6: b->size = 71; break;
	case 7: b->h->header_size = 80; break;
	case 8: b->h->total_size += 8; break;
	case 9: b->h->flags = 1; break;
	case 10: b->h->pad = 1; break;
	case 11: b->h->ctx_id = 0; break;
	case 12: b->h->ctx_id = 0x80000000u; break;
	case 13: b->h->quota += 512; break;
	case 14: b->h->asid_next = VXPU_IMG_ID_MAX + 2; break;
	case 15: b->h->queue_next = 0xffffffffu; break;
	case 16: b->h->event_next = VXPU_IMG_ID_MAX + 2; break;
	case 17: b->h->nr_asids = VXPU_IMG_MAX_ASIDS + 1; break;
	case 18: b->h->nr_maps = VXPU_IMG_MAX_MAPS + 1; break;
	case 19: b->h->nr_queues = VXPU_IMG_MAX_QUEUES + 1; break;
	case 20: b->h->nr_events = VXPU_IMG_MAX_EVENTS + 1; break;
	case 21: b->h->nr_events--; break;
	case 22: b->size -= 8; b->h->total_size -= 8; break;
	case 23: b->bosp = NULL; break;
	case 24: b->a[0].id = 0; break;
	case 25: b->a[1].id = VXPU_IMG_ID_MAX + 1; break;
	case 26: b->a[1].flags = VXPU_ASID_SVA; break;
	case 27: b->a[1].id = 1; break;
	case 28: swap_bytes(&b->a[0], &b->a[1], sizeof(b->a[0])); break;
	case 29: b->m[1].pad = 1; break;
	case 30: b->m[1].perm = 0; break;
	case 31: b->m[1].perm = VXPU_MAP_READ | VXPU_MAP_FIXED; break;
	case 32: b->m[2].asid = 2; break;
	case 33: b->m[1].va += 8; break;
	case 34: b->m[1].size = 0; break;
	case 35: b->m[1].size += 8; break;
	case 36: b->m[1].bo_offset = 8; break;
	case 37: b->m[0].va = VXPU_VA_START - PG; break;
	case 38: b->m[2].va = VXPU_VA_END; break;
	case 39: b->m[2].va = VXPU_VA_END - PG; b->m[2].size = 2 * PG; break;
	case 40: b->m[2].size = 0ULL - PG; break;
	case 41: b->m[1].handle = 3; break;
	case 42: b->m[0].size = 17 * PG; break;
	case 43: b->m[2].bo_offset = 4 * PG; break;
	case 44: b->m[2].bo_offset = 0ULL - PG; break;
	case 45: swap_bytes(&b->m[1], &b->m[2], sizeof(b->m[0])); break;
	case 46: swap_bytes(&b->m[0], &b->m[1], sizeof(b->m[0])); break;
	case 47: b->m[1].va = b->m[0].va; break;
	case 48: b->m[1].va = b->m[0].va + 3 * PG; break;
	case 49: q1->id = 0; break;
	case 50: b->q[4].id = VXPU_IMG_ID_MAX + 1; break;
	case 51: q1->pad = 1; break;
	case 52: q0->asid = 2; break;
	case 53: q1->ring_entries = 0; break;
	case 54: q1->ring_entries = 1; break;
	case 55: q1->ring_entries = 3; break;
	case 56: q1->ring_entries = 131072; break;
	case 57: q1->ring_offset += 64; break;
	case 58: q0->ring_handle = 4; break;
	case 59: q0->ring_entries = 8192; break;	/* 512 KiB in a 256 KiB BO */
	case 60: q1->ring_offset = 16 * PG; break;
	case 61: q0->priority = VXPU_QUEUE_PRIORITY_MAX + 1; break;
	case 62: q1->state = VXPU_QUEUE_PAUSED; break;
	case 63: q1->state = 5; break;
	case 64: q1->rptr = q1->wptr + 1; break;
	case 65: q1->wptr = q1->rptr + q1->ring_entries + 1; break;
	case 66: q0->pkt_valid = 2; break;
	case 67: q1->pkt.arg[2] = 1; break;
	case 68: q1->exec.tail[31] = 1; break;
	case 69: q0->wptr = q0->rptr; break;
	case 70: q0->pkt.flags = 1; break;
	case 71: q0->exec.done = q0->pkt.size + 1; break;
	case 72:
		q0->pkt = (struct drm_vxpu_packet){ .opcode = VXPU_OP_MATMUL_U32,
			.arg = { 0, 4 | 5ULL << 32, 3 } };
		q0->exec.done = 1;
		q0->exec.k = 3;		/* k must be < K */
		break;
	case 73: b->q[2].exec.done = 8; break;
	case 74: q0->exec.acc[1] = 1; break;
	case 75: b->q[2].exec.tail[0] = 1; break;
	case 76: q0->state = VXPU_QUEUE_IDLE; break;
	case 77: q1->state = VXPU_QUEUE_WAITING; break;
	case 78: q0->state = VXPU_QUEUE_WAITING; break;
	case 79: q1->state = VXPU_QUEUE_ERROR; break;
	case 80: q3->fault.reason = VXPU_FAULT_NONE; break;
	case 81: q3->fault.reason = VXPU_FAULT_REVOKED + 1; break;
	case 82: q3->fault.queue = 1; break;
	case 83: q3->fault.packet = 4; break;
	case 84: q3->fault.va += 8; break;
	case 85: q3->fault.access = 0; break;
	case 86: q3->fault.access = VXPU_ACCESS_READ | VXPU_ACCESS_WRITE; break;
	case 87: q3->fault.reason = VXPU_FAULT_BAD_ASID; break;	/* access still WRITE */
	case 88:
		q3->fault.reason = VXPU_FAULT_BAD_PACKET;
		q3->fault.access = 0;
		q3->fault.va = 0;	/* asid still 1 */
		break;
	case 89:
		q3->pkt = (struct drm_vxpu_packet){ .opcode = VXPU_OP_SIGNAL, .arg = { 9, 1 } };
		q3->fault.reason = VXPU_FAULT_BAD_EVENT;
		q3->fault.access = 0;
		q3->fault.asid = 0;	/* va still set */
		break;
	case 90: q3->fault.asid = 0; break;
	case 91:
		q3->fault.reason = VXPU_FAULT_BAD_EVENT;
		q3->fault.access = 0;
		q3->fault.asid = 0;
		q3->fault.va = 0;	/* the packet is still a FILL */
		break;
	case 92:
		q3->pkt = (struct drm_vxpu_packet){ .opcode = VXPU_OP_SIGNAL, .arg = { 9, 1 } };
		break;
	case 93:
		memset(&q3->pkt, 0, sizeof(q3->pkt));	/* NOP */
		q3->fault.reason = VXPU_FAULT_BAD_ASID;
		q3->fault.access = 0;
		break;
	case 94: q0->fault.va = PG; break;
	case 95: q1->fault.packet = 5; break;
	case 96: q1->id = 1; break;
	case 97: swap_bytes(&b->q[0], &b->q[1], sizeof(b->q[0])); break;
	case 98: b->e[0].id = 0; break;
	case 99: b->e[2].id = VXPU_IMG_ID_MAX + 1; break;
	case 100: b->e[1].pad = 1; break;
	case 101: b->e[2].id = 2; break;
	case 102: swap_bytes(&b->e[1], &b->e[2], sizeof(b->e[0])); break;
	case 103: q3->fault.asid = VXPU_IMG_ID_MAX + 1; break;
	case 104:
		q3->fault.reason = VXPU_FAULT_REVOKED;
		q3->fault.access = 0;
		break;
	case 105:
		q3->fault.reason = VXPU_FAULT_REVOKED;
		q3->pkt = (struct drm_vxpu_packet){ .opcode = VXPU_OP_SIGNAL, .arg = { 9, 1 } };
		break;
	case 106:
		q3->fault.reason = VXPU_FAULT_REVOKED;
		q3->fault.asid = 0;
		break;
	default: ck_abort_msg("no mutation %d", i);
	}
	return extra;
}

START_TEST(parse_rule)
{
	const struct rule *r = &rules[_i];
	const char *why = NULL;
	struct base b;
	struct vxpu_img out;
	void *extra;
	int ret;

	base_build(&b);
	ck_assert_int_eq(base_parse(&b, &why), 0);
	extra = mutate(&b, _i);
	memset(&out, 0xa5, sizeof(out));
	ret = vxpu_img_parse(b.buf, b.size, b.bosp, b.num_bos, &out, &why);
	ck_assert_msg(ret == -r->err, "rule %d %s: returned %d, expected -%d (why: %s)", _i,
		      r->name, ret, r->err, why ? why : "NULL");
	ck_assert_msg(why && !strcmp(why, r->why), "rule %d %s: why \"%s\", expected \"%s\"",
		      _i, r->name, why ? why : "NULL", r->why);
	/* nothing half-parsed is left for a careless caller */
	ck_assert_ptr_null(out.asids);
	ck_assert_ptr_null(out.queues);
	/* the same without a why pointer */
	ck_assert_int_eq(vxpu_img_parse(b.buf, b.size, b.bosp, b.num_bos, &out, NULL),
			 -r->err);
	free(extra);
	free(b.blob);
}
END_TEST

/* ---- one test per validation rule of vxpu_img_check_bos() ---- */

static const struct rule bo_rules[] = {
	R(too_many, "more BO buckets than VXPU_CRIU_BO_MAX"),
	R(missing, "BO buckets missing"),
	R(size_zero, "BO size zero or not page aligned"),
	R(size_unaligned, "BO size zero or not page aligned"),
	R(placement_zero, "BO placement unknown"),
	R(placement_three, "BO placement unknown"),
	R(flags, "BO flags unknown"),
	R(pad, "BO pad not zero"),
	R(handle_zero, "BO handle zero"),
	R(handle_big, "BO handle over VXPU_CRIU_HANDLE_MAX"),
	R(handle_dup, "BO handles duplicate or not ascending"),
	R(handle_unsorted, "BO handles duplicate or not ascending"),
	R(offset_zero, "BO offset zero"),
	R(offset_unaligned, "BO offset not page aligned"),
};

START_TEST(bo_rule)
{
	const struct rule *r = &bo_rules[_i];
	struct drm_vxpu_criu_bo_bucket bos[3];
	const struct drm_vxpu_criu_bo_bucket *p = bos;
	const char *why = NULL;
	u32 n = 3;
	int ret;

	memcpy(bos, base_bos, sizeof(bos));
	ck_assert_int_eq(vxpu_img_check_bos(bos, n, &why), 0);
	switch (_i) {
	case 0: n = VXPU_CRIU_BO_MAX + 1; break;	/* refused before any is read */
	case 1: p = NULL; break;
	case 2: bos[1].size = 0; break;
	case 3: bos[1].size = PG + 512; break;
	case 4: bos[2].placement = 0; break;
	case 5: bos[2].placement = 3; break;
	case 6: bos[0].flags = 2; break;
	case 7: bos[2].pad = 1; break;
	case 8: bos[0].handle = 0; break;
	case 9: bos[2].handle = VXPU_CRIU_HANDLE_MAX + 1; break;
	case 10: bos[1].handle = 1; break;
	case 11: bos[0].handle = 3; break;
	case 12: bos[2].offset = 0; break;
	case 13: bos[2].offset = 0x300800; break;
	}
	ret = vxpu_img_check_bos(p, n, &why);
	ck_assert_msg(ret == -r->err, "bo rule %s: returned %d", r->name, ret);
	ck_assert_msg(why && !strcmp(why, r->why), "bo rule %s: why \"%s\", expected \"%s\"",
		      r->name, why ? why : "NULL", r->why);
	ck_assert_int_eq(vxpu_img_check_bos(p, n, NULL), -r->err);
}
END_TEST

START_TEST(bo_accepted)
{
	struct drm_vxpu_criu_bo_bucket *bos = calloc(VXPU_CRIU_BO_MAX, sizeof(*bos));
	const char *why = "unset";

	ck_assert_ptr_nonnull(bos);
	for (u32 i = 0; i < VXPU_CRIU_BO_MAX; i++) {
		bos[i].handle = VXPU_CRIU_HANDLE_MAX - VXPU_CRIU_BO_MAX + 1 + i;
		bos[i].size = PG << (i % 8);
		bos[i].placement = i % 2 ? VXPU_BO_VRAM : VXPU_BO_GTT;
		bos[i].flags = i % 3 ? 0 : VXPU_CRIU_BO_IMPORTED;
		bos[i].offset = (u64)(i + 1) * PG;
		/* out fields and what RESTORE ignores are not checked */
		bos[i].restored_offset = 123;
		bos[i].dmabuf_fd = (int)i - 5;
		bos[i].owner_ctx_id = i;
	}
	ck_assert_int_eq(vxpu_img_check_bos(bos, VXPU_CRIU_BO_MAX, &why), 0);
	ck_assert_ptr_null(why);
	ck_assert_int_eq(vxpu_img_check_bos(bos, 0, &why), 0);
	free(bos);
}
END_TEST

/* Every prefix of the base image is refused (read into an exact-size copy: ASan sees overreads). */
START_TEST(truncations)
{
	struct base b;
	const char *why;
	struct vxpu_img out;

	base_build(&b);
	for (u64 n = 0; n < b.size; n++) {
		void *cp = malloc(n ? n : 1);
		int r;

		ck_assert_ptr_nonnull(cp);
		memcpy(cp, b.blob, n);
		r = vxpu_img_parse(cp, n, b.bos, 3, &out, &why);
		ck_assert_msg(r == -EINVAL, "prefix %llu: %d", (unsigned long long)n, r);
		ck_assert_ptr_nonnull(why);
		free(cp);
	}
	free(b.blob);
}
END_TEST

/*
 * Every byte of the base image flipped, one at a time, each to 3 values:
 * refused with a reason, or accepted and then written back byte for byte.
 */
START_TEST(single_byte_corruptions)
{
	static const u8 x[] = { 0x01, 0x80, 0xff };
	struct base b;
	int accepted = 0, refused = 0;

	base_build(&b);
	for (u64 off = 0; off < b.size; off++)
		for (unsigned int k = 0; k < sizeof(x); k++) {
			u8 *p = b.blob;
			struct vxpu_img out;
			const char *why = NULL;
			int r;

			p[off] ^= x[k];
			r = vxpu_img_parse(b.blob, b.size, b.bos, 3, &out, &why);
			if (r == 0) {
				u8 *again = aligned_alloc(8, b.size);

				ck_assert_ptr_nonnull(again);
				vxpu_img_write(again, &out);
				ck_assert_msg(!memcmp(again, b.blob, b.size),
					      "offset %llu ^ %#x accepted but not written back",
					      (unsigned long long)off, x[k]);
				free(again);
				accepted++;
			} else {
				ck_assert_msg(r == -EINVAL || r == -EPROTO, "offset %llu: %d",
					      (unsigned long long)off, r);
				ck_assert_ptr_nonnull(why);
				refused++;
			}
			p[off] ^= x[k];
		}
	/* payload bytes (counters, values, addresses) may change; most structure may not */
	ck_assert_int_gt(accepted, 0);
	ck_assert_int_gt(refused, accepted);
	free(b.blob);
}
END_TEST

static Suite *criu_image_suite(void)
{
	Suite *s = suite_create("criu_image");
	TCase *tc;

	tc = tcase_create("roundtrip");
	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_test(tc, size_formula);
	tcase_add_test(tc, roundtrip_empty);
	tcase_add_test(tc, roundtrip_base);
	tcase_add_test(tc, roundtrip_shapes);
	tcase_add_test(tc, roundtrip_many);
	tcase_add_test(tc, roundtrip_half_done);
	tcase_add_test(tc, write_canonical);
	tcase_add_loop_test(tc, accepted_edges, 0, OK_COUNT);
	tcase_add_test(tc, bo_accepted);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_loop_test(tc, parse_rule, 0, NRULES);
	tcase_add_loop_test(tc, bo_rule, 0, (int)(sizeof(bo_rules) / sizeof(bo_rules[0])));
	tcase_add_test(tc, truncations);
	tcase_add_test(tc, single_byte_corruptions);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	SRunner *sr = srunner_create(criu_image_suite());
	const char *tap = argc > 1 ? argv[1] : basename(argv[0]);
	int failed;

	failed = vt_run(sr, tap);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
