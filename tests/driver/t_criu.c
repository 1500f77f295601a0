// SPDX-License-Identifier: MIT
/*
 * Checkpoint/restore (issue 4) at the ioctl level, without CRIU: the test
 * process (or a forked helper acting as the "plugin", ptrace-attached
 * where it needs to be the ptrace parent) drives DRM_VXPU_CRIU through
 * libvxpu's vxpu_criu_* wrappers: PROCESS_INFO, CHECKPOINT, contents read
 * through the dma-buf fds, the original closed, RESTORE into a fresh file,
 * contents written back, RESUME, and every object, id, handle, value and
 * final byte checked. Plus every errno of the op table.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "et.h"

#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif

/* a checkpointed context: what PROCESS_INFO and CHECKPOINT returned */
struct cr_img {
	struct drm_vxpu_criu info;
	struct drm_vxpu_criu ck;
	struct drm_vxpu_criu_bo_bucket *bk;
	void *priv;
	uint8_t **data;		/* contents of owned BOs, per bucket */
	int pause_fd;
};

static void *map_dmabuf(int dfd, uint64_t size, int prot)
{
	void *p = mmap(NULL, size, prot, MAP_SHARED, dfd, 0);

	ck_assert_msg(p != MAP_FAILED, "mmap dma-buf fd %d: %m", dfd);
	return p;
}

/* PROCESS_INFO (keeps the pause fd), CHECKPOINT, read the owned BOs */
static void cr_checkpoint(int fd, struct cr_img *im)
{
	uint32_t n;

	memset(im, 0, sizeof(*im));
	VT_OK(vxpu_criu_process_info(fd, &im->info));
	ck_assert_int_ge(im->info.pause_fd, 0);
	ck_assert_uint_eq(im->info.pid, (uint32_t)getpid());
	im->pause_fd = im->info.pause_fd;
	n = im->info.num_bos;
	im->bk = calloc(n + 1, sizeof(*im->bk));
	im->priv = calloc(1, im->info.priv_data_size);
	im->data = calloc(n + 1, sizeof(*im->data));
	ck_assert(im->bk && im->priv && im->data);

	im->ck.num_bos = n;
	im->ck.num_objects = im->info.num_objects;
	im->ck.priv_data_size = im->info.priv_data_size;
	im->ck.bos = (uintptr_t)im->bk;
	im->ck.priv_data = (uintptr_t)im->priv;
	VT_OK(vxpu_criu_checkpoint(fd, &im->ck));
	ck_assert_uint_eq(im->ck.device.user_gpu_id, dt_devinfo(fd).gpu_id);
	ck_assert_uint_eq(im->ck.device.actual_gpu_id, im->ck.device.user_gpu_id);

	for (uint32_t i = 0; i < n; i++) {
		struct drm_vxpu_criu_bo_bucket *b = &im->bk[i];
		void *p;

		if (i)
			ck_assert_uint_gt(b->handle, im->bk[i - 1].handle);
		if (b->flags & VXPU_CRIU_BO_IMPORTED) {
			ck_assert_int_eq(b->dmabuf_fd, -1);
			continue;
		}
		ck_assert_int_ge(b->dmabuf_fd, 0);
		im->data[i] = malloc(b->size);
		ck_assert(im->data[i]);
		p = map_dmabuf(b->dmabuf_fd, b->size, PROT_READ);
		memcpy(im->data[i], p, b->size);
		munmap(p, b->size);
		close(b->dmabuf_fd);
		b->dmabuf_fd = -1;
	}
}

static void cr_free(struct cr_img *im)
{
	for (uint32_t i = 0; i < im->info.num_bos; i++)
		free(im->data[i]);
	free(im->data);
	free(im->bk);
	free(im->priv);
	if (im->pause_fd >= 0)
		close(im->pause_fd);
	im->pause_fd = -1;
}

/* the RESTORE arguments of @im for device fd @fd; the buckets are a copy */
static struct drm_vxpu_criu cr_args(int fd, const struct cr_img *im, uint64_t cookie)
{
	struct drm_vxpu_criu a = { 0 };
	struct drm_vxpu_criu_bo_bucket *bk = calloc(im->info.num_bos + 1, sizeof(*bk));

	ck_assert(bk);
	memcpy(bk, im->bk, im->info.num_bos * sizeof(*bk));
	a.bos = (uintptr_t)bk;
	a.num_bos = im->info.num_bos;
	a.priv_data = (uintptr_t)im->priv;
	a.priv_data_size = im->info.priv_data_size;
	a.restore_cookie = cookie;
	a.device = im->ck.device;
	a.device.actual_gpu_id = dt_devinfo(fd).gpu_id;
	return a;
}

/* RESTORE, then write the owned BOs' contents through the dma-buf fds */
static int cr_restore(int fd, const struct cr_img *im, uint64_t cookie)
{
	struct drm_vxpu_criu a = cr_args(fd, im, cookie);
	struct drm_vxpu_criu_bo_bucket *bk = (void *)(uintptr_t)a.bos;
	int r = vxpu_criu_restore(fd, &a);

	for (uint32_t i = 0; !r && i < a.num_bos; i++) {
		struct drm_vxpu_bo_info bi;
		void *p;

		ck_assert_int_ge(bk[i].dmabuf_fd, 0);
		VT_OK(vxpu_bo_info(fd, bk[i].handle, &bi));
		ck_assert_uint_eq(bi.size, im->bk[i].size);
		ck_assert_uint_eq(bi.placement, im->bk[i].placement);
		ck_assert_uint_eq(bi.mmap_offset, bk[i].restored_offset);
		if (im->data[i]) {
			p = map_dmabuf(bk[i].dmabuf_fd, bk[i].size, PROT_READ | PROT_WRITE);
			memcpy(p, im->data[i], bk[i].size);
			munmap(p, bk[i].size);
		}
		close(bk[i].dmabuf_fd);
	}
	free(bk);
	return r;
}

/* raw DRM_VXPU_CRIU (no retry on EAGAIN) */
static int criu_raw(int fd, struct drm_vxpu_criu *a)
{
	return ioctl(fd, DRM_IOCTL_VXPU_CRIU, a) ? -errno : 0;
}

/*
 * CHECKPOINT with the counts PROCESS_INFO returned in @info, into scratch
 * buffers; closes the dma-buf fds it returns. 0 or -errno.
 */
static int cr_checkpoint_scratch(int fd, const struct drm_vxpu_criu *info)
{
	struct drm_vxpu_criu k = { 0 };
	struct drm_vxpu_criu_bo_bucket *bk = calloc(info->num_bos + 1, sizeof(*bk));
	void *priv = calloc(1, info->priv_data_size + 1);
	int r;

	ck_assert(bk && priv);
	k.num_bos = info->num_bos;
	k.num_objects = info->num_objects;
	k.priv_data_size = info->priv_data_size;
	k.bos = (uintptr_t)bk;
	k.priv_data = (uintptr_t)priv;
	r = vxpu_criu_checkpoint(fd, &k);
	for (uint32_t i = 0; !r && i < k.num_bos; i++)
		if (bk[i].dmabuf_fd >= 0)
			close(bk[i].dmabuf_fd);
	free(bk);
	free(priv);
	return r;
}

/* the lowest free file descriptor number */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	close(fd);
	return fd;
}

/* dma-buf fds in this process's table */
static int count_dmabuf_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	struct statfs sf;
	int n = 0;

	ck_assert(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && !fstatfs(atoi(e->d_name), &sf) &&
		    sf.f_type == DMA_BUF_MAGIC)
			n++;
	closedir(d);
	return n;
}

/*
 * A page whose first write by the kernel waits (a userfaultfd write
 * protection) until a thread has counted the dma-buf fds in the table and
 * run @during; then the page is unmapped and the write fails, or (@fail
 * 0) the protection goes and the write goes through. Holding an ioctl's
 * buckets, it stops the ioctl at its copy of them to userspace, after its
 * dma-buf fds are made.
 */
struct wp_stall {
	uint8_t *page;
	int uffd;
	int fail;
	int (*during)(void *arg);
	void *arg;
	int during_ret;
	int waited;		/* the kernel's write did wait */
	int dmabufs;		/* dma-buf fds in the table meanwhile */
	pthread_t thread;
};

static void *wp_stall_thread(void *arg)
{
	struct wp_stall *w = arg;
	struct pollfd p = { .fd = w->uffd, .events = POLLIN };
	struct uffdio_range r = { .start = (uintptr_t)w->page, .len = VT_PAGE };
	struct uffdio_writeprotect wp = { .range = r };
	struct uffd_msg m;

	if (poll(&p, 1, 10000) == 1 && read(w->uffd, &m, sizeof(m)) == sizeof(m) &&
	    m.event == UFFD_EVENT_PAGEFAULT &&
	    (m.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP)) {
		w->waited = 1;
		w->dmabufs = count_dmabuf_fds();
		if (w->during)
			w->during_ret = w->during(w->arg);
	}
	if (!w->fail) {
		ioctl(w->uffd, UFFDIO_WRITEPROTECT, &wp);	/* and wakes */
		return NULL;
	}
	munmap(w->page, VT_PAGE);
	ioctl(w->uffd, UFFDIO_WAKE, &r);
	return NULL;
}

