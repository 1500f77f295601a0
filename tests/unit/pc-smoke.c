// SPDX-License-Identifier: MIT
/* Built only through `pkg-config libvxpu`: proves the .pc file is usable. */
#include <stdio.h>

#include <libvxpu.h>

int main(void)
{
	int n = vxpu_device_count();

	printf("pc-smoke: libvxpu reports %d vxpu device(s)\n", n);
	return n < 0;
}
