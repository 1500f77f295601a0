// SPDX-License-Identifier: GPL-2.0
/*
 * vxpu: buffer objects and the VRAM pool.
 *
 * GTT BOs are drm_gem_shmem objects, pinned at creation so that they always
 * have a page array. VRAM BOs are GEM objects of our own whose pages come
 * from a per-device pool of order-0 pages allocated at probe and carved by
 * the buddy allocator. Both kinds expose their pages through
 * vxpu_bo_page(), the one accessor the device view uses.
 */
#include <linux/highmem.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include <drm/drm_managed.h>
#include <drm/drm_prime.h>
#include <drm/drm_print.h>
#include <drm/drm_vma_manager.h>

#include "vxpu_drv.h"

static_assert(offsetof(struct vxpu_bo, shmem.base) ==
	      offsetof(struct vxpu_bo, base));

/* ---- VRAM pool ------------------------------------------------------------ */

static void vxpu_vram_fini(struct drm_device *drm, void *data)
{
	struct vxpu_device *vdev = data;
	struct page *page, *tmp;
	unsigned long i;

	list_for_each_entry_safe(page, tmp, &vdev->vram_skew, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	if (vdev->vram_mm_ready) {
		WARN_ON(vdev->vram_free != vdev->vram_size);
		vxpu_buddy_fini(&vdev->vram_mm);
	}
	for (i = 0; i < vdev->vram_npages; i++) {
		if (vdev->vram_pages[i])
			__free_page(vdev->vram_pages[i]);
	}
	kvfree(vdev->vram_pages);
	mutex_destroy(&vdev->vram_lock);
}

/*
 * The pool's pages come in order from the page allocator, so VRAM BOs,
 * which the buddy allocator places a multiple of their size apart, would
 * sit a multiple of their size apart in the direct map too. Their pages
 * then collide in a direct-mapped TLB indexed by page number, such as
 * qemu TCG's (ours: 256 entries and up on an engine's vCPU), and a COPY
 * between two of them misses on every switch from loads to stores (a
 * 4 MiB VRAM COPY at 0.73x of memcpy). One page held back (0.4% of the
 * pool, freed with it) every VXPU_VRAM_SKEW_PAGES skews each MiB of the
 * pool by one more page. Not freed at once: single free pages would be
 * the first a GTT BO gets, breaking its pages into one-page pieces.
 */
#define VXPU_VRAM_SKEW_PAGES	256

int vxpu_vram_init(struct vxpu_device *vdev, u64 size)
{
	unsigned long npages = size >> PAGE_SHIFT;
	struct page *page;
	unsigned long i;
	int ret;

	mutex_init(&vdev->vram_lock);
	INIT_LIST_HEAD(&vdev->vram_skew);
	vdev->vram_pages = kvcalloc(npages, sizeof(*vdev->vram_pages),
				    GFP_KERNEL);
	if (!vdev->vram_pages) {
		mutex_destroy(&vdev->vram_lock);
		return -ENOMEM;
	}
	vdev->vram_npages = npages;

	ret = drmm_add_action_or_reset(&vdev->drm, vxpu_vram_fini, vdev);
	if (ret)
		return ret;

	for (i = 0; i < npages; i++) {
		if (i && !(i % VXPU_VRAM_SKEW_PAGES)) {
			page = alloc_page(GFP_KERNEL | __GFP_NOWARN);
			if (page)
				list_add(&page->lru, &vdev->vram_skew);
		}
		vdev->vram_pages[i] = alloc_page(GFP_KERNEL | __GFP_NOWARN);
		if (!vdev->vram_pages[i])
			return -ENOMEM;
		if (!(i % 1024))
			cond_resched();
	}

	ret = vxpu_buddy_init(&vdev->vram_mm, size, PAGE_SIZE);
	if (ret)
		return ret;
	vdev->vram_mm_ready = true;
	vdev->vram_size = size;
	vdev->vram_free = size;
	return 0;
}

u64 vxpu_vram_free(struct vxpu_device *vdev)
{
	u64 free;

	mutex_lock(&vdev->vram_lock);
	free = vdev->vram_free;
	mutex_unlock(&vdev->vram_lock);
	return free;
}

static int vxpu_vram_alloc(struct vxpu_device *vdev, struct vxpu_bo *bo,
			   u64 size)
{
	int ret;

	mutex_lock(&vdev->vram_lock);
	if (size > vdev->vram_free)
		ret = -ENOSPC;
	else
		ret = vxpu_buddy_alloc_blocks(&vdev->vram_mm, 0,
					      vdev->vram_size, size, PAGE_SIZE,
					      &bo->blocks, 0);
	if (!ret)
		vdev->vram_free -= size;
	mutex_unlock(&vdev->vram_lock);

	/* The buddy allocator says -ENOSPC when fragmented or full. */
	return ret;
}

static void vxpu_vram_release(struct vxpu_device *vdev, struct vxpu_bo *bo,
			      u64 size)
{
	if (list_empty(&bo->blocks))
		return;
	mutex_lock(&vdev->vram_lock);
	vxpu_buddy_free_list(&vdev->vram_mm, &bo->blocks);
	INIT_LIST_HEAD(&bo->blocks);
	vdev->vram_free += size;
	WARN_ON(vdev->vram_free > vdev->vram_size);
	mutex_unlock(&vdev->vram_lock);
}

/* Fill bo->pages from the BO's blocks and zero every page. */
static void vxpu_vram_fill_pages(struct vxpu_device *vdev, struct vxpu_bo *bo)
{
	struct vxpu_buddy_block *block;
	unsigned long n = 0;

	list_for_each_entry(block, &bo->blocks, link) {
		unsigned long first = vxpu_buddy_block_offset(block) >> PAGE_SHIFT;
		unsigned long count =
			vxpu_buddy_block_size(&vdev->vram_mm, block) >> PAGE_SHIFT;
		unsigned long i;

		for (i = 0; i < count; i++, n++) {
			if (WARN_ON(n >= vxpu_bo_npages(bo) ||
				    first + i >= vdev->vram_npages))
				return;
			bo->pages[n] = vdev->vram_pages[first + i];
			clear_highpage(bo->pages[n]);
			if (!(n % 256))
				cond_resched();
		}
	}
	WARN_ON(n != vxpu_bo_npages(bo));
}

/* ---- common ------------------------------------------------------------- */

/* Return the BO's charge to the context that owns it. */
static void vxpu_bo_detach(struct vxpu_bo *bo)
{
	struct vxpu_ctx *ctx = bo->owner;

	if (!ctx)
		return;
	spin_lock(&ctx->lock);
	list_del(&bo->ctx_link);
	spin_unlock(&ctx->lock);
	vxpu_ctx_uncharge(ctx, bo->base.size);
	bo->owner = NULL;
	vxpu_ctx_put(ctx);
}

static void vxpu_bo_attach(struct vxpu_bo *bo, struct vxpu_ctx *ctx)
{
	kref_get(&ctx->ref);
	bo->owner = ctx;
	spin_lock(&ctx->lock);
	list_add_tail(&bo->ctx_link, &ctx->bos);
	spin_unlock(&ctx->lock);
}

/*
 * A handle of the BO goes away. When it is its owner's, the BO is being
 * destroyed as far as grants go: they are revoked (vxpu_grant.c).
 */
static void vxpu_bo_close(struct drm_gem_object *obj, struct drm_file *file)
{
	vxpu_grant_bo_closed(to_vxpu_bo(obj), file);
}

/* ---- GTT (shmem) ---------------------------------------------------------- */

static void vxpu_gtt_free(struct drm_gem_object *obj)
{
	struct vxpu_bo *bo = to_vxpu_bo(obj);

	WARN_ON(atomic_read(&bo->map_count));
	vxpu_bo_detach(bo);
	if (bo->pinned)
		drm_gem_shmem_unpin(&bo->shmem);
	bo->pages = NULL;
	atomic_dec(&vxpu_live_bos);
	/* Frees bo: shmem is its first member. */
	drm_gem_shmem_free(&bo->shmem);
}

/*
 * Pages mapped per CPU fault, as TTM prefaults: a BO read or written from
 * front to back (a memcpy, a checkpoint, a restore) faults once per 2 MiB
 * rather than once per page, which costs ~17 us each under qemu TCG.
 */
#define VXPU_FAULT_AROUND	512

/*
 * CPU fault on a mapping of a VRAM or GTT BO, through the device fd or a
 * dma-buf: both keep every page of the BO allocated (pool pages, pinned
 * shmem pages) for the BO's life, so bo->pages can be mapped directly.
 */
static vm_fault_t vxpu_bo_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct drm_gem_object *obj = vma->vm_private_data;
	struct vxpu_bo *bo = to_vxpu_bo(obj);
	unsigned long npages = vxpu_bo_npages(bo);
	unsigned long idx, addr, i;
	vm_fault_t ret;

	/* vm_pgoff carries the fake offset, for device and dma-buf mmap. */
	idx = vmf->pgoff - drm_vma_node_start(&obj->vma_node);
	if (idx >= npages)
		return VM_FAULT_SIGBUS;
	ret = vmf_insert_pfn(vma, vmf->address, page_to_pfn(bo->pages[idx]));
	if (ret & VM_FAULT_ERROR)
		return ret;

	/* The pages after it, within the VMA and the BO; best effort. */
	addr = vmf->address + PAGE_SIZE;
	for (i = 1; i < VXPU_FAULT_AROUND && idx + i < npages &&
	     addr < vma->vm_end; i++, addr += PAGE_SIZE) {
		if (vmf_insert_pfn(vma, addr,
				   page_to_pfn(bo->pages[idx + i])) &
		    VM_FAULT_ERROR)
			break;
	}
	return ret;
}

