// SPDX-License-Identifier: GPL-2.0
/*
 * vxpu: the execution engines of a device.
 *
 * Each device runs engine_count kthreads. An engine takes the first queue
 * of the device's runq, executes it for a time slice weighted by its
 * priority ((1 + priority) * VXPU_SLICE_NS), in steps of the packet
 * interpreter (vxpu_interp.c) of at most VXPU_CHUNK bytes each, then puts
 * it back at the tail: a weighted round robin. When no other queue is
 * runnable it goes on with a new slice instead: handing the queue back
 * would only wake another engine to take it over (an IPI, and under qemu
 * TCG about 35 us of engine time per slice). An engine whose CPU is wanted
 * lets go of its queue early; the queue then goes back at the head with
 * what is left of its slice, so that the weights hold on a busy machine
 * too. Between two steps it stops early when the queue is destroyed or
 * its context paused, so both take effect within one chunk.
 *
 * A queue blocked in VXPU_OP_WAIT is parked on the device's waitq and
 * holds no engine. Parked queues go back to the runq for a re-check after
 * every engine step of the device, and at least once per millisecond:
 * engine 0, when idle with parked queues, sleeps 1 ms at a time and
 * kicks them; nothing spins.
 *
 * Memory access: the interpreter asks for memory piece by piece through
 * vxpu_engine_map(). It translates through the ASID's page table with
 * vxpu_asid_translate() (the device view's code, with its permission
 * checks) a run of up to VXPU_XLATE_MAX pages, as far as the packet goes
 * on, keeps it in a small cache of slots holding a BO reference each (the
 * pages cannot go away while mapped), and kmaps pages from it with
 * kmap_local_page(), handing out physically contiguous lowmem pages of a
 * run as one piece. A slot goes stale when a mapping of its ASID is
 * removed or revoked (the ASID's gen). Slots of granted memory are
 * dropped after every step, since revoke waits for them; the others last
 * while the packet runs on this engine, so that its steps translate each
 * page once (a translation costs about as much as filling 16 KiB under
 * qemu TCG), and no BO outlives a completed packet for the engine's sake:
 * userspace may free its buffers once it sees the packet done. No lock is
 * held while the interpreter runs.
 */
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <drm/drm_managed.h>
#include <drm/drm_print.h>

#include "vxpu_drv.h"

#define VXPU_CHUNK		SZ_64K
#define VXPU_SLICE_NS		(1 * NSEC_PER_MSEC)
#define VXPU_WAIT_RECHECK_NS	(1 * NSEC_PER_MSEC)
#define VXPU_SLOTS		8
#define VXPU_MAX_KMAPS		2

struct vxpu_slot {
	struct vxpu_asid *asid;		/* a reference; NULL if the slot is free */
	u32 perm;
	unsigned int users;		/* pages of it currently kmapped */
	struct vxpu_xlate x;
};

struct vxpu_engine {
	struct vxpu_device *vdev;
	struct task_struct *task;
	unsigned int index;

	/* The queue being executed, and the interpreter's view of it. */
	struct vxpu_queue *q;
	struct vxpu_env env;
	struct vxpu_slot slots[VXPU_SLOTS];
	unsigned int victim;
	struct {
		void *ptr;
		struct vxpu_slot *slot;
	} kmaps[VXPU_MAX_KMAPS];
	unsigned int nkmaps;

	/* Engine 0: when parked WAITs are next re-checked (ktime ns). */
	u64 recheck_ns;
};

/* ---- memory access for the interpreter ---------------------------------- */

static void vxpu_slot_drop(struct vxpu_slot *s)
{
	WARN_ON(s->users);
	vxpu_xlate_put(&s->x);
	if (s->asid)
		vxpu_asid_put(s->asid);
	s->asid = NULL;
}

/*
 * After every step the slots of granted memory go (revoke waits for
 * them), the others when the packet ends or the queue leaves the engine
 * (@all).
 */
static void vxpu_engine_drop_slots(struct vxpu_engine *e, bool all)
{
	unsigned int i;

	WARN_ON(e->nkmaps);
	for (i = 0; i < VXPU_SLOTS; i++)
		if (all || e->slots[i].x.granted)
			vxpu_slot_drop(&e->slots[i]);
}

