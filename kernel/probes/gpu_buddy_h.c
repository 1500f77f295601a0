// SPDX-License-Identifier: GPL-2.0
/* Probe: the buddy allocator is <linux/gpu_buddy.h> (renamed from drm_buddy). */
#include <linux/gpu_buddy.h>

void vxpu_probe(struct gpu_buddy *mm, struct list_head *blocks);
void vxpu_probe(struct gpu_buddy *mm, struct list_head *blocks)
{
	gpu_buddy_free_list(mm, blocks, 0);
}
