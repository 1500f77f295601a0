// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <linux/capability.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dt.h"

int dt_open(unsigned int index)
{
	int fd = vxpu_open_index(index);

	ck_assert_msg(fd >= 0, "vxpu_open_index(%u) = %d (%s)", index, fd,
		      fd < 0 ? vxpu_strerror(fd) : "");
	return fd;
}

struct drm_vxpu_device_info dt_devinfo(int fd)
{
	struct drm_vxpu_device_info di;

	VT_OK(vxpu_device_info(fd, &di));
	return di;
}

struct drm_vxpu_context_info dt_ctxinfo(int fd)
{
	struct drm_vxpu_context_info ci;

	VT_OK(vxpu_context_info(fd, &ci));
	return ci;
}

uint32_t dt_bo(int fd, uint64_t size, uint32_t placement, uint64_t *off)
{
	uint32_t h = 0;
	int r = vxpu_bo_create(fd, size, placement, &h, off);

	ck_assert_msg(r == 0, "bo_create(%llu, %s) = %d (%s)", (unsigned long long)size,
		      PLACEMENT_NAME(placement), r, vxpu_strerror(r));
	ck_assert_uint_ne(h, 0);
	return h;
}

uint32_t dt_asid(int fd)
{
	uint32_t a = 0;

	VT_OK(vxpu_asid_create(fd, 0, &a));
	ck_assert_uint_ne(a, 0);
	return a;
}

uint64_t dt_map(int fd, uint32_t asid, uint32_t h, uint64_t off, uint64_t size, uint32_t flags)
{
	uint64_t va = 0;
	int r = vxpu_vm_map(fd, asid, h, off, size, flags, &va);

	ck_assert_msg(r == 0, "vm_map(asid %u, bo %u, off %#llx, size %#llx, flags %#x) = %d (%s)",
		      asid, h, (unsigned long long)off, (unsigned long long)size, flags, r,
		      vxpu_strerror(r));
	return va;
}

void *dt_mmap(int fd, uint32_t h, uint64_t size)
{
	struct drm_vxpu_bo_info bi;
	void *p = NULL;

	VT_OK(vxpu_bo_info(fd, h, &bi));
	VT_OK(vxpu_bo_mmap(fd, bi.mmap_offset, size, PROT_READ | PROT_WRITE, &p));
	return p;
}

void dt_set_quota(int fd, uint64_t bytes)
{
	VT_OK(vxpu_set_quota(fd, bytes));
}

void dt_drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	int idx = CAP_SYS_ADMIN / 32;
	uint32_t bit = 1u << (CAP_SYS_ADMIN % 32);

	ck_assert_int_eq(syscall(SYS_capget, &hdr, data), 0);
	data[idx].effective &= ~bit;
	data[idx].permitted &= ~bit;
	data[idx].inheritable &= ~bit;
	ck_assert_msg(syscall(SYS_capset, &hdr, data) == 0, "capset: %m");
	ck_assert_int_eq(syscall(SYS_capget, &hdr, data), 0);
	ck_assert_uint_eq(data[idx].effective & bit, 0);
}

void dt_wait_ok(pid_t pid, const char *what)
{
	int st = 0;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "%s: helper process failed (status %#x%s%d)", what, st,
		      WIFSIGNALED(st) ? ", signal " : ", exit ",
		      WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}