/*
 * @w->page holds a copy of @len bytes of @src, write-protected; @during
 * (if not NULL) runs while the kernel's write waits, and @fail says
 * whether the write then fails
 */
static void wp_stall_start(struct wp_stall *w, const void *src, size_t len,
			   int fail, int (*during)(void *), void *arg)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_WP };
	struct uffdio_writeprotect wp = { .mode = UFFDIO_WRITEPROTECT_MODE_WP };

	ck_assert_uint_le(len, VT_PAGE);
	memset(w, 0, sizeof(*w));
	w->fail = fail;
	w->during = during;
	w->arg = arg;
	w->page = mmap(NULL, VT_PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(w->page != MAP_FAILED);
	memcpy(w->page, src, len);
	w->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	ck_assert_msg(w->uffd >= 0, "userfaultfd: %m");
	ck_assert_msg(!ioctl(w->uffd, UFFDIO_API, &api), "UFFDIO_API: %m");
	reg.range.start = wp.range.start = (uintptr_t)w->page;
	reg.range.len = wp.range.len = VT_PAGE;
	ck_assert_msg(!ioctl(w->uffd, UFFDIO_REGISTER, &reg), "UFFDIO_REGISTER: %m");
	ck_assert_msg(!ioctl(w->uffd, UFFDIO_WRITEPROTECT, &wp), "UFFDIO_WRITEPROTECT: %m");
	ck_assert_int_eq(pthread_create(&w->thread, NULL, wp_stall_thread, w), 0);
}

static void wp_stall_end(struct wp_stall *w)
{
	ck_assert_int_eq(pthread_join(w->thread, NULL), 0);
	close(w->uffd);
	ck_assert_msg(w->waited, "the ioctl's write to the buckets did not wait");
	if (!w->fail)
		munmap(w->page, VT_PAGE);
}

/*
 * Whether the driver must install its dma-buf fds last: it does on kernels
 * with drm_gem_prime_handle_to_dmabuf() (6.10+); on older ones it may
 * install them as it makes them.
 */
static int fds_installed_last(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	ck_assert(!uname(&u));
	ck_assert_int_eq(sscanf(u.release, "%u.%u", &major, &minor), 2);
	return major > 6 || (major == 6 && minor >= 10);
}

/*
 * After a C/R call that failed at the copy @w held: no dma-buf fd left
 * (the table as @base and @low found it), and on kernels that install
 * them last none was visible while it waited either
 */
static void fds_after_failure(const char *op, const struct wp_stall *w, int base, int low)
{
	printf("criu: %s: %d dma-buf fds visible before it failed\n", op, w->dmabufs - base);
	if (fds_installed_last())
		ck_assert_int_eq(w->dmabufs, base);
	ck_assert_int_eq(count_dmabuf_fds(), base);
	ck_assert_int_eq(lowest_free_fd(), low);
}

/* the RESTORE arguments of @im for @fd, its buckets in @w's page, whose copy back fails */
static struct drm_vxpu_criu cr_args_stalled(int fd, const struct cr_img *im, struct wp_stall *w,
					    int (*during)(void *), void *arg)
{
	struct drm_vxpu_criu r = cr_args(fd, im, 1);

	wp_stall_start(w, (void *)(uintptr_t)r.bos, im->info.num_bos * sizeof(*im->bk), 1,
		       during, arg);
	free((void *)(uintptr_t)r.bos);
	r.bos = (uintptr_t)w->page;
	return r;
}

static void drop_caps(const int *caps, int n)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	CHILD_CHECK(syscall(SYS_capget, &hdr, data) == 0, "capget: %m");
	for (int i = 0; i < n; i++) {
		data[caps[i] / 32].effective &= ~(1u << (caps[i] % 32));
		data[caps[i] / 32].permitted &= ~(1u << (caps[i] % 32));
		data[caps[i] / 32].inheritable &= ~(1u << (caps[i] % 32));
	}
	CHILD_CHECK(syscall(SYS_capset, &hdr, data) == 0, "capset: %m");
}

/* the child becomes the ptrace parent of @pid (PTRACE_SEIZE: no stop) */
static void seize(pid_t pid)
{
	CHILD_CHECK(ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0, "PTRACE_SEIZE %d: %m", (int)pid);
}

static struct vxpu_queue queue_of(int fd, uint32_t id, uint32_t asid, uint64_t wptr)
{
	struct vxpu_queue q = { .fd = fd, .id = id, .asid = asid, .wptr = wptr };

	return q;
}

/*
 * Push @n packets (the first a long one) to @q and checkpoint while that
 * first packet is half done. The engine may finish it before the pause
 * lands: then let the queue drain and try again. *@start: its rptr.
 */
static void cr_checkpoint_mid(int fd, struct vxpu_queue *q, const struct drm_vxpu_packet *p,
			      uint32_t n, struct cr_img *im, uint64_t *start)
{
	for (int tries = 0;; tries++) {
		struct drm_vxpu_queue_info qi;
		double t_end = et_now() + 60;

		*start = q->wptr;
		VT_OK(vxpu_queue_push(q, p, n, ET_WAIT_NS));
		VT_OK(vxpu_queue_kick(q));
		do {
			qi = et_info(q);
		} while (!qi.progress && qi.rptr == *start && et_now() < t_end);
		cr_checkpoint(fd, im);
		qi = et_info(q);
		if (qi.rptr == *start && qi.progress > 0)
			return;
		ck_assert_msg(tries < 20, "the packet finished before the pause %d times", tries + 1);
		cr_free(im);
		qi = POLL_INFO(q, 60, qi_.rptr == q->wptr);
		ck_assert_uint_eq(qi.rptr, q->wptr);
	}
}

/* ------------------------------------------------------------ round trip */

#define NQ 3

struct cr_state {
	struct drm_vxpu_context_info ci;
	struct drm_vxpu_queue_info qi[NQ];
	uint64_t ev[2];
};

static struct cr_state cr_state(int fd, const uint32_t *qid, const uint32_t *ev)
{
	struct cr_state s;

	memset(&s, 0, sizeof(s));
	s.ci = dt_ctxinfo(fd);
	for (int i = 0; i < NQ; i++)
		VT_OK(vxpu_queue_info(fd, qid[i], &s.qi[i]));
	for (int i = 0; i < 2; i++)
		VT_OK(vxpu_event_read(fd, ev[i], &s.ev[i]));
	return s;
}

static void cr_state_eq(const struct cr_state *a, const struct cr_state *b)
{
	ck_assert_uint_eq(a->ci.ctx_id, b->ci.ctx_id);
	ck_assert_uint_eq(a->ci.quota, b->ci.quota);
	ck_assert_uint_eq(a->ci.quota_used, b->ci.quota_used);
	ck_assert_uint_eq(a->ci.bo_count, b->ci.bo_count);
	ck_assert_uint_eq(a->ci.asid_count, b->ci.asid_count);
	for (int i = 0; i < NQ; i++) {
		const struct drm_vxpu_queue_info *x = &a->qi[i], *y = &b->qi[i];

		ck_assert_msg(x->state == y->state, "queue %d state %u, restored %u", i,
			      x->state, y->state);
		ck_assert_uint_eq(x->priority, y->priority);
		ck_assert_uint_eq(x->rptr, y->rptr);
		ck_assert_uint_eq(x->wptr, y->wptr);
		ck_assert_uint_eq(x->progress, y->progress);
		ck_assert_uint_eq(x->bytes, y->bytes);
		ck_assert_uint_eq(x->chunks, y->chunks);
		ck_assert_msg(!memcmp(&x->fault, &y->fault, sizeof(x->fault)),
			      "queue %d fault record differs", i);
	}
	ck_assert_uint_eq(a->ev[0], b->ev[0]);
	ck_assert_uint_eq(a->ev[1], b->ev[1]);
}

/*
 * A context with BOs in VRAM and GTT, a handle gap, three ASIDs (one
 * destroyed: an id gap), mappings (one read-only, one BO in two ASIDs),
 * a quota, events, and three queues: one paused in the middle of a large
 * COPY, one faulted, one parked in a WAIT. Checkpointed, closed, restored
 * twice in a row into fresh files, each time checked object by object,
 * resumed, and run to the end: the COPY finishes with the right bytes.
 */
