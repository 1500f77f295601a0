// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the packet interpreter (kernel/vxpu_interp.c, host
 * build), differential against the reference (lib/vxpu_ref.c).
 *
 * Input: 8 bytes of PRNG seed (budgets, exec corruption), then up to 6
 * packets, each one mode byte followed by a structured 24-byte encoding
 * (mode bit 7 clear: opcode, field selectors, VAs near the mappings) or a
 * raw 64-byte struct drm_vxpu_packet (mode bit 7 set); whatever is left
 * seeds the memory image. Each packet runs to completion with random
 * budgets (1 byte .. 64 KiB per step) over the fake ASIDs of fakemem.c
 * (in its contiguous mode when the seed is odd; with yield() ending
 * steps at random when seed bit 1 is set).
 *
 * Checked, with abort() on violation: no sanitizer report, the env
 * contract (LIFO maps, none held after a step), the per-step work bound,
 * the outcome equals the reference's (DONE / WAIT / FAULT with the same
 * reason, access, asid and va) and, when DONE and the packet's read and
 * write sets do not share a page, memory and events equal the reference's
 * byte for byte. Robustness modes (the result is then not compared): mode
 * bits 6+5 corrupt the exec state after the first step; bits 6+4 make
 * map() return random short pieces; bits 6+3 drop a mapping between steps
 * (as a revoke would).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakemem.h"

#define NPAGES		13
#define STEP_CAP	(1u << 21)

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void layout(struct fakemem *fm)
{
	/* ASID 1: RW, hole, RO, WO, RW */
	fm_add(fm, 1, 0x10000, 0, 4, VXPU_MAP_READ | VXPU_MAP_WRITE);
	fm_add(fm, 1, 0x15000, 4, 1, VXPU_MAP_READ);
	fm_add(fm, 1, 0x16000, 5, 1, VXPU_MAP_WRITE);
	fm_add(fm, 1, 0x17000, 6, 2, VXPU_MAP_READ | VXPU_MAP_WRITE);
	/* ASID 2: RW, then an alias of ASID 1's first two pages */
	fm_add(fm, 2, 0x20000, 8, 4, VXPU_MAP_READ | VXPU_MAP_WRITE);
	fm_add(fm, 2, 0x24000, 0, 2, VXPU_MAP_READ | VXPU_MAP_WRITE);
	/* ASID 3: one read-only page at the same VA as ASID 1's first */
	fm_add(fm, 3, 0x10000, 12, 1, VXPU_MAP_READ);
}

static const uint64_t bases[8] = {
	0x10000, 0x13000, 0x15000, 0x16000, 0x17000, 0x20000, 0x24000, 0xfffffffffffff000ULL,
};

