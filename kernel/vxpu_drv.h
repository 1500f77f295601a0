/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vxpu: internal types shared by the driver's files.
 *
 * Object model
 * ------------
 * vxpu_device   one per platform device "vxpu.N"; owns the VRAM pool.
 * vxpu_ctx      one per open file (drm_file->driver_priv); refcounted,
 *               because BOs charged to it may outlive the file.
 * vxpu_bo       a GEM object, GTT (drm_gem_shmem, pinned at creation) or
 *               VRAM (pool pages carved by the buddy allocator); holds a
 *               reference on the context it is charged to.
 * vxpu_asid     a device address space of one context; refcounted so
 *               that an ioctl may use it while another thread destroys it.
 * vxpu_mapping  a BO range mapped into an ASID; holds a BO reference.
 * vxpu_queue    a user-mode queue of one context: a ring of packets in a
 *               BO (referenced) executed in an ASID (referenced);
 *               refcounted for lookups, owned by the context's table.
 * vxpu_event    a 64-bit counter of one context, raised by SIGNAL packets;
 *               refcounted so that a waiter survives its destruction.
 * vxpu_engine   one kthread of a device; executes one queue at a time.
 *
 * Locks, one role each (outer to inner in the order listed):
 *
 * vxpu_ctx.criu_lock   (mutex) one C/R op of the context at a time
 *                      (vxpu_criu.c); its criu_pauses and
 *                      restore_pending. Outermost; never two of them
 *                      at once (RESUME by pid takes them one by one).
 * vxpu_ctx.asid_lock   (mutex) membership of ctx->asids: create, destroy,
 *                      context teardown and debugfs iteration.
 * vxpu_asid.lock       (mutex) the ASID's VA allocator (mm), page table
 *                      (pt), mapping_count and dead flag.
 * vxpu_device.vram_lock (mutex) the VRAM buddy allocator and vram_free.
 * vxpu_device.ctxs     (its xa_lock) context ids; held while debugfs walks
 *                      the contexts, and to erase a context's id.
 * vxpu_ctx.lock        (spinlock) quota, quota_used, bo_count, closed and
 *                      the list of BOs charged to the context.
 * vxpu_ctx.asids       (its xa_lock) ASID ids; lookups take an ASID
 *                      reference under it.
 * vxpu_device.criu_lock (mutex) the registry of restored, not yet
 *                      resumed BOs (vxpu_criu.c). Taken holding at most
 *                      a ctx.criu_lock; nothing nests inside and no
 *                      reference is dropped under it.
 *
 * Dropping the last reference of a BO (e.g. an unmap under asid.lock) may
 * take vram_lock, ctx.lock and the ctxs xa_lock: hence the order above.
 *
 * Engine locks. None is held while a packet executes, nor across a user
 * copy; the engine takes an ASID lock only inside vxpu_asid_translate(),
 * holding nothing else, and never sleeps under the spinlocks below.
 *
 * vxpu_device.sched_lock (spinlock) scheduling state of every queue of
 *                      the device: state, rptr, wptr, pkt, exec, fault,
 *                      counters, run_link (runq / waitq), engine, dead;
 *                      each context's queue_list, active, pause counts.
 *                      Taken holding no other vxpu lock (by engines, queue
 *                      ioctls, pause/resume, debugfs); only wake_up() of
 *                      engine_wq nests inside it. Nothing that may drop a
 *                      BO, ASID or queue reference runs under it.
 * vxpu_ctx.queues      (its xa_lock) queue ids; lookups take a queue
 *                      reference under it. Taken holding no other lock.
 * vxpu_ctx.events      (its xa_lock) event ids; lookups take an event
 *                      reference under it. Taken holding no other lock.
 * Event counters are atomic64_t (monotonic maximum, lock-free); waiters
 * sleep on vxpu_ctx.event_wq.
 *
 * Grant locks (vxpu_grant.c), outer to inner; the first two are outer to
 * every lock above but criu_lock, the last three inner to all of them:
 *
 * vxpu_device.grant_lock (mutex) grant creation, map, unmap and revoke;
 *                      each context's grants list; a grant's BO; the
 *                      grant_dead flag of BOs. Held across a whole revoke.
 * vxpu_foreign.rev_lock (rwsem) the revoked flag against the CPU fault
 *                      handler (read side) inserting a page.
 * vxpu_foreign.map_lock (spinlock) the foreign BO's list of ASID mappings
 *                      and the revoked flag for vxpu_asid_map(); nests in
 *                      vxpu_asid.lock.
 * vxpu_grant.lock      (spinlock) the grant's state, mapped flag, handle
 *                      and foreign BO pointer.
 * vxpu_ctx.fault_lock  (spinlock) a backend's fault records (faults,
 *                      stalls, counts); its waiters sleep on fault_wq.
 * A foreign BO's active count (translations of granted pages in use by an
 * engine step or VM_READ/WRITE) is atomic; revoke waits on its idle_wq.
 */
