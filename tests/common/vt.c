// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt.h"

#ifndef VXPU_REPO
#error "VXPU_REPO must be defined by the Makefile"
#endif

int vt_mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

const char *vt_results_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("VXPU_RESULTS");

	if (env && *env)
		snprintf(dir, sizeof(dir), "%s", env);
	else
		snprintf(dir, sizeof(dir), "%s/build/results/local", VXPU_REPO);
	if (vt_mkdir_p(dir))
		fprintf(stderr, "warning: cannot create %s: %m\n", dir);
	return dir;
}

int vt_run(SRunner *sr, const char *tapname)
{
	char path[PATH_MAX];
	int failed;

	snprintf(path, sizeof(path), "%s/%s.tap", vt_results_dir(), tapname);
	srunner_set_fork_status(sr, CK_FORK);
	srunner_set_tap(sr, path);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	printf("%s: %d of %d tests failed; TAP in %s\n", tapname, failed,
	       srunner_ntests_run(sr), path);
	return failed;
}

static uint8_t pattern_byte(size_t i, uint32_t seed)
{
	uint32_t x = (uint32_t)i * 2654435761u + seed * 40503u + (uint32_t)(i >> 12);

	x ^= x >> 15;
	return (uint8_t)(x | 1); /* never zero, so zero-fill is distinguishable */
}

void vt_fill_pattern(void *buf, size_t len, uint32_t seed)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = pattern_byte(i, seed);
}

long vt_check_pattern(const void *buf, size_t len, uint32_t seed)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		if (p[i] != pattern_byte(i, seed))
			return (long)i;
	return -1;
}

long vt_first_nonzero(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		if (p[i])
			return (long)i;
	return -1;
}

int vt_read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

unsigned long vt_ioctl_resize(unsigned long cmd, size_t size)
{
	cmd &= ~((unsigned long)_IOC_SIZEMASK << _IOC_SIZESHIFT);
	return cmd | ((unsigned long)size << _IOC_SIZESHIFT);
}
