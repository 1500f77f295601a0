// SPDX-License-Identifier: MIT
/* Isolation between contexts; sharing by fd passing, fork and dma-buf. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xf86drm.h>

#include "dt.h"

static const uint32_t placements[] = { VXPU_BO_VRAM, VXPU_BO_GTT };
#define RW (VXPU_MAP_READ | VXPU_MAP_WRITE)

/* ------------------------------------------------------------- isolation */

START_TEST(isolation_handles_and_asids)
{
	int a = dt_open(0), b = dt_open(0);
	uint64_t off;
	uint32_t ha = dt_bo(a, 2 * VT_PAGE, VXPU_BO_GTT, &off), ha2 = dt_bo(a, VT_PAGE, VXPU_BO_VRAM, NULL);
	uint32_t aa = dt_asid(a), aa2 = dt_asid(a);
	uint64_t va = dt_map(a, aa, ha, 0, 2 * VT_PAGE, RW), vb;
	struct drm_vxpu_bo_info bi;
	uint8_t byte;
	uint32_t hb, ab, foreign_asid;
	void *p = NULL;

	/* B has no objects yet, so any number A uses names nothing in B */
	VT_ERR(vxpu_bo_info(b, ha, &bi), ENOENT);
	VT_ERR(vxpu_bo_info(b, ha2, &bi), ENOENT);
	VT_ERR(vxpu_bo_destroy(b, ha), EINVAL);
	VT_ERR(vxpu_bo_export(b, ha, DRM_CLOEXEC), ENOENT);
	VT_ERR(vxpu_asid_destroy(b, aa), ENOENT);
	VT_ERR(vxpu_vm_read(b, aa, va, &byte, 1), ENOENT);
	VT_ERR(vxpu_vm_write(b, aa, va, &byte, 1), ENOENT);
	VT_ERR(vxpu_vm_unmap(b, aa, va, 2 * VT_PAGE), ENOENT);
	/* the offset names A's BO, which B has no handle of (DRM core: -EACCES) */
	VT_ERR(vxpu_bo_mmap(b, off, 2 * VT_PAGE, PROT_READ, &p), EACCES);

	ab = dt_asid(b);
	VT_ERR(vxpu_vm_map(b, ab, ha, 0, VT_PAGE, RW, &vb), ENOENT);	/* A's handle */
	hb = dt_bo(b, VT_PAGE, VXPU_BO_GTT, NULL);
	foreign_asid = aa != ab ? aa : aa2;				/* an ASID B lacks */
	VT_ERR(vxpu_vm_map(b, foreign_asid, hb, 0, VT_PAGE, RW, &vb), ENOENT);

	/* and A is untouched */
	VT_OK(vxpu_bo_info(a, ha, &bi));
	VT_OK(vxpu_vm_read(a, aa, va, &byte, 1));
	ck_assert_uint_eq(dt_ctxinfo(a).bo_count, 2);
	ck_assert_uint_eq(dt_ctxinfo(a).asid_count, 2);
	ck_assert_uint_eq(dt_ctxinfo(b).bo_count, 1);
	ck_assert_uint_eq(dt_ctxinfo(b).asid_count, 1);
	close(a);
	/* closing A leaves B working */
	VT_OK(vxpu_bo_info(b, hb, &bi));
	close(b);
}
END_TEST

START_TEST(isolation_other_device)
{
	int a = dt_open(0), b = dt_open(1);
	uint32_t ha = dt_bo(a, VT_PAGE, VXPU_BO_GTT, NULL);
	struct drm_vxpu_bo_info bi;

	VT_ERR(vxpu_bo_info(b, ha, &bi), ENOENT);
	close(a);
	close(b);
}
END_TEST

