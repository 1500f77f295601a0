// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: x86-64 kernels before 6.2 export copy_user_generic_string(), the
 * "rep movsq" user copy, and pick an unrolled loop instead on CPUs without
 * X86_FEATURE_REP_GOOD (e.g. qemu64 under TCG, where it is half as fast).
 */
#include <linux/uaccess.h>

unsigned long vxpu_probe(void *to, const void *from, unsigned int len);
unsigned long vxpu_probe(void *to, const void *from, unsigned int len)
{
	return copy_user_generic_string(to, from, len);
}
