// SPDX-License-Identifier: MIT
/*
 * Host tests of the vxpu CRIU image library (criu/vxpu_image.c, vxpu_bo_io.c),
 * shared by the plugin and vxpuctl: metadata round trip, every rejection of a
 * bad metadata file (magic, version, truncation, checksum, consistency),
 * chunked BO I/O in all three modes with the first bad chunk reported the same
 * whatever the thread count, and --gpu-map parsing.
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "vt.h"
#include "vxpu_image.h"

static char dir[64];
static int dfd = -1;
static char err[VXI_ERR];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vxpu-img-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
}

static void teardown(void)
{
	char cmd[128];

	close(dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* a context with 3 BOs: handle 1 owned VRAM (3 chunks), 4 imported, 7 owned GTT */
struct fixture {
	VxpuCtxEntry e;
	VxpuDeviceEntry d;
	VxpuBoEntry b[3];
	VxpuBoEntry *bp[3];
	uint64_t sums1[3], sums7[1];
	char c1[64], c7[64];
	uint8_t priv[40];
};

static void fixture(struct fixture *f, uint32_t file_id)
{
	memset(f, 0, sizeof(*f));
	vxpu_ctx_entry__init(&f->e);
	vxpu_device_entry__init(&f->d);
	f->d.dump_path = "/dev/accel/accel0";
	f->d.name = "vxpu0";
	f->d.user_gpu_id = 0x1234;
	f->d.vram_size = 256 << 20;
	f->d.engine_count = 2;
	f->d.caps = VXPU_CAP_ENGINE | VXPU_CAP_CRIU;
	f->e.device = &f->d;
	f->e.file_id = file_id;
	f->e.owner_pid = 42;
	f->e.ctx_id = 7;
	f->e.chunk_size = VXI_CHUNK_MIN;
	f->e.part_size = 2 * VXI_CHUNK_MIN;	/* BO 1 has two parts, BO 7 one */
	for (int i = 0; i < 3; i++) {
		vxpu_bo_entry__init(&f->b[i]);
		f->bp[i] = &f->b[i];
	}
	vxi_bo_name(f->c1, sizeof(f->c1), file_id, 1);
	vxi_bo_name(f->c7, sizeof(f->c7), file_id, 7);
	f->b[0] = (VxpuBoEntry){ .base = f->b[0].base, .handle = 1, .size = 3 * VXI_CHUNK_MIN - 4096,
				 .offset = 0x100000000, .placement = VXPU_BO_VRAM,
				 .owner_ctx_id = 7, .content = f->c1, .n_chunk_sums = 3,
				 .chunk_sums = f->sums1 };
	f->b[1] = (VxpuBoEntry){ .base = f->b[1].base, .handle = 4, .size = 8192,
				 .offset = 0x100100000, .placement = VXPU_BO_GTT,
				 .flags = VXPU_CRIU_BO_IMPORTED, .owner_ctx_id = 3 };
	f->b[2] = (VxpuBoEntry){ .base = f->b[2].base, .handle = 7, .size = 4096,
				 .offset = 0x100200000, .placement = VXPU_BO_GTT,
				 .owner_ctx_id = 7, .content = f->c7, .n_chunk_sums = 1,
				 .chunk_sums = f->sums7 };
	f->e.n_bos = 3;
	f->e.bos = f->bp;
	f->e.vram_needed = f->b[0].size;
	f->e.gtt_needed = 4096;
	for (unsigned int i = 0; i < sizeof(f->priv); i++)
		f->priv[i] = (uint8_t)(i * 7);
	f->e.priv_data.data = f->priv;
	f->e.priv_data.len = sizeof(f->priv);
	f->e.priv_sum = vxi_sum(f->priv, sizeof(f->priv));
	f->e.has_nr_queues = 1;
	f->e.nr_queues = 2;
}

static int read_back(uint32_t file_id, VxpuCtxEntry **e)
{
	char name[64];

	vxi_ctx_name(name, sizeof(name), file_id);
	return vxi_read_ctx(dfd, name, e, err);
}

