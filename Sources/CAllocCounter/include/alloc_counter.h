#ifndef IKED_ALLOC_COUNTER_H
#define IKED_ALLOC_COUNTER_H
#include <stdint.h>

/* Heap allocation counters for iked-bench only. alloc_counter.c defines malloc, calloc,
 * realloc, free, posix_memalign, aligned_alloc, memalign, valloc and pvalloc in the
 * executable; the dynamic linker binds every caller in the process (the Swift runtime,
 * libcrypto, libsodium, libc itself) to them, and they forward to glibc's __libc_*
 * entry points. Never link this target into iked or a test. */

/* Allocations (every successful malloc, calloc, posix_memalign, aligned_alloc, memalign,
 * valloc, pvalloc, and realloc that had to allocate) since the process started. */
uint64_t iked_bench_allocations(void);
/* Bytes requested by those allocations. */
uint64_t iked_bench_allocated_bytes(void);
/* free() calls with a non-NULL pointer. */
uint64_t iked_bench_frees(void);
/* 1 when the interposed malloc has been called at least once (the interposition works). */
int iked_bench_counter_active(void);

#endif
