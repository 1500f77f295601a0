// SPDX-License-Identifier: MIT
/*
 * stress: 2 processes x 4 threads create, map, unmap and destroy BOs (both
 * placements) and ASIDs, checking content through VM_WRITE/VM_READ and the
 * CPU mapping, for DURATION seconds; one process is SIGKILLed half way
 * (a process whose thread finds an error exits at once, so the victim's
 * checks count too). Together they hold at most 512 KiB: every BO_CREATE
 * must succeed.
 * Afterwards the device must still work and all VRAM must be free again.
 * The module unload done by the harness afterwards proves nothing leaked.
 *
 * usage: stress [DURATION_SECONDS (default 30)]   TAP: $VXPU_RESULTS/stress.tap
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vt.h"

#define THREADS 4
#define MAX_PAGES 16
#define RW (VXPU_MAP_READ | VXPU_MAP_WRITE)

static int g_duration = 30;

struct worker {
	pthread_t thr;
	int fd, id;
	uint32_t shared_asid;
	volatile int *stop;
	unsigned long ops;
	char err[512];
	atomic_int failed;	/* err is set */
};

static uint32_t xrand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

#define WFAIL(w, ...) do { \
	snprintf((w)->err, sizeof((w)->err), __VA_ARGS__); \
	atomic_store(&(w)->failed, 1); \
	return NULL; \
} while (0)

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint32_t seed = (uint32_t)getpid() * 7919u + (uint32_t)w->id * 104729u + 1;
	uint8_t *buf = malloc(MAX_PAGES * VXPU_PAGE_SIZE);
	uint8_t *back = malloc(MAX_PAGES * VXPU_PAGE_SIZE);
	uint32_t my_asid;
	int r;

	if (!buf || !back)
		WFAIL(w, "malloc");
	r = vxpu_asid_create(w->fd, 0, &my_asid);
	if (r)
		WFAIL(w, "asid_create: %s", vxpu_strerror(r));
	while (!*w->stop) {
		uint64_t size = (1 + xrand(&seed) % MAX_PAGES) * VXPU_PAGE_SIZE, va = 0, off;
		uint32_t pl = xrand(&seed) & 1 ? VXPU_BO_VRAM : VXPU_BO_GTT;
		uint32_t h, asid = xrand(&seed) % 3 == 0 ? w->shared_asid : my_asid;
		uint32_t pat = xrand(&seed);
		unsigned long op = w->ops;
		long bad;

		r = vxpu_bo_create(w->fd, size, pl, &h, &off);
		if (r)
			WFAIL(w, "bo_create(%llu, %u): %s", (unsigned long long)size, pl,
			      vxpu_strerror(r));
		r = vxpu_vm_map(w->fd, asid, h, 0, size, RW, &va);
		if (r)
			WFAIL(w, "vm_map: %s", vxpu_strerror(r));
		/* new memory reads as zero through the device */
		r = vxpu_vm_read(w->fd, asid, va, back, size);
		if (r)
			WFAIL(w, "vm_read new: %s", vxpu_strerror(r));
		bad = vt_first_nonzero(back, size);
		if (bad >= 0)
			WFAIL(w, "new %s BO: byte %ld is %#x", pl == VXPU_BO_VRAM ? "VRAM" : "GTT",
			      bad, back[bad]);
		vt_fill_pattern(buf, size, pat);
		r = vxpu_vm_write(w->fd, asid, va, buf, size);
		if (r)
			WFAIL(w, "vm_write: %s", vxpu_strerror(r));
		r = vxpu_vm_read(w->fd, asid, va, back, size);
		if (r)
			WFAIL(w, "vm_read: %s", vxpu_strerror(r));
		bad = vt_check_pattern(back, size, pat);
		if (bad >= 0)
			WFAIL(w, "device view mismatch at %ld", bad);
		if (op % 4 == 0) {
			void *p;

			r = vxpu_bo_mmap(w->fd, off, size, PROT_READ, &p);
			if (r)
				WFAIL(w, "mmap: %s", vxpu_strerror(r));
			bad = vt_check_pattern(p, size, pat);
			munmap(p, size);
			if (bad >= 0)
				WFAIL(w, "CPU view mismatch at %ld", bad);
		}
		if (op % 2)	/* the mapping keeps the BO alive past its handle */
			r = vxpu_bo_destroy(w->fd, h);
		if (r)
			WFAIL(w, "bo_destroy (mapped): %s", vxpu_strerror(r));
		if (op % 8 == 5 && asid == my_asid) {
			/* destroying the ASID drops the mapping with it */
			r = vxpu_asid_destroy(w->fd, my_asid);
			if (r)
				WFAIL(w, "asid_destroy: %s", vxpu_strerror(r));
			r = vxpu_asid_create(w->fd, 0, &my_asid);
			if (r)
				WFAIL(w, "asid_create: %s", vxpu_strerror(r));
		} else {
			r = vxpu_vm_unmap(w->fd, asid, va, size);
			if (r)
				WFAIL(w, "vm_unmap: %s", vxpu_strerror(r));
			r = vxpu_vm_read(w->fd, asid, va, back, 1);
			if (r != -ENXIO && asid == my_asid)
				WFAIL(w, "vm_read after unmap: %d, expected -ENXIO", r);
		}
		if (!(op % 2)) {
			r = vxpu_bo_destroy(w->fd, h);
			if (r)
				WFAIL(w, "bo_destroy: %s", vxpu_strerror(r));
		}
		w->ops++;
	}
	r = vxpu_asid_destroy(w->fd, my_asid);
	if (r)
		WFAIL(w, "final asid_destroy: %s", vxpu_strerror(r));
	free(buf);
	free(back);
	return NULL;
}

