// SPDX-License-Identifier: MIT
/* Random valid checkpoint images: see criu-gen.h. */
#include <stdlib.h>
#include <string.h>

#include "criu-gen.h"

#define PG	VXPU_PAGE_SIZE

uint64_t cg_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform-ish in [0, n) (n > 0) */
static uint64_t below(uint64_t *rs, uint64_t n)
{
	return cg_rand(rs) % n;
}

void cg_pick_shape(struct cg_shape *s, uint8_t sel)
{
	switch (sel % 8) {
	case 0:		/* empty context */
		*s = (struct cg_shape){ 0, 0, 0, 0, 0 };
		break;
	case 1:		/* BOs and ASIDs only */
		*s = (struct cg_shape){ 1 + sel / 8 % 3, 1 + sel / 32 % 3, 0, 0, 0 };
		break;
	case 2:		/* one of each */
		*s = (struct cg_shape){ 1, 1, 1, 1, 1 };
		break;
	case 3:
		*s = (struct cg_shape){ 2, 2, 3, 2, 2 };
		break;
	case 4:		/* events only */
		*s = (struct cg_shape){ 0, 0, 0, 0, 1 + sel / 8 % 4 };
		break;
	case 5:		/* queues in every state */
		*s = (struct cg_shape){ 3, 2, 2, 6, 1 };
		break;
	case 6:
		*s = (struct cg_shape){ 4, 3, 8, 4, 3 };
		break;
	default:	/* many maps in few ASIDs */
		*s = (struct cg_shape){ 3, 2, 12, 1, 0 };
		break;
	}
}

static uint64_t rand_va(uint64_t *rs, uint64_t align)
{
	uint64_t va;

	switch (below(rs, 4)) {
	case 0:
		va = VXPU_VA_START + below(rs, 1 << 24);
		break;
	case 1:
		va = below(rs, 1ULL << 47);
		break;
	case 2:
		va = below(rs, 1 << 16);
		break;
	default:
		va = cg_rand(rs) >> 16;
		break;
	}
	return va & ~(align - 1);
}

static uint64_t rand_size(uint64_t *rs)
{
	switch (below(rs, 4)) {
	case 0:
		return 0;
	case 1:
		return below(rs, 64);
	case 2:
		return below(rs, 1 << 20);
	default:
		return below(rs, 1ULL << 32);
	}
}

static uint32_t rand_sub_asid(uint64_t *rs)
{
	return below(rs, 2) ? 0 : (uint32_t)below(rs, 6);
}

/* done in [0, size], a multiple of @gran */
static uint64_t rand_done(uint64_t *rs, uint64_t size, uint64_t gran)
{
	uint64_t d;

	switch (below(rs, 4)) {
	case 0:
		d = 0;
		break;
	case 1:
		d = size;
		break;
	default:
		d = size ? below(rs, size + 1) : 0;
		break;
	}
	return d & ~(gran - 1);
}

