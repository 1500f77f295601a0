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
 *                            format version and an XXH3_64bits of the
 *                            protobuf bytes
 *   vxpu-bo-ID-HANDLE.img    raw contents of each BO the context owns,
 *                            exactly its size; every chunk_size bytes
 *                            (the last chunk may be shorter) have an
 *                            XXH3_64bits in the entry's chunk_sums
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
#define VXI_VERSION		1
#define VXI_CHUNK		(4u << 20)	/* default chunk_size */
#define VXI_CHUNK_MIN		(64u << 10)
#define VXI_CHUNK_MAX		(1u << 30)
#define VXI_META_MAX		(64u << 20)	/* largest metadata we read */
#define VXI_CTX_PREFIX		"vxpu-ctx-"
#define VXI_GPU_MAP_MAX		64

/* little endian on disk (x86 only, as the driver) */
struct vxi_hdr {
	char magic[8];		/* VXI_MAGIC */
	uint32_t version;	/* VXI_VERSION */
	uint32_t hdr_size;	/* sizeof(struct vxi_hdr) */
	uint64_t pb_len;	/* bytes of protobuf after the header */
	uint64_t pb_sum;	/* XXH3_64bits of them */
};

/* file names; @buf of at least 64 bytes */
void vxi_ctx_name(char *buf, size_t n, uint32_t file_id);
void vxi_bo_name(char *buf, size_t n, uint32_t file_id, uint32_t handle);

/* chunks of a BO of @size bytes */
uint64_t vxi_nchunks(uint64_t size, uint32_t chunk);

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

struct vxi_bo_job {
	uint32_t handle;
	uint64_t size;
	void *map;		/* DUMP: read from; RESTORE: write to; VERIFY: NULL */
	int fd;			/* the content file */
	uint64_t *sums;		/* vxi_nchunks() entries: DUMP writes, others check */
	const char *file;	/* content file name, for messages */
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

/* open the content file of @bo and check its size (RESTORE/VERIFY) */
int vxi_open_bo(int dirfd, const VxpuBoEntry *bo, char *err);

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
