// SPDX-License-Identifier: GPL-2.0
/*
 * vxpu: device address spaces (ASIDs).
 *
 * Each ASID has a VA allocator (drm_mm over [VXPU_VA_START, VXPU_VA_END))
 * whose nodes are the mappings, and a page table: an xarray indexed by
 * va >> PAGE_SHIFT whose entries are value entries of
 * pfn << VXPU_PTE_SHIFT | VXPU_MAP_* permission bits. Every mapping holds a
 * reference on its BO, so the pages a PTE names stay allocated (GTT BOs are
 * pinned, VRAM blocks stay allocated) until the mapping goes.
 *
 * Mappings of a foreign BO (vxpu_grant.c) are also on the foreign BO's
 * list, so that a revoke finds them: vxpu_asid_revoke_foreign() erases
 * their page table entries and leaves the node as a *hole* (translations
 * of it fail with -ENXIO) until the frontend unmaps it or the backend
 * fills it (vxpu_asid_fill_hole()). A translation of granted pages counts
 * as active on the foreign BO until vxpu_xlate_put(); revoke waits for
 * that count to drop to zero.
 */
#include <linux/sched.h>
#include <linux/slab.h>

#include "vxpu_drv.h"

#define VXPU_PT_BATCH	512

static void vxpu_asid_release(struct kref *ref)
{
	struct vxpu_asid *asid = container_of(ref, struct vxpu_asid, ref);

	WARN_ON(!asid->dead);
	WARN_ON(asid->mapping_count);
	WARN_ON(!xa_empty(&asid->pt));
	drm_mm_takedown(&asid->mm);
	xa_destroy(&asid->pt);
	mutex_destroy(&asid->lock);
	kfree(asid);
	atomic_dec(&vxpu_live_asids);
}

void vxpu_asid_put(struct vxpu_asid *asid)
{
	kref_put(&asid->ref, vxpu_asid_release);
}

/* Look up ASID @id of @ctx and take a reference, or return NULL. */
struct vxpu_asid *vxpu_asid_get(struct vxpu_ctx *ctx, u32 id)
{
	struct vxpu_asid *asid;

	xa_lock(&ctx->asids);
	asid = xa_load(&ctx->asids, id);
	if (asid)
		kref_get(&asid->ref);
	xa_unlock(&ctx->asids);
	return asid;
}

/* ---- page table --------------------------------------------------------- */

/* Every page of [va, va + size) has an entry: erase them one by one. */
static void vxpu_pt_clear(struct vxpu_asid *asid, u64 va, u64 size)
{
	unsigned long first = va >> PAGE_SHIFT;
	unsigned long npages = size >> PAGE_SHIFT;
	unsigned long i;

	lockdep_assert_held(&asid->lock);
	for (i = 0; i < npages; i++) {
		WARN_ON_ONCE(!xa_erase(&asid->pt, first + i));
		if (!((i + 1) % VXPU_PT_BATCH))
			cond_resched();
	}
}

/* The page of page @i of @m: its BO's, the supplied BO's or the zero page. */
static struct page *vxpu_mapping_page(struct vxpu_mapping *m, unsigned long i)
{
	if (m->zero)
		return ZERO_PAGE(0);
	if (m->supply)
		return vxpu_bo_page(m->supply, (m->supply_offset >> PAGE_SHIFT) + i);
	return vxpu_bo_page(m->bo, (m->bo_offset >> PAGE_SHIFT) + i);
}

static int vxpu_pt_fill(struct vxpu_asid *asid, struct vxpu_mapping *m)
{
	unsigned long first = m->node.start >> PAGE_SHIFT;
	unsigned long npages = m->node.size >> PAGE_SHIFT;
	u32 perm = m->zero ? VXPU_MAP_READ : m->perm;
	XA_STATE(xas, &asid->pt, first);
	unsigned long i = 0;
	int ret;

	lockdep_assert_held(&asid->lock);
	while (i < npages) {
		unsigned long end = min(npages, i + VXPU_PT_BATCH);

		xas_set(&xas, first + i);
		xas_lock(&xas);
		for (; i < end; i++) {
			struct page *page = vxpu_mapping_page(m, i);
			unsigned long pte;

			pte = page_to_pfn(page) << VXPU_PTE_SHIFT | perm;
			xas_store(&xas, xa_mk_value(pte));
			if (xas_error(&xas))
				break;
			xas_next(&xas);
		}
		xas_unlock(&xas);
		if (xas_nomem(&xas, GFP_KERNEL_ACCOUNT))
			continue;
		ret = xas_error(&xas);
		if (ret) {
			if (i)
				vxpu_pt_clear(asid, m->node.start,
					      (u64)i << PAGE_SHIFT);
			return ret;
		}
		cond_resched();
	}
	return 0;
}

