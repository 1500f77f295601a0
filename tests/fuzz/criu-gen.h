/* SPDX-License-Identifier: MIT */
/*
 * Random valid checkpoint images (kernel/vxpu_criu_image.h) for the codec's
 * unit tests, its libFuzzer target and the seed generator: BO buckets and
 * every record kind, with queues in every state (half-done packets of every
 * opcode with a consistent progress, WAITs, faults of every reason).
 * Deterministic for a given seed and shape.
 */
#ifndef VXPU_TESTS_CRIU_GEN_H
#define VXPU_TESTS_CRIU_GEN_H

#include <stdint.h>

#include "vxpu_criu_image.h"

struct cg_shape {
	uint32_t nr_bos;	/* >= 1 when there are maps or queues */
	uint32_t nr_asids;	/* >= 1 when there are maps or queues */
	uint32_t nr_maps;
	uint32_t nr_queues;
	uint32_t nr_events;
};

struct cg_image {
	struct drm_vxpu_criu_bo_bucket *bos;
	uint32_t num_bos;
	struct vxpu_img img;		/* hdr + const views of the arrays below */
	struct vxpu_img_asid *asids;
	struct vxpu_img_map *maps;
	struct vxpu_img_queue *queues;
	struct vxpu_img_event *events;
	void *blob;			/* vxpu_img_write() output, 8-aligned */
	uint64_t size;
};

/* splitmix64 over *state */
uint64_t cg_rand(uint64_t *state);

/* A shape picked from @sel: empty, small, medium, many of each. */
void cg_pick_shape(struct cg_shape *s, uint8_t sel);

/* Generate and serialize; 0 or -1 (out of memory or a bad shape). */
int cg_generate(struct cg_image *ci, uint64_t seed, const struct cg_shape *shape);

/* (Re)serialize ci->img into ci->blob (reallocated). 0 or -1. */
int cg_serialize(struct cg_image *ci);

void cg_free(struct cg_image *ci);

/* A valid half-done packet of opcode @op and its progress (HASH64 state, MATMUL cursors). */
void cg_packet(uint64_t *rs, uint32_t op, struct drm_vxpu_packet *p, struct vxpu_exec *ex);

#endif