START_TEST(criu_roundtrip)
{
	const uint64_t big = 16ULL << 20;
	struct vxpu_queue q[NQ];
	struct drm_vxpu_packet p[3];
	struct drm_vxpu_queue_info qi;
	struct et_buf src, dst, flag;
	struct cr_state before, after;
	struct cr_img im;
	uint32_t a1, a2, a3, gap, gap2, ev[2], qid[NQ], id;
	uint64_t ro_va, wptr[NQ], one = 1, v, start;
	uint8_t *want;
	int fd;

	fd = dt_open(0);
	et_require_engine(fd);
	ck_assert(dt_devinfo(fd).caps & VXPU_CAP_CRIU);
	VT_OK(vxpu_set_quota(fd, 1ULL << 30));
	a1 = dt_asid(fd);
	a2 = dt_asid(fd);
	a3 = dt_asid(fd);
	VT_OK(vxpu_asid_destroy(fd, a2));
	gap = dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL);
	src = et_buf(fd, a1, big, VXPU_BO_VRAM, RW);
	gap2 = dt_bo(fd, VT_PAGE, VXPU_BO_VRAM, NULL);
	dst = et_buf(fd, a1, big, VXPU_BO_GTT, RW);
	flag = et_buf(fd, a3, VT_PAGE, VXPU_BO_VRAM, RW);
	ro_va = dt_map(fd, a1, flag.h, 0, VT_PAGE, VXPU_MAP_READ);
	want = malloc(big);
	ck_assert(want);
	et_random(want, big, 77);
	memcpy(src.cpu, want, big);
	VT_OK(vxpu_event_create(fd, 42, &ev[0]));
	VT_OK(vxpu_event_create(fd, 0, &ev[1]));

	/* q0 (a1, VRAM ring, priority 3): a big COPY, then a marker */
	VT_OK(vxpu_queue_open(fd, a1, 16, VXPU_BO_VRAM, 3, &q[0]));
	/* q1 (a1): writes through the read-only mapping: a PERMISSION fault */
	VT_OK(vxpu_queue_open(fd, a1, 16, VXPU_BO_GTT, 0, &q[1]));
	/* q2 (a3): waits for the flag, then signals ev[1] */
	VT_OK(vxpu_queue_open(fd, a3, 16, VXPU_BO_GTT, 0, &q[2]));

	vxpu_pkt_write64(&p[0], 0, ro_va, 1);
	VT_OK(vxpu_queue_push(&q[1], p, 1, ET_WAIT_NS));
	VT_OK(vxpu_queue_kick(&q[1]));
	qi = POLL_INFO(&q[1], 60, qi_.state == VXPU_QUEUE_ERROR);
	ck_assert_uint_eq(qi.state, VXPU_QUEUE_ERROR);
	ck_assert_uint_eq(qi.fault.reason, VXPU_FAULT_PERMISSION);

	vxpu_pkt_wait(&p[0], 0, flag.va, VXPU_WAIT_GE, 1);
	vxpu_pkt_signal(&p[1], ev[1], 100);
	VT_OK(vxpu_queue_push(&q[2], p, 2, ET_WAIT_NS));
	VT_OK(vxpu_queue_kick(&q[2]));
	qi = POLL_INFO(&q[2], 60, qi_.state == VXPU_QUEUE_WAITING);
	ck_assert_uint_eq(qi.state, VXPU_QUEUE_WAITING);

	/* handle gaps: the first handle and one in the middle */
	VT_OK(vxpu_bo_destroy(fd, gap));
	VT_OK(vxpu_bo_destroy(fd, gap2));
	vxpu_pkt_copy(&p[0], 0, dst.va, 0, src.va, big);
	vxpu_pkt_write64(&p[1], a3, flag.va + 8, 0x5555);
	cr_checkpoint_mid(fd, &q[0], p, 2, &im, &start);
	for (int i = 0; i < NQ; i++) {
		qid[i] = q[i].id;
		wptr[i] = q[i].wptr;
	}
	before = cr_state(fd, qid, ev);
	/* the COPY is half done and paused */
	ck_assert_uint_eq(before.qi[0].state, VXPU_QUEUE_PAUSED);
	ck_assert_uint_eq(before.qi[0].rptr, start);
	ck_assert_uint_gt(before.qi[0].progress, 0);
	ck_assert_uint_lt(before.qi[0].progress, big);
	ck_assert_uint_eq(before.qi[1].state, VXPU_QUEUE_ERROR);
	ck_assert_uint_eq(before.qi[2].state, VXPU_QUEUE_PAUSED);
	ck_assert_uint_eq(im.info.num_bos, 6);	/* src dst flag + 3 rings */
	/* ASIDs 2 + mappings 4 + queues 3 + events 2 + 3 queue events */
	ck_assert_uint_eq(im.info.num_objects, 2 + 4 + 3 + 5);

	/* close the original completely: its ctx id is free again */
	munmap(src.cpu, big);
	munmap(dst.cpu, big);
	munmap(flag.cpu, VT_PAGE);
	for (int i = 0; i < NQ; i++)
		munmap(q[i].ring, q[i].ring_bytes);
	close(fd);
	close(im.pause_fd);
	im.pause_fd = -1;

	for (int round = 0; round < 2; round++) {
		struct drm_vxpu_bo_info bi;
		uint8_t *cpu;

		fd = dt_open(0);
		VT_OK(cr_restore(fd, &im, 1000 + round));
		after = cr_state(fd, qid, ev);
		cr_state_eq(&before, &after);
		/* the handle gap stays a gap; every BO is at its handle */
		VT_ERR(vxpu_bo_info(fd, gap, &bi), ENOENT);
		VT_ERR(vxpu_bo_info(fd, gap2, &bi), ENOENT);
		/* a BO after a gap is whole: RESTORE's spare gap handles closed nothing */
		{
			struct drm_vxpu_context_info fci;
			int fe = dt_open(0);
			uint64_t gid;

			VT_OK(vxpu_context_info(fe, &fci));
			VT_OK(vxpu_grant_create(fd, src.h, 0, VT_PAGE, fci.ctx_id,
						VXPU_GRANT_READ, &gid));
			VT_OK(vxpu_grant_revoke(fd, gid));
			close(fe);
		}
		/* id cursors: the next ASID is the one after a3, not a2 */
		VT_OK(vxpu_asid_create(fd, 0, &id));
		ck_assert_uint_eq(id, a3 + 1);
		VT_OK(vxpu_asid_destroy(fd, id));
		/* the restored context stays paused until RESUME */
		usleep(50 * 1000);
		VT_OK(vxpu_queue_info(fd, qid[0], &qi));
		ck_assert_uint_eq(qi.progress, before.qi[0].progress);
		ck_assert_uint_eq(qi.state, VXPU_QUEUE_PAUSED);

		VT_OK(vxpu_criu_resume(fd, 0));
		VT_ERR(vxpu_criu_resume(fd, 0), ENOENT);

		q[0] = queue_of(fd, qid[0], a1, wptr[0]);
		qi = POLL_INFO(&q[0], 120, qi_.rptr == wptr[0]);
		ck_assert_msg(qi.rptr == wptr[0] && qi.state == VXPU_QUEUE_IDLE,
			      "queue 0 rptr %llu state %u, want %llu IDLE",
			      (unsigned long long)qi.rptr, qi.state,
			      (unsigned long long)wptr[0]);
		cpu = dt_mmap(fd, dst.h, big);
		/* one check, not one per byte: Check's asserts cost a write each */
		if (memcmp(cpu, want, big)) {
			uint64_t i = 0;

			while (cpu[i] == want[i])
				i++;
			ck_abort_msg("dst byte %llu is %#x, want %#x", (unsigned long long)i,
				     cpu[i], want[i]);
		}
		munmap(cpu, big);
		VT_OK(vxpu_vm_read(fd, a3, flag.va + 8, &v, 8));
		ck_assert_uint_eq(v, 0x5555);

		/* the read-only mapping is still read-only */
		VT_ERR(vxpu_vm_write(fd, a1, ro_va, &one, 8), EACCES);
		VT_OK(vxpu_vm_read(fd, a1, ro_va, &v, 8));
		/* the faulted queue is still faulted */
		VT_OK(vxpu_queue_info(fd, qid[1], &qi));
		ck_assert_uint_eq(qi.state, VXPU_QUEUE_ERROR);
		VT_ERR(vxpu_queue_doorbell(fd, qid[1], wptr[1] + 1), EIO);

		/* the waiting queue runs once the flag is set */
		VT_OK(vxpu_vm_write(fd, a3, flag.va, &one, 8));
		q[2] = queue_of(fd, qid[2], a3, wptr[2]);
		qi = POLL_INFO(&q[2], 60, qi_.rptr == wptr[2]);
		ck_assert_uint_eq(qi.rptr, wptr[2]);
		VT_OK(vxpu_event_read(fd, ev[1], &v));
		ck_assert_uint_eq(v, 100);
		VT_OK(vxpu_event_read(fd, ev[0], &v));
		ck_assert_uint_eq(v, 42);
		close(fd);
	}
	free(want);
	cr_free(&im);
}
END_TEST

/*
 * Restore in another process: the original is closed, a child restores
 * and owns the new context. RESUME by pid from the parent needs the
 * parent to be the child's ptrace parent.
 */
