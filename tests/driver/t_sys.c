// SPDX-License-Identifier: MIT
/* sysfs attributes, debugfs files, and renumbering by module reload. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dt.h"
#include "et.h"

#define PLATFORM_DIR "/sys/bus/platform/devices"
#define DEBUGFS_DIR "/sys/kernel/debug/vxpu"

/* find /sys/bus/platform/devices/vxpu.N whose "index" attribute is @index */
static int find_platform_dir(unsigned int index, char *out, size_t len)
{
	DIR *d = opendir(PLATFORM_DIR);
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		char path[PATH_MAX + 300], val[64];

		if (strncmp(de->d_name, "vxpu.", 5) != 0)
			continue;
		snprintf(path, sizeof(path), PLATFORM_DIR "/%s/index", de->d_name);
		if (vt_read_file(path, val, sizeof(val)) == 0 &&
		    strtoull(val, NULL, 0) == index) {
			snprintf(out, len, PLATFORM_DIR "/%s", de->d_name);
			found = 1;
		}
	}
	closedir(d);
	return found;
}

static uint64_t sysfs_u64(const char *dir, const char *attr)
{
	char path[PATH_MAX + 300], val[128], *end;
	uint64_t v;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	ck_assert_msg(vt_read_file(path, val, sizeof(val)) == 0, "cannot read %s: %m", path);
	errno = 0;
	v = strtoull(val, &end, 0);
	ck_assert_msg(errno == 0 && end != val && *end == '\0', "%s: not a number: '%s'", path,
		      val);
	return v;
}

START_TEST(sysfs_matches_device_info)
{
	struct vxpu_device_desc d[VXPU_MAX_DEVICES];
	int n = vxpu_discover(NULL, d, VXPU_MAX_DEVICES);

	ck_assert_int_gt(n, 0);
	for (int i = 0; i < n; i++) {
		char dir[PATH_MAX], path[PATH_MAX + 16], name[64];
		int fd = vxpu_open_node(d[i].node);
		struct drm_vxpu_device_info di;

		ck_assert_int_ge(fd, 0);
		ck_assert_msg(find_platform_dir((unsigned int)i, dir, sizeof(dir)),
			      "no " PLATFORM_DIR "/vxpu.* with index %d", i);
		di = dt_devinfo(fd);
		ck_assert_uint_eq(sysfs_u64(dir, "index"), di.index);
		ck_assert_uint_eq(sysfs_u64(dir, "gpu_id"), di.gpu_id);
		ck_assert_uint_eq(sysfs_u64(dir, "vram_size"), di.vram_size);
		ck_assert_uint_eq(sysfs_u64(dir, "vram_free"), di.vram_free);
		ck_assert_uint_eq(sysfs_u64(dir, "engine_count"), di.engine_count);
		snprintf(path, sizeof(path), "%s/name", dir);
		ck_assert_int_eq(vt_read_file(path, name, sizeof(name)), 0);
		ck_assert_str_eq(name, di.name);
		/* vram_free follows allocations */
		dt_bo(fd, 4 * VT_PAGE, VXPU_BO_VRAM, NULL);
		ck_assert_uint_eq(sysfs_u64(dir, "vram_free"), di.vram_free - 4 * VT_PAGE);
		close(fd);
		ck_assert_uint_eq(sysfs_u64(dir, "vram_free"), di.vram_free);
	}
}
END_TEST

/* Append the contents of every regular file under @dir (depth <= 3) to @buf. */
static void slurp_tree(const char *dir, int depth, char *buf, size_t cap, size_t *len,
		       int *files)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode) && depth < 3) {
			slurp_tree(path, depth + 1, buf, cap, len, files);
		} else if (S_ISREG(st.st_mode)) {
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			ssize_t r;

			if (fd < 0)
				continue;
			(*files)++;
			*len += (size_t)snprintf(buf + *len, cap - *len, "\n== %s\n", path);
			while (*len < cap - 1 && (r = read(fd, buf + *len, cap - 1 - *len)) > 0)
				*len += (size_t)r;
			close(fd);
		}
		if (*len >= cap - 256)
			break;
	}
	buf[*len] = '\0';
	closedir(d);
}

static int contains_number(const char *text, uint64_t v)
{
	char dec[32], hex[32];
	const char *p;

	snprintf(dec, sizeof(dec), "%llu", (unsigned long long)v);
	snprintf(hex, sizeof(hex), "%llx", (unsigned long long)v);
	for (p = text; (p = strstr(p, dec)) != NULL; p++)
		if ((p == text || !isdigit((unsigned char)p[-1])) && !isdigit((unsigned char)p[strlen(dec)]))
			return 1;
	for (p = text; (p = strstr(p, hex)) != NULL; p++)
		if ((p == text || !isxdigit((unsigned char)p[-1])) &&
		    !isxdigit((unsigned char)p[strlen(hex)]))
			return 1;
	return 0;
}

