/* The malloc family under observation, for test programs linked with
   -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free and built from
   the library's sources (the wrapping reaches only the objects of the link:
   the library's own calls, not the C library's calls inside itself).

   Every call of the family made from those objects is counted while the
   hooks are armed, and the k-th of them can be made to fail; the live
   blocks are counted all the time. A second allocator for
   nn_create_with_allocator(), built on the real malloc so that it is never
   counted as the library's, has the same counts and failure. */
#ifndef BACKPROP_TEST_MALLOC_HOOKS_H
#define BACKPROP_TEST_MALLOC_HOOKS_H

#include <stddef.h>

struct alloc_counts {
    long calls;   /* allocations asked for while armed (malloc, calloc, realloc) */
    long frees;   /* free() of a block while armed; dealloc calls */
    long live;    /* blocks allocated and not yet released (armed or not) */
    long fail_at; /* the allocation (1, 2, ... of `calls`) that fails; 0: none */
    int armed;
};

/* The C library's family through the wrapper; the counts of the wrapper. */
extern struct alloc_counts hooks_libc;
/* hook_alloc and hook_dealloc below. */
extern struct alloc_counts hooks_net;

/* Arms the counts: calls and frees start at 0, the fail_at-th allocation fails. */
void hooks_arm(struct alloc_counts *c, long fail_at);
void hooks_disarm(struct alloc_counts *c);

/* An nn_alloc_fn and nn_dealloc_fn that count into hooks_net (the context is
   unused). Allocations while hooks_net is not armed always succeed. */
void *hook_alloc(void *context, size_t size);
void hook_dealloc(void *context, void *ptr);

#endif