START_TEST(criu_restore_in_child)
{
	struct et_buf b;
	struct cr_img im;
	uint32_t a, ev;
	int fd, pipefd[2], cfd;
	pid_t pid;
	char c;

	fd = dt_open(1);
	et_require_engine(fd);
	a = dt_asid(fd);
	b = et_buf(fd, a, 1 << 20, VXPU_BO_GTT, RW);
	vt_fill_pattern(b.cpu, 1 << 20, 9);
	VT_OK(vxpu_event_create(fd, 7, &ev));
	cr_checkpoint(fd, &im);
	munmap(b.cpu, 1 << 20);
	close(fd);
	close(im.pause_fd);
	im.pause_fd = -1;

	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		uint64_t v;
		void *p;

		close(pipefd[0]);
		cfd = vxpu_open_index(1);
		CHILD_CHECK(cfd >= 0, "open: %d", cfd);
		CHILD_CHECK(cr_restore(cfd, &im, 77) == 0, "restore");
		CHILD_CHECK(vxpu_event_read(cfd, ev, &v) == 0 && v == 7, "event");
		p = dt_mmap(cfd, b.h, 1 << 20);
		CHILD_CHECK(vt_check_pattern(p, 1 << 20, 9) == -1, "contents");
		CHILD_CHECK(write(pipefd[1], "r", 1) == 1, "write");
		/* the parent resumes us by pid, then kills us */
		for (;;)
			pause();
	}
	close(pipefd[1]);
	ck_assert_int_eq(read(pipefd[0], &c, 1), 1);
	cfd = dt_open(1);
	/* the parent is not the child's ptrace parent */
	VT_ERR(vxpu_criu_resume(cfd, pid), EPERM);
	ck_assert_int_eq(ptrace(PTRACE_SEIZE, pid, NULL, NULL), 0);
	VT_OK(vxpu_criu_resume(cfd, pid));
	VT_ERR(vxpu_criu_resume(cfd, pid), ENOENT);
	/* nothing pending for this process either */
	VT_ERR(vxpu_criu_resume(cfd, getpid()), ENOENT);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	close(cfd);
	close(pipefd[0]);
	cr_free(&im);
}
END_TEST

/*
 * A BO shared by dma-buf between two contexts comes back shared: context
 * B imported A's BO, so B's bucket is IMPORTED; B's restore waits
 * (-EAGAIN) for A's, then attaches to the very BO A recreated.
 */
START_TEST(criu_shared_bo)
{
	struct cr_img ia, ib;
	struct drm_vxpu_bo_info bi;
	struct drm_vxpu_context_info ca, cb;
	uint32_t ha, hb, own;
	uint64_t off;
	int fa, fb, dfd;
	uint8_t *pa, *pb;

	fa = dt_open(0);
	fb = dt_open(0);
	ha = dt_bo(fa, 4 * VT_PAGE, VXPU_BO_VRAM, &off);
	own = dt_bo(fb, VT_PAGE, VXPU_BO_GTT, NULL);
	pa = dt_mmap(fa, ha, 4 * VT_PAGE);
	vt_fill_pattern(pa, 4 * VT_PAGE, 3);
	dfd = vxpu_bo_export(fa, ha, 0);
	ck_assert_int_ge(dfd, 0);
	VT_OK(vxpu_bo_import(fb, dfd, &hb));
	close(dfd);
	ca = dt_ctxinfo(fa);
	cb = dt_ctxinfo(fb);

	cr_checkpoint(fa, &ia);
	cr_checkpoint(fb, &ib);
	ck_assert_uint_eq(ib.info.num_bos, 2);
	for (uint32_t i = 0; i < 2; i++) {
		if (ib.bk[i].handle == hb) {
			ck_assert_uint_eq(ib.bk[i].flags, VXPU_CRIU_BO_IMPORTED);
			ck_assert_uint_eq(ib.bk[i].owner_ctx_id, ca.ctx_id);
			ck_assert_uint_eq(ib.bk[i].offset, off);
		} else {
			ck_assert_uint_eq(ib.bk[i].handle, own);
			ck_assert_uint_eq(ib.bk[i].flags, 0);
		}
	}
	munmap(pa, 4 * VT_PAGE);
	close(fa);
	close(fb);
	close(ia.pause_fd);
	close(ib.pause_fd);
	ia.pause_fd = ib.pause_fd = -1;

	fa = dt_open(0);
	fb = dt_open(0);
	/* the owner is not restored yet: retry later; nothing remains */
	VT_ERR(cr_restore(fb, &ib, 5), EAGAIN);
	ck_assert_uint_eq(dt_ctxinfo(fb).bo_count, 0);
	VT_ERR(vxpu_bo_info(fb, own, &bi), ENOENT);
	VT_OK(cr_restore(fa, &ia, 5));
	/* another restore (cookie) does not see this one's BOs */
	VT_ERR(cr_restore(fb, &ib, 6), EAGAIN);
	/*
	 * An IMPORTED bucket whose size or placement is not the owner's BO's
	 * (a crafted image): -EINVAL, and B's own BO, restored before it (a
	 * lower handle), is gone again. One page more keeps every bucket
	 * well formed, so only the comparison with the registered BO sees it.
	 */
	{
		struct drm_vxpu_criu_bo_bucket *b = &ib.bk[1];

		ck_assert_uint_eq(ib.bk[0].handle, own);
		ck_assert_uint_eq(b->handle, hb);
		ck_assert_uint_eq(b->placement, VXPU_BO_VRAM);
		b->size += VT_PAGE;
		VT_ERR(cr_restore(fb, &ib, 5), EINVAL);
		ck_assert_uint_eq(dt_ctxinfo(fb).bo_count, 0);
		ck_assert_uint_eq(dt_ctxinfo(fb).quota_used, 0);
		VT_ERR(vxpu_bo_info(fb, own, &bi), ENOENT);
		b->size -= VT_PAGE;
		b->placement = VXPU_BO_GTT;
		VT_ERR(cr_restore(fb, &ib, 5), EINVAL);
		ck_assert_uint_eq(dt_ctxinfo(fb).bo_count, 0);
		ck_assert_uint_eq(dt_ctxinfo(fb).quota_used, 0);
		VT_ERR(vxpu_bo_info(fb, own, &bi), ENOENT);
		b->placement = VXPU_BO_VRAM;
	}
	/* the unaltered image still restores into the same context */
	VT_OK(cr_restore(fb, &ib, 5));
	ck_assert_uint_eq(dt_ctxinfo(fa).ctx_id, ca.ctx_id);
	ck_assert_uint_eq(dt_ctxinfo(fb).ctx_id, cb.ctx_id);
	VT_OK(vxpu_bo_info(fb, hb, &bi));
	ck_assert_uint_eq(bi.owner_ctx_id, ca.ctx_id);
	/* one BO: a write through A shows through B */
	pa = dt_mmap(fa, ha, 4 * VT_PAGE);
	pb = dt_mmap(fb, hb, 4 * VT_PAGE);
	ck_assert_int_eq(vt_check_pattern(pb, 4 * VT_PAGE, 3), -1);
	pa[100] ^= 0xff;
	ck_assert_uint_eq(pb[100], pa[100]);
	/* both contexts are this process's: one RESUME by pid resumes both */
	VT_OK(vxpu_criu_resume(fa, getpid()));
	VT_ERR(vxpu_criu_resume(fa, 0), ENOENT);
	VT_ERR(vxpu_criu_resume(fb, 0), ENOENT);
	munmap(pa, 4 * VT_PAGE);
	munmap(pb, 4 * VT_PAGE);
	close(fb);
	close(fa);
	cr_free(&ia);
	cr_free(&ib);
}
END_TEST

/*
 * A half-done HASH64 (lane accumulators and the tail of a partial stripe
 * in the progress state) resumes after restore and gives the reference
 * hash. The source size is not a multiple of the 32-byte stripe.
 */
START_TEST(criu_half_done_hash)
{
	const uint64_t n = (8ULL << 20) + 13;
	struct et_ctx c;
	struct et_buf src, out;
	struct drm_vxpu_packet p;
	struct drm_vxpu_queue_info qi;
	struct cr_img im;
	uint64_t h, want, wptr, start;
	uint32_t qid, asid;
	uint8_t *buf;
	int fd;

	et_open(&c, 1);
	src = et_buf(c.fd, c.asid, n, VXPU_BO_GTT, RW);
	out = et_buf(c.fd, c.asid, VT_PAGE, VXPU_BO_VRAM, RW);
	buf = malloc(n);
	ck_assert(buf);
	et_random(buf, n, 31);
	memcpy(src.cpu, buf, n);
	want = vxpu_ref_hash64(buf, n, 0x1234);
	vxpu_pkt_hash64(&p, 0, out.va, 0, src.va, n, 0x1234);
	cr_checkpoint_mid(c.fd, &c.q, &p, 1, &im, &start);
	qi = et_info(&c.q);
	ck_assert_uint_eq(qi.rptr, start);
	ck_assert_uint_gt(qi.progress, 0);
	ck_assert_uint_lt(qi.progress, n);
	qid = c.q.id;
	asid = c.asid;
	wptr = c.q.wptr;
	munmap(src.cpu, src.size);
	munmap(out.cpu, out.size);
	munmap(c.q.ring, c.q.ring_bytes);
	close(c.fd);
	close(im.pause_fd);
	im.pause_fd = -1;

	fd = dt_open(1);
	VT_OK(cr_restore(fd, &im, 9));
	VT_OK(vxpu_criu_resume(fd, 0));
	c.q = queue_of(fd, qid, asid, wptr);
	qi = POLL_INFO(&c.q, 120, qi_.rptr == wptr);
	ck_assert_uint_eq(qi.rptr, wptr);
	VT_OK(vxpu_vm_read(fd, asid, out.va, &h, 8));
	ck_assert_msg(h == want, "hash %#llx, want %#llx", (unsigned long long)h,
		      (unsigned long long)want);
	close(fd);
	free(buf);
	cr_free(&im);
}
END_TEST