/* ---- mappings ----------------------------------------------------------- */

/* The mapping containing device address @va, or NULL. */
struct vxpu_mapping *vxpu_asid_find(struct vxpu_asid *asid, u64 va)
{
	struct drm_mm_node *node;

	lockdep_assert_held(&asid->lock);
	/* Outside the range the iterator would yield the mm's head node. */
	if (va < VXPU_VA_START || va >= VXPU_VA_END)
		return NULL;
	drm_mm_for_each_node_in_range(node, &asid->mm, va, va + 1) {
		if (node->start <= va && va - node->start < node->size)
			return container_of(node, struct vxpu_mapping, node);
		break;
	}
	return NULL;
}

/**
 * vxpu_asid_translate - translate device addresses to pages, checking rights
 * @asid: the address space
 * @va: first device address
 * @len: bytes wanted from @va (at least 1)
 * @perm: VXPU_MAP_READ and/or VXPU_MAP_WRITE, all needed
 * @max: most pages to translate, 1..VXPU_XLATE_MAX
 * @x: out: the pages from @va's page on, all within the mapping containing
 *	@va, and a reference on its BO (release with vxpu_xlate_put())
 *
 * The one translation of the driver: the device view and the engine use
 * it. Translates until @len, the end of the mapping, @max pages or the
 * first page lacking @perm. Returns 0 when at least @va's page was
 * translated; else -ENOENT (ASID destroyed), -ENXIO (@va not mapped) or
 * -EACCES (@va's page lacks @perm), with nothing to release. Takes the
 * ASID lock (a mutex): call it holding no spinlock.
 */
int vxpu_asid_translate(struct vxpu_asid *asid, u64 va, u64 len, u32 perm,
			unsigned int max, struct vxpu_xlate *x)
{
	XA_STATE(xas, &asid->pt, va >> PAGE_SHIFT);
	struct vxpu_mapping *m;
	u64 map_end, end;
	unsigned long idx;
	int ret = 0;

	x->npages = 0;
	x->bo = NULL;
	x->granted = NULL;
	x->va = va & PAGE_MASK;
	if (WARN_ON(!max || max > VXPU_XLATE_MAX || !len))
		return -EINVAL;

	mutex_lock(&asid->lock);
	if (asid->dead) {
		ret = -ENOENT;
		goto out;
	}
	x->gen = asid->gen;
	m = vxpu_asid_find(asid, va);
	if (!m || !m->filled) {
		/* Not mapped, or a revoked grant's hole. */
		ret = -ENXIO;
		goto out;
	}

	map_end = m->node.start + m->node.size;
	end = va + min(len, map_end - va);
	end = min(end, x->va + (u64)max * PAGE_SIZE);

	/* One walk for the run: xas_next() steps to the next slot. */
	rcu_read_lock();
	for (idx = va >> PAGE_SHIFT; (u64)idx << PAGE_SHIFT < end; idx++) {
		void *entry = x->npages ? xas_next(&xas) : xas_load(&xas);
		unsigned long pte;

		if (WARN_ON_ONCE(!xa_is_value(entry))) {
			ret = -ENXIO;
			break;
		}
		pte = xa_to_value(entry);
		if ((pte & perm) != perm) {
			ret = -EACCES;
			break;
		}
		x->pages[x->npages++] = pfn_to_page(pte >> VXPU_PTE_SHIFT);
	}
	rcu_read_unlock();

	if (x->npages) {
		/* A filled hole's pages belong to the supplied BO. */
		x->bo = m->supply ? m->supply : m->bo;
		drm_gem_object_get(&x->bo->base);
		if (!m->hole && vxpu_bo_is_foreign(&m->bo->base)) {
			/* Revoke waits for this (see vxpu_xlate_put()). */
			x->granted = container_of(m->bo, struct vxpu_foreign,
						  bo);
			atomic_inc(&x->granted->active);
		}
		/* The caller meets the error again at the next page. */
		ret = 0;
	}
out:
	mutex_unlock(&asid->lock);
	return ret;
}

