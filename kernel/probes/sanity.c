// SPDX-License-Identifier: GPL-2.0
/* Probe: always builds; if it does not, the probe machinery is broken. */
#include <linux/module.h>

int vxpu_probe;