/* The shmem helper's open/close keep its page use count; faults are ours. */
static void vxpu_gtt_vm_open(struct vm_area_struct *vma)
{
	drm_gem_shmem_vm_ops.open(vma);
}

static void vxpu_gtt_vm_close(struct vm_area_struct *vma)
{
	drm_gem_shmem_vm_ops.close(vma);
}

static const struct vm_operations_struct vxpu_gtt_vm_ops = {
	.fault	= vxpu_bo_fault,
	.open	= vxpu_gtt_vm_open,
	.close	= vxpu_gtt_vm_close,
};

static int vxpu_gtt_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	/* Device memory is shared by definition: no private COW copies. */
	if (is_cow_mapping(vma->vm_flags))
		return -EINVAL;
	return drm_gem_shmem_object_mmap(obj, vma);
}

static const struct drm_gem_object_funcs vxpu_gtt_funcs = {
	.free		= vxpu_gtt_free,
	.close		= vxpu_bo_close,
	.print_info	= drm_gem_shmem_object_print_info,
	.pin		= drm_gem_shmem_object_pin,
	.unpin		= drm_gem_shmem_object_unpin,
	.get_sg_table	= drm_gem_shmem_object_get_sg_table,
	.vmap		= drm_gem_shmem_object_vmap,
	.vunmap		= drm_gem_shmem_object_vunmap,
	.mmap		= vxpu_gtt_mmap,
	.vm_ops		= &vxpu_gtt_vm_ops,
};

