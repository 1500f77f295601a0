// SPDX-License-Identifier: MIT
/*
 * Host unit tests of the packet interpreter (kernel/vxpu_interp.c, the
 * very file vxpu.ko runs) against the independent reference
 * (lib/vxpu_ref.c), over fake ASIDs (tests/fuzz/fakemem.c):
 *
 *   ASID 1  0x100000..0x140000  pages 0..63   RW
 *           0x140000            hole (unmapped)
 *           0x141000..0x143000  pages 64..65  RW
 *           0x143000            page 66       read-only
 *           0x144000            page 67       write-only
 *   ASID 2  0x200000..0x220000  pages 68..99  RW
 *           0x300000..0x304000  pages 0..3    RW (alias of ASID 1)
 *   ASID 3 does not exist; events 1..4 exist.
 * Odd seeds of setup() put the pages in one allocation (fakemem's
 * contiguous mode): map() then hands out pieces across pages, as the
 * kernel engine does for physically contiguous memory.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "vt.h"
#include "fakemem.h"

#define RW	(VXPU_MAP_READ | VXPU_MAP_WRITE)
#define BIG	0x100000ULL
#define HOLE	0x140000ULL
#define RW2	0x141000ULL
#define RO	0x143000ULL
#define WO	0x144000ULL
#define A2	0x200000ULL
#define ALIAS	0x300000ULL
#define NPG	100

#define B_RANDOM	(-1)	/* budget mode: random 1..70000 per step */
#define B_TINY		(-2)	/* random 1..40 per step */
#define B_MID		(-3)	/* random 1..5000 per step */

static uint64_t rs;
/* env yield() in setup()'s images: 0 never, 1 always, 2 at random (seeded) */
static int g_yields;

