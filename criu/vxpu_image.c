// SPDX-License-Identifier: MIT
/*
 * vxpu CRIU images: metadata files (header + protobuf), names, gpu maps.
 * See vxpu_image.h for the format.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <drm/vxpu_accel.h>

#include "vxpu_image.h"

_Static_assert(sizeof(struct vxi_hdr) == 32, "vxi_hdr is 32 bytes on disk");
_Static_assert(sizeof(VXI_MAGIC) == 8, "magic is 8 bytes");

static int errf(char *err, int e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int errf(char *err, int e, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, VXI_ERR, fmt, ap);
		va_end(ap);
	}
	return e;
}

void vxi_ctx_name(char *buf, size_t n, uint32_t file_id)
{
	snprintf(buf, n, VXI_CTX_PREFIX "%08x.img", file_id);
}

void vxi_bo_name(char *buf, size_t n, uint32_t file_id, uint32_t handle)
{
	snprintf(buf, n, "vxpu-bo-%08x-%u", file_id, handle);
}

void vxi_part_name(char *buf, size_t n, const char *stem, uint64_t part)
{
	snprintf(buf, n, "%s.%" PRIu64 ".img", stem, part);
}

uint64_t vxi_sum(const void *p, size_t len)
{
	return XXH64(p, len, 0);
}

/* @a / @b rounded up, without overflow; 0 for @b 0 */
static uint64_t div_up(uint64_t a, uint64_t b)
{
	return b ? a / b + !!(a % b) : 0;
}

uint64_t vxi_nchunks(uint64_t size, uint32_t chunk)
{
	return div_up(size, chunk);
}