#ifndef _VXPU_DRV_H_
#define _VXPU_DRV_H_

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_mm.h>

#include <drm/vxpu_accel.h>

#include "compat.h"
#include "vxpu_interp.h"

#define VXPU_MAX_DEVICES	8
/* VXPU_VA_START, VXPU_VA_END: vxpu_portable.h (via vxpu_interp.h) */
#define VXPU_RW_MAX		BIT_ULL(30)

/* Page table entry: xa_mk_value(pfn << VXPU_PTE_SHIFT | VXPU_MAP_* bits). */
#define VXPU_PTE_PERM_MASK	(VXPU_MAP_READ | VXPU_MAP_WRITE)
#define VXPU_PTE_SHIFT		2

struct vxpu_device {
	struct drm_device drm;
	unsigned int index;
	u32 gpu_id;
	u32 engine_count;
	char name[32];

	/* VRAM pool: vram_npages order-0 pages, allocated at probe. */
	struct page **vram_pages;
	unsigned long vram_npages;
	struct list_head vram_skew;	/* held back, see vxpu_vram_init() */
	u64 vram_size;
	/* Protects vram_mm and vram_free. */
	struct mutex vram_lock;
	struct vxpu_buddy vram_mm;
	bool vram_mm_ready;
	u64 vram_free;

	/* Contexts by id (XA_FLAGS_ALLOC1), including closed ones with BOs. */
	struct xarray ctxs;
	u32 ctx_next;

	struct dentry *debugfs;
	struct dentry *debugfs_ctx;

	/* C/R: BOs of pending restores by (cookie, user gpu id, offset). */
	struct mutex criu_lock;
	DECLARE_HASHTABLE(criu_shared, 8);

	/* Engine: see the lock comment above. */
	spinlock_t sched_lock;
	struct list_head runq;		/* queues ready for an engine */
	struct list_head waitq;		/* queues parked in VXPU_OP_WAIT */
	wait_queue_head_t engine_wq;	/* idle engines sleep here */
	wait_queue_head_t idle_wq;	/* pause and destroy wait for engines */
	struct vxpu_engine *engines;	/* engine_count of them */

	/* Grants (vxpu_grant.c): see the lock comment above. */
	struct mutex grant_lock;
	struct xarray grants;		/* by index: the low 32 bits of an id */
	u32 grant_next;
	u64 grant_seq;			/* the high 32 bits of the next id */
};

struct vxpu_ctx {
	struct kref ref;
	struct vxpu_device *vdev;
	u32 id;
	/* Thread group that opened the file (a reference). */
	struct pid *owner;

	/* Protects quota, quota_used, bo_count, closed and bos. */
	spinlock_t lock;
	u64 quota;
	u64 quota_used;
	u32 bo_count;
	bool closed;
	struct list_head bos;

	/* Serializes changes to asids and asid_count, and walks of asids. */
	struct mutex asid_lock;
	struct xarray asids;
	u32 asid_next;
	u32 asid_count;

	/* Queue ids; queue_list, active and the pause counts: sched_lock. */
	struct xarray queues;
	u32 queue_next;
	struct list_head queue_list;
	u32 active;		/* queues of this context on an engine */
	u32 pause_count;	/* vxpu_ctx_pause() nesting (kernel users) */
	u32 user_pause_count;	/* DRM_VXPU_CONTEXT_PAUSE nesting */

	/* Event ids; waiters of every event of the context. */
	struct xarray events;
	u32 event_next;
	wait_queue_head_t event_wq;

