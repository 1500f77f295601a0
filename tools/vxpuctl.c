// SPDX-License-Identifier: MIT
/*
 * vxpuctl: look at vxpu devices and show what they do.
 *
 *   vxpuctl devices                    table of the vxpu devices
 *   vxpuctl share-demo [--device N] [--size BYTES]
 *       create a BO on a device, write pattern A through the CPU, pass a
 *       dma-buf to a second process (SCM_RIGHTS) that imports it into its
 *       own context, maps it into its own ASID and reads it back through the
 *       device view and through the CPU, then writes pattern B through its
 *       device view, which the first process checks through its CPU mapping
 *       and its own device view. Both sides print what they see; the exit
 *       status says whether every view matched.
 *   vxpuctl run [--size MiB] [--rounds N | --seconds S] [--devices D] [--queues Q]
 *               [--seed X] [--placement vram|gtt] [--verify] [--quiet] [--stop-at R,...]
 *       the deterministic engine workload (rounds of MIX64, MATMUL_U32 and
 *       HASH64); prints a digest per round and a final checksum; --verify
 *       recomputes it with lib/vxpu_ref. See tools/run.c for its definition.
 *   vxpuctl checkpoint PID DIR [--leave-running]   criu dump with the vxpu plugin
 *   vxpuctl restore DIR [--gpu-map OLD=NEW,...]    criu restore; prints the pid
 *   vxpuctl image show|verify DIR                  what a checkpoint holds; checksums
 *       (tools/ckpt.c, tools/image.c)
 *   vxpuctl grants [--device N]                    grants, state, fault counts (tools/grants.c)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libvxpu.h"

int cmd_run(int argc, char **argv);	/* run.c */
int cmd_checkpoint(int argc, char **argv);	/* ckpt.c */
int cmd_restore(int argc, char **argv);	/* ckpt.c */
int cmd_image(int argc, char **argv);	/* image.c */
int cmd_grants(int argc, char **argv);	/* grants.c */

static const char *prog = "vxpuctl";
static const char *who = "vxpuctl";

static int fail(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s failed: %s\n", prog, who, what, vxpu_strerror(err));
	return 1;
}

static int usage(FILE *f, int status)
{
	fprintf(f,
		"usage: %s devices\n"
		"       %s share-demo [--device N] [--size BYTES]\n"
		"       %s run [--size MiB] [--rounds N | --seconds S] [--devices D] [--queues Q]\n"
		"              [--seed X] [--placement vram|gtt] [--verify] [--quiet] [--stop-at R,...]\n"
		"       %s checkpoint PID DIR [--leave-running] [--shell-job] [-- CRIU-ARGS]\n"
		"       %s restore DIR [--gpu-map OLD=NEW,...] [--shell-job] [-- CRIU-ARGS]\n"
		"       %s image show|verify DIR\n"
		"       %s grants [--device N]\n"
		"       %s help\n", prog, prog, prog, prog, prog, prog, prog, prog);
	return status;
}

static void caps_str(uint64_t caps, char *buf, size_t n)
{
	static const struct { uint64_t bit; const char *name; } names[] = {
		{ VXPU_CAP_VRAM, "vram" }, { VXPU_CAP_GTT, "gtt" }, { VXPU_CAP_PRIME, "prime" },
		{ VXPU_CAP_VM_RW, "vm-rw" }, { VXPU_CAP_ACCEL_NODE, "accel" },
		{ VXPU_CAP_ENGINE, "engine" },
	};
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (caps & names[i].bit)
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? "," : "",
						names[i].name);
}

static int cmd_devices(void)
{
	struct vxpu_device_desc d[VXPU_MAX_DEVICES];
	int n = vxpu_discover(NULL, d, VXPU_MAX_DEVICES);

	if (n == -ENODEV) {
		fprintf(stderr, "%s: no vxpu device found (is vxpu.ko loaded? looked in "
			"/dev/accel/accel* and /dev/dri/renderD*)\n", prog);
		return 1;
	}
	if (n < 0)
		return fail("device discovery", n);
	printf("%-5s %-8s %-10s %-22s %10s %10s %7s  %s\n", "index", "name", "gpu_id", "node",
	       "vram MiB", "free MiB", "engines", "caps");
	for (int i = 0; i < n && i < VXPU_MAX_DEVICES; i++) {
		struct drm_vxpu_device_info *di = &d[i].info;
		char caps[96];

		caps_str(di->caps, caps, sizeof(caps));
		printf("%-5u %-8s 0x%08x %-22s %10.1f %10.1f %7u  %s\n", di->index, di->name,
		       di->gpu_id, d[i].node, (double)di->vram_size / (1 << 20),
		       (double)di->vram_free / (1 << 20), di->engine_count, caps);
	}
	return 0;
}