static struct vxpu_slot *vxpu_slot_find(struct vxpu_engine *e, u32 asid,
					u64 va, u32 perm)
{
	unsigned int i;

	for (i = 0; i < VXPU_SLOTS; i++) {
		struct vxpu_slot *s = &e->slots[i];

		if (s->asid && s->asid->id == asid && s->perm == perm &&
		    va >= s->x.va &&
		    va - s->x.va < (u64)s->x.npages << PAGE_SHIFT &&
		    s->x.gen == READ_ONCE(s->asid->gen))
			return s;
	}
	return NULL;
}

static struct vxpu_slot *vxpu_slot_victim(struct vxpu_engine *e)
{
	unsigned int i;

	for (i = 0; i < VXPU_SLOTS; i++) {
		struct vxpu_slot *s = &e->slots[e->victim++ % VXPU_SLOTS];

		if (!s->users)
			return s;
	}
	/* The interpreter holds at most VXPU_MAX_KMAPS < VXPU_SLOTS. */
	WARN_ON_ONCE(1);
	return NULL;
}

static int vxpu_slot_fill(struct vxpu_engine *e, struct vxpu_slot *s,
			  u32 asid_id, u64 va, u64 len, u32 perm)
{
	struct vxpu_queue *q = e->q;
	struct vxpu_asid *asid;
	int ret;

	vxpu_slot_drop(s);
	if (asid_id == q->asid->id) {
		asid = q->asid;
		kref_get(&asid->ref);
	} else {
		asid = vxpu_asid_get(q->ctx, asid_id);
		if (!asid)
			return VXPU_FAULT_BAD_ASID;
	}

	ret = vxpu_asid_translate(asid, va, len, perm, VXPU_XLATE_MAX, &s->x);
	if (ret) {
		vxpu_asid_put(asid);
		switch (ret) {
		case -ENXIO:
			return VXPU_FAULT_UNMAPPED;
		case -EACCES:
			return VXPU_FAULT_PERMISSION;
		default:
			return VXPU_FAULT_BAD_ASID;
		}
	}
	s->asid = asid;
	s->perm = perm;
	return 0;
}

/*
 * Bytes from the start of page @idx of @s, kmapped at @base, that are
 * contiguous there, up to @want: its own page, and the pages after it in
 * the slot while they follow in physical memory and @base is their
 * direct-map address (never a temporary kmap). VRAM is carved from
 * contiguous memory: a 64 KiB step then takes one map call per operand,
 * not sixteen.
 */
static u64 vxpu_engine_contig(struct vxpu_slot *s, unsigned int idx,
			      void *base, u64 want)
{
	unsigned long pfn = page_to_pfn(s->x.pages[idx]);
	u64 got = PAGE_SIZE;
	unsigned int i;

	if (PageHighMem(s->x.pages[idx]) || base != page_address(s->x.pages[idx]))
		return min(want, got);
	for (i = idx + 1; i < s->x.npages && got < want; i++) {
		struct page *p = s->x.pages[i];

		if (page_to_pfn(p) != pfn + (i - idx) || PageHighMem(p))
			break;
		got += PAGE_SIZE;
	}
	return min(want, got);
}

static int vxpu_engine_map(void *priv, u32 asid, u64 va, u64 len,
			   u32 access, void **ptr, u32 *avail)
{
	struct vxpu_engine *e = priv;
	u32 perm = access == VXPU_ACCESS_WRITE ? VXPU_MAP_WRITE : VXPU_MAP_READ;
	unsigned int off = offset_in_page(va);
	struct vxpu_slot *s;
	struct page *page;
	unsigned int idx;
	void *base;
	int ret;

	if (WARN_ON_ONCE(e->nkmaps >= VXPU_MAX_KMAPS || !len))
		return VXPU_FAULT_BAD_PACKET;

	s = vxpu_slot_find(e, asid, va, perm);
	if (!s) {
		s = vxpu_slot_victim(e);
		if (!s)
			return VXPU_FAULT_BAD_PACKET;
		ret = vxpu_slot_fill(e, s, asid, va, len, perm);
		if (ret)
			return ret;
	}

	idx = (va - s->x.va) >> PAGE_SHIFT;
	page = s->x.pages[idx];
	s->users++;
	base = kmap_local_page(page);
	*ptr = base + off;
	/* A step uses at most VXPU_CHUNK of a piece; @len reaches further. */
	*avail = vxpu_engine_contig(s, idx, base,
				    min_t(u64, len, VXPU_CHUNK) + off) - off;
	e->kmaps[e->nkmaps].ptr = *ptr;
	e->kmaps[e->nkmaps].slot = s;
	e->nkmaps++;
	return 0;
}