/* Release a translation; may free the BO (see the lock order). */
void vxpu_xlate_put(struct vxpu_xlate *x)
{
	if (x->granted)
		vxpu_foreign_idle(x->granted);
	x->granted = NULL;
	if (x->bo)
		drm_gem_object_put(&x->bo->base);
	x->bo = NULL;
	x->npages = 0;
}

/* A foreign BO's mapping leaves its list (the caller holds asid->lock). */
static void vxpu_mapping_unlink(struct vxpu_mapping *m)
{
	struct vxpu_foreign *f;

	if (!m->asid)
		return;
	f = container_of(m->bo, struct vxpu_foreign, bo);
	spin_lock(&f->map_lock);
	list_del_init(&m->fbo_link);
	f->map_total--;
	spin_unlock(&f->map_lock);
	m->asid = NULL;
}

static void vxpu_mapping_remove(struct vxpu_asid *asid, struct vxpu_mapping *m)
{
	lockdep_assert_held(&asid->lock);
	vxpu_mapping_unlink(m);
	if (m->filled)
		vxpu_pt_clear(asid, m->node.start, m->node.size);
	m->filled = false;
	drm_mm_remove_node(&m->node);
	WRITE_ONCE(asid->gen, asid->gen + 1);
	WARN_ON(!asid->mapping_count);
	asid->mapping_count--;
	WARN_ON(atomic_dec_return(&m->bo->map_count) < 0);
	/* May free the BOs: see the lock order in vxpu_drv.h. */
	if (m->supply)
		drm_gem_object_put(&m->supply->base);
	drm_gem_object_put(&m->bo->base);
	kfree(m);
	atomic_dec(&vxpu_live_mappings);
}

/* Remove every mapping and mark @asid dead; it is no longer in the table. */
static void vxpu_asid_teardown(struct vxpu_asid *asid)
{
	struct drm_mm_node *node, *next;

	mutex_lock(&asid->lock);
	asid->dead = true;
	drm_mm_for_each_node_safe(node, next, &asid->mm) {
		vxpu_mapping_remove(asid,
				    container_of(node, struct vxpu_mapping, node));
		cond_resched();
	}
	WARN_ON(!xa_empty(&asid->pt));
	mutex_unlock(&asid->lock);
}

void vxpu_asid_destroy_all(struct vxpu_ctx *ctx)
{
	struct vxpu_asid *asid;
	unsigned long id;

	mutex_lock(&ctx->asid_lock);
	xa_for_each(&ctx->asids, id, asid) {
		xa_erase(&ctx->asids, id);
		ctx->asid_count--;
		vxpu_asid_teardown(asid);
		vxpu_asid_put(asid);
	}
	WARN_ON(ctx->asid_count);
	mutex_unlock(&ctx->asid_lock);
}

/* ---- ioctls ------------------------------------------------------------- */

/*
 * Create an ASID of @ctx with id @want, or any free id when @want is 0
 * (-EEXIST if @want is taken). Returns its id in *@id.
 */
int vxpu_asid_create(struct vxpu_ctx *ctx, u32 want, u32 *id)
{
	struct vxpu_asid *asid;
	int ret;

	asid = kzalloc(sizeof(*asid), GFP_KERNEL_ACCOUNT);
	if (!asid)
		return -ENOMEM;
	kref_init(&asid->ref);
	asid->ctx = ctx;
	mutex_init(&asid->lock);
	drm_mm_init(&asid->mm, VXPU_VA_START, VXPU_VA_END - VXPU_VA_START);
	xa_init_flags(&asid->pt, XA_FLAGS_ACCOUNT);

	/* The id is set before a lookup (no asid_lock) can find it. */
	mutex_lock(&ctx->asid_lock);
	if (want) {
		asid->id = want;
		ret = xa_insert(&ctx->asids, want, asid, GFP_KERNEL_ACCOUNT);
		if (ret == -EBUSY)
			ret = -EEXIST;
	} else {
		ret = xa_alloc_cyclic(&ctx->asids, &asid->id, asid,
				      XA_LIMIT(1, INT_MAX), &ctx->asid_next,
				      GFP_KERNEL_ACCOUNT);
	}
	if (ret < 0) {
		mutex_unlock(&ctx->asid_lock);
		drm_mm_takedown(&asid->mm);
		mutex_destroy(&asid->lock);
		kfree(asid);
		return ret;
	}
	*id = asid->id;
	ctx->asid_count++;
	atomic_inc(&vxpu_live_asids);
	mutex_unlock(&ctx->asid_lock);
	return 0;
}

