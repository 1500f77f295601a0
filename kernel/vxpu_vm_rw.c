// SPDX-License-Identifier: GPL-2.0
/*
 * vxpu: the device view. DRM_VXPU_VM_READ/WRITE copy between user memory
 * and an ASID's virtual addresses, translating every page through the
 * ASID's page table with the same permission checks the engine applies.
 *
 * No user copy happens under the ASID lock: vxpu_asid_translate() (shared
 * with the engine) translates a batch of pages within one mapping under the
 * lock and takes a reference on the mapping's BO (which keeps the pages
 * allocated); we copy after it dropped the lock.
 *
 * Granted pages (a foreign BO's, vxpu_grant.c) are copied with page faults
 * disabled, so that a revoke never waits for a user page fault (which
 * userfaultfd could stretch forever): on a miss we let go of the
 * translation, fault the user page in and translate again. A revoked
 * range (a hole) fails with -EKEYREVOKED and a record for the backend.
 */
#include <linux/highmem.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "vxpu_drv.h"

static int vxpu_vm_rw(struct drm_file *file, struct drm_vxpu_vm_rw *args,
		      bool write)
{
	struct vxpu_ctx *ctx = vxpu_file_ctx(file);
	u32 perm = write ? VXPU_MAP_WRITE : VXPU_MAP_READ;
	char __user *ubuf = u64_to_user_ptr(args->user_ptr);
	struct vxpu_xlate *b;
	struct vxpu_asid *asid;
	u64 va = args->va;
	u64 left = args->size;
	size_t n_fault;
	u64 end;
	int ret = 0;

	if (args->flags)
		return -EINVAL;
	if (!args->size || args->size > VXPU_RW_MAX ||
	    check_add_overflow(args->va, args->size, &end))
		return -EINVAL;
	/* The granted-page copies below are the unchecked __copy_*() kind. */
	if (!access_ok(ubuf, args->size))
		return -EFAULT;

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

		ret = vxpu_asid_translate(asid, va, left, perm, VXPU_XLATE_MAX,
					  b);
		if (ret == -ENXIO)
			ret = vxpu_grant_vm_rw_fault(ctx, asid, va, write);
		if (ret)
			break;

		for (i = 0; i < b->npages && left; i++) {
			unsigned int off = offset_in_page(va);
			unsigned int n = min_t(u64, PAGE_SIZE - off, left);
			void *kaddr = kmap_local_page(b->pages[i]);
			unsigned long rest;

			if (b->granted) {
				pagefault_disable();
				if (write)
					rest = __copy_from_user_inatomic(kaddr + off,
									 ubuf, n);
				else
					rest = __copy_to_user_inatomic(ubuf,
								       kaddr + off, n);
				pagefault_enable();
			} else if (write) {
				rest = copy_from_user(kaddr + off, ubuf, n);
			} else {
				rest = copy_to_user(ubuf, kaddr + off, n);
			}
			kunmap_local(kaddr);
			va += n - rest;
			ubuf += n - rest;
			left -= n - rest;
			if (rest) {
				ret = -EFAULT;
				break;
			}
		}
		if (ret && b->granted) {
			/* Fault the user page in without the translation. */
			vxpu_xlate_put(b);
			n_fault = min_t(u64, PAGE_SIZE, left);
			if (write)
				ret = fault_in_readable(ubuf, n_fault) == n_fault ?
				      -EFAULT : 0;
			else
				ret = fault_in_writeable(ubuf, n_fault) == n_fault ?
				      -EFAULT : 0;
			if (ret)
				break;
		}
		/* Idempotent: nothing is left to release after the above. */
		vxpu_xlate_put(b);
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