static uint64_t rnd(void)
{
	uint64_t z = (rs += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void setup(struct fakemem *fm, uint64_t seed)
{
	ck_assert_int_eq((seed & 1 ? fm_init_contig : fm_init)(fm, NPG, 2, 4), 0);
	fm_add(fm, 1, BIG, 0, 64, RW);
	fm_add(fm, 1, RW2, 64, 2, RW);
	fm_add(fm, 1, RO, 66, 1, VXPU_MAP_READ);
	fm_add(fm, 1, WO, 67, 1, VXPU_MAP_WRITE);
	fm_add(fm, 2, A2, 68, 32, RW);
	fm_add(fm, 2, ALIAS, 0, 4, RW);
	fm->yields = g_yields == 2 ? seed * 2 + 3 : (uint64_t)g_yields;
	rs = seed;
	for (int i = 0; i < NPG; i++)
		for (unsigned int j = 0; j < FM_PAGE; j += 8) {
			uint64_t v = rnd();

			memcpy(fm->page[i] + j, &v, 8);
		}
}

static struct drm_vxpu_packet pk(uint32_t op, uint64_t src, uint64_t dst, uint64_t size,
				 uint64_t a0, uint64_t a1, uint64_t a2)
{
	return (struct drm_vxpu_packet){
		.opcode = op, .src = src, .dst = dst, .size = size,
		.arg = { a0, a1, a2 },
	};
}

static u64 budget_for(int mode)
{
	if (mode == B_RANDOM)
		return 1 + rnd() % 70000;
	if (mode == B_TINY)
		return 1 + rnd() % 40;
	if (mode == B_MID)
		return 1 + rnd() % 5000;
	return (u64)mode;
}

/* step until not MORE; checks the env contract and the per-step bound */
static int run_interp(struct fakemem *fm, const struct drm_vxpu_packet *p, uint32_t qa,
		      int bmode, struct drm_vxpu_fault *f, uint64_t *steps_out,
		      uint64_t *bytes_out)
{
	struct vxpu_env env = fm_env(fm);
	struct vxpu_exec ex;
	uint64_t steps = 0, total = 0;
	int r;

	vxpu_exec_init(&ex);
	do {
		u64 budget = budget_for(bmode), bytes;

		r = vxpu_interp_step(p, qa, &ex, &env, budget, f, &bytes);
		ck_assert_uint_eq(fm->nheld, 0);
		ck_assert_uint_le(bytes, budget > 8 ? budget : 8);
		total += bytes;
		steps++;
		ck_assert_uint_lt(steps, 50000000);
	} while (r == VXPU_STEP_MORE);
	if (steps_out)
		*steps_out = steps;
	if (bytes_out)
		*bytes_out = total;
	return r;
}

static int ref_to_step(int rr)
{
	ck_assert_int_ne(rr, VXPU_REF_NOMEM);
	return rr == VXPU_REF_DONE ? VXPU_STEP_DONE : rr == VXPU_REF_WAIT ? VXPU_STEP_WAIT :
	       VXPU_STEP_FAULT;
}

/* the packet on a fresh memory image: interpreter (budget mode) == reference */
static void check_vs_ref(const struct drm_vxpu_packet *p, uint32_t qa, int bmode, uint64_t seed)
{
	struct fakemem fm, ref;
	struct vxpu_ref_mem rm;
	struct drm_vxpu_fault f, rf;
	int r, rr;
	long d;

	setup(&fm, seed);
	ck_assert_int_eq(fm_clone(&ref, &fm), 0);
	rm = fm_ref(&ref);
	rr = vxpu_ref_run(p, qa, &rm, &rf);
	rs = seed * 31 + 7;
	r = run_interp(&fm, p, qa, bmode, &f, NULL, NULL);
	ck_assert_msg(r == ref_to_step(rr),
		      "op %u src %#llx dst %#llx size %llu budget %d: interp %d, ref %d (fault %u/%u)",
		      p->opcode, (unsigned long long)p->src, (unsigned long long)p->dst,
		      (unsigned long long)p->size, bmode, r, rr, f.reason, rf.reason);
	if (r == VXPU_STEP_FAULT) {
		ck_assert_uint_eq(f.reason, rf.reason);
		ck_assert_uint_eq(f.access, rf.access);
		ck_assert_uint_eq(f.asid, rf.asid);
		ck_assert_uint_eq(f.va, rf.va);
	} else {
		d = fm_diff(&fm, &ref);
		ck_assert_msg(d < 0, "op %u size %llu budget %d: memory differs at page %ld byte %ld",
			      p->opcode, (unsigned long long)p->size, bmode, d / 4096, d % 4096);
		ck_assert_mem_eq(fm.event, ref.event, sizeof(fm.event));
	}
	fm_free(&fm);
	fm_free(&ref);
}

static const int bmodes[] = { 65536, 4096, 1, B_RANDOM, B_TINY };
#define NB (int)(sizeof(bmodes) / sizeof(bmodes[0]))

static void check_all_budgets(const struct drm_vxpu_packet *p, uint32_t qa, uint64_t seed)
{
	for (int b = 0; b < NB; b++) {
		/* budget 1 on large work is slow and adds nothing over B_TINY */
		if (bmodes[b] == 1 && p->size > 20000)
			continue;
		check_vs_ref(p, qa, bmodes[b], seed + b);
	}
}

/* ---- reference sanity ---- */

START_TEST(ref_known_values)
{
	uint32_t a[4] = { 1, 2, 3, 4 }, b[4] = { 5, 6, 7, 8 }, c[4];
	uint8_t buf[20];

	/* splitmix64 from state 0: first output */
	ck_assert_uint_eq(vxpu_ref_mix64_one(0, 0, 0), 0xe220a8397b1dcdafULL);
	ck_assert_uint_eq(vxpu_ref_hash64("", 0, 0), 0xef46db3751d8e999ULL);
	vxpu_ref_matmul_u32(c, a, b, 2, 2, 2);
	ck_assert_uint_eq(c[0], 19);
	ck_assert_uint_eq(c[1], 22);
	ck_assert_uint_eq(c[2], 43);
	ck_assert_uint_eq(c[3], 50);
	a[0] = 0x80000000u;
	b[0] = 2;
	vxpu_ref_matmul_u32(c, a, b, 1, 1, 1);
	ck_assert_uint_eq(c[0], 0);	/* mod 2^32 */
	vxpu_ref_fill(buf, 11, 0x0807060504030201ULL);
	ck_assert_uint_eq(buf[0], 1);
	ck_assert_uint_eq(buf[7], 8);
	ck_assert_uint_eq(buf[8], 1);
	ck_assert_uint_eq(buf[10], 3);
}
END_TEST

/* ---- every opcode against the reference ---- */

START_TEST(nop_and_signal)
{
	struct drm_vxpu_packet p = { .opcode = VXPU_OP_NOP };
	struct fakemem fm;
	struct vxpu_env env;
	struct vxpu_exec ex;
	struct drm_vxpu_fault f;
	u64 bytes;

	check_all_budgets(&p, 1, 1);
	p = pk(VXPU_OP_SIGNAL, 0, 0, 0, 2, 77, 0);
	check_vs_ref(&p, 1, 65536, 2);

	setup(&fm, 3);
	env = fm_env(&fm);
	vxpu_exec_init(&ex);
	ck_assert_int_eq(vxpu_interp_step(&p, 1, &ex, &env, 65536, &f, &bytes), VXPU_STEP_DONE);
	ck_assert_uint_eq(fm.event[2], 77);
	p.arg[1] = 5;	/* counters never go back */
	ck_assert_int_eq(vxpu_interp_step(&p, 1, &ex, &env, 65536, &f, &bytes), VXPU_STEP_DONE);
	ck_assert_uint_eq(fm.event[2], 77);
	ck_assert_uint_eq(fm.maps_total, 0);
	fm_free(&fm);
}
END_TEST

START_TEST(copy_sizes_offsets)
{
	static const uint64_t sizes[] = { 0, 1, 7, 8, 9, 63, 4095, 4096, 4097, 8191, 3 * 4096 + 5, 70001 };
	static const uint64_t soff[] = { 0, 1, 4095, 8 };
	static const uint64_t doff[] = { 0, 3, 4094 };
	uint64_t seed = 100;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (size_t s = 0; s < 4; s++)
			for (size_t d = 0; d < 3; d++) {
				/* ASID 1 -> ASID 2 (dst_asid), and within ASID 1 without overlap */
				struct drm_vxpu_packet p = pk(VXPU_OP_COPY, BIG + soff[s],
							      A2 + doff[d], sizes[i], 0, 0, 0);

				p.dst_asid = 2;
				check_vs_ref(&p, 1, 65536, seed++);
				check_vs_ref(&p, 1, B_RANDOM, seed++);
				p = pk(VXPU_OP_COPY, BIG + soff[s], BIG + 0x20000 + doff[d],
				       sizes[i], 0, 0, 0);
				check_vs_ref(&p, 1, sizes[i] < 10000 ? B_TINY : 4096, seed++);
			}
	/* from ASID 2's alias of ASID 1 pages, queue ASID 2 */
	{
		struct drm_vxpu_packet p = pk(VXPU_OP_COPY, ALIAS + 5, 0x130000, 9000, 0, 0, 0);

		p.dst_asid = 1;
		check_all_budgets(&p, 2, seed++);
	}
}
END_TEST

START_TEST(fill_phases)
{
	static const uint64_t sizes[] = { 0, 1, 5, 8, 13, 4096, 4099, 12345, 65537 };
	static const uint64_t pats[] = { 0x0807060504030201ULL, 0, 0xababababababababULL, 0xff00ULL };
	uint64_t seed = 200;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (size_t q = 0; q < 4; q++)
			for (uint64_t off = 0; off < 9; off += 4) {
				struct drm_vxpu_packet p = pk(VXPU_OP_FILL, 0, BIG + 4093 + off,
							      sizes[i], pats[q], 0, 0);

				check_vs_ref(&p, 1, 65536, seed++);
				check_vs_ref(&p, 1, sizes[i] < 5000 ? B_TINY : B_RANDOM, seed++);
			}
}
END_TEST

START_TEST(write64_atomic)
{
	struct drm_vxpu_packet p = pk(VXPU_OP_WRITE64, 0, BIG + 4088, 0, 0x1122334455667788ULL, 0, 0);
	struct fakemem fm;
	struct vxpu_env env;
	struct vxpu_exec ex;
	struct drm_vxpu_fault f;
	u64 bytes;

	check_all_budgets(&p, 1, 300);
	p = pk(VXPU_OP_ATOMIC_ADD64, 0, A2 + 64, 0, 0xfffffffffffffff0ULL, 0, 0);
	check_all_budgets(&p, 2, 310);
	p.dst_asid = 1;
	p.dst = WO + 8;		/* an atomic add needs write permission only */
	check_vs_ref(&p, 2, 65536, 320);

	setup(&fm, 330);
	env = fm_env(&fm);
	memset(fm_at(&fm, 1, BIG), 0, 16);
	p = pk(VXPU_OP_WRITE64, 0, BIG, 0, 0x1122334455667788ULL, 0, 0);
	vxpu_exec_init(&ex);
	ck_assert_int_eq(vxpu_interp_step(&p, 1, &ex, &env, 65536, &f, &bytes), VXPU_STEP_DONE);
	ck_assert_uint_eq(fm_at(&fm, 1, BIG)[0], 0x88);	/* little endian */
	ck_assert_uint_eq(fm_at(&fm, 1, BIG)[7], 0x11);
	p = pk(VXPU_OP_ATOMIC_ADD64, 0, BIG + 8, 0, 5, 0, 0);
	memset(fm_at(&fm, 1, BIG + 8), 0xff, 8);
	ck_assert_int_eq(vxpu_interp_step(&p, 1, &ex, &env, 65536, &f, &bytes), VXPU_STEP_DONE);
	ck_assert_uint_eq(fm_at(&fm, 1, BIG + 8)[0], 4);	/* wraps */
	ck_assert_uint_eq(fm_at(&fm, 1, BIG + 8)[7], 0);
	fm_free(&fm);
}
END_TEST

START_TEST(mix64_cases)
{
	static const uint64_t sizes[] = { 0, 8, 16, 24, 4088, 4096, 4104, 8 * 5000, 65536 + 8 };
	uint64_t seed = 400;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct drm_vxpu_packet p = pk(VXPU_OP_MIX64, BIG + 4072, A2 + 16, sizes[i],
					      0x5eed5eed12345678ULL, 0, 0);

		p.dst_asid = 2;
		check_all_budgets(&p, 1, seed);
		seed += 10;
		/* in place */
		p = pk(VXPU_OP_MIX64, BIG + 4064, BIG + 4064, sizes[i], 99, 0, 0);
		check_all_budgets(&p, 1, seed);
		seed += 10;
	}
}
END_TEST

START_TEST(hash64_lengths)
{
	uint64_t seed = 500;

	for (uint64_t len = 0; len <= 130; len++) {
		struct drm_vxpu_packet p = pk(VXPU_OP_HASH64, BIG + 4096 - len / 2, A2 + 8, len,
					      len * 0x100000001ULL, 0, 0);

		p.dst_asid = 2;
		check_vs_ref(&p, 1, 65536, seed++);
		check_vs_ref(&p, 1, B_TINY, seed++);
		check_vs_ref(&p, 1, 1, seed++);
	}
	{
		static const uint64_t big[] = { 4095, 4096, 4097, 100000, 200003 };

		for (int i = 0; i < 5; i++) {
			struct drm_vxpu_packet p = pk(VXPU_OP_HASH64, BIG + 3, BIG + 0x3f000,
						      big[i], 0xdead, 0, 0);

			check_all_budgets(&p, 1, seed);
			seed += 10;
		}
	}
}
END_TEST

START_TEST(hash64_matches_xxh64)
{
	struct fakemem fm;
	struct drm_vxpu_fault f;
	uint8_t buf[9000];
	uint64_t got;

	for (uint64_t len = 0; len < sizeof(buf); len += 1 + len / 3) {
		struct drm_vxpu_packet p = pk(VXPU_OP_HASH64, A2 + 4090, A2 + 0x10000, len, len ^ 77, 0, 0);

		setup(&fm, 600 + len);
		rs = len;
		ck_assert_int_eq(run_interp(&fm, &p, 2, B_RANDOM, &f, NULL, NULL), VXPU_STEP_DONE);
		for (uint64_t i = 0; i < len; i++)
			buf[i] = *fm_at(&fm, 2, A2 + 4090 + i);
		memcpy(&got, fm_at(&fm, 2, A2 + 0x10000), 8);
		ck_assert_uint_eq(got, XXH64(buf, len, len ^ 77));
		fm_free(&fm);
	}
}
END_TEST

START_TEST(matmul_shapes)
{
	static const uint32_t dims[][3] = {
		{ 1, 1, 1 }, { 2, 2, 2 }, { 3, 5, 7 }, { 17, 33, 9 }, { 64, 64, 64 }, { 1, 1000, 3 },
		{ 1000, 1, 5 }, { 7, 9, 0 }, { 0, 5, 5 }, { 5, 0, 5 }, { 2, 3, 1000 }, { 1, 2000, 1 },
	};
	uint64_t seed = 700;

	for (size_t i = 0; i < sizeof(dims) / sizeof(dims[0]); i++) {
		uint64_t m = dims[i][0], n = dims[i][1], k = dims[i][2];
		/* A and B in ASID 1, C in ASID 2 */
		struct drm_vxpu_packet p = pk(VXPU_OP_MATMUL_U32, BIG + 4, A2 + 4, 0,
					      BIG + 0x10000 + 8, m | n << 32, k);

		p.dst_asid = 2;
		for (int b = 0; b < NB; b++) {
			if (bmodes[b] == 1 && m * n * k > 100000)
				continue;
			check_vs_ref(&p, 1, bmodes[b], seed++);
		}
	}
}
END_TEST

/* an interrupted packet resumes to byte-identical results, whatever the budgets */
START_TEST(resume_equivalence)
{
	struct drm_vxpu_packet ps[] = {
		pk(VXPU_OP_COPY, BIG + 3, BIG + 0x20000 + 5, 50001, 0, 0, 0),
		pk(VXPU_OP_FILL, 0, BIG + 1, 30003, 0x0123456789abcdefULL, 0, 0),
		pk(VXPU_OP_MIX64, BIG + 8, BIG + 0x20000, 40000, 7, 0, 0),
		pk(VXPU_OP_HASH64, BIG + 1, BIG + 0x3f000, 60001, 3, 0, 0),
		pk(VXPU_OP_MATMUL_U32, BIG, BIG + 0x8000, 0, BIG + 0x20000, 37 | 41ULL << 32, 23),
	};

	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		struct fakemem whole, part;
		struct drm_vxpu_fault f;
		uint64_t steps, bytes;

		setup(&whole, 800 + i);
		ck_assert_int_eq(run_interp(&whole, &ps[i], 1, 1 << 30, &f, &steps, &bytes),
				 VXPU_STEP_DONE);
		ck_assert_uint_eq(steps, 1);
		for (int trial = 0; trial < 12; trial++) {
			g_yields = trial % 3;	/* yield() never, always, at random */
			setup(&part, 800 + i);
			g_yields = 0;
			rs = 9000 + trial;
			ck_assert_int_eq(run_interp(&part, &ps[i], 1, trial & 1 ? B_TINY : B_MID,
						    &f, &steps, NULL), VXPU_STEP_DONE);
			ck_assert_uint_gt(steps, 1);
			ck_assert_int_eq(fm_diff(&whole, &part), -1);
			fm_free(&part);
		}
		fm_free(&whole);
	}
}
END_TEST