START_TEST(scm_rights_shares_context)
{
	int sv[2];
	pid_t pid;
	int fd;
	uint32_t h, ctx;
	const uint64_t sz = 2 * VT_PAGE;
	uint8_t *cpu;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid = fork();	/* before the open: the child gets the fd only through SCM_RIGHTS */
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct { uint32_t ctx, h; } msg;
		struct drm_vxpu_context_info ci;
		struct drm_vxpu_bo_info bi;
		uint32_t a;
		uint8_t *p;
		int cfd;

		close(sv[0]);
		cfd = vxpu_recv_fd(sv[1], &msg, sizeof(msg));
		CHILD_CHECK(cfd >= 0, "recv_fd: %d", cfd);
		CHILD_CHECK(vxpu_context_info(cfd, &ci) == 0, "context_info");
		CHILD_CHECK(ci.ctx_id == msg.ctx, "ctx_id %u, sender's %u", ci.ctx_id, msg.ctx);
		CHILD_CHECK(ci.bo_count == 1, "bo_count %u", ci.bo_count);
		CHILD_CHECK(vxpu_bo_info(cfd, msg.h, &bi) == 0, "bo_info of the sender's handle");
		CHILD_CHECK(bi.size == sz, "size");
		CHILD_CHECK(vxpu_bo_mmap(cfd, bi.mmap_offset, sz, PROT_READ | PROT_WRITE,
					 (void **)&p) == 0, "mmap");
		CHILD_CHECK(vt_check_pattern(p, sz, 71) < 0, "pattern written by the sender");
		vt_fill_pattern(p, sz, 72);
		CHILD_CHECK(vxpu_asid_create(cfd, 0, &a) == 0, "asid_create");
		CHILD_CHECK(write(sv[1], &a, sizeof(a)) == sizeof(a), "write");
		_exit(0);
	}
	close(sv[1]);
	fd = dt_open(0);
	ctx = dt_ctxinfo(fd).ctx_id;
	h = dt_bo(fd, sz, VXPU_BO_GTT, NULL);
	cpu = dt_mmap(fd, h, sz);
	vt_fill_pattern(cpu, sz, 71);
	{
		struct { uint32_t ctx, h; } msg = { ctx, h };
		uint32_t child_asid = 0;
		uint8_t byte;
		uint64_t va;

		VT_OK(vxpu_send_fd(sv[0], fd, &msg, sizeof(msg)));
		ck_assert_int_eq(read(sv[0], &child_asid, sizeof(child_asid)), sizeof(child_asid));
		dt_wait_ok(pid, "SCM_RIGHTS receiver");
		ck_assert_int_eq(vt_check_pattern(cpu, sz, 72), -1);	/* the child's write */
		ck_assert_uint_eq(dt_ctxinfo(fd).asid_count, 1);	/* the child's ASID */
		va = dt_map(fd, child_asid, h, 0, sz, RW);
		VT_OK(vxpu_vm_read(fd, child_asid, va, &byte, 1));
	}
	munmap(cpu, sz);
	close(fd);
	close(sv[0]);
}
END_TEST

START_TEST(fork_shares_context)
{
	int fd = dt_open(0), pfd[2];
	uint32_t ctx = dt_ctxinfo(fd).ctx_id, h = dt_bo(fd, VT_PAGE, VXPU_BO_VRAM, NULL), h2 = 0;
	pid_t pid;
	uint8_t *p;

	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct drm_vxpu_context_info ci;
		struct drm_vxpu_bo_info bi;
		uint32_t n;
		uint8_t *q;

		CHILD_CHECK(vxpu_context_info(fd, &ci) == 0, "context_info");
		CHILD_CHECK(ci.ctx_id == ctx, "ctx %u vs parent's %u", ci.ctx_id, ctx);
		CHILD_CHECK(vxpu_bo_info(fd, h, &bi) == 0, "parent's BO");
		CHILD_CHECK(vxpu_bo_create(fd, VT_PAGE, VXPU_BO_GTT, &n, NULL) == 0, "create");
		CHILD_CHECK(vxpu_bo_info(fd, n, &bi) == 0, "info");
		CHILD_CHECK(vxpu_bo_mmap(fd, bi.mmap_offset, VT_PAGE, PROT_READ | PROT_WRITE,
					 (void **)&q) == 0, "mmap");
		vt_fill_pattern(q, VT_PAGE, 81);
		CHILD_CHECK(write(pfd[1], &n, sizeof(n)) == sizeof(n), "write");
		_exit(0);
	}
	close(pfd[1]);
	ck_assert_int_eq(read(pfd[0], &h2, sizeof(h2)), sizeof(h2));
	dt_wait_ok(pid, "forked child");
	ck_assert_uint_eq(dt_ctxinfo(fd).bo_count, 2);
	p = dt_mmap(fd, h2, VT_PAGE);
	ck_assert_int_eq(vt_check_pattern(p, VT_PAGE, 81), -1);
	munmap(p, VT_PAGE);
	close(pfd[0]);
	close(fd);
}
END_TEST

