// SPDX-License-Identifier: GPL-2.0
/*
 * The packet interpreter (see vxpu_interp.h).
 *
 * Portable: builds into vxpu.ko and on the host; only vxpu_portable.h
 * differs. Fields a packet uses (everything else must be zero):
 *
 *	opcode        flags  src_asid src dst_asid dst size arg[0] arg[1] arg[2]
 *	NOP           -      -        -   -        -   -    -      -      -
 *	COPY          -      x        x   x        x   x    -      -      -
 *	FILL          -      -        -   x        x   x    x      -      -
 *	WRITE64       -      -        -   x        x   -    x      -      -
 *	ATOMIC_ADD64  -      -        -   x        x   -    x      -      -
 *	SIGNAL        -      -        -   -        -   -    x      x      -
 *	WAIT          cond   x        x   -        -   -    x      -      -
 *	MIX64         -      x        x   x        x   x    x      -      -
 *	MATMUL_U32    -      x        x   x        x   -    x      x      x
 *	HASH64        -      x        x   x        x   x    x      -      -
 */
#include "vxpu_interp.h"

#define VXPU_PAGE_MASK	(VXPU_PAGE_SIZE - 1)

/* XXH64 primes */
#define XXP1	0x9E3779B185EBCA87ULL
#define XXP2	0xC2B2AE3D27D4EB4FULL
#define XXP3	0x165667B19E3779F9ULL
#define XXP4	0x85EBCA77C2B2AE63ULL
#define XXP5	0x27D4EB2F165667C5ULL

/* splitmix64 constants */
#define MIX_GOLDEN	0x9e3779b97f4a7c15ULL
#define MIX_M1		0xbf58476d1ce4e5b9ULL
#define MIX_M2		0x94d049bb133111ebULL

/* [va, va + len) must not wrap past 2^64 (it may end exactly there) */
static bool range_ok(u64 va, u64 len)
{
	return len == 0 || len - 1 <= VXPU_U64_MAX - va;
}

/*
 * Little-endian hosts: one 4-byte move each way, like vxpu_le64_load().
 * Spelled byte by byte, the kernel build (-O2 with the kernel's flags)
 * stores four single bytes where the host build merges them: MATMUL's
 * inner loop was 20% slower in vxpu.ko than in userspace.
 */
static inline u32 le32_load(const u8 *p)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
#else
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
#endif
}

static inline void le32_store(u8 *p, u32 v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(p, &v, sizeof(v));
#else
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
#endif
}

static u64 rotl64(u64 x, unsigned int r)
{
	return (x << r) | (x >> (64 - r));
}

static int check_packet(const struct drm_vxpu_packet *p)
{
	u64 m, n, k;

	switch (p->opcode) {
	case VXPU_OP_NOP:
		if (p->flags || p->src_asid || p->dst_asid || p->src || p->dst ||
		    p->size || p->arg[0] || p->arg[1] || p->arg[2])
			return -1;
		return 0;
	case VXPU_OP_COPY:
		if (p->flags || p->arg[0] || p->arg[1] || p->arg[2])
			return -1;
		return range_ok(p->src, p->size) && range_ok(p->dst, p->size) ? 0 : -1;
	case VXPU_OP_FILL:
		if (p->flags || p->src_asid || p->src || p->arg[1] || p->arg[2])
			return -1;
		return range_ok(p->dst, p->size) ? 0 : -1;
	case VXPU_OP_WRITE64:
	case VXPU_OP_ATOMIC_ADD64:
		if (p->flags || p->src_asid || p->src || p->size || p->arg[1] ||
		    p->arg[2] || (p->dst & 7))
			return -1;
		return range_ok(p->dst, 8) ? 0 : -1;
	case VXPU_OP_SIGNAL:
		if (p->flags || p->src_asid || p->dst_asid || p->src || p->dst ||
		    p->size || p->arg[2])
			return -1;
		return 0;
	case VXPU_OP_WAIT:
		if (p->flags > VXPU_WAIT_GE || p->dst_asid || p->dst || p->size ||
		    p->arg[1] || p->arg[2] || (p->src & 7))
			return -1;
		return range_ok(p->src, 8) ? 0 : -1;
	case VXPU_OP_MIX64:
		if (p->flags || p->arg[1] || p->arg[2] || (p->size & 7) ||
		    (p->src & 7) || (p->dst & 7))
			return -1;
		return range_ok(p->src, p->size) && range_ok(p->dst, p->size) ? 0 : -1;
	case VXPU_OP_MATMUL_U32:
		m = p->arg[1] & 0xffffffffu;
		n = p->arg[1] >> 32;
		k = p->arg[2];
		if (p->flags || p->size || m > VXPU_MATMUL_DIM_MAX ||
		    n > VXPU_MATMUL_DIM_MAX || k > VXPU_MATMUL_DIM_MAX ||
		    (p->src & 3) || (p->arg[0] & 3) || (p->dst & 3))
			return -1;
		/* each product is at most 2^32 elements of 4 bytes: no overflow */
		return range_ok(p->src, m * k * 4) && range_ok(p->arg[0], k * n * 4) &&
		       range_ok(p->dst, m * n * 4) ? 0 : -1;
	case VXPU_OP_HASH64:
		if (p->flags || p->arg[1] || p->arg[2] || (p->dst & 7))
			return -1;
		return range_ok(p->src, p->size) && range_ok(p->dst, 8) ? 0 : -1;
	default:
		return -1;
	}
}

