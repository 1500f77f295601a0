/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The packet interpreter of the vxpu engine.
 *
 * Portable C (see vxpu_portable.h): the same file builds into vxpu.ko and
 * on the host (unit tests, libFuzzer target). No allocation, no floating
 * point, no recursion, no locking: the caller (the engine) serialises the
 * calls for one queue and provides memory access through callbacks.
 *
 * Usage, per packet:
 *
 *	struct vxpu_exec ex;
 *
 *	vxpu_exec_init(&ex);
 *	do {
 *		r = vxpu_interp_step(&pkt, queue_asid, &ex, &env, 65536,
 *				     &fault, &bytes);
 *		... account @bytes, yield, park on VXPU_STEP_WAIT ...
 *	} while (r == VXPU_STEP_MORE || r == VXPU_STEP_WAIT);
 *
 * The packet is passed by value each time (copy it out of the ring once;
 * userspace may scribble on the ring meanwhile, and the interpreter must
 * see the same packet on every step of it).
 *
 * Semantics are those of struct drm_vxpu_packet in vxpu_accel.h, made
 * precise here where the UAPI is silent:
 *
 * - Validation (VXPU_FAULT_BAD_PACKET, before any memory access): unknown
 *   opcode; flags other than 0 (WAIT: other than VXPU_WAIT_EQ/NE/GE); any
 *   field the opcode does not use not zero (see the table in
 *   vxpu_interp.c); a range [va, va + len) that wraps past 2^64;
 *   alignment: WRITE64, ATOMIC_ADD64, WAIT, HASH64 dst, MIX64 src and dst
 *   8-aligned, MIX64 size a multiple of 8; MATMUL_U32: A, B, C 4-aligned,
 *   size 0, M, N, K each <= VXPU_MATMUL_DIM_MAX.
 * - A zero-sized COPY/FILL/MIX64 touches nothing. HASH64 of 0 bytes reads
 *   nothing and writes XXH64("", seed). MATMUL with M or N 0 touches
 *   nothing; with K 0 it writes zeros to C without reading A or B.
 * - Access order, which decides which fault is reported: COPY, FILL,
 *   MIX64 go through the range in ascending offset, at each offset
 *   reading the source before writing the destination. HASH64 reads the
 *   whole source, then writes the 8-byte result. MATMUL_U32 runs, for
 *   each row r, for each k: read A[r][k], then for each column c: read
 *   B[k][c], read-modify-write C[r][c] (K 0: write C[r][c] = 0).
 *   ATOMIC_ADD64 needs write permission only.
 * - On a fault, the destination bytes before the faulting offset
 *   (COPY/FILL/MIX64) are written; otherwise the destination content is
 *   unspecified (MATMUL may hold partial sums). The fault record names
 *   the first byte of the faulting page.
 * - Overlapping source and destination (also through two mappings of the
 *   same memory) give unspecified destination bytes, except MIX64 with
 *   dst == src exactly (in place), which is well defined. Never unsafe.
 * - Progress: an interrupted packet (MORE, WAIT, or a pause between
 *   steps) resumes from @exec and gives byte-identical results to an
 *   uninterrupted run. WAIT keeps no state: each call reads the value
 *   again; SIGNAL, WRITE64, ATOMIC_ADD64 complete in one call.
 * - Comparisons of WAIT are unsigned 64-bit. SIGNAL's event id is
 *   arg[0] as a whole u64.
 */
#ifndef VXPU_INTERP_H
#define VXPU_INTERP_H

#include "vxpu_portable.h"

/** @VXPU_MATMUL_DIM_MAX: largest M, N or K of VXPU_OP_MATMUL_U32 */
#define VXPU_MATMUL_DIM_MAX	65536u

/*
 * Work (bytes) between two calls of vxpu_env.yield, which lets the caller
 * stop a step early (a pause); a step always does at least one grain.
 * Under qemu TCG every call costs: 16 KiB grains (with FILL's 128-byte
 * loop) filled 10-25% faster than 8 KiB ones, and a pause still lands
 * within ~10 us of MIX64 work (a quarter of a 64 KiB chunk).
 */
#define VXPU_YIELD_GRAIN	16384u