/* ---- share-demo ---- */

/* generation 0: written by the exporter's CPU; 1: by the importer's device view */
static uint8_t pattern(size_t i, int gen)
{
	return (uint8_t)((i * 31u + (i >> 8) * 7u) ^ (gen ? 0xc3 : 0x5a));
}

static long first_mismatch(const uint8_t *p, size_t n, int gen)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != pattern(i, gen))
			return (long)i;
	return -1;
}

/* print what a view shows; return 1 if it matches pattern @gen */
static int show(const char *view, const uint8_t *p, size_t n, int gen)
{
	long bad = first_mismatch(p, n, gen);

	printf("[%s] %-30s %02x %02x %02x %02x %02x %02x %02x %02x ...  %s\n", who, view, p[0],
	       p[1], p[2], p[3], p[4], p[5], p[6], p[7],
	       bad < 0 ? (gen ? "= pattern B" : "= pattern A") : "MISMATCH");
	if (bad >= 0)
		printf("[%s]   first difference at byte %ld: %#04x, expected %#04x\n", who, bad,
		       p[bad], pattern((size_t)bad, gen));
	fflush(stdout);
	return bad < 0;
}

/* The importing process: returns its exit status. */
static int importer(int sock, unsigned int device, uint64_t size)
{
	struct drm_vxpu_context_info ci;
	struct drm_vxpu_bo_info bi;
	uint32_t owner = 0, h, asid;
	uint64_t va = 0;
	uint8_t *cpu, *dev;
	int fd, dfd, e, ok = 1;

	who = "importer";
	fd = vxpu_open_index(device);
	if (fd < 0)
		return fail("opening the device", fd);
	dfd = vxpu_recv_fd(sock, &owner, sizeof(owner));
	if (dfd < 0)
		return fail("receiving the dma-buf fd", dfd);
	if ((e = vxpu_context_info(fd, &ci)))
		return fail("CONTEXT_INFO", e);
	if ((e = vxpu_bo_import(fd, dfd, &h)))
		return fail("importing the dma-buf", e);
	if ((e = vxpu_bo_info(fd, h, &bi)))
		return fail("BO_INFO of the import", e);
	printf("[%s] pid %d, context %u: imported the dma-buf as handle %u (%llu bytes, owned "
	       "by context %u)\n", who, getpid(), ci.ctx_id, h, (unsigned long long)bi.size,
	       bi.owner_ctx_id);
	if ((e = vxpu_asid_create(fd, 0, &asid)))
		return fail("creating an ASID", e);
	if ((e = vxpu_vm_map(fd, asid, h, 0, size, VXPU_MAP_READ | VXPU_MAP_WRITE, &va)))
		return fail("mapping the BO into the ASID", e);
	printf("[%s] mapped it into its ASID %u at device VA %#llx\n", who, asid,
	       (unsigned long long)va);
	dev = malloc(size);
	if (!dev)
		return fail("malloc", -ENOMEM);
	if ((e = vxpu_vm_read(fd, asid, va, dev, size)))
		return fail("VM_READ (device view)", e);
	ok &= show("device view (VM_READ):", dev, size, 0);
	if ((e = vxpu_bo_mmap(fd, bi.mmap_offset, size, PROT_READ, (void **)&cpu)))
		return fail("CPU mmap of the import", e);
	ok &= show("CPU mapping:", cpu, size, 0);
	for (size_t i = 0; i < size; i++)
		dev[i] = pattern(i, 1);
	if ((e = vxpu_vm_write(fd, asid, va, dev, size)))
		return fail("VM_WRITE (device view)", e);
	printf("[%s] wrote pattern B through the device view (VM_WRITE)\n", who);
	ok &= show("CPU mapping:", cpu, size, 1);
	munmap(cpu, size);
	free(dev);
	close(dfd);
	close(fd);
	return ok ? 0 : 3;
}

