// SPDX-License-Identifier: MIT
/*
 * cr-evwait: a thread blocked in an event wait, a queue parked in a WAIT
 * packet and an idle queue, for the CRIU tests (tests/criu/run-criu-tests,
 * case evwait).
 *
 *   cr-evwait GOFILE
 *
 * On device 0: queue A holds WAIT(*gate == 1) then SIGNAL(event, 1); queue
 * B is created and never used (idle). A second thread sleeps in
 * DRM_VXPU_EVENT_WAIT for the event (absolute deadline 10 minutes ahead).
 * Once that thread is seen blocked in the ioctl (/proc/self/task/TID/syscall)
 * the process prints "ready" and waits for GOFILE to appear (the test
 * checkpoints and restores it meanwhile). Then, before it opens the gate, it
 * checks that nothing has woken the wait: both queues' states, the event's
 * value still 0, and 200 ms later the thread's result still unset and the
 * thread blocked in the ioctl again. Then it opens the gate through its CPU
 * mapping: queue A's WAIT completes, its SIGNAL wakes the waiting thread,
 * whose (restarted) wait returns 0. It checks the event value and queue A's
 * read pointer, prints "evwait: OK" and exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libvxpu.h"

/* the waiter's result until its wait returns (which returns 0 or -errno) */
#define WAIT_PENDING 1

static int fd;
static uint32_t event;
static int wait_ret = WAIT_PENDING;
static pid_t waiter_tid;

static int fail(const char *what, int e)
{
	printf("evwait: FAIL: %s: %s\n", what, vxpu_strerror(e));
	return 1;
}

static void *waiter(void *arg)
{
	struct drm_vxpu_event_wait_entry w = { .event = event, .value = 1 };
	int64_t deadline = *(int64_t *)arg;

	__atomic_store_n(&waiter_tid, gettid(), __ATOMIC_RELEASE);
	/* A signal (CRIU's freeze) restarts it with the same deadline. */
	__atomic_store_n(&wait_ret, vxpu_event_wait(fd, &w, 1, 0, deadline, NULL),
			 __ATOMIC_RELEASE);
	return NULL;
}

/* the waiter sleeps in DRM_IOCTL_VXPU_EVENT_WAIT on fd (polled up to 10 s) */
static int waiter_blocked(void)
{
	for (int i = 0; i < 500; i++) {
		pid_t tid = __atomic_load_n(&waiter_tid, __ATOMIC_ACQUIRE);
		unsigned long long nr, a0, a1;
		char path[64];
		FILE *f;
		int n = 0;

		snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
		f = tid ? fopen(path, "r") : NULL;
		if (f) {
			n = fscanf(f, "%llu %llx %llx", &nr, &a0, &a1);
			fclose(f);
		}
		if (n == 3 && nr == SYS_ioctl && a0 == (unsigned int)fd &&
		    a1 == DRM_IOCTL_VXPU_EVENT_WAIT)
			return 1;
		usleep(20000);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct vxpu_queue qa, qb;
	struct drm_vxpu_packet pkt[2];
	struct drm_vxpu_queue_info ia, ib;
	volatile uint64_t *gate;
	uint64_t off, gva, value;
	uint32_t asid, h;
	int64_t deadline = vxpu_deadline_ns(600LL * 1000000000LL);
	pthread_t tid;
	struct stat st;
	int e;

	if (argc != 2) {
		fprintf(stderr, "usage: cr-evwait GOFILE\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = vxpu_open_index(0);
	if (fd < 0)
		return fail("open vxpu0", fd);
	if ((e = vxpu_asid_create(fd, 0, &asid)) ||
	    (e = vxpu_bo_create(fd, VXPU_PAGE_SIZE, VXPU_BO_GTT, &h, &off)) ||
	    (e = vxpu_bo_mmap(fd, off, VXPU_PAGE_SIZE, PROT_READ | PROT_WRITE, (void **)&gate)) ||
	    (e = vxpu_vm_map(fd, asid, h, 0, VXPU_PAGE_SIZE, VXPU_MAP_READ, &gva)) ||
	    (e = vxpu_event_create(fd, 0, &event)) ||
	    (e = vxpu_queue_open(fd, asid, 16, VXPU_BO_GTT, 0, &qa)) ||
	    (e = vxpu_queue_open(fd, asid, 16, VXPU_BO_GTT, 0, &qb)))
		return fail("setup", e);

	vxpu_pkt_wait(&pkt[0], 0, gva, VXPU_WAIT_EQ, 1);
	vxpu_pkt_signal(&pkt[1], event, 1);
	if ((e = vxpu_queue_push(&qa, pkt, 2, 0)) || (e = vxpu_queue_kick(&qa)))
		return fail("submit", e);
	if (pthread_create(&tid, NULL, waiter, &deadline))
		return fail("pthread_create", -errno);
	/* the checkpoint must catch the thread inside its wait */
	if (!waiter_blocked()) {
		printf("evwait: FAIL: the thread is not blocked in EVENT_WAIT after 10 s\n");
		return 1;
	}

	printf("ready %d\n", getpid());
	while (stat(argv[1], &st))
		usleep(20000);

	/* Restored: queue A is still parked in its WAIT, the thread still waits. */
	if ((e = vxpu_queue_info(fd, qa.id, &ia)) || (e = vxpu_queue_info(fd, qb.id, &ib)))
		return fail("queue info", e);
	if (ia.state != VXPU_QUEUE_WAITING || ia.rptr != 0 || ib.state != VXPU_QUEUE_IDLE) {
		printf("evwait: FAIL: after restore queue A state %u rptr %llu, queue B state %u\n",
		       ia.state, (unsigned long long)ia.rptr, ib.state);
		return 1;
	}
	/*
	 * Nothing may have satisfied or ended the wait before the gate opens (a
	 * restore that brought the event back signalled, or woke the wait
	 * early). The checks after the gate do not tell that reliably: they race
	 * the engine's re-check of the WAIT (at least once per millisecond).
	 */
	if ((e = vxpu_event_read(fd, event, &value)))
		return fail("event read after restore", e);
	if (value) {
		printf("evwait: FAIL: after restore, before the gate opened, event value %llu\n",
		       (unsigned long long)value);
		return 1;
	}
	usleep(200000);
	e = __atomic_load_n(&wait_ret, __ATOMIC_ACQUIRE);
	if (e != WAIT_PENDING) {
		printf("evwait: FAIL: the restored wait returned %d (%s) before the gate opened\n",
		       e, e ? vxpu_strerror(e) : "satisfied");
		return 1;
	}
	if (!waiter_blocked()) {
		printf("evwait: FAIL: after restore the thread is not blocked in EVENT_WAIT\n");
		return 1;
	}
	*gate = 1;
	pthread_join(tid, NULL);
	if (wait_ret)
		return fail("the blocked event wait", wait_ret);
	if ((e = vxpu_event_read(fd, event, &value)) || value != 1) {
		printf("evwait: FAIL: event value %llu\n", (unsigned long long)value);
		return 1;
	}
	if ((e = vxpu_queue_info(fd, qa.id, &ia)) || ia.rptr != 2) {
		printf("evwait: FAIL: queue A rptr %llu after the signal\n",
		       (unsigned long long)ia.rptr);
		return 1;
	}
	printf("evwait: OK: the restored wait woke on the restored queue's SIGNAL\n");
	return 0;
}
