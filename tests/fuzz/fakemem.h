/* SPDX-License-Identifier: MIT */
/*
 * A fake device address space for the host build of the packet
 * interpreter: ASIDs 1..nasids, each with a few mappings (VA range ->
 * run of pages, VXPU_MAP_READ/WRITE permissions) over individually
 * malloc'd 4 KiB pages (so ASan sees any access past a page), and events
 * 1..nevents. It provides both the interpreter's callbacks (struct
 * vxpu_env) and the reference's (struct vxpu_ref_mem), and checks the
 * interpreter's side of the contract: at most two mappings held, released
 * in LIFO order, none left over (fm_held() after a step), never asked for
 * 0 bytes or an access other than READ or WRITE. A violation abort()s.
 *
 * Contiguous mode (fm_init_contig): the pages are one allocation, in
 * order, and map() hands out pieces up to the end of the mapping instead
 * of the end of the page, as the kernel engine does for physically
 * contiguous memory.
 */
#ifndef VXPU_TESTS_FAKEMEM_H
#define VXPU_TESTS_FAKEMEM_H

#include <stdint.h>

#include "vxpu_interp.h"
#include "vxpu_ref.h"

#define FM_PAGE		4096u
#define FM_MAX_PAGES	512
#define FM_MAX_MAPS	16
#define FM_MAX_EVENTS	8

struct fm_map {
	uint32_t asid;
	uint32_t perm;		/* VXPU_MAP_READ | VXPU_MAP_WRITE */
	uint64_t va;
	uint64_t npages;
	uint32_t first;		/* index of the first backing page */
};

struct fakemem {
	uint8_t *page[FM_MAX_PAGES];
	uint8_t *block;		/* contiguous mode: the one allocation of all pages */
	unsigned int npages;
	struct fm_map map[FM_MAX_MAPS];
	unsigned int nmaps;
	uint32_t nasids;
	uint64_t event[FM_MAX_EVENTS + 1];	/* [1..nevents] */
	unsigned int nevents;
	void *held[2];
	unsigned int nheld;
	uint64_t chaos;		/* non-zero: PRNG state; map() then returns a random shorter avail */
	uint64_t yields;	/* yield(): 0 never, 1 always, else PRNG state: 1 in 4 */
	uint64_t yield_calls;	/* yield() calls */
	uint64_t maps_total;	/* map() calls that succeeded */
	uint64_t bytes_mapped;	/* sum of avail handed out */
	uint64_t len_max;	/* largest len map() was asked for */
};

/* npages zeroed pages; 0 or -1 (no memory) */
int fm_init(struct fakemem *fm, unsigned int npages, uint32_t nasids, unsigned int nevents);
/* the same in contiguous mode */
int fm_init_contig(struct fakemem *fm, unsigned int npages, uint32_t nasids,
		   unsigned int nevents);
void fm_free(struct fakemem *fm);
/* map npages pages starting at backing page @first at @va (page aligned) */
void fm_add(struct fakemem *fm, uint32_t asid, uint64_t va, uint32_t first,
	    uint64_t npages, uint32_t perm);
/* same layout, contents and mode in fresh pages; 0 or -1 */
int fm_clone(struct fakemem *dst, const struct fakemem *src);
/* first differing byte offset (page * 4096 + off), or -1 when equal */
long fm_diff(const struct fakemem *a, const struct fakemem *b);
/* host byte of (asid, va) ignoring permissions, or NULL */
uint8_t *fm_at(const struct fakemem *fm, uint32_t asid, uint64_t va);
/* backing page index of (asid, va), or -1 */
long fm_page_of(const struct fakemem *fm, uint32_t asid, uint64_t va);

struct vxpu_env fm_env(struct fakemem *fm);
struct vxpu_ref_mem fm_ref(struct fakemem *fm);

#endif