/* One stress process: 4 threads on one context (one fd). Exit 0 when clean. */
static void process_main(int device, int seconds)
{
	struct worker w[THREADS];
	volatile int stop = 0;
	struct drm_vxpu_context_info ci;
	unsigned long ops = 0;
	uint32_t shared;
	int fd = vxpu_open_index((unsigned int)device), failed = 0, r;

	if (fd < 0) {
		fprintf(stderr, "stress[%d]: open: %s\n", getpid(), vxpu_strerror(fd));
		_exit(1);
	}
	r = vxpu_asid_create(fd, 0, &shared);
	if (r) {
		fprintf(stderr, "stress[%d]: asid_create: %s\n", getpid(), vxpu_strerror(r));
		_exit(1);
	}
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .fd = fd, .id = i, .shared_asid = shared, .stop = &stop };
		if (pthread_create(&w[i].thr, NULL, worker_main, &w[i]))
			_exit(1);
	}
	/* until the time is up, or a thread fails (then at once: a victim's too) */
	for (int t = 0; t < seconds * 10 && !failed; t++) {
		usleep(100000);
		for (int i = 0; i < THREADS; i++)
			failed |= atomic_load(&w[i].failed);
	}
	stop = 1;
	failed = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(w[i].thr, NULL);
		ops += w[i].ops;
		if (w[i].err[0]) {
			fprintf(stderr, "stress[%d] thread %d: %s\n", getpid(), i, w[i].err);
			failed = 1;
		}
	}
	r = vxpu_context_info(fd, &ci);
	if (!failed && (r || ci.bo_count || ci.quota_used || ci.asid_count != 1)) {
		fprintf(stderr, "stress[%d]: after the run: %d, bo_count %u, quota_used %llu, "
			"asid_count %u (want 0, 0, 1)\n", getpid(), r, ci.bo_count,
			(unsigned long long)ci.quota_used, ci.asid_count);
		failed = 1;
	}
	printf("stress[%d]: device %d, %d threads, %lu iterations%s\n",
	       getpid(), device, THREADS, ops, failed ? ", FAILED" : "");
	fflush(stdout);
	_exit(failed || ops == 0);
}

static uint64_t vram_free(int device)
{
	struct drm_vxpu_device_info di;
	int fd = vxpu_open_index((unsigned int)device);

	ck_assert_msg(fd >= 0, "open device %d: %s", device, vxpu_strerror(fd));
	VT_OK(vxpu_device_info(fd, &di));
	close(fd);
	return di.vram_free;
}

START_TEST(stress_two_processes_one_killed)
{
	uint64_t free0 = vram_free(0);
	pid_t keep, victim;
	int st;

	keep = fork();
	ck_assert_int_ge(keep, 0);
	if (keep == 0)
		process_main(0, g_duration);
	victim = fork();
	ck_assert_int_ge(victim, 0);
	if (victim == 0)
		process_main(0, g_duration);
	sleep((unsigned int)(g_duration / 2 > 0 ? g_duration / 2 : 1));
	ck_assert_int_eq(kill(victim, SIGKILL), 0);
	ck_assert_int_eq(waitpid(victim, &st, 0), victim);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		      "victim was not killed by SIGKILL (status %#x)", st);
	ck_assert_int_eq(waitpid(keep, &st, 0), keep);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "surviving stress process failed (status %#x)", st);
	/* everything both processes held, including the killed one's, is freed */
	ck_assert_uint_eq(vram_free(0), free0);
}
END_TEST

