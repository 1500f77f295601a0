// SPDX-License-Identifier: GPL-2.0
/* Probe: struct drm_driver still has .prime_handle_to_fd (required before 6.6). */
#include <drm/drm_drv.h>
#include <drm/drm_prime.h>

const struct drm_driver vxpu_probe = {
	.prime_handle_to_fd = drm_gem_prime_handle_to_fd,
	.prime_fd_to_handle = drm_gem_prime_fd_to_handle,
};