TCase *dt_tcase_isolation(void)
{
	TCase *tc = tcase_create("isolation");

	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_test(tc, isolation_handles_and_asids);
	tcase_add_test(tc, isolation_other_device);
	tcase_add_test(tc, scm_rights_shares_context);
	tcase_add_test(tc, fork_shares_context);
	return tc;
}

/* --------------------------------------------------------------- dma-buf */

static int dmabuf_sync(int dfd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(dfd, DMA_BUF_IOCTL_SYNC, &s) ? -errno : 0;
}

START_TEST(prime_export_import_same_process)
{
	uint32_t pl = placements[_i];
	int a = dt_open(0), b = dt_open(0);
	uint32_t ctx_a = dt_ctxinfo(a).ctx_id;
	const uint64_t sz = 4 * VT_PAGE;
	uint32_t h = dt_bo(a, sz, pl, NULL), hb, hb2, ha_again;
	int dfd = vxpu_bo_export(a, h, DRM_CLOEXEC | DRM_RDWR);
	struct drm_vxpu_bo_info bi;
	uint8_t *pa, *pb;

	ck_assert_msg(dfd >= 0, "export: %d (%s)", dfd, vxpu_strerror(dfd));
	VT_OK(vxpu_bo_import(b, dfd, &hb));
	VT_OK(vxpu_bo_import(b, dfd, &hb2));
	ck_assert_uint_eq(hb, hb2);			/* same buffer, same handle */
	VT_OK(vxpu_bo_import(a, dfd, &ha_again));
	ck_assert_uint_eq(ha_again, h);			/* back home: the original handle */
	VT_OK(vxpu_bo_info(b, hb, &bi));
	ck_assert_uint_eq(bi.size, sz);
	ck_assert_uint_eq(bi.placement, pl);
	ck_assert_uint_eq(bi.owner_ctx_id, ctx_a);	/* still charged to the exporter */
	ck_assert_uint_eq(dt_ctxinfo(b).quota_used, 0);
	pa = dt_mmap(a, h, sz);
	pb = dt_mmap(b, hb, sz);
	vt_fill_pattern(pa, sz, 91);
	ck_assert_int_eq(vt_check_pattern(pb, sz, 91), -1);
	close(dfd);
	VT_OK(vxpu_bo_destroy(a, h));			/* B's import keeps it alive */
	ck_assert_int_eq(vt_check_pattern(pb, sz, 91), -1);
	munmap(pa, sz);
	munmap(pb, sz);
	close(a);
	close(b);
}
END_TEST

/* vgem's primary node (tests/run-guest-suite loads vgem), or -1 */
static int open_vgem(void)
{
	for (int i = 0; i < 64; i++) {
		char path[32];
		drmVersionPtr v;
		int fd, vgem;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		vgem = v && !strcmp(v->name, "vgem");
		drmFreeVersion(v);
		if (vgem)
			return fd;
		close(fd);
	}
	return -1;
}

/*
 * Is @opt "=y" in the running kernel's config (/boot/config-RELEASE, which
 * the guest sees from the host)? Fails the test if the file is unreadable.
 */
static int kernel_config_y(const char *opt)
{
	struct utsname u;
	char path[sizeof(u.release) + 16], *line = NULL;
	size_t cap = 0, len = strlen(opt);
	int found = 0;
	FILE *f;

	ck_assert_int_eq(uname(&u), 0);
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	f = fopen(path, "re");
	ck_assert_msg(f, "%s: %m", path);
	while (!found && getline(&line, &cap, f) > 0)
		found = !strncmp(line, opt, len) && !strcmp(line + len, "=y\n");
	free(line);
	fclose(f);
	return found;
}