/*
 * A RESTORE that fails half way (the image's quota admits the first BO
 * only: -EDQUOT) leaves nothing: no handle, BO, ASID, queue or event,
 * the context's id and quota as they were, and the context still fresh.
 */
START_TEST(criu_restore_unwinds)
{
	struct et_ctx c;
	struct drm_vxpu_context_info ci, ci2;
	struct drm_vxpu_bo_info bi;
	struct drm_vxpu_criu a;
	struct et_buf b[2];
	struct cr_img im;
	uint64_t quota;
	uint32_t ev;
	int fd;

	et_open(&c, 0);
	b[0] = et_buf(c.fd, c.asid, 1 << 20, VXPU_BO_VRAM, RW);
	b[1] = et_buf(c.fd, c.asid, 1 << 20, VXPU_BO_GTT, RW);
	VT_OK(vxpu_event_create(c.fd, 5, &ev));
	cr_checkpoint(c.fd, &im);
	ck_assert_uint_eq(im.info.num_bos, 3);
	munmap(b[0].cpu, b[0].size);
	munmap(b[1].cpu, b[1].size);
	et_close(&c);
	close(im.pause_fd);
	im.pause_fd = -1;

	fd = dt_open(0);
	ci = dt_ctxinfo(fd);
	a = cr_args(fd, &im, 4);
	/* header: magic, version, header_size, total_size, ctx_id, flags, quota */
	memcpy(&quota, (uint8_t *)im.priv + 32, 8);
	ck_assert_uint_eq(quota, ci.quota);
	quota = im.bk[0].size;
	memcpy((uint8_t *)im.priv + 32, &quota, 8);
	VT_ERR(vxpu_criu_restore(fd, &a), EDQUOT);
	ci2 = dt_ctxinfo(fd);
	ck_assert_uint_eq(ci2.ctx_id, ci.ctx_id);
	ck_assert_uint_eq(ci2.quota, ci.quota);
	ck_assert_uint_eq(ci2.quota_used, 0);
	ck_assert_uint_eq(ci2.bo_count, 0);
	ck_assert_uint_eq(ci2.asid_count, 0);
	for (uint32_t i = 0; i < im.info.num_bos; i++)
		VT_ERR(vxpu_bo_info(fd, im.bk[i].handle, &bi), ENOENT);
	VT_ERR(vxpu_criu_resume(fd, 0), ENOENT);
	free((void *)(uintptr_t)a.bos);
	/* the same context is still fresh: the right image restores */
	quota = ci.quota;
	memcpy((uint8_t *)im.priv + 32, &quota, 8);
	VT_OK(cr_restore(fd, &im, 4));
	ci2 = dt_ctxinfo(fd);
	ck_assert_uint_eq(ci2.bo_count, 3);
	ck_assert_uint_eq(ci2.asid_count, 1);
	VT_OK(vxpu_criu_resume(fd, 0));
	close(fd);
	cr_free(&im);
}
END_TEST

static void sync_put(int fd, char c)
{
	CHILD_CHECK(write(fd, &c, 1) == 1, "sync write: %m");
}

static void sync_get(int fd, char want)
{
	char c = 0;

	CHILD_CHECK(read(fd, &c, 1) == 1 && c == want, "sync read: got %c, want %c", c, want);
}

/*
 * Parent and child share a BO by dma-buf (SCM_RIGHTS): each checkpoints
 * its own context, both close, the parent restores its context (the
 * owner), then the child restores its own with the same cookie and gets
 * the parent's new BO: a byte the child writes shows in the parent.
 */
START_TEST(criu_shared_bo_parent_child)
{
	const uint64_t size = 2 * VT_PAGE;
	const uint64_t cookie = 0xc0ffee;
	struct drm_vxpu_context_info ca;
	struct drm_vxpu_bo_info bi;
	struct cr_img ia;
	int sv[2], fa, dfd;
	uint32_t ha;
	uint8_t *pa;
	pid_t pid;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fa = dt_open(0);
	ha = dt_bo(fa, size, VXPU_BO_GTT, NULL);
	pa = dt_mmap(fa, ha, size);
	vt_fill_pattern(pa, size, 21);
	ca = dt_ctxinfo(fa);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		struct cr_img ib;
		uint32_t hb = 0;
		uint8_t *pb;
		int fb, d;

		/* the parent's file and mapping are not the child's to keep */
		close(sv[0]);
		munmap(pa, size);
		close(fa);
		fb = vxpu_open_index(0);
		CHILD_CHECK(fb >= 0, "open");
		d = vxpu_recv_fd(sv[1], NULL, 0);
		CHILD_CHECK(d >= 0, "recv_fd %d", d);
		CHILD_CHECK(vxpu_bo_import(fb, d, &hb) == 0, "import");
		close(d);
		cr_checkpoint(fb, &ib);
		CHILD_CHECK(ib.info.num_bos == 1 && ib.bk[0].flags == VXPU_CRIU_BO_IMPORTED &&
			    ib.bk[0].owner_ctx_id == ca.ctx_id, "bucket flags %u owner %u",
			    ib.bk[0].flags, ib.bk[0].owner_ctx_id);
		close(fb);
		close(ib.pause_fd);
		ib.pause_fd = -1;
		sync_put(sv[1], 'k');		/* checkpointed and closed */
		sync_get(sv[1], 'r');		/* the parent restored the owner */
		fb = vxpu_open_index(0);
		CHILD_CHECK(fb >= 0, "open");
		CHILD_CHECK(cr_restore(fb, &ib, cookie) == 0, "restore");
		pb = dt_mmap(fb, hb, size);
		CHILD_CHECK(vt_check_pattern(pb, size, 21) == -1, "contents");
		pb[5] = 0xab;
		munmap(pb, size);
		sync_put(sv[1], 'w');
		sync_get(sv[1], 'd');
		CHILD_CHECK(vxpu_criu_resume(fb, 0) == 0, "resume");
		close(fb);
		cr_free(&ib);
		_exit(0);
	}
	close(sv[1]);
	dfd = vxpu_bo_export(fa, ha, 0);
	ck_assert_int_ge(dfd, 0);
	VT_OK(vxpu_send_fd(sv[0], dfd, NULL, 0));
	close(dfd);
	sync_get(sv[0], 'k');
	cr_checkpoint(fa, &ia);
	ck_assert_uint_eq(ia.bk[0].flags, 0);
	munmap(pa, size);
	close(fa);
	close(ia.pause_fd);
	ia.pause_fd = -1;
	fa = dt_open(0);
	VT_OK(cr_restore(fa, &ia, cookie));
	ck_assert_uint_eq(dt_ctxinfo(fa).ctx_id, ca.ctx_id);
	sync_put(sv[0], 'r');
	sync_get(sv[0], 'w');
	pa = dt_mmap(fa, ha, size);
	ck_assert_uint_eq(pa[5], 0xab);
	VT_OK(vxpu_bo_info(fa, ha, &bi));
	ck_assert_uint_eq(bi.owner_ctx_id, ca.ctx_id);
	sync_put(sv[0], 'd');
	dt_wait_ok(pid, "child");
	VT_OK(vxpu_criu_resume(fa, 0));
	munmap(pa, size);
	close(fa);
	close(sv[0]);
	cr_free(&ia);
}
END_TEST

/* ------------------------------------------------------------ errnos */

