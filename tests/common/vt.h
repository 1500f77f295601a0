/* SPDX-License-Identifier: MIT */
/* Shared helpers of the vxpu test programs (Check based). */
#ifndef VXPU_TESTS_VT_H
#define VXPU_TESTS_VT_H

#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "libvxpu.h"

#define VT_PAGE ((uint64_t)VXPU_PAGE_SIZE)

/* Generous: the guest runs under qemu TCG, roughly 10x slower than native. */
#define VT_TIMEOUT 240

/* expr must return 0 (libvxpu convention); the message names the errno otherwise */
#define VT_OK(expr) do { \
	int vt_r_ = (expr); \
	ck_assert_msg(vt_r_ == 0, "%s = %d (%s), expected 0", #expr, vt_r_, \
		      vt_r_ < 0 ? vxpu_strerror(vt_r_) : "positive"); \
} while (0)

/* expr must return exactly -err */
#define VT_ERR(expr, err) do { \
	int vt_r_ = (expr); \
	ck_assert_msg(vt_r_ == -(err), "%s = %d (%s), expected -%s", #expr, vt_r_, \
		      vt_r_ < 0 ? vxpu_strerror(vt_r_) : "success", #err); \
} while (0)

/* Directory for TAP files: $VXPU_RESULTS, default <repo>/build/results/local; created. */
const char *vt_results_dir(void);

/*
 * Run @sr in fork mode with TAP into <results>/<tapname>.tap (and the
 * normal report on stdout). Return the number of failed tests.
 */
int vt_run(SRunner *sr, const char *tapname);

/* mkdir -p; 0 or -errno */
int vt_mkdir_p(const char *path);

/* SCM_RIGHTS over a unix socket; 0 / the fd, or -errno */

/* Fill @buf with a pattern derived from @seed; vt_check_pattern returns the first bad offset or -1 */
void vt_fill_pattern(void *buf, size_t len, uint32_t seed);
long vt_check_pattern(const void *buf, size_t len, uint32_t seed);
/* index of the first non-zero byte, or -1 */
long vt_first_nonzero(const void *buf, size_t len);

/* Read a whole small file into @buf (NUL-terminated, trailing newline stripped); 0 or -errno */
int vt_read_file(const char *path, char *buf, size_t size);

/* Replace the ioctl size field of @cmd with @size. */
unsigned long vt_ioctl_resize(unsigned long cmd, size_t size);

#endif