	/* C/R (vxpu_criu.c): PROCESS_INFO pauses, oldest first; RESTORE. */
	struct mutex criu_lock;
	struct list_head criu_pauses;
	bool restore_pending;		/* restored, paused until RESUME */
	bool criu_gap_close;		/* RESTORE deletes its gap handles */

	/* Grants: made as backend (grant_lock); fault records (fault_lock). */
	struct list_head grants;
	atomic_t foreign_count;		/* foreign BOs of this frontend */
	spinlock_t fault_lock;
	struct list_head faults;	/* unread records */
	struct list_head stalls;	/* read DEVICE records, unanswered */
	u32 fault_count;		/* records on faults */
	bool faults_closed;
	u64 fault_next;
	u64 faults_lost;
	wait_queue_head_t fault_wq;

	struct dentry *debugfs;
};

struct vxpu_bo {
	union {
		/* VRAM BOs use base; GTT BOs use shmem, whose base aliases it. */
		struct drm_gem_object base;
		struct drm_gem_shmem_object shmem;
	};
	u32 placement;
	bool pinned;
	/* Page of each BO page index; for GTT this is shmem.pages. */
	struct page **pages;
	/* VRAM: buddy blocks backing the BO. */
	struct list_head blocks;
	/* Context charged for the BO (a reference), and its link there. */
	struct vxpu_ctx *owner;
	struct list_head ctx_link;
	atomic_t map_count;
	/* Grants of it exist or existed; its owner closed its handle. */
	bool granted;
	bool grant_dead;
};

/*
 * A foreign BO: a GEM object in the frontend's file whose pages are a
 * range of the backend's BO (bo.pages points into backing->pages). See
 * vxpu_grant.c; the locks are described above.
 */
struct vxpu_grant;

struct vxpu_foreign {
	struct vxpu_bo bo;
	struct vxpu_grant *grant;	/* a reference */
	struct vxpu_ctx *ctx;		/* the frontend, a reference */
	struct vxpu_bo *backing;	/* a reference until revoked */
	u32 perm;			/* VXPU_MAP_READ | VXPU_MAP_WRITE allowed */
	struct rw_semaphore rev_lock;
	struct address_space *mapping;	/* rev_lock: where its VMAs are */
	spinlock_t map_lock;
	bool revoked;
	struct list_head maps;		/* vxpu_mapping.fbo_link */
	u32 map_total;			/* entries of maps */
	atomic_t active;		/* translations of granted pages in use */
	wait_queue_head_t idle_wq;
	atomic_t mmaps;			/* VMAs */
};

struct vxpu_asid {
	struct kref ref;
	struct vxpu_ctx *ctx;
	u32 id;

	/* Protects dead, mm, pt and mapping_count. */
	struct mutex lock;
	bool dead;
	struct drm_mm mm;
	struct xarray pt;
	u32 mapping_count;
	/* Bumped when a mapping goes: the engine's translations go stale. */
	unsigned int gen;
};

struct vxpu_mapping {
	struct drm_mm_node node;
	struct vxpu_bo *bo;
	u64 bo_offset;
	u32 perm;
	/* Foreign BOs only: see vxpu_asid_revoke_foreign(). */
	struct vxpu_asid *asid;
	struct list_head fbo_link;	/* on vxpu_foreign.maps */
	bool hole;			/* revoked: its pages are gone */
	bool filled;			/* has page table entries */
	bool zero;			/* hole filled with the zero page */
	struct vxpu_bo *supply;		/* hole filled from this BO (a reference) */
	u64 supply_offset;
};

/*
 * A translation: up to VXPU_XLATE_MAX pages from @va (page aligned), all
 * in one mapping, with a reference on the mapping's BO keeping them
 * allocated. Made by vxpu_asid_translate(), released by vxpu_xlate_put().
 */
#define VXPU_XLATE_MAX	64

struct vxpu_xlate {
	struct vxpu_bo *bo;
	u64 va;
	unsigned int npages;
	unsigned int gen;
	struct vxpu_foreign *granted;	/* granted pages: holds its active count */
	struct page *pages[VXPU_XLATE_MAX];
};