int vxpu_ioctl_asid_create(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct drm_vxpu_asid_create *args = data;

	if (args->flags & ~VXPU_ASID_SVA)
		return -EINVAL;
	if (args->flags & VXPU_ASID_SVA)
		return -EOPNOTSUPP;

	return vxpu_asid_create(vxpu_file_ctx(file), 0, &args->asid);
}

int vxpu_ioctl_asid_destroy(struct drm_device *drm, void *data,
			    struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_asid_destroy *args = data;
	struct vxpu_asid *asid;

	if (args->pad)
		return -EINVAL;

	mutex_lock(&ctx->asid_lock);
	asid = args->asid ? xa_erase(&ctx->asids, args->asid) : NULL;
	if (asid)
		ctx->asid_count--;
	mutex_unlock(&ctx->asid_lock);
	if (!asid)
		return -ENOENT;

	vxpu_asid_teardown(asid);
	vxpu_asid_put(asid);
	return 0;
}

/*
 * Link a new mapping of a foreign BO to it, unless it is revoked
 * (-EKEYREVOKED). The caller holds asid->lock.
 */
static int vxpu_mapping_link(struct vxpu_asid *asid, struct vxpu_mapping *m)
{
	struct vxpu_foreign *f;
	int ret = 0;

	if (!vxpu_bo_is_foreign(&m->bo->base))
		return 0;
	f = container_of(m->bo, struct vxpu_foreign, bo);
	spin_lock(&f->map_lock);
	if (f->revoked) {
		ret = -EKEYREVOKED;
	} else {
		m->asid = asid;
		list_add_tail(&m->fbo_link, &f->maps);
		f->map_total++;
	}
	spin_unlock(&f->map_lock);
	return ret;
}

/*
 * Map [@bo_offset, @bo_offset + @size) of @bo into @asid, at *@va with
 * VXPU_MAP_FIXED in @flags, else at a VA the allocator picks (returned in
 * *@va). The caller validated alignment, range and flags. The mapping
 * takes a BO reference of its own. Errors: -ENOENT (ASID destroyed),
 * -EEXIST (fixed range busy), -ENOSPC, -ENOMEM, -EKEYREVOKED (a revoked
 * foreign BO).
 */
int vxpu_asid_map(struct vxpu_asid *asid, struct vxpu_bo *bo, u64 bo_offset,
		  u64 size, u64 *va, u32 flags)
{
	struct vxpu_mapping *m;
	int ret;

	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return -ENOMEM;
	m->bo = bo;
	m->bo_offset = bo_offset;
	m->perm = flags & VXPU_PTE_PERM_MASK;
	m->filled = true;
	INIT_LIST_HEAD(&m->fbo_link);

	mutex_lock(&asid->lock);
	if (asid->dead) {
		ret = -ENOENT;
		goto err_unlock;
	}
	if (flags & VXPU_MAP_FIXED) {
		m->node.start = *va;
		m->node.size = size;
		ret = drm_mm_reserve_node(&asid->mm, &m->node);
		if (ret == -ENOSPC)
			ret = -EEXIST;
	} else {
		ret = drm_mm_insert_node_in_range(&asid->mm, &m->node,
						  size, 0, 0,
						  VXPU_VA_START, VXPU_VA_END,
						  DRM_MM_INSERT_BEST);
	}
	if (ret)
		goto err_unlock;

	/* Linked before the fill: a revoke from now on finds it. */
	ret = vxpu_mapping_link(asid, m);
	if (ret) {
		drm_mm_remove_node(&m->node);
		goto err_unlock;
	}
	ret = vxpu_pt_fill(asid, m);
	if (ret) {
		vxpu_mapping_unlink(m);
		drm_mm_remove_node(&m->node);
		goto err_unlock;
	}

	drm_gem_object_get(&bo->base);
	asid->mapping_count++;
	atomic_inc(&bo->map_count);
	atomic_inc(&vxpu_live_mappings);
	*va = m->node.start;
	mutex_unlock(&asid->lock);
	return 0;

err_unlock:
	mutex_unlock(&asid->lock);
	kfree(m);
	return ret;
}