static int check_exec(const struct drm_vxpu_packet *p, const struct vxpu_exec *ex)
{
	u64 m, n, k;

	switch (p->opcode) {
	case VXPU_OP_COPY:
	case VXPU_OP_FILL:
	case VXPU_OP_HASH64:
		return ex->done <= p->size && !ex->k && !ex->col ? 0 : -1;
	case VXPU_OP_MIX64:
		return ex->done <= p->size && !(ex->done & 7) && !ex->k && !ex->col ? 0 : -1;
	case VXPU_OP_MATMUL_U32:
		m = p->arg[1] & 0xffffffffu;
		n = p->arg[1] >> 32;
		k = p->arg[2];
		if (!m || !n)
			return !ex->done && !ex->k && !ex->col ? 0 : -1;
		if (ex->done == m)
			return !ex->k && !ex->col ? 0 : -1;
		return ex->done < m && ex->k < (k ? k : 1) && ex->col < n ? 0 : -1;
	default:
		return !ex->done && !ex->k && !ex->col ? 0 : -1;
	}
}

int vxpu_interp_check(const struct drm_vxpu_packet *pkt,
		      const struct vxpu_exec *ex)
{
	if (check_packet(pkt) || (ex && check_exec(pkt, ex)))
		return VXPU_FAULT_BAD_PACKET;
	return 0;
}

static int set_fault(struct drm_vxpu_fault *f, int reason, u32 access,
		     u32 asid, u64 va)
{
	f->reason = reason;
	f->access = (reason == VXPU_FAULT_UNMAPPED ||
		     reason == VXPU_FAULT_PERMISSION) ? access : 0;
	f->asid = asid;
	f->va = va & ~VXPU_PAGE_MASK;
	return VXPU_STEP_FAULT;
}

/*
 * Map [va, va + len) for @access; on success *avail is the usable length,
 * clamped to @len. It may reach past the end of @va's page when the
 * environment maps contiguous memory (the kernel engine does, for
 * physically contiguous pages): fewer calls per chunk. @reach (>= @len)
 * is how far the packet goes on from @va beyond this step's budget: the
 * environment is told, so that it can translate ahead for the next steps.
 */
static int map_piece(const struct vxpu_env *env, u32 asid, u64 va, u64 len,
		     u64 reach, u32 access, void **ptr, u32 *avail,
		     struct drm_vxpu_fault *f)
{
	u32 got = 0;
	int r;

	*ptr = NULL;
	r = env->map(env->priv, asid, va, reach > len ? reach : len, access,
		     ptr, &got);
	if (unlikely(r)) {
		if (r != VXPU_FAULT_PERMISSION && r != VXPU_FAULT_BAD_ASID)
			r = VXPU_FAULT_UNMAPPED;
		*ptr = NULL;
		return set_fault(f, r, access, asid, va);
	}
	if (unlikely(!got || !*ptr)) {
		if (*ptr)
			env->unmap(env->priv, *ptr);
		*ptr = NULL;
		return set_fault(f, VXPU_FAULT_UNMAPPED, access, asid, va);
	}
	*avail = (u32)vxpu_min(got, len);
	return 0;
}