static void vxpu_engine_unmap(void *priv, void *ptr)
{
	struct vxpu_engine *e = priv;

	/* kmap_local rules: the last mapped is the first unmapped. */
	if (WARN_ON_ONCE(!e->nkmaps || e->kmaps[e->nkmaps - 1].ptr != ptr))
		return;
	e->nkmaps--;
	e->kmaps[e->nkmaps].slot->users--;
	kunmap_local(ptr);
}

static int vxpu_engine_signal(void *priv, u64 event, u64 value)
{
	struct vxpu_engine *e = priv;

	return vxpu_event_signal(e->q->ctx, event, value);
}

/*
 * Asked by the interpreter every VXPU_YIELD_GRAIN of work: stop the step
 * now when the queue is being destroyed or its context paused (a hint read
 * without the lock: vxpu_engine_must_stop() decides under it), so that
 * both take effect after one grain rather than at the end of a 64 KiB
 * chunk. Module unload is no hurry: it waits for the step's end.
 */
static bool vxpu_engine_yield(void *priv)
{
	struct vxpu_engine *e = priv;
	struct vxpu_queue *q = e->q;

	/* data_race: a hint; must_stop() reads them under sched_lock */
	return data_race(q->dead || q->ctx->pause_count ||
			 q->ctx->user_pause_count);
}

/* ---- scheduling ---------------------------------------------------------- */

/* Move every parked queue back to the runq for a re-check of its WAIT. */
void vxpu_engine_kick_locked(struct vxpu_device *vdev)
{
	lockdep_assert_held(&vdev->sched_lock);
	if (list_empty(&vdev->waitq))
		return;
	list_splice_tail_init(&vdev->waitq, &vdev->runq);
	wake_up(&vdev->engine_wq);
}

static struct vxpu_queue *vxpu_engine_pick(struct vxpu_engine *e)
{
	struct vxpu_device *vdev = e->vdev;
	struct vxpu_queue *q;

	spin_lock(&vdev->sched_lock);
	q = list_first_entry_or_null(&vdev->runq, struct vxpu_queue, run_link);
	if (q) {
		list_del_init(&q->run_link);
		WARN_ON(q->engine || q->dead);
		q->engine = e;
		q->ctx->active++;
		/* More runnable queues: one more engine (wakes are one each). */
		if (!list_empty(&vdev->runq))
			wake_up(&vdev->engine_wq);
	}
	spin_unlock(&vdev->sched_lock);
	return q;
}

static void vxpu_engine_release(struct vxpu_engine *e, struct vxpu_queue *q)
{
	struct vxpu_device *vdev = e->vdev;

	spin_lock(&vdev->sched_lock);
	q->engine = NULL;
	WARN_ON(!q->ctx->active);
	q->ctx->active--;
	vxpu_queue_requeue_locked(q);
	/* Cut short: next in line, for the rest of its slice. */
	if (q->slice_left && q->state == VXPU_QUEUE_RUNNING &&
	    !list_empty(&q->run_link))
		list_move(&q->run_link, &vdev->runq);
	spin_unlock(&vdev->sched_lock);
	/* Destroy and pause wait for this. */
	wake_up_all(&vdev->idle_wq);
}

/*
 * Whether every engine executing a queue of @ctx is running on a CPU: it
 * then stops within one grain of work once it sees a pause.
 */
bool vxpu_engine_ctx_on_cpu_locked(struct vxpu_ctx *ctx)
{
	struct vxpu_queue *q;

	lockdep_assert_held(&ctx->vdev->sched_lock);
	list_for_each_entry(q, &ctx->queue_list, ctx_link)
		if (q->engine && !owner_on_cpu(q->engine->task))
			return false;
	return true;
}

