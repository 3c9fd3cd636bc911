/* See include/alloc_counter.h. Relaxed atomics: the numbers are read before and after a
 * loop on one thread; other threads' allocations (there are none in iked-bench) would count. */
#define _GNU_SOURCE
#include "alloc_counter.h"
#include <errno.h>
#include <stddef.h>
#include <stdatomic.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

static _Atomic uint64_t allocations, allocated_bytes, frees;

static inline void *counted(void *p, size_t n) {
    if (p != NULL) {
        atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&allocated_bytes, n, memory_order_relaxed);
    }
    return p;
}

void *malloc(size_t n) { return counted(__libc_malloc(n), n); }

void *calloc(size_t count, size_t n) { return counted(__libc_calloc(count, n), count * n); }

void *realloc(void *p, size_t n) {
    /* Counted as an allocation whenever it may have moved the block (and when p is NULL). */
    void *q = __libc_realloc(p, n);
    if (q != NULL && q != p) counted(q, n);
    return q;
}

void free(void *p) {
    if (p != NULL) atomic_fetch_add_explicit(&frees, 1, memory_order_relaxed);
    __libc_free(p);
}

void *memalign(size_t alignment, size_t n) { return counted(__libc_memalign(alignment, n), n); }

void *aligned_alloc(size_t alignment, size_t n) { return counted(__libc_memalign(alignment, n), n); }

int posix_memalign(void **out, size_t alignment, size_t n) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *p = __libc_memalign(alignment, n);
    if (p == NULL) return ENOMEM;
    *out = counted(p, n);
    return 0;
}

void *valloc(size_t n) { return counted(__libc_valloc(n), n); }

void *pvalloc(size_t n) { return counted(__libc_pvalloc(n), n); }

uint64_t iked_bench_allocations(void) { return atomic_load_explicit(&allocations, memory_order_relaxed); }
uint64_t iked_bench_allocated_bytes(void) { return atomic_load_explicit(&allocated_bytes, memory_order_relaxed); }
uint64_t iked_bench_frees(void) { return atomic_load_explicit(&frees, memory_order_relaxed); }
int iked_bench_counter_active(void) { return iked_bench_allocations() > 0; }