uint64_t vxi_nparts(uint64_t size, uint64_t part_size)
{
	return div_up(size, part_size);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t r = read(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ENODATA;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

int vxi_write_ctx(int dirfd, const VxpuCtxEntry *e, char *err)
{
	char name[64], tmp[80];
	struct vxi_hdr h = { .magic = VXI_MAGIC, .version = VXI_VERSION,
			     .hdr_size = sizeof(h) };
	size_t len = vxpu_ctx_entry__get_packed_size(e);
	uint8_t *buf = malloc(len ? len : 1);
	int fd, r;

	if (!buf)
		return errf(err, -ENOMEM, "no memory for %zu bytes of metadata", len);
	vxpu_ctx_entry__pack(e, buf);
	h.pb_len = len;
	h.pb_sum = vxi_sum(buf, len);
	vxi_ctx_name(name, sizeof(name), e->file_id);
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		free(buf);
		return errf(err, r, "cannot create %s: %s", tmp, strerror(-r));
	}
	r = write_all(fd, &h, sizeof(h));
	if (!r)
		r = write_all(fd, buf, len);
	if (!r && fsync(fd))
		r = -errno;
	if (close(fd) && !r)
		r = -errno;
	free(buf);
	if (!r && renameat(dirfd, tmp, dirfd, name))
		r = -errno;
	if (r) {
		unlinkat(dirfd, tmp, 0);
		return errf(err, r, "cannot write %s: %s", name, strerror(-r));
	}
	return 0;
}

static int check_entry(const VxpuCtxEntry *e, const char *name, char *err)
{
	char want[64];
	uint64_t vram = 0, gtt = 0;

	vxi_ctx_name(want, sizeof(want), e->file_id);
	if (strcmp(want, name))
		return errf(err, -EINVAL, "%s: holds file id %#x, which belongs in %s", name,
			    e->file_id, want);
	if (!e->device || !e->device->dump_path || !e->device->name)
		return errf(err, -EINVAL, "%s: no device entry", name);
	if (e->chunk_size < VXI_CHUNK_MIN || e->chunk_size > VXI_CHUNK_MAX ||
	    (e->chunk_size & (e->chunk_size - 1)))
		return errf(err, -EINVAL, "%s: bad chunk size %u", name, e->chunk_size);
	if (e->part_size < e->chunk_size || e->part_size > VXI_PART_MAX ||
	    e->part_size % e->chunk_size)
		return errf(err, -EINVAL, "%s: bad part size %" PRIu64 " (chunk size %u)", name,
			    e->part_size, e->chunk_size);
	if (!e->ctx_id)
		return errf(err, -EINVAL, "%s: context id 0", name);
	if (e->n_bos > VXPU_CRIU_BO_MAX)
		return errf(err, -EINVAL, "%s: %zu BOs, more than %u", name, e->n_bos,
			    VXPU_CRIU_BO_MAX);
	if (e->priv_data.len > VXPU_CRIU_PRIV_MAX)
		return errf(err, -EINVAL, "%s: %zu bytes of private data, more than %llu", name,
			    e->priv_data.len, VXPU_CRIU_PRIV_MAX);
	if (vxi_sum(e->priv_data.data, e->priv_data.len) != e->priv_sum)
		return errf(err, -EBADMSG, "%s: private data checksum mismatch (corrupted image)",
			    name);
	for (size_t i = 0; i < e->n_bos; i++) {
		const VxpuBoEntry *b = e->bos[i];
		int imported = !!(b->flags & VXPU_CRIU_BO_IMPORTED);

		if (!b->size || b->size % VXPU_PAGE_SIZE)
			return errf(err, -EINVAL, "%s: BO handle %u: bad size %" PRIu64, name,
				    b->handle, b->size);
		if (!b->handle || (i && b->handle <= e->bos[i - 1]->handle))
			return errf(err, -EINVAL, "%s: BO handles not ascending at %u", name,
				    b->handle);
		if (imported) {
			if (b->content || b->n_chunk_sums)
				return errf(err, -EINVAL, "%s: imported BO handle %u has contents",
					    name, b->handle);
			continue;
		}
		vxi_bo_name(want, sizeof(want), e->file_id, b->handle);
		if (!b->content || strcmp(b->content, want))
			return errf(err, -EINVAL, "%s: BO handle %u: content file is %s, expected %s",
				    name, b->handle, b->content ? b->content : "(none)", want);
		if (b->n_chunk_sums != vxi_nchunks(b->size, e->chunk_size))
			return errf(err, -EINVAL, "%s: BO handle %u: %zu chunk checksums for %" PRIu64
				    " chunks", name, b->handle, b->n_chunk_sums,
				    vxi_nchunks(b->size, e->chunk_size));
		if (b->placement == VXPU_BO_VRAM)
			vram += b->size;
		else
			gtt += b->size;
	}
	if (vram != e->vram_needed || gtt != e->gtt_needed)
		return errf(err, -EINVAL, "%s: VRAM/GTT totals do not match its BOs", name);
	return 0;
}

int vxi_read_ctx(int dirfd, const char *name, VxpuCtxEntry **out, char *err)
{
	struct vxi_hdr h;
	VxpuCtxEntry *e;
	struct stat st;
	uint8_t *buf;
	int fd, r;

	*out = NULL;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errf(err, -errno, "cannot open %s: %s", name, strerror(errno));
	if (fstat(fd, &st)) {
		r = -errno;
		close(fd);
		return errf(err, r, "cannot stat %s: %s", name, strerror(-r));
	}
	if ((uint64_t)st.st_size < sizeof(h)) {
		close(fd);
		return errf(err, -EBADMSG, "%s: truncated (%lld bytes, no header)", name,
			    (long long)st.st_size);
	}
	r = read_all(fd, &h, sizeof(h));
	if (r) {
		close(fd);
		return errf(err, r, "cannot read %s: %s", name, strerror(-r));
	}
	if (memcmp(h.magic, VXI_MAGIC, sizeof(h.magic))) {
		close(fd);
		return errf(err, -EBADMSG, "%s: not a vxpu context image (bad magic)", name);
	}
	if (h.version != VXI_VERSION) {
		close(fd);
		return errf(err, -EPROTO, "%s: image format version %u; this build reads version %u",
			    name, h.version, VXI_VERSION);
	}
	if (h.hdr_size != sizeof(h) || h.pb_len > VXI_META_MAX) {
		close(fd);
		return errf(err, -EBADMSG, "%s: corrupted header", name);
	}
	if ((uint64_t)st.st_size != sizeof(h) + h.pb_len) {
		close(fd);
		return errf(err, -EBADMSG, "%s: %s (%lld bytes, header says %" PRIu64 ")", name,
			    (uint64_t)st.st_size < sizeof(h) + h.pb_len ? "truncated" :
			    "trailing bytes", (long long)st.st_size, sizeof(h) + h.pb_len);
	}
	buf = malloc(h.pb_len ? h.pb_len : 1);
	if (!buf) {
		close(fd);
		return errf(err, -ENOMEM, "no memory for %s", name);
	}
	r = read_all(fd, buf, h.pb_len);
	close(fd);
	if (r) {
		free(buf);
		return errf(err, r, "cannot read %s: %s", name, strerror(-r));
	}
	if (vxi_sum(buf, h.pb_len) != h.pb_sum) {
		free(buf);
		return errf(err, -EBADMSG, "%s: metadata checksum mismatch (corrupted image)", name);
	}
	e = vxpu_ctx_entry__unpack(NULL, h.pb_len, buf);
	free(buf);
	if (!e)
		return errf(err, -EBADMSG, "%s: metadata does not parse", name);
	r = check_entry(e, name, err);
	if (r) {
		vxpu_ctx_entry__free_unpacked(e, NULL);
		return r;
	}
	*out = e;
	return 0;
}

void vxi_free_ctx(VxpuCtxEntry *e)
{
	if (e)
		vxpu_ctx_entry__free_unpacked(e, NULL);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vxi_list_ctx(int dirfd, char ***names, size_t *n, char *err)
{
	size_t cap = 0, cnt = 0;
	char **v = NULL;
	struct dirent *de;
	int fd = dup(dirfd);
	DIR *d;

	*names = NULL;
	*n = 0;
	if (fd < 0)
		return errf(err, -errno, "dup: %s", strerror(errno));
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return errf(err, -errno, "cannot read the image directory: %s", strerror(errno));
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (strncmp(de->d_name, VXI_CTX_PREFIX, strlen(VXI_CTX_PREFIX)) || l < 4 ||
		    strcmp(de->d_name + l - 4, ".img"))
			continue;
		if (cnt == cap) {
			char **nv = realloc(v, (cap = cap ? cap * 2 : 8) * sizeof(*v));

			if (!nv)
				goto nomem;
			v = nv;
		}
		v[cnt] = strdup(de->d_name);
		if (!v[cnt])
			goto nomem;
		cnt++;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_names);
	*names = v;
	*n = cnt;
	return 0;
nomem:
	closedir(d);
	vxi_free_names(v, cnt);
	return errf(err, -ENOMEM, "no memory");
}

void vxi_free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* open part @p of @bo; its size checked unless created */
static int open_part(int dirfd, const VxpuCtxEntry *e, const VxpuBoEntry *bo, uint64_t p,
		     int oflags, struct vxi_bo_job *j, char *err)
{
	uint64_t off = p * e->part_size, chunks = e->part_size / e->chunk_size;
	struct stat st;

	j->handle = bo->handle;
	j->size = bo->size - off < e->part_size ? bo->size - off : e->part_size;
	j->sums = bo->chunk_sums + p * chunks;
	vxi_part_name(j->file, sizeof(j->file), bo->content, p);
	j->fd = openat(dirfd, j->file, oflags | O_CLOEXEC, 0600);
	if (j->fd < 0)
		return errf(err, -errno, "BO handle %u: cannot %s %s: %s", bo->handle,
			    oflags & O_CREAT ? "create" : "open", j->file, strerror(errno));
	if (oflags & O_CREAT)
		return 0;
	if (fstat(j->fd, &st)) {
		int r = -errno;

		close(j->fd);
		return errf(err, r, "BO handle %u: cannot stat %s", bo->handle, j->file);
	}
	if ((uint64_t)st.st_size != j->size) {
		close(j->fd);
		return errf(err, -EBADMSG, "BO handle %u: %s is %s: %lld bytes, expected %" PRIu64,
			    bo->handle, j->file,
			    (uint64_t)st.st_size < j->size ? "truncated" : "too long",
			    (long long)st.st_size, j->size);
	}
	return 0;
}

int vxi_open_jobs(int dirfd, const VxpuCtxEntry *e, void *const *maps, int oflags,
		  struct vxi_bo_job **jobs, size_t *n, char *err)
{
	struct vxi_bo_job *v;
	size_t total = 0, nj = 0;
	int r = 0;

	for (size_t i = 0; i < e->n_bos; i++)
		if (e->bos[i]->content)
			total += vxi_nparts(e->bos[i]->size, e->part_size);
	v = calloc(total ? total : 1, sizeof(*v));
	if (!v)
		return errf(err, -ENOMEM, "no memory for %zu content files", total);
	for (size_t i = 0; !r && i < e->n_bos; i++) {
		const VxpuBoEntry *bo = e->bos[i];

		for (uint64_t p = 0; bo->content && p < vxi_nparts(bo->size, e->part_size); p++) {
			r = open_part(dirfd, e, bo, p, oflags, &v[nj], err);
			if (r)
				break;
			v[nj].map = maps ? (uint8_t *)maps[i] + p * e->part_size : NULL;
			nj++;
		}
	}
	if (r) {
		vxi_close_jobs(v, nj, NULL);
		return r;
	}
	*jobs = v;
	*n = nj;
	return 0;
}

int vxi_close_jobs(struct vxi_bo_job *jobs, size_t n, char *err)
{
	int r = 0;

	for (size_t i = 0; i < n; i++)
		if (close(jobs[i].fd) && !r)
			r = errf(err, -errno, "BO handle %u: writing %s: %s", jobs[i].handle,
				 jobs[i].file, strerror(errno));
	free(jobs);
	return r;
}

int vxi_parse_gpu_map(const char *s, struct vxi_gpu_map *m, char *err)
{
	const char *p = s;

	m->n = 0;
	if (!s || !*s)
		return errf(err, -EINVAL, "empty gpu map (expected OLD=NEW[,OLD=NEW...])");
	while (*p) {
		unsigned long long a, b;
		char *end;

		errno = 0;
		a = strtoull(p, &end, 0);
		if (end == p || *end != '=' || errno || a == 0 || a > UINT32_MAX)
			return errf(err, -EINVAL, "bad gpu map at \"%s\" (expected OLD=NEW, gpu ids "
				    "as numbers, 0x... for hex)", p);
		p = end + 1;
		b = strtoull(p, &end, 0);
		if (end == p || (*end && *end != ',') || errno || b == 0 || b > UINT32_MAX)
			return errf(err, -EINVAL, "bad gpu map at \"%s\" (expected OLD=NEW, gpu ids "
				    "as numbers, 0x... for hex)", p);
		for (unsigned int i = 0; i < m->n; i++)
			if (m->from[i] == a)
				return errf(err, -EINVAL, "gpu map names gpu id %#llx twice", a);
		if (m->n == VXI_GPU_MAP_MAX)
			return errf(err, -EINVAL, "gpu map has more than %u entries", VXI_GPU_MAP_MAX);
		m->from[m->n] = (uint32_t)a;
		m->to[m->n] = (uint32_t)b;
		m->n++;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return errf(err, -EINVAL, "gpu map ends with a comma");
	}
	return 0;
}

int vxi_gpu_map_lookup(const struct vxi_gpu_map *m, uint32_t from, uint32_t *to)
{
	for (unsigned int i = 0; m && i < m->n; i++)
		if (m->from[i] == from) {
			*to = m->to[i];
			return 1;
		}
	return 0;
}