START_TEST(roundtrip)
{
	struct fixture f;
	VxpuCtxEntry *e;

	fixture(&f, 0x13);
	VT_OK(vxi_write_ctx(dfd, &f.e, err));
	VT_OK(read_back(0x13, &e));
	ck_assert_uint_eq(e->ctx_id, 7);
	ck_assert_uint_eq(e->owner_pid, 42);
	ck_assert_str_eq(e->device->dump_path, "/dev/accel/accel0");
	ck_assert_uint_eq(e->device->user_gpu_id, 0x1234);
	ck_assert_uint_eq(e->n_bos, 3);
	ck_assert_uint_eq(e->bos[1]->flags, VXPU_CRIU_BO_IMPORTED);
	ck_assert_ptr_null(e->bos[1]->content);
	ck_assert_str_eq(e->bos[2]->content, "vxpu-bo-00000013-7");
	ck_assert_uint_eq(e->part_size, 2 * VXI_CHUNK_MIN);
	ck_assert_uint_eq(e->priv_data.len, 40);
	ck_assert_mem_eq(e->priv_data.data, f.priv, 40);
	ck_assert(e->has_nr_queues && e->nr_queues == 2);
	vxi_free_ctx(e);
}
END_TEST

/* patch the metadata file of @file_id at @off with @len bytes */
static void patch(uint32_t file_id, off_t off, const void *p, size_t len)
{
	char name[64];
	int fd;

	vxi_ctx_name(name, sizeof(name), file_id);
	fd = openat(dfd, name, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, p, len, off), (ssize_t)len);
	close(fd);
}

static void cut(uint32_t file_id, off_t size)
{
	char name[64], path[160];

	vxi_ctx_name(name, sizeof(name), file_id);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_int_eq(truncate(path, size), 0);
}

static void expect_bad(uint32_t file_id, int e, const char *text)
{
	VxpuCtxEntry *x = (void *)1;

	VT_ERR(read_back(file_id, &x), e);
	ck_assert_ptr_null(x);
	ck_assert_msg(strstr(err, text), "error '%s' does not say '%s'", err, text);
}

START_TEST(bad_files)
{
	struct fixture f;
	uint32_t v = 99;
	char junk = 0x5a;
	struct stat st;
	char name[64];

	fixture(&f, 1);
	VT_OK(vxi_write_ctx(dfd, &f.e, err));
	patch(1, 0, "XXXX", 4);
	expect_bad(1, EBADMSG, "bad magic");

	VT_OK(vxi_write_ctx(dfd, &f.e, err));
	patch(1, 8, &v, 4);
	expect_bad(1, EPROTO, "format version 99");

	VT_OK(vxi_write_ctx(dfd, &f.e, err));
	vxi_ctx_name(name, sizeof(name), 1);
	ck_assert_int_eq(fstatat(dfd, name, &st, 0), 0);
	cut(1, st.st_size - 1);
	expect_bad(1, EBADMSG, "truncated");
	cut(1, 10);
	expect_bad(1, EBADMSG, "truncated");
	cut(1, 0);
	expect_bad(1, EBADMSG, "truncated");

	VT_OK(vxi_write_ctx(dfd, &f.e, err));
	patch(1, st.st_size, &junk, 1);
	expect_bad(1, EBADMSG, "trailing bytes");

	VT_OK(vxi_write_ctx(dfd, &f.e, err));
	patch(1, st.st_size - 3, &junk, 1);
	expect_bad(1, EBADMSG, "metadata checksum mismatch");

	VT_ERR(read_back(2, &(VxpuCtxEntry *){ NULL }), ENOENT);
}
END_TEST

/* written fine, rejected on reading: consistency rules */
static void expect_rule(struct fixture *f, const char *text)
{
	VT_OK(vxi_write_ctx(dfd, &f->e, err));
	expect_bad(f->e.file_id, f->e.priv_sum == vxi_sum(f->priv, sizeof(f->priv)) ?
		   EINVAL : EBADMSG, text);
}