static bool yield_now(const struct vxpu_env *env)
{
	return env->yield && env->yield(env->priv);
}

/* ---- COPY, FILL, MIX64: ascending pieces, each mapped in src and dst ---- */

/*
 * Byte j of the piece is byte (off + j) % 8 of @pat, i.e. byte j % 8 of
 * the pattern rotated by the phase: one 8-byte store per 8 bytes (a
 * store only: half the memory accesses of copying the pattern forward
 * with memcpy). Also for a one-byte pattern: memset() of an unknown size
 * is inlined as rep stosq in the kernel build, slower under qemu TCG.
 */
static vxpu_hot(fill) void fill_piece(u8 *d, u64 n, u64 pat, u64 off)
{
	unsigned int ph = off & 7;
	u64 rot = ph ? (pat >> (8 * ph)) | (pat << (64 - 8 * ph)) : pat;
	u64 j;

	for (j = 0; j + 128 <= n; j += 128) {
		vxpu_le64_store(d + j, rot);
		vxpu_le64_store(d + j + 8, rot);
		vxpu_le64_store(d + j + 16, rot);
		vxpu_le64_store(d + j + 24, rot);
		vxpu_le64_store(d + j + 32, rot);
		vxpu_le64_store(d + j + 40, rot);
		vxpu_le64_store(d + j + 48, rot);
		vxpu_le64_store(d + j + 56, rot);
		vxpu_le64_store(d + j + 64, rot);
		vxpu_le64_store(d + j + 72, rot);
		vxpu_le64_store(d + j + 80, rot);
		vxpu_le64_store(d + j + 88, rot);
		vxpu_le64_store(d + j + 96, rot);
		vxpu_le64_store(d + j + 104, rot);
		vxpu_le64_store(d + j + 112, rot);
		vxpu_le64_store(d + j + 120, rot);
	}
	for (; j + 8 <= n; j += 8)
		vxpu_le64_store(d + j, rot);
	for (; j < n; j++)
		d[j] = (u8)(rot >> (8 * (j & 7)));
}

static inline u64 mix_one(u64 v, u64 seed, u64 w)
{
	u64 z = (v ^ seed) + w;

	z = (z ^ (z >> 30)) * MIX_M1;
	z = (z ^ (z >> 27)) * MIX_M2;
	return z ^ (z >> 31);
}

/*
 * Not inlined (vxpu_hot): its own registers for the constants (10% faster
 * inner loop).
 * Four loads, then four stores: see copy_piece() on TLB aliasing.
 */
static vxpu_hot(mix) void mix_piece(u8 *d, const u8 *s, u64 n, u64 seed, u64 idx)
{
	u64 w = (idx + 1) * MIX_GOLDEN;	/* (i + 1) * golden, by addition */
	u64 v0, v1, v2, v3, j;

	for (j = 0; j + 32 <= n; j += 32, w += 4 * MIX_GOLDEN) {
		v0 = vxpu_le64_load(s + j);
		v1 = vxpu_le64_load(s + j + 8);
		v2 = vxpu_le64_load(s + j + 16);
		v3 = vxpu_le64_load(s + j + 24);
		vxpu_le64_store(d + j, mix_one(v0, seed, w));
		vxpu_le64_store(d + j + 8, mix_one(v1, seed, w + MIX_GOLDEN));
		vxpu_le64_store(d + j + 16, mix_one(v2, seed, w + 2 * MIX_GOLDEN));
		vxpu_le64_store(d + j + 24, mix_one(v3, seed, w + 3 * MIX_GOLDEN));
	}
	for (; j < n; j += 8, w += MIX_GOLDEN)
		vxpu_le64_store(d + j, mix_one(vxpu_le64_load(s + j), seed, w));
}

/*
 * Software MMUs (qemu TCG: the guests we run in) keep a direct-mapped TLB
 * indexed by the low bits of the page number, its size adapting to use.
 * A copy between two pages whose numbers collide in it misses it on every
 * access when loads and stores alternate (rep movsq: 200 vs 2100 MiB/s
 * measured); two equally sized buffers placed back to back (VRAM) do.
 * So: eight loads, then eight stores: two misses per 64 bytes at worst,
 * and as fast as memcpy otherwise.
 */