/* progress is checkpointable: plain bytes, fixed layout, resumable in another image */
_Static_assert(sizeof(struct vxpu_exec) == 88, "vxpu_exec layout is checkpoint format");
_Static_assert(offsetof(struct vxpu_exec, acc) == 24, "vxpu_exec layout");
_Static_assert(offsetof(struct vxpu_exec, tail) == 56, "vxpu_exec layout");

START_TEST(exec_checkpoint_restore)
{
	struct drm_vxpu_packet ps[] = {
		pk(VXPU_OP_COPY, BIG + 3, BIG + 0x20000 + 5, 50001, 0, 0, 0),
		pk(VXPU_OP_HASH64, BIG + 1, BIG + 0x3f000, 60001, 3, 0, 0),
		pk(VXPU_OP_MATMUL_U32, BIG, BIG + 0x8000, 0, BIG + 0x20000, 37 | 41ULL << 32, 23),
		pk(VXPU_OP_MIX64, BIG + 8, BIG + 8, 40000, 7, 0, 0),
	};

	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		struct fakemem whole, a, b;
		struct vxpu_env env;
		struct vxpu_exec ex, ex2;
		struct drm_vxpu_fault f;
		unsigned char image[sizeof(ex)];
		u64 bytes;
		int r;

		setup(&whole, 1400 + i);
		ck_assert_int_eq(run_interp(&whole, &ps[i], 1, 1 << 30, &f, NULL, NULL), VXPU_STEP_DONE);
		setup(&a, 1400 + i);
		env = fm_env(&a);
		vxpu_exec_init(&ex);
		for (int s = 0; s < 5; s++)
			ck_assert_int_eq(vxpu_interp_step(&ps[i], 1, &ex, &env, 1000, &f, &bytes),
					 VXPU_STEP_MORE);
		/* "checkpoint": memory and progress; "restore" into another image */
		memcpy(image, &ex, sizeof(ex));
		ck_assert_int_eq(fm_clone(&b, &a), 0);
		fm_free(&a);
		memset(&ex, 0x5a, sizeof(ex));
		memcpy(&ex2, image, sizeof(ex2));
		env = fm_env(&b);
		do
			r = vxpu_interp_step(&ps[i], 1, &ex2, &env, 65536, &f, &bytes);
		while (r == VXPU_STEP_MORE);
		ck_assert_int_eq(r, VXPU_STEP_DONE);
		ck_assert_int_eq(fm_diff(&whole, &b), -1);
		fm_free(&b);
		fm_free(&whole);
	}
}
END_TEST