/* drm_driver.gem_create_object: called by drm_gem_shmem_create() only. */
struct drm_gem_object *vxpu_gem_create_object(struct drm_device *drm,
					      size_t size)
{
	struct vxpu_bo *bo;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL_ACCOUNT);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->placement = VXPU_BO_GTT;
	INIT_LIST_HEAD(&bo->blocks);
	INIT_LIST_HEAD(&bo->ctx_link);
	bo->base.funcs = &vxpu_gtt_funcs;
	return &bo->base;
}

/*
 * Allocating and zeroing the pages is most of a large GTT BO's creation
 * (65536 pages for 256 MiB), and a checkpoint restore creates all its BOs
 * in one call. So large BOs have their shmem pages allocated by every CPU
 * at once before the pin, which then finds them in the page cache. Best
 * effort: the pin allocates whatever is missing and reports the errors.
 * The pages are charged to the caller's memory cgroup, as the pin would.
 */
#define VXPU_POPULATE_MIN	SZ_16M
#define VXPU_POPULATE_WORKERS	8

struct vxpu_populate {
	struct work_struct work;
	struct address_space *mapping;
	struct mem_cgroup *memcg;
	pgoff_t first, end;
};

static void vxpu_populate_range(struct vxpu_populate *p)
{
	struct mem_cgroup *old = set_active_memcg(p->memcg);
	pgoff_t i;

	for (i = p->first; i < p->end; i++) {
		struct page *page = shmem_read_mapping_page(p->mapping, i);

		if (IS_ERR(page))
			break;
		put_page(page);
		cond_resched();
	}
	set_active_memcg(old);
}

static void vxpu_populate_work(struct work_struct *work)
{
	vxpu_populate_range(container_of(work, struct vxpu_populate, work));
}