static vxpu_hot(copy) void copy_piece(u8 *d, const u8 *s, u32 n)
{
	u64 a0, a1, a2, a3, a4, a5, a6, a7;
	u32 j;

	/* aliasing mappings may overlap: never undefined */
	if ((uintptr_t)d + n > (uintptr_t)s && (uintptr_t)s + n > (uintptr_t)d) {
		memmove(d, s, n);
		return;
	}
	for (j = 0; j + 64 <= n; j += 64) {
		a0 = vxpu_le64_load(s + j);
		a1 = vxpu_le64_load(s + j + 8);
		a2 = vxpu_le64_load(s + j + 16);
		a3 = vxpu_le64_load(s + j + 24);
		a4 = vxpu_le64_load(s + j + 32);
		a5 = vxpu_le64_load(s + j + 40);
		a6 = vxpu_le64_load(s + j + 48);
		a7 = vxpu_le64_load(s + j + 56);
		vxpu_le64_store(d + j, a0);
		vxpu_le64_store(d + j + 8, a1);
		vxpu_le64_store(d + j + 16, a2);
		vxpu_le64_store(d + j + 24, a3);
		vxpu_le64_store(d + j + 32, a4);
		vxpu_le64_store(d + j + 40, a5);
		vxpu_le64_store(d + j + 48, a6);
		vxpu_le64_store(d + j + 56, a7);
	}
	if (j < n)
		memcpy(d + j, s + j, n - j);
}

static int run_stream(const struct drm_vxpu_packet *p, u32 sa, u32 da,
		      struct vxpu_exec *ex, const struct vxpu_env *env,
		      u64 budget, struct drm_vxpu_fault *f, u64 *bytes)
{
	bool need_src = p->opcode != VXPU_OP_FILL, stop = false;
	u64 used = 0;
	u32 j, c;
	int r = 0;

	while (ex->done < p->size && used < budget) {
		u64 reach = p->size - ex->done;
		u64 want = vxpu_min(reach, budget - used);
		void *s = NULL, *d;
		u32 n = 0, dn = 0;

		if (p->opcode == VXPU_OP_MIX64) {
			if (want < 8 && used)
				break;	/* less than one u64 left */
			want = want < 8 ? 8 : want & ~7ULL;
		}
		if (need_src) {
			r = map_piece(env, sa, p->src + ex->done, want, reach,
				      VXPU_ACCESS_READ, &s, &n, f);
			if (r)
				break;
			want = n;
		}
		r = map_piece(env, da, p->dst + ex->done, want, reach,
			      VXPU_ACCESS_WRITE, &d, &dn, f);
		if (r) {
			if (s)
				env->unmap(env->priv, s);
			break;
		}
		n = dn;
		if (p->opcode == VXPU_OP_MIX64)
			n &= ~7U;
		/* in grains, asking env->yield() after each (a multiple of 8) */
		for (j = 0; j < n; j += c) {
			c = vxpu_min(n - j, VXPU_YIELD_GRAIN);
			switch (p->opcode) {
			case VXPU_OP_COPY:
				copy_piece((u8 *)d + j, (u8 *)s + j, c);
				break;
			case VXPU_OP_FILL:
				fill_piece((u8 *)d + j, c, p->arg[0], ex->done + j);
				break;
			default:
				mix_piece((u8 *)d + j, (u8 *)s + j, c, p->arg[0],
					  (ex->done + j) / 8);
				break;
			}
			if (ex->done + j + c < p->size && yield_now(env)) {
				stop = true;
				n = j + c;
				break;
			}
		}
		env->unmap(env->priv, d);
		if (s)
			env->unmap(env->priv, s);
		if (unlikely(!n)) {
			/* a broken map() that cannot cover one u64 */
			r = set_fault(f, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_WRITE,
				      da, p->dst + ex->done);
			break;
		}
		ex->done += n;
		used += n;
		if (stop)
			break;
	}
	*bytes = used;
	if (r)
		return r;
	return ex->done == p->size ? VXPU_STEP_DONE : VXPU_STEP_MORE;
}

/* ---- HASH64: XXH64, streamed ---- */

static u64 xxh_round(u64 acc, u64 in)
{
	acc += in * XXP2;
	acc = rotl64(acc, 31);
	return acc * XXP1;
}