static bool vxpu_engine_must_stop(struct vxpu_queue *q)
{
	struct vxpu_device *vdev = q->ctx->vdev;
	bool stop;

	spin_lock(&vdev->sched_lock);
	stop = q->dead || vxpu_ctx_paused_locked(q->ctx);
	spin_unlock(&vdev->sched_lock);
	return stop || kthread_should_stop();
}

/*
 * Execute @q for one time slice. Returns with the queue's state updated
 * under the lock after every step.
 */
static void vxpu_engine_run(struct vxpu_engine *e, struct vxpu_queue *q)
{
	struct vxpu_device *vdev = e->vdev;
	u64 slice = (q->priority + 1) * VXPU_SLICE_NS;
	u64 deadline = ktime_get_ns() + (q->slice_left ?: slice);
	struct drm_vxpu_packet pkt;
	struct vxpu_exec exec;
	struct drm_vxpu_fault fault;
	bool fetch, stall, others;
	u64 rptr, bytes, now;
	int r;

	e->q = q;
	q->slice_left = 0;
	while (!vxpu_engine_must_stop(q)) {
		spin_lock(&vdev->sched_lock);
		rptr = q->rptr;
		fetch = !q->pkt_valid;
		if (fetch && q->rptr == q->wptr) {
			q->state = VXPU_QUEUE_IDLE;
			spin_unlock(&vdev->sched_lock);
			break;
		}
		if (!fetch) {
			pkt = q->pkt;
			exec = q->exec;
		}
		spin_unlock(&vdev->sched_lock);

		if (fetch) {
			/* Copied once: userspace may rewrite the ring. */
			vxpu_queue_fetch(q, rptr, &pkt);
			vxpu_exec_init(&exec);
		}

		memset(&fault, 0, sizeof(fault));
		bytes = 0;
		r = vxpu_interp_step(&pkt, q->asid->id, &exec, &e->env,
				     VXPU_CHUNK, &fault, &bytes);
		vxpu_engine_drop_slots(e, r != VXPU_STEP_MORE);
		/* grants: a fault in a revoked grant's hole stalls the queue */
		stall = r == VXPU_STEP_FAULT && vxpu_grant_hole(q, &fault);

		spin_lock(&vdev->sched_lock);
		q->chunks++;
		q->bytes += bytes;
		switch (r) {
		case VXPU_STEP_DONE:
			q->rptr++;
			q->pkt_valid = false;
			q->state = VXPU_QUEUE_RUNNING;
			break;
		case VXPU_STEP_MORE:
		case VXPU_STEP_WAIT:
			q->pkt = pkt;
			q->exec = exec;
			q->pkt_valid = true;
			q->state = r == VXPU_STEP_WAIT ? VXPU_QUEUE_WAITING :
							 VXPU_QUEUE_RUNNING;
			break;
		default:
			q->pkt = pkt;
			q->exec = exec;
			q->pkt_valid = true;
			fault.queue = q->id;
			fault.packet = rptr;
			q->fault = fault;
			q->state = stall ? VXPU_QUEUE_STALLED : VXPU_QUEUE_ERROR;
			break;
		}
		/* Engine activity: parked WAITs of the device look again. */
		if (r != VXPU_STEP_WAIT)
			vxpu_engine_kick_locked(vdev);
		others = !list_empty(&vdev->runq);
		spin_unlock(&vdev->sched_lock);
		/* grants: tell the backend, outside sched_lock */
		if (stall)
			vxpu_grant_stall(q, &fault);

		/*
		 * Let go of the queue before the CPU (the caller reschedules):
		 * an engine off its CPU holding a queue would stall a pause or
		 * a destroy until it runs again.
		 */
		if (r == VXPU_STEP_WAIT || r == VXPU_STEP_FAULT)
			break;
		now = ktime_get_ns();
		if (need_resched()) {
			if (now < deadline)
				q->slice_left = deadline - now;
			break;
		}
		/* Slice over: hand over only to a queue that waits for it. */
		if (now >= deadline) {
			if (others)
				break;
			deadline += slice;
		}
	}
	vxpu_engine_drop_slots(e, true);
	e->q = NULL;
}

