// SPDX-License-Identifier: GPL-2.0
/*
 * vxpu: the device view. DRM_VXPU_VM_READ/WRITE copy between user memory
 * and an ASID's virtual addresses, translating every page through the
 * ASID's page table with the same permission checks the engine applies.
 *
 * No user copy happens under the ASID lock: for a batch of pages within one
 * mapping we translate under the lock and take a reference on the mapping's
 * BO (which keeps the pages allocated), drop the lock, then copy.
 */
#include <linux/highmem.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "vxpu_drv.h"

#define VXPU_RW_BATCH	64

struct vxpu_rw_batch {
	struct vxpu_bo *bo;
	unsigned int npages;
	struct page *pages[VXPU_RW_BATCH];
};

/*
 * Translate up to VXPU_RW_BATCH pages starting at @va, all within the
 * mapping that contains @va and @len bytes from it.
 */
static int vxpu_rw_translate(struct vxpu_asid *asid, u64 va, u64 len,
			     u32 perm, struct vxpu_rw_batch *b)
{
	struct vxpu_mapping *m;
	u64 map_end, end;
	unsigned long idx;
	int ret = 0;

	b->npages = 0;
	b->bo = NULL;

	mutex_lock(&asid->lock);
	if (asid->dead) {
		ret = -ENOENT;
		goto out;
	}
	m = vxpu_asid_find(asid, va);
	if (!m) {
		ret = -ENXIO;
		goto out;
	}

	map_end = m->node.start + m->node.size;
	end = min(va + len, map_end);
	end = min(end, (va & PAGE_MASK) + VXPU_RW_BATCH * PAGE_SIZE);

	for (idx = va >> PAGE_SHIFT; (u64)idx << PAGE_SHIFT < end; idx++) {
		void *entry = xa_load(&asid->pt, idx);
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
		b->pages[b->npages++] = pfn_to_page(pte >> VXPU_PTE_SHIFT);
	}

	if (b->npages) {
		b->bo = m->bo;
		drm_gem_object_get(&m->bo->base);
		/* Report the error once the pages before it are copied. */
		ret = 0;
	}
out:
	mutex_unlock(&asid->lock);
	return ret;
}

static int vxpu_vm_rw(struct drm_file *file, struct drm_vxpu_vm_rw *args,
		      bool write)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	u32 perm = write ? VXPU_MAP_WRITE : VXPU_MAP_READ;
	char __user *ubuf = u64_to_user_ptr(args->user_ptr);
	struct vxpu_rw_batch *b;
	struct vxpu_asid *asid;
	u64 va = args->va;
	u64 left = args->size;
	u64 end;
	int ret = 0;

	if (args->flags)
		return -EINVAL;
	if (!args->size || args->size > VXPU_RW_MAX ||
	    check_add_overflow(args->va, args->size, &end))
		return -EINVAL;

	asid = vxpu_asid_get(ctx, args->asid);
	if (!asid)
		return -ENOENT;

	b = kmalloc(sizeof(*b), GFP_KERNEL);
	if (!b) {
		ret = -ENOMEM;
		goto out_put;
	}

	while (left) {
		unsigned int i;

		ret = vxpu_rw_translate(asid, va, left, perm, b);
		if (ret)
			break;

		for (i = 0; i < b->npages && left; i++) {
			unsigned int off = offset_in_page(va);
			unsigned int n = min_t(u64, PAGE_SIZE - off, left);
			void *kaddr = kmap_local_page(b->pages[i]);
			unsigned long rest;

			if (write)
				rest = copy_from_user(kaddr + off, ubuf, n);
			else
				rest = copy_to_user(ubuf, kaddr + off, n);
			kunmap_local(kaddr);
			if (rest) {
				ret = -EFAULT;
				break;
			}
			va += n;
			ubuf += n;
			left -= n;
		}
		drm_gem_object_put(&b->bo->base);
		if (ret)
			break;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}

	kfree(b);
out_put:
	vxpu_asid_put(asid);
	return ret;
}

int vxpu_ioctl_vm_read(struct drm_device *drm, void *data,
		       struct drm_file *file)
{
	return vxpu_vm_rw(file, data, false);
}

int vxpu_ioctl_vm_write(struct drm_device *drm, void *data,
			struct drm_file *file)
{
	return vxpu_vm_rw(file, data, true);
}