static void xxh_stripe(u64 *acc, const u8 *p)
{
	acc[0] = xxh_round(acc[0], vxpu_le64_load(p));
	acc[1] = xxh_round(acc[1], vxpu_le64_load(p + 8));
	acc[2] = xxh_round(acc[2], vxpu_le64_load(p + 16));
	acc[3] = xxh_round(acc[3], vxpu_le64_load(p + 24));
}

/*
 * The lanes in locals for the whole run of stripes: through @ex they
 * would be stored back after every stripe (a u64 store may alias the u8
 * source), four stores per 32 bytes.
 */
static vxpu_hot(xxh) u64 xxh_stripes(u64 *acc, const u8 *p, u64 n)
{
	u64 a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
	u64 j;

	for (j = 0; j + 32 <= n; j += 32) {
		a0 = xxh_round(a0, vxpu_le64_load(p + j));
		a1 = xxh_round(a1, vxpu_le64_load(p + j + 8));
		a2 = xxh_round(a2, vxpu_le64_load(p + j + 16));
		a3 = xxh_round(a3, vxpu_le64_load(p + j + 24));
	}
	acc[0] = a0;
	acc[1] = a1;
	acc[2] = a2;
	acc[3] = a3;
	return j;
}

static void xxh_update(struct vxpu_exec *ex, const u8 *p, u64 n)
{
	unsigned int t = ex->done & 31;
	u64 j;

	if (t) {
		u64 take = vxpu_min(32 - t, n);

		memcpy(ex->tail + t, p, take);
		p += take;
		n -= take;
		ex->done += take;
		if (t + take < 32)
			return;
		xxh_stripe(ex->acc, ex->tail);
	}
	j = xxh_stripes(ex->acc, p, n);
	p += j;
	n -= j;
	ex->done += j;
	if (n) {
		memcpy(ex->tail, p, n);
		ex->done += n;
	}
}

static u64 xxh_merge(u64 h, u64 v)
{
	h ^= xxh_round(0, v);
	return h * XXP1 + XXP4;
}

static u64 xxh_digest(const struct vxpu_exec *ex, u64 len, u64 seed)
{
	const u8 *p = ex->tail;
	u64 rem = len & 31;
	u64 h;

	if (len >= 32) {
		h = rotl64(ex->acc[0], 1) + rotl64(ex->acc[1], 7) +
		    rotl64(ex->acc[2], 12) + rotl64(ex->acc[3], 18);
		h = xxh_merge(h, ex->acc[0]);
		h = xxh_merge(h, ex->acc[1]);
		h = xxh_merge(h, ex->acc[2]);
		h = xxh_merge(h, ex->acc[3]);
	} else {
		h = seed + XXP5;
	}
	h += len;
	for (; rem >= 8; rem -= 8, p += 8) {
		h ^= xxh_round(0, vxpu_le64_load(p));
		h = rotl64(h, 27) * XXP1 + XXP4;
	}
	if (rem >= 4) {
		h ^= (u64)le32_load(p) * XXP1;
		h = rotl64(h, 23) * XXP2 + XXP3;
		p += 4;
		rem -= 4;
	}
	for (; rem; rem--, p++) {
		h ^= *p * XXP5;
		h = rotl64(h, 11) * XXP1;
	}
	h ^= h >> 33;
	h *= XXP2;
	h ^= h >> 29;
	h *= XXP3;
	h ^= h >> 32;
	return h;
}

static int run_hash(const struct drm_vxpu_packet *p, u32 sa, u32 da,
		    struct vxpu_exec *ex, const struct vxpu_env *env,
		    u64 budget, struct drm_vxpu_fault *f, u64 *bytes)
{
	u64 seed = p->arg[0];
	u64 used = 0;
	bool stop = false;
	void *ptr;
	u32 n, j, c;
	int r;

	if (!ex->done) {
		ex->acc[0] = seed + XXP1 + XXP2;
		ex->acc[1] = seed + XXP2;
		ex->acc[2] = seed;
		ex->acc[3] = seed - XXP1;
	}
	while (ex->done < p->size && used < budget) {
		r = map_piece(env, sa, p->src + ex->done,
			      vxpu_min(p->size - ex->done, budget - used),
			      p->size - ex->done, VXPU_ACCESS_READ, &ptr, &n, f);
		if (r) {
			*bytes = used;
			return r;
		}
		for (j = 0; j < n; j += c) {
			c = vxpu_min(n - j, VXPU_YIELD_GRAIN);
			xxh_update(ex, (u8 *)ptr + j, c);
			if (ex->done < p->size && yield_now(env)) {
				stop = true;
				n = j + c;
				break;
			}
		}
		env->unmap(env->priv, ptr);
		used += n;
		if (stop)
			break;
	}
	*bytes = used;
	if (ex->done < p->size)
		return VXPU_STEP_MORE;

	r = map_piece(env, da, p->dst, 8, 8, VXPU_ACCESS_WRITE, &ptr, &n, f);
	if (r)
		return r;
	if (unlikely(n < 8)) {
		env->unmap(env->priv, ptr);
		return set_fault(f, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_WRITE, da, p->dst);
	}
	vxpu_le64_store(ptr, xxh_digest(ex, p->size, seed));
	env->unmap(env->priv, ptr);
	return VXPU_STEP_DONE;
}