/*
 * Races inside one context: one thread keeps creating and destroying an ASID
 * and a BO whose ids it publishes; the others map, read, write, unmap, export
 * and close through those ids at the same time. Every call must either work or
 * fail with the errno of a vanished object (-ENOENT for a gone ASID or handle,
 * -ENXIO for a gone mapping, -EINVAL for GEM_CLOSE of a gone handle, -EEXIST /
 * -ENOSPC are not expected as VAs are allocated). The kernel log (checked by the
 * harness) must stay clean, and closing the context frees everything.
 * The owner keeps its first ASID and BO until a user has mapped them (for at
 * most RACE_FIRST_WAIT_MS), so at least one map must succeed: a kernel that
 * refused every map with -ENOENT would otherwise pass.
 */
#define RACE_FIRST_WAIT_MS 10000
struct race {
	int fd;
	volatile int stop;
	volatile uint32_t asid, bo;
	unsigned long calls, ok;
	char err[256];
};

static int race_errno_ok(int r, int a, int b, int c)
{
	return r == 0 || r == -a || r == -b || r == -c;
}

static void *race_owner(void *arg)
{
	struct race *rc = arg;
	uint32_t seed = 12345;

	while (!rc->stop) {
		uint32_t a, h;
		int r = vxpu_asid_create(rc->fd, 0, &a);

		if (r) {
			snprintf(rc->err, sizeof(rc->err), "asid_create: %s", vxpu_strerror(r));
			return NULL;
		}
		r = vxpu_bo_create(rc->fd, (1 + xrand(&seed) % 8) * VXPU_PAGE_SIZE,
				   xrand(&seed) & 1 ? VXPU_BO_VRAM : VXPU_BO_GTT, &h, NULL);
		if (r) {
			snprintf(rc->err, sizeof(rc->err), "bo_create: %s", vxpu_strerror(r));
			return NULL;
		}
		rc->asid = a;
		rc->bo = h;
		usleep(xrand(&seed) % 2000);
		for (int ms = 0; !__atomic_load_n(&rc->ok, __ATOMIC_RELAXED) &&
				 ms < RACE_FIRST_WAIT_MS && !rc->stop; ms++)
			usleep(1000);
		r = vxpu_asid_destroy(rc->fd, a);
		if (r) {
			snprintf(rc->err, sizeof(rc->err), "asid_destroy of own ASID: %s",
				 vxpu_strerror(r));
			return NULL;
		}
		r = vxpu_bo_destroy(rc->fd, h);	/* a racer may have closed it: -EINVAL */
		if (r && r != -EINVAL) {
			snprintf(rc->err, sizeof(rc->err), "bo_destroy: %s", vxpu_strerror(r));
			return NULL;
		}
	}
	return NULL;
}

static void *race_user(void *arg)
{
	struct race *rc = arg;
	uint32_t seed = (uint32_t)(uintptr_t)&seed;
	uint8_t buf[64];

	while (!rc->stop) {
		uint32_t a = rc->asid, h = rc->bo;
		uint64_t va = 0;
		int r;

		if (!a)
			continue;
		r = vxpu_vm_map(rc->fd, a, h, 0, VXPU_PAGE_SIZE,
				VXPU_MAP_READ | VXPU_MAP_WRITE, &va);
		__atomic_add_fetch(&rc->calls, 1, __ATOMIC_RELAXED);
		if (!race_errno_ok(r, ENOENT, ENOENT, ENOENT)) {
			snprintf(rc->err, sizeof(rc->err), "vm_map race: %s", vxpu_strerror(r));
			return NULL;
		}
		if (r)
			continue;
		__atomic_add_fetch(&rc->ok, 1, __ATOMIC_RELAXED);
		r = vxpu_vm_write(rc->fd, a, va, buf, sizeof(buf));
		if (!race_errno_ok(r, ENOENT, ENXIO, ENXIO)) {
			snprintf(rc->err, sizeof(rc->err), "vm_write race: %s", vxpu_strerror(r));
			return NULL;
		}
		r = vxpu_vm_read(rc->fd, a, va, buf, sizeof(buf));
		if (!race_errno_ok(r, ENOENT, ENXIO, ENXIO)) {
			snprintf(rc->err, sizeof(rc->err), "vm_read race: %s", vxpu_strerror(r));
			return NULL;
		}
		switch (xrand(&seed) % 4) {
		case 0: {
			int d = vxpu_bo_export(rc->fd, h, DRM_CLOEXEC);

			if (d >= 0)
				close(d);
			else if (d != -ENOENT) {
				snprintf(rc->err, sizeof(rc->err), "export race: %s",
					 vxpu_strerror(d));
				return NULL;
			}
			break;
		}
		case 1:
			r = vxpu_bo_destroy(rc->fd, h);	/* steal the owner's handle */
			if (r && r != -EINVAL) {
				snprintf(rc->err, sizeof(rc->err), "gem_close race: %s",
					 vxpu_strerror(r));
				return NULL;
			}
			break;
		default:
			break;
		}
		r = vxpu_vm_unmap(rc->fd, a, va, VXPU_PAGE_SIZE);
		if (!race_errno_ok(r, ENOENT, ENOENT, ENOENT)) {
			snprintf(rc->err, sizeof(rc->err), "vm_unmap race: %s", vxpu_strerror(r));
			return NULL;
		}
	}
	return NULL;
}