START_TEST(criu_einval)
{
	struct drm_vxpu_criu a = { 0 }, r, k;
	struct drm_vxpu_criu_bo_bucket bk[2];
	struct cr_img im;
	uint64_t *blob;
	int fd, fd2, low;

	fd = dt_open(0);
	dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL);
	a.op = 5;
	VT_ERR(criu_raw(fd, &a), EINVAL);
	a.op = VXPU_CRIU_UNPAUSE;
	a.flags = 1;
	VT_ERR(criu_raw(fd, &a), EINVAL);
	a.flags = 0;
	a.pad = 1;
	VT_ERR(criu_raw(fd, &a), EINVAL);
	/* UNPAUSE without a pause */
	VT_ERR(vxpu_criu_unpause(fd), EINVAL);

	cr_checkpoint(fd, &im);
	/* CHECKPOINT (paused by PROCESS_INFO): counts over the limits */
	k = im.ck;
	k.bos = (uintptr_t)bk;
	k.num_bos = VXPU_CRIU_BO_MAX + 1;
	VT_ERR(vxpu_criu_checkpoint(fd, &k), EINVAL);
	k.num_bos = im.ck.num_bos;
	k.priv_data_size = VXPU_CRIU_PRIV_MAX + 8;
	VT_ERR(vxpu_criu_checkpoint(fd, &k), EINVAL);
	k.priv_data_size = im.ck.priv_data_size;
	/* bad user pointers: -EFAULT, and the dma-buf fds made for it are closed */
	low = lowest_free_fd();
	k.bos = 8;
	VT_ERR(vxpu_criu_checkpoint(fd, &k), EFAULT);
	k.bos = (uintptr_t)bk;
	k.priv_data = 8;
	VT_ERR(vxpu_criu_checkpoint(fd, &k), EFAULT);
	ck_assert_int_eq(lowest_free_fd(), low);
	k.priv_data = im.ck.priv_data;
	VT_OK(vxpu_criu_checkpoint(fd, &k));
	ck_assert_int_ge(bk[0].dmabuf_fd, 0);
	close(bk[0].dmabuf_fd);
	fd2 = dt_open(0);
	r = cr_args(fd2, &im, 1);
	r.restore_cookie = 0;
	VT_ERR(vxpu_criu_restore(fd2, &r), EINVAL);
	r.restore_cookie = 1;
	r.device.actual_gpu_id ^= 0x100;
	VT_ERR(vxpu_criu_restore(fd2, &r), EINVAL);
	r.device.actual_gpu_id ^= 0x100;
	r.device.pad = 1;
	VT_ERR(vxpu_criu_restore(fd2, &r), EINVAL);
	r.device.pad = 0;
	r.num_bos = VXPU_CRIU_BO_MAX + 1;
	VT_ERR(vxpu_criu_restore(fd2, &r), EINVAL);
	r.num_bos = im.info.num_bos;
	r.priv_data_size = VXPU_CRIU_PRIV_MAX + 8;
	VT_ERR(vxpu_criu_restore(fd2, &r), EINVAL);
	r.priv_data_size = im.info.priv_data_size;
	/* a bad bucket: size 0 */
	((struct drm_vxpu_criu_bo_bucket *)(uintptr_t)r.bos)[0].size = 0;
	VT_ERR(vxpu_criu_restore(fd2, &r), EINVAL);
	free((void *)(uintptr_t)r.bos);
	/* a bad blob: magic, version, truncated */
	r = cr_args(fd2, &im, 1);
	blob = malloc(im.info.priv_data_size);
	memcpy(blob, im.priv, im.info.priv_data_size);
	r.priv_data = (uintptr_t)blob;
	blob[0] ^= 1;
	VT_ERR(vxpu_criu_restore(fd2, &r), EINVAL);
	blob[0] ^= 1;
	/* an unknown version: -EPROTO */
	blob[1] += 1;
	VT_ERR(vxpu_criu_restore(fd2, &r), EPROTO);
	blob[1] -= 1;
	r.priv_data_size -= 8;
	VT_ERR(vxpu_criu_restore(fd2, &r), EINVAL);
	r.priv_data_size += 8;
	/* the id is taken by the original, still open */
	VT_ERR(vxpu_criu_restore(fd2, &r), EEXIST);
	ck_assert_uint_eq(dt_ctxinfo(fd2).bo_count, 0);
	free((void *)(uintptr_t)r.bos);
	free(blob);
	close(fd2);
	close(fd);
	cr_free(&im);
}
END_TEST

START_TEST(criu_ebusy_eagain)
{
	struct drm_vxpu_criu ck;
	struct cr_img im;
	uint32_t ev;
	int fd, fd2;

	fd = dt_open(0);
	dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL);
	/* CHECKPOINT without PROCESS_INFO's pause */
	memset(&ck, 0, sizeof(ck));
	ck.num_bos = 1;
	VT_ERR(vxpu_criu_checkpoint(fd, &ck), EBUSY);
	/* a user pause is not a PROCESS_INFO pause */
	VT_OK(vxpu_context_pause(fd));
	VT_ERR(vxpu_criu_checkpoint(fd, &ck), EBUSY);
	VT_OK(vxpu_context_resume(fd));

	cr_checkpoint(fd, &im);
	/* counts changed since PROCESS_INFO */
	VT_OK(vxpu_event_create(fd, 0, &ev));
	VT_ERR(vxpu_criu_checkpoint(fd, &im.ck), EAGAIN);
	VT_OK(vxpu_event_destroy(fd, ev));
	dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL);
	VT_ERR(vxpu_criu_checkpoint(fd, &im.ck), EAGAIN);
	/* after UNPAUSE the pause fd holds nothing: CHECKPOINT refused */
	VT_OK(vxpu_criu_unpause(fd));
	VT_ERR(vxpu_criu_unpause(fd), EINVAL);
	VT_ERR(vxpu_criu_checkpoint(fd, &im.ck), EBUSY);

	/* RESTORE into a context that is not fresh */
	VT_ERR(cr_restore(fd, &im, 3), EBUSY);
	fd2 = dt_open(0);
	dt_bo(fd2, VT_PAGE, VXPU_BO_GTT, NULL);
	VT_ERR(cr_restore(fd2, &im, 3), EBUSY);
	close(fd2);
	fd2 = dt_open(0);
	VT_OK(vxpu_event_create(fd2, 0, &ev));
	VT_ERR(cr_restore(fd2, &im, 3), EBUSY);
	close(fd2);
	/* a context with a grant (backend) or a foreign BO (frontend): -EBUSY */
	{
		struct drm_vxpu_criu i, fi;
		struct drm_vxpu_grant_map gm;
		uint64_t gid;
		uint32_t h;
		int fe = dt_open(0);

		fd2 = dt_open(0);
		h = dt_bo(fd2, VT_PAGE, VXPU_BO_GTT, NULL);
		VT_OK(vxpu_grant_create(fd2, h, 0, VT_PAGE, dt_ctxinfo(fe).ctx_id,
					VXPU_GRANT_READ, &gid));
		VT_ERR(vxpu_criu_process_info(fd2, &i), EBUSY);
		VT_OK(vxpu_grant_map(fe, gid, VXPU_GRANT_READ, &gm));
		VT_ERR(vxpu_criu_process_info(fe, &i), EBUSY);
		VT_OK(vxpu_grant_unmap(fe, gid));
		VT_OK(vxpu_criu_process_info(fe, &i));
		close(i.pause_fd);
		VT_OK(vxpu_grant_revoke(fd2, gid));
		/*
		 * ... and CHECKPOINT refuses one that gained a grant or a
		 * foreign BO after PROCESS_INFO; without it, the same counts
		 * checkpoint
		 */
		VT_OK(vxpu_criu_process_info(fd2, &i));
		VT_OK(vxpu_grant_create(fd2, h, 0, VT_PAGE, dt_ctxinfo(fe).ctx_id,
					VXPU_GRANT_READ, &gid));
		VT_ERR(cr_checkpoint_scratch(fd2, &i), EBUSY);
		VT_OK(vxpu_criu_process_info(fe, &fi));
		VT_OK(vxpu_grant_map(fe, gid, VXPU_GRANT_READ, &gm));
		VT_ERR(cr_checkpoint_scratch(fe, &fi), EBUSY);
		VT_OK(vxpu_grant_unmap(fe, gid));
		VT_OK(cr_checkpoint_scratch(fe, &fi));
		VT_OK(vxpu_grant_revoke(fd2, gid));
		VT_OK(cr_checkpoint_scratch(fd2, &i));
		close(fi.pause_fd);
		close(i.pause_fd);
		close(fe);
		close(fd2);
	}
	/* a mapped BO whose handle is closed cannot be named: -EOPNOTSUPP */
	{
		struct drm_vxpu_criu i, k;
		uint8_t priv[4096];
		uint32_t a, h;

		fd2 = dt_open(0);
		a = dt_asid(fd2);
		h = dt_bo(fd2, VT_PAGE, VXPU_BO_GTT, NULL);
		dt_map(fd2, a, h, 0, VT_PAGE, RW);
		VT_OK(vxpu_bo_destroy(fd2, h));
		VT_OK(vxpu_criu_process_info(fd2, &i));
		ck_assert_uint_eq(i.num_bos, 0);
		ck_assert_uint_le(i.priv_data_size, sizeof(priv));
		memset(&k, 0, sizeof(k));
		k.num_objects = i.num_objects;
		k.priv_data_size = i.priv_data_size;
		k.priv_data = (uintptr_t)priv;
		VT_ERR(vxpu_criu_checkpoint(fd2, &k), EOPNOTSUPP);
		close(i.pause_fd);
		close(fd2);
	}
	/* more ASIDs than an image holds: -E2BIG */
	{
		struct drm_vxpu_criu i;
		uint32_t a;

		fd2 = dt_open(0);
		for (int n = 0; n <= 4096; n++)
			VT_OK(vxpu_asid_create(fd2, 0, &a));
		VT_ERR(vxpu_criu_process_info(fd2, &i), E2BIG);
		close(fd2);
	}
	/* more handles than an image holds (VXPU_CRIU_BO_MAX): -E2BIG */
	{
		struct drm_vxpu_criu i;
		uint32_t h;

		fd2 = dt_open(0);
		for (int n = 0; n <= VXPU_CRIU_BO_MAX; n++)
			VT_OK(vxpu_bo_create(fd2, VT_PAGE, VXPU_BO_GTT, &h, NULL));
		VT_ERR(vxpu_criu_process_info(fd2, &i), E2BIG);
		VT_OK(vxpu_bo_destroy(fd2, h));			/* exactly the limit: fine */
		VT_OK(vxpu_criu_process_info(fd2, &i));
		ck_assert_uint_eq(i.num_bos, VXPU_CRIU_BO_MAX);
		close(i.pause_fd);
		close(fd2);
	}
	/* RESUME with nothing pending */
	VT_ERR(vxpu_criu_resume(fd, 0), ENOENT);
	VT_ERR(vxpu_criu_resume(fd, getpid()), ENOENT);
	close(fd);
	cr_free(&im);
}
END_TEST

