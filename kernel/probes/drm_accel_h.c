// SPDX-License-Identifier: GPL-2.0
/* Probe: the kernel has DRM accel nodes (<drm/drm_accel.h>, 6.2+). */
#include <drm/drm_accel.h>
#include <drm/drm_drv.h>

const int vxpu_probe = DRIVER_COMPUTE_ACCEL;