/*
 * An environment that hands out short pieces (any 1..avail): COPY and FILL
 * still give the reference's bytes; element-wise ones either do too or
 * stop with UNMAPPED where a piece cannot hold an element.
 */
START_TEST(short_pieces)
{
	struct drm_vxpu_packet ps[] = {
		pk(VXPU_OP_COPY, BIG + 3, A2 + 5, 30001, 0, 0, 0),
		pk(VXPU_OP_FILL, 0, A2 + 1, 20003, 0x0123456789abcdefULL, 0, 0),
		pk(VXPU_OP_HASH64, BIG + 1, A2 + 0x10000, 30001, 3, 0, 0),
		pk(VXPU_OP_MIX64, BIG + 8, A2 + 8, 20000, 7, 0, 0),
		pk(VXPU_OP_MATMUL_U32, BIG, A2 + 0x8000, 0, BIG + 0x20000, 17 | 21ULL << 32, 13),
	};

	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
		for (int trial = 0; trial < 8; trial++) {
			struct fakemem fm, ref;
			struct vxpu_ref_mem rm;
			struct drm_vxpu_fault f, rf;
			int r;

			ps[i].dst_asid = 2;
			setup(&fm, 1500 + i);
			ck_assert_int_eq(fm_clone(&ref, &fm), 0);
			rm = fm_ref(&ref);
			ck_assert_int_eq(vxpu_ref_run(&ps[i], 1, &rm, &rf), VXPU_REF_DONE);
			fm.chaos = 77 + trial;
			rs = trial;
			r = run_interp(&fm, &ps[i], 1, trial & 1 ? B_RANDOM : B_MID, &f, NULL, NULL);
			/* (HASH64's 8-byte result is one element too) */
			if (ps[i].opcode == VXPU_OP_MIX64 || ps[i].opcode == VXPU_OP_MATMUL_U32 ||
			    ps[i].opcode == VXPU_OP_HASH64) {
				ck_assert(r == VXPU_STEP_DONE || r == VXPU_STEP_FAULT);
				if (r == VXPU_STEP_FAULT) {
					ck_assert_uint_eq(f.reason, VXPU_FAULT_UNMAPPED);
					fm_free(&fm);
					fm_free(&ref);
					continue;
				}
			}
			ck_assert_msg(r == VXPU_STEP_DONE, "op %u: %d (fault %u)", ps[i].opcode, r,
				      f.reason);
			ck_assert_int_eq(fm_diff(&fm, &ref), -1);
			fm_free(&fm);
			fm_free(&ref);
		}
}
END_TEST

/*
 * Contiguous memory is taken in pieces across pages: a 60000-byte COPY
 * within ASID 1's first mapping is one source and one destination piece
 * per step (page by page it would be 15 of each). Same bytes either way.
 */
START_TEST(contig_pieces)
{
	struct drm_vxpu_packet p = pk(VXPU_OP_COPY, BIG + 3, BIG + 0x20000, 60000, 0, 0, 0);
	struct fakemem fm;
	struct drm_vxpu_fault f;

	for (uint64_t seed = 1600; seed < 1602; seed++) {
		setup(&fm, seed);
		ck_assert_int_eq(run_interp(&fm, &p, 1, 65536, &f, NULL, NULL), VXPU_STEP_DONE);
		if (seed & 1)
			ck_assert_uint_eq(fm.maps_total, 2);
		else
			ck_assert_uint_ge(fm.maps_total, 30);
		fm_free(&fm);
		check_vs_ref(&p, 1, 65536, seed);
	}
}
END_TEST

/*
 * map() is told how far the packet goes on (so that the kernel engine can
 * translate ahead for the next steps), past the step's budget, and the
 * interpreter still uses only the budget of a longer piece: one step of a
 * 60000-byte FILL with a 4096-byte budget asks for 60000 bytes, writes
 * 4096 and leaves the next byte alone, in both memory modes.
 */
START_TEST(map_len_reaches_past_budget)
{
	struct drm_vxpu_packet p = pk(VXPU_OP_FILL, 0, BIG + 3, 60000, 0x0123456789abcdefULL, 0, 0);
	struct drm_vxpu_fault f;
	struct vxpu_exec ex;
	struct fakemem fm;
	struct vxpu_env env;
	uint8_t after;
	u64 bytes;

	for (uint64_t seed = 1650; seed < 1652; seed++) {
		setup(&fm, seed);
		fm.yields = 0;
		env = fm_env(&fm);
		after = *fm_at(&fm, 1, BIG + 3 + 4096);
		vxpu_exec_init(&ex);
		ck_assert_int_eq(vxpu_interp_step(&p, 1, &ex, &env, 4096, &f, &bytes),
				 VXPU_STEP_MORE);
		ck_assert_uint_eq(bytes, 4096);
		ck_assert_uint_eq(ex.done, 4096);
		ck_assert_uint_eq(fm.len_max, 60000);
		ck_assert_uint_eq(*fm_at(&fm, 1, BIG + 3 + 4095), 0x01);	/* pattern byte 7 */
		ck_assert_uint_eq(*fm_at(&fm, 1, BIG + 3 + 4096), after);
		fm_free(&fm);
	}
}
END_TEST

/*
 * MATMUL maps C's row once for all its products and B once for as many
 * rows as a piece holds: in contiguous memory a 4x64x64 product (one
 * step) is three maps per row of C (C, A's read-ahead, B), not two per
 * product. Same bytes as the reference in both memory modes.
 */