START_TEST(prime_errors)
{
	int fd = dt_open(0);
	uint32_t h = dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL), x;
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

	VT_ERR(vxpu_bo_export(fd, h + 1000, DRM_CLOEXEC), ENOENT);
	VT_ERR(vxpu_bo_export(fd, 0, DRM_CLOEXEC), ENOENT);
	VT_ERR(vxpu_bo_export(fd, h, 0x1000), EINVAL);		/* not CLOEXEC/RDWR */
	VT_ERR(vxpu_bo_import(fd, nul, &x), EINVAL);		/* not a dma-buf */
	VT_ERR(vxpu_bo_import(fd, 1000, &x), EBADF);		/* not open */
	close(nul);

	/* a dma-buf of the other vxpu device: -EOPNOTSUPP, nothing imported */
	for (unsigned int i = 0; i < 2; i++) {
		int other = dt_open(1);
		uint32_t ho = dt_bo(fd, VT_PAGE, placements[i], NULL);
		int dfd = vxpu_bo_export(fd, ho, DRM_CLOEXEC);

		ck_assert_int_ge(dfd, 0);
		VT_ERR(vxpu_bo_import(other, dfd, &x), EOPNOTSUPP);
		ck_assert_uint_eq(dt_ctxinfo(other).bo_count, 0);
		VT_OK(vxpu_bo_import(fd, dfd, &x));		/* its own device takes it */
		ck_assert_uint_eq(x, ho);
		close(dfd);
		close(other);
	}

	/* a dma-buf of another DRM driver (vgem): -EOPNOTSUPP */
	{
		struct drm_mode_create_dumb cd = { .width = 64, .height = 64, .bpp = 32 };
		int vg = open_vgem(), dfd = -1;

		ck_assert_msg(vg >= 0, "no vgem node in /dev/dri (modprobe vgem)");
		ck_assert_msg(!drmIoctl(vg, DRM_IOCTL_MODE_CREATE_DUMB, &cd),
			      "vgem CREATE_DUMB: %m");
		ck_assert_msg(!drmPrimeHandleToFD(vg, cd.handle, DRM_CLOEXEC | DRM_RDWR, &dfd),
			      "vgem PRIME_HANDLE_TO_FD: %m");
		VT_ERR(vxpu_bo_import(fd, dfd, &x), EOPNOTSUPP);
		close(dfd);
		close(vg);
	}

	/*
	 * A dma-buf no DRM driver made: one of the system dma-buf heap, on
	 * the kernels that have it (Debian's 6.12; not its 6.1).
	 */
	if (kernel_config_y("CONFIG_DMABUF_HEAPS_SYSTEM")) {
		struct dma_heap_allocation_data ad = {
			.len = VT_PAGE, .fd_flags = O_RDWR | O_CLOEXEC,
		};
		int heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);

		ck_assert_msg(heap >= 0, "/dev/dma_heap/system: %m");
		ck_assert_msg(ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &ad) == 0, "DMA_HEAP_IOCTL_ALLOC: %m");
		VT_ERR(vxpu_bo_import(fd, (int)ad.fd, &x), EOPNOTSUPP);
		close((int)ad.fd);
		close(heap);
	} else {
		printf("prime_errors: no CONFIG_DMABUF_HEAPS_SYSTEM in this kernel: "
		       "import of a non-DRM dma-buf not tested\n");
	}
	ck_assert_uint_eq(dt_ctxinfo(fd).bo_count, 3);
	close(fd);
}
END_TEST

START_TEST(prime_lifetime_vram)
{
	int fd = dt_open(0), other = dt_open(0);
	uint64_t free0 = dt_devinfo(other).vram_free;
	uint32_t h = dt_bo(fd, 8 * VT_PAGE, VXPU_BO_VRAM, NULL);
	int dfd = vxpu_bo_export(fd, h, DRM_CLOEXEC);

	ck_assert_int_ge(dfd, 0);
	close(fd);					/* the dma-buf keeps the BO */
	ck_assert_uint_eq(dt_devinfo(other).vram_free, free0 - 8 * VT_PAGE);
	close(dfd);					/* last reference */
	ck_assert_uint_eq(dt_devinfo(other).vram_free, free0);
	close(other);
}
END_TEST