static uint64_t get(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void decode(struct drm_vxpu_packet *p, const uint8_t *b)
{
	memset(p, 0, sizeof(*p));
	p->opcode = b[0] % 11;
	if ((b[1] & 0xc0) == 0xc0)
		p->flags = b[1] & 7;
	else if (p->opcode == VXPU_OP_WAIT)
		p->flags = b[1] % 3;
	p->src_asid = b[2] & 0x80 ? 0 : b[2] % 5;
	p->dst_asid = b[3] & 0x80 ? 0 : b[3] % 5;
	p->src = bases[b[4] & 7] + get(b + 5, 2) % 0x8000;
	p->dst = bases[b[4] >> 3 & 7] + get(b + 7, 2) % 0x8000;
	p->size = get(b + 9, 2);
	if (b[11] & 1)
		p->size &= 0x1ff;
	if (b[11] & 2)
		p->size &= ~7ULL;
	if (b[11] & 4) {
		p->src &= ~7ULL;
		p->dst &= ~7ULL;
	}
	p->arg[0] = get(b + 12, 4);
	if (b[11] & 8)
		p->arg[0] = bases[b[12] & 7] + (get(b + 13, 2) % 0x8000 & ~3ULL);
	p->arg[1] = get(b + 16, 2);
	p->arg[2] = get(b + 18, 2);
	if (p->opcode == VXPU_OP_MATMUL_U32) {
		uint64_t m = b[16] % 40, n = b[17] % 40, k = b[18] % 40;

		if (b[19] & 0x80)
			m = b[19] & 1 ? 65536 : 65537;
		if (b[19] & 0x40)
			k = b[19] & 2 ? 65536 : 65537;
		if (!(b[19] & 0x20)) {
			p->src &= ~3ULL;
			p->dst &= ~3ULL;
			p->arg[0] &= ~3ULL;
		}
		p->arg[1] = m | n << 32;
		p->arg[2] = k;
		if (!(b[11] & 0x10))
			p->size = 0;
	} else if (!(b[20] & 1)) {
		/* mostly leave unused fields alone: the reference decides what is bad */
		if (p->opcode != VXPU_OP_SIGNAL)
			p->arg[1] = 0;
		p->arg[2] = 0;
	}
	if (p->opcode == VXPU_OP_SIGNAL && !(b[20] & 2)) {
		p->arg[0] = b[21] % (FM_MAX_EVENTS + 2);
		p->src = p->dst = p->size = 0;
		p->src_asid = p->dst_asid = 0;
	}
	if ((p->opcode == VXPU_OP_WRITE64 || p->opcode == VXPU_OP_ATOMIC_ADD64 ||
	     p->opcode == VXPU_OP_FILL) && !(b[20] & 4)) {
		p->src = 0;
		p->src_asid = 0;
		if (p->opcode != VXPU_OP_FILL)
			p->size = 0;
	}
	if (p->opcode == VXPU_OP_WAIT && !(b[20] & 8)) {
		p->dst = p->size = 0;
		p->dst_asid = 0;
	}
	if (p->opcode == VXPU_OP_NOP && !(b[20] & 16))
		memset(p, 0, sizeof(*p));
}

static void mark(const struct fakemem *fm, bool *set, uint32_t asid, uint64_t va, uint64_t len)
{
	uint64_t pg = va / FM_PAGE * FM_PAGE;

	for (int n = 0; len && n < 64; n++, pg += FM_PAGE) {
		long i = fm_page_of(fm, asid, pg);

		if (i >= 0)
			set[i] = true;
		if (pg + FM_PAGE - va >= len || pg + FM_PAGE < pg)
			break;
	}
}

/* may the packet's reads and writes touch the same page (then memory is not compared) */
static bool overlaps(const struct fakemem *fm, const struct drm_vxpu_packet *p, uint32_t qa)
{
	bool rd[NPAGES] = { false }, wr[NPAGES] = { false };
	uint32_t sa = p->src_asid ? p->src_asid : qa, da = p->dst_asid ? p->dst_asid : qa;
	uint64_t m = (uint32_t)p->arg[1], n = p->arg[1] >> 32, k = p->arg[2];

	switch (p->opcode) {
	case VXPU_OP_COPY:
	case VXPU_OP_MIX64:
	case VXPU_OP_HASH64:
		mark(fm, rd, sa, p->src, p->size);
		mark(fm, wr, da, p->dst, p->opcode == VXPU_OP_HASH64 ? 8 : p->size);
		break;
	case VXPU_OP_MATMUL_U32:
		if (m > 65536 || n > 65536 || k > 65536)
			return false;
		mark(fm, rd, sa, p->src, 4 * m * k);
		mark(fm, rd, sa, p->arg[0], 4 * k * n);
		mark(fm, wr, da, p->dst, 4 * m * n);
		break;
	default:
		return false;
	}
	for (int i = 0; i < NPAGES; i++)
		if (rd[i] && wr[i])
			return true;
	return false;
}

static void fail(const char *what, const struct drm_vxpu_packet *p, int r, int rr,
		 const struct drm_vxpu_fault *f, const struct drm_vxpu_fault *rf)
{
	fprintf(stderr, "fuzz-interp: %s: op %u flags %u sa %u da %u src %#llx dst %#llx size %#llx "
		"arg %#llx %#llx %#llx; interp %d (reason %u access %u asid %u va %#llx), "
		"ref %d (reason %u access %u asid %u va %#llx)\n", what,
		p->opcode, p->flags, p->src_asid, p->dst_asid, (unsigned long long)p->src,
		(unsigned long long)p->dst, (unsigned long long)p->size,
		(unsigned long long)p->arg[0], (unsigned long long)p->arg[1],
		(unsigned long long)p->arg[2], r, f->reason, f->access, f->asid,
		(unsigned long long)f->va, rr, rf->reason, rf->access, rf->asid,
		(unsigned long long)rf->va);
	abort();
}

static int rnd_drop(void)
{
	return rng() % 4 == 0;
}

static uint64_t pick_budget(void)
{
	switch (rng() % 8) {
	case 0:
		return 1 + rng() % 3;
	case 1:
		return 1 + rng() % 64;
	case 2:
		return 1 + rng() % 8192;
	case 3:
		return 4096;
	case 4:
		return 0;
	default:
		return 65536;
	}
}

static void run_one(struct fakemem *fm, const struct drm_vxpu_packet *p, uint32_t qa, int corrupt)
{
	struct vxpu_env env = fm_env(fm);
	struct fakemem ref;
	struct vxpu_ref_mem rm;
	struct drm_vxpu_fault f, rf;
	struct vxpu_exec ex;
	unsigned int steps = 0;
	int r, rr = -1;
	bool compare = !corrupt;

	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "packet: op %u flags %u sa %u da %u src %#llx dst %#llx size %#llx arg %#llx %#llx %#llx%s\n",
			p->opcode, p->flags, p->src_asid, p->dst_asid, (unsigned long long)p->src,
			(unsigned long long)p->dst, (unsigned long long)p->size,
			(unsigned long long)p->arg[0], (unsigned long long)p->arg[1],
			(unsigned long long)p->arg[2], corrupt ? " (exec corrupted)" : "");
	if (compare) {
		if (fm_clone(&ref, fm))
			return;
		rm = fm_ref(&ref);
		rr = vxpu_ref_run(p, qa, &rm, &rf);
		if (rr == VXPU_REF_NOMEM)
			compare = false;
	}

	if (corrupt & 0x10)
		fm->chaos = rng() | 1;
	vxpu_exec_init(&ex);
	do {
		u64 budget = pick_budget(), bytes;

		r = vxpu_interp_step(p, qa, &ex, &env, budget, &f, &bytes);
		if (fm->nheld)
			fail("mapping held after a step", p, r, rr, &f, &rf);
		if (bytes > (budget > 8 ? budget : 8))
			fail("step did more than its budget", p, r, rr, &f, &rf);
		if (r == VXPU_STEP_MORE && (corrupt & 0x08) && fm->nmaps && rnd_drop())
			fm->nmaps--;
		if (r == VXPU_STEP_MORE && (corrupt & 0x20) && steps == 0) {
			switch (rng() % 3) {
			case 0:
				for (size_t i = 0; i < sizeof(ex); i++)
					((uint8_t *)&ex)[i] = (uint8_t)rng();
				break;
			case 1:
				ex.done = rng() % (p->size + 1);
				ex.k = rng() % 3;
				ex.col = rng() % 3;
				break;
			default:
				for (int i = 0; i < 4; i++)
					ex.acc[i] = rng();
				ex.tail[rng() % 32] = (uint8_t)rng();
				break;
			}
		}
	} while (r == VXPU_STEP_MORE && ++steps < STEP_CAP);

	if (!compare || r == VXPU_STEP_MORE)
		goto out;
	if ((r == VXPU_STEP_DONE) != (rr == VXPU_REF_DONE) ||
	    (r == VXPU_STEP_WAIT) != (rr == VXPU_REF_WAIT) ||
	    (r == VXPU_STEP_FAULT) != (rr == VXPU_REF_FAULT))
		fail("outcome differs", p, r, rr, &f, &rf);
	if (r == VXPU_STEP_FAULT && memcmp(&f, &rf, sizeof(f)))
		fail("fault record differs", p, r, rr, &f, &rf);
	if (r == VXPU_STEP_DONE && !overlaps(fm, p, qa)) {
		if (fm_diff(fm, &ref) >= 0)
			fail("memory differs", p, r, rr, &f, &rf);
		if (memcmp(fm->event, ref.event, sizeof(fm->event)))
			fail("events differ", p, r, rr, &f, &rf);
	}
out:
	fm->chaos = 0;
	if (!corrupt)
		fm_free(&ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fakemem fm;
	struct drm_vxpu_packet pkts[6];
	int corrupt[6], npk = 0;
	uint32_t qa;

	if (size < 9)
		return 0;
	rng_state = get(data, 8);
	qa = 1 + data[8] % 3;
	data += 9;
	size -= 9;
	while (npk < 6 && size >= 1) {
		uint8_t mode = data[0];

		if (mode & 0x80) {
			if (size < 1 + sizeof(pkts[0]))
				break;
			memcpy(&pkts[npk], data + 1, sizeof(pkts[0]));
			data += 1 + sizeof(pkts[0]);
			size -= 1 + sizeof(pkts[0]);
		} else {
			if (size < 1 + 24)
				break;
			decode(&pkts[npk], data + 1);
			data += 25;
			size -= 25;
		}
		corrupt[npk++] = mode & 0x40 ? mode & 0x38 : 0;
	}
	if (!npk)
		return 0;

	/* odd seeds: contiguous mode (map() pieces across pages) */
	if ((rng_state & 1 ? fm_init_contig : fm_init)(&fm, NPAGES, 3, 4))
		return 0;
	/* seed bit 1: yield() ends steps at random (results still compared) */
	if (rng_state & 2)
		fm.yields = rng_state | 2;
	layout(&fm);
	for (unsigned int i = 0; i < NPAGES; i++)
		for (unsigned int j = 0; j < FM_PAGE; j += 8) {
			uint64_t v = rng();

			memcpy(fm.page[i] + j, &v, 8);
		}
	for (size_t i = 0; i < size && i < (size_t)NPAGES * FM_PAGE; i++)
		fm.page[i / FM_PAGE][i % FM_PAGE] ^= data[i];

	for (int i = 0; i < npk; i++)
		run_one(&fm, &pkts[i], qa, corrupt[i]);
	fm_free(&fm);
	return 0;
}
