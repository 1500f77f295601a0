// SPDX-License-Identifier: MIT
/*
 * vxpuctl grants [--device N]: the grants of each vxpu device (issue 5),
 * with their state and fault counts, as the driver lists them in debugfs
 * (/sys/kernel/debug/vxpu/<index>/grants; needs root and debugfs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libvxpu.h"

int cmd_grants(int argc, char **argv);

static int show_device(const struct vxpu_device_desc *d)
{
	char path[128], line[512];
	unsigned long long id, off, size, cf, df, rf;
	unsigned int be, fe, am, cm;
	char state[16], acc[4];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/vxpu/%u/grants", d->info.index);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "vxpuctl grants: %s: %s (root and a mounted debugfs are needed)\n",
			path, strerror(errno));
		return 1;
	}
	printf("device %u (gpu_id %u):\n", d->info.index, d->info.gpu_id);
	printf("  %-18s %7s %8s %-8s %-3s %12s %12s %5s %5s %9s %9s %9s\n", "grant", "backend",
	       "frontend", "state", "acc", "offset", "size", "asids", "mmaps", "cpu_flt",
	       "dev_flt", "rw_flt");
	if (!fgets(line, sizeof(line), f))	/* header */
		line[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %u %u %15s %3s %llu %llu %u %u %llu %llu %llu", &id, &be, &fe,
			   state, acc, &off, &size, &am, &cm, &cf, &df, &rf) != 12) {
			fprintf(stderr, "vxpuctl grants: cannot parse: %s", line);
			fclose(f);
			return 1;
		}
		printf("  %#-18llx %7u %8u %-8s %-3s %12llu %12llu %5u %5u %9llu %9llu %9llu\n", id,
		       be, fe, state, acc, off, size, am, cm, cf, df, rf);
		n++;
	}
	fclose(f);
	if (!n)
		printf("  (no grants)\n");
	return 0;
}

int cmd_grants(int argc, char **argv)
{
	struct vxpu_device_desc d[VXPU_MAX_DEVICES];
	int only = -1, n, rc = 0;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--device") && i + 1 < argc) {
			only = atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: vxpuctl grants [--device N]\n");
			return 2;
		}
	}
	n = vxpu_discover(NULL, d, VXPU_MAX_DEVICES);
	if (n < 0) {
		fprintf(stderr, "vxpuctl grants: no vxpu device: %s\n", vxpu_strerror(n));
		return 1;
	}
	/* discover counts every device, and stores VXPU_MAX_DEVICES at most */
	for (int i = 0; i < n && i < VXPU_MAX_DEVICES; i++)
		if (only < 0 || (int)d[i].info.index == only)
			rc |= show_device(&d[i]);
	return rc;
}