void cg_packet(uint64_t *rs, uint32_t op, struct drm_vxpu_packet *p, struct vxpu_exec *ex)
{
	uint64_t m, n, k;

	memset(p, 0, sizeof(*p));
	memset(ex, 0, sizeof(*ex));
	p->opcode = op;
	switch (op) {
	case VXPU_OP_COPY:
		p->src_asid = rand_sub_asid(rs);
		p->dst_asid = rand_sub_asid(rs);
		p->src = rand_va(rs, 1);
		p->dst = rand_va(rs, 1);
		p->size = rand_size(rs);
		ex->done = rand_done(rs, p->size, 1);
		break;
	case VXPU_OP_FILL:
		p->dst_asid = rand_sub_asid(rs);
		p->dst = rand_va(rs, 1);
		p->size = rand_size(rs);
		p->arg[0] = cg_rand(rs);
		ex->done = rand_done(rs, p->size, 1);
		break;
	case VXPU_OP_WRITE64:
	case VXPU_OP_ATOMIC_ADD64:
		p->dst_asid = rand_sub_asid(rs);
		p->dst = rand_va(rs, 8);
		p->arg[0] = cg_rand(rs);
		break;
	case VXPU_OP_SIGNAL:
		p->arg[0] = below(rs, 8);
		p->arg[1] = cg_rand(rs);
		break;
	case VXPU_OP_WAIT:
		p->flags = (uint32_t)below(rs, 3);
		p->src_asid = rand_sub_asid(rs);
		p->src = rand_va(rs, 8);
		p->arg[0] = below(rs, 2) ? cg_rand(rs) : 0;
		break;
	case VXPU_OP_MIX64:
		p->src_asid = rand_sub_asid(rs);
		p->dst_asid = rand_sub_asid(rs);
		p->src = rand_va(rs, 8);
		p->dst = below(rs, 4) ? rand_va(rs, 8) : p->src;
		p->size = rand_size(rs) & ~7ULL;
		p->arg[0] = cg_rand(rs);
		ex->done = rand_done(rs, p->size, 8);
		break;
	case VXPU_OP_MATMUL_U32:
		m = below(rs, 8) ? below(rs, 65) : 65536;
		n = below(rs, 8) ? below(rs, 65) : 65536;
		k = below(rs, 8) ? below(rs, 65) : 65536;
		p->src_asid = rand_sub_asid(rs);
		p->dst_asid = rand_sub_asid(rs);
		p->src = rand_va(rs, 4);
		p->dst = rand_va(rs, 4);
		p->arg[0] = rand_va(rs, 4);
		p->arg[1] = m | n << 32;
		p->arg[2] = k;
		if (!m || !n)
			break;
		ex->done = below(rs, 4) ? below(rs, m) : m;
		if (ex->done < m) {
			ex->k = below(rs, k ? k : 1);
			ex->col = below(rs, n);
		}
		break;
	case VXPU_OP_HASH64:
		p->src_asid = rand_sub_asid(rs);
		p->dst_asid = rand_sub_asid(rs);
		p->src = rand_va(rs, 1);
		p->dst = rand_va(rs, 8);
		p->size = rand_size(rs);
		p->arg[0] = cg_rand(rs);
		ex->done = rand_done(rs, p->size, 1);
		if (ex->done || below(rs, 2)) {
			for (int i = 0; i < 4; i++)
				ex->acc[i] = cg_rand(rs);
			for (int i = 0; i < 32; i++)
				ex->tail[i] = (uint8_t)cg_rand(rs);
		}
		break;
	default:	/* NOP */
		break;
	}
}

static const uint32_t half_done_ops[] = {
	VXPU_OP_COPY, VXPU_OP_FILL, VXPU_OP_MIX64, VXPU_OP_HASH64, VXPU_OP_MATMUL_U32,
};

