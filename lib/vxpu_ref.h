/* SPDX-License-Identifier: MIT */
/*
 * vxpu_ref: a pure-userspace reference of what every vxpu packet does.
 *
 * Written independently of the engine's interpreter (kernel/vxpu_interp.c)
 * from the UAPI text (include/uapi/drm/vxpu_accel.h) and the precise rules
 * in kernel/vxpu_interp.h, so that tests, the fuzz target and
 * `vxpuctl run --verify` can check the engine byte for byte. HASH64 is
 * libxxhash's XXH64 (link with -lxxhash). Built as build/lib/libvxpu_ref.a.
 *
 * Two levels:
 *  - compute kernels over flat host buffers (all little endian);
 *  - vxpu_ref_run(): one whole packet over a byte-addressed memory model,
 *    including validation and which fault the engine must report.
 */
#ifndef VXPU_REF_H
#define VXPU_REF_H

#include <stddef.h>
#include <stdint.h>

#include <drm/vxpu_accel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* splitmix64 finalizer of element @index (counted from the packet start) */
uint64_t vxpu_ref_mix64_one(uint64_t x, uint64_t seed, uint64_t index);

/* dst[i] = mix64(src[i], seed, first_index + i), @count u64s; dst == src allowed */
void vxpu_ref_mix64(void *dst, const void *src, size_t count, uint64_t seed,
		    uint64_t first_index);

/* dst byte i = byte (i % 8) of @pattern, little endian */
void vxpu_ref_fill(void *dst, size_t len, uint64_t pattern);

/* C(MxN) = A(MxK) x B(KxN) mod 2^32, row major u32; C must not overlap A or B */
void vxpu_ref_matmul_u32(void *c, const void *a, const void *b,
			 uint32_t m, uint32_t n, uint32_t k);

/* XXH64 of @len bytes, seed @seed (libxxhash) */
uint64_t vxpu_ref_hash64(const void *src, size_t len, uint64_t seed);

/* Packet validation: 0, or VXPU_FAULT_BAD_PACKET. */
int vxpu_ref_check(const struct drm_vxpu_packet *pkt);

/**
 * struct vxpu_ref_mem - device memory as the reference sees it
 * @byte: 0 and *@p pointing at the host byte of (@asid, @va), if that byte
 *	may be accessed for @access (VXPU_ACCESS_READ or _WRITE); otherwise
 *	VXPU_FAULT_UNMAPPED, _PERMISSION or _BAD_ASID.
 * @signal: 0 or VXPU_FAULT_BAD_EVENT (NULL: every event is bad)
 */
struct vxpu_ref_mem {
	void *priv;
	int (*byte)(void *priv, uint32_t asid, uint64_t va, uint32_t access,
		    uint8_t **p);
	int (*signal)(void *priv, uint64_t event, uint64_t value);
};

#define VXPU_REF_DONE	0	/* the packet's whole effect is applied */
#define VXPU_REF_WAIT	1	/* WAIT condition false (nothing changed) */
#define VXPU_REF_FAULT	2	/* *fault filled; memory unchanged */
#define VXPU_REF_NOMEM	3	/* the reference could not allocate a buffer */

/*
 * Run one packet to completion. On a fault, reports the fault the engine
 * must report (reason, access, asid, va of the page; queue and packet 0)
 * but leaves memory unchanged (the engine may have written a prefix).
 */
int vxpu_ref_run(const struct drm_vxpu_packet *pkt, uint32_t queue_asid,
		 const struct vxpu_ref_mem *mem, struct drm_vxpu_fault *fault);

#ifdef __cplusplus
}
#endif

#endif /* VXPU_REF_H */