static int cmd_share_demo(int argc, char **argv)
{
	unsigned int device = 0;
	uint64_t size = 64 * 1024, off, va = 0;
	struct drm_vxpu_context_info ci;
	int sv[2], fd, dfd, e, st, ok = 1;
	uint32_t h, asid;
	uint8_t *cpu, *dev;
	pid_t pid;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--device") && i + 1 < argc)
			device = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--size") && i + 1 < argc)
			size = strtoull(argv[++i], NULL, 0);
		else
			return usage(stderr, 2);
	}
	if (size == 0 || size % VXPU_PAGE_SIZE) {
		fprintf(stderr, "%s: --size must be a non-zero multiple of %llu\n", prog,
			VXPU_PAGE_SIZE);
		return 2;
	}
	who = "exporter";
	fd = vxpu_open_index(device);
	if (fd < 0)
		return fail("opening the device", fd);
	if ((e = vxpu_context_info(fd, &ci)))
		return fail("CONTEXT_INFO", e);
	if ((e = vxpu_bo_create(fd, size, VXPU_BO_VRAM, &h, &off)))
		return fail("creating a VRAM BO", e);
	if ((e = vxpu_bo_mmap(fd, off, size, PROT_READ | PROT_WRITE, (void **)&cpu)))
		return fail("CPU mmap of the BO", e);
	for (size_t i = 0; i < size; i++)
		cpu[i] = pattern(i, 0);
	printf("[%s] pid %d, context %u: created VRAM BO %u (%llu bytes) on device %u, wrote "
	       "pattern A through the CPU mapping\n", who, getpid(), ci.ctx_id, h,
	       (unsigned long long)size, device);
	if ((e = vxpu_asid_create(fd, 0, &asid)))
		return fail("creating an ASID", e);
	if ((e = vxpu_vm_map(fd, asid, h, 0, size, VXPU_MAP_READ, &va)))
		return fail("mapping the BO into the ASID", e);
	dev = malloc(size);
	if (!dev)
		return fail("malloc", -ENOMEM);
	if ((e = vxpu_vm_read(fd, asid, va, dev, size)))
		return fail("VM_READ (device view)", e);
	ok &= show("CPU mapping:", cpu, size, 0);
	ok &= show("device view (VM_READ):", dev, size, 0);
	dfd = vxpu_bo_export(fd, h, DRM_CLOEXEC | DRM_RDWR);
	if (dfd < 0)
		return fail("exporting the BO as a dma-buf", dfd);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return fail("socketpair", -errno);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail("fork", -errno);
	if (pid == 0) {
		close(sv[0]);
		close(fd);
		close(dfd);
		_exit(importer(sv[1], device, size));
	}
	close(sv[1]);
	if ((e = vxpu_send_fd(sv[0], dfd, &ci.ctx_id, sizeof(ci.ctx_id))))
		return fail("sending the dma-buf fd (SCM_RIGHTS)", e);
	printf("[%s] sent dma-buf fd %d to pid %d over SCM_RIGHTS\n", who, dfd, pid);
	fflush(stdout);
	if (waitpid(pid, &st, 0) != pid)
		return fail("waitpid", -errno);
	printf("[%s] after the importer wrote pattern B:\n", who);
	ok &= show("CPU mapping:", cpu, size, 1);
	if ((e = vxpu_vm_read(fd, asid, va, dev, size)))
		return fail("VM_READ (device view)", e);
	ok &= show("device view (VM_READ):", dev, size, 1);
	close(sv[0]);
	close(dfd);
	munmap(cpu, size);
	free(dev);
	close(fd);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		printf("share-demo: FAILED: the importer %s %d\n",
		       WIFEXITED(st) ? "exited with" : "was killed by signal",
		       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		return 1;
	}
	if (!ok) {
		printf("share-demo: FAILED: the exporter saw different bytes\n");
		return 1;
	}
	printf("share-demo: OK: both processes saw the same bytes through their CPU mappings "
	       "and their device views, in both directions\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr, 2);
	if (!strcmp(argv[1], "devices") && argc == 2)
		return cmd_devices();
	if (!strcmp(argv[1], "share-demo"))
		return cmd_share_demo(argc - 2, argv + 2);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(argv[1], "checkpoint"))
		return cmd_checkpoint(argc - 2, argv + 2);
	if (!strcmp(argv[1], "restore"))
		return cmd_restore(argc - 2, argv + 2);
	if (!strcmp(argv[1], "image"))
		return cmd_image(argc - 2, argv + 2);
	if (!strcmp(argv[1], "grants"))
		return cmd_grants(argc - 2, argv + 2);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage(stdout, 0);
	return usage(stderr, 2);
}
