// SPDX-License-Identifier: MIT
/*
 * vxpuctl image show DIR / image verify DIR: what a checkpoint holds of
 * vxpu, readable, and whether every byte of it is intact.
 *
 * show: per vxpu context (one per device file of the dumped tree): owner
 * pid, context id, the device it was on, its quota and object counts, and
 * every BO (handle, size, placement, owned or imported, content file).
 * verify: every metadata file (header, version, checksum, consistency)
 * and every chunk checksum of every BO content file; on the first bad
 * object (in file order, then handle, then chunk) prints it and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libvxpu.h"
#include "vxpu_image.h"

static double mib(uint64_t b)
{
	return (double)b / (1 << 20);
}

static int open_dir(const char *dir, const char *what)
{
	char p[4096];
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "vxpuctl: image %s: cannot open %s: %s\n", what, dir, strerror(errno));
		return -1;
	}
	snprintf(p, sizeof(p), "%s/inventory.img", dir);
	if (access(p, F_OK)) {
		fprintf(stderr, "vxpuctl: image %s: %s is not a CRIU checkpoint (no inventory.img)\n",
			what, dir);
		close(fd);
		return -1;
	}
	return fd;
}

static const char *caps_list(uint64_t caps, char *buf, size_t n)
{
	static const struct { uint64_t bit; const char *name; } names[] = {
		{ VXPU_CAP_VRAM, "vram" }, { VXPU_CAP_GTT, "gtt" }, { VXPU_CAP_PRIME, "prime" },
		{ VXPU_CAP_VM_RW, "vm-rw" }, { VXPU_CAP_ACCEL_NODE, "accel" },
		{ VXPU_CAP_ENGINE, "engine" }, { VXPU_CAP_CRIU, "criu" },
	};
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((caps & names[i].bit) && len < n)
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? "," : "",
						names[i].name);
	return buf;
}

static void show_ctx(const VxpuCtxEntry *e)
{
	const VxpuDeviceEntry *d = e->device;
	size_t owned = 0, imported = 0;
	char caps[128];

	for (size_t i = 0; i < e->n_bos; i++)
		e->bos[i]->content ? owned++ : imported++;
	printf("context %u of pid %u (file id %#x)\n", e->ctx_id, e->owner_pid, e->file_id);
	printf("  device:  %s, index %u, gpu id %#010x, %s, %.1f MiB VRAM, %u engine%s, caps %s\n",
	       d->name, d->index, d->user_gpu_id, d->dump_path, mib(d->vram_size), d->engine_count,
	       d->engine_count == 1 ? "" : "s", caps_list(d->caps, caps, sizeof(caps)));
	printf("  needs:   %.1f MiB VRAM, %.1f MiB GTT (owned BOs)\n", mib(e->vram_needed),
	       mib(e->gtt_needed));
	if (e->has_nr_queues)
		printf("  objects: %u ASID%s, %u mapping%s, %u queue%s, %u event%s; quota %.1f MiB\n",
		       e->nr_asids, e->nr_asids == 1 ? "" : "s", e->nr_maps,
		       e->nr_maps == 1 ? "" : "s", e->nr_queues, e->nr_queues == 1 ? "" : "s",
		       e->nr_events, e->nr_events == 1 ? "" : "s", mib(e->quota));
	else
		printf("  objects: %" PRIu64 " (ASIDs + mappings + queues + events)\n", e->num_objects);
	printf("  private: %zu bytes (driver state, opaque), checksum %016" PRIx64 "\n",
	       e->priv_data.len, e->priv_sum);
	printf("  BOs:     %zu (%zu owned, %zu imported), chunks of %u KiB, part files of %"
	       PRIu64 " MiB\n", e->n_bos, owned, imported, e->chunk_size >> 10,
	       e->part_size >> 20);
	if (e->n_bos)
		printf("    %6s %12s %5s %-9s %-18s %s\n", "handle", "bytes", "place", "kind",
		       "mmap offset", "content");
	for (size_t i = 0; i < e->n_bos; i++) {
		const VxpuBoEntry *b = e->bos[i];
		char kind[24];

		if (b->content)
			snprintf(kind, sizeof(kind), "owned");
		else
			snprintf(kind, sizeof(kind), "imp(ctx %u)", b->owner_ctx_id);
		printf("    %6u %12" PRIu64 " %5s %-9s 0x%016" PRIx64 " %s%s", b->handle, b->size,
		       b->placement == VXPU_BO_VRAM ? "vram" : b->placement == VXPU_BO_GTT ? "gtt" :
		       "?", kind, b->offset, b->content ? b->content : "-",
		       b->content ? ".*.img" : "");
		if (b->content)
			printf(" (%" PRIu64 " part%s, %zu chunk%s)",
			       vxi_nparts(b->size, e->part_size),
			       vxi_nparts(b->size, e->part_size) == 1 ? "" : "s",
			       b->n_chunk_sums, b->n_chunk_sums == 1 ? "" : "s");
		printf("\n");
	}
}

static int image_show(const char *dir)
{
	char **names, err[VXI_ERR];
	uint64_t total = 0;
	int dfd = open_dir(dir, "show"), bad = 0;
	size_t n;

	if (dfd < 0)
		return 1;
	if (vxi_list_ctx(dfd, &names, &n, err)) {
		fprintf(stderr, "vxpuctl: image show: %s\n", err);
		close(dfd);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		VxpuCtxEntry *e;

		if (vxi_read_ctx(dfd, names[i], &e, err)) {
			printf("%s: UNREADABLE: %s\n", names[i], err);
			bad = 1;
			continue;
		}
		total += e->vram_needed + e->gtt_needed;
		show_ctx(e);
		vxi_free_ctx(e);
	}
	printf("%s: %zu vxpu context%s, %.1f MiB of device memory contents\n", dir, n,
	       n == 1 ? "" : "s", mib(total));
	vxi_free_names(names, n);
	close(dfd);
	return bad;
}

static int image_verify(const char *dir)
{
	char **names, err[VXI_ERR];
	uint64_t bytes = 0, files = 0;
	int dfd = open_dir(dir, "verify"), r = 0, printed = 0;
	size_t n;

	if (dfd < 0)
		return 1;
	if (vxi_list_ctx(dfd, &names, &n, err)) {
		fprintf(stderr, "vxpuctl: image verify: %s\n", err);
		close(dfd);
		return 1;
	}
	for (size_t i = 0; !r && i < n; i++) {
		struct vxi_bo_job *jobs;
		VxpuCtxEntry *e;
		size_t nj = 0;

		r = vxi_read_ctx(dfd, names[i], &e, err);
		if (r)
			break;
		r = vxi_open_jobs(dfd, e, NULL, O_RDONLY, &jobs, &nj, err);
		if (!r) {
			r = vxi_bo_io(VXI_IO_VERIFY, jobs, nj, e->chunk_size, 0, NULL, NULL, err);
			for (size_t b = 0; !r && b < nj; b++)
				bytes += jobs[b].size;
			if (!r)
				files += nj + 1;
			vxi_close_jobs(jobs, nj, NULL);
		}
		if (r) {
			fprintf(stderr, "vxpuctl: image verify: context %u of pid %u (%s): BAD: %s\n",
				e->ctx_id, e->owner_pid, names[i], err);
			printed = 1;
		}
		vxi_free_ctx(e);
		if (r)
			break;
	}
	vxi_free_names(names, n);
	close(dfd);
	if (r) {
		if (!printed)
			fprintf(stderr, "vxpuctl: image verify: BAD: %s\n", err);
		return 1;
	}
	printf("image verify: OK: %zu vxpu context%s, %" PRIu64 " files, %.1f MiB of device "
	       "memory, every checksum matches\n", n, n == 1 ? "" : "s", files, mib(bytes));
	return 0;
}

int cmd_image(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[0], "show"))
		return image_show(argv[1]);
	if (argc == 2 && !strcmp(argv[0], "verify"))
		return image_verify(argv[1]);
	fprintf(stderr, "usage: vxpuctl image show DIR\n       vxpuctl image verify DIR\n");
	return 2;
}