struct vxpu_queue {
	struct kref ref;
	struct vxpu_ctx *ctx;
	u32 id;
	u32 priority;
	struct vxpu_asid *asid;		/* a reference */
	struct vxpu_bo *ring_bo;	/* a reference */
	u64 ring_offset;
	u32 ring_entries;

	/* Everything below: vxpu_device.sched_lock. */
	u32 state;			/* VXPU_QUEUE_*, never PAUSED */
	bool dead;			/* destroyed: no engine may pick it */
	bool pkt_valid;			/* pkt was fetched, exec is its progress */
	u64 rptr;
	u64 wptr;
	struct drm_vxpu_packet pkt;
	struct vxpu_exec exec;
	struct drm_vxpu_fault fault;
	u64 bytes;
	u64 chunks;
	u64 slice_left;			/* ns left of a slice cut short, or 0 */
	struct list_head run_link;	/* on runq or waitq, or empty */
	struct list_head ctx_link;	/* on ctx->queue_list */
	struct vxpu_engine *engine;	/* executing it, or NULL */
};

/* A queue's execution state, as checkpoint saves it and restore loads it. */
struct vxpu_queue_state {
	u32 state;			/* VXPU_QUEUE_*, never PAUSED */
	bool pkt_valid;
	u64 rptr;
	u64 wptr;
	u64 bytes;
	u64 chunks;
	struct drm_vxpu_packet pkt;	/* zero unless pkt_valid */
	struct vxpu_exec exec;		/* zero unless pkt_valid */
	struct drm_vxpu_fault fault;	/* zero unless ERROR */
};

struct vxpu_event {
	struct kref ref;
	u32 id;
	bool dead;			/* destroyed: waiters get -ENOENT */
	atomic64_t value;
};

/* Live object counters, checked at module unload (vxpu_drv.c). */
extern atomic_t vxpu_live_ctxs;
extern atomic_t vxpu_live_bos;
extern atomic_t vxpu_live_asids;
extern atomic_t vxpu_live_mappings;
extern atomic_t vxpu_live_queues;
extern atomic_t vxpu_live_events;
extern atomic_t vxpu_live_grants;
extern atomic_t vxpu_live_foreign;
extern atomic_t vxpu_live_faults;

/* Module parameters (vxpu_drv.c). */
extern unsigned long long vxpu_default_quota;

static inline struct vxpu_device *to_vxpu_device(struct drm_device *drm)
{
	return container_of(drm, struct vxpu_device, drm);
}

static inline struct vxpu_bo *to_vxpu_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct vxpu_bo, base);
}

static inline struct vxpu_ctx *vxpu_file_ctx(struct drm_file *file)
{
	return file->driver_priv;
}

/* vxpu_ctx.c */
int vxpu_ctx_open(struct drm_device *drm, struct drm_file *file);
void vxpu_ctx_postclose(struct drm_device *drm, struct drm_file *file);
void vxpu_ctx_put(struct vxpu_ctx *ctx);
int vxpu_ctx_charge(struct vxpu_ctx *ctx, u64 size);
void vxpu_ctx_uncharge(struct vxpu_ctx *ctx, u64 size);
int vxpu_ioctl_context_info(struct drm_device *drm, void *data,
			    struct drm_file *file);
int vxpu_ioctl_context_set_quota(struct drm_device *drm, void *data,
				 struct drm_file *file);

/* vxpu_bo.c */
int vxpu_vram_init(struct vxpu_device *vdev, u64 size);
struct drm_gem_object *vxpu_gem_create_object(struct drm_device *drm,
					      size_t size);
bool vxpu_is_vxpu_bo(struct drm_device *drm, struct drm_gem_object *obj);
u64 vxpu_vram_free(struct vxpu_device *vdev);
struct vxpu_bo *vxpu_bo_create(struct vxpu_ctx *ctx, u64 size, u32 placement);
int vxpu_ioctl_bo_create(struct drm_device *drm, void *data,
			 struct drm_file *file);
int vxpu_ioctl_bo_info(struct drm_device *drm, void *data,
		       struct drm_file *file);

static inline unsigned long vxpu_bo_npages(struct vxpu_bo *bo)
{
	return bo->base.size >> PAGE_SHIFT;
}

