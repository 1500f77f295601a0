// SPDX-License-Identifier: GPL-2.0
/* Probe: a GEM handle's dma-buf without an fd (6.10+). */
#include <drm/drm_prime.h>

struct dma_buf *vxpu_probe(struct drm_device *dev, struct drm_file *file);

struct dma_buf *vxpu_probe(struct drm_device *dev, struct drm_file *file)
{
	return drm_gem_prime_handle_to_dmabuf(dev, file, 1, O_RDWR);
}