static const uint32_t memory_ops[] = {
	VXPU_OP_COPY, VXPU_OP_FILL, VXPU_OP_WRITE64, VXPU_OP_ATOMIC_ADD64, VXPU_OP_WAIT,
	VXPU_OP_MIX64, VXPU_OP_MATMUL_U32, VXPU_OP_HASH64,
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static void gen_queue(uint64_t *rs, struct cg_image *ci, struct vxpu_img_queue *q, uint32_t id)
{
	const struct drm_vxpu_criu_bo_bucket *bo = &ci->bos[below(rs, ci->num_bos)];
	uint64_t max_entries = bo->size / sizeof(struct drm_vxpu_packet);
	uint32_t lg = 1, maxlg, reason;
	uint64_t slots;

	memset(q, 0, sizeof(*q));
	q->id = id;
	q->asid = ci->asids[below(rs, ci->img.hdr.nr_asids)].id;
	q->ring_handle = bo->handle;
	if (max_entries > 65536)
		max_entries = 65536;
	for (maxlg = 1; (2ULL << maxlg) <= max_entries; maxlg++)
		;
	lg = 1 + (uint32_t)below(rs, below(rs, 4) ? (maxlg < 6 ? maxlg : 6) : maxlg);
	q->ring_entries = 1u << lg;
	slots = (bo->size - (uint64_t)q->ring_entries * sizeof(struct drm_vxpu_packet)) / PG;
	q->ring_offset = below(rs, slots + 1) * PG;
	q->priority = (uint32_t)below(rs, VXPU_QUEUE_PRIORITY_MAX + 1);
	q->rptr = below(rs, 4) ? below(rs, 1000) : cg_rand(rs) >> 1;
	q->bytes = cg_rand(rs) >> below(rs, 64);
	q->chunks = cg_rand(rs) >> below(rs, 64);

	switch (below(rs, 6)) {
	case 0:		/* idle, maybe with a doorbell taken while paused */
		q->state = VXPU_QUEUE_IDLE;
		q->wptr = q->rptr + (below(rs, 2) ? 0 : below(rs, q->ring_entries + 1));
		break;
	case 1:		/* running between packets */
		q->state = VXPU_QUEUE_RUNNING;
		q->wptr = q->rptr + below(rs, q->ring_entries + 1);
		break;
	case 2:
	case 3:		/* a half-done packet */
		q->state = VXPU_QUEUE_RUNNING;
		q->pkt_valid = 1;
		q->wptr = q->rptr + 1 + below(rs, q->ring_entries);
		cg_packet(rs, half_done_ops[below(rs, NELEM(half_done_ops))], &q->pkt, &q->exec);
		break;
	case 4:		/* parked in a WAIT */
		q->state = VXPU_QUEUE_WAITING;
		q->pkt_valid = 1;
		q->wptr = q->rptr + 1 + below(rs, q->ring_entries);
		cg_packet(rs, VXPU_OP_WAIT, &q->pkt, &q->exec);
		break;
	default:	/* stopped by a fault */
		q->state = VXPU_QUEUE_ERROR;
		q->pkt_valid = 1;
		q->wptr = q->rptr + 1 + below(rs, q->ring_entries);
		reason = 1 + (uint32_t)below(rs, VXPU_FAULT_REVOKED);
		q->fault.reason = reason;
		q->fault.queue = id;
		q->fault.packet = q->rptr;
		if (reason == VXPU_FAULT_BAD_PACKET) {
			/* whatever the engine fetched: garbage, or a good packet and bad progress */
			uint8_t *b = (uint8_t *)&q->pkt;

			if (below(rs, 2)) {
				for (size_t i = 0; i < sizeof(q->pkt); i++)
					b[i] = (uint8_t)cg_rand(rs);
			} else {
				cg_packet(rs, half_done_ops[below(rs, NELEM(half_done_ops))],
					  &q->pkt, &q->exec);
				q->exec.done = cg_rand(rs);
			}
		} else if (reason == VXPU_FAULT_BAD_EVENT) {
			cg_packet(rs, VXPU_OP_SIGNAL, &q->pkt, &q->exec);
		} else {
			cg_packet(rs, memory_ops[below(rs, NELEM(memory_ops))], &q->pkt, &q->exec);
			/* a real ASID id, but BAD_ASID may name any u32 */
			q->fault.asid = 1 + (uint32_t)below(rs, below(rs, 2) ? 8 :
				reason == VXPU_FAULT_BAD_ASID ? 0xffffffffu : VXPU_IMG_ID_MAX);
			q->fault.va = rand_va(rs, PG);
			if (reason != VXPU_FAULT_BAD_ASID)
				q->fault.access = 1 + (uint32_t)below(rs, 2);
		}
		break;
	}
	if (!q->pkt_valid && below(rs, 3) == 0) {
		/* stale leftovers of the previous packet: vxpu_img_write() zeroes them */
		cg_packet(rs, half_done_ops[below(rs, NELEM(half_done_ops))], &q->pkt, &q->exec);
		q->exec.done |= 1;
	}
}

/* @n ascending ids in [1, VXPU_IMG_ID_MAX], sometimes near the top */
static void gen_ids(uint64_t *rs, uint32_t *ids, size_t stride, uint32_t n)
{
	uint64_t id;

	switch (below(rs, 4)) {
	case 0:
		id = VXPU_IMG_ID_MAX - 4ULL * n;
		break;
	case 1:
		id = 1 + below(rs, 1000000);
		break;
	default:
		id = 1;
		break;
	}
	for (uint32_t i = 0; i < n; i++) {
		*(uint32_t *)((char *)ids + i * stride) = (uint32_t)id;
		id += 1 + (below(rs, 4) ? 0 : below(rs, 3));
	}
}

static void gen_maps(uint64_t *rs, struct cg_image *ci)
{
	uint32_t na = ci->img.hdr.nr_asids, nm = ci->img.hdr.nr_maps;
	uint32_t *count = calloc(na ? na : 1, sizeof(*count));
	uint32_t a, i, m = 0;

	if (!count)
		abort();
	for (i = 0; i < nm; i++)
		count[below(rs, na)]++;
	for (a = 0; a < na; a++) {
		uint64_t va = VXPU_VA_START + (below(rs, 2) ? 0 : below(rs, 64) * PG);

		for (i = 0; i < count[a]; i++, m++) {
			struct vxpu_img_map *mp = &ci->maps[m];
			const struct drm_vxpu_criu_bo_bucket *bo = &ci->bos[below(rs, ci->num_bos)];
			uint64_t bo_pg = bo->size / PG;
			uint64_t pg = 1 + below(rs, bo_pg);

			memset(mp, 0, sizeof(*mp));
			mp->asid = ci->asids[a].id;
			mp->handle = bo->handle;
			mp->size = pg * PG;
			mp->bo_offset = below(rs, bo_pg - pg + 1) * PG;
			mp->perm = 1 + (uint32_t)below(rs, 3);
			/* the last one of an ASID sometimes ends exactly at VXPU_VA_END */
			if (i + 1 == count[a] && !below(rs, 4))
				va = VXPU_VA_END - mp->size;
			mp->va = va;
			va += mp->size + (below(rs, 2) ? 0 : below(rs, 16) * PG);
		}
	}
	free(count);
}

int cg_serialize(struct cg_image *ci)
{
	struct vxpu_img_header *h = &ci->img.hdr;

	ci->img.asids = ci->asids;
	ci->img.maps = ci->maps;
	ci->img.queues = ci->queues;
	ci->img.events = ci->events;
	ci->size = vxpu_img_size(h->nr_asids, h->nr_maps, h->nr_queues, h->nr_events);
	free(ci->blob);
	ci->blob = aligned_alloc(8, (ci->size + 7) & ~7ULL);
	if (!ci->blob)
		return -1;
	vxpu_img_write(ci->blob, &ci->img);
	return 0;
}

int cg_generate(struct cg_image *ci, uint64_t seed, const struct cg_shape *s)
{
	struct vxpu_img_header *h = &ci->img.hdr;
	uint64_t rs = seed, hnd = 0, maxid;
	uint32_t i;

	memset(ci, 0, sizeof(*ci));
	if ((s->nr_maps || s->nr_queues) && (!s->nr_bos || !s->nr_asids))
		return -1;
	if (s->nr_asids > VXPU_IMG_MAX_ASIDS || s->nr_maps > VXPU_IMG_MAX_MAPS ||
	    s->nr_queues > VXPU_IMG_MAX_QUEUES || s->nr_events > VXPU_IMG_MAX_EVENTS ||
	    s->nr_bos > VXPU_CRIU_BO_MAX)
		return -1;
	ci->num_bos = s->nr_bos;
	ci->bos = calloc(s->nr_bos + 1, sizeof(*ci->bos));
	ci->asids = calloc(s->nr_asids + 1, sizeof(*ci->asids));
	ci->maps = calloc(s->nr_maps + 1, sizeof(*ci->maps));
	ci->queues = calloc(s->nr_queues + 1, sizeof(*ci->queues));
	ci->events = calloc(s->nr_events + 1, sizeof(*ci->events));
	if (!ci->bos || !ci->asids || !ci->maps || !ci->queues || !ci->events) {
		cg_free(ci);
		return -1;
	}

	for (i = 0; i < s->nr_bos; i++) {
		struct drm_vxpu_criu_bo_bucket *b = &ci->bos[i];

		hnd += 1 + (below(&rs, 4) ? 0 : below(&rs, 5));
		if (hnd > VXPU_CRIU_HANDLE_MAX - (s->nr_bos - i))
			hnd = VXPU_CRIU_HANDLE_MAX - (s->nr_bos - i) + 1;
		b->handle = (uint32_t)hnd;
		b->size = (below(&rs, 8) ? 1 + below(&rs, 32) : 1 + below(&rs, 1100)) * PG;
		b->placement = below(&rs, 2) ? VXPU_BO_VRAM : VXPU_BO_GTT;
		b->flags = below(&rs, 4) ? 0 : VXPU_CRIU_BO_IMPORTED;
		b->offset = (1 + below(&rs, 1ULL << 32)) * PG;
		b->owner_ctx_id = (uint32_t)below(&rs, 100);
		b->dmabuf_fd = -1;
	}

	h->nr_asids = s->nr_asids;
	h->nr_maps = s->nr_maps;
	h->nr_queues = s->nr_queues;
	h->nr_events = s->nr_events;
	h->ctx_id = 1 + (uint32_t)below(&rs, below(&rs, 2) ? 100 : VXPU_IMG_ID_MAX);
	h->quota = below(&rs, 4) ? (1ULL << 32) : (cg_rand(&rs) >> 12) * PG;

	gen_ids(&rs, &ci->asids[0].id, sizeof(ci->asids[0]), s->nr_asids);
	gen_maps(&rs, ci);
	gen_ids(&rs, &ci->queues[0].id, sizeof(ci->queues[0]), s->nr_queues);
	for (i = 0; i < s->nr_queues; i++)
		gen_queue(&rs, ci, &ci->queues[i], ci->queues[i].id);
	gen_ids(&rs, &ci->events[0].id, sizeof(ci->events[0]), s->nr_events);
	for (i = 0; i < s->nr_events; i++)
		ci->events[i].value = below(&rs, 2) ? below(&rs, 100) : cg_rand(&rs);

	/* cursors: one past the largest id, or anything an old wrap left */
	maxid = s->nr_asids ? ci->asids[s->nr_asids - 1].id : 0;
	h->asid_next = below(&rs, 4) ? (uint32_t)maxid + 1 :
		       (uint32_t)below(&rs, VXPU_IMG_ID_MAX + 2ULL);
	maxid = s->nr_queues ? ci->queues[s->nr_queues - 1].id : 0;
	h->queue_next = below(&rs, 4) ? (uint32_t)maxid + 1 :
			(uint32_t)below(&rs, VXPU_IMG_ID_MAX + 2ULL);
	maxid = s->nr_events ? ci->events[s->nr_events - 1].id : 0;
	h->event_next = below(&rs, 4) ? (uint32_t)maxid + 1 :
			(uint32_t)below(&rs, VXPU_IMG_ID_MAX + 2ULL);

	if (cg_serialize(ci)) {
		cg_free(ci);
		return -1;
	}
	return 0;
}

void cg_free(struct cg_image *ci)
{
	free(ci->bos);
	free(ci->asids);
	free(ci->maps);
	free(ci->queues);
	free(ci->events);
	free(ci->blob);
	memset(ci, 0, sizeof(*ci));
}
