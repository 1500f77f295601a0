// SPDX-License-Identifier: MIT
/*
 * vxpu CRIU images: BO contents, moved and checksummed chunk by chunk
 * with several threads. Dump: mapping -> content file (pwrite), sums
 * computed from the mapping. Restore: content file -> mapping (pread
 * straight into it), sums checked on the mapping. Verify: file only.
 *
 * A thread takes its next chunk from the file with the most chunks left,
 * so threads work on different files: a file takes one writer at a time
 * (the inode lock), two files on two CPUs are written twice as fast.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vxpu_image.h"

#define VXI_THREADS_MAX 8

struct io_ctx {
	enum vxi_io_mode mode;
	struct vxi_bo_job *jobs;
	size_t n;
	uint32_t chunk;
	_Atomic uint64_t *progress;
	void (*tick)(void);
	_Atomic uint64_t *next;		/* per job: its next chunk to take */
	uint64_t total;			/* chunks of all jobs */
	uint64_t *first;		/* prefix sums of chunks per job: flat index = first + chunk */
	pthread_mutex_t lock;
	uint64_t err_at;		/* flat index of the reported error, UINT64_MAX: none */
	int err;
	char msg[VXI_ERR];
};

static void report(struct io_ctx *c, uint64_t at, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void report(struct io_ctx *c, uint64_t at, int e, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&c->lock);
	if (at < c->err_at) {
		c->err_at = at;
		c->err = e;
		va_start(ap, fmt);
		vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&c->lock);
	/* chunks after the error still run to find an earlier one; later ones stop */
}

static int pio(int write, int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t r = write ? pwrite(fd, p, len, (off_t)off) : pread(fd, p, len, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ENODATA;
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/* the job with the most chunks not yet taken, or -1 when all are taken */
static ssize_t busiest(struct io_ctx *c)
{
	uint64_t most = 0;
	ssize_t best = -1;

	for (size_t j = 0; j < c->n; j++) {
		uint64_t n = c->first[j + 1] - c->first[j], k = atomic_load(&c->next[j]);

		if (k < n && n - k > most) {
			most = n - k;
			best = (ssize_t)j;
		}
	}
	return best;
}

static void *worker(void *arg)
{
	struct io_ctx *c = arg;
	uint8_t *buf = NULL;
	ssize_t j;

	if (c->mode == VXI_IO_VERIFY) {
		buf = malloc(c->chunk);
		if (!buf) {
			report(c, 0, -ENOMEM, "no memory for a %u-byte buffer", c->chunk);
			return NULL;
		}
	}
	while ((j = busiest(c)) >= 0) {
		struct vxi_bo_job *b = &c->jobs[j];
		uint64_t k = atomic_fetch_add(&c->next[j], 1), at = c->first[j] + k, off, sum;
		size_t len;
		uint8_t *p;
		int r;

		if (at >= c->first[j + 1])
			continue;	/* another thread took the last one */
		pthread_mutex_lock(&c->lock);
		if (at > c->err_at) {
			pthread_mutex_unlock(&c->lock);
			continue;	/* an earlier chunk failed: report that one */
		}
		pthread_mutex_unlock(&c->lock);
		off = k * c->chunk;
		len = (size_t)(b->size - off < c->chunk ? b->size - off : c->chunk);
		p = c->mode == VXI_IO_VERIFY ? buf : (uint8_t *)b->map + off;
		if (c->mode == VXI_IO_DUMP) {
			b->sums[k] = vxi_sum(p, len);
			r = pio(1, b->fd, p, len, off);
		} else {
			r = pio(0, b->fd, p, len, off);
		}
		if (r) {
			report(c, at, r, "BO handle %u: %s %s at byte %" PRIu64 ": %s", b->handle,
			       c->mode == VXI_IO_DUMP ? "writing" : "reading", b->file, off,
			       r == -ENODATA ? "file too short" : strerror(-r));
			continue;
		}
		if (c->mode != VXI_IO_DUMP) {
			sum = vxi_sum(p, len);
			if (sum != b->sums[k]) {
				report(c, at, -EBADMSG, "BO handle %u: %s: chunk %" PRIu64 " (bytes %"
				       PRIu64 "..%" PRIu64 ") checksum mismatch (corrupted image)",
				       b->handle, b->file, k, off, off + len);
				continue;
			}
		}
		if (c->progress)
			atomic_fetch_add(c->progress, len);
		if (c->tick)
			c->tick();
	}
	free(buf);
	return NULL;
}

int vxi_bo_io(enum vxi_io_mode mode, struct vxi_bo_job *jobs, size_t n, uint32_t chunk,
	      unsigned int threads, _Atomic uint64_t *progress, void (*tick)(void), char *err)
{
	pthread_t tid[VXI_THREADS_MAX];
	unsigned int started = 0;
	struct io_ctx c = {
		.mode = mode, .jobs = jobs, .n = n, .chunk = chunk, .progress = progress, .tick = tick,
		.err_at = UINT64_MAX,
	};
	long ncpu;

	if (!n)
		return 0;
	if (!chunk) {
		snprintf(err, VXI_ERR, "chunk size 0");
		return -EINVAL;
	}
	c.first = calloc(n + 1, sizeof(*c.first));
	c.next = calloc(n, sizeof(*c.next));
	if (!c.first || !c.next) {
		free(c.first);
		free(c.next);
		snprintf(err, VXI_ERR, "no memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		c.first[i + 1] = c.first[i] + vxi_nchunks(jobs[i].size, chunk);
	c.total = c.first[n];
	pthread_mutex_init(&c.lock, NULL);
	if (!threads) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		threads = ncpu < 1 ? 2 : (unsigned int)(ncpu < 4 ? ncpu + 1 : ncpu);
	}
	if (threads > VXI_THREADS_MAX)
		threads = VXI_THREADS_MAX;
	if (threads > c.total)
		threads = (unsigned int)c.total;
	for (unsigned int i = 1; i < threads; i++) {
		if (pthread_create(&tid[i], NULL, worker, &c))
			break;
		started = i;
	}
	worker(&c);
	for (unsigned int i = 1; i <= started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&c.lock);
	free(c.first);
	free(c.next);
	if (c.err_at != UINT64_MAX) {
		snprintf(err, VXI_ERR, "%s", c.msg);
		return c.err;
	}
	return 0;
}