START_TEST(matmul_pieces)
{
	struct drm_vxpu_packet p = pk(VXPU_OP_MATMUL_U32, BIG, BIG + 0x1000, 0, BIG + 0x20000,
				      4 | 64ULL << 32, 64);
	struct fakemem fm;
	struct drm_vxpu_fault f;

	for (uint64_t seed = 1700; seed < 1702; seed++) {
		setup(&fm, seed);
		ck_assert_int_eq(run_interp(&fm, &p, 1, 65536, &f, NULL, NULL), VXPU_STEP_DONE);
		if (seed & 1)
			ck_assert_uint_eq(fm.maps_total, 3 * 4);
		fm_free(&fm);
		check_vs_ref(&p, 1, 65536, seed);
	}
}
END_TEST

/*
 * yield() always true: every step ends after its first grain (VXPU_YIELD_GRAIN of
 * work, less at a piece end) with MORE, and the packets still give the
 * reference's bytes, in both memory modes.
 */
START_TEST(yield_ends_steps)
{
	struct drm_vxpu_packet ps[] = {
		pk(VXPU_OP_COPY, BIG + 3, A2 + 5, 60000, 0, 0, 0),
		pk(VXPU_OP_FILL, 0, A2 + 1, 50003, 0x0123456789abcdefULL, 0, 0),
		pk(VXPU_OP_MIX64, BIG + 8, A2 + 8, 40000, 7, 0, 0),
		pk(VXPU_OP_HASH64, BIG + 1, A2 + 0x10000, 60001, 3, 0, 0),
		pk(VXPU_OP_MATMUL_U32, BIG, A2 + 0x8000, 0, BIG + 0x20000, 37 | 64ULL << 32, 23),
	};

	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
		for (uint64_t seed = 1700; seed < 1702; seed++) {
			struct fakemem fm, ref;
			struct vxpu_ref_mem rm;
			struct vxpu_env env;
			struct vxpu_exec ex;
			struct drm_vxpu_fault f, rf;
			uint64_t steps = 0, total = 0;
			u64 bytes;
			int r;

			ps[i].dst_asid = 2;
			setup(&fm, seed);
			ck_assert_int_eq(fm_clone(&ref, &fm), 0);
			rm = fm_ref(&ref);
			ck_assert_int_eq(vxpu_ref_run(&ps[i], 1, &rm, &rf), VXPU_REF_DONE);
			fm.yields = 1;
			env = fm_env(&fm);
			vxpu_exec_init(&ex);
			do {
				r = vxpu_interp_step(&ps[i], 1, &ex, &env, 65536, &f, &bytes);
				ck_assert_uint_le(bytes, VXPU_YIELD_GRAIN);
				ck_assert_uint_gt(bytes, 0);
				total += bytes;
				steps++;
			} while (r == VXPU_STEP_MORE);
			ck_assert_int_eq(r, VXPU_STEP_DONE);
			ck_assert_uint_ge(steps, (total + VXPU_YIELD_GRAIN - 1) / VXPU_YIELD_GRAIN);
			ck_assert_uint_gt(fm.yield_calls, 0);
			ck_assert_int_eq(fm_diff(&fm, &ref), -1);
			fm_free(&fm);
			fm_free(&ref);
		}
}
END_TEST

/* COPY of 64 KiB + 3392 bytes at budget 64 KiB: 2 steps, each within the budget */
START_TEST(budget_bound)
{
	struct drm_vxpu_packet p = pk(VXPU_OP_COPY, BIG, A2, 0, 0, 0, 0);
	struct fakemem fm;
	struct vxpu_env env;
	struct vxpu_exec ex;
	struct drm_vxpu_fault f;
	u64 bytes;
	int r, steps = 0;

	p.dst_asid = 2;
	p.size = 0x10000 + 3392;
	setup(&fm, 900);
	env = fm_env(&fm);
	vxpu_exec_init(&ex);
	do {
		r = vxpu_interp_step(&p, 1, &ex, &env, 65536, &f, &bytes);
		steps++;
		ck_assert_msg(bytes == (steps < 2 ? 65536u : 3392u), "step %d: %llu bytes, r %d",
			      steps, (unsigned long long)bytes, r);
		ck_assert_uint_eq(vxpu_exec_progress(&ex), steps < 2 ? 65536ULL * steps : p.size);
	} while (r == VXPU_STEP_MORE);
	ck_assert_int_eq(r, VXPU_STEP_DONE);
	ck_assert_int_eq(steps, 2);
	fm_free(&fm);
}
END_TEST

/* ---- faults ---- */

static void expect_fault(const struct drm_vxpu_packet *p, uint32_t qa, uint32_t reason,
			 uint32_t access, uint32_t asid, uint64_t va)
{
	struct fakemem fm;
	struct drm_vxpu_fault f;

	for (int b = 0; b < NB; b++) {
		setup(&fm, 1000 + (b & 1));	/* both memory modes */
		rs = 5 + b;
		ck_assert_int_eq(run_interp(&fm, p, qa, bmodes[b], &f, NULL, NULL), VXPU_STEP_FAULT);
		ck_assert_msg(f.reason == reason, "op %u flags %u sa %u da %u src %#llx dst %#llx "
			      "size %#llx arg %#llx %#llx %#llx: reason %u, expected %u",
			      p->opcode, p->flags, p->src_asid, p->dst_asid,
			      (unsigned long long)p->src, (unsigned long long)p->dst,
			      (unsigned long long)p->size, (unsigned long long)p->arg[0],
			      (unsigned long long)p->arg[1], (unsigned long long)p->arg[2],
			      f.reason, reason);
		ck_assert_uint_eq(f.access, access);
		ck_assert_uint_eq(f.asid, asid);
		ck_assert_uint_eq(f.va, va);
		ck_assert_uint_eq(f.queue, 0);
		ck_assert_uint_eq(f.packet, 0);
		if (reason == VXPU_FAULT_BAD_PACKET)
			ck_assert_uint_eq(fm.maps_total, 0);	/* nothing touched */
		fm_free(&fm);
		/* and the reference agrees */
		if (b < 2)
			check_vs_ref(p, qa, 65536, 1000 + b);
	}
}

