/* SPDX-License-Identifier: MIT */
/*
 * vxpu CRIU images: the on-disk format shared by the plugin
 * (criu/vxpu_plugin.so) and vxpuctl (image show/verify).
 *
 * In the CRIU image directory, per dumped context (device file) with
 * CRIU file id ID (8 hex digits):
 *
 *   vxpu-ctx-ID.img          struct vxi_hdr + a packed vxpu_ctx_entry
 *                            (criu/vxpu.proto); the header carries the
 *                            format version and a vxi_sum() of the
 *                            protobuf bytes
 *   vxpu-bo-ID-HANDLE.P.img  raw contents of each BO the context owns, in
 *                            parts P = 0, 1, ... of part_size bytes (the
 *                            last may be shorter): a file takes one
 *                            writer at a time, so parts let threads write
 *                            in parallel; every chunk_size bytes of a BO
 *                            (the last chunk may be shorter) have a
 *                            vxi_sum() in the entry's chunk_sums
 *
 * Every function here returns 0 or a negative errno, and on error writes
 * a sentence naming the file and the problem into @err (VXI_ERR bytes).
 */
#ifndef VXPU_IMAGE_H
#define VXPU_IMAGE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "vxpu.pb-c.h"

#define VXI_ERR			512
#define VXI_MAGIC		"VXPUCTX"	/* 8 bytes with the NUL */
#define VXI_VERSION		2	/* 2: XXH64 sums (1 had XXH3) */
#define VXI_CHUNK		(4u << 20)	/* default chunk_size */
#define VXI_CHUNK_MIN		(64u << 10)
#define VXI_CHUNK_MAX		(1u << 30)
#define VXI_PART		(64ull << 20)	/* default part_size */
#define VXI_PART_MAX		(1ull << 40)
#define VXI_META_MAX		(64u << 20)	/* largest metadata we read */
#define VXI_CTX_PREFIX		"vxpu-ctx-"
#define VXI_GPU_MAP_MAX		64

/* little endian on disk (x86 only, as the driver) */
struct vxi_hdr {
	char magic[8];		/* VXI_MAGIC */
	uint32_t version;	/* VXI_VERSION */
	uint32_t hdr_size;	/* sizeof(struct vxi_hdr) */
	uint64_t pb_len;	/* bytes of protobuf after the header */
	uint64_t pb_sum;	/* vxi_sum() of them */
};

/* file names; @buf of at least 64 bytes. vxi_bo_name() gives the stem of the parts. */
void vxi_ctx_name(char *buf, size_t n, uint32_t file_id);
void vxi_bo_name(char *buf, size_t n, uint32_t file_id, uint32_t handle);
void vxi_part_name(char *buf, size_t n, const char *stem, uint64_t part);

/*
 * The image checksum: XXH64, seed 0. Scalar 64-bit arithmetic, so it runs
 * near memory speed everywhere; XXH3's SIMD path is ten times slower than
 * XXH64 under qemu TCG (297 against 3471 MiB/s in a guest).
 */
uint64_t vxi_sum(const void *p, size_t len);

/* chunks and part files of a BO of @size bytes */
uint64_t vxi_nchunks(uint64_t size, uint32_t chunk);
uint64_t vxi_nparts(uint64_t size, uint64_t part_size);

/* write the metadata of @e into @dirfd/vxpu-ctx-<e->file_id>.img (via a temp file + rename) */
int vxi_write_ctx(int dirfd, const VxpuCtxEntry *e, char *err);

/*
 * read and check @dirfd/@name: header, version, length, checksum,
 * protobuf, and every rule the plugin relies on (names, sizes, chunk
 * counts, ascending handles, priv_sum). Free with vxi_free_ctx().
 */
int vxi_read_ctx(int dirfd, const char *name, VxpuCtxEntry **out, char *err);
void vxi_free_ctx(VxpuCtxEntry *e);

/* the vxpu-ctx-*.img names in @dirfd, sorted; free with vxi_free_names() */
int vxi_list_ctx(int dirfd, char ***names, size_t *n, char *err);
void vxi_free_names(char **names, size_t n);

/* ---- BO contents, chunked, in parallel (criu/vxpu_bo_io.c) ---- */

enum vxi_io_mode {
	VXI_IO_DUMP,	/* map -> file, compute sums */
	VXI_IO_RESTORE,	/* file -> map, check sums */
	VXI_IO_VERIFY,	/* file only, check sums */
};

/* one content file: a whole BO, or one part of it */
struct vxi_bo_job {
	uint32_t handle;
	uint64_t size;
	void *map;		/* DUMP: read from; RESTORE: write to; VERIFY: NULL */
	int fd;			/* the content file */
	uint64_t *sums;		/* vxi_nchunks() entries: DUMP writes, others check */
	char file[80];		/* content file name, for messages */
};

/*
 * Move or check every chunk of @n jobs with @threads threads (0: a
 * default). @progress (may be NULL) is advanced by the bytes done, and
 * @tick (may be NULL) called after every chunk, from any thread. On
 * error, the error of the lowest (job, chunk) is reported, so the "first
 * bad object" does not depend on thread timing.
 */
int vxi_bo_io(enum vxi_io_mode mode, struct vxi_bo_job *jobs, size_t n, uint32_t chunk,
	      unsigned int threads, _Atomic uint64_t *progress, void (*tick)(void), char *err);

/*
 * The jobs for every owned BO of @e: one per part file, in BO order,
 * opened in @dirfd with @oflags (with O_CREAT the files are created, else
 * each one's size is checked). @maps (NULL for VERIFY) holds the BOs'
 * mappings, indexed like e->bos. Sets *@jobs and *@n; on error nothing is
 * left open.
 */
int vxi_open_jobs(int dirfd, const VxpuCtxEntry *e, void *const *maps, int oflags,
		  struct vxi_bo_job **jobs, size_t *n, char *err);
/* close the files of @n jobs and free them: 0, or the first close error (data lost) */
int vxi_close_jobs(struct vxi_bo_job *jobs, size_t n, char *err);

/* ---- gpu id mapping: "OLD=NEW,OLD=NEW" (numbers in C syntax) ---- */

struct vxi_gpu_map {
	unsigned int n;
	uint32_t from[VXI_GPU_MAP_MAX];
	uint32_t to[VXI_GPU_MAP_MAX];
};

int vxi_parse_gpu_map(const char *s, struct vxi_gpu_map *m, char *err);
/* 1 and *@to set if @from is mapped, else 0 */
int vxi_gpu_map_lookup(const struct vxi_gpu_map *m, uint32_t from, uint32_t *to);

#endif /* VXPU_IMAGE_H */
