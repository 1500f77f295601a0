// SPDX-License-Identifier: MIT
/*
 * Grants (issue 5): revocable cross-context memory. Every rule and errno,
 * revoke under CPU and device load (never stale data after it returns),
 * fault records and the supply/zero/fail answers, cycles without leaks,
 * a backend killed with live grants.
 *
 * The backend and the frontend are two contexts (two opens of device 0);
 * most cases keep both in this process, the kill case forks the backend.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "et.h"
#include "gt.h"

#define GR VXPU_GRANT_READ
#define GRW (VXPU_GRANT_READ | VXPU_GRANT_WRITE)

/* ------------------------------------------------------------ helpers */

struct gt_pair {
	int be, fe;		/* backend and frontend fds */
	uint32_t be_id, fe_id;	/* their context ids */
};

static void gt_pair(struct gt_pair *p)
{
	p->be = dt_open(0);
	p->fe = dt_open(0);
	et_require_engine(p->be);
	p->be_id = dt_ctxinfo(p->be).ctx_id;
	p->fe_id = dt_ctxinfo(p->fe).ctx_id;
	{
		struct drm_vxpu_device_info di = dt_devinfo(p->be);

		ck_assert_msg(di.caps & VXPU_CAP_GRANT, "no VXPU_CAP_GRANT");
	}
}

static void gt_close(struct gt_pair *p)
{
	close(p->fe);
	close(p->be);
}

static uint64_t gt_grant(struct gt_pair *p, uint32_t h, uint64_t off, uint64_t size, uint32_t acc)
{
	uint64_t id = 0;
	int r = vxpu_grant_create(p->be, h, off, size, p->fe_id, acc, &id);

	ck_assert_msg(r == 0, "grant_create: %s", vxpu_strerror(r));
	ck_assert_msg(id != 0, "grant id 0");
	return id;
}

static struct drm_vxpu_grant_map gt_map(int fd, uint64_t id, uint32_t acc)
{
	struct drm_vxpu_grant_map m;
	int r = vxpu_grant_map(fd, id, acc, &m);

	ck_assert_msg(r == 0, "grant_map: %s", vxpu_strerror(r));
	return m;
}

static struct drm_vxpu_grant_info gt_info(int fd, uint64_t id)
{
	struct drm_vxpu_grant_info gi;

	VT_OK(vxpu_grant_info(fd, id, &gi));
	return gi;
}

static void *gt_mmap(int fd, uint64_t off, uint64_t size, int prot)
{
	void *p = NULL;

	VT_OK(vxpu_bo_mmap(fd, off, size, prot, &p));
	return p;
}

/* read every pending record (waits up to @ms for the first) */
static int gt_records(int fd, struct drm_vxpu_grant_fault *r, unsigned int max, int ms)
{
	int n = 0, got;

	if (vxpu_fault_wait(fd, ms) != 1)
		return 0;
	while ((unsigned int)n < max) {
		got = vxpu_fault_read(fd, r + n, max - n > VXPU_FAULT_READ_MAX ?
				      VXPU_FAULT_READ_MAX : max - n, NULL);
		ck_assert_msg(got >= 0, "fault_read: %s", vxpu_strerror(got));
		if (!got)
			break;
		n += got;
	}
	return n;
}

/* SIGBUS catching, per thread */
static __thread sigjmp_buf *gt_jmp;
static atomic_ulong gt_sigbus;

static void gt_on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	atomic_fetch_add(&gt_sigbus, 1);
	if (gt_jmp)
		siglongjmp(*gt_jmp, 1);
	_exit(99);
}

static void gt_catch_sigbus(void)
{
	struct sigaction sa = { .sa_sigaction = gt_on_sigbus, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGBUS, &sa, NULL), 0);
}

/* 1 if reading *p raised SIGBUS, else 0 with the byte in *out */
static int gt_probe_read(volatile uint8_t *p, uint8_t *out)
{
	sigjmp_buf jb;

	gt_jmp = &jb;
	if (sigsetjmp(jb, 1)) {
		gt_jmp = NULL;
		return 1;
	}
	*out = *p;
	gt_jmp = NULL;
	return 0;
}

static int gt_probe_write(volatile uint8_t *p, uint8_t v)
{
	sigjmp_buf jb;

	gt_jmp = &jb;
	if (sigsetjmp(jb, 1)) {
		gt_jmp = NULL;
		return 1;
	}
	*p = v;
	gt_jmp = NULL;
	return 0;
}

/* ------------------------------------------------------------ rules */

START_TEST(rules_create)
{
	struct gt_pair p;
	uint32_t h, other;
	uint64_t id, id2;
	struct drm_vxpu_grant_create gc;

	gt_pair(&p);
	h = dt_bo(p.be, 4 * VT_PAGE, VXPU_BO_GTT, NULL);
	/* validation */
	VT_ERR(vxpu_grant_create(p.be, h, 0, 4 * VT_PAGE, p.fe_id, 0, &id), EINVAL);
	VT_ERR(vxpu_grant_create(p.be, h, 0, 4 * VT_PAGE, p.fe_id, VXPU_GRANT_WRITE, &id), EINVAL);
	VT_ERR(vxpu_grant_create(p.be, h, 0, 4 * VT_PAGE, p.fe_id, GRW | 4, &id), EINVAL);
	VT_ERR(vxpu_grant_create(p.be, h, 0, 0, p.fe_id, GR, &id), EINVAL);
	VT_ERR(vxpu_grant_create(p.be, h, 0, 100, p.fe_id, GR, &id), EINVAL);
	VT_ERR(vxpu_grant_create(p.be, h, 1, VT_PAGE, p.fe_id, GR, &id), EINVAL);
	VT_ERR(vxpu_grant_create(p.be, h, VT_PAGE, 4 * VT_PAGE, p.fe_id, GR, &id), EINVAL);
	VT_ERR(vxpu_grant_create(p.be, h, -VT_PAGE, 2 * VT_PAGE, p.fe_id, GR, &id), EINVAL);
	VT_ERR(vxpu_grant_create(p.be, h, 0, VT_PAGE, 0, GR, &id), EINVAL);
	VT_ERR(vxpu_grant_create(p.be, h, 0, VT_PAGE, p.be_id, GR, &id), EINVAL);
	VT_ERR(vxpu_grant_create(p.be, h + 100, 0, VT_PAGE, p.fe_id, GR, &id), ENOENT);
	VT_ERR(vxpu_grant_create(p.be, h, 0, VT_PAGE, 0x7ffffff0, GR, &id), ESRCH);
	memset(&gc, 0, sizeof(gc));
	gc.handle = h;
	gc.access = GR;
	gc.size = VT_PAGE;
	gc.frontend_ctx_id = p.fe_id;
	gc.pad = 1;
	VT_ERR(vxpu_ioctl(p.be, DRM_IOCTL_VXPU_GRANT_CREATE, &gc), EINVAL);
	/* an imported BO is not the caller's to lend */
	{
		int dfd = vxpu_bo_export(p.fe, dt_bo(p.fe, VT_PAGE, VXPU_BO_GTT, NULL), DRM_CLOEXEC);

		ck_assert_int_ge(dfd, 0);
		VT_OK(vxpu_bo_import(p.be, dfd, &other));
		close(dfd);
		VT_ERR(vxpu_grant_create(p.be, other, 0, VT_PAGE, p.fe_id, GR, &id), EPERM);
	}
	/* a closed frontend is no frontend */
	{
		int tmp = dt_open(0);
		uint32_t tid = dt_ctxinfo(tmp).ctx_id;

		close(tmp);
		VT_ERR(vxpu_grant_create(p.be, h, 0, VT_PAGE, tid, GR, &id), ESRCH);
	}
	/* ids are unique and never reused after revoke */
	id = gt_grant(&p, h, 0, VT_PAGE, GR);
	VT_OK(vxpu_grant_revoke(p.be, id));
	VT_ERR(vxpu_grant_revoke(p.be, id), ENOENT);	/* fully released already */
	id2 = gt_grant(&p, h, 0, VT_PAGE, GR);
	ck_assert_msg(id2 != id, "grant id %#llx reused", (unsigned long long)id);
	VT_ERR(vxpu_grant_info(p.be, id, &(struct drm_vxpu_grant_info){ 0 }), ENOENT);
	VT_ERR(vxpu_grant_map(p.fe, id, GR, &(struct drm_vxpu_grant_map){ 0 }), ENOENT);
	/* the low 32 bits alone do not name the new grant */
	VT_ERR(vxpu_grant_revoke(p.be, id2 & 0xffffffffULL), ENOENT);
	VT_ERR(vxpu_grant_revoke(p.be, 0), ENOENT);
	/* a BO being destroyed: its owner closed its handle, a dma-buf keeps it */
	{
		uint32_t h2 = dt_bo(p.be, VT_PAGE, VXPU_BO_VRAM, NULL), h3;
		int dfd = vxpu_bo_export(p.be, h2, DRM_CLOEXEC);

		ck_assert_int_ge(dfd, 0);
		VT_OK(vxpu_bo_destroy(p.be, h2));
		VT_OK(vxpu_bo_import(p.be, dfd, &h3));
		close(dfd);
		VT_ERR(vxpu_grant_create(p.be, h3, 0, VT_PAGE, p.fe_id, GR, &id), EIDRM);
	}
	VT_OK(vxpu_grant_revoke(p.be, id2));
	gt_close(&p);
}
END_TEST