START_TEST(fault_unmapped)
{
	struct drm_vxpu_packet p;

	p = pk(VXPU_OP_COPY, HOLE - 10, A2, 100, 0, 0, 0);
	p.dst_asid = 2;
	expect_fault(&p, 1, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_READ, 1, HOLE);
	p = pk(VXPU_OP_COPY, A2, HOLE - 100, 101, 0, 0, 0);
	p.src_asid = 2;
	expect_fault(&p, 1, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_WRITE, 1, HOLE);
	p = pk(VXPU_OP_FILL, 0, HOLE + 4095, 1, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_WRITE, 1, HOLE);
	p = pk(VXPU_OP_WAIT, 0x7000, 0, 0, 0, 0, 0);
	expect_fault(&p, 2, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_READ, 2, 0x7000);
	p = pk(VXPU_OP_HASH64, BIG, HOLE + 8, 5000, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_WRITE, 1, HOLE);
	p = pk(VXPU_OP_MIX64, HOLE - 4096, HOLE - 8192, 8192, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_READ, 1, HOLE);
	/* MATMUL: B runs into the hole in row 0 */
	p = pk(VXPU_OP_MATMUL_U32, BIG, A2, 0, HOLE - 4 * 8 * 4, 2 | 8ULL << 32, 6);
	p.dst_asid = 2;
	expect_fault(&p, 1, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_READ, 1, HOLE);
	/* MATMUL: A's row 0 runs into the hole at product 3 (the read-ahead stops there) */
	p = pk(VXPU_OP_MATMUL_U32, HOLE - 4 * 3, A2, 0, BIG, 2 | 8ULL << 32, 6);
	p.dst_asid = 2;
	expect_fault(&p, 1, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_READ, 1, HOLE);
	/* MATMUL: C row 1 in the hole, row 0 done */
	p = pk(VXPU_OP_MATMUL_U32, BIG, HOLE - 4 * 8, 0, BIG + 4096, 2 | 8ULL << 32, 3);
	expect_fault(&p, 1, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_WRITE, 1, HOLE);
	p = pk(VXPU_OP_MATMUL_U32, BIG, HOLE - 4 * 8, 0, BIG + 4096, 2 | 8ULL << 32, 0);
	expect_fault(&p, 1, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_WRITE, 1, HOLE);
	/* MATMUL: A (or B) and C both in the hole: the read comes first, as in the reference */
	p = pk(VXPU_OP_MATMUL_U32, HOLE, HOLE + 64, 0, BIG, 2 | 8ULL << 32, 6);
	expect_fault(&p, 1, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_READ, 1, HOLE);
	p = pk(VXPU_OP_MATMUL_U32, BIG, HOLE + 64, 0, HOLE, 2 | 8ULL << 32, 6);
	expect_fault(&p, 1, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_READ, 1, HOLE);
}
END_TEST

START_TEST(fault_prefix_written)
{
	/* the COPY crosses into the hole at offset 0x800: dst gets exactly that prefix */
	struct drm_vxpu_packet p = pk(VXPU_OP_COPY, HOLE - 0x800, A2, 0x1000, 0, 0, 0);
	struct fakemem fm, orig;
	struct drm_vxpu_fault f;

	p.dst_asid = 2;
	for (int b = 0; b < NB; b++) {
		setup(&fm, 1100 + (b & 1));	/* both memory modes */
		setup(&orig, 1100 + (b & 1));
		rs = b;
		ck_assert_int_eq(run_interp(&fm, &p, 1, bmodes[b], &f, NULL, NULL), VXPU_STEP_FAULT);
		ck_assert_mem_eq(fm_at(&fm, 2, A2), fm_at(&orig, 1, HOLE - 0x800), 0x800);
		ck_assert_mem_eq(fm_at(&fm, 2, A2 + 0x800), fm_at(&orig, 2, A2 + 0x800), 0x800);
		fm_free(&fm);
		fm_free(&orig);
	}
}
END_TEST

START_TEST(fault_permission)
{
	struct drm_vxpu_packet p;

	p = pk(VXPU_OP_WRITE64, 0, RO + 8, 0, 1, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_PERMISSION, VXPU_ACCESS_WRITE, 1, RO);
	p = pk(VXPU_OP_ATOMIC_ADD64, 0, RO, 0, 1, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_PERMISSION, VXPU_ACCESS_WRITE, 1, RO);
	p = pk(VXPU_OP_WAIT, WO + 16, 0, 0, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_PERMISSION, VXPU_ACCESS_READ, 1, WO);
	p = pk(VXPU_OP_COPY, WO, BIG, 10, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_PERMISSION, VXPU_ACCESS_READ, 1, WO);
	p = pk(VXPU_OP_COPY, BIG, RO + 100, 10, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_PERMISSION, VXPU_ACCESS_WRITE, 1, RO);
	/* the COPY reads RW2's second page fine and stops writing at RO */
	p = pk(VXPU_OP_COPY, BIG, RW2 + 4096, 8192, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_PERMISSION, VXPU_ACCESS_WRITE, 1, RO);
	p = pk(VXPU_OP_HASH64, RO, RO + 8, 8, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_PERMISSION, VXPU_ACCESS_WRITE, 1, RO);
	p = pk(VXPU_OP_MIX64, WO, BIG, 8, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_PERMISSION, VXPU_ACCESS_READ, 1, WO);
	p = pk(VXPU_OP_MATMUL_U32, WO, BIG, 0, BIG, 1 | 1ULL << 32, 1);
	expect_fault(&p, 1, VXPU_FAULT_PERMISSION, VXPU_ACCESS_READ, 1, WO);
	/* reading the source first: both bad, the read is reported */
	p = pk(VXPU_OP_COPY, WO, RO, 10, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_PERMISSION, VXPU_ACCESS_READ, 1, WO);
}
END_TEST

START_TEST(fault_bad_asid_event)
{
	struct drm_vxpu_packet p;

	p = pk(VXPU_OP_COPY, BIG, BIG, 10, 0, 0, 0);
	p.src_asid = 3;
	expect_fault(&p, 1, VXPU_FAULT_BAD_ASID, 0, 3, BIG);
	p.src_asid = 0;
	p.dst_asid = 7;
	expect_fault(&p, 1, VXPU_FAULT_BAD_ASID, 0, 7, BIG);
	p = pk(VXPU_OP_FILL, 0, 0x5000, 10, 0, 0, 0);
	expect_fault(&p, 3, VXPU_FAULT_BAD_ASID, 0, 3, 0x5000);	/* the queue's own ASID is gone */
	p = pk(VXPU_OP_SIGNAL, 0, 0, 0, 9, 1, 0);
	expect_fault(&p, 1, VXPU_FAULT_BAD_EVENT, 0, 0, 0);
	p.arg[0] = 0;
	expect_fault(&p, 1, VXPU_FAULT_BAD_EVENT, 0, 0, 0);
	p.arg[0] = 1ULL << 32 | 1;
	expect_fault(&p, 1, VXPU_FAULT_BAD_EVENT, 0, 0, 0);
}
END_TEST

