/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vxpu: the private data of a checkpointed context (DRM_VXPU_CRIU), as
 * plain data. Portable C, built into the module and on the host (unit
 * tests, libFuzzer target): the parser is the one piece of the restore
 * path that reads untrusted bytes, so the fuzzer exercises the very code
 * the kernel runs.
 *
 * Layout of the blob (native endianness, every record 8-byte aligned):
 *
 *   struct vxpu_img_header
 *   struct vxpu_img_asid   x header.nr_asids
 *   struct vxpu_img_map    x header.nr_maps    (sorted by asid, then va)
 *   struct vxpu_img_queue  x header.nr_queues
 *   struct vxpu_img_event  x header.nr_events
 *
 * The BO buckets travel beside the blob (&drm_vxpu_criu.bos); records
 * name BOs by GEM handle, and the parser checks every handle against them.
 *
 * Ordering (what xa_for_each() and a walk of an ASID's mappings give; it
 * lets the parser check uniqueness and look ids up without allocating):
 * ASID, queue and event records in strictly ascending id order, BO
 * buckets in strictly ascending handle order. Object ids (and the context
 * id) are in [1, VXPU_IMG_ID_MAX], as xa_alloc_cyclic() hands them out
 * with XA_LIMIT(1, INT_MAX); a cursor (*_next) is at most
 * VXPU_IMG_ID_MAX + 1 (0 meaning "from 1").
 *
 * Queue consistency (what the engine can leave behind, vxpu_engine.c):
 * - state is IDLE, RUNNING, WAITING or ERROR (PAUSED is never stored);
 * - pkt_valid 0: pkt and exec all zero (vxpu_img_write() zeroes them);
 * - pkt_valid 1: rptr < wptr; unless the queue is in ERROR with
 *   VXPU_FAULT_BAD_PACKET (the engine keeps the malformed packet and its
 *   progress as they were), vxpu_interp_check(pkt, exec) == 0 and, for
 *   any opcode but HASH64, exec.acc and exec.tail are zero;
 * - IDLE: pkt_valid 0 (wptr may be ahead: a doorbell while paused);
 *   WAITING: pkt_valid 1 and a VXPU_OP_WAIT packet;
 * - ERROR: pkt_valid 1, fault.reason UNMAPPED..REVOKED, fault.queue ==
 *   id, fault.packet == rptr, fault.va page aligned; for the memory
 *   faults UNMAPPED, PERMISSION and REVOKED (an UNMAPPED in a revoked
 *   grant that the backend failed) fault.access READ or WRITE and
 *   fault.asid an id (1..VXPU_IMG_ID_MAX), else access 0; BAD_ASID
 *   names any non-zero u32; BAD_PACKET and BAD_EVENT have asid and va
 *   0; BAD_EVENT only for a SIGNAL packet, memory faults and BAD_ASID
 *   only for a packet that accesses memory (not NOP or SIGNAL). Any
 *   other state: the fault record all zero. (STALLED, a queue stopped
 *   at a revoked grant, is not a state of this format.)
 *
 * BO bucket offsets are not checked for uniqueness here (the restore's
 * registry of shared BOs must refuse a duplicate key itself).
 */
#ifndef VXPU_CRIU_IMAGE_H
#define VXPU_CRIU_IMAGE_H

#include "vxpu_portable.h"
#include "vxpu_interp.h"

#define VXPU_IMG_MAGIC		0x5550585655495243ULL	/* "CRIUVXPU" */
#define VXPU_IMG_VERSION	1

/* Upper bounds the parser enforces on a blob's counts. */
#define VXPU_IMG_MAX_ASIDS	4096
#define VXPU_IMG_MAX_MAPS	65536
#define VXPU_IMG_MAX_QUEUES	4096
#define VXPU_IMG_MAX_EVENTS	65536

/* Largest object or context id (INT_MAX: the xa_alloc_cyclic() limit). */
#define VXPU_IMG_ID_MAX		0x7fffffffU