/* The page backing page @idx of @bo, whatever its placement. */
static inline struct page *vxpu_bo_page(struct vxpu_bo *bo, unsigned long idx)
{
	if (WARN_ON(idx >= vxpu_bo_npages(bo) || !bo->pages))
		return NULL;
	return bo->pages[idx];
}

/* vxpu_asid.c */
void vxpu_asid_destroy_all(struct vxpu_ctx *ctx);
struct vxpu_asid *vxpu_asid_get(struct vxpu_ctx *ctx, u32 id);
void vxpu_asid_put(struct vxpu_asid *asid);
struct vxpu_mapping *vxpu_asid_find(struct vxpu_asid *asid, u64 va);
int vxpu_asid_translate(struct vxpu_asid *asid, u64 va, u64 len, u32 perm,
			unsigned int max, struct vxpu_xlate *x);
void vxpu_xlate_put(struct vxpu_xlate *x);
int vxpu_asid_create(struct vxpu_ctx *ctx, u32 want, u32 *id);
int vxpu_asid_map(struct vxpu_asid *asid, struct vxpu_bo *bo, u64 bo_offset,
		  u64 size, u64 *va, u32 flags);
void vxpu_asid_revoke_foreign(struct vxpu_foreign *f);
int vxpu_asid_hole_info(struct vxpu_asid *asid, u64 va,
			struct vxpu_foreign **f, u64 *hole_va, u64 *hole_size,
			u64 *offset);
int vxpu_asid_fill_hole(struct vxpu_asid *asid, u64 va,
			struct vxpu_grant *g, struct vxpu_bo *supply,
			u64 supply_offset);
int vxpu_ioctl_asid_create(struct drm_device *drm, void *data,
			   struct drm_file *file);
int vxpu_ioctl_asid_destroy(struct drm_device *drm, void *data,
			    struct drm_file *file);
int vxpu_ioctl_vm_map(struct drm_device *drm, void *data,
		      struct drm_file *file);
int vxpu_ioctl_vm_unmap(struct drm_device *drm, void *data,
			struct drm_file *file);

/* vxpu_vm_rw.c */
int vxpu_ioctl_vm_read(struct drm_device *drm, void *data,
		       struct drm_file *file);
int vxpu_ioctl_vm_write(struct drm_device *drm, void *data,
			struct drm_file *file);

/* vxpu_queue.c */
void vxpu_queue_ctx_init(struct vxpu_ctx *ctx);
void vxpu_queue_destroy_all(struct vxpu_ctx *ctx);
void vxpu_queue_requeue_locked(struct vxpu_queue *q);
void vxpu_queue_put(struct vxpu_queue *q);
struct vxpu_queue *vxpu_queue_get(struct vxpu_ctx *ctx, u32 id);
int vxpu_queue_create(struct vxpu_ctx *ctx, u32 want, u32 asid_id,
		      struct vxpu_bo *ring_bo, u64 ring_offset, u32 ring_entries,
		      u32 priority, const struct vxpu_queue_state *st, u32 *id);
struct vxpu_queue *vxpu_queue_next(struct vxpu_ctx *ctx, unsigned long *id);
void vxpu_queue_save(struct vxpu_queue *q, struct vxpu_queue_state *st);
int vxpu_ctx_pause(struct vxpu_ctx *ctx);
void vxpu_ctx_resume(struct vxpu_ctx *ctx);
bool vxpu_ctx_paused_locked(struct vxpu_ctx *ctx);
void vxpu_queue_fetch(struct vxpu_queue *q, u64 idx,
		      struct drm_vxpu_packet *pkt);
const char *vxpu_queue_state_name(struct vxpu_queue *q);
u32 vxpu_queue_state_locked(struct vxpu_queue *q);
int vxpu_ioctl_queue_create(struct drm_device *drm, void *data,
			    struct drm_file *file);
int vxpu_ioctl_queue_destroy(struct drm_device *drm, void *data,
			     struct drm_file *file);
int vxpu_ioctl_queue_doorbell(struct drm_device *drm, void *data,
			      struct drm_file *file);
int vxpu_ioctl_queue_info(struct drm_device *drm, void *data,
			  struct drm_file *file);
int vxpu_ioctl_context_pause(struct drm_device *drm, void *data,
			     struct drm_file *file);