START_TEST(rules_map)
{
	struct gt_pair p;
	struct drm_vxpu_grant_map m, m2;
	struct drm_vxpu_grant_info gi;
	struct drm_vxpu_bo_info bi;
	uint64_t ro, rw, va;
	uint32_t h, asid, fasid;
	int third = dt_open(0);
	void *ptr = NULL;

	gt_pair(&p);
	h = dt_bo(p.be, 8 * VT_PAGE, VXPU_BO_GTT, NULL);
	ro = gt_grant(&p, h, 0, 4 * VT_PAGE, GR);
	rw = gt_grant(&p, h, 4 * VT_PAGE, 4 * VT_PAGE, GRW);
	/* validation, then only the named frontend */
	VT_ERR(vxpu_grant_map(p.fe, ro, 0, &m), EINVAL);
	VT_ERR(vxpu_grant_map(p.fe, ro, GRW | 8, &m), EINVAL);
	VT_ERR(vxpu_grant_map(p.fe, ro + (1ULL << 32), GR, &m), ENOENT);
	VT_ERR(vxpu_grant_map(third, ro, GR, &m), EPERM);
	VT_ERR(vxpu_grant_map(p.be, ro, GR, &m), EPERM);
	VT_ERR(vxpu_grant_info(third, ro, &gi), EPERM);
	/* writable only from a writable grant */
	VT_ERR(vxpu_grant_map(p.fe, ro, GRW, &m), EACCES);
	m = gt_map(p.fe, ro, GR);
	ck_assert_uint_eq(m.size, 4 * VT_PAGE);
	ck_assert_uint_eq(m.backend_ctx_id, p.be_id);
	VT_ERR(vxpu_grant_map(p.fe, ro, GR, &m2), EBUSY);
	gi = gt_info(p.be, ro);
	ck_assert_uint_eq(gi.state, VXPU_GRANT_STATE_MAPPED);
	ck_assert_uint_eq(gi.frontend_ctx_id, p.fe_id);
	ck_assert_uint_eq(gi.backend_ctx_id, p.be_id);
	/* BO_INFO names the backend; the quota stays with it */
	VT_OK(vxpu_bo_info(p.fe, m.handle, &bi));
	ck_assert_uint_eq(bi.owner_ctx_id, p.be_id);
	ck_assert_uint_eq(bi.size, 4 * VT_PAGE);
	ck_assert_uint_eq(dt_ctxinfo(p.fe).quota_used, 0);
	ck_assert_uint_eq(dt_ctxinfo(p.be).quota_used, 8 * VT_PAGE);
	/* read-only: no PROT_WRITE, no writable ASID mapping, no mprotect upgrade */
	ck_assert_int_eq(vxpu_bo_mmap(p.fe, m.mmap_offset, 4 * VT_PAGE, PROT_READ | PROT_WRITE,
				      &ptr), -EACCES);
	ptr = gt_mmap(p.fe, m.mmap_offset, 4 * VT_PAGE, PROT_READ);
	ck_assert_int_ne(mprotect(ptr, 4 * VT_PAGE, PROT_READ | PROT_WRITE), 0);
	ck_assert_int_eq(errno, EACCES);
	munmap(ptr, 4 * VT_PAGE);
	/* MAP_PRIVATE is refused: -EINVAL */
	errno = 0;
	ck_assert_ptr_eq(mmap(NULL, VT_PAGE, PROT_READ, MAP_PRIVATE, p.fe, (off_t)m.mmap_offset),
			 MAP_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	asid = dt_asid(p.fe);
	VT_ERR(vxpu_vm_map(p.fe, asid, m.handle, 0, VT_PAGE, VXPU_MAP_READ | VXPU_MAP_WRITE, &va),
	       EACCES);
	VT_ERR(vxpu_vm_map(p.fe, asid, m.handle, 0, VT_PAGE, VXPU_MAP_WRITE, &va), EACCES);
	va = dt_map(p.fe, asid, m.handle, 0, VT_PAGE, VXPU_MAP_READ);
	/* never passed on: dma-buf, grant onward, queue ring */
	ck_assert_int_eq(vxpu_bo_export(p.fe, m.handle, DRM_CLOEXEC), -EPERM);
	{
		uint64_t id;
		int third_id = (int)dt_ctxinfo(third).ctx_id;

		VT_ERR(vxpu_grant_create(p.fe, m.handle, 0, VT_PAGE, third_id, GR, &id), EPERM);
	}
	{
		m2 = gt_map(p.fe, rw, GRW);
		fasid = dt_asid(p.fe);
		VT_ERR(vxpu_queue_create(p.fe, fasid, m2.handle, 0, 16, 0, &(uint32_t){ 0 }), EPERM);
	}
	/* unmap: only the frontend, only while mapped */
	VT_ERR(vxpu_grant_unmap(p.be, ro), EPERM);
	VT_ERR(vxpu_grant_unmap(third, ro), EPERM);
	/* ... of that very id (0 and other high bits name no grant), without flags */
	VT_ERR(vxpu_grant_unmap(p.fe, 0), ENOENT);
	VT_ERR(vxpu_grant_unmap(p.fe, ro + (1ULL << 32)), ENOENT);
	VT_ERR(vxpu_grant_unmap(p.fe, ro & 0xffffffffULL), ENOENT);
	{
		struct drm_vxpu_grant_unmap um = { .grant_id = ro, .flags = 1 };

		VT_ERR(vxpu_ioctl(p.fe, DRM_IOCTL_VXPU_GRANT_UNMAP, &um), EINVAL);
		um.flags = 1u << 31;
		VT_ERR(vxpu_ioctl(p.fe, DRM_IOCTL_VXPU_GRANT_UNMAP, &um), EINVAL);
	}
	ck_assert_uint_eq(gt_info(p.be, ro).state, VXPU_GRANT_STATE_MAPPED);
	VT_OK(vxpu_grant_unmap(p.fe, ro));
	VT_ERR(vxpu_grant_unmap(p.fe, ro), ENXIO);	/* double unmap */
	VT_ERR(vxpu_bo_info(p.fe, m.handle, &bi), ENOENT);
	/* the ASID mapping keeps the foreign BO: still MAPPED, no second map */
	ck_assert_uint_eq(gt_info(p.be, ro).state, VXPU_GRANT_STATE_MAPPED);
	ck_assert_uint_eq(gt_info(p.be, ro).asid_mappings, 1);
	VT_ERR(vxpu_grant_map(p.fe, ro, GR, &m), EBUSY);
	VT_OK(vxpu_vm_unmap(p.fe, asid, va, VT_PAGE));
	ck_assert_uint_eq(gt_info(p.be, ro).state, VXPU_GRANT_STATE_GRANTED);
	m = gt_map(p.fe, ro, GR);			/* mapped again */
	/* GEM_CLOSE is an unmap too */
	VT_OK(vxpu_bo_destroy(p.fe, m.handle));
	VT_ERR(vxpu_grant_unmap(p.fe, ro), ENXIO);
	/* revoke: only the backend, once */
	VT_ERR(vxpu_grant_revoke(p.fe, rw), EPERM);
	VT_OK(vxpu_grant_revoke(p.be, rw));
	VT_ERR(vxpu_grant_revoke(p.be, rw), EALREADY);	/* the frontend still holds it */
	VT_ERR(vxpu_grant_unmap(p.fe, rw), EKEYREVOKED);
	VT_ERR(vxpu_grant_map(p.fe, rw, GR, &m), EKEYREVOKED);
	ck_assert_uint_eq(gt_info(p.fe, rw).state, VXPU_GRANT_STATE_REVOKED);
	VT_OK(vxpu_bo_destroy(p.fe, m2.handle));
	VT_ERR(vxpu_grant_revoke(p.be, rw), ENOENT);	/* released */
	/* revoke with nothing mapped */
	VT_OK(vxpu_grant_revoke(p.be, ro));
	VT_ERR(vxpu_grant_revoke(p.be, ro), ENOENT);
	VT_ERR(vxpu_grant_unmap(p.fe, ro), ENOENT);	/* a forgotten grant */
	/* unknown flags and pads of the other ioctls */
	{
		struct drm_vxpu_grant_revoke rv = { .grant_id = ro, .flags = 1 };
		struct drm_vxpu_grant_unmap um = { .grant_id = ro, .pad = 1 };
		struct drm_vxpu_grant_info in = { .grant_id = ro, .flags = 1 };
		struct drm_vxpu_grant_map mp = { .grant_id = ro, .access = GR, .pad = 1 };

		VT_ERR(vxpu_ioctl(p.be, DRM_IOCTL_VXPU_GRANT_REVOKE, &rv), EINVAL);
		rv.flags = 0;
		rv.pad = 1;
		VT_ERR(vxpu_ioctl(p.be, DRM_IOCTL_VXPU_GRANT_REVOKE, &rv), EINVAL);
		VT_ERR(vxpu_ioctl(p.fe, DRM_IOCTL_VXPU_GRANT_UNMAP, &um), EINVAL);
		VT_ERR(vxpu_ioctl(p.be, DRM_IOCTL_VXPU_GRANT_INFO, &in), EINVAL);
		VT_ERR(vxpu_ioctl(p.fe, DRM_IOCTL_VXPU_GRANT_MAP, &mp), EINVAL);
	}
	close(third);
	gt_close(&p);
}
END_TEST

/*
 * struct size rules: shorter than published -EINVAL, longer with a
 * non-zero tail -E2BIG. @valid is a call that would not fail with
 * -EINVAL at its full size, so that only the size check can give it.
 */
static void gt_abi(int fd, unsigned long cmd, const void *valid, size_t size)
{
	uint64_t buf[64] = { 0 };

	ck_assert_uint_le(size + 8, sizeof(buf));
	memcpy(buf, valid, size);
	VT_ERR(vxpu_ioctl(fd, vt_ioctl_resize(cmd, size - 8), buf), EINVAL);
	memcpy(buf, valid, size);
	((uint8_t *)buf)[size] = 1;
	VT_ERR(vxpu_ioctl(fd, vt_ioctl_resize(cmd, size + 8), buf), E2BIG);
}

START_TEST(rules_abi)
{
	struct gt_pair p;
	struct drm_vxpu_grant_fault rec;
	uint64_t id;
	uint32_t h;

	gt_pair(&p);
	h = dt_bo(p.be, VT_PAGE, VXPU_BO_GTT, NULL);
	id = gt_grant(&p, h, 0, VT_PAGE, GR);
	gt_abi(p.be, DRM_IOCTL_VXPU_GRANT_CREATE, &(struct drm_vxpu_grant_create){
		.handle = h, .access = GR, .size = VT_PAGE,
		.frontend_ctx_id = dt_ctxinfo(p.fe).ctx_id,
	}, sizeof(struct drm_vxpu_grant_create));
	gt_abi(p.fe, DRM_IOCTL_VXPU_GRANT_MAP, &(struct drm_vxpu_grant_map){
		.grant_id = id, .access = GR,
	}, sizeof(struct drm_vxpu_grant_map));
	gt_map(p.fe, id, GR);
	gt_abi(p.fe, DRM_IOCTL_VXPU_GRANT_UNMAP, &(struct drm_vxpu_grant_unmap){
		.grant_id = id,
	}, sizeof(struct drm_vxpu_grant_unmap));
	gt_abi(p.be, DRM_IOCTL_VXPU_GRANT_INFO, &(struct drm_vxpu_grant_info){
		.grant_id = id,
	}, sizeof(struct drm_vxpu_grant_info));
	gt_abi(p.be, DRM_IOCTL_VXPU_FAULT_READ, &(struct drm_vxpu_fault_read){
		.records = (uintptr_t)&rec, .count = 1,
	}, sizeof(struct drm_vxpu_fault_read));
	/* at its full size: -ENOENT (no such record) */
	gt_abi(p.be, DRM_IOCTL_VXPU_FAULT_REPLY, &(struct drm_vxpu_fault_reply){
		.fault_id = 1, .action = VXPU_FAULT_FAIL,
	}, sizeof(struct drm_vxpu_fault_reply));
	gt_abi(p.be, DRM_IOCTL_VXPU_GRANT_REVOKE, &(struct drm_vxpu_grant_revoke){
		.grant_id = id,
	}, sizeof(struct drm_vxpu_grant_revoke));
	/* none of them took effect: still mapped (by gt_map), not revoked */
	ck_assert_uint_eq(gt_info(p.be, id).state, VXPU_GRANT_STATE_MAPPED);
	gt_close(&p);
}
END_TEST

START_TEST(rules_faults)
{
	struct gt_pair p;
	struct drm_vxpu_grant_fault rec[4];
	struct drm_vxpu_fault_read fr = { 0 };
	uint32_t h;

	gt_pair(&p);
	h = dt_bo(p.be, VT_PAGE, VXPU_BO_GTT, NULL);
	/* nothing pending: not readable, reads 0 */
	ck_assert_int_eq(vxpu_fault_wait(p.be, 0), 0);
	ck_assert_int_eq(vxpu_fault_read(p.be, rec, 4, NULL), 0);
	VT_ERR(vxpu_fault_read(p.be, rec, 0, NULL), EINVAL);
	VT_ERR(vxpu_fault_read(p.be, rec, VXPU_FAULT_READ_MAX + 1, NULL), EINVAL);
	fr.records = (uintptr_t)rec;
	fr.count = 1;
	fr.flags = 1;
	VT_ERR(vxpu_ioctl(p.be, DRM_IOCTL_VXPU_FAULT_READ, &fr), EINVAL);
	/* replies: validation, then no such record */
	VT_ERR(vxpu_fault_reply(p.be, 1, 0, 0, 0), EINVAL);
	VT_ERR(vxpu_fault_reply(p.be, 1, 4, 0, 0), EINVAL);
	VT_ERR(vxpu_fault_reply(p.be, 0, VXPU_FAULT_FAIL, 0, 0), EINVAL);
	VT_ERR(vxpu_fault_reply(p.be, 1, VXPU_FAULT_FAIL, h, 0), EINVAL);
	VT_ERR(vxpu_fault_reply(p.be, 1, VXPU_FAULT_ZERO, 0, VT_PAGE), EINVAL);
	VT_ERR(vxpu_fault_reply(p.be, 1, VXPU_FAULT_SUPPLY, h, 1), EINVAL);
	{
		struct drm_vxpu_fault_reply fy = { .fault_id = 1, .action = VXPU_FAULT_FAIL };

		fy.flags = 1;
		VT_ERR(vxpu_ioctl(p.be, DRM_IOCTL_VXPU_FAULT_REPLY, &fy), EINVAL);
		fy.flags = 1u << 31;
		VT_ERR(vxpu_ioctl(p.be, DRM_IOCTL_VXPU_FAULT_REPLY, &fy), EINVAL);
		fy.flags = 0;
		fy.pad = 1;
		VT_ERR(vxpu_ioctl(p.be, DRM_IOCTL_VXPU_FAULT_REPLY, &fy), EINVAL);
		fy.pad = 0;
		VT_ERR(vxpu_ioctl(p.be, DRM_IOCTL_VXPU_FAULT_REPLY, &fy), ENOENT);
	}
	VT_ERR(vxpu_fault_reply(p.be, 1, VXPU_FAULT_SUPPLY, h + 50, 0), ENOENT);
	VT_ERR(vxpu_fault_reply(p.be, 1, VXPU_FAULT_SUPPLY, h, 0), ENOENT);
	VT_ERR(vxpu_fault_reply(p.be, 1, VXPU_FAULT_FAIL, 0, 0), ENOENT);
	gt_close(&p);
}
END_TEST

/* ------------------------------------------------------------ revoke basics */

START_TEST(revoke_cpu_and_fork)
{
	struct gt_pair p;
	struct drm_vxpu_grant_map m;
	struct drm_vxpu_grant_info gi;
	struct drm_vxpu_grant_fault rec[16];
	uint8_t *be_cpu, *fe_cpu, b = 0;
	uint64_t id, va;
	uint32_t h, asid;
	int pipefd[2], ready[2], n, cpu = 0, rw = 0;
	char c;
	pid_t child;

	gt_catch_sigbus();
	gt_pair(&p);
	h = dt_bo(p.be, 8 * VT_PAGE, VXPU_BO_GTT, NULL);
	be_cpu = dt_mmap(p.be, h, 8 * VT_PAGE);
	memset(be_cpu, 0xa5, 8 * VT_PAGE);
	id = gt_grant(&p, h, 4 * VT_PAGE, 4 * VT_PAGE, GRW);
	m = gt_map(p.fe, id, GRW);
	fe_cpu = gt_mmap(p.fe, m.mmap_offset, 4 * VT_PAGE, PROT_READ | PROT_WRITE);
	asid = dt_asid(p.fe);
	va = dt_map(p.fe, asid, m.handle, 0, 4 * VT_PAGE, VXPU_MAP_READ | VXPU_MAP_WRITE);
	/* shared both ways, through the CPU and through the device view */
	ck_assert_uint_eq(fe_cpu[0], 0xa5);
	fe_cpu[VT_PAGE] = 0x11;
	ck_assert_uint_eq(be_cpu[5 * VT_PAGE], 0x11);
	VT_OK(vxpu_vm_read(p.fe, asid, va + VT_PAGE, &b, 1));
	ck_assert_uint_eq(b, 0x11);
	b = 0x22;
	VT_OK(vxpu_vm_write(p.fe, asid, va + 2 * VT_PAGE, &b, 1));
	ck_assert_uint_eq(be_cpu[6 * VT_PAGE], 0x22);

	ck_assert_int_eq(pipe(pipefd), 0);
	ck_assert_int_eq(pipe(ready), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (!child) {
		uint8_t v = 0;

		close(pipefd[1]);
		close(ready[0]);
		CHILD_CHECK(gt_probe_read(fe_cpu, &v) == 0 && v == 0xa5, "child read %#x", v);
		CHILD_CHECK(write(ready[1], "r", 1) == 1, "pipe");
		CHILD_CHECK(read(pipefd[0], &c, 1) == 1, "pipe");
		/* the parent revoked: the inherited mapping is gone too */
		CHILD_CHECK(gt_probe_read(fe_cpu + 3 * VT_PAGE, &v) == 1, "child read after revoke");
		_exit(0);
	}
	close(pipefd[0]);
	close(ready[1]);
	/* the child read through its inherited mapping */
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	gi = gt_info(p.be, id);
	ck_assert_uint_eq(gi.cpu_mappings, 2);
	ck_assert_uint_eq(gi.asid_mappings, 1);
	ck_assert_uint_eq(gi.state, VXPU_GRANT_STATE_MAPPED);

	VT_OK(vxpu_grant_revoke(p.be, id));
	/* revoked, nothing accessed yet: no record */
	ck_assert_int_eq(vxpu_fault_wait(p.be, 0), 0);
	ck_assert_int_eq(write(pipefd[1], "x", 1), 1);
	dt_wait_ok(child, "child after revoke");
	close(pipefd[1]);
	ck_assert_int_eq(gt_probe_read(fe_cpu, &b), 1);
	ck_assert_int_eq(gt_probe_write(fe_cpu + VT_PAGE, 7), 1);
	VT_ERR(vxpu_vm_read(p.fe, asid, va, &b, 1), EKEYREVOKED);
	VT_ERR(vxpu_vm_write(p.fe, asid, va + 3 * VT_PAGE, &b, 1), EKEYREVOKED);
	/* the backend's memory is its own again */
	ck_assert_uint_eq(be_cpu[5 * VT_PAGE], 0x11);

	ck_assert_int_eq(vxpu_fault_wait(p.be, 1000), 1);
	n = gt_records(p.be, rec, 16, 1000);
	for (int i = 0; i < n; i++) {
		ck_assert_uint_eq(rec[i].grant_id, id);
		ck_assert_uint_eq(rec[i].frontend_ctx_id, p.fe_id);
		ck_assert_uint_ne(rec[i].fault_id, 0);
		if (i)
			ck_assert_uint_gt(rec[i].fault_id, rec[i - 1].fault_id);
		if (rec[i].kind == VXPU_GRANT_FAULT_CPU) {
			cpu++;
		} else {
			ck_assert_uint_eq(rec[i].kind, VXPU_GRANT_FAULT_VM_RW);
			ck_assert_uint_eq(rec[i].asid, asid);
			ck_assert_uint_eq(rec[i].va, rw ? va + 3 * VT_PAGE : va);
			ck_assert_uint_eq(rec[i].offset, rw ? 3 * VT_PAGE : 0);
			ck_assert_uint_eq(rec[i].access, rw ? VXPU_ACCESS_WRITE : VXPU_ACCESS_READ);
			rw++;
		}
	}
	ck_assert_int_eq(cpu, 3);	/* the child's read, our read and write */
	ck_assert_int_eq(rw, 2);
	ck_assert_int_eq(vxpu_fault_wait(p.be, 0), 0);
	gi = gt_info(p.fe, id);
	ck_assert_uint_eq(gi.state, VXPU_GRANT_STATE_REVOKED);
	ck_assert_uint_eq(gi.cpu_faults, 3);
	ck_assert_uint_eq(gi.rw_faults, 2);
	ck_assert_uint_eq(gi.asid_mappings, 1);	/* the hole */
	ck_assert_uint_eq(gi.cpu_mappings, 1);
	/* a revoked foreign BO cannot be mapped again into an ASID */
	VT_ERR(vxpu_vm_map(p.fe, asid, m.handle, 0, VT_PAGE, VXPU_MAP_READ, &(uint64_t){ 0 }),
	       EKEYREVOKED);
	/* release everything: the grant is forgotten */
	munmap(fe_cpu, 4 * VT_PAGE);
	VT_OK(vxpu_vm_unmap(p.fe, asid, va, 4 * VT_PAGE));
	VT_OK(vxpu_bo_destroy(p.fe, m.handle));
	VT_ERR(vxpu_grant_info(p.be, id, &gi), ENOENT);
	ck_assert_uint_eq(dt_ctxinfo(p.be).quota_used, 8 * VT_PAGE);
	gt_close(&p);
}
END_TEST

/* the backend destroys the BO, or closes its file: implicit revoke */
START_TEST(revoke_implicit)
{
	struct gt_pair p;
	struct drm_vxpu_grant_map m;
	struct drm_vxpu_grant_fault rec[4];
	uint8_t *fe_cpu, b;
	uint64_t id;
	uint32_t h;

	gt_catch_sigbus();
	gt_pair(&p);
	h = dt_bo(p.be, VT_PAGE, VXPU_BO_VRAM, NULL);
	id = gt_grant(&p, h, 0, VT_PAGE, GR);
	m = gt_map(p.fe, id, GR);
	fe_cpu = gt_mmap(p.fe, m.mmap_offset, VT_PAGE, PROT_READ);
	ck_assert_int_eq(gt_probe_read(fe_cpu, &b), 0);
	VT_OK(vxpu_bo_destroy(p.be, h));
	ck_assert_uint_eq(gt_info(p.fe, id).state, VXPU_GRANT_STATE_REVOKED);
	ck_assert_int_eq(gt_probe_read(fe_cpu, &b), 1);
	ck_assert_int_eq(gt_records(p.be, rec, 4, 1000), 1);
	ck_assert_uint_eq(rec[0].kind, VXPU_GRANT_FAULT_CPU);
	munmap(fe_cpu, VT_PAGE);
	VT_OK(vxpu_bo_destroy(p.fe, m.handle));
	/* the BO is gone: the backend's quota is back */
	ck_assert_uint_eq(dt_ctxinfo(p.be).quota_used, 0);

	/* close of the backend's file */
	h = dt_bo(p.be, VT_PAGE, VXPU_BO_GTT, NULL);
	id = gt_grant(&p, h, 0, VT_PAGE, GR);
	m = gt_map(p.fe, id, GR);
	fe_cpu = gt_mmap(p.fe, m.mmap_offset, VT_PAGE, PROT_READ);
	close(p.be);
	ck_assert_uint_eq(gt_info(p.fe, id).state, VXPU_GRANT_STATE_REVOKED);
	ck_assert_int_eq(gt_probe_read(fe_cpu, &b), 1);
	munmap(fe_cpu, VT_PAGE);
	close(p.fe);
}
END_TEST

/*
 * A pair whose one-page GTT grant is mapped on the frontend's CPU, then
 * revoked: every read of the returned page gets SIGBUS and a CPU record.
 */
static uint8_t *gt_revoked_page(struct gt_pair *p, uint64_t *id)
{
	struct drm_vxpu_grant_map m;
	uint8_t *cpu;
	uint32_t h;

	gt_catch_sigbus();
	gt_pair(p);
	h = dt_bo(p->be, VT_PAGE, VXPU_BO_GTT, NULL);
	*id = gt_grant(p, h, 0, VT_PAGE, GR);
	m = gt_map(p->fe, *id, GR);
	cpu = gt_mmap(p->fe, m.mmap_offset, VT_PAGE, PROT_READ);
	VT_OK(vxpu_grant_revoke(p->be, *id));
	return cpu;
}

/* a FAULT_READ that cannot copy out (-EFAULT) loses nothing: the next read has it all */
START_TEST(records_efault)
{
	struct gt_pair p;
	struct drm_vxpu_grant_fault rec[8];
	struct drm_vxpu_fault_read fr = { 0 };
	uint64_t id, lost = 1;
	uint8_t *cpu, b;
	void *none;

	cpu = gt_revoked_page(&p, &id);
	for (unsigned int i = 0; i < 3; i++)
		ck_assert_int_eq(gt_probe_read(cpu + i * 64, &b), 1);
	none = mmap(NULL, VT_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(none, MAP_FAILED);
	fr.records = (uintptr_t)none;
	fr.count = 8;
	VT_ERR(vxpu_ioctl(p.be, DRM_IOCTL_VXPU_FAULT_READ, &fr), EFAULT);
	fr.records = (uintptr_t)0xffff888000000000ull;	/* a kernel address */
	fr.count = 8;	/* drm_ioctl copied the struct back */
	VT_ERR(vxpu_ioctl(p.be, DRM_IOCTL_VXPU_FAULT_READ, &fr), EFAULT);
	ck_assert_int_eq(vxpu_fault_wait(p.be, 0), 1);
	ck_assert_int_eq(vxpu_fault_read(p.be, rec, 8, &lost), 3);
	ck_assert_uint_eq(lost, 0);
	for (unsigned int i = 0; i < 3; i++) {
		ck_assert_uint_eq(rec[i].kind, VXPU_GRANT_FAULT_CPU);
		ck_assert_uint_eq(rec[i].grant_id, id);
	}
	ck_assert_int_eq(vxpu_fault_read(p.be, rec, 8, NULL), 0);
	munmap(none, VT_PAGE);
	munmap(cpu, VT_PAGE);
	gt_close(&p);
}
END_TEST

/*
 * more records than a backend keeps: the rest are counted as lost, once
 * (a read that fails with -EFAULT reports none: the next one does)
 */
START_TEST(records_lost)
{
	struct gt_pair p;
	static struct drm_vxpu_grant_fault rec[VXPU_FAULT_QUEUE_MAX + 8];
	struct drm_vxpu_fault_read fr = { .count = 8 };
	uint64_t id, lost = 0, total_lost = 0;
	unsigned int extra = 5, n = 0;
	uint8_t *cpu, b;
	void *none;
	int got;

	cpu = gt_revoked_page(&p, &id);
	for (unsigned int i = 0; i < VXPU_FAULT_QUEUE_MAX + extra; i++)
		ck_assert_int_eq(gt_probe_read(cpu + (i % 64), &b), 1);
	none = mmap(NULL, VT_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(none, MAP_FAILED);
	fr.records = (uintptr_t)none;
	VT_ERR(vxpu_ioctl(p.be, DRM_IOCTL_VXPU_FAULT_READ, &fr), EFAULT);
	ck_assert_uint_eq(fr.count, 0);
	ck_assert_uint_eq(fr.lost, 0);
	munmap(none, VT_PAGE);
	while ((got = vxpu_fault_read(p.be, rec + n, VXPU_FAULT_READ_MAX, &lost)) > 0) {
		n += got;
		total_lost += lost;
	}
	ck_assert_int_eq(got, 0);
	total_lost += lost;
	ck_assert_uint_eq(n, VXPU_FAULT_QUEUE_MAX);
	ck_assert_uint_eq(total_lost, extra);
	ck_assert_uint_eq(gt_info(p.fe, id).cpu_faults, VXPU_FAULT_QUEUE_MAX + extra);
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_uint_eq(rec[i].kind, VXPU_GRANT_FAULT_CPU);
		ck_assert_uint_eq(rec[i].access, VXPU_ACCESS_READ);
		ck_assert_uint_eq(rec[i].offset, 0);
	}
	munmap(cpu, VT_PAGE);
	gt_close(&p);
}
END_TEST

/* ------------------------------------------------------------ device stalls */

struct gt_dev {
	struct gt_pair p;
	struct et_ctx fe;		/* frontend ASID and queue, on p.fe */
	uint32_t bh;			/* backend BO */
	uint8_t *bcpu;
	uint64_t id;
	struct drm_vxpu_grant_map m;
	uint64_t gva;			/* the grant in the frontend's ASID */
};

static void gt_dev(struct gt_dev *d, uint64_t size, uint32_t placement)
{
	int r;

	gt_pair(&d->p);
	d->fe.fd = d->p.fe;
	d->fe.asid = dt_asid(d->fe.fd);
	r = vxpu_queue_open(d->fe.fd, d->fe.asid, 64, VXPU_BO_GTT, 0, &d->fe.q);
	ck_assert_msg(r == 0, "vxpu_queue_open: %s", vxpu_strerror(r));
	d->bh = dt_bo(d->p.be, size, placement, NULL);
	d->bcpu = dt_mmap(d->p.be, d->bh, size);
	et_random(d->bcpu, size, 1);
	d->id = gt_grant(&d->p, d->bh, 0, size, GRW);
	d->m = gt_map(d->p.fe, d->id, GRW);
}

static void gt_dev_close(struct gt_dev *d)
{
	VT_OK(vxpu_queue_close(&d->fe.q));
	gt_close(&d->p);
}

static struct drm_vxpu_grant_fault gt_one_device_record_q(struct gt_dev *d, uint32_t queue)
{
	struct drm_vxpu_grant_fault rec[4];
	int n = gt_records(d->p.be, rec, 4, 60000);

	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(rec[0].kind, VXPU_GRANT_FAULT_DEVICE);
	ck_assert_uint_eq(rec[0].queue, queue);
	return rec[0];
}

static struct drm_vxpu_grant_fault gt_one_device_record(struct gt_dev *d)
{
	struct drm_vxpu_grant_fault rec[4];
	int n = gt_records(d->p.be, rec, 4, 60000);

	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(rec[0].kind, VXPU_GRANT_FAULT_DEVICE);
	ck_assert_uint_eq(rec[0].grant_id, d->id);
	ck_assert_uint_eq(rec[0].frontend_ctx_id, d->p.fe_id);
	ck_assert_uint_eq(rec[0].queue, d->fe.q.id);
	ck_assert_uint_eq(rec[0].asid, d->fe.asid);
	return rec[0];
}

static void gt_push(struct vxpu_queue *q, const struct drm_vxpu_packet *p, uint32_t n)
{
	VT_OK(vxpu_queue_push(q, p, n, ET_WAIT_NS));
	VT_OK(vxpu_queue_kick(q));
}

/*
 * A COPY across a frontend BO and the revoked grant mapped right after it
 * stalls at the grant; SUPPLY continues exactly there.
 */
/*
 * VM_READ/WRITE with a kernel address as the user buffer: -EFAULT, through
 * a granted mapping (whose pages are copied with the unchecked
 * __copy_*_inatomic(): access_ok() must come first) and a plain one.
 */
START_TEST(vm_rw_kernel_pointer)
{
	void *kptr = (void *)(uintptr_t)0xffff888000000000ULL;
	struct gt_dev d;
	uint64_t va;
	uint32_t h;

	gt_dev(&d, VT_PAGE, VXPU_BO_GTT);
	d.gva = dt_map(d.p.fe, d.fe.asid, d.m.handle, 0, VT_PAGE, VXPU_MAP_READ | VXPU_MAP_WRITE);
	VT_ERR(vxpu_vm_read(d.p.fe, d.fe.asid, d.gva, kptr, VT_PAGE), EFAULT);
	VT_ERR(vxpu_vm_write(d.p.fe, d.fe.asid, d.gva, kptr, VT_PAGE), EFAULT);
	h = dt_bo(d.p.fe, VT_PAGE, VXPU_BO_GTT, NULL);
	va = dt_map(d.p.fe, d.fe.asid, h, 0, VT_PAGE, VXPU_MAP_READ | VXPU_MAP_WRITE);
	VT_ERR(vxpu_vm_read(d.p.fe, d.fe.asid, va, kptr, VT_PAGE), EFAULT);
	VT_ERR(vxpu_vm_write(d.p.fe, d.fe.asid, va, kptr, VT_PAGE), EFAULT);
	gt_dev_close(&d);
}
END_TEST

START_TEST(fault_supply)
{
	struct gt_dev d;
	struct drm_vxpu_grant_fault rec;
	struct drm_vxpu_queue_info qi;
	struct drm_vxpu_packet pkt;
	struct et_buf dst;
	uint64_t n = 64 << 10, base;
	uint32_t own, sup, small;
	uint8_t *own_cpu, *sup_cpu, *before, back = 0;

	gt_dev(&d, n, VXPU_BO_GTT);
	own = dt_bo(d.p.fe, n, VXPU_BO_GTT, NULL);
	own_cpu = dt_mmap(d.p.fe, own, n);
	et_random(own_cpu, n, 2);
	base = dt_map(d.p.fe, d.fe.asid, own, 0, n, RW);
	d.gva = base + n;
	VT_OK(vxpu_vm_map(d.p.fe, d.fe.asid, d.m.handle, 0, n, RW | VXPU_MAP_FIXED, &d.gva));
	dst = et_buf(d.p.fe, d.fe.asid, 2 * n, VXPU_BO_GTT, RW);
	sup = dt_bo(d.p.be, 2 * n, VXPU_BO_VRAM, NULL);
	sup_cpu = dt_mmap(d.p.be, sup, 2 * n);
	et_random(sup_cpu, 2 * n, 3);
	small = dt_bo(d.p.be, n, VXPU_BO_GTT, NULL);

	/* before revoke: the backend's bytes */
	et_run(&d.fe.q, vxpu_pkt_copy(&pkt, 0, dst.va, 0, d.gva, n), 1);
	ck_assert_int_eq(memcmp(dst.cpu, d.bcpu, n), 0);

	VT_OK(vxpu_grant_revoke(d.p.be, d.id));
	memset(dst.cpu, 0, 2 * n);
	gt_push(&d.fe.q, vxpu_pkt_copy(&pkt, 0, dst.va, 0, base, 2 * n), 1);
	qi = POLL_INFO(&d.fe.q, 60, qi_.state == VXPU_QUEUE_STALLED);
	ck_assert_msg(qi.state == VXPU_QUEUE_STALLED, "state %u, want STALLED", qi.state);
	ck_assert_uint_eq(qi.fault.reason, VXPU_FAULT_REVOKED);
	ck_assert_uint_eq(qi.fault.va, d.gva);
	ck_assert_uint_eq(qi.progress, n);		/* stalled exactly at the grant */
	ck_assert_int_eq(memcmp(dst.cpu, own_cpu, n), 0);
	rec = gt_one_device_record(&d);
	ck_assert_uint_eq(rec.va, d.gva);
	ck_assert_uint_eq(rec.hole_va, d.gva);
	ck_assert_uint_eq(rec.hole_size, n);
	ck_assert_uint_eq(rec.offset, 0);
	ck_assert_uint_eq(rec.access, VXPU_ACCESS_READ);
	ck_assert_uint_eq(gt_info(d.p.be, d.id).device_faults, 1);
	/* wrong answers leave it stalled */
	VT_ERR(vxpu_fault_reply(d.p.be, rec.fault_id, VXPU_FAULT_SUPPLY, small, VT_PAGE), EINVAL);
	VT_ERR(vxpu_fault_reply(d.p.be, rec.fault_id, VXPU_FAULT_SUPPLY, 0xdead, 0), ENOENT);
	{
		/* not the backend's own memory: a BO it imported */
		int dfd = vxpu_bo_export(d.p.fe, own, DRM_CLOEXEC);
		uint32_t imp;

		ck_assert_int_ge(dfd, 0);
		VT_OK(vxpu_bo_import(d.p.be, dfd, &imp));
		close(dfd);
		VT_ERR(vxpu_fault_reply(d.p.be, rec.fault_id, VXPU_FAULT_SUPPLY, imp, 0), EPERM);
	}
	{
		/* nor memory granted to it: a foreign BO */
		int third = dt_open(0);
		uint32_t h3 = dt_bo(third, n, VXPU_BO_GTT, NULL);
		struct drm_vxpu_grant_map fm;
		uint64_t id3;

		VT_OK(vxpu_grant_create(third, h3, 0, n, dt_ctxinfo(d.p.be).ctx_id, GR, &id3));
		fm = gt_map(d.p.be, id3, GR);
		VT_ERR(vxpu_fault_reply(d.p.be, rec.fault_id, VXPU_FAULT_SUPPLY, fm.handle, 0),
		       EPERM);
		VT_OK(vxpu_bo_destroy(d.p.be, fm.handle));
		close(third);
	}
	VT_ERR(vxpu_fault_reply(d.p.fe, rec.fault_id, VXPU_FAULT_FAIL, 0, 0), ENOENT);
	ck_assert_uint_eq(et_info(&d.fe.q).state, VXPU_QUEUE_STALLED);
	/* supply: the queue continues where it stalled */
	VT_OK(vxpu_fault_reply(d.p.be, rec.fault_id, VXPU_FAULT_SUPPLY, sup, n));
	VT_ERR(vxpu_fault_reply(d.p.be, rec.fault_id, VXPU_FAULT_SUPPLY, sup, n), ENOENT);
	VT_OK(vxpu_queue_fence(&d.fe.q, NULL));
	VT_OK(vxpu_queue_kick(&d.fe.q));
	qi = POLL_INFO(&d.fe.q, 60, qi_.state == VXPU_QUEUE_IDLE);
	ck_assert_msg(qi.state == VXPU_QUEUE_IDLE, "state %u", qi.state);
	ck_assert_int_eq(memcmp(dst.cpu, own_cpu, n), 0);
	ck_assert_int_eq(memcmp(dst.cpu + n, sup_cpu + n, n), 0);
	/*
	 * The filled hole is the supplied memory, both ways: a FILL through
	 * it lands in the supplied BO and not in the revoked grant's pages,
	 * and the device view reads the FILL's bytes back.
	 */
	before = malloc(n);
	ck_assert_ptr_nonnull(before);
	memcpy(before, d.bcpu, n);
	ck_assert_uint_ne(sup_cpu[n], 0x5a);
	ck_assert_uint_ne(sup_cpu[n + VT_PAGE - 1], 0x5a);
	et_run(&d.fe.q, vxpu_pkt_fill(&pkt, 0, d.gva, VT_PAGE, 0x5a5a5a5a5a5a5a5aULL), 1);
	ck_assert_uint_eq(sup_cpu[n], 0x5a);
	ck_assert_uint_eq(sup_cpu[n + VT_PAGE - 1], 0x5a);
	ck_assert_int_eq(memcmp(d.bcpu, before, n), 0);
	VT_OK(vxpu_vm_read(d.p.fe, d.fe.asid, d.gva + 1, &back, 1));
	ck_assert_uint_eq(back, 0x5a);
	free(before);
	gt_dev_close(&d);
}
END_TEST

START_TEST(fault_zero_and_fail)
{
	struct gt_dev d;
	struct drm_vxpu_grant_fault rec;
	struct drm_vxpu_queue_info qi;
	struct drm_vxpu_packet pkt;
	struct et_buf dst;
	uint64_t n = 16 << 10;

	gt_dev(&d, n, VXPU_BO_VRAM);
	d.gva = dt_map(d.p.fe, d.fe.asid, d.m.handle, 0, n, RW);
	dst = et_buf(d.p.fe, d.fe.asid, n, VXPU_BO_GTT, RW);
	memset(dst.cpu, 0xee, n);
	VT_OK(vxpu_grant_revoke(d.p.be, d.id));
	/* zero: reads give zeros, the packet completes */
	gt_push(&d.fe.q, vxpu_pkt_copy(&pkt, 0, dst.va, 0, d.gva, n), 1);
	rec = gt_one_device_record(&d);
	ck_assert_uint_eq(et_info(&d.fe.q).state, VXPU_QUEUE_STALLED);
	VT_OK(vxpu_fault_reply(d.p.be, rec.fault_id, VXPU_FAULT_ZERO, 0, 0));
	VT_OK(vxpu_queue_fence(&d.fe.q, NULL));
	VT_OK(vxpu_queue_kick(&d.fe.q));
	qi = POLL_INFO(&d.fe.q, 60, qi_.state == VXPU_QUEUE_IDLE);
	ck_assert_msg(qi.state == VXPU_QUEUE_IDLE, "state %u", qi.state);
	ck_assert_int_eq(vt_first_nonzero(dst.cpu, n), -1);
	/* the zero page is read-only: a write faults PERMISSION */
	gt_push(&d.fe.q, vxpu_pkt_fill(&pkt, 0, d.gva, 8, 1), 1);
	qi = POLL_INFO(&d.fe.q, 60, qi_.state == VXPU_QUEUE_ERROR);
	ck_assert_uint_eq(qi.state, VXPU_QUEUE_ERROR);
	ck_assert_uint_eq(qi.fault.reason, VXPU_FAULT_PERMISSION);
	ck_assert_int_eq(vxpu_fault_wait(d.p.be, 0), 0);
	gt_dev_close(&d);

	/* fail: ERROR with VXPU_FAULT_REVOKED, the doorbell says -EIO */
	gt_dev(&d, n, VXPU_BO_GTT);
	d.gva = dt_map(d.p.fe, d.fe.asid, d.m.handle, 0, n, RW);
	VT_OK(vxpu_grant_revoke(d.p.be, d.id));
	gt_push(&d.fe.q, vxpu_pkt_fill(&pkt, 0, d.gva + VT_PAGE, 64, 7), 1);
	rec = gt_one_device_record(&d);
	ck_assert_uint_eq(rec.access, VXPU_ACCESS_WRITE);
	ck_assert_uint_eq(rec.offset, VT_PAGE);
	VT_OK(vxpu_fault_reply(d.p.be, rec.fault_id, VXPU_FAULT_FAIL, 0, 0));
	qi = et_info(&d.fe.q);
	ck_assert_uint_eq(qi.state, VXPU_QUEUE_ERROR);
	ck_assert_uint_eq(qi.fault.reason, VXPU_FAULT_REVOKED);
	ck_assert_uint_eq(qi.fault.va, d.gva + VT_PAGE);
	VT_ERR(vxpu_queue_doorbell(d.fe.fd, d.fe.q.id, qi.wptr + 1), EIO);
	/* the stalled queue is destroyed before the answer: -ESRCH, consumed */
	{
		struct et_ctx c3 = { .fd = d.p.fe, .asid = d.fe.asid };

		et_queue(&c3, &c3.q, 16);
		gt_push(&c3.q, vxpu_pkt_fill(&pkt, 0, d.gva, 64, 7), 1);
		rec = gt_one_device_record_q(&d, c3.q.id);
		VT_OK(vxpu_queue_close(&c3.q));
		VT_ERR(vxpu_fault_reply(d.p.be, rec.fault_id, VXPU_FAULT_ZERO, 0, 0), ESRCH);
		VT_ERR(vxpu_fault_reply(d.p.be, rec.fault_id, VXPU_FAULT_ZERO, 0, 0), ENOENT);
	}
	/* a stalled queue whose backend closes goes to ERROR */
	{
		struct et_ctx c2 = { .fd = d.p.fe, .asid = d.fe.asid };

		et_queue(&c2, &c2.q, 16);
		gt_push(&c2.q, vxpu_pkt_copy(&pkt, 0, dst.va, 0, d.gva, n), 1);
		qi = POLL_INFO(&c2.q, 60, qi_.state == VXPU_QUEUE_STALLED);
		ck_assert_uint_eq(qi.state, VXPU_QUEUE_STALLED);
		/* the mapping holds the file: unmap it so that close releases it */
		munmap(d.bcpu, n);
		close(d.p.be);
		d.p.be = dt_open(0);
		qi = et_info(&c2.q);
		ck_assert_uint_eq(qi.state, VXPU_QUEUE_ERROR);
		ck_assert_uint_eq(qi.fault.reason, VXPU_FAULT_REVOKED);
		VT_OK(vxpu_queue_close(&c2.q));
	}
	gt_dev_close(&d);
}
END_TEST

/* an answer while the frontend is paused waits for its resume; an unmapped hole cannot be filled */
START_TEST(fault_pause_and_unmap)
{
	struct gt_dev d;
	struct drm_vxpu_grant_fault rec;
	struct drm_vxpu_queue_info qi;
	struct drm_vxpu_packet pkt;
	struct drm_vxpu_grant_map m2;
	struct et_buf dst;
	uint64_t n = 64 << 10, id2, va2;
	uint32_t sup;

	gt_dev(&d, n, VXPU_BO_GTT);
	d.gva = dt_map(d.p.fe, d.fe.asid, d.m.handle, 0, n, RW);
	dst = et_buf(d.p.fe, d.fe.asid, n, VXPU_BO_GTT, RW);
	memset(dst.cpu, 0xee, n);
	sup = dt_bo(d.p.be, n, VXPU_BO_GTT, NULL);
	VT_OK(vxpu_grant_revoke(d.p.be, d.id));
	gt_push(&d.fe.q, vxpu_pkt_copy(&pkt, 0, dst.va, 0, d.gva, n), 1);
	rec = gt_one_device_record(&d);
	VT_OK(vxpu_context_pause(d.p.fe));
	ck_assert_uint_eq(et_info(&d.fe.q).state, VXPU_QUEUE_PAUSED);
	VT_OK(vxpu_fault_reply(d.p.be, rec.fault_id, VXPU_FAULT_ZERO, 0, 0));
	usleep(20000);
	qi = et_info(&d.fe.q);
	ck_assert_uint_eq(qi.state, VXPU_QUEUE_PAUSED);
	ck_assert_uint_eq(qi.rptr, 0);
	ck_assert_uint_eq(dst.cpu[0], 0xee);
	VT_OK(vxpu_context_resume(d.p.fe));
	qi = POLL_INFO(&d.fe.q, 60, qi_.rptr == 1);
	ck_assert_uint_eq(qi.rptr, 1);
	ck_assert_int_eq(vt_first_nonzero(dst.cpu, n), -1);

	/* the frontend unmaps the hole before the answer: -ESRCH, the retry faults UNMAPPED */
	id2 = gt_grant(&d.p, d.bh, 0, n, GR);
	m2 = gt_map(d.p.fe, id2, GR);
	va2 = dt_map(d.p.fe, d.fe.asid, m2.handle, 0, n, VXPU_MAP_READ);
	VT_OK(vxpu_grant_revoke(d.p.be, id2));
	gt_push(&d.fe.q, vxpu_pkt_copy(&pkt, 0, dst.va, 0, va2, n), 1);
	rec = gt_one_device_record_q(&d, d.fe.q.id);
	ck_assert_uint_eq(rec.grant_id, id2);
	VT_OK(vxpu_vm_unmap(d.p.fe, d.fe.asid, va2, n));
	VT_ERR(vxpu_fault_reply(d.p.be, rec.fault_id, VXPU_FAULT_SUPPLY, sup, 0), ESRCH);
	qi = POLL_INFO(&d.fe.q, 60, qi_.state == VXPU_QUEUE_ERROR);
	ck_assert_uint_eq(qi.state, VXPU_QUEUE_ERROR);
	ck_assert_uint_eq(qi.fault.reason, VXPU_FAULT_UNMAPPED);
	ck_assert_uint_eq(qi.fault.va, va2);
	gt_dev_close(&d);
}
END_TEST

/* ------------------------------------------------------------ revoke under load */

#define GT_THREADS 4
#define GT_QUEUES 2

struct gt_load {
	uint8_t *fe_cpu;
	uint64_t size;
	atomic_int revoked;		/* set once revoke has returned */
	atomic_int stop;
	atomic_ulong ok_before, faults, bad;
	char why[256];
};

struct gt_thread {
	struct gt_load *l;
	unsigned int idx;
};

/*
 * Each thread owns a quarter of the grant: writes a word, reads it back,
 * reads a word of the backend's pattern. Pattern A is 0xa5, our words are
 * 0x10 + idx; the backend writes 0x5b everywhere once revoke returned, so
 * seeing 0x5b is stale access.
 */
static void *gt_cpu_thread(void *arg)
{
	struct gt_thread *t = arg;
	struct gt_load *l = t->l;
	uint64_t part = l->size / GT_THREADS;
	volatile uint8_t *base = l->fe_cpu + t->idx * part;
	sigjmp_buf jb;
	volatile uint64_t i = 0;

	gt_jmp = &jb;
	if (sigsetjmp(jb, 1)) {
		atomic_fetch_add(&l->faults, 1);
		gt_jmp = NULL;
		return NULL;
	}
	while (!atomic_load(&l->stop)) {
		int after = atomic_load(&l->revoked);
		uint64_t off = (i * 4096 + 64 * (i % 61)) % part;
		uint8_t w, r;

		base[off] = (uint8_t)(0x10 + t->idx);
		w = base[off];
		r = base[(off + 8) % part];
		if (after || w != 0x10 + t->idx || (r != 0xa5 && r != 0x10 + t->idx)) {
			atomic_fetch_add(&l->bad, 1);
			snprintf(l->why, sizeof(l->why), "thread %u: access after revoke %d, wrote "
				 "%#x read %#x, pattern byte %#x", t->idx, after, 0x10 + t->idx, w, r);
			break;
		}
		atomic_fetch_add(&l->ok_before, 1);
		i++;
	}
	gt_jmp = NULL;
	return NULL;
}

START_TEST(revoke_under_load)
{
	struct gt_dev d;
	struct gt_load l = { 0 };
	struct gt_thread th[GT_THREADS];
	pthread_t tid[GT_THREADS];
	struct et_ctx qc = { 0 };
	struct vxpu_queue q[GT_QUEUES];
	struct et_buf dst[GT_QUEUES], gate;
	struct drm_vxpu_grant_fault rec[16];
	struct drm_vxpu_queue_info qi;
	struct drm_vxpu_packet pkt[240];
	uint64_t n = 1 << 20;
	int nrec;

	gt_catch_sigbus();
	gt_dev(&d, n, VXPU_BO_GTT);
	memset(d.bcpu, 0xa5, n);
	d.gva = dt_map(d.p.fe, d.fe.asid, d.m.handle, 0, n, VXPU_MAP_READ);
	qc.fd = d.p.fe;
	qc.asid = d.fe.asid;
	for (int i = 0; i < GT_QUEUES; i++) {
		et_queue(&qc, &q[i], 256);
		dst[i] = et_buf(d.p.fe, d.fe.asid, n, VXPU_BO_GTT, RW);
	}
	l.fe_cpu = gt_mmap(d.p.fe, d.m.mmap_offset, n, PROT_READ | PROT_WRITE);
	l.size = n;
	/* before revoke: the queues copy the backend's bytes */
	et_run(&q[0], vxpu_pkt_copy(&pkt[0], 0, dst[0].va, 0, d.gva, n), 1);
	ck_assert_int_eq(memcmp(dst[0].cpu, d.bcpu, n), 0);
	/*
	 * 238 MiB of copies from the grant per queue, then a WAIT on a gate
	 * opened only after revoke, then one more copy: whether or not the
	 * copies are still running when revoke lands (that depends on the
	 * host's speed), every queue reaches the grant after it.
	 */
	gate = et_buf(d.p.fe, d.fe.asid, 4096, VXPU_BO_GTT, RW);
	for (int i = 0; i < 240; i++)
		vxpu_pkt_copy(&pkt[i], 0, 0, 0, d.gva, n);
	vxpu_pkt_wait(&pkt[238], 0, gate.va, VXPU_WAIT_EQ, 1);
	for (int k = 0; k < GT_QUEUES; k++) {
		for (int i = 0; i < 240; i++)
			if (i != 238)
				pkt[i].dst = dst[k].va;
		gt_push(&q[k], pkt, 240);
	}
	for (unsigned int i = 0; i < GT_THREADS; i++) {
		th[i].l = &l;
		th[i].idx = i;
		ck_assert_int_eq(pthread_create(&tid[i], NULL, gt_cpu_thread, &th[i]), 0);
	}
	for (int k = 0; k < GT_QUEUES; k++) {
		qi = POLL_INFO(&q[k], 60, qi_.rptr >= 2);
		ck_assert_msg(qi.rptr >= 2 && qi.state != VXPU_QUEUE_ERROR,
			      "queue %d: rptr %llu state %u", k, (unsigned long long)qi.rptr, qi.state);
	}
	/* the CPU threads read and write the grant before it goes */
	while (atomic_load(&l.ok_before) < 1000 && !atomic_load(&l.bad))
		usleep(100);

	VT_OK(vxpu_grant_revoke(d.p.be, d.id));
	atomic_store(&l.revoked, 1);
	/* anything the frontend sees from now on would be stale */
	memset(d.bcpu, 0x5b, n);
	*(volatile uint64_t *)gate.cpu = 1;

	for (unsigned int i = 0; i < GT_THREADS; i++)
		ck_assert_int_eq(pthread_join(tid[i], NULL), 0);
	ck_assert_msg(!atomic_load(&l.bad), "%s", l.why);
	ck_assert_uint_eq(atomic_load(&l.faults), GT_THREADS);
	ck_assert_uint_ge(atomic_load(&l.ok_before), 1000);
	for (int k = 0; k < GT_QUEUES; k++) {
		qi = POLL_INFO(&q[k], 60, qi_.state == VXPU_QUEUE_STALLED);
		ck_assert_msg(qi.state == VXPU_QUEUE_STALLED, "queue %d state %u (rptr %llu)", k,
			      qi.state, (unsigned long long)qi.rptr);
		ck_assert_uint_eq(qi.fault.reason, VXPU_FAULT_REVOKED);
		ck_assert_msg(memchr(dst[k].cpu, 0x5b, n) == NULL,
			      "queue %d copied bytes the backend wrote after revoke", k);
	}
	/* records: GT_THREADS CPU faults, GT_QUEUES stalls; fail the queues */
	nrec = 0;
	for (int tries = 0; tries < 50 && nrec < GT_THREADS + GT_QUEUES; tries++)
		nrec += gt_records(d.p.be, rec + nrec, 16 - nrec, 1000);
	ck_assert_int_eq(nrec, GT_THREADS + GT_QUEUES);
	for (int i = 0; i < nrec; i++) {
		if (rec[i].kind == VXPU_GRANT_FAULT_DEVICE)
			VT_OK(vxpu_fault_reply(d.p.be, rec[i].fault_id, VXPU_FAULT_FAIL, 0, 0));
		else
			ck_assert_uint_eq(rec[i].kind, VXPU_GRANT_FAULT_CPU);
	}
	for (int k = 0; k < GT_QUEUES; k++) {
		ck_assert_uint_eq(et_info(&q[k]).state, VXPU_QUEUE_ERROR);
		VT_OK(vxpu_queue_close(&q[k]));
	}
	munmap(l.fe_cpu, n);
	gt_dev_close(&d);
}
END_TEST

/* ------------------------------------------------------------ cycles, kill */

/* device 0's debugfs grants table (a header line, then one line per grant); 0 or -errno */
static int gt_debugfs_grants(char *buf, size_t size)
{
	int r = vt_read_file("/sys/kernel/debug/vxpu/0/grants", buf, size);

	if (!r)
		ck_assert_msg(!strncmp(buf, "grant_id ", 9), "not the grants table: %.80s", buf);
	return r;
}

START_TEST(cycles_no_leak)
{
	struct gt_pair p;
	struct drm_vxpu_grant_map m;
	struct drm_vxpu_context_info before;
	uint64_t id, prev = 0, va;
	uint32_t h, asid;
	unsigned int cycles = 10000;
	char buf[512], hex[32];
	void *cpu;

	gt_pair(&p);
	h = dt_bo(p.be, 16 * VT_PAGE, VXPU_BO_GTT, NULL);
	asid = dt_asid(p.fe);
	before = dt_ctxinfo(p.be);
	for (unsigned int i = 0; i < cycles; i++) {
		id = gt_grant(&p, h, (i % 8) * VT_PAGE, 8 * VT_PAGE, i % 2 ? GRW : GR);
		ck_assert_msg(id != prev && (id >> 32) > (prev >> 32), "id %#llx after %#llx",
			      (unsigned long long)id, (unsigned long long)prev);
		prev = id;
		m = gt_map(p.fe, id, GR);
		if (i % 10 == 0) {
			cpu = gt_mmap(p.fe, m.mmap_offset, 8 * VT_PAGE, PROT_READ);
			ck_assert_uint_eq(((volatile uint8_t *)cpu)[0], 0);
		} else {
			cpu = NULL;
		}
		va = dt_map(p.fe, asid, m.handle, 0, 8 * VT_PAGE, VXPU_MAP_READ);
		if (i % 3 == 0)
			VT_OK(vxpu_grant_unmap(p.fe, id));
		VT_OK(vxpu_grant_revoke(p.be, id));
		if (cpu)
			munmap(cpu, 8 * VT_PAGE);
		VT_OK(vxpu_vm_unmap(p.fe, asid, va, 8 * VT_PAGE));
		if (i % 3)
			VT_OK(vxpu_bo_destroy(p.fe, m.handle));
		VT_ERR(vxpu_grant_revoke(p.be, id), ENOENT);
	}
	ck_assert_uint_eq(dt_ctxinfo(p.be).quota_used, before.quota_used);
	ck_assert_uint_eq(dt_ctxinfo(p.be).bo_count, before.bo_count);
	ck_assert_uint_eq(dt_ctxinfo(p.fe).bo_count, 0);
	/* debugfs lists a live grant, and no grant once they are all gone */
	id = gt_grant(&p, h, 0, VT_PAGE, GR);
	VT_OK(gt_debugfs_grants(buf, sizeof(buf)));
	snprintf(hex, sizeof(hex), "\n%#llx ", (unsigned long long)id);
	ck_assert_msg(strstr(buf, hex), "grant %#llx not in debugfs: %s", (unsigned long long)id,
		      buf);
	VT_OK(vxpu_grant_revoke(p.be, id));
	VT_OK(gt_debugfs_grants(buf, sizeof(buf)));
	ck_assert_msg(!strchr(buf, '\n'), "grants left: %s", buf);
	gt_close(&p);
}
END_TEST

START_TEST(backend_killed)
{
	int fe = dt_open(0), pp[2], gp[2];
	uint32_t fe_id = dt_ctxinfo(fe).ctx_id, asid;
	struct drm_vxpu_grant_map m;
	struct drm_vxpu_queue_info qi;
	struct drm_vxpu_packet pkt;
	struct et_ctx c = { .fd = fe };
	struct et_buf dst;
	uint64_t ids[3], va;
	uint8_t *cpu, b;
	pid_t child;
	int st;

	gt_catch_sigbus();
	ck_assert_int_eq(pipe(pp), 0);
	ck_assert_int_eq(pipe(gp), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (!child) {
		int be = vxpu_open_index(0);
		uint32_t h = 0;
		uint8_t *p = NULL;
		struct drm_vxpu_bo_info bi;

		CHILD_CHECK(be >= 0, "open");
		CHILD_CHECK(!vxpu_bo_create(be, 64 << 10, VXPU_BO_GTT, &h, NULL), "bo");
		CHILD_CHECK(!vxpu_bo_info(be, h, &bi), "info");
		CHILD_CHECK(!vxpu_bo_mmap(be, bi.mmap_offset, 64 << 10, PROT_READ | PROT_WRITE,
					  (void **)&p), "mmap");
		memset(p, 0x77, 64 << 10);
		for (int i = 0; i < 3; i++)
			CHILD_CHECK(!vxpu_grant_create(be, h, 0, 64 << 10, fe_id, GRW, &ids[i]),
				    "grant");
		CHILD_CHECK(write(gp[1], ids, sizeof(ids)) == sizeof(ids), "pipe");
		for (;;)
			pause();
	}
	close(gp[1]);
	ck_assert_int_eq(read(gp[0], ids, sizeof(ids)), (ssize_t)sizeof(ids));
	close(gp[0]);
	close(pp[0]);
	close(pp[1]);
	m = gt_map(fe, ids[0], GRW);
	(void)gt_map(fe, ids[1], GR);
	cpu = gt_mmap(fe, m.mmap_offset, 64 << 10, PROT_READ | PROT_WRITE);
	ck_assert_uint_eq(cpu[100], 0x77);
	asid = dt_asid(fe);
	c.asid = asid;
	va = dt_map(fe, asid, m.handle, 0, 64 << 10, RW);
	et_queue(&c, &c.q, 16);
	dst = et_buf(fe, asid, 64 << 10, VXPU_BO_GTT, RW);
	et_run(&c.q, vxpu_pkt_copy(&pkt, 0, dst.va, 0, va, 64 << 10), 1);
	ck_assert_uint_eq(dst.cpu[5], 0x77);

	kill(child, SIGKILL);
	ck_assert_int_eq(waitpid(child, &st, 0), child);
	ck_assert(WIFSIGNALED(st));
	/* every grant is revoked: SIGBUS, a queue access fails (no backend to answer) */
	ck_assert_uint_eq(gt_info(fe, ids[0]).state, VXPU_GRANT_STATE_REVOKED);
	ck_assert_uint_eq(gt_info(fe, ids[1]).state, VXPU_GRANT_STATE_REVOKED);
	VT_ERR(vxpu_grant_info(fe, ids[2], &(struct drm_vxpu_grant_info){ 0 }), ENOENT);
	ck_assert_int_eq(gt_probe_read(cpu, &b), 1);
	gt_push(&c.q, vxpu_pkt_copy(&pkt, 0, dst.va, 0, va, 64 << 10), 1);
	qi = POLL_INFO(&c.q, 60, qi_.state == VXPU_QUEUE_ERROR);
	ck_assert_uint_eq(qi.state, VXPU_QUEUE_ERROR);
	ck_assert_uint_eq(qi.fault.reason, VXPU_FAULT_REVOKED);
	VT_ERR(vxpu_grant_map(fe, ids[0], GR, &m), EKEYREVOKED);
	munmap(cpu, 64 << 10);
	VT_OK(vxpu_queue_close(&c.q));
	close(fe);
}
END_TEST

TCase *gt_tcase_rules(void)
{
	TCase *tc = tcase_create("grant_rules");

	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_test(tc, rules_create);
	tcase_add_test(tc, rules_map);
	tcase_add_test(tc, rules_faults);
	tcase_add_test(tc, rules_abi);
	tcase_add_test(tc, records_lost);
	tcase_add_test(tc, records_efault);
	tcase_add_test(tc, vm_rw_kernel_pointer);
	return tc;
}

TCase *gt_tcase_revoke(void)
{
	TCase *tc = tcase_create("grant_revoke");

	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_test(tc, revoke_cpu_and_fork);
	tcase_add_test(tc, revoke_implicit);
	tcase_add_test(tc, revoke_under_load);
	return tc;
}

TCase *gt_tcase_faults(void)
{
	TCase *tc = tcase_create("grant_faults");

	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_test(tc, fault_supply);
	tcase_add_test(tc, fault_zero_and_fail);
	tcase_add_test(tc, fault_pause_and_unmap);
	return tc;
}

TCase *gt_tcase_lifetime(void)
{
	TCase *tc = tcase_create("grant_lifetime");

	tcase_set_timeout(tc, 2 * VT_TIMEOUT);
	tcase_add_test(tc, cycles_no_leak);
	tcase_add_test(tc, backend_killed);
	return tc;
}
