// SPDX-License-Identifier: MIT
/*
 * vxpu_ref: reference semantics of vxpu packets (see vxpu_ref.h).
 *
 * Deliberately simple and slow: memory is reached one byte at a time,
 * inputs are gathered into plain buffers, the kernels are the textbook
 * formulas, and faults are found by walking the access order the UAPI
 * rules define, byte by byte. Shares no code with kernel/vxpu_interp.c.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "vxpu_ref.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT uint64_t vxpu_ref_mix64_one(uint64_t x, uint64_t seed, uint64_t index)
{
	uint64_t z = x ^ seed;

	z += (index + 1) * 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* little-endian loads and stores of any alignment */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LE64(v) (v)
#define LE32(v) (v)
#else
#define LE64(v) __builtin_bswap64(v)
#define LE32(v) __builtin_bswap32(v)
#endif

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return LE64(v);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = LE64(v);
	memcpy(p, &v, 8);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return LE32(v);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = LE32(v);
	memcpy(p, &v, 4);
}

EXPORT void vxpu_ref_mix64(void *dst, const void *src, size_t count, uint64_t seed,
			   uint64_t first_index)
{
	for (size_t i = 0; i < count; i++)
		put64((uint8_t *)dst + 8 * i,
		      vxpu_ref_mix64_one(get64((const uint8_t *)src + 8 * i), seed, first_index + i));
}

EXPORT void vxpu_ref_fill(void *dst, size_t len, uint64_t pattern)
{
	for (size_t i = 0; i < len; i++)
		((uint8_t *)dst)[i] = (uint8_t)(pattern >> (8 * (i % 8)));
}

EXPORT void vxpu_ref_matmul_u32(void *c, const void *a, const void *b,
				uint32_t m, uint32_t n, uint32_t k)
{
	const uint8_t *A = a, *B = b;
	uint8_t *C = c;

	for (uint64_t r = 0; r < m; r++)
		for (uint64_t col = 0; col < n; col++) {
			uint32_t sum = 0;

			for (uint64_t i = 0; i < k; i++)
				sum += get32(A + 4 * (r * k + i)) * get32(B + 4 * (i * n + col));
			put32(C + 4 * (r * n + col), sum);
		}
}

EXPORT uint64_t vxpu_ref_hash64(const void *src, size_t len, uint64_t seed)
{
	return XXH64(src, len, seed);
}

/* ---- validation ---- */

enum {
	F_FLAGS = 1 << 0, F_SASID = 1 << 1, F_SRC = 1 << 2, F_DASID = 1 << 3,
	F_DST = 1 << 4, F_SIZE = 1 << 5, F_A0 = 1 << 6, F_A1 = 1 << 7, F_A2 = 1 << 8,
};

/* which fields each opcode may set; all others must be zero */
static const unsigned int used_fields[] = {
	[VXPU_OP_NOP] = 0,
	[VXPU_OP_COPY] = F_SASID | F_SRC | F_DASID | F_DST | F_SIZE,
	[VXPU_OP_FILL] = F_DASID | F_DST | F_SIZE | F_A0,
	[VXPU_OP_WRITE64] = F_DASID | F_DST | F_A0,
	[VXPU_OP_ATOMIC_ADD64] = F_DASID | F_DST | F_A0,
	[VXPU_OP_SIGNAL] = F_A0 | F_A1,
	[VXPU_OP_WAIT] = F_FLAGS | F_SASID | F_SRC | F_A0,
	[VXPU_OP_MIX64] = F_SASID | F_SRC | F_DASID | F_DST | F_SIZE | F_A0,
	[VXPU_OP_MATMUL_U32] = F_SASID | F_SRC | F_DASID | F_DST | F_A0 | F_A1 | F_A2,
	[VXPU_OP_HASH64] = F_SASID | F_SRC | F_DASID | F_DST | F_SIZE | F_A0,
};

/* the range [va, va + len) lies within the 64-bit space */
static bool fits(uint64_t va, uint64_t len)
{
	return (unsigned __int128)va + len <= (unsigned __int128)1 << 64;
}