START_TEST(prime_import_outlives_exporter)
{
	uint32_t pl = placements[_i];
	int a = dt_open(0), b = dt_open(0), other = dt_open(0);
	const uint64_t sz = 8 * VT_PAGE;
	uint64_t free0 = dt_devinfo(other).vram_free, va;
	uint64_t held = pl == VXPU_BO_VRAM ? sz : 0;
	uint32_t h = dt_bo(a, sz, pl, NULL), hb, asid;
	uint8_t *pa = dt_mmap(a, h, sz), *pb, *dev = malloc(sz);
	int dfd = vxpu_bo_export(a, h, DRM_CLOEXEC);

	ck_assert_ptr_nonnull(dev);
	ck_assert_int_ge(dfd, 0);
	vt_fill_pattern(pa, sz, 95);
	munmap(pa, sz);
	VT_OK(vxpu_bo_import(b, dfd, &hb));
	asid = dt_asid(b);
	va = dt_map(b, asid, hb, 0, sz, RW);
	close(dfd);
	close(a);				/* the exporter is gone entirely */
	ck_assert_uint_eq(dt_devinfo(other).vram_free, free0 - held);
	VT_OK(vxpu_vm_read(b, asid, va, dev, sz));
	ck_assert_int_eq(vt_check_pattern(dev, sz, 95), -1);
	pb = dt_mmap(b, hb, sz);
	ck_assert_int_eq(vt_check_pattern(pb, sz, 95), -1);
	vt_fill_pattern(dev, sz, 96);
	VT_OK(vxpu_vm_write(b, asid, va, dev, sz));
	ck_assert_int_eq(vt_check_pattern(pb, sz, 96), -1);
	munmap(pb, sz);
	VT_OK(vxpu_bo_destroy(b, hb));		/* the mapping still holds it */
	ck_assert_uint_eq(dt_devinfo(other).vram_free, free0 - held);
	VT_OK(vxpu_asid_destroy(b, asid));	/* last reference */
	ck_assert_uint_eq(dt_devinfo(other).vram_free, free0);
	free(dev);
	close(b);
	close(other);
}
END_TEST

/*
 * Process P creates a BO, writes a pattern through its CPU mapping and
 * passes a dma-buf to process Q (its own context). Each side checks the
 * other's bytes through its CPU mapping of the BO, the dma-buf mmap and
 * the device view (VM_READ in its own ASID); then Q writes through the
 * device view and P checks all three views again.
 */