int vxpu_ioctl_vm_map(struct drm_device *drm, void *data,
		      struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_vm_map *args = data;
	const u32 known = VXPU_MAP_READ | VXPU_MAP_WRITE | VXPU_MAP_FIXED;
	bool fixed = args->flags & VXPU_MAP_FIXED;
	struct drm_gem_object *obj;
	struct vxpu_asid *asid;
	u64 bo_end, va_end;
	int ret;

	if (args->pad || (args->flags & ~known) ||
	    !(args->flags & VXPU_PTE_PERM_MASK))
		return -EINVAL;
	if (!args->size || !IS_ALIGNED(args->size, VXPU_PAGE_SIZE) ||
	    !IS_ALIGNED(args->bo_offset, VXPU_PAGE_SIZE))
		return -EINVAL;
	if (check_add_overflow(args->bo_offset, args->size, &bo_end))
		return -EINVAL;
	if (fixed) {
		if (!IS_ALIGNED(args->va, VXPU_PAGE_SIZE) ||
		    check_add_overflow(args->va, args->size, &va_end))
			return -EINVAL;
		if (args->va < VXPU_VA_START || va_end > VXPU_VA_END)
			return -ERANGE;
	}

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	if (WARN_ON(!vxpu_is_vxpu_bo(drm, obj))) {
		ret = -ENOENT;
		goto out_put_obj;
	}
	if (bo_end > obj->size) {
		ret = -EINVAL;
		goto out_put_obj;
	}
	/* A foreign BO maps with at most the access its grant map gave. */
	if (vxpu_bo_is_foreign(obj) &&
	    (args->flags & VXPU_PTE_PERM_MASK &
	     ~container_of(obj, struct vxpu_foreign, bo.base)->perm)) {
		ret = -EACCES;
		goto out_put_obj;
	}

	asid = vxpu_asid_get(ctx, args->asid);
	if (!asid) {
		ret = -ENOENT;
		goto out_put_obj;
	}
	ret = vxpu_asid_map(asid, to_vxpu_bo(obj), args->bo_offset, args->size,
			    &args->va, args->flags);
	vxpu_asid_put(asid);
out_put_obj:
	drm_gem_object_put(obj);
	return ret;
}

int vxpu_ioctl_vm_unmap(struct drm_device *drm, void *data,
			struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_vm_unmap *args = data;
	struct vxpu_mapping *m;
	struct vxpu_asid *asid;
	int ret = 0;

	if (args->flags || !IS_ALIGNED(args->va, VXPU_PAGE_SIZE) ||
	    !IS_ALIGNED(args->size, VXPU_PAGE_SIZE))
		return -EINVAL;

	asid = vxpu_asid_get(ctx, args->asid);
	if (!asid)
		return -ENOENT;

	mutex_lock(&asid->lock);
	m = asid->dead ? NULL : vxpu_asid_find(asid, args->va);
	if (!m || m->node.start != args->va)
		ret = -ENOENT;
	else if (m->node.size != args->size)
		ret = -EINVAL;
	else
		vxpu_mapping_remove(asid, m);
	mutex_unlock(&asid->lock);

	vxpu_asid_put(asid);
	return ret;
}

/* ---- revocation of foreign BOs (vxpu_grant.c) ------------------------------ */

/* The first mapping of @f on @asid (any ASID if NULL) that is no hole. */
static struct vxpu_mapping *vxpu_foreign_next(struct vxpu_foreign *f,
					      struct vxpu_asid *asid)
{
	struct vxpu_mapping *m;

	lockdep_assert_held(&f->map_lock);
	list_for_each_entry(m, &f->maps, fbo_link) {
		if (!m->hole && (!asid || m->asid == asid))
			return m;
	}
	return NULL;
}

/**
 * vxpu_asid_revoke_foreign - turn every ASID mapping of a foreign BO into a hole
 * @f: the foreign BO, already marked revoked (no mapping is added any more)
 *
 * Erases the page table entries of every mapping of @f, bumps the ASID's
 * gen (the engine's cached translations go stale) and keeps the nodes as
 * holes. Allocates nothing. Called with grant_lock held, no ASID lock.
 */