/* the pause fd holds the pause: closing it, UNPAUSE, nesting */
START_TEST(criu_pause_fd)
{
	struct et_ctx c;
	struct drm_vxpu_criu i1, i2;
	struct drm_vxpu_queue_info qi;

	et_open(&c, 0);
	VT_OK(vxpu_criu_process_info(c.fd, &i1));
	VT_OK(vxpu_criu_process_info(c.fd, &i2));
	ck_assert_uint_eq(et_info(&c.q).state, VXPU_QUEUE_PAUSED);
	/* UNPAUSE drops the oldest: i2 still holds a pause */
	VT_OK(vxpu_criu_unpause(c.fd));
	ck_assert_uint_eq(et_info(&c.q).state, VXPU_QUEUE_PAUSED);
	/* closing i1 (already unpaused) changes nothing */
	close(i1.pause_fd);
	ck_assert_uint_eq(et_info(&c.q).state, VXPU_QUEUE_PAUSED);
	/* closing i2 resumes */
	close(i2.pause_fd);
	qi = et_info(&c.q);
	ck_assert_uint_eq(qi.state, VXPU_QUEUE_IDLE);
	VT_ERR(vxpu_criu_unpause(c.fd), EINVAL);
	/* the pause fd is close-on-exec */
	VT_OK(vxpu_criu_process_info(c.fd, &i1));
	ck_assert_int_eq(fcntl(i1.pause_fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	VT_OK(vxpu_criu_unpause(c.fd));
	close(i1.pause_fd);
	et_close(&c);
}
END_TEST

/*
 * -EPERM: without CAP_CHECKPOINT_RESTORE and CAP_SYS_ADMIN (even on the
 * caller's own context); from a process that is neither the owner nor its
 * ptrace parent. A ptrace parent ("plugin") may, and its SIGKILL undoes
 * the pause its pause fd held.
 */
START_TEST(criu_eperm_and_kill)
{
	struct et_ctx c;
	struct drm_vxpu_criu info;
	int pipefd[2];
	pid_t pid, parent = getpid();
	char ch;

	et_open(&c, 0);

	/* no capability: even the owner is refused */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		static const int caps[] = { CAP_CHECKPOINT_RESTORE, CAP_SYS_ADMIN };
		int fd;

		drop_caps(caps, 2);
		fd = vxpu_open_index(0);
		CHILD_CHECK(fd >= 0, "open");
		CHILD_CHECK(vxpu_criu_process_info(fd, &info) == -EPERM, "process_info");
		CHILD_CHECK(vxpu_criu_resume(fd, 0) == -EPERM, "resume");
		_exit(0);
	}
	dt_wait_ok(pid, "no capability");

	/* one of the two capabilities is enough */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		static const int caps[] = { CAP_SYS_ADMIN };
		int fd;

		drop_caps(caps, 1);
		fd = vxpu_open_index(0);
		CHILD_CHECK(fd >= 0, "open");
		CHILD_CHECK(vxpu_criu_process_info(fd, &info) == 0, "process_info");
		CHILD_CHECK(vxpu_criu_unpause(fd) == 0, "unpause");
		_exit(0);
	}
	dt_wait_ok(pid, "CAP_CHECKPOINT_RESTORE only");

	/* neither owner nor ptrace parent, on the inherited file */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		CHILD_CHECK(vxpu_criu_process_info(c.fd, &info) == -EPERM, "process_info");
		CHILD_CHECK(vxpu_criu_unpause(c.fd) == -EPERM, "unpause");
		_exit(0);
	}
	dt_wait_ok(pid, "not the owner");
	ck_assert_uint_eq(et_info(&c.q).state, VXPU_QUEUE_IDLE);

	/* the ptrace parent may; SIGKILL of it undoes its pause */
	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		close(pipefd[0]);
		seize(parent);
		CHILD_CHECK(vxpu_criu_process_info(c.fd, &info) == 0, "process_info");
		CHILD_CHECK(info.pid == (uint32_t)parent, "pid %u", info.pid);
		CHILD_CHECK(write(pipefd[1], "p", 1) == 1, "write");
		for (;;)
			pause();
	}
	close(pipefd[1]);
	ck_assert_int_eq(read(pipefd[0], &ch, 1), 1);
	ck_assert_uint_eq(et_info(&c.q).state, VXPU_QUEUE_PAUSED);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	ck_assert_uint_eq(et_info(&c.q).state, VXPU_QUEUE_IDLE);
	close(pipefd[0]);
	et_close(&c);
}
END_TEST

/*
 * CHECKPOINT and RESTORE failing at their last copy to userspace (the
 * buckets' page unmapped under them): no dma-buf fd is left, nothing is
 * restored, and the context takes the image afterwards. Where the kernel
 * allows it, no fd is even visible before the ioctl succeeds: an error
 * path that closes fds by number could close one that another thread had
 * closed and reused meanwhile.
 */
START_TEST(criu_fds_installed_last)
{
	int fd = dt_open(0), fd2, low, base;
	struct drm_vxpu_criu k, r;
	struct wp_stall w;
	struct cr_img im;

	dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL);
	dt_bo(fd, 2 * VT_PAGE, VXPU_BO_VRAM, NULL);
	cr_checkpoint(fd, &im);
	ck_assert_uint_eq(im.info.num_bos, 2);
	low = lowest_free_fd();
	base = count_dmabuf_fds();

	k = im.ck;
	wp_stall_start(&w, im.bk, 2 * sizeof(*im.bk), 1, NULL, NULL);
	k.bos = (uintptr_t)w.page;
	VT_ERR(vxpu_criu_checkpoint(fd, &k), EFAULT);
	wp_stall_end(&w);
	fds_after_failure("CHECKPOINT", &w, base, low);
	close(fd);
	close(im.pause_fd);		/* the context goes, its id is free */
	im.pause_fd = -1;

	fd2 = dt_open(0);
	low = lowest_free_fd();
	r = cr_args_stalled(fd2, &im, &w, NULL, NULL);
	VT_ERR(vxpu_criu_restore(fd2, &r), EFAULT);
	wp_stall_end(&w);
	fds_after_failure("RESTORE", &w, base, low);
	ck_assert_uint_eq(dt_ctxinfo(fd2).bo_count, 0);
	VT_OK(cr_restore(fd2, &im, 1));
	ck_assert_uint_eq(dt_ctxinfo(fd2).bo_count, 2);
	close(fd2);
	cr_free(&im);
}
END_TEST

struct grant_args {
	int fd;
	uint32_t handle, to_ctx;
	uint64_t id;
};

static int grant_now(void *arg)
{
	struct grant_args *g = arg;

	return vxpu_grant_create(g->fd, g->handle, 0, VT_PAGE, g->to_ctx, VXPU_GRANT_READ,
				 &g->id);
}

/*
 * A grant made by another thread while CHECKPOINT copies out its buckets:
 * the image cannot hold it, so CHECKPOINT fails with -EBUSY at its end and
 * leaves no dma-buf fd.
 */
START_TEST(criu_grant_during_checkpoint)
{
	int fd = dt_open(0), fe = dt_open(0), low, base;
	struct grant_args g = { .fd = fd, .to_ctx = dt_ctxinfo(fe).ctx_id };
	struct drm_vxpu_criu k;
	struct wp_stall w;
	struct cr_img im;

	g.handle = dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL);
	cr_checkpoint(fd, &im);
	low = lowest_free_fd();
	base = count_dmabuf_fds();
	k = im.ck;
	wp_stall_start(&w, im.bk, sizeof(*im.bk), 0, grant_now, &g);
	k.bos = (uintptr_t)w.page;
	VT_ERR(vxpu_criu_checkpoint(fd, &k), EBUSY);
	wp_stall_end(&w);
	ck_assert_msg(!w.during_ret, "GRANT_CREATE during CHECKPOINT: %s", strerror(-w.during_ret));
	ck_assert_int_eq(count_dmabuf_fds(), base);
	ck_assert_int_eq(lowest_free_fd(), low);
	VT_OK(vxpu_grant_revoke(fd, g.id));
	/* without the grant the same call succeeds */
	VT_OK(cr_checkpoint_scratch(fd, &im.info));
	close(fe);
	close(fd);
	cr_free(&im);
}
END_TEST