/* vxpu_engine.c */
int vxpu_engine_init(struct vxpu_device *vdev);
void vxpu_engine_kick_locked(struct vxpu_device *vdev);
bool vxpu_engine_ctx_on_cpu_locked(struct vxpu_ctx *ctx);

/* vxpu_event.c */
void vxpu_event_ctx_init(struct vxpu_ctx *ctx);
void vxpu_event_destroy_all(struct vxpu_ctx *ctx);
int vxpu_event_signal(struct vxpu_ctx *ctx, u64 id, u64 value);
int vxpu_event_create(struct vxpu_ctx *ctx, u32 want, u64 value, u32 *id);
struct vxpu_event *vxpu_event_next(struct vxpu_ctx *ctx, unsigned long *id);
void vxpu_event_put(struct vxpu_event *ev);
int vxpu_ioctl_event_create(struct drm_device *drm, void *data,
			    struct drm_file *file);
int vxpu_ioctl_event_destroy(struct drm_device *drm, void *data,
			     struct drm_file *file);
int vxpu_ioctl_event_read(struct drm_device *drm, void *data,
			  struct drm_file *file);
int vxpu_ioctl_event_wait(struct drm_device *drm, void *data,
			  struct drm_file *file);

/* vxpu_criu.c */
void vxpu_criu_device_init(struct vxpu_device *vdev);
void vxpu_criu_device_fini(struct vxpu_device *vdev);
void vxpu_criu_ctx_init(struct vxpu_ctx *ctx);
void vxpu_criu_ctx_close(struct vxpu_ctx *ctx);
int vxpu_ioctl_criu(struct drm_device *drm, void *data, struct drm_file *file);

/* vxpu_prime.c */
struct drm_gem_object *vxpu_gem_prime_import(struct drm_device *drm,
					     struct dma_buf *dma_buf);

/* vxpu_grant.c */
int vxpu_grant_device_init(struct vxpu_device *vdev);
void vxpu_grant_ctx_init(struct vxpu_ctx *ctx);
void vxpu_grant_ctx_fini(struct vxpu_ctx *ctx);
bool vxpu_grant_ctx_busy(struct vxpu_ctx *ctx);
bool vxpu_bo_is_foreign(struct drm_gem_object *obj);
void vxpu_grant_bo_closed(struct vxpu_bo *bo, struct drm_file *file);
u32 vxpu_grant_bo_owner_id(struct vxpu_bo *bo);
void vxpu_foreign_idle(struct vxpu_foreign *f);
int vxpu_grant_vm_rw_fault(struct vxpu_ctx *ctx, struct vxpu_asid *asid,
			   u64 va, bool write);
bool vxpu_grant_hole(struct vxpu_queue *q, struct drm_vxpu_fault *fault);
void vxpu_grant_stall(struct vxpu_queue *q, struct drm_vxpu_fault *fault);
__poll_t vxpu_poll(struct file *filp, struct poll_table_struct *wait);
int vxpu_ioctl_grant_create(struct drm_device *drm, void *data,
			    struct drm_file *file);
int vxpu_ioctl_grant_map(struct drm_device *drm, void *data,
			 struct drm_file *file);
int vxpu_ioctl_grant_unmap(struct drm_device *drm, void *data,
			   struct drm_file *file);
int vxpu_ioctl_grant_revoke(struct drm_device *drm, void *data,
			    struct drm_file *file);
int vxpu_ioctl_grant_info(struct drm_device *drm, void *data,
			  struct drm_file *file);
int vxpu_ioctl_fault_read(struct drm_device *drm, void *data,
			  struct drm_file *file);
int vxpu_ioctl_fault_reply(struct drm_device *drm, void *data,
			   struct drm_file *file);

/* vxpu_debugfs.c */
void vxpu_debugfs_module_init(void);
void vxpu_debugfs_module_exit(void);
void vxpu_debugfs_device_init(struct vxpu_device *vdev);
void vxpu_debugfs_device_fini(struct vxpu_device *vdev);
void vxpu_debugfs_ctx_init(struct vxpu_ctx *ctx);
void vxpu_debugfs_ctx_fini(struct vxpu_ctx *ctx);

#endif /* _VXPU_DRV_H_ */
