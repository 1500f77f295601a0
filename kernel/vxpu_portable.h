/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only place where the packet interpreter
 * (vxpu_interp.c) differs between the kernel module and the host build
 * (unit tests, libFuzzer target).
 *
 * Provides: __u8/__u32/__u64 (and u8/u32/u64), bool, memmove(), memset(),
 * memcpy(), vxpu_min(), likely()/unlikely(), noinline, vxpu_hot, vxpu_le64_load/store()
 * (unaligned little-endian access), vxpu_load64_once() (a single-copy
 * atomic 8-aligned load), vxpu_store64_once() and vxpu_atomic_add64()
 * (an atomic add on an 8-aligned u64 that another CPU may access).
 */
#ifndef VXPU_PORTABLE_H
#define VXPU_PORTABLE_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/string.h>
#include <linux/atomic.h>

#include <drm/vxpu_accel.h>

/* memcpy of a constant 8 bytes is one (unaligned) move */
static inline u64 vxpu_le64_load(const void *p)
{
	__le64 v;

	memcpy(&v, p, sizeof(v));
	return le64_to_cpu(v);
}

static inline void vxpu_le64_store(void *p, u64 v)
{
	__le64 le = cpu_to_le64(v);

	memcpy(p, &le, sizeof(le));
}

static inline u64 vxpu_load64_once(const void *p)
{
	return le64_to_cpu(READ_ONCE(*(const __le64 *)p));
}

static inline void vxpu_store64_once(void *p, u64 v)
{
	WRITE_ONCE(*(__le64 *)p, cpu_to_le64(v));
}

#ifdef __LITTLE_ENDIAN
static inline void vxpu_atomic_add64(void *p, u64 v)
{
	atomic64_add((s64)v, (atomic64_t *)p);
}
#else
#error "vxpu_atomic_add64: big-endian hosts are not supported"
#endif

#else /* host */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <drm/vxpu_accel.h>

/* the kernel's u64 is the UAPI's __u64 (unsigned long long) */
typedef __u8 u8;
typedef __u32 u32;
typedef __u64 u64;
typedef __s64 s64;

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif
#define VXPU_HOST_ATTR(a)	__attribute__(a)
#ifndef noinline
#define noinline	VXPU_HOST_ATTR((__noinline__))
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define vxpu_cpu_to_le64(x)	((u64)(x))
#else
#define vxpu_cpu_to_le64(x)	__builtin_bswap64(x)
#endif

static inline u64 vxpu_le64_load(const void *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return vxpu_cpu_to_le64(v);
}

static inline void vxpu_le64_store(void *p, u64 v)
{
	v = vxpu_cpu_to_le64(v);
	memcpy(p, &v, sizeof(v));
}

static inline u64 vxpu_load64_once(const void *p)
{
	return vxpu_cpu_to_le64(__atomic_load_n((const u64 *)p, __ATOMIC_RELAXED));
}

static inline void vxpu_store64_once(void *p, u64 v)
{
	__atomic_store_n((u64 *)p, vxpu_cpu_to_le64(v), __ATOMIC_RELAXED);
}

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vxpu_atomic_add64: big-endian hosts are not supported"
#endif
static inline void vxpu_atomic_add64(void *p, u64 v)
{
	__atomic_fetch_add((u64 *)p, v, __ATOMIC_SEQ_CST);
}

#endif /* __KERNEL__ */

#define VXPU_U64_MAX	(~(u64)0)

/* min() of the kernel is not in the host build; a function evaluates each once. */
static inline u64 vxpu_min(u64 a, u64 b)
{
	return a < b ? a : b;
}

/*
 * vxpu_hot(name): an inner loop of the interpreter, in a section of its
 * own aligned to 512 bytes (each is smaller), so that none straddles a
 * 4 KiB page. Software CPUs such as qemu TCG, which runs our tests and
 * benchmarks, translate code in blocks that end at a page boundary: a
 * loop across one runs two blocks per iteration and pays a block lookup
 * between them. MIX64 ran at half speed so (perf: 94% of its samples on
 * the last instruction before the page end), depending only on where the
 * linker happened to place it. A section each, because the assembler
 * pads long alignments inside a section with a jump, which objtool calls
 * unreachable.
 * One attribute list, the same for the kernel and the host build.
 */
#define vxpu_hot(name)	__attribute__((__noinline__, __aligned__(512), \
				       __section__(".text.vxpu_hot." #name)))

/*
 * The device VA range of every ASID (drm_vxpu_device_info.va_start and
 * va_end): here so that the driver and the checkpoint image parser
 * (vxpu_criu_image.c, also built on the host) share one definition.
 */
#define VXPU_VA_START	0x100000ULL		/* 1 MiB */
#define VXPU_VA_END	0x800000000000ULL	/* 2^47 */

#endif /* VXPU_PORTABLE_H */
