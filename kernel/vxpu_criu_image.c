// SPDX-License-Identifier: GPL-2.0
/*
 * The private data of a checkpointed context (see vxpu_criu_image.h):
 * size, serialization and the restore-side validation.
 *
 * Portable: builds into vxpu.ko and on the host (unit tests, libFuzzer
 * target); only vxpu_portable.h differs. No allocation, no recursion: the
 * records are read in place, ids and handles are looked up by binary
 * search over arrays whose strict ordering was checked first. Every error
 * names its rule in a static string (*why) for the kernel log and the
 * CRIU plugin.
 */
#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/errno.h>
#else
#include <assert.h>
#include <errno.h>
#endif

#include "vxpu_criu_image.h"

#define IMG_PAGE_MASK	(VXPU_PAGE_SIZE - 1)

/* The layout is part of the image format: fixed sizes, 8-byte multiples. */
static_assert(sizeof(struct vxpu_img_header) == 72, "header layout");
static_assert(sizeof(struct vxpu_img_asid) == 8, "asid layout");
static_assert(sizeof(struct vxpu_img_map) == 40, "map layout");
static_assert(sizeof(struct vxpu_img_queue) == 256, "queue layout");
static_assert(sizeof(struct vxpu_img_event) == 16, "event layout");
static_assert(sizeof(struct drm_vxpu_criu_bo_bucket) == 48, "bucket layout");

u64 vxpu_img_size(u32 nr_asids, u32 nr_maps, u32 nr_queues, u32 nr_events)
{
	return sizeof(struct vxpu_img_header) +
	       (u64)nr_asids * sizeof(struct vxpu_img_asid) +
	       (u64)nr_maps * sizeof(struct vxpu_img_map) +
	       (u64)nr_queues * sizeof(struct vxpu_img_queue) +
	       (u64)nr_events * sizeof(struct vxpu_img_event);
}

void vxpu_img_write(void *buf, const struct vxpu_img *img)
{
	const struct vxpu_img_header *h = &img->hdr;
	struct vxpu_img_header *dh = buf;
	struct vxpu_img_asid *da;
	struct vxpu_img_map *dm;
	struct vxpu_img_queue *dq;
	struct vxpu_img_event *de;
	u32 i;

	*dh = *h;
	dh->magic = VXPU_IMG_MAGIC;
	dh->version = VXPU_IMG_VERSION;
	dh->header_size = sizeof(*dh);
	dh->total_size = vxpu_img_size(h->nr_asids, h->nr_maps, h->nr_queues,
				       h->nr_events);
	dh->pad = 0;

	da = (struct vxpu_img_asid *)(dh + 1);
	for (i = 0; i < h->nr_asids; i++)
		da[i] = img->asids[i];

	dm = (struct vxpu_img_map *)(da + h->nr_asids);
	for (i = 0; i < h->nr_maps; i++) {
		dm[i] = img->maps[i];
		dm[i].pad = 0;
	}

	dq = (struct vxpu_img_queue *)(dm + h->nr_maps);
	for (i = 0; i < h->nr_queues; i++) {
		dq[i] = img->queues[i];
		dq[i].pad = 0;
		if (!dq[i].pkt_valid) {
			memset(&dq[i].pkt, 0, sizeof(dq[i].pkt));
			memset(&dq[i].exec, 0, sizeof(dq[i].exec));
		}
	}

	de = (struct vxpu_img_event *)(dq + h->nr_queues);
	for (i = 0; i < h->nr_events; i++) {
		de[i] = img->events[i];
		de[i].pad = 0;
	}
}

static int img_bad(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -EINVAL;
}

