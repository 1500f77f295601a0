// SPDX-License-Identifier: GPL-2.0
/* Probe: vm_flags_set() exists (vm_flags became read-only in 6.3). */
#include <linux/mm.h>

void vxpu_probe(struct vm_area_struct *vma);
void vxpu_probe(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_PFNMAP);
}