static bool aligned(uint64_t v, uint64_t a)
{
	return v % a == 0;
}

EXPORT int vxpu_ref_check(const struct drm_vxpu_packet *p)
{
	unsigned int set = 0, ok;

	if (p->opcode >= sizeof(used_fields) / sizeof(used_fields[0]))
		return VXPU_FAULT_BAD_PACKET;
	set |= p->flags ? F_FLAGS : 0;
	set |= p->src_asid ? F_SASID : 0;
	set |= p->src ? F_SRC : 0;
	set |= p->dst_asid ? F_DASID : 0;
	set |= p->dst ? F_DST : 0;
	set |= p->size ? F_SIZE : 0;
	set |= p->arg[0] ? F_A0 : 0;
	set |= p->arg[1] ? F_A1 : 0;
	set |= p->arg[2] ? F_A2 : 0;
	if (set & ~used_fields[p->opcode])
		return VXPU_FAULT_BAD_PACKET;

	switch (p->opcode) {
	case VXPU_OP_COPY:
		ok = fits(p->src, p->size) && fits(p->dst, p->size);
		break;
	case VXPU_OP_FILL:
		ok = fits(p->dst, p->size);
		break;
	case VXPU_OP_WRITE64:
	case VXPU_OP_ATOMIC_ADD64:
		ok = aligned(p->dst, 8) && fits(p->dst, 8);
		break;
	case VXPU_OP_WAIT:
		ok = (p->flags == VXPU_WAIT_EQ || p->flags == VXPU_WAIT_NE ||
		      p->flags == VXPU_WAIT_GE) && aligned(p->src, 8) && fits(p->src, 8);
		break;
	case VXPU_OP_MIX64:
		ok = aligned(p->size, 8) && aligned(p->src, 8) && aligned(p->dst, 8) &&
		     fits(p->src, p->size) && fits(p->dst, p->size);
		break;
	case VXPU_OP_MATMUL_U32: {
		uint64_t m = (uint32_t)p->arg[1], n = p->arg[1] >> 32, k = p->arg[2];

		ok = m <= 65536 && n <= 65536 && k <= 65536 &&
		     aligned(p->src, 4) && aligned(p->arg[0], 4) && aligned(p->dst, 4) &&
		     fits(p->src, 4 * m * k) && fits(p->arg[0], 4 * k * n) && fits(p->dst, 4 * m * n);
		break;
	}
	case VXPU_OP_HASH64:
		ok = aligned(p->dst, 8) && fits(p->src, p->size) && fits(p->dst, 8);
		break;
	default: /* NOP, SIGNAL: field use is all there is */
		ok = 1;
		break;
	}
	return ok ? 0 : VXPU_FAULT_BAD_PACKET;
}

/* ---- memory through the byte callback ---- */

struct run {
	const struct vxpu_ref_mem *mem;
	struct drm_vxpu_fault *fault;
};

/* may byte (asid, va) be accessed? 0, or fills the fault and returns non-zero */
static int probe(struct run *rn, uint32_t asid, uint64_t va, uint32_t access)
{
	uint8_t *p;
	int r = rn->mem->byte(rn->mem->priv, asid, va, access, &p);

	if (!r)
		return 0;
	rn->fault->reason = (uint32_t)r;
	rn->fault->access = (r == VXPU_FAULT_UNMAPPED || r == VXPU_FAULT_PERMISSION) ? access : 0;
	rn->fault->asid = asid;
	rn->fault->va = va / VXPU_PAGE_SIZE * VXPU_PAGE_SIZE;
	return 1;
}

static int probe_range(struct run *rn, uint32_t asid, uint64_t va, uint64_t len, uint32_t access)
{
	for (uint64_t i = 0; i < len; i++)
		if (probe(rn, asid, va + i, access))
			return 1;
	return 0;
}

