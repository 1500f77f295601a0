/* SPDX-License-Identifier: MIT */
/*
 * vxpu CRIU plugin: what its files share. One job per file:
 *   vxpu_plugin.c   registration, init/exit, logging, HANDLE_DEVICE_VMA,
 *                   which device nodes are vxpu's (sysfs)
 *   vxpu_dump.c     DUMP_EXT_FILE (PROCESS_INFO, CHECKPOINT, images), the
 *                   pauses undone in exit(DUMP); CHECKPOINT_DEVICES on CRIU 4
 *   vxpu_restore.c  RESTORE_EXT_FILE, UPDATE_VMA_MAP, RESUME_DEVICES_LATE
 *   vxpu_seized.c   the dump's checks against the tasks criu has seized: each
 *                   vxpu mapping, and each imported BO's owner, is in the dump
 *   vxpu_image.c, vxpu_bo_io.c   the image format (shared with vxpuctl)
 */
#ifndef VXPU_PLUGIN_H
#define VXPU_PLUGIN_H


#include <errno.h>
#include <stdint.h>
#include <sys/types.h>

#include <drm/vxpu_accel.h>

#include "vxpu_image.h"

/* CRIU's log levels (criu/include/log.h) */
#define VXP_LOG_ERROR	1
#define VXP_LOG_WARN	2
#define VXP_LOG_INFO	3
#define VXP_LOG_DEBUG	4

void vxp_log(unsigned int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define vxp_err(...)	vxp_log(VXP_LOG_ERROR, __VA_ARGS__)
#define vxp_warn(...)	vxp_log(VXP_LOG_WARN, __VA_ARGS__)
#define vxp_info(...)	vxp_log(VXP_LOG_INFO, __VA_ARGS__)
#define vxp_debug(...)	vxp_log(VXP_LOG_DEBUG, __VA_ARGS__)

/* 1 if @rdev is a DRM node (accel or render) of a vxpu device, from sysfs */
int vxp_is_vxpu_rdev(dev_t rdev);
/* 1 if @fd is an open vxpu device node (fstat + sysfs, then DRM_IOCTL_VERSION) */
int vxp_is_vxpu_fd(int fd);
/* 1 if @path (stat() follows it) is a vxpu device node; its rdev in @rdev */
int vxp_is_vxpu_path(const char *path, dev_t *rdev);

/*
 * DRM_VXPU_CRIU through plain ioctl(), restarted on EINTR only: drmIoctl()
 * (vxpu_ioctl) would also loop on EAGAIN, which CHECKPOINT and RESTORE
 * return for the caller to act on. Returns 0 or -errno.
 */
struct drm_vxpu_criu;
int vxp_criu(int fd, struct drm_vxpu_criu *a);

/*
 * Fault injection for the tests (tests/criu/run-criu-tests): with
 * VXPU_PLUGIN_STALL=@point in criu's environment, sleep 120 s at @point
 * ("dump": a context paused and its first BO chunk written; "restore":
 * after RESTORE, before the contents), after logging "test stall at @point",
 * so that the test can SIGKILL criu right there.
 */
void vxp_test_stall(const char *point);
/* VXPU_PLUGIN_FAIL=@point: 1 (the caller then fails with -EIO, logged) */
int vxp_test_fail(const char *point);

/*
 * A failing hook's return value for CRIU: -ENOTSUP (which -EOPNOTSUPP equals)
 * means "not this plugin's file" there, and CRIU would go on to other plugins
 * and blame the file's type; the hook has logged the real cause.
 */
static inline int vxp_hook_err(int r)
{
	return r == -ENOTSUP ? -EIO : r;
}

/*
 * Once per dump (HANDLE_DEVICE_VMA): 0 if every vxpu mapping of every task
 * criu has seized goes through a device fd of that task holding the BO,
 * else -EINVAL, each offending mapping logged (vxpu_seized.c).
 */
int vxp_check_mappings(void);
/* 1 if a task criu has seized holds an fd of that context (vxpu_seized.c) */
int vxp_ctx_seized(uint32_t gpu_id, uint32_t ctx_id);

/* a vxpu fd of a task, copied into criu (pidfd_getfd), and its device */
struct vxp_task_fd {
	int fd;
	dev_t rdev;
};
/*
 * The vxpu fds of @pid, in *@out (vxp_task_fds_close() them): how many, 0 if
 * the task is gone, -ENOMEM (logged).
 */
int vxp_task_fds(pid_t pid, struct vxp_task_fd **out);
void vxp_task_fds_close(struct vxp_task_fd *v, int n);

/* the CRIU image directory, as an fd owned by CRIU (do not close) */
int vxp_image_dir(void);

/* CLOCK_MONOTONIC in seconds, for the timings in the log */
double vxp_now(void);

/*
 * Map every owned BO of @e (content set) through its dma-buf in @bk with
 * @prot: *@maps is indexed like e->bos, NULL for imported BOs. Returns 0
 * or -errno (logged); vxp_unmap_bos() undoes it either way.
 */
int vxp_map_bos(const VxpuCtxEntry *e, const struct drm_vxpu_criu_bo_bucket *bk, int prot,
		void ***maps);
/* unmap and free @maps (may be NULL), and close every dma-buf fd of @bk */
void vxp_unmap_bos(const VxpuCtxEntry *e, const struct drm_vxpu_criu_bo_bucket *bk,
		   void **maps);

/* vxpu_dump.c */
int vxp_dump_init(void);
void vxp_dump_fini(int ret);

/* vxpu_restore.c */
int vxp_restore_init(void);
void vxp_restore_fini(int ret);

#endif /* VXPU_PLUGIN_H */
