// SPDX-License-Identifier: MIT
/*
 * cr-share: a parent and a child sharing a BO by dma-buf, for the CRIU
 * tests (tests/criu/run-criu-tests, case share).
 *
 *   cr-share GOFILE
 *
 * The parent creates a VRAM BO on device 0, writes pattern A through its
 * CPU mapping and exports it; the child opens device 0 itself (its own
 * context), imports the dma-buf, closes the dma-buf fd (CRIU cannot dump
 * one) and maps the import; it leads a session of its own, so that CRIU
 * can also be asked to dump it alone (case importonly). Both print "ready"
 * and wait for GOFILE to appear (the test checkpoints and restores them
 * meanwhile). Then the child checks pattern A through its mapping and the
 * device view, writes pattern B through its mapping and exits; the parent
 * checks pattern B through its own mapping. "share: OK" and exit 0 when
 * every view agreed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libvxpu.h"

#define SIZE (256 * 1024)

static uint8_t pat(size_t i, int gen)
{
	return (uint8_t)((i * 13u + (i >> 12)) ^ (gen ? 0xb4 : 0x3c));
}

static long bad_at(const uint8_t *p, int gen)
{
	for (size_t i = 0; i < SIZE; i++)
		if (p[i] != pat(i, gen))
			return (long)i;
	return -1;
}

static void wait_go(const char *go)
{
	while (access(go, F_OK))
		usleep(50000);
}

static int die(const char *who, const char *what, int e)
{
	printf("%s: %s: %s\n", who, what, vxpu_strerror(e));
	fflush(stdout);
	return 2;
}

static int child(int dfd, const char *go)
{
	struct drm_vxpu_bo_info bi;
	uint32_t h, asid;
	uint64_t va = 0;
	uint8_t *cpu, *dev;
	long b;
	int fd, e;

	fd = vxpu_open_index(0);
	if (fd < 0)
		return die("child", "open", fd);
	if ((e = vxpu_bo_import(fd, dfd, &h)) || (e = vxpu_bo_info(fd, h, &bi)))
		return die("child", "import", e);
	close(dfd);
	if ((e = vxpu_bo_mmap(fd, bi.mmap_offset, SIZE, PROT_READ | PROT_WRITE, (void **)&cpu)))
		return die("child", "mmap", e);
	if ((e = vxpu_asid_create(fd, 0, &asid)) ||
	    (e = vxpu_vm_map(fd, asid, h, 0, SIZE, VXPU_MAP_READ, &va)))
		return die("child", "vm map", e);
	printf("child %d: ready (imported handle %u, owner context %u)\n", getpid(), h,
	       bi.owner_ctx_id);
	fflush(stdout);
	wait_go(go);
	dev = malloc(SIZE);
	if (!dev || (e = vxpu_vm_read(fd, asid, va, dev, SIZE)))
		return die("child", "vm read", e ? e : -ENOMEM);
	if ((b = bad_at(cpu, 0)) >= 0 || (b = bad_at(dev, 0)) >= 0) {
		printf("child: pattern A wrong at byte %ld\n", b);
		return 1;
	}
	for (size_t i = 0; i < SIZE; i++)
		cpu[i] = pat(i, 1);
	printf("child: saw pattern A (CPU and device view), wrote pattern B\n");
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t h;
	uint64_t off;
	uint8_t *cpu;
	int fd, dfd, e, st;
	pid_t pid;
	long b;

	if (argc != 2) {
		fprintf(stderr, "usage: cr-share GOFILE\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = vxpu_open_index(0);
	if (fd < 0)
		return die("parent", "open", fd);
	if ((e = vxpu_bo_create(fd, SIZE, VXPU_BO_VRAM, &h, &off)) ||
	    (e = vxpu_bo_mmap(fd, off, SIZE, PROT_READ | PROT_WRITE, (void **)&cpu)))
		return die("parent", "bo", e);
	for (size_t i = 0; i < SIZE; i++)
		cpu[i] = pat(i, 0);
	dfd = vxpu_bo_export(fd, h, DRM_CLOEXEC | DRM_RDWR);
	if (dfd < 0)
		return die("parent", "export", dfd);
	pid = fork();
	if (pid < 0)
		return die("parent", "fork", -errno);
	if (pid == 0) {
		/* a session of its own: CRIU can dump it alone (case importonly) */
		setsid();
		close(fd);
		munmap(cpu, SIZE);
		_exit(child(dfd, argv[1]));
	}
	close(dfd);
	printf("parent %d: ready (BO handle %u, child %d)\n", getpid(), h, pid);
	if (waitpid(pid, &st, 0) != pid)
		return die("parent", "waitpid", -errno);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("share: FAILED (child status %#x)\n", st);
		return 1;
	}
	if ((b = bad_at(cpu, 1)) >= 0) {
		printf("share: FAILED: parent sees byte %ld = %#x, not pattern B\n", b, cpu[b]);
		return 1;
	}
	printf("share: OK: parent sees the child's pattern B through its own mapping\n");
	return 0;
}
