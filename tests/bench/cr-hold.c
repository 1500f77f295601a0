// SPDX-License-Identifier: MIT
/*
 * cr-hold: the process that the checkpoint/restore benchmark
 * (tests/bench/cr-bench) checkpoints, and its write()/read() baseline.
 *
 *   cr-hold anon MIB         MIB of anonymous memory
 *   cr-hold bo MIB [gtt|vram] MIB of device BOs of vxpu device 0, mmapped
 *   cr-hold rw MIB FILE      baseline: write() MIB of anonymous memory to
 *                            FILE, fsync, read() it back; prints MiB/s
 *
 * anon and bo fill their memory with a pattern, print "ready", then sleep
 * until SIGUSR1; then they check every byte (so a restored copy proves its
 * contents), print "verify ok" or "verify BAD ...", and exit 0 or 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "libvxpu.h"

#define MIB ((uint64_t)1 << 20)
#define BO_MAX (256 * MIB)	/* one BO per 256 MiB: VRAM is 256 MiB by default */
#define MAX_BOS 64

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static uint64_t pattern(uint64_t i)
{
	return (i + 1) * 0x9e3779b97f4a7c15ULL ^ 0xc0ffee;
}

static void fill(uint64_t *p, uint64_t n, uint64_t base)
{
	for (uint64_t i = 0; i < n; i++)
		p[i] = pattern(base + i);
}

/* Index of the first wrong u64, or n. */
static uint64_t check(const uint64_t *p, uint64_t n, uint64_t base)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i] != pattern(base + i))
			return i;
	return n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void wait_usr1(void)
{
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	printf("ready %d\n", getpid());
	fflush(stdout);
	while (!go)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static int verdict(uint64_t bad, uint64_t n)
{
	if (bad == n) {
		printf("verify ok\n");
		return 0;
	}
	printf("verify BAD at byte %" PRIu64 "\n", bad * 8);
	return 1;
}

static int hold_anon(uint64_t bytes)
{
	uint64_t *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("cr-hold: mmap");
		return 2;
	}
	fill(p, bytes / 8, 0);
	wait_usr1();
	return verdict(check(p, bytes / 8, 0), bytes / 8);
}

static int hold_bo(uint64_t bytes, uint32_t placement)
{
	uint64_t *cpu[MAX_BOS];
	uint64_t size[MAX_BOS];
	unsigned int n = 0;
	uint64_t done = 0;
	int fd = vxpu_open_index(0);

	if (fd < 0) {
		fprintf(stderr, "cr-hold: open vxpu0: %s\n", vxpu_strerror(fd));
		return 2;
	}
	for (; done < bytes && n < MAX_BOS; n++) {
		uint64_t off, sz = bytes - done < BO_MAX ? bytes - done : BO_MAX;
		uint32_t handle;
		int e = vxpu_bo_create(fd, sz, placement, &handle, &off);

		if (!e)
			e = vxpu_bo_mmap(fd, off, sz, PROT_READ | PROT_WRITE, (void **)&cpu[n]);
		if (e) {
			fprintf(stderr, "cr-hold: BO of %" PRIu64 " MiB: %s\n", sz / MIB,
				vxpu_strerror(e));
			return 2;
		}
		size[n] = sz;
		fill(cpu[n], sz / 8, done / 8);
		done += sz;
	}
	wait_usr1();
	done = 0;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t bad = check(cpu[i], size[i] / 8, done / 8);

		if (bad != size[i] / 8)
			return verdict(done / 8 + bad, bytes / 8);
		done += size[i];
	}
	return verdict(bytes / 8, bytes / 8);
}

static int rw_baseline(uint64_t bytes, const char *path)
{
	uint64_t *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t0, t1, t2;
	uint64_t off;
	int fd;

	if (p == MAP_FAILED) {
		perror("cr-hold: mmap");
		return 2;
	}
	fill(p, bytes / 8, 0);
	fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	if (fd < 0) {
		perror(path);
		return 2;
	}
	t0 = now_s();
	for (off = 0; off < bytes;) {
		ssize_t w = write(fd, (char *)p + off, bytes - off);

		if (w <= 0) {
			perror("cr-hold: write");
			return 2;
		}
		off += w;
	}
	fsync(fd);
	t1 = now_s();
	memset(p, 0, bytes);
	for (off = 0; off < bytes;) {
		ssize_t r = pread(fd, (char *)p + off, bytes - off, off);

		if (r <= 0) {
			perror("cr-hold: read");
			return 2;
		}
		off += r;
	}
	t2 = now_s();
	close(fd);
	unlink(path);
	printf("rw %" PRIu64 " MiB: write %.3f s (%.0f MiB/s), read %.3f s (%.0f MiB/s)\n",
	       bytes / MIB, t1 - t0, bytes / MIB / (t1 - t0), t2 - t1, bytes / MIB / (t2 - t1));
	return verdict(check(p, bytes / 8, 0), bytes / 8);
}

int main(int argc, char **argv)
{
	uint64_t bytes;

	if (argc < 3) {
		fprintf(stderr, "usage: cr-hold anon|bo|rw MIB [gtt|vram|FILE]\n");
		return 2;
	}
	bytes = strtoull(argv[2], NULL, 0) * MIB;
	if (!bytes) {
		fprintf(stderr, "cr-hold: size must be at least 1 MiB\n");
		return 2;
	}
	signal(SIGUSR1, on_usr1);
	if (!strcmp(argv[1], "anon"))
		return hold_anon(bytes);
	if (!strcmp(argv[1], "bo"))
		return hold_bo(bytes, argc > 3 && !strcmp(argv[3], "vram") ?
				      VXPU_BO_VRAM : VXPU_BO_GTT);
	if (!strcmp(argv[1], "rw") && argc > 3)
		return rw_baseline(bytes, argv[3]);
	fprintf(stderr, "cr-hold: unknown mode %s\n", argv[1]);
	return 2;
}
