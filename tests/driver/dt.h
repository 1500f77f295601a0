/* SPDX-License-Identifier: MIT */
/* Helpers shared by the driver (guest) test files. */
#ifndef VXPU_DRIVER_DT_H
#define VXPU_DRIVER_DT_H

#include <sys/types.h>

#include "vt.h"

/* open device @index as a new context; fails the test when impossible */
int dt_open(unsigned int index);
struct drm_vxpu_device_info dt_devinfo(int fd);
struct drm_vxpu_context_info dt_ctxinfo(int fd);
/* create a BO and return its handle (mmap offset in *off if non-NULL) */
uint32_t dt_bo(int fd, uint64_t size, uint32_t placement, uint64_t *off);
uint32_t dt_asid(int fd);
/* map @size bytes of @h at an allocated VA with @flags; returns the VA */
uint64_t dt_map(int fd, uint32_t asid, uint32_t h, uint64_t off, uint64_t size, uint32_t flags);
/* CPU-map a BO read/write */
void *dt_mmap(int fd, uint32_t h, uint64_t size);
/* raise the quota of @fd to @bytes (needs CAP_SYS_ADMIN, i.e. root in the guest) */
void dt_set_quota(int fd, uint64_t bytes);
/* drop CAP_SYS_ADMIN from this process (effective, permitted, inheritable) */
void dt_drop_sys_admin(void);
/* wait for @pid and fail unless it exited with status 0 */
void dt_wait_ok(pid_t pid, const char *what);

/* in a forked helper process: print and exit 1 unless @cond */
#define CHILD_CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "child %d: %s:%d: check failed: %s: ", (int)getpid(), \
			__FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		_exit(1); \
	} \
} while (0)

#define PLACEMENT_NAME(p) ((p) == VXPU_BO_VRAM ? "VRAM" : "GTT")

TCase *dt_tcase_device(void);
TCase *dt_tcase_context(void);
TCase *dt_tcase_bo(void);
TCase *dt_tcase_capacity(void);
TCase *dt_tcase_asid(void);
TCase *dt_tcase_vm(void);
TCase *dt_tcase_vm_rw(void);
TCase *dt_tcase_abi(void);
TCase *dt_tcase_isolation(void);
TCase *dt_tcase_sharing(void);
TCase *dt_tcase_sysfs(void);
TCase *dt_tcase_reload(void);

#endif