/* ---- MATMUL_U32: row r, product k, column col ---- */

/*
 * Elements of A's row read per map call, into a buffer: one A element per
 * product is too little work for a map call, and the buffer leaves the
 * two mappings the environment allows to C and B.
 */
#define VXPU_MATMUL_AHEAD	64

struct matmul_a {
	u64 row, base;			/* ahead[i] is A[row][base + i] */
	u32 n;
	u32 ahead[VXPU_MATMUL_AHEAD];
};

/* @cnt elements of a C row: 0 (@b NULL: K is 0), a * B (@k 0), or C + a * B */
static vxpu_hot(matmul) void matmul_piece(u8 *c, const u8 *b, u32 cnt, u32 a, u64 k)
{
	u32 i;

	if (!b) {
		memset(c, 0, (u64)cnt * 4);
	} else if (!k) {
		for (i = 0; i < cnt; i++)
			le32_store(c + 4 * i, a * le32_load(b + 4 * i));
	} else {
		for (i = 0; i < cnt; i++)
			le32_store(c + 4 * i, le32_load(c + 4 * i) +
				   a * le32_load(b + 4 * i));
	}
}

/*
 * matmul_piece() over @cnt elements in grains, asking env->yield() after
 * each; returns the elements done (all unless *@stop was set).
 */
static u32 matmul_grains(u8 *c, const u8 *b, u32 cnt, u32 a, u64 k,
			 const struct vxpu_env *env, u64 *since, bool *stop)
{
	u32 i, blk;

	for (i = 0; i < cnt; i += blk) {
		blk = vxpu_min(cnt - i, VXPU_YIELD_GRAIN / 4);
		matmul_piece(c + 4 * i, b ? b + 4 * i : NULL, blk, a, k);
		*since += blk * 4;
		if (i + blk < cnt && *since >= VXPU_YIELD_GRAIN) {
			*since = 0;
			if (yield_now(env)) {
				*stop = true;
				return i + blk;
			}
		}
	}
	return cnt;
}

/* *@a = A[ex->done][ex->k], reading ahead along the row when needed */
static int matmul_load_a(const struct drm_vxpu_packet *p, u32 sa, u64 kk,
			 const struct vxpu_exec *ex, const struct vxpu_env *env,
			 struct matmul_a *A, u32 *a, struct drm_vxpu_fault *f)
{
	if (ex->done != A->row || ex->k - A->base >= A->n) {
		u64 ava = p->src + (ex->done * kk + ex->k) * 4;
		void *ap;
		u32 got;
		int r;

		r = map_piece(env, sa, ava,
			      vxpu_min(kk - ex->k, VXPU_MATMUL_AHEAD) * 4,
			      (kk - ex->k) * 4, VXPU_ACCESS_READ, &ap, &got, f);
		if (r)
			return r;
		for (A->n = 0; A->n < got / 4; A->n++)
			A->ahead[A->n] = le32_load((u8 *)ap + 4 * A->n);
		env->unmap(env->priv, ap);
		if (unlikely(!A->n)) {
			A->row = VXPU_U64_MAX;
			return set_fault(f, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_READ,
					 sa, ava);
		}
		A->row = ex->done;
		A->base = ex->k;
	}
	*a = A->ahead[ex->k - A->base];
	return 0;
}

/*
 * C could not be mapped at the current element. The reference reads A and
 * B before it writes C, so a fault of theirs there is the one to report.
 */