static void vxpu_gtt_populate(struct drm_gem_object *obj)
{
	unsigned int n = min(num_online_cpus(), VXPU_POPULATE_WORKERS), i;
	pgoff_t pages = obj->size >> PAGE_SHIFT;
	struct vxpu_populate *p;
	struct mem_cgroup *memcg;

	if (obj->size < VXPU_POPULATE_MIN || n < 2)
		return;
	p = kcalloc(n, sizeof(*p), GFP_KERNEL);
	if (!p)
		return;
	memcg = get_mem_cgroup_from_mm(current->mm);
	for (i = 0; i < n; i++) {
		p[i].mapping = obj->filp->f_mapping;
		p[i].memcg = memcg;
		p[i].first = pages * i / n;
		p[i].end = pages * (i + 1) / n;
		INIT_WORK(&p[i].work, vxpu_populate_work);
		if (i)
			queue_work(system_unbound_wq, &p[i].work);
	}
	vxpu_populate_range(&p[0]);	/* the caller takes a share too */
	for (i = 1; i < n; i++)
		flush_work(&p[i].work);
	mem_cgroup_put(memcg);
	kfree(p);
}

static struct vxpu_bo *vxpu_gtt_create(struct vxpu_device *vdev, u64 size)
{
	struct drm_gem_shmem_object *shmem;
	struct vxpu_bo *bo;
	int ret;

	shmem = drm_gem_shmem_create(&vdev->drm, size);
	if (IS_ERR(shmem))
		return ERR_CAST(shmem);
	bo = to_vxpu_bo(&shmem->base);
	/* Counted only now: the helper frees failed objects by itself. */
	atomic_inc(&vxpu_live_bos);
	if (WARN_ON(bo->base.funcs != &vxpu_gtt_funcs)) {
		ret = -EINVAL;
		goto err_put;
	}

	vxpu_gtt_populate(&shmem->base);
	ret = drm_gem_shmem_pin(shmem);
	if (ret)
		goto err_put;
	bo->pinned = true;
	bo->pages = shmem->pages;
	if (WARN_ON(!bo->pages)) {
		ret = -EINVAL;
		goto err_put;
	}
	return bo;

err_put:
	drm_gem_object_put(&bo->base);
	return ERR_PTR(ret);
}

/* ---- VRAM ------------------------------------------------------------------ */

static void vxpu_vram_bo_free(struct drm_gem_object *obj)
{
	struct vxpu_device *vdev = to_vxpu_device(obj->dev);
	struct vxpu_bo *bo = to_vxpu_bo(obj);

	WARN_ON(atomic_read(&bo->map_count));
	vxpu_bo_detach(bo);
	vxpu_vram_release(vdev, bo, obj->size);
	kvfree(bo->pages);
	drm_gem_object_release(obj);
	kfree(bo);
	atomic_dec(&vxpu_live_bos);
}

static const struct vm_operations_struct vxpu_vram_vm_ops = {
	.fault	= vxpu_bo_fault,
	.open	= drm_gem_vm_open,
	.close	= drm_gem_vm_close,
};

static int vxpu_vram_mmap(struct drm_gem_object *obj,
			  struct vm_area_struct *vma)
{
	if (is_cow_mapping(vma->vm_flags))
		return -EINVAL;
	vxpu_vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = vm_get_page_prot(vma->vm_flags);
	return 0;
}

static struct sg_table *vxpu_vram_get_sg_table(struct drm_gem_object *obj)
{
	struct vxpu_bo *bo = to_vxpu_bo(obj);

	return drm_prime_pages_to_sg(obj->dev, bo->pages, vxpu_bo_npages(bo));
}

static const struct drm_gem_object_funcs vxpu_vram_funcs = {
	.free		= vxpu_vram_bo_free,
	.close		= vxpu_bo_close,
	.get_sg_table	= vxpu_vram_get_sg_table,
	.mmap		= vxpu_vram_mmap,
	.vm_ops		= &vxpu_vram_vm_ops,
};

static struct vxpu_bo *vxpu_vram_create(struct vxpu_device *vdev, u64 size)
{
	unsigned long npages = size >> PAGE_SHIFT;
	struct vxpu_bo *bo;
	int ret;

	/* Before the page array: never a huge allocation for a BO that cannot fit. */
	if (size > vdev->vram_size)
		return ERR_PTR(-ENOSPC);
	bo = kzalloc(sizeof(*bo), GFP_KERNEL_ACCOUNT);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->placement = VXPU_BO_VRAM;
	INIT_LIST_HEAD(&bo->blocks);
	INIT_LIST_HEAD(&bo->ctx_link);
	bo->base.funcs = &vxpu_vram_funcs;