/**
 * struct vxpu_env - how the interpreter reaches device memory and events
 * @priv: passed back to every callback
 * @map: make device bytes [@va, @va + @len) of @asid (never 0: the
 *	interpreter substitutes the queue's ASID) accessible for @access
 *	(VXPU_ACCESS_READ or VXPU_ACCESS_WRITE; exactly one). @len is as far
 *	as the packet goes on from @va, past this step's budget too (so the
 *	environment may translate ahead): the interpreter may use less of
 *	the piece, never more. Returns 0 with
 *	*@ptr a host pointer valid for *@avail bytes, where *@avail should
 *	be min(@len, bytes from @va to the end of its VXPU_PAGE_SIZE page)
 *	or more: up to @len when the following pages are mapped for @access
 *	too and contiguous at *@ptr (fewer calls; a value over @len is
 *	clamped to @len; a smaller one works but may make the packet fault
 *	UNMAPPED if it cannot hold one element), and *@ptr
 *	having the same offset modulo 8 as @va (8-aligned VAs give 8-aligned
 *	pointers: ATOMIC_ADD64 relies on it). Or returns VXPU_FAULT_UNMAPPED,
 *	VXPU_FAULT_PERMISSION or VXPU_FAULT_BAD_ASID without a mapping; any
 *	other non-zero value is reported as VXPU_FAULT_UNMAPPED. @len >= 1.
 *	Called again for every piece: translations may be cached by the
 *	environment but are never kept by the interpreter across calls.
 * @unmap: release a pointer returned by @map. The interpreter holds at
 *	most two mappings at a time, releases them in the reverse order of
 *	acquisition (kmap_local_page() rules) and none across a return.
 * @signal: raise event @event (the packet's arg[0], unchecked: 0 and
 *	values over U32_MAX must give BAD_EVENT) to @value if larger; return
 *	0 or VXPU_FAULT_BAD_EVENT.
 * @yield: optional (NULL: never). Asked after every VXPU_YIELD_GRAIN or so of
 *	COPY/FILL/MIX64/HASH64/MATMUL_U32 work while more remains; true ends
 *	the step there with VXPU_STEP_MORE, as an exhausted budget would (the
 *	engine stops at once for a pause). A step always does some work
 *	before asking, so steps make progress whatever it answers.
 *
 * The interpreter has no global state and never sleeps itself; the
 * callbacks run in the caller's context (the engine kthread).
 */
struct vxpu_env {
	void *priv;
	int (*map)(void *priv, u32 asid, u64 va, u64 len, u32 access,
		   void **ptr, u32 *avail);
	void (*unmap)(void *priv, void *ptr);
	int (*signal)(void *priv, u64 event, u64 value);
	bool (*yield)(void *priv);
};

/**
 * struct vxpu_exec - progress of the packet being executed
 *
 * Queue state: checkpoint saves it and restore brings it back, so it has
 * a fixed layout of plain integers and no pointers. vxpu_exec_init()
 * before the first step of every packet. vxpu_interp_step() checks it
 * against the packet before using it (a corrupt or hostile restored
 * state is a VXPU_FAULT_BAD_PACKET, never a memory error).
 *
 * @done: COPY/FILL/MIX64/HASH64: bytes of the range finished;
 *	MATMUL_U32: rows of C finished
 * @k: MATMUL_U32: products of row @done already summed into C
 * @col: MATMUL_U32: columns of product @k already summed
 * @acc: HASH64: the four XXH64 lane accumulators (valid once @done > 0)
 * @tail: HASH64: the last @done % 32 source bytes (not yet a full stripe)
 */
struct vxpu_exec {
	__u64 done;
	__u64 k;
	__u64 col;
	__u64 acc[4];
	__u8 tail[32];
};

enum vxpu_step_result {
	VXPU_STEP_DONE = 0,	/* packet complete; go to the next one */
	VXPU_STEP_MORE = 1,	/* budget used up or env->yield(); call again */
	VXPU_STEP_WAIT = 2,	/* WAIT condition false; park, call again later */
	VXPU_STEP_FAULT = 3,	/* *fault filled; the queue stops */
};

static inline void vxpu_exec_init(struct vxpu_exec *ex)
{
	memset(ex, 0, sizeof(*ex));
}

/**
 * vxpu_interp_check - validate a packet and a progress state
 * @pkt: the packet
 * @ex: its progress, or NULL to check the packet alone
 *
 * Returns 0, or VXPU_FAULT_BAD_PACKET. Touches no memory.
 */
int vxpu_interp_check(const struct drm_vxpu_packet *pkt,
		      const struct vxpu_exec *ex);

/**
 * vxpu_interp_step - execute (part of) a packet
 * @pkt: the packet, the same one on every step
 * @queue_asid: the queue's ASID, used where the packet says 0
 * @ex: progress, updated
 * @env: memory and event access
 * @budget: bytes of data to process at most in this call (the engine
 *	uses 65536). COPY/FILL/MIX64/HASH64 count bytes of the range,
 *	MATMUL_U32 counts 4 bytes per multiply-add (and per zeroed element
 *	when K is 0). Every call makes some progress whatever @budget (at
 *	least one byte, one u64, one multiply-add).
 * @fault: filled on VXPU_STEP_FAULT: reason, access (UNMAPPED and
 *	PERMISSION only, else 0), asid (the real ASID, 0 for BAD_PACKET and
 *	BAD_EVENT), va (first byte of the faulting page, 0 for BAD_PACKET
 *	and BAD_EVENT). @fault->queue and @fault->packet are left 0 for the
 *	caller to fill.
 * @bytes: out, work done in this call in the units of @budget (for the
 *	queue's counters); never more than max(@budget, one granule: 8).
 *	WRITE64 and ATOMIC_ADD64 count 8, NOP, SIGNAL and WAIT 0. Also set
 *	on FAULT (work done before the fault).
 *
 * Returns a vxpu_step_result.
 */
int vxpu_interp_step(const struct drm_vxpu_packet *pkt, u32 queue_asid,
		     struct vxpu_exec *ex, const struct vxpu_env *env,
		     u64 budget, struct drm_vxpu_fault *fault, u64 *bytes);

/**
 * vxpu_exec_progress - the value of drm_vxpu_queue_info.progress
 *
 * Bytes done, or rows done for MATMUL_U32.
 */
static inline u64 vxpu_exec_progress(const struct vxpu_exec *ex)
{
	return ex->done;
}

#endif /* VXPU_INTERP_H */
