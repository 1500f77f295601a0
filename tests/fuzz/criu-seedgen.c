// SPDX-License-Identifier: MIT
/*
 * Writes the seed corpus of fuzz-criu-image (tests/fuzz/seeds-criu/):
 * raw inputs (mode 0: bucket count, buckets, blob) of generated valid
 * images of every shape, and structure-aware inputs (mode 1: seed, shape,
 * a few mutation ops). Usage: criu-seedgen DIR  (make -C tests criu-seeds)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "criu-gen.h"

static int put(const char *dir, const char *name, const void *a, size_t an, const void *b,
	       size_t bn, const void *c, size_t cn)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return -1;
	}
	fwrite(a, 1, an, f);
	fwrite(b, 1, bn, f);
	fwrite(c, 1, cn, f);
	return fclose(f);
}

int main(int argc, char **argv)
{
	int n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	/* raw: every shape, two seeds each */
	for (int sel = 0; sel < 16; sel++)
		for (uint64_t seed = 1; seed <= 2; seed++) {
			struct cg_shape s;
			struct cg_image ci;
			uint8_t pre[3];
			char name[32];

			cg_pick_shape(&s, (uint8_t)sel);
			if (cg_generate(&ci, seed * 1000 + sel, &s))
				return 1;
			pre[0] = 0;
			pre[1] = (uint8_t)ci.num_bos;
			pre[2] = (uint8_t)(ci.num_bos >> 8);
			snprintf(name, sizeof(name), "raw-%02d-%llu", sel, (unsigned long long)seed);
			if (put(argv[1], name, pre, 3, ci.bos, ci.num_bos * sizeof(*ci.bos),
				ci.blob, ci.size))
				return 1;
			cg_free(&ci);
			n++;
		}
	/* structure aware: every shape with no op, then with 1..6 ops */
	for (int sel = 0; sel < 16; sel++) {
		uint64_t rs = 77 + sel;
		uint8_t in[1 + 9 + 6 * 8];
		char name[32];
		int ops = sel % 7;

		in[0] = 1;
		for (int i = 0; i < 8; i++)
			in[1 + i] = (uint8_t)(cg_rand(&rs) >> (8 * i));
		in[9] = (uint8_t)sel;
		for (int i = 0; i < ops * 8; i++)
			in[10 + i] = (uint8_t)cg_rand(&rs);
		snprintf(name, sizeof(name), "st-%02d", sel);
		if (put(argv[1], name, in, 10 + ops * 8, NULL, 0, NULL, 0))
			return 1;
		n++;
	}
	printf("criu-seedgen: %d seeds in %s\n", n, argv[1]);
	return 0;
}
