/* SPDX-License-Identifier: MIT */
/* Helpers shared by the engine (issue 3) driver test files. */
#ifndef VXPU_DRIVER_ET_H
#define VXPU_DRIVER_ET_H

#include "dt.h"
#include "vxpu_ref.h"

#define RW (VXPU_MAP_READ | VXPU_MAP_WRITE)
/* one engine step moves at most this much data (issue 3) */
#define ET_CHUNK (64ULL << 10)
/* generous per-wait timeout under TCG */
#define ET_WAIT_NS (120LL * 1000000000LL)

/* a BO with a CPU mapping and a device mapping */
struct et_buf {
	uint32_t h;
	uint8_t *cpu;
	uint64_t va;
	uint64_t size;
};

/* a context with one ASID and one queue on device @dev */
struct et_ctx {
	int fd;
	uint32_t asid;
	struct vxpu_queue q;
};

/* fails the test unless the device reports VXPU_CAP_ENGINE */
void et_require_engine(int fd);
void et_open(struct et_ctx *c, unsigned int dev);
void et_close(struct et_ctx *c);
/* another queue on the same context/ASID */
void et_queue(struct et_ctx *c, struct vxpu_queue *q, uint32_t entries);
struct et_buf et_buf(int fd, uint32_t asid, uint64_t size, uint32_t placement, uint32_t flags);
/* push + fence + doorbell + wait; asserts success */
void et_run(struct vxpu_queue *q, const struct drm_vxpu_packet *p, uint32_t n);
struct drm_vxpu_queue_info et_info(struct vxpu_queue *q);
/* deterministic bytes */
void et_random(void *buf, size_t len, uint64_t seed);
double et_now(void);
void et_sleep_ms(unsigned int ms);

/* poll queue info (test only) until @pred or @secs passed; returns the last info */
#define POLL_INFO(q, secs, pred) ({ \
	struct drm_vxpu_queue_info qi_; \
	double t_end_ = et_now() + (secs); \
	for (;;) { \
		qi_ = et_info(q); \
		if ((pred) || et_now() > t_end_) \
			break; \
		et_sleep_ms(2); \
	} \
	qi_; \
})

/* t_engine2.c: a late queue gets a slice while every engine is busy (also with engines=1) */
void et_late_queue_gets_turn(void);

TCase *et_tcase_packets(void);
TCase *et_tcase_engine_ioctls(void);
TCase *et_tcase_events(void);
TCase *et_tcase_ordering(void);
TCase *et_tcase_pause(void);
TCase *et_tcase_signals(void);
TCase *et_tcase_teardown(void);
TCase *et_tcase_faults(void);
/* checkpoint/restore (issue 4), t_criu.c */
TCase *ct_tcase_criu(void);

#endif
