// SPDX-License-Identifier: MIT
/* Fake device address spaces for the host interpreter tests (see fakemem.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakemem.h"

static void fm_die(const char *why)
{
	fprintf(stderr, "fakemem: contract violation: %s\n", why);
	abort();
}

int fm_init(struct fakemem *fm, unsigned int npages, uint32_t nasids, unsigned int nevents)
{
	memset(fm, 0, sizeof(*fm));
	if (npages > FM_MAX_PAGES || nevents > FM_MAX_EVENTS)
		return -1;
	for (unsigned int i = 0; i < npages; i++) {
		fm->page[i] = calloc(1, FM_PAGE);
		if (!fm->page[i]) {
			fm_free(fm);
			return -1;
		}
		fm->npages = i + 1;
	}
	fm->nasids = nasids;
	fm->nevents = nevents;
	return 0;
}

int fm_init_contig(struct fakemem *fm, unsigned int npages, uint32_t nasids,
		   unsigned int nevents)
{
	memset(fm, 0, sizeof(*fm));
	if (!npages || npages > FM_MAX_PAGES || nevents > FM_MAX_EVENTS)
		return -1;
	fm->block = calloc(npages, FM_PAGE);
	if (!fm->block)
		return -1;
	for (unsigned int i = 0; i < npages; i++)
		fm->page[i] = fm->block + (size_t)i * FM_PAGE;
	fm->npages = npages;
	fm->nasids = nasids;
	fm->nevents = nevents;
	return 0;
}

void fm_free(struct fakemem *fm)
{
	if (fm->block)
		free(fm->block);
	else
		for (unsigned int i = 0; i < fm->npages; i++)
			free(fm->page[i]);
	fm->block = NULL;
	fm->npages = 0;
}

void fm_add(struct fakemem *fm, uint32_t asid, uint64_t va, uint32_t first,
	    uint64_t npages, uint32_t perm)
{
	if (fm->nmaps == FM_MAX_MAPS || va % FM_PAGE || first + npages > fm->npages)
		fm_die("fm_add arguments");
	fm->map[fm->nmaps++] = (struct fm_map){
		.asid = asid, .perm = perm, .va = va, .npages = npages, .first = first,
	};
}

int fm_clone(struct fakemem *dst, const struct fakemem *src)
{
	if ((src->block ? fm_init_contig : fm_init)(dst, src->npages, src->nasids,
						    src->nevents))
		return -1;
	for (unsigned int i = 0; i < src->npages; i++)
		memcpy(dst->page[i], src->page[i], FM_PAGE);
	memcpy(dst->map, src->map, sizeof(src->map));
	dst->nmaps = src->nmaps;
	memcpy(dst->event, src->event, sizeof(src->event));
	return 0;
}

long fm_diff(const struct fakemem *a, const struct fakemem *b)
{
	if (a->npages != b->npages)
		return 0;
	for (unsigned int i = 0; i < a->npages; i++)
		if (memcmp(a->page[i], b->page[i], FM_PAGE))
			for (unsigned int j = 0; j < FM_PAGE; j++)
				if (a->page[i][j] != b->page[i][j])
					return (long)i * FM_PAGE + j;
	return -1;
}

static const struct fm_map *fm_find(const struct fakemem *fm, uint32_t asid, uint64_t va)
{
	for (unsigned int i = 0; i < fm->nmaps; i++) {
		const struct fm_map *m = &fm->map[i];

		if (m->asid == asid && va >= m->va && (va - m->va) / FM_PAGE < m->npages)
			return m;
	}
	return NULL;
}

long fm_page_of(const struct fakemem *fm, uint32_t asid, uint64_t va)
{
	const struct fm_map *m = fm_find(fm, asid, va);

	return m ? (long)(m->first + (va - m->va) / FM_PAGE) : -1;
}

uint8_t *fm_at(const struct fakemem *fm, uint32_t asid, uint64_t va)
{
	long pg = fm_page_of(fm, asid, va);

	return pg < 0 ? NULL : fm->page[pg] + va % FM_PAGE;
}

static int fm_lookup(struct fakemem *fm, uint32_t asid, uint64_t va, uint32_t access,
		     uint8_t **p, uint64_t *room)
{
	const struct fm_map *m;

	if (access != VXPU_ACCESS_READ && access != VXPU_ACCESS_WRITE)
		fm_die("access neither READ nor WRITE");
	if (asid == 0 || asid > fm->nasids)
		return VXPU_FAULT_BAD_ASID;
	m = fm_find(fm, asid, va);
	if (!m)
		return VXPU_FAULT_UNMAPPED;
	if (!(m->perm & (access == VXPU_ACCESS_READ ? VXPU_MAP_READ : VXPU_MAP_WRITE)))
		return VXPU_FAULT_PERMISSION;
	*p = fm->page[m->first + (va - m->va) / FM_PAGE] + va % FM_PAGE;
	/* contiguous mode: up to the end of the mapping */
	*room = fm->block ? m->va + m->npages * FM_PAGE - va : FM_PAGE - va % FM_PAGE;
	return 0;
}

