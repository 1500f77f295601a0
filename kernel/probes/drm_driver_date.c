// SPDX-License-Identifier: GPL-2.0
/* Probe: struct drm_driver still has .date (removed in 6.14). */
#include <drm/drm_drv.h>

const struct drm_driver vxpu_probe = {
	.date = "0",
};