START_TEST(bad_rules)
{
	struct fixture f;
	char name[64];

	fixture(&f, 5);
	f.b[2].handle = 4;
	expect_rule(&f, "not ascending");
	fixture(&f, 5);
	f.b[0].n_chunk_sums = 2;
	expect_rule(&f, "2 chunk checksums for 3 chunks");
	fixture(&f, 5);
	f.b[2].content = "../../etc/passwd";
	expect_rule(&f, "expected vxpu-bo-00000005-7");
	fixture(&f, 5);
	f.b[1].content = f.c7;
	expect_rule(&f, "imported BO handle 4 has contents");
	fixture(&f, 5);
	f.b[2].size = 4095;
	expect_rule(&f, "bad size");
	fixture(&f, 5);
	f.e.chunk_size = 3 << 20;
	expect_rule(&f, "bad chunk size");
	fixture(&f, 5);
	f.e.part_size = 0;
	expect_rule(&f, "bad part size 0");
	fixture(&f, 5);
	f.e.part_size = VXI_CHUNK_MIN + 4096;
	expect_rule(&f, "bad part size");
	fixture(&f, 5);
	f.e.part_size = VXI_PART_MAX + VXI_CHUNK_MIN;
	expect_rule(&f, "bad part size");
	fixture(&f, 5);
	f.e.vram_needed += 4096;
	expect_rule(&f, "totals");
	fixture(&f, 5);
	f.priv[3] ^= 1;
	expect_rule(&f, "private data checksum mismatch");
	fixture(&f, 5);
	f.e.ctx_id = 0;
	expect_rule(&f, "context id 0");
	/* a metadata file renamed to another id */
	fixture(&f, 6);
	VT_OK(vxi_write_ctx(dfd, &f.e, err));
	vxi_ctx_name(name, sizeof(name), 8);
	ck_assert_int_eq(renameat(dfd, "vxpu-ctx-00000006.img", dfd, name), 0);
	expect_bad(8, EINVAL, "belongs in vxpu-ctx-00000006.img");
}
END_TEST

START_TEST(list)
{
	struct fixture f;
	char **names;
	size_t n;
	int fd;

	VT_OK(vxi_list_ctx(dfd, &names, &n, err));
	ck_assert_uint_eq(n, 0);
	vxi_free_names(names, n);
	fixture(&f, 0x20);
	VT_OK(vxi_write_ctx(dfd, &f.e, err));
	fixture(&f, 0x3);
	VT_OK(vxi_write_ctx(dfd, &f.e, err));
	fd = openat(dfd, "vxpu-bo-00000003-1.img", O_CREAT | O_WRONLY, 0600);
	close(fd);
	fd = openat(dfd, "vxpu-ctx-notes.txt", O_CREAT | O_WRONLY, 0600);
	close(fd);
	VT_OK(vxi_list_ctx(dfd, &names, &n, err));
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "vxpu-ctx-00000003.img");
	ck_assert_str_eq(names[1], "vxpu-ctx-00000020.img");
	vxi_free_names(names, n);
}
END_TEST

/* BO I/O: 3 BOs of 2.5, 1 and 4 chunks of 64 KiB */
#define NB 3
static const uint64_t bo_size[NB] = { 5 * 32768, 65536, 4 * 65536 };

static void make_jobs(struct vxi_bo_job *j, uint8_t **mem, uint64_t **sums, int flags)
{
	for (int i = 0; i < NB; i++) {
		char name[64];

		snprintf(name, sizeof(name), "bo-%d.img", i);
		j[i].handle = (uint32_t)i + 1;
		j[i].size = bo_size[i];
		j[i].map = mem ? mem[i] : NULL;
		j[i].sums = sums[i];
		snprintf(j[i].file, sizeof(j[i].file), "%s", name);
		j[i].fd = openat(dfd, name, flags, 0600);
		ck_assert_int_ge(j[i].fd, 0);
	}
}

static void close_jobs(struct vxi_bo_job *j)
{
	for (int i = 0; i < NB; i++)
		close(j[i].fd);
}