/* only after a successful probe of the same bytes */
static void gather(struct run *rn, uint32_t asid, uint64_t va, uint64_t len, uint8_t *buf)
{
	for (uint64_t i = 0; i < len; i++) {
		uint8_t *p;

		rn->mem->byte(rn->mem->priv, asid, va + i, VXPU_ACCESS_READ, &p);
		buf[i] = *p;
	}
}

static void scatter(struct run *rn, uint32_t asid, uint64_t va, uint64_t len, const uint8_t *buf)
{
	for (uint64_t i = 0; i < len; i++) {
		uint8_t *p;

		rn->mem->byte(rn->mem->priv, asid, va + i, VXPU_ACCESS_WRITE, &p);
		*p = buf[i];
	}
}

/*
 * MATMUL access order: for r, for k: A[r][k]; for c: B[k][c], C[r][c]
 * (K 0: for r, for c: C[r][c]). Row 0 is walked in full; it touches all
 * of B, so a later row can only fail on its own A and C elements, first
 * A[r][0], then C[r][*] (during product 0), then A[r][1..K).
 */
static int probe_matmul(struct run *rn, const struct drm_vxpu_packet *p, uint32_t sa, uint32_t da)
{
	uint64_t m = (uint32_t)p->arg[1], n = p->arg[1] >> 32, K = p->arg[2];
	uint64_t A = p->src, B = p->arg[0], C = p->dst;

	if (!m || !n)
		return 0;
	for (uint64_t r = 0; r < m; r++) {
		if (!K) {
			if (probe_range(rn, da, C + 4 * r * n, 4 * n, VXPU_ACCESS_WRITE))
				return 1;
			continue;
		}
		if (r == 0) {
			for (uint64_t i = 0; i < K; i++) {
				if (probe_range(rn, sa, A + 4 * i, 4, VXPU_ACCESS_READ))
					return 1;
				for (uint64_t c = 0; c < n; c++)
					if (probe_range(rn, sa, B + 4 * (i * n + c), 4, VXPU_ACCESS_READ) ||
					    probe_range(rn, da, C + 4 * c, 4, VXPU_ACCESS_WRITE))
						return 1;
			}
			continue;
		}
		if (probe_range(rn, sa, A + 4 * r * K, 4, VXPU_ACCESS_READ) ||
		    probe_range(rn, da, C + 4 * r * n, 4 * n, VXPU_ACCESS_WRITE) ||
		    probe_range(rn, sa, A + 4 * (r * K + 1), 4 * (K - 1), VXPU_ACCESS_READ))
			return 1;
	}
	return 0;
}