	bo->pages = kvmalloc_array(npages, sizeof(*bo->pages),
				   GFP_KERNEL_ACCOUNT);
	if (!bo->pages) {
		ret = -ENOMEM;
		goto err_free;
	}

	ret = vxpu_vram_alloc(vdev, bo, size);
	if (ret)
		goto err_free_pages;

	drm_gem_private_object_init(&vdev->drm, &bo->base, size);
	atomic_inc(&vxpu_live_bos);
	vxpu_vram_fill_pages(vdev, bo);

	/* From here on, vxpu_vram_bo_free() undoes everything. */
	ret = drm_gem_create_mmap_offset(&bo->base);
	if (ret) {
		drm_gem_object_put(&bo->base);
		return ERR_PTR(ret);
	}
	return bo;

err_free_pages:
	kvfree(bo->pages);
err_free:
	kfree(bo);
	return ERR_PTR(ret);
}

/* ---- ioctls ------------------------------------------------------------- */

bool vxpu_is_vxpu_bo(struct drm_device *drm, struct drm_gem_object *obj)
{
	return obj->dev == drm && (obj->funcs == &vxpu_gtt_funcs ||
				   obj->funcs == &vxpu_vram_funcs ||
				   vxpu_bo_is_foreign(obj));
}

/*
 * Create a BO of @size bytes (a non-zero VXPU_PAGE_SIZE multiple) in
 * @placement, charged to @ctx. Returns it with one reference, or an
 * ERR_PTR: -EDQUOT, -ENOSPC (VRAM), -ENOMEM.
 */
struct vxpu_bo *vxpu_bo_create(struct vxpu_ctx *ctx, u64 size, u32 placement)
{
	struct vxpu_device *vdev = ctx->vdev;
	struct vxpu_bo *bo;
	int ret;

	ret = vxpu_ctx_charge(ctx, size);
	if (ret)
		return ERR_PTR(ret);

	/* Page counts are unsigned int in the sg and dma-buf helpers. */
	if ((size >> PAGE_SHIFT) > UINT_MAX) {
		ret = placement == VXPU_BO_VRAM ? -ENOSPC : -ENOMEM;
		goto err_uncharge;
	}

	if (placement == VXPU_BO_VRAM)
		bo = vxpu_vram_create(vdev, size);
	else
		bo = vxpu_gtt_create(vdev, size);
	if (IS_ERR(bo)) {
		ret = PTR_ERR(bo);
		goto err_uncharge;
	}

	/* The BO now carries the charge: its free returns it. */
	vxpu_bo_attach(bo, ctx);
	return bo;

err_uncharge:
	vxpu_ctx_uncharge(ctx, size);
	return ERR_PTR(ret);
}

int vxpu_ioctl_bo_create(struct drm_device *drm, void *data,
			 struct drm_file *file)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	struct drm_vxpu_bo_create *args = data;
	struct vxpu_bo *bo;
	u64 size = args->size;
	int ret;

	if (args->flags || args->pad)
		return -EINVAL;
	if (!size || !IS_ALIGNED(size, VXPU_PAGE_SIZE))
		return -EINVAL;
	if (args->placement != VXPU_BO_VRAM && args->placement != VXPU_BO_GTT)
		return -EINVAL;

	bo = vxpu_bo_create(ctx, size, args->placement);
	if (IS_ERR(bo))
		return PTR_ERR(bo);

	ret = drm_gem_handle_create(file, &bo->base, &args->handle);
	if (!ret)
		args->mmap_offset = drm_vma_node_offset_addr(&bo->base.vma_node);
	drm_gem_object_put(&bo->base);
	return ret;
}

int vxpu_ioctl_bo_info(struct drm_device *drm, void *data,
		       struct drm_file *file)
{
	struct drm_vxpu_bo_info *args = data;
	struct drm_gem_object *obj;
	struct vxpu_bo *bo;

	if (args->flags)
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	if (WARN_ON(!vxpu_is_vxpu_bo(drm, obj))) {
		drm_gem_object_put(obj);
		return -ENOENT;
	}
	bo = to_vxpu_bo(obj);

	args->size = obj->size;
	args->placement = bo->placement;
	args->owner_ctx_id = vxpu_grant_bo_owner_id(bo);
	args->mmap_offset = drm_vma_node_offset_addr(&obj->vma_node);
	drm_gem_object_put(obj);
	return 0;
}