/* RESTORE of more VRAM than is free: -ENOSPC, and the context stays fresh */
START_TEST(criu_restore_enospc)
{
	const uint64_t big = 64 << 20;
	int fd = dt_open(0), fd2, hog;
	struct cr_img im;
	uint64_t left;

	dt_bo(fd, big, VXPU_BO_VRAM, NULL);
	cr_checkpoint(fd, &im);
	close(fd);
	close(im.pause_fd);		/* the context goes, its id is free */
	im.pause_fd = -1;

	hog = dt_open(0);
	left = dt_devinfo(hog).vram_free;
	ck_assert_uint_gt(left, big);
	dt_bo(hog, (left - big / 2) & ~(uint64_t)(VT_PAGE - 1), VXPU_BO_VRAM, NULL);
	fd2 = dt_open(0);
	VT_ERR(cr_restore(fd2, &im, 1), ENOSPC);
	ck_assert_uint_eq(dt_ctxinfo(fd2).bo_count, 0);
	close(hog);
	VT_OK(cr_restore(fd2, &im, 1));
	ck_assert_uint_eq(dt_ctxinfo(fd2).bo_count, 1);
	close(fd2);
	cr_free(&im);
}
END_TEST

struct bo_args {
	int fd;
	uint32_t handle;
};

static int bo_now(void *arg)
{
	struct bo_args *b = arg;

	return vxpu_bo_create(b->fd, VT_PAGE, VXPU_BO_GTT, &b->handle, NULL);
}

/*
 * A RESTORE that fails after it deleted its spare handles (the handle
 * gaps) undoes only its own handles: a BO that another thread made
 * meanwhile, at a former gap's number, stays.
 */
START_TEST(criu_restore_undo_spares_others)
{
	int fd = dt_open(0), fd2;
	struct drm_vxpu_bo_info bi;
	struct drm_vxpu_criu r;
	struct bo_args b;
	struct wp_stall w;
	struct cr_img im;
	uint32_t gap;

	dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL);
	gap = dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL);
	dt_bo(fd, 2 * VT_PAGE, VXPU_BO_GTT, NULL);
	VT_OK(vxpu_bo_destroy(fd, gap));
	cr_checkpoint(fd, &im);
	ck_assert_uint_eq(im.info.num_bos, 2);
	close(fd);
	close(im.pause_fd);		/* the context goes, its id is free */
	im.pause_fd = -1;

	fd2 = dt_open(0);
	b.fd = fd2;
	r = cr_args_stalled(fd2, &im, &w, bo_now, &b);
	VT_ERR(vxpu_criu_restore(fd2, &r), EFAULT);
	wp_stall_end(&w);
	ck_assert_msg(!w.during_ret, "BO_CREATE during RESTORE: %s", strerror(-w.during_ret));
	ck_assert_uint_eq(b.handle, gap);
	VT_OK(vxpu_bo_info(fd2, b.handle, &bi));
	ck_assert_uint_eq(bi.size, VT_PAGE);
	ck_assert_uint_eq(dt_ctxinfo(fd2).bo_count, 1);
	close(fd2);
	cr_free(&im);
}
END_TEST

struct reuse_args {
	int fd;
	uint32_t handle;
	atomic_int stop;
	unsigned long rounds;
	int err;
};

/*
 * Close the one BO and make another, of the other size, at the same
 * handle; pause a varying while between rounds so that some CHECKPOINTs
 * see no change at all.
 */
static void *reuse_handle(void *arg)
{
	struct reuse_args *a = arg;

	while (!atomic_load(&a->stop) && !a->err) {
		a->err = vxpu_bo_destroy(a->fd, a->handle);
		if (!a->err)
			a->err = vxpu_bo_create(a->fd, (1 + a->rounds % 2) * VT_PAGE,
						VXPU_BO_GTT, &a->handle, NULL);
		a->rounds++;
		usleep((unsigned int)(a->rounds * 37 % 400));
	}
	return NULL;
}

/*
 * A thread closes a handle and makes a new BO at it, again and again,
 * while CHECKPOINT runs: a bucket and its dma-buf must always describe
 * the same BO (the export goes by handle: -EAGAIN when the handle moved
 * on). The context's events, saved between the collection of the handles
 * and the exports, widen that window. A race: it may pass by luck on a
 * broken driver, never fail on a correct one.
 */
START_TEST(criu_handle_reused_during_checkpoint)
{
	struct reuse_args a = { .fd = dt_open(0) };
	unsigned long ok = 0, again = 0;
	struct drm_vxpu_criu info, k;
	struct drm_vxpu_criu_bo_bucket bk[2];
	pthread_t t;
	uint32_t ev;
	time_t end;
	void *priv;
	int r;

	a.handle = dt_bo(a.fd, VT_PAGE, VXPU_BO_GTT, NULL);
	for (unsigned int i = 0; i < 1024; i++)
		VT_OK(vxpu_event_create(a.fd, 0, &ev));
	VT_OK(vxpu_criu_process_info(a.fd, &info));
	ck_assert_uint_eq(info.num_bos, 1);
	priv = malloc(info.priv_data_size);
	ck_assert(priv);
	ck_assert_int_eq(pthread_create(&t, NULL, reuse_handle, &a), 0);
	end = time(NULL) + 3;
	while (time(NULL) < end) {
		memset(&k, 0, sizeof(k));
		k.num_bos = 1;
		k.num_objects = info.num_objects;
		k.priv_data_size = info.priv_data_size;
		k.bos = (uintptr_t)bk;
		k.priv_data = (uintptr_t)priv;
		k.op = VXPU_CRIU_CHECKPOINT;
		r = criu_raw(a.fd, &k);
		if (r == -EAGAIN) {
			again++;
			continue;
		}
		ck_assert_msg(!r, "CHECKPOINT: %s", strerror(-r));
		ck_assert_int_ge(bk[0].dmabuf_fd, 0);
		ck_assert_msg(lseek(bk[0].dmabuf_fd, 0, SEEK_END) == (off_t)bk[0].size,
			      "bucket of handle %u: %llu bytes, its dma-buf %lld (after %lu ok)",
			      bk[0].handle, (unsigned long long)bk[0].size,
			      (long long)lseek(bk[0].dmabuf_fd, 0, SEEK_END), ok);
		close(bk[0].dmabuf_fd);
		ok++;
	}
	atomic_store(&a.stop, 1);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_msg(!a.err, "close/create thread: %s", strerror(-a.err));
	printf("criu_handle_reused_during_checkpoint: %lu checkpoints, %lu -EAGAIN, "
	       "%lu handle reuses\n", ok, again, a.rounds);
	ck_assert_uint_gt(ok, 0);
	ck_assert_uint_gt(a.rounds, 0);
	free(priv);
	close(info.pause_fd);
	close(a.fd);
}
END_TEST

/* the struct size rules of DRM_VXPU_CRIU, and its presence in caps */
START_TEST(criu_abi)
{
	struct drm_vxpu_criu a[2];
	int fd = dt_open(0);

	ck_assert(dt_devinfo(fd).caps & VXPU_CAP_CRIU);
	dt_bo(fd, VT_PAGE, VXPU_BO_GTT, NULL);
	memset(a, 0, sizeof(a));
	/* a PROCESS_INFO that would succeed at the published size */
	a[0].op = VXPU_CRIU_PROCESS_INFO;
	ck_assert_int_eq(ioctl(fd, vt_ioctl_resize(DRM_IOCTL_VXPU_CRIU, sizeof(a[0]) - 8), a), -1);
	ck_assert_int_eq(errno, EINVAL);
	((uint8_t *)a)[sizeof(a[0]) + 3] = 1;
	ck_assert_int_eq(ioctl(fd, vt_ioctl_resize(DRM_IOCTL_VXPU_CRIU, sizeof(a[0]) + 8), a), -1);
	ck_assert_int_eq(errno, E2BIG);
	close(fd);
}
END_TEST

TCase *ct_tcase_criu(void)
{
	TCase *tc = tcase_create("criu");

	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_test(tc, criu_roundtrip);
	tcase_add_test(tc, criu_restore_in_child);
	tcase_add_test(tc, criu_half_done_hash);
	tcase_add_test(tc, criu_restore_unwinds);
	tcase_add_test(tc, criu_shared_bo);
	tcase_add_test(tc, criu_shared_bo_parent_child);
	tcase_add_test(tc, criu_einval);
	tcase_add_test(tc, criu_ebusy_eagain);
	tcase_add_test(tc, criu_pause_fd);
	tcase_add_test(tc, criu_eperm_and_kill);
	tcase_add_test(tc, criu_fds_installed_last);
	tcase_add_test(tc, criu_grant_during_checkpoint);
	tcase_add_test(tc, criu_handle_reused_during_checkpoint);
	tcase_add_test(tc, criu_restore_undo_spares_others);
	tcase_add_test(tc, criu_restore_enospc);
	tcase_add_test(tc, criu_abi);
	return tc;
}