static int matmul_c_fault(const struct drm_vxpu_packet *p, u32 sa, u64 kk,
			  const struct vxpu_exec *ex, const struct vxpu_env *env,
			  struct matmul_a *A, struct drm_vxpu_fault *f)
{
	struct drm_vxpu_fault cf = *f;
	void *bp;
	u32 a, got;

	if (!kk || matmul_load_a(p, sa, kk, ex, env, A, &a, f) ||
	    map_piece(env, sa, p->arg[0] + (ex->k * (p->arg[1] >> 32) + ex->col) * 4,
		      4, 4, VXPU_ACCESS_READ, &bp, &got, f))
		return VXPU_STEP_FAULT;
	env->unmap(env->priv, bp);
	*f = cf;
	return VXPU_STEP_FAULT;
}

/*
 * C's row is mapped once for all the products of the step that add into
 * it, and B once for as many products as its mapping covers (B's rows
 * follow each other): per step, a handful of map calls instead of two per
 * product. The order of the work, and so the resume state, is unchanged:
 * row, then product, then column.
 */
static int run_matmul(const struct drm_vxpu_packet *p, u32 sa, u32 da,
		      struct vxpu_exec *ex, const struct vxpu_env *env,
		      u64 budget, struct drm_vxpu_fault *f, u64 *bytes)
{
	u64 m = p->arg[1] & 0xffffffffu;
	u64 n = p->arg[1] >> 32;
	u64 kk = p->arg[2];
	u64 used = 0, since = 0;
	struct matmul_a A = { .row = VXPU_U64_MAX };
	bool stop = false;
	int r = 0;

	*bytes = 0;
	if (!m || !n)
		return VXPU_STEP_DONE;
	/* stop when less than one multiply-add (4 bytes) of budget is left */
	while (ex->done < m && (!used || used + 4 <= budget)) {
		u64 row = ex->done, c0 = ex->col;
		u64 cva = p->dst + (row * n + c0) * 4;
		void *cp;
		u32 got, ccnt;

		/* C's row from c0: the columns [c0, c0 + ccnt) */
		r = map_piece(env, da, cva, (n - c0) * 4, (m - row) * n * 4 - c0 * 4,
			      VXPU_ACCESS_WRITE, &cp, &got, f);
		if (r) {
			r = matmul_c_fault(p, sa, kk, ex, env, &A, f);
			break;
		}
		ccnt = got / 4;
		if (unlikely(!ccnt)) {
			env->unmap(env->priv, cp);
			r = set_fault(f, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_WRITE,
				      da, cva);
			break;
		}
		do {
			/* B's elements [b0, b0 + bcnt) are mapped at bp */
			u64 b0 = ex->k * n + ex->col, bcnt = VXPU_U64_MAX;
			void *bp = NULL;
			u32 a = 0;

			if (kk) {
				u64 blen = vxpu_min((kk * n - b0) * 4, budget - used);

				r = matmul_load_a(p, sa, kk, ex, env, &A, &a, f);
				if (r)
					break;
				/* the rest of the step's B, row after row */
				r = map_piece(env, sa, p->arg[0] + b0 * 4,
					      blen > 4 ? blen : 4,
					      (kk * n - b0) * 4,
					      VXPU_ACCESS_READ, &bp, &got, f);
				if (r)
					break;
				bcnt = got / 4;
				if (unlikely(!bcnt)) {
					env->unmap(env->priv, bp);
					r = set_fault(f, VXPU_FAULT_UNMAPPED,
						      VXPU_ACCESS_READ, sa,
						      p->arg[0] + b0 * 4 + got);
					break;
				}
			}
			/* pieces of products while C's, B's and A's stay valid */
			for (;;) {
				u64 bpos = ex->k * n + ex->col - b0;
				u64 cnt = vxpu_min(c0 + ccnt - ex->col,
						   (budget - used) / 4 ? (budget - used) / 4 : 1);

				if (kk) {
					a = A.ahead[ex->k - A.base];
					cnt = vxpu_min(cnt, bcnt - bpos);
				}
				cnt = matmul_grains((u8 *)cp + (ex->col - c0) * 4,
						    bp ? (u8 *)bp + 4 * bpos : NULL,
						    (u32)cnt, a, ex->k, env, &since, &stop);
				ex->col += cnt;
				used += cnt * 4;
				if (ex->col == n) {
					ex->col = 0;
					if (kk)
						ex->k++;
					if (!kk || ex->k == kk) {
						ex->k = 0;
						ex->done++;
					}
				}
				if (!stop && since >= VXPU_YIELD_GRAIN && ex->done < m) {
					since = 0;
					stop = yield_now(env);
				}
				if (stop || ex->done != row || ex->col < c0 ||
				    ex->col >= c0 + ccnt || used + 4 > budget)
					break;
				bpos = ex->k * n + ex->col;
				if (kk && (bpos < b0 || bpos - b0 >= bcnt ||
					   ex->k - A.base >= A.n))
					break;
			}
			if (bp)
				env->unmap(env->priv, bp);
		} while (!stop && ex->done == row && ex->col >= c0 &&
			 ex->col < c0 + ccnt && used + 4 <= budget);
		env->unmap(env->priv, cp);
		if (r || stop)
			break;
	}
	*bytes = used;
	if (r)
		return r;
	return ex->done == m ? VXPU_STEP_DONE : VXPU_STEP_MORE;
}