static int env_map(void *priv, u32 asid, u64 va, u64 len, u32 access, void **ptr, u32 *avail)
{
	struct fakemem *fm = priv;
	uint8_t *p;
	uint64_t room;
	int r;

	if (!len)
		fm_die("map of 0 bytes");
	if (fm->nheld == 2)
		fm_die("a third mapping held");
	r = fm_lookup(fm, asid, va, access, &p, &room);
	if (r)
		return r;
	fm->held[fm->nheld++] = p;
	*ptr = p;
	*avail = (u32)(len < room ? len : room);
	if (fm->chaos) {
		/* a legal but unhelpful environment: any 1..avail */
		uint64_t z = (fm->chaos += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 31)) * 0xbf58476d1ce4e5b9ULL;
		*avail = 1 + (u32)((z >> 17) % *avail);
	}
	fm->maps_total++;
	fm->bytes_mapped += *avail;
	if (len > fm->len_max)
		fm->len_max = len;
	return 0;
}

static void env_unmap(void *priv, void *ptr)
{
	struct fakemem *fm = priv;

	if (!fm->nheld || fm->held[fm->nheld - 1] != ptr)
		fm_die("unmap not of the last mapping held");
	fm->nheld--;
}

static int env_signal(void *priv, u64 event, u64 value)
{
	struct fakemem *fm = priv;

	if (event == 0 || event > fm->nevents)
		return VXPU_FAULT_BAD_EVENT;
	if (value > fm->event[event])
		fm->event[event] = value;
	return 0;
}

static int ref_signal(void *priv, uint64_t event, uint64_t value)
{
	return env_signal(priv, event, value);
}

static int ref_byte(void *priv, uint32_t asid, uint64_t va, uint32_t access, uint8_t **p)
{
	uint64_t room;

	return fm_lookup(priv, asid, va, access, p, &room);
}

static bool env_yield(void *priv)
{
	struct fakemem *fm = priv;
	uint64_t z;

	if (fm->nheld > 2)
		fm_die("yield() with a third mapping held");
	fm->yield_calls++;
	if (fm->yields <= 1)
		return fm->yields;
	z = (fm->yields += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 31)) * 0xbf58476d1ce4e5b9ULL;
	return (z >> 40) % 4 == 0;
}

struct vxpu_env fm_env(struct fakemem *fm)
{
	return (struct vxpu_env){
		.priv = fm, .map = env_map, .unmap = env_unmap, .signal = env_signal,
		.yield = env_yield,
	};
}

struct vxpu_ref_mem fm_ref(struct fakemem *fm)
{
	return (struct vxpu_ref_mem){ .priv = fm, .byte = ref_byte, .signal = ref_signal };
}