static void flip(const char *file, off_t off)
{
	uint8_t b;
	int fd = openat(dfd, file, O_RDWR);

	ck_assert_int_eq(pread(fd, &b, 1, off), 1);
	b ^= 0x80;
	ck_assert_int_eq(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

START_TEST(bo_io)
{
	struct vxi_bo_job j[NB];
	uint8_t *mem[NB], *back[NB];
	uint64_t *sums[NB];
	_Atomic uint64_t done = 0;
	uint64_t total = 0;

	for (int i = 0; i < NB; i++) {
		mem[i] = malloc(bo_size[i]);
		back[i] = calloc(1, bo_size[i]);
		sums[i] = calloc(vxi_nchunks(bo_size[i], 65536), 8);
		vt_fill_pattern(mem[i], bo_size[i], (uint32_t)i + 11);
		total += bo_size[i];
	}
	ck_assert_uint_eq(vxi_nchunks(bo_size[0], 65536), 3);
	make_jobs(j, mem, sums, O_CREAT | O_TRUNC | O_WRONLY);
	VT_OK(vxi_bo_io(VXI_IO_DUMP, j, NB, 65536, 3, &done, NULL, err));
	ck_assert_uint_eq(done, total);
	/* the format pins the algorithm: XXH64, seed 0 */
	ck_assert_uint_eq(sums[0][2], XXH64(mem[0] + 2 * 65536, 32768, 0));
	close_jobs(j);

	for (unsigned int t = 1; t <= 8; t *= 2) {
		make_jobs(j, NULL, sums, O_RDONLY);
		VT_OK(vxi_bo_io(VXI_IO_VERIFY, j, NB, 65536, t, NULL, NULL, err));
		close_jobs(j);
	}
	make_jobs(j, back, sums, O_RDONLY);
	VT_OK(vxi_bo_io(VXI_IO_RESTORE, j, NB, 65536, 4, NULL, NULL, err));
	close_jobs(j);
	for (int i = 0; i < NB; i++)
		ck_assert_int_eq(vt_check_pattern(back[i], bo_size[i], (uint32_t)i + 11), -1);

	/* two bad chunks: BO 2's only chunk and BO 3's chunk 3; BO 2 is reported */
	flip("bo-2.img", 4 * 65536 - 1);
	flip("bo-1.img", 100);
	for (unsigned int t = 1; t <= 8; t *= 2) {
		make_jobs(j, NULL, sums, O_RDONLY);
		VT_ERR(vxi_bo_io(VXI_IO_VERIFY, j, NB, 65536, t, NULL, NULL, err), EBADMSG);
		close_jobs(j);
		ck_assert_msg(strstr(err, "BO handle 2: bo-1.img: chunk 0 (bytes 0..65536) checksum "
				      "mismatch"), "threads %u: %s", t, err);
	}
	make_jobs(j, back, sums, O_RDONLY);
	VT_ERR(vxi_bo_io(VXI_IO_RESTORE, j, NB, 65536, 2, NULL, NULL, err), EBADMSG);
	close_jobs(j);
	ck_assert_ptr_nonnull(strstr(err, "BO handle 2"));

	/* a short file: the I/O names it and the offset */
	{
		char path[160];

		snprintf(path, sizeof(path), "%s/bo-0.img", dir);
		ck_assert_int_eq(truncate(path, 1000), 0);
		make_jobs(j, NULL, sums, O_RDONLY);
		VT_ERR(vxi_bo_io(VXI_IO_VERIFY, j, NB, 65536, 2, NULL, NULL, err), ENODATA);
		close_jobs(j);
		ck_assert_msg(strstr(err, "BO handle 1: reading bo-0.img at byte 0: file too short"),
			      "%s", err);
	}
	for (int i = 0; i < NB; i++) {
		free(mem[i]);
		free(back[i]);
		free(sums[i]);
	}
}
END_TEST

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* a context's content as part files: names, sizes, the round trip, bad parts */
START_TEST(open_jobs)
{
	struct fixture f;
	struct vxi_bo_job *j;
	uint8_t *mem[3] = { NULL }, *back[3] = { NULL };
	void *maps[3] = { NULL }, *backs[3] = { NULL };
	char path[160];
	int fds = count_fds();
	size_t n;

	fixture(&f, 0x21);
	for (int i = 0; i < 3; i += 2) {
		mem[i] = malloc(f.b[i].size);
		back[i] = calloc(1, f.b[i].size);
		vt_fill_pattern(mem[i], f.b[i].size, (uint32_t)i + 5);
		maps[i] = mem[i];
		backs[i] = back[i];
	}
	VT_OK(vxi_open_jobs(dfd, &f.e, maps, O_WRONLY | O_CREAT | O_TRUNC, &j, &n, err));
	/* BO 1: 3 chunks in parts of 2 chunks; imported BO 4: none; BO 7: one */
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(j[0].file, "vxpu-bo-00000021-1.0.img");
	ck_assert_str_eq(j[1].file, "vxpu-bo-00000021-1.1.img");
	ck_assert_str_eq(j[2].file, "vxpu-bo-00000021-7.0.img");
	ck_assert_uint_eq(j[0].size, 2 * VXI_CHUNK_MIN);
	ck_assert_uint_eq(j[1].size, VXI_CHUNK_MIN - 4096);
	ck_assert_ptr_eq(j[1].map, mem[0] + 2 * VXI_CHUNK_MIN);
	ck_assert_ptr_eq(j[1].sums, f.sums1 + 2);
	VT_OK(vxi_bo_io(VXI_IO_DUMP, j, n, f.e.chunk_size, 3, NULL, NULL, err));
	VT_OK(vxi_close_jobs(j, n, err));
	ck_assert_uint_eq(f.sums1[2], XXH64(mem[0] + 2 * VXI_CHUNK_MIN, VXI_CHUNK_MIN - 4096, 0));

	VT_OK(vxi_open_jobs(dfd, &f.e, backs, O_RDONLY, &j, &n, err));
	VT_OK(vxi_bo_io(VXI_IO_RESTORE, j, n, f.e.chunk_size, 2, NULL, NULL, err));
	VT_OK(vxi_close_jobs(j, n, err));
	ck_assert_mem_eq(back[0], mem[0], f.b[0].size);
	ck_assert_mem_eq(back[2], mem[2], f.b[2].size);

	/* a truncated part, a missing part: named; nothing left open */
	snprintf(path, sizeof(path), "%s/vxpu-bo-00000021-1.1.img", dir);
	ck_assert_int_eq(truncate(path, 4096), 0);
	VT_ERR(vxi_open_jobs(dfd, &f.e, NULL, O_RDONLY, &j, &n, err), EBADMSG);
	ck_assert_msg(strstr(err, "BO handle 1: vxpu-bo-00000021-1.1.img is truncated: 4096 "
			      "bytes, expected 61440"), "%s", err);
	ck_assert_int_eq(unlink(path), 0);
	VT_ERR(vxi_open_jobs(dfd, &f.e, NULL, O_RDONLY, &j, &n, err), ENOENT);
	ck_assert_msg(strstr(err, "cannot open vxpu-bo-00000021-1.1.img"), "%s", err);
	ck_assert_int_eq(count_fds(), fds);
	for (int i = 0; i < 3; i++) {
		free(mem[i]);
		free(back[i]);
	}
}
END_TEST

START_TEST(gpu_map)
{
	static const char *const bad[] = {
		"", "1", "1=", "=2", "1=2,", "1=2,1=3", "0=1", "1=0", "1=2x", "x=1", "1=2;3=4",
		"0x100000000=1", ",1=2",
	};
	struct vxi_gpu_map m;
	char many[2048] = "";
	uint32_t to = 0;

	VT_OK(vxi_parse_gpu_map("0xb563701=0xb563702,0xb563702=0xb563701", &m, err));
	ck_assert_uint_eq(m.n, 2);
	ck_assert_int_eq(vxi_gpu_map_lookup(&m, 0xb563701, &to), 1);
	ck_assert_uint_eq(to, 0xb563702);
	ck_assert_int_eq(vxi_gpu_map_lookup(&m, 0xb563702, &to), 1);
	ck_assert_uint_eq(to, 0xb563701);
	ck_assert_int_eq(vxi_gpu_map_lookup(&m, 5, &to), 0);
	ck_assert_int_eq(vxi_gpu_map_lookup(NULL, 5, &to), 0);
	VT_OK(vxi_parse_gpu_map("17=4", &m, err));
	ck_assert(m.n == 1 && m.from[0] == 17 && m.to[0] == 4);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(vxi_parse_gpu_map(bad[i], &m, err) == -EINVAL, "'%s' accepted", bad[i]);
		ck_assert_msg(err[0], "no message for '%s'", bad[i]);
	}
	for (int i = 1; i <= VXI_GPU_MAP_MAX + 1; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s%d=1", i > 1 ? "," : "",
			 i);
	VT_ERR(vxi_parse_gpu_map(many, &m, err), EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "more than"));
	*strrchr(many, ',') = '\0';
	VT_OK(vxi_parse_gpu_map(many, &m, err));
	ck_assert_uint_eq(m.n, VXI_GPU_MAP_MAX);
}
END_TEST

static Suite *image_suite(void)
{
	Suite *s = suite_create("criu-image");
	TCase *tc = tcase_create("image");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, VT_TIMEOUT);
	tcase_add_test(tc, roundtrip);
	tcase_add_test(tc, bad_files);
	tcase_add_test(tc, bad_rules);
	tcase_add_test(tc, list);
	tcase_add_test(tc, bo_io);
	tcase_add_test(tc, open_jobs);
	tcase_add_test(tc, gpu_map);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	SRunner *sr = srunner_create(image_suite());
	const char *tap = argc > 1 ? argv[1] : basename(argv[0]);
	int failed;

	failed = vt_run(sr, tap);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
