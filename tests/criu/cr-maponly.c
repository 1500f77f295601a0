// SPDX-License-Identifier: MIT
/*
 * cr-maponly: a process whose vxpu context is reachable only through a
 * mapping, for the CRIU tests (tests/criu/run-criu-tests, case maponly).
 *
 *   cr-maponly fd|handle GOFILE
 *
 * Opens device 0, creates a GTT BO, maps it, writes a pattern, then closes
 * the device fd (fd: the mapping alone keeps the context alive) or the BO's
 * handle (handle: the mapping alone keeps the BO). Prints "ready" and waits
 * for GOFILE to appear; then checks the pattern and prints "maponly: OK".
 * Neither mapping could be restored: the test expects the dump to be
 * refused and the process to go on unharmed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libvxpu.h"

#define SIZE (64 * 1024)

int main(int argc, char **argv)
{
	uint8_t *cpu;
	uint64_t off;
	uint32_t h;
	int fd, e;

	if (argc != 3 || (strcmp(argv[1], "fd") && strcmp(argv[1], "handle"))) {
		fprintf(stderr, "usage: cr-maponly fd|handle GOFILE\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = vxpu_open_index(0);
	if (fd < 0) {
		printf("maponly: open: %s\n", vxpu_strerror(fd));
		return 2;
	}
	if ((e = vxpu_bo_create(fd, SIZE, VXPU_BO_GTT, &h, &off)) ||
	    (e = vxpu_bo_mmap(fd, off, SIZE, PROT_READ | PROT_WRITE, (void **)&cpu))) {
		printf("maponly: bo: %s\n", vxpu_strerror(e));
		return 2;
	}
	for (size_t i = 0; i < SIZE; i++)
		cpu[i] = (uint8_t)(i * 7 + 1);
	if (!strcmp(argv[1], "fd")) {
		close(fd);
	} else if ((e = vxpu_bo_destroy(fd, h))) {
		printf("maponly: closing handle %u: %s\n", h, vxpu_strerror(e));
		return 2;
	}
	printf("maponly %d: ready (BO handle %u mapped, %s closed)\n", getpid(), h,
	       strcmp(argv[1], "fd") ? "its handle" : "the device fd");
	while (access(argv[2], F_OK))
		usleep(50000);
	for (size_t i = 0; i < SIZE; i++)
		if (cpu[i] != (uint8_t)(i * 7 + 1)) {
			printf("maponly: FAILED: byte %zu is %#x\n", i, cpu[i]);
			return 1;
		}
	printf("maponly: OK\n");
	return 0;
}