/* ---- single-access packets ---- */

static int run_single(const struct drm_vxpu_packet *p, u32 sa, u32 da,
		      const struct vxpu_env *env, struct drm_vxpu_fault *f,
		      u64 *bytes)
{
	bool wait = p->opcode == VXPU_OP_WAIT;
	u32 asid = wait ? sa : da;
	u64 va = wait ? p->src : p->dst;
	u32 acc = wait ? VXPU_ACCESS_READ : VXPU_ACCESS_WRITE;
	bool hold = true;
	void *ptr;
	u64 v;
	u32 n;
	int r;

	r = map_piece(env, asid, va, 8, 8, acc, &ptr, &n, f);
	if (r)
		return r;
	if (unlikely(n < 8)) {
		env->unmap(env->priv, ptr);
		return set_fault(f, VXPU_FAULT_UNMAPPED, acc, asid, va);
	}
	switch (p->opcode) {
	case VXPU_OP_WRITE64:
		vxpu_store64_once(ptr, p->arg[0]);
		*bytes = 8;
		break;
	case VXPU_OP_ATOMIC_ADD64:
		vxpu_atomic_add64(ptr, p->arg[0]);
		*bytes = 8;
		break;
	default:
		v = vxpu_load64_once(ptr);
		if (p->flags == VXPU_WAIT_EQ)
			hold = v == p->arg[0];
		else if (p->flags == VXPU_WAIT_NE)
			hold = v != p->arg[0];
		else
			hold = v >= p->arg[0];
		break;
	}
	env->unmap(env->priv, ptr);
	return hold ? VXPU_STEP_DONE : VXPU_STEP_WAIT;
}

int vxpu_interp_step(const struct drm_vxpu_packet *pkt, u32 queue_asid,
		     struct vxpu_exec *ex, const struct vxpu_env *env,
		     u64 budget, struct drm_vxpu_fault *fault, u64 *bytes)
{
	/* one copy, so that the packet cannot change under us */
	struct drm_vxpu_packet p = *pkt;
	u32 sa = p.src_asid ? p.src_asid : queue_asid;
	u32 da = p.dst_asid ? p.dst_asid : queue_asid;

	memset(fault, 0, sizeof(*fault));
	*bytes = 0;
	if (vxpu_interp_check(&p, ex))
		return set_fault(fault, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	if (!budget)
		budget = 1;

	switch (p.opcode) {
	case VXPU_OP_NOP:
		return VXPU_STEP_DONE;
	case VXPU_OP_COPY:
	case VXPU_OP_FILL:
	case VXPU_OP_MIX64:
		return run_stream(&p, sa, da, ex, env, budget, fault, bytes);
	case VXPU_OP_HASH64:
		return run_hash(&p, sa, da, ex, env, budget, fault, bytes);
	case VXPU_OP_MATMUL_U32:
		return run_matmul(&p, sa, da, ex, env, budget, fault, bytes);
	case VXPU_OP_SIGNAL:
		if (env->signal(env->priv, p.arg[0], p.arg[1]))
			return set_fault(fault, VXPU_FAULT_BAD_EVENT, 0, 0, 0);
		return VXPU_STEP_DONE;
	default: /* WRITE64, ATOMIC_ADD64, WAIT */
		return run_single(&p, sa, da, env, fault, bytes);
	}
}