static bool vxpu_engine_has_work(struct vxpu_device *vdev)
{
	return !list_empty(&vdev->runq) || kthread_should_stop();
}

static int vxpu_engine_fn(void *data)
{
	struct vxpu_engine *e = data;
	struct vxpu_device *vdev = e->vdev;
	struct vxpu_queue *q;
	bool parked;
	u64 now;

	while (!kthread_should_stop()) {
		q = vxpu_engine_pick(e);
		if (q) {
			vxpu_engine_run(e, q);
			vxpu_engine_release(e, q);
			cond_resched();
			continue;
		}

		/*
		 * Engine 0 re-checks parked WAITs and wakes on every wake_up()
		 * of engine_wq; the others just sleep, exclusively: a doorbell
		 * wakes one of them, not all (more follow from
		 * vxpu_engine_pick() while runnable queues remain).
		 */
		spin_lock(&vdev->sched_lock);
		parked = !e->index && !list_empty(&vdev->waitq);
		spin_unlock(&vdev->sched_lock);
		if (e->index) {
			wait_event_interruptible_exclusive(vdev->engine_wq,
							   vxpu_engine_has_work(vdev));
			continue;
		}
		if (!parked) {
			wait_event_interruptible(vdev->engine_wq,
						 vxpu_engine_has_work(vdev) ||
						 !list_empty(&vdev->waitq));
			continue;
		}
		/*
		 * Parked WAITs: re-check once per millisecond, on a periodic
		 * deadline so that wake-up latency does not stretch it.
		 */
		now = ktime_get_ns();
		if (now - e->recheck_ns > VXPU_WAIT_RECHECK_NS)
			e->recheck_ns = now;
		e->recheck_ns += VXPU_WAIT_RECHECK_NS;
		wait_event_interruptible_hrtimeout(vdev->engine_wq,
						   vxpu_engine_has_work(vdev),
						   ns_to_ktime(e->recheck_ns - now));
		spin_lock(&vdev->sched_lock);
		vxpu_engine_kick_locked(vdev);
		spin_unlock(&vdev->sched_lock);
	}
	return 0;
}

static void vxpu_engine_fini(void *data)
{
	struct vxpu_device *vdev = data;
	unsigned int i;

	for (i = 0; i < vdev->engine_count; i++) {
		if (vdev->engines[i].task)
			kthread_stop(vdev->engines[i].task);
		vdev->engines[i].task = NULL;
	}
	WARN_ON(!list_empty(&vdev->runq) || !list_empty(&vdev->waitq));
}

/* Start the engines; they stop when the device goes (a devm action). */
int vxpu_engine_init(struct vxpu_device *vdev)
{
	struct device *dev = vdev->drm.dev;
	unsigned int i;
	int ret;

	spin_lock_init(&vdev->sched_lock);
	INIT_LIST_HEAD(&vdev->runq);
	INIT_LIST_HEAD(&vdev->waitq);
	init_waitqueue_head(&vdev->engine_wq);
	init_waitqueue_head(&vdev->idle_wq);

	vdev->engines = devm_kcalloc(dev, vdev->engine_count,
				     sizeof(*vdev->engines), GFP_KERNEL);
	if (!vdev->engines)
		return -ENOMEM;

	ret = devm_add_action(dev, vxpu_engine_fini, vdev);
	if (ret)
		return ret;

	for (i = 0; i < vdev->engine_count; i++) {
		struct vxpu_engine *e = &vdev->engines[i];
		struct task_struct *task;

		e->vdev = vdev;
		e->index = i;
		e->env.priv = e;
		e->env.map = vxpu_engine_map;
		e->env.unmap = vxpu_engine_unmap;
		e->env.signal = vxpu_engine_signal;
		e->env.yield = vxpu_engine_yield;
		task = kthread_run(vxpu_engine_fn, e, "vxpu%u/e%u",
				   vdev->index, i);
		if (IS_ERR(task)) {
			drm_err(&vdev->drm, "cannot start engine %u: %ld\n",
				i, PTR_ERR(task));
			return PTR_ERR(task);
		}
		e->task = task;
	}
	return 0;
}