static bool img_zero(const void *p, u64 n)
{
	const u8 *b = p;
	u64 i;

	for (i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

int vxpu_img_check_bos(const struct drm_vxpu_criu_bo_bucket *bos, u32 num_bos,
		       const char **why)
{
	const struct drm_vxpu_criu_bo_bucket *b;
	u32 i, prev = 0;

	if (why)
		*why = NULL;
	if (num_bos > VXPU_CRIU_BO_MAX)
		return img_bad(why, "more BO buckets than VXPU_CRIU_BO_MAX");
	if (num_bos && !bos)
		return img_bad(why, "BO buckets missing");
	for (i = 0; i < num_bos; i++) {
		b = &bos[i];
		if (!b->size || (b->size & IMG_PAGE_MASK))
			return img_bad(why, "BO size zero or not page aligned");
		if (b->placement != VXPU_BO_VRAM && b->placement != VXPU_BO_GTT)
			return img_bad(why, "BO placement unknown");
		if (b->flags & ~VXPU_CRIU_BO_IMPORTED)
			return img_bad(why, "BO flags unknown");
		if (b->pad)
			return img_bad(why, "BO pad not zero");
		if (!b->handle)
			return img_bad(why, "BO handle zero");
		if (b->handle > VXPU_CRIU_HANDLE_MAX)
			return img_bad(why, "BO handle over VXPU_CRIU_HANDLE_MAX");
		if (b->handle <= prev)
			return img_bad(why, "BO handles duplicate or not ascending");
		if (!b->offset)
			return img_bad(why, "BO offset zero");
		if (b->offset & IMG_PAGE_MASK)
			return img_bad(why, "BO offset not page aligned");
		prev = b->handle;
	}
	return 0;
}

/* The bucket of @handle in buckets of strictly ascending handles, or NULL. */
static const struct drm_vxpu_criu_bo_bucket *
img_find_bo(const struct drm_vxpu_criu_bo_bucket *bos, u32 num_bos, u32 handle)
{
	u32 lo = 0, hi = num_bos, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (bos[mid].handle == handle)
			return &bos[mid];
		if (bos[mid].handle < handle)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Is @id among the (strictly ascending) ASID records? */
static bool img_has_asid(const struct vxpu_img_asid *asids, u32 n, u32 id)
{
	u32 lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (asids[mid].id == id)
			return true;
		if (asids[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* An id as xa_alloc_cyclic(XA_LIMIT(1, INT_MAX)) hands them out. */
static bool img_id_ok(u32 id)
{
	return id && id <= VXPU_IMG_ID_MAX;
}

static int img_check_header(const struct vxpu_img_header *h, u64 size,
			    const char **why)
{
	if (h->header_size != sizeof(*h))
		return img_bad(why, "header_size is not that of version 1");
	if (h->total_size != size)
		return img_bad(why, "total_size differs from the private data size");
	if (h->flags)
		return img_bad(why, "header flags not zero");
	if (h->pad)
		return img_bad(why, "header pad not zero");
	if (!img_id_ok(h->ctx_id))
		return img_bad(why, "ctx_id zero or over INT_MAX");
	if (h->quota & IMG_PAGE_MASK)
		return img_bad(why, "quota not page aligned");
	if (h->asid_next > VXPU_IMG_ID_MAX + 1)
		return img_bad(why, "asid_next cursor over INT_MAX + 1");
	if (h->queue_next > VXPU_IMG_ID_MAX + 1)
		return img_bad(why, "queue_next cursor over INT_MAX + 1");
	if (h->event_next > VXPU_IMG_ID_MAX + 1)
		return img_bad(why, "event_next cursor over INT_MAX + 1");
	if (h->nr_asids > VXPU_IMG_MAX_ASIDS)
		return img_bad(why, "nr_asids over VXPU_IMG_MAX_ASIDS");
	if (h->nr_maps > VXPU_IMG_MAX_MAPS)
		return img_bad(why, "nr_maps over VXPU_IMG_MAX_MAPS");
	if (h->nr_queues > VXPU_IMG_MAX_QUEUES)
		return img_bad(why, "nr_queues over VXPU_IMG_MAX_QUEUES");
	if (h->nr_events > VXPU_IMG_MAX_EVENTS)
		return img_bad(why, "nr_events over VXPU_IMG_MAX_EVENTS");
	if (size != vxpu_img_size(h->nr_asids, h->nr_maps, h->nr_queues,
				  h->nr_events))
		return img_bad(why, "private data size does not match the record counts");
	return 0;
}

static int img_check_asids(const struct vxpu_img *img, const char **why)
{
	u32 i, prev = 0;

	for (i = 0; i < img->hdr.nr_asids; i++) {
		const struct vxpu_img_asid *a = &img->asids[i];

		if (!img_id_ok(a->id))
			return img_bad(why, "asid id zero or over INT_MAX");
		if (a->flags)
			return img_bad(why, "asid flags not zero");
		if (a->id <= prev)
			return img_bad(why, "asid ids duplicate or not ascending");
		prev = a->id;
	}
	return 0;
}

static int img_check_maps(const struct vxpu_img *img,
			  const struct drm_vxpu_criu_bo_bucket *bos,
			  u32 num_bos, const char **why)
{
	const struct drm_vxpu_criu_bo_bucket *bo;
	const struct vxpu_img_map *m, *prev = NULL;
	u32 i;

	for (i = 0; i < img->hdr.nr_maps; i++, prev = m) {
		m = &img->maps[i];
		if (m->pad)
			return img_bad(why, "map pad not zero");
		if (!m->perm || (m->perm & ~(VXPU_MAP_READ | VXPU_MAP_WRITE)))
			return img_bad(why, "map perm zero or not READ/WRITE bits");
		if (!img_has_asid(img->asids, img->hdr.nr_asids, m->asid))
			return img_bad(why, "map names an ASID that is not in the image");
		if (m->va & IMG_PAGE_MASK)
			return img_bad(why, "map va not page aligned");
		if (!m->size || (m->size & IMG_PAGE_MASK))
			return img_bad(why, "map size zero or not page aligned");
		if (m->bo_offset & IMG_PAGE_MASK)
			return img_bad(why, "map bo_offset not page aligned");
		if (m->va < VXPU_VA_START || m->va >= VXPU_VA_END ||
		    m->size > VXPU_VA_END - m->va)
			return img_bad(why, "map outside [VXPU_VA_START, VXPU_VA_END)");
		bo = img_find_bo(bos, num_bos, m->handle);
		if (!bo)
			return img_bad(why, "map handle not in the BO buckets");
		if (m->bo_offset >= bo->size || m->size > bo->size - m->bo_offset)
			return img_bad(why, "map past the end of its BO");
		if (!prev)
			continue;
		if (m->asid < prev->asid ||
		    (m->asid == prev->asid && m->va <= prev->va))
			return img_bad(why, "maps not sorted by (asid, va) or duplicated");
		if (m->asid == prev->asid && prev->va + prev->size > m->va)
			return img_bad(why, "maps overlap in their ASID");
	}
	return 0;
}

static bool img_pkt_uses_memory(u32 opcode)
{
	return opcode != VXPU_OP_NOP && opcode != VXPU_OP_SIGNAL;
}

static int img_check_fault(const struct vxpu_img_queue *q, const char **why)
{
	const struct drm_vxpu_fault *f = &q->fault;
	/* REVOKED: an UNMAPPED fault in a revoked grant, failed by the backend */
	bool mem = f->reason == VXPU_FAULT_UNMAPPED ||
		   f->reason == VXPU_FAULT_PERMISSION ||
		   f->reason == VXPU_FAULT_REVOKED;

	if (f->reason == VXPU_FAULT_NONE)
		return img_bad(why, "queue in ERROR without a fault reason");
	if (f->reason > VXPU_FAULT_REVOKED)
		return img_bad(why, "queue fault reason unknown");
	if (f->queue != q->id)
		return img_bad(why, "queue fault names another queue");
	if (f->packet != q->rptr)
		return img_bad(why, "queue fault packet is not the queue's rptr");
	if (f->va & IMG_PAGE_MASK)
		return img_bad(why, "queue fault va not page aligned");
	if (mem && f->access != VXPU_ACCESS_READ &&
	    f->access != VXPU_ACCESS_WRITE)
		return img_bad(why, "queue fault access not READ/WRITE for a memory fault");
	if (!mem && f->access)
		return img_bad(why, "queue fault access set for a non-memory fault reason");
	if (f->reason == VXPU_FAULT_BAD_PACKET ||
	    f->reason == VXPU_FAULT_BAD_EVENT) {
		if (f->asid || f->va)
			return img_bad(why, "queue fault asid or va set for BAD_PACKET/BAD_EVENT");
	} else if (!f->asid) {
		return img_bad(why, "queue fault asid zero for a memory fault");
	} else if (mem && f->asid > VXPU_IMG_ID_MAX) {
		/* only BAD_ASID may name an ASID that never existed */
		return img_bad(why, "queue fault asid over INT_MAX for a memory fault");
	}
	if (f->reason == VXPU_FAULT_BAD_EVENT && q->pkt.opcode != VXPU_OP_SIGNAL)
		return img_bad(why, "queue fault BAD_EVENT for a packet that is not SIGNAL");
	if ((mem || f->reason == VXPU_FAULT_BAD_ASID) &&
	    !img_pkt_uses_memory(q->pkt.opcode))
		return img_bad(why, "queue memory fault for a packet that accesses no memory");
	return 0;
}

static int img_check_queue(const struct vxpu_img *img,
			   const struct vxpu_img_queue *q,
			   const struct drm_vxpu_criu_bo_bucket *bos,
			   u32 num_bos, const char **why)
{
	const struct drm_vxpu_criu_bo_bucket *bo;
	u64 ring_bytes;
	bool bad_pkt;

	if (!img_id_ok(q->id))
		return img_bad(why, "queue id zero or over INT_MAX");
	if (q->pad)
		return img_bad(why, "queue pad not zero");
	if (!img_has_asid(img->asids, img->hdr.nr_asids, q->asid))
		return img_bad(why, "queue names an ASID that is not in the image");
	if (q->ring_entries < 2 || q->ring_entries > 65536 ||
	    (q->ring_entries & (q->ring_entries - 1)))
		return img_bad(why, "queue ring_entries not a power of two in [2, 65536]");
	if (q->ring_offset & IMG_PAGE_MASK)
		return img_bad(why, "queue ring_offset not page aligned");
	bo = img_find_bo(bos, num_bos, q->ring_handle);
	if (!bo)
		return img_bad(why, "queue ring_handle not in the BO buckets");
	ring_bytes = (u64)q->ring_entries * sizeof(struct drm_vxpu_packet);
	if (q->ring_offset >= bo->size || ring_bytes > bo->size - q->ring_offset)
		return img_bad(why, "queue ring past the end of its BO");
	if (q->priority > VXPU_QUEUE_PRIORITY_MAX)
		return img_bad(why, "queue priority over VXPU_QUEUE_PRIORITY_MAX");
	if (q->state != VXPU_QUEUE_IDLE && q->state != VXPU_QUEUE_RUNNING &&
	    q->state != VXPU_QUEUE_WAITING && q->state != VXPU_QUEUE_ERROR)
		return img_bad(why, "queue state not IDLE, RUNNING, WAITING or ERROR");
	if (q->rptr > q->wptr)
		return img_bad(why, "queue rptr past wptr");
	if (q->wptr - q->rptr > q->ring_entries)
		return img_bad(why, "queue wptr more than ring_entries ahead of rptr");
	if (q->pkt_valid > 1)
		return img_bad(why, "queue pkt_valid not 0 or 1");

	if (!q->pkt_valid) {
		if (!img_zero(&q->pkt, sizeof(q->pkt)) ||
		    !img_zero(&q->exec, sizeof(q->exec)))
			return img_bad(why, "queue without a packet has non-zero pkt or exec");
	} else {
		if (q->rptr == q->wptr)
			return img_bad(why, "queue holds a packet but rptr == wptr");
		bad_pkt = q->state == VXPU_QUEUE_ERROR &&
			  q->fault.reason == VXPU_FAULT_BAD_PACKET;
		if (!bad_pkt && vxpu_interp_check(&q->pkt, &q->exec))
			return img_bad(why, "queue packet or progress rejected by interp_check");
		if (!bad_pkt && q->pkt.opcode != VXPU_OP_HASH64 &&
		    (!img_zero(q->exec.acc, sizeof(q->exec.acc)) ||
		     !img_zero(q->exec.tail, sizeof(q->exec.tail))))
			return img_bad(why, "queue non-HASH64 progress has hash state");
	}

	switch (q->state) {
	case VXPU_QUEUE_IDLE:
		if (q->pkt_valid)
			return img_bad(why, "IDLE queue holds a half-done packet");
		break;
	case VXPU_QUEUE_WAITING:
		if (!q->pkt_valid || q->pkt.opcode != VXPU_OP_WAIT)
			return img_bad(why, "WAITING queue without a WAIT packet");
		break;
	case VXPU_QUEUE_ERROR:
		if (!q->pkt_valid)
			return img_bad(why, "queue in ERROR without its faulting packet");
		return img_check_fault(q, why);
	default:
		break;
	}
	if (!img_zero(&q->fault, sizeof(q->fault)))
		return img_bad(why, "queue not in ERROR has a fault record");
	return 0;
}

static int img_check_queues(const struct vxpu_img *img,
			    const struct drm_vxpu_criu_bo_bucket *bos,
			    u32 num_bos, const char **why)
{
	u32 i, prev = 0;
	int ret;

	for (i = 0; i < img->hdr.nr_queues; i++) {
		const struct vxpu_img_queue *q = &img->queues[i];

		ret = img_check_queue(img, q, bos, num_bos, why);
		if (ret)
			return ret;
		if (q->id <= prev)
			return img_bad(why, "queue ids duplicate or not ascending");
		prev = q->id;
	}
	return 0;
}

static int img_check_events(const struct vxpu_img *img, const char **why)
{
	u32 i, prev = 0;

	for (i = 0; i < img->hdr.nr_events; i++) {
		const struct vxpu_img_event *e = &img->events[i];

		if (!img_id_ok(e->id))
			return img_bad(why, "event id zero or over INT_MAX");
		if (e->pad)
			return img_bad(why, "event pad not zero");
		if (e->id <= prev)
			return img_bad(why, "event ids duplicate or not ascending");
		prev = e->id;
	}
	return 0;
}

int vxpu_img_parse(const void *buf, u64 size,
		   const struct drm_vxpu_criu_bo_bucket *bos, u32 num_bos,
		   struct vxpu_img *out, const char **why)
{
	const struct vxpu_img_header *h = buf;
	const u8 *p = buf;
	int ret;

	if (why)
		*why = NULL;
	memset(out, 0, sizeof(*out));
	if (num_bos && !bos)
		return img_bad(why, "BO buckets missing");
	if (!buf || ((uintptr_t)buf & 7))
		return img_bad(why, "private data missing or not 8-byte aligned");
	/* magic, version and header_size first: another version may differ after */
	if (size < 16)
		return img_bad(why, "private data shorter than the header");
	if (h->magic != VXPU_IMG_MAGIC)
		return img_bad(why, "bad magic (not a vxpu context image)");
	if (h->version != VXPU_IMG_VERSION) {
		if (why)
			*why = "unsupported image version";
		return -EPROTO;
	}
	if (size < sizeof(*h))
		return img_bad(why, "private data shorter than the header");
	ret = img_check_header(h, size, why);
	if (ret)
		return ret;

	out->hdr = *h;
	p += sizeof(*h);
	out->asids = (const struct vxpu_img_asid *)p;
	p += (u64)h->nr_asids * sizeof(*out->asids);
	out->maps = (const struct vxpu_img_map *)p;
	p += (u64)h->nr_maps * sizeof(*out->maps);
	out->queues = (const struct vxpu_img_queue *)p;
	p += (u64)h->nr_queues * sizeof(*out->queues);
	out->events = (const struct vxpu_img_event *)p;

	ret = img_check_asids(out, why);
	if (!ret)
		ret = img_check_maps(out, bos, num_bos, why);
	if (!ret)
		ret = img_check_queues(out, bos, num_bos, why);
	if (!ret)
		ret = img_check_events(out, why);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}