START_TEST(debugfs_lists_context_objects)
{
	int fd = dt_open(0);
	struct drm_vxpu_device_info di = dt_devinfo(fd);
	uint32_t ctx = dt_ctxinfo(fd).ctx_id;
	const uint64_t odd = 0x5f000;	/* a size no other test uses */
	char dir[PATH_MAX], line[64];
	size_t cap = 1 << 20, len = 0;
	char *text = malloc(cap);
	int files = 0;
	struct stat st;

	ck_assert_ptr_nonnull(text);
	ck_assert_msg(stat(DEBUGFS_DIR, &st) == 0 && S_ISDIR(st.st_mode),
		      DEBUGFS_DIR " missing (is debugfs mounted?)");
	snprintf(dir, sizeof(dir), DEBUGFS_DIR "/%u", di.index);
	ck_assert_msg(stat(dir, &st) == 0 && S_ISDIR(st.st_mode), "%s missing", dir);
	slurp_tree(dir, 0, text, cap, &len, &files);
	ck_assert_msg(!contains_number(text, odd), "size %#llx listed before it was allocated",
		      (unsigned long long)odd);
	dt_bo(fd, odd, VXPU_BO_GTT, NULL);
	dt_asid(fd);
	len = 0;
	files = 0;
	slurp_tree(dir, 0, text, cap, &len, &files);
	ck_assert_int_gt(files, 0);
	ck_assert_msg(contains_number(text, odd), "BO of size %#llx not listed under %s",
		      (unsigned long long)odd, dir);
	/* the context's own file says so (not only its name in slurp_tree's headers) */
	snprintf(line, sizeof(line), "\nctx_id %u\n", ctx);
	ck_assert_msg(strstr(text, line), "no \"ctx_id %u\" under %s", ctx, dir);
	free(text);
	close(fd);
}
END_TEST

TCase *dt_tcase_sysfs(void)
{
	TCase *tc = tcase_create("sysfs");

	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_test(tc, sysfs_matches_device_info);
	tcase_add_test(tc, debugfs_lists_context_objects);
	return tc;
}

/* ----------------------------------------------------------------- reload */

static int reload(const char *params)
{
	char cmd[PATH_MAX + 256];
	int st;

	snprintf(cmd, sizeof(cmd), "%s/scripts/guest/vxpu-reload %s", VXPU_REPO, params);
	fflush(NULL);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int gpu_ids(uint32_t *ids, int max)
{
	struct vxpu_device_desc d[VXPU_MAX_DEVICES];
	int n = vxpu_discover(NULL, d, VXPU_MAX_DEVICES);

	for (int i = 0; i < n && i < max; i++)
		ids[i] = d[i].info.gpu_id;
	return n;
}

START_TEST(reload_gpu_id_seed_renumbers)
{
	/* this process holds no device fd across the reloads */
	uint32_t def[8], s1[8], s2[8], s1b[8], back[8];
	int n, differ = 0;

	n = gpu_ids(def, 8);
	ck_assert_int_ge(n, 2);
	ck_assert_int_eq(reload("gpu_id_seed=4242"), 0);
	ck_assert_int_eq(gpu_ids(s1, 8), n);
	ck_assert_int_eq(reload("gpu_id_seed=777"), 0);
	ck_assert_int_eq(gpu_ids(s2, 8), n);
	ck_assert_int_eq(reload("gpu_id_seed=4242"), 0);
	ck_assert_int_eq(gpu_ids(s1b, 8), n);
	ck_assert_int_eq(reload(""), 0);
	ck_assert_int_eq(gpu_ids(back, 8), n);
	for (int i = 0; i < n; i++) {
		ck_assert_uint_ne(s1[i], 0);
		ck_assert_uint_ne(s2[i], 0);
		for (int j = 0; j < i; j++) {
			ck_assert_uint_ne(s1[i], s1[j]);
			ck_assert_uint_ne(s2[i], s2[j]);
		}
		differ |= s1[i] != s2[i];
		ck_assert_msg(s1[i] == s1b[i], "device %d: seed 4242 gave %#x then %#x", i, s1[i],
			      s1b[i]);
		ck_assert_msg(def[i] == back[i], "device %d: default seed gave %#x then %#x", i,
			      def[i], back[i]);
	}
	ck_assert_msg(differ, "gpu_id_seed 4242 and 777 give the same gpu_ids");
}
END_TEST

/* one engine, busy with a queue alone: a late queue still gets its turn (t_engine2.c) */
static void expect_engines(uint32_t want)
{
	struct vxpu_device_desc d[VXPU_MAX_DEVICES];
	int n = vxpu_discover(NULL, d, VXPU_MAX_DEVICES);

	ck_assert_int_ge(n, 1);
	for (int i = 0; i < n; i++)
		ck_assert_msg(d[i].info.engine_count == want, "device %d: %u engines, want %u",
			      i, d[i].info.engine_count, want);
}

START_TEST(reload_one_engine_hands_over)
{
	uint32_t engines;
	struct vxpu_device_desc d[VXPU_MAX_DEVICES];

	ck_assert_int_ge(vxpu_discover(NULL, d, VXPU_MAX_DEVICES), 1);
	engines = d[0].info.engine_count;
	ck_assert_uint_gt(engines, 1);
	ck_assert_int_eq(reload("engines=1"), 0);
	expect_engines(1);
	et_late_queue_gets_turn();
	ck_assert_int_eq(reload(""), 0);
	expect_engines(engines);
}
END_TEST

TCase *dt_tcase_reload(void)
{
	TCase *tc = tcase_create("reload");

	tcase_set_timeout(tc, VT_TIMEOUT * 2);
	tcase_add_test(tc, reload_gpu_id_seed_renumbers);
	tcase_add_test(tc, reload_one_engine_hands_over);
	return tc;
}