EXPORT int vxpu_ref_run(const struct drm_vxpu_packet *p, uint32_t queue_asid,
			const struct vxpu_ref_mem *mem, struct drm_vxpu_fault *fault)
{
	uint32_t sa = p->src_asid ? p->src_asid : queue_asid;
	uint32_t da = p->dst_asid ? p->dst_asid : queue_asid;
	struct run rn = { .mem = mem, .fault = fault };
	uint8_t *sbuf = NULL, *dbuf = NULL, w[8];
	int ret = VXPU_REF_DONE;

	memset(fault, 0, sizeof(*fault));
	if (vxpu_ref_check(p)) {
		fault->reason = VXPU_FAULT_BAD_PACKET;
		return VXPU_REF_FAULT;
	}

	switch (p->opcode) {
	case VXPU_OP_NOP:
		return VXPU_REF_DONE;
	case VXPU_OP_SIGNAL:
		if (!mem->signal || mem->signal(mem->priv, p->arg[0], p->arg[1])) {
			fault->reason = VXPU_FAULT_BAD_EVENT;
			return VXPU_REF_FAULT;
		}
		return VXPU_REF_DONE;
	case VXPU_OP_WRITE64:
		if (probe_range(&rn, da, p->dst, 8, VXPU_ACCESS_WRITE))
			return VXPU_REF_FAULT;
		put64(w, p->arg[0]);
		scatter(&rn, da, p->dst, 8, w);
		return VXPU_REF_DONE;
	case VXPU_OP_ATOMIC_ADD64:
		if (probe_range(&rn, da, p->dst, 8, VXPU_ACCESS_WRITE))
			return VXPU_REF_FAULT;
		/* an atomic add is a write; its read is not a device read */
		for (int i = 0; i < 8; i++) {
			uint8_t *b;

			mem->byte(mem->priv, da, p->dst + i, VXPU_ACCESS_WRITE, &b);
			w[i] = *b;
		}
		put64(w, get64(w) + p->arg[0]);
		scatter(&rn, da, p->dst, 8, w);
		return VXPU_REF_DONE;
	case VXPU_OP_WAIT: {
		uint64_t v;

		if (probe_range(&rn, sa, p->src, 8, VXPU_ACCESS_READ))
			return VXPU_REF_FAULT;
		gather(&rn, sa, p->src, 8, w);
		v = get64(w);
		switch (p->flags) {
		case VXPU_WAIT_EQ:
			return v == p->arg[0] ? VXPU_REF_DONE : VXPU_REF_WAIT;
		case VXPU_WAIT_NE:
			return v != p->arg[0] ? VXPU_REF_DONE : VXPU_REF_WAIT;
		default:
			return v >= p->arg[0] ? VXPU_REF_DONE : VXPU_REF_WAIT;
		}
	}
	case VXPU_OP_COPY:
	case VXPU_OP_FILL:
	case VXPU_OP_MIX64:
		for (uint64_t i = 0; i < p->size; i++)
			if ((p->opcode != VXPU_OP_FILL &&
			     probe(&rn, sa, p->src + i, VXPU_ACCESS_READ)) ||
			    probe(&rn, da, p->dst + i, VXPU_ACCESS_WRITE))
				return VXPU_REF_FAULT;
		if (!p->size)
			return VXPU_REF_DONE;
		dbuf = malloc(p->size);
		if (!dbuf)
			return VXPU_REF_NOMEM;
		if (p->opcode == VXPU_OP_FILL) {
			vxpu_ref_fill(dbuf, p->size, p->arg[0]);
		} else {
			gather(&rn, sa, p->src, p->size, dbuf);
			if (p->opcode == VXPU_OP_MIX64)
				vxpu_ref_mix64(dbuf, dbuf, p->size / 8, p->arg[0], 0);
		}
		scatter(&rn, da, p->dst, p->size, dbuf);
		break;
	case VXPU_OP_HASH64:
		if (probe_range(&rn, sa, p->src, p->size, VXPU_ACCESS_READ) ||
		    probe_range(&rn, da, p->dst, 8, VXPU_ACCESS_WRITE))
			return VXPU_REF_FAULT;
		sbuf = malloc(p->size ? p->size : 1);
		if (!sbuf)
			return VXPU_REF_NOMEM;
		gather(&rn, sa, p->src, p->size, sbuf);
		put64(w, vxpu_ref_hash64(sbuf, p->size, p->arg[0]));
		scatter(&rn, da, p->dst, 8, w);
		break;
	case VXPU_OP_MATMUL_U32: {
		uint32_t m = (uint32_t)p->arg[1], n = (uint32_t)(p->arg[1] >> 32);
		uint32_t k = (uint32_t)p->arg[2];
		uint64_t asz = 4ULL * m * k, bsz = 4ULL * k * n, csz = 4ULL * m * n;

		if (probe_matmul(&rn, p, sa, da))
			return VXPU_REF_FAULT;
		if (!csz)
			return VXPU_REF_DONE;
		sbuf = malloc(asz + bsz + 1);
		dbuf = malloc(csz);
		if (!sbuf || !dbuf) {
			ret = VXPU_REF_NOMEM;
			break;
		}
		gather(&rn, sa, p->src, asz, sbuf);
		gather(&rn, sa, p->arg[0], bsz, sbuf + asz);
		vxpu_ref_matmul_u32(dbuf, sbuf, sbuf + asz, m, n, k);
		scatter(&rn, da, p->dst, csz, dbuf);
		break;
	}
	}
	free(sbuf);
	free(dbuf);
	return ret;
}