static void check_views(const char *who, int fd, uint32_t asid, uint64_t va, uint8_t *cpu,
			int dfd, uint64_t sz, uint32_t seed, int in_child)
{
	uint8_t *dev = malloc(sz), *dm;
	long b1, b2, b3;

	if (in_child)
		CHILD_CHECK(dev, "malloc");
	else
		ck_assert_ptr_nonnull(dev);
	dm = mmap(NULL, sz, PROT_READ, MAP_SHARED, dfd, 0);
	if (in_child)
		CHILD_CHECK(dm != MAP_FAILED, "%s: dma-buf mmap: %m", who);
	else
		ck_assert_msg(dm != MAP_FAILED, "%s: dma-buf mmap: %m", who);
	dmabuf_sync(dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	b1 = vt_check_pattern(cpu, sz, seed);
	b2 = vt_check_pattern(dm, sz, seed);
	dmabuf_sync(dfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	memset(dev, 0, sz);
	if (in_child)
		CHILD_CHECK(vxpu_vm_read(fd, asid, va, dev, sz) == 0, "%s: vm_read", who);
	else
		VT_OK(vxpu_vm_read(fd, asid, va, dev, sz));
	b3 = vt_check_pattern(dev, sz, seed);
	printf("%s: pattern %u: cpu %s, dma-buf mmap %s, device view %s\n", who, seed,
	       b1 < 0 ? "ok" : "BAD", b2 < 0 ? "ok" : "BAD", b3 < 0 ? "ok" : "BAD");
	if (in_child)
		CHILD_CHECK(b1 < 0 && b2 < 0 && b3 < 0, "%s: first bad byte cpu %ld dmabuf %ld dev %ld",
			    who, b1, b2, b3);
	else
		ck_assert_msg(b1 < 0 && b2 < 0 && b3 < 0,
			      "%s: first bad byte cpu %ld dmabuf %ld dev %ld", who, b1, b2, b3);
	munmap(dm, sz);
	free(dev);
}

START_TEST(prime_between_processes)
{
	uint32_t pl = placements[_i];
	const uint64_t sz = 16 * VT_PAGE;
	int sv[2], fd, dfd;
	uint32_t h, a, ctx;
	uint64_t va;
	uint8_t *cpu, done;
	pid_t pid;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int cfd = vxpu_open_index(0), cdfd;
		uint32_t ch, ca, owner = 0;
		struct drm_vxpu_bo_info bi;
		struct drm_vxpu_context_info ci;
		uint64_t cva = 0;
		uint8_t *ccpu, *wbuf;

		close(sv[0]);
		CHILD_CHECK(cfd >= 0, "open: %d", cfd);
		cdfd = vxpu_recv_fd(sv[1], &owner, sizeof(owner));
		CHILD_CHECK(cdfd >= 0, "recv dma-buf: %d", cdfd);
		CHILD_CHECK(vxpu_bo_import(cfd, cdfd, &ch) == 0, "import");
		CHILD_CHECK(vxpu_bo_info(cfd, ch, &bi) == 0, "bo_info");
		CHILD_CHECK(bi.size == sz && bi.owner_ctx_id == owner && bi.placement == pl,
			    "size %llu owner %u (want %u) placement %u",
			    (unsigned long long)bi.size, bi.owner_ctx_id, owner, bi.placement);
		CHILD_CHECK(vxpu_context_info(cfd, &ci) == 0 && ci.ctx_id != owner,
			    "importer has its own context");
		CHILD_CHECK(vxpu_bo_mmap(cfd, bi.mmap_offset, sz, PROT_READ | PROT_WRITE,
					 (void **)&ccpu) == 0, "mmap import");
		CHILD_CHECK(vxpu_asid_create(cfd, 0, &ca) == 0, "asid");
		CHILD_CHECK(vxpu_vm_map(cfd, ca, ch, 0, sz, RW, &cva) == 0, "vm_map import");
		check_views("importer", cfd, ca, cva, ccpu, cdfd, sz, 101, 1);
		wbuf = malloc(sz);
		CHILD_CHECK(wbuf, "malloc");
		vt_fill_pattern(wbuf, sz, 102);
		CHILD_CHECK(vxpu_vm_write(cfd, ca, cva, wbuf, sz) == 0, "vm_write");
		check_views("importer", cfd, ca, cva, ccpu, cdfd, sz, 102, 1);
		CHILD_CHECK(write(sv[1], "x", 1) == 1, "write");
		/* wait until the exporter checked, so both views are live at the same time */
		CHILD_CHECK(read(sv[1], &done, 1) == 1, "read");
		_exit(0);
	}
	close(sv[1]);
	fd = dt_open(0);
	ctx = dt_ctxinfo(fd).ctx_id;
	h = dt_bo(fd, sz, pl, NULL);
	a = dt_asid(fd);
	va = dt_map(fd, a, h, 0, sz, RW);
	cpu = dt_mmap(fd, h, sz);
	vt_fill_pattern(cpu, sz, 101);
	dfd = vxpu_bo_export(fd, h, DRM_CLOEXEC | DRM_RDWR);
	ck_assert_msg(dfd >= 0, "export: %d (%s)", dfd, vxpu_strerror(dfd));
	check_views("exporter", fd, a, va, cpu, dfd, sz, 101, 0);
	VT_OK(vxpu_send_fd(sv[0], dfd, &ctx, sizeof(ctx)));
	ck_assert_int_eq(read(sv[0], &done, 1), 1);
	check_views("exporter", fd, a, va, cpu, dfd, sz, 102, 0);
	ck_assert_int_eq(write(sv[0], "y", 1), 1);
	dt_wait_ok(pid, "importing process");
	munmap(cpu, sz);
	close(dfd);
	close(sv[0]);
	close(fd);
}
END_TEST

TCase *dt_tcase_sharing(void)
{
	TCase *tc = tcase_create("sharing");

	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_loop_test(tc, prime_export_import_same_process, 0, 2);
	tcase_add_test(tc, prime_errors);
	tcase_add_test(tc, prime_lifetime_vram);
	tcase_add_loop_test(tc, prime_import_outlives_exporter, 0, 2);
	tcase_add_loop_test(tc, prime_between_processes, 0, 2);
	return tc;
}