START_TEST(fault_bad_packet)
{
	static const uint32_t ops[] = {
		VXPU_OP_NOP, VXPU_OP_COPY, VXPU_OP_FILL, VXPU_OP_WRITE64, VXPU_OP_ATOMIC_ADD64,
		VXPU_OP_SIGNAL, VXPU_OP_WAIT, VXPU_OP_MIX64, VXPU_OP_MATMUL_U32, VXPU_OP_HASH64,
	};
	/* fields each opcode leaves unused (bit per field as in the table of vxpu_interp.c) */
	static const unsigned int unused[] = {
		0x1ff, 0x1c1, 0x187, 0x1a7, 0x1a7, 0x13f, 0x1b8, 0x181, 0x021, 0x181,
	};
	struct drm_vxpu_packet p;
	int n = 0;

	p = pk(10, 0, 0, 0, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	p.opcode = 0xffffffffu;
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);

	for (int i = 0; i < 10; i++)
		for (int fbit = 0; fbit < 9; fbit++) {
			if (!(unused[i] & 1u << fbit))
				continue;
			p = pk(ops[i], 0, 0, 0, 0, 0, 0);
			if (ops[i] == VXPU_OP_SIGNAL)
				p.arg[0] = 1;
			switch (fbit) {
			case 0: p.flags = ops[i] == VXPU_OP_WAIT ? 3 : 1; break;
			case 1: p.src_asid = 1; break;
			case 2: p.src = 8; break;
			case 3: p.dst_asid = 1; break;
			case 4: p.dst = 8; break;
			case 5: p.size = 8; break;
			case 6: p.arg[0] = 8; break;
			case 7: p.arg[1] = 1; break;
			default: p.arg[2] = 1; break;
			}
			ck_assert_int_eq(vxpu_ref_check(&p), VXPU_FAULT_BAD_PACKET);
			ck_assert_int_eq(vxpu_interp_check(&p, NULL), VXPU_FAULT_BAD_PACKET);
			expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
			n++;
		}
	ck_assert_int_eq(n, 50);
	/* WAIT conditions past GE */
	p = pk(VXPU_OP_WAIT, BIG, 0, 0, 0, 0, 0);
	p.flags = 3;
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	p.flags = 1u << 31;
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);

	/* alignment */
	p = pk(VXPU_OP_WRITE64, 0, BIG + 4, 0, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	p.opcode = VXPU_OP_ATOMIC_ADD64;
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	p = pk(VXPU_OP_WAIT, BIG + 1, 0, 0, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	p = pk(VXPU_OP_MIX64, BIG, BIG, 12, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	p = pk(VXPU_OP_MIX64, BIG + 4, BIG, 16, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	p = pk(VXPU_OP_MIX64, BIG, BIG + 2, 16, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	p = pk(VXPU_OP_HASH64, BIG, BIG + 4, 16, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	p = pk(VXPU_OP_MATMUL_U32, BIG + 2, BIG, 0, BIG, 1 | 1ULL << 32, 1);
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	p = pk(VXPU_OP_MATMUL_U32, BIG, BIG + 1, 0, BIG, 1 | 1ULL << 32, 1);
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	p = pk(VXPU_OP_MATMUL_U32, BIG, BIG, 0, BIG + 3, 1 | 1ULL << 32, 1);
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	/* MATMUL dimensions */
	p = pk(VXPU_OP_MATMUL_U32, BIG, BIG, 0, BIG, 65537 | 1ULL << 32, 1);
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	p = pk(VXPU_OP_MATMUL_U32, BIG, BIG, 0, BIG, 1 | 65537ULL << 32, 1);
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	p = pk(VXPU_OP_MATMUL_U32, BIG, BIG, 0, BIG, 1 | 1ULL << 32, 65537);
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	p = pk(VXPU_OP_MATMUL_U32, BIG, BIG, 0, BIG, 1 | 1ULL << 32, 1ULL << 32);
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	/* 65536^2 elements of C at the top of the address space wrap */
	p = pk(VXPU_OP_MATMUL_U32, BIG, 0xffffffff00000000ULL, 0, BIG, 65536 | 65536ULL << 32, 0);
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	/* ...but the largest legal one is only a fault at its first element */
	p = pk(VXPU_OP_MATMUL_U32, BIG, 0xfffffffc00000000ULL, 0, BIG, 65536 | 65536ULL << 32, 0);
	expect_fault(&p, 1, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_WRITE, 1, 0xfffffffc00000000ULL);

	/* ranges wrapping past 2^64; ending exactly there is fine */
	p = pk(VXPU_OP_COPY, ~0ULL, BIG, 2, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	p = pk(VXPU_OP_COPY, ~0ULL, BIG, 1, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_READ, 1, ~0ULL - 4095);
	p = pk(VXPU_OP_FILL, 0, 16, ~0ULL - 8, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
	p = pk(VXPU_OP_HASH64, BIG, ~7ULL, 1, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_UNMAPPED, VXPU_ACCESS_WRITE, 1, ~4095ULL);
	p = pk(VXPU_OP_MIX64, 8, BIG, ~7ULL, 0, 0, 0);
	expect_fault(&p, 1, VXPU_FAULT_BAD_PACKET, 0, 0, 0);
}
END_TEST

/* a corrupt or hostile restored progress state is a bad packet, never a memory error */
START_TEST(bad_exec_state)
{
	struct drm_vxpu_packet copy = pk(VXPU_OP_COPY, BIG, A2, 100, 0, 0, 0);
	struct drm_vxpu_packet mm = pk(VXPU_OP_MATMUL_U32, BIG, A2, 0, BIG, 4 | 5ULL << 32, 6);
	struct drm_vxpu_packet mix = pk(VXPU_OP_MIX64, BIG, A2, 64, 0, 0, 0);
	struct drm_vxpu_packet nop = { .opcode = VXPU_OP_NOP };
	struct vxpu_exec ex;
	struct fakemem fm;
	struct vxpu_env env;
	struct drm_vxpu_fault f;
	u64 bytes;

	setup(&fm, 1200);
	env = fm_env(&fm);
#define BAD(pkt, field, val) do { \
		vxpu_exec_init(&ex); \
		ex.field = (val); \
		ck_assert_int_eq(vxpu_interp_check(&(pkt), &ex), VXPU_FAULT_BAD_PACKET); \
		ck_assert_int_eq(vxpu_interp_step(&(pkt), 1, &ex, &env, 65536, &f, &bytes), \
				 VXPU_STEP_FAULT); \
		ck_assert_uint_eq(f.reason, VXPU_FAULT_BAD_PACKET); \
	} while (0)
	BAD(copy, done, 101);
	BAD(copy, done, ~0ULL);
	BAD(copy, k, 1);
	BAD(copy, col, 1);
	BAD(mix, done, 4);
	BAD(mm, done, 5);
	BAD(mm, k, 6);
	BAD(mm, col, 5);
	BAD(nop, done, 1);
#undef BAD
	ck_assert_uint_eq(fm.maps_total, 0);
	/* a consistent state resumes: COPY from byte 60 copies bytes 60..99 only */
	vxpu_exec_init(&ex);
	ex.done = 60;
	copy.dst_asid = 2;
	memset(fm_at(&fm, 2, A2), 0, 100);
	ck_assert_int_eq(vxpu_interp_step(&copy, 1, &ex, &env, 65536, &f, &bytes), VXPU_STEP_DONE);
	ck_assert_uint_eq(bytes, 40);
	ck_assert_int_eq(vt_first_nonzero(fm_at(&fm, 2, A2), 60), -1);
	ck_assert_mem_eq(fm_at(&fm, 2, A2 + 60), fm_at(&fm, 1, BIG + 60), 40);
	fm_free(&fm);
}
END_TEST

START_TEST(wait_conditions)
{
	static const struct { uint32_t cond; uint64_t mem, arg; int done; } cs[] = {
		{ VXPU_WAIT_EQ, 5, 5, 1 }, { VXPU_WAIT_EQ, 5, 6, 0 },
		{ VXPU_WAIT_NE, 5, 6, 1 }, { VXPU_WAIT_NE, 5, 5, 0 },
		{ VXPU_WAIT_GE, 5, 5, 1 }, { VXPU_WAIT_GE, 6, 5, 1 }, { VXPU_WAIT_GE, 4, 5, 0 },
		{ VXPU_WAIT_GE, ~0ULL, 1ULL << 63, 1 }, { VXPU_WAIT_GE, 1ULL << 63, ~0ULL, 0 },
	};
	struct fakemem fm;
	struct vxpu_env env;
	struct vxpu_exec ex;
	struct drm_vxpu_fault f;
	u64 bytes;

	setup(&fm, 1300);
	env = fm_env(&fm);
	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		struct drm_vxpu_packet p = pk(VXPU_OP_WAIT, A2 + 4088, 0, 0, cs[i].arg, 0, 0);

		p.flags = cs[i].cond;
		p.src_asid = 2;
		memcpy(fm_at(&fm, 2, A2 + 4088), &cs[i].mem, 8);
		vxpu_exec_init(&ex);
		ck_assert_int_eq(vxpu_interp_step(&p, 1, &ex, &env, 65536, &f, &bytes),
				 cs[i].done ? VXPU_STEP_DONE : VXPU_STEP_WAIT);
		ck_assert_uint_eq(fm.nheld, 0);
		/* still WAIT on a retry until the memory changes, then DONE */
		if (!cs[i].done) {
			uint64_t v = cs[i].cond == VXPU_WAIT_NE ? cs[i].arg + 1 : cs[i].arg;

			ck_assert_int_eq(vxpu_interp_step(&p, 1, &ex, &env, 65536, &f, &bytes),
					 VXPU_STEP_WAIT);
			memcpy(fm_at(&fm, 2, A2 + 4088), &v, 8);
			ck_assert_int_eq(vxpu_interp_step(&p, 1, &ex, &env, 65536, &f, &bytes),
					 VXPU_STEP_DONE);
		}
		check_vs_ref(&p, 1, 65536, 1300 + i);
	}
	fm_free(&fm);
}
END_TEST

/* random valid-ish packets over the layout, interpreter == reference */
START_TEST(random_packets)
{
	static const uint64_t vas[] = { BIG, BIG + 0x3f000, HOLE - 64, RW2, RO, WO, A2, ALIAS };
	uint64_t seed = 5000;

	for (int i = 0; i < 600; i++) {
		struct drm_vxpu_packet p;
		uint32_t op;

		rs = seed + i;
		op = 1 + rnd() % 9;
		p = pk(op, vas[rnd() % 8] + rnd() % 6000, vas[rnd() % 8] + rnd() % 6000,
		       rnd() % 9000, rnd(), 0, 0);
		p.src_asid = rnd() % 3;
		p.dst_asid = rnd() % 3;
		switch (op) {
		case VXPU_OP_FILL:
			p.src = p.src_asid = 0;
			break;
		case VXPU_OP_WRITE64:
		case VXPU_OP_ATOMIC_ADD64:
			p.src = p.src_asid = 0;
			p.size = 0;
			p.dst &= ~7ULL;
			break;
		case VXPU_OP_SIGNAL:
			p = pk(op, 0, 0, 0, rnd() % 6, rnd(), 0);
			break;
		case VXPU_OP_WAIT:
			p.dst = p.dst_asid = 0;
			p.size = 0;
			p.src &= ~7ULL;
			p.flags = rnd() % 3;
			if (rnd() % 2)	/* GE 0 holds, NE 0 most likely */
				p.arg[0] = 0;
			break;
		case VXPU_OP_MIX64:
			p.src &= ~7ULL;
			p.dst &= ~7ULL;
			p.size &= ~7ULL;
			break;
		case VXPU_OP_MATMUL_U32:
			p.src &= ~3ULL;
			p.dst &= ~3ULL;
			p.arg[0] = (vas[rnd() % 8] + rnd() % 6000) & ~3ULL;
			p.arg[1] = rnd() % 20 | (rnd() % 20) << 32;
			p.arg[2] = rnd() % 20;
			p.size = 0;
			break;
		case VXPU_OP_HASH64:
			p.dst &= ~7ULL;
			break;
		}
		/* read and write sets sharing a page are unspecified: keep them apart */
		if (op == VXPU_OP_COPY || op == VXPU_OP_MIX64 || op == VXPU_OP_MATMUL_U32) {
			p.dst_asid = 2;
			p.dst = A2 + 0x10000 + (p.dst & 0xffff);
			if (p.src_asid == 2)
				p.src_asid = 1;
			if (op == VXPU_OP_MATMUL_U32)
				p.dst &= ~3ULL;
			else if (op == VXPU_OP_MIX64)
				p.dst &= ~7ULL;
		}
		g_yields = i % 3 == 2 ? 2 : 0;	/* a third with random yields */
		check_vs_ref(&p, 1, i % 2 ? B_RANDOM : B_TINY, seed + i);
		g_yields = 0;
	}
}
END_TEST

static Suite *interp_suite(void)
{
	Suite *s = suite_create("interp");
	TCase *tc;

	tc = tcase_create("ops");
	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_test(tc, ref_known_values);
	tcase_add_test(tc, nop_and_signal);
	tcase_add_test(tc, copy_sizes_offsets);
	tcase_add_test(tc, fill_phases);
	tcase_add_test(tc, write64_atomic);
	tcase_add_test(tc, mix64_cases);
	tcase_add_test(tc, hash64_lengths);
	tcase_add_test(tc, hash64_matches_xxh64);
	tcase_add_test(tc, matmul_shapes);
	tcase_add_test(tc, resume_equivalence);
	tcase_add_test(tc, budget_bound);
	tcase_add_test(tc, exec_checkpoint_restore);
	tcase_add_test(tc, short_pieces);
	tcase_add_test(tc, contig_pieces);
	tcase_add_test(tc, map_len_reaches_past_budget);
	tcase_add_test(tc, matmul_pieces);
	tcase_add_test(tc, yield_ends_steps);
	tcase_add_test(tc, wait_conditions);
	tcase_add_test(tc, random_packets);
	suite_add_tcase(s, tc);

	tc = tcase_create("faults");
	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_test(tc, fault_unmapped);
	tcase_add_test(tc, fault_prefix_written);
	tcase_add_test(tc, fault_permission);
	tcase_add_test(tc, fault_bad_asid_event);
	tcase_add_test(tc, fault_bad_packet);
	tcase_add_test(tc, bad_exec_state);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	SRunner *sr = srunner_create(interp_suite());
	const char *tap = argc > 1 ? argv[1] : basename(argv[0]);
	int failed;

	failed = vt_run(sr, tap);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
