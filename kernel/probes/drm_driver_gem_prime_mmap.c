// SPDX-License-Identifier: GPL-2.0
/* Probe: struct drm_driver still has .gem_prime_mmap (dma-buf mmap needs it). */
#include <drm/drm_drv.h>
#include <drm/drm_prime.h>

const struct drm_driver vxpu_probe = {
	.gem_prime_mmap = drm_gem_prime_mmap,
};