struct vxpu_img_header {
	u64 magic;		/* VXPU_IMG_MAGIC */
	u32 version;		/* VXPU_IMG_VERSION */
	u32 header_size;	/* sizeof(struct vxpu_img_header) */
	u64 total_size;		/* bytes of the whole blob */
	u32 ctx_id;		/* context id to restore, non-zero */
	u32 flags;		/* 0 */
	u64 quota;		/* bytes, VXPU_PAGE_SIZE multiple */
	u32 asid_next;		/* the id allocators' cursors, so new */
	u32 queue_next;		/* objects after restore get the ids */
	u32 event_next;		/* they would have got without C/R */
	u32 nr_asids;
	u32 nr_maps;
	u32 nr_queues;
	u32 nr_events;
	u32 pad;
};

struct vxpu_img_asid {
	u32 id;			/* non-zero, unique */
	u32 flags;		/* 0 */
};

struct vxpu_img_map {
	u32 asid;		/* an id of the asid records */
	u32 handle;		/* a handle of the BO buckets */
	u64 va;			/* page aligned, in [VXPU_VA_START, VXPU_VA_END) */
	u64 size;		/* page aligned, non-zero; no overlap in its ASID */
	u64 bo_offset;		/* page aligned; bo_offset + size <= BO size */
	u32 perm;		/* VXPU_MAP_READ | VXPU_MAP_WRITE, non-zero */
	u32 pad;
};

struct vxpu_img_queue {
	u32 id;			/* non-zero, unique */
	u32 asid;		/* an id of the asid records */
	u32 ring_handle;	/* a handle of the BO buckets */
	u32 ring_entries;	/* power of two in [2, 65536] */
	u64 ring_offset;	/* page aligned; the ring fits in the BO */
	u32 priority;		/* <= VXPU_QUEUE_PRIORITY_MAX */
	u32 state;		/* VXPU_QUEUE_IDLE/RUNNING/WAITING/ERROR */
	u64 rptr;		/* rptr <= wptr <= rptr + ring_entries */
	u64 wptr;
	u64 bytes;
	u64 chunks;
	u32 pkt_valid;		/* 0 or 1: pkt/exec hold a half-done packet */
	u32 pad;
	struct drm_vxpu_packet pkt;	/* vxpu_interp_check() accepts it */
	struct vxpu_exec exec;
	struct drm_vxpu_fault fault;	/* reason != NONE iff state == ERROR */
};

struct vxpu_img_event {
	u32 id;			/* non-zero, unique */
	u32 pad;
	u64 value;
};

/*
 * A parsed (or to be written) image: the header plus pointers to its
 * arrays. After vxpu_img_parse() the pointers point into the caller's
 * blob, which must stay alive and 8-byte aligned.
 */
struct vxpu_img {
	struct vxpu_img_header hdr;
	const struct vxpu_img_asid *asids;
	const struct vxpu_img_map *maps;
	const struct vxpu_img_queue *queues;
	const struct vxpu_img_event *events;
};

/* Bytes of a blob with these counts (no overflow: counts are bounded). */
u64 vxpu_img_size(u32 nr_asids, u32 nr_maps, u32 nr_queues, u32 nr_events);

/*
 * Serialize @img into @buf of vxpu_img_size() bytes: the header (magic,
 * version, sizes filled in here) and the arrays, pads zeroed.
 * @buf is 8-byte aligned. The pkt and exec of a queue without a packet
 * (pkt_valid 0) are written as zeros, whatever stale values @img holds,
 * so that a blob vxpu_img_parse() accepts is written back byte for byte.
 */
void vxpu_img_write(void *buf, const struct vxpu_img *img);

/*
 * Validate BO buckets as RESTORE receives them: sizes non-zero page
 * multiples, placements known, flags known, pads zero, handles non-zero,
 * at most VXPU_CRIU_HANDLE_MAX and unique, offsets non-zero. Returns 0 or
 * -EINVAL; @why (may be NULL) gets a static string naming the problem.
 */
int vxpu_img_check_bos(const struct drm_vxpu_criu_bo_bucket *bos, u32 num_bos,
		       const char **why);

/*
 * Parse and validate @size bytes at @buf against the (already checked)
 * BO buckets: magic, version, sizes, counts, every id, handle, range,
 * permission, state and packet as documented on the records above.
 * Returns 0 with @out filled, -EINVAL for a malformed blob, -EPROTO for
 * an unknown version. @why as above.
 */
int vxpu_img_parse(const void *buf, u64 size,
		   const struct drm_vxpu_criu_bo_bucket *bos, u32 num_bos,
		   struct vxpu_img *out, const char **why);

#endif /* VXPU_CRIU_IMAGE_H */
