// SPDX-License-Identifier: MIT
/*
 * vxpu CRIU plugin (criu -L build/criu): checkpoint and restore of vxpu
 * device contexts through DRM_VXPU_CRIU (include/uapi/drm/vxpu_accel.h).
 *
 * Hooks (CRIU 3.17): DUMP_EXT_FILE, RESTORE_EXT_FILE, HANDLE_DEVICE_VMA,
 * UPDATE_VMA_MAP, RESUME_DEVICES_LATE; with a CRIU 4 header also
 * CHECKPOINT_DEVICES. Everything that is not vxpu's gets -ENOTSUP.
 * Messages go to CRIU's log, prefixed "vxpu: ".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <criu-plugin.h>

#include "libvxpu.h"
#include "plugin.h"

/* exported by the criu binary (criu/include/log.h); weak so that tests can load us */
extern void print_on_level(unsigned int loglevel, const char *format, ...)
	__attribute__((weak, format(printf, 2, 3)));

void vxp_log(unsigned int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (print_on_level)
		print_on_level(level, "vxpu: %s%s\n", level == VXP_LOG_ERROR ? "error: " : "", buf);
	else
		fprintf(stderr, "vxpu: %s%s\n", level == VXP_LOG_ERROR ? "error: " : "", buf);
}

int vxp_criu(int fd, struct drm_vxpu_criu *a)
{
	int r;

	do
		r = ioctl(fd, DRM_IOCTL_VXPU_CRIU, a);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

void vxp_test_stall(const char *point)
{
	const char *s = getenv("VXPU_PLUGIN_STALL");

	if (!s || strcmp(s, point))
		return;
	vxp_warn("test stall at %s (VXPU_PLUGIN_STALL)", point);
	sleep(120);
}

int vxp_test_fail(const char *point)
{
	const char *s = getenv("VXPU_PLUGIN_FAIL");

	if (!s || strcmp(s, point))
		return 0;
	vxp_err("test failure at %s (VXPU_PLUGIN_FAIL)", point);
	return 1;
}

double vxp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int vxp_map_bos(const VxpuCtxEntry *e, const struct drm_vxpu_criu_bo_bucket *bk, int prot,
		void ***maps)
{
	void **m = calloc(e->n_bos ? e->n_bos : 1, sizeof(*m));

	*maps = m;
	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < e->n_bos; i++) {
		const VxpuBoEntry *b = e->bos[i];
		int r;

		if (!b->content)
			continue;
		if (bk[i].dmabuf_fd < 0) {
			vxp_err("owned BO handle %u has no dma-buf", b->handle);
			return -EINVAL;
		}
		m[i] = mmap(NULL, b->size, prot, MAP_SHARED, bk[i].dmabuf_fd, 0);
		if (m[i] == MAP_FAILED) {
			r = -errno;
			m[i] = NULL;
			vxp_err("cannot map the dma-buf of BO handle %u (%" PRIu64 " bytes): %s",
				b->handle, b->size, strerror(-r));
			return r;
		}
	}
	return 0;
}

void vxp_unmap_bos(const VxpuCtxEntry *e, const struct drm_vxpu_criu_bo_bucket *bk,
		   void **maps)
{
	for (size_t i = 0; i < e->n_bos; i++) {
		if (maps && maps[i])
			munmap(maps[i], e->bos[i]->size);
		if (bk[i].dmabuf_fd >= 0)
			close(bk[i].dmabuf_fd);
	}
	free(maps);
}

int vxp_image_dir(void)
{
	return criu_get_image_dir();
}

/* is the sysfs DRM minor directory @dir (…/accelN or …/renderDN) a vxpu one, with @rdev? */
static int minor_matches(const char *dir, dev_t rdev)
{
	char path[PATH_MAX + 32], link[PATH_MAX], buf[32];
	unsigned int maj, min;
	ssize_t l;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/dev", dir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	ok = fgets(buf, sizeof(buf), f) && sscanf(buf, "%u:%u", &maj, &min) == 2;
	fclose(f);
	if (!ok || makedev(maj, min) != rdev)
		return 0;
	snprintf(path, sizeof(path), "%s/device/driver", dir);
	l = readlink(path, link, sizeof(link) - 1);
	if (l <= 0)
		return 0;
	link[l] = '\0';
	return !strcmp(strrchr(link, '/') ? strrchr(link, '/') + 1 : link, "vxpu");
}

int vxp_is_vxpu_rdev(dev_t rdev)
{
	static const char *const classes[] = { "/sys/class/accel", "/sys/class/drm" };

	for (unsigned int c = 0; c < 2; c++) {
		DIR *d = opendir(classes[c]);
		struct dirent *de;
		int found = 0;

		if (!d)
			continue;
		while (!found && (de = readdir(d))) {
			char dir[PATH_MAX];

			if (strncmp(de->d_name, c ? "renderD" : "accel", c ? 7 : 5))
				continue;
			snprintf(dir, sizeof(dir), "%s/%s", classes[c], de->d_name);
			found = minor_matches(dir, rdev);
		}
		closedir(d);
		if (found)
			return 1;
	}
	return 0;
}

int vxp_is_vxpu_path(const char *path, dev_t *rdev)
{
	struct stat st;

	if (stat(path, &st) || !S_ISCHR(st.st_mode) || !vxp_is_vxpu_rdev(st.st_rdev))
		return 0;
	*rdev = st.st_rdev;
	return 1;
}

int vxp_is_vxpu_fd(int fd)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISCHR(st.st_mode) || !vxp_is_vxpu_rdev(st.st_rdev))
		return 0;
	return vxpu_is_vxpu_fd(fd) == 1;
}

static int vxpu_handle_device_vma(int fd, const struct stat *st)
{
	(void)fd;
	if (!S_ISCHR(st->st_mode) || !vxp_is_vxpu_rdev(st->st_rdev))
		return -ENOTSUP;
	vxp_debug("device mapping of %u:%u is vxpu's", major(st->st_rdev), minor(st->st_rdev));
	/* a mapping without its context's fd fails the dump here, not the restore */
	return vxp_check_mappings();
}

static int vxpu_plugin_init(int stage)
{
	switch (stage) {
	case CR_PLUGIN_STAGE__DUMP:
		return vxp_dump_init();
	case CR_PLUGIN_STAGE__RESTORE:
		return vxp_restore_init();
	default:
		return 0;
	}
}

static void vxpu_plugin_exit(int stage, int ret)
{
	switch (stage) {
	case CR_PLUGIN_STAGE__DUMP:
		vxp_dump_fini(ret);
		break;
	case CR_PLUGIN_STAGE__RESTORE:
		vxp_restore_fini(ret);
		break;
	default:
		break;
	}
}

#pragma GCC visibility push(default)
CR_PLUGIN_REGISTER("vxpu_plugin", vxpu_plugin_init, vxpu_plugin_exit)
#pragma GCC visibility pop
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__HANDLE_DEVICE_VMA, vxpu_handle_device_vma)