START_TEST(races_in_one_context)
{
	struct race rc = { 0 };
	pthread_t owner, users[3];
	uint64_t free0 = vram_free(0);
	int secs = g_duration / 3 > 10 ? 10 : (g_duration / 3 > 0 ? g_duration / 3 : 1);

	rc.fd = vxpu_open_index(0);
	ck_assert_int_ge(rc.fd, 0);
	VT_OK(vxpu_set_quota(rc.fd, 1ULL << 30));	/* stolen handles may linger in mappings */
	ck_assert_int_eq(pthread_create(&owner, NULL, race_owner, &rc), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pthread_create(&users[i], NULL, race_user, &rc), 0);
	sleep((unsigned int)secs);
	rc.stop = 1;
	pthread_join(owner, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(users[i], NULL);
	printf("races: %lu map attempts, %lu mapped, in %d s\n", rc.calls, rc.ok, secs);
	ck_assert_msg(!rc.err[0], "%s", rc.err);
	ck_assert_uint_gt(rc.calls, 0);
	ck_assert_msg(rc.ok > 0, "no racing VM_MAP succeeded, not even of the first ASID and BO");
	close(rc.fd);
	ck_assert_uint_eq(vram_free(0), free0);
}
END_TEST

START_TEST(device_usable_afterwards)
{
	int n = vxpu_device_count();

	ck_assert_int_gt(n, 0);
	for (int d = 0; d < n; d++) {
		int fd = vxpu_open_index((unsigned int)d);
		struct drm_vxpu_device_info di;
		struct drm_vxpu_context_info ci;
		uint32_t h, a;
		uint64_t va = 0;
		uint8_t in[4096], out[4096];

		ck_assert_int_ge(fd, 0);
		VT_OK(vxpu_device_info(fd, &di));
		VT_OK(vxpu_context_info(fd, &ci));
		ck_assert_uint_eq(ci.bo_count, 0);
		for (uint32_t pl = VXPU_BO_VRAM; pl <= VXPU_BO_GTT; pl++) {
			VT_OK(vxpu_bo_create(fd, 4096, pl, &h, NULL));
			VT_OK(vxpu_asid_create(fd, 0, &a));
			VT_OK(vxpu_vm_map(fd, a, h, 0, 4096, RW, &va));
			vt_fill_pattern(in, sizeof(in), pl);
			VT_OK(vxpu_vm_write(fd, a, va, in, sizeof(in)));
			VT_OK(vxpu_vm_read(fd, a, va, out, sizeof(out)));
			ck_assert_mem_eq(in, out, sizeof(in));
			VT_OK(vxpu_vm_unmap(fd, a, va, 4096));
			VT_OK(vxpu_asid_destroy(fd, a));
			VT_OK(vxpu_bo_destroy(fd, h));
		}
		VT_OK(vxpu_device_info(fd, &di));
		ck_assert_msg(di.vram_free == di.vram_size,
			      "device %d: vram_free %llu of %llu after the stress run", d,
			      (unsigned long long)di.vram_free, (unsigned long long)di.vram_size);
		close(fd);
	}
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("stress");
	TCase *tc = tcase_create("stress");
	SRunner *sr;
	int failed;

	if (argc > 1)
		g_duration = atoi(argv[1]);
	if (g_duration < 1 || g_duration > 3600) {
		fprintf(stderr, "usage: %s [DURATION_SECONDS 1..3600]\n", argv[0]);
		return 2;
	}
	/* TCG is slow: allow the run plus a generous margin for joining and cleanup */
	tcase_set_timeout(tc, g_duration * 3 + 300);
	tcase_add_test(tc, stress_two_processes_one_killed);
	tcase_add_test(tc, races_in_one_context);
	tcase_add_test(tc, device_usable_afterwards);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	failed = vt_run(sr, "stress");
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