void vxpu_asid_revoke_foreign(struct vxpu_foreign *f)
{
	struct vxpu_mapping *m;
	struct vxpu_asid *asid;

	for (;;) {
		spin_lock(&f->map_lock);
		m = vxpu_foreign_next(f, NULL);
		asid = m ? m->asid : NULL;
		/* Linked mappings keep their ASID's table reference alive. */
		if (asid)
			kref_get(&asid->ref);
		spin_unlock(&f->map_lock);
		if (!asid)
			break;

		mutex_lock(&asid->lock);
		/* Under asid->lock none of this ASID's mappings can go. */
		spin_lock(&f->map_lock);
		while ((m = vxpu_foreign_next(f, asid))) {
			m->hole = true;
			spin_unlock(&f->map_lock);
			if (m->filled)
				vxpu_pt_clear(asid, m->node.start, m->node.size);
			m->filled = false;
			spin_lock(&f->map_lock);
		}
		spin_unlock(&f->map_lock);
		WRITE_ONCE(asid->gen, asid->gen + 1);
		mutex_unlock(&asid->lock);
		vxpu_asid_put(asid);
		cond_resched();
	}
}

/**
 * vxpu_asid_hole_info - describe the hole containing a device address
 * @asid: the frontend's ASID
 * @va: the faulting address
 * @f: out, the foreign BO, with a GEM reference (when 0 or 1 is returned)
 * @hole_va: out, first address of the hole
 * @hole_size: out, its bytes
 * @offset: out, offset in the foreign BO (the grant) of @va's page
 *
 * Returns 1 for a hole not filled yet, 0 for a filled one, -ENXIO if @va
 * is in no hole (anymore).
 */
int vxpu_asid_hole_info(struct vxpu_asid *asid, u64 va,
			struct vxpu_foreign **f, u64 *hole_va, u64 *hole_size,
			u64 *offset)
{
	struct vxpu_mapping *m;
	int ret = -ENXIO;

	mutex_lock(&asid->lock);
	m = asid->dead ? NULL : vxpu_asid_find(asid, va);
	if (m && m->hole) {
		*f = container_of(m->bo, struct vxpu_foreign, bo);
		drm_gem_object_get(&m->bo->base);
		*hole_va = m->node.start;
		*hole_size = m->node.size;
		*offset = m->bo_offset + ((va & PAGE_MASK) - m->node.start);
		ret = m->filled ? 0 : 1;
	}
	mutex_unlock(&asid->lock);
	return ret;
}

/**
 * vxpu_asid_fill_hole - map replacement memory into a hole
 * @asid: the frontend's ASID
 * @va: an address in the hole
 * @g: the grant the hole must belong to
 * @supply: the backend's BO (the mapping takes a reference), or NULL for
 *	the zero page (read-only)
 * @supply_offset: offset in @supply of the hole's first page; the caller
 *	checked that the hole fits
 *
 * Returns 0 (also when the hole was filled already), -ESRCH if the hole
 * is gone, -EINVAL if @supply is too short for it, -ENOMEM.
 */
int vxpu_asid_fill_hole(struct vxpu_asid *asid, u64 va,
			struct vxpu_grant *g, struct vxpu_bo *supply,
			u64 supply_offset)
{
	struct vxpu_mapping *m;
	int ret = 0;

	mutex_lock(&asid->lock);
	m = asid->dead ? NULL : vxpu_asid_find(asid, va);
	if (!m || !m->hole ||
	    container_of(m->bo, struct vxpu_foreign, bo)->grant != g) {
		ret = -ESRCH;
		goto out;
	}
	if (m->filled)
		goto out;
	if (supply && (supply_offset > supply->base.size ||
		       m->node.size > supply->base.size - supply_offset)) {
		ret = -EINVAL;
		goto out;
	}
	m->zero = !supply;
	m->supply = supply;
	m->supply_offset = supply_offset;
	ret = vxpu_pt_fill(asid, m);
	if (ret) {
		m->zero = false;
		m->supply = NULL;
		goto out;
	}
	if (supply)
		drm_gem_object_get(&supply->base);
	m->filled = true;
out:
	mutex_unlock(&asid->lock);
	return ret;
}
