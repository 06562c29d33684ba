/* See malloc_hooks.h. Single-threaded: the library allocates only in the
   calling thread, and these programs call it from one thread. */
#include "malloc_hooks.h"

#include <stdlib.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *ptr, size_t size);
void __real_free(void *ptr);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *ptr, size_t size);
void __wrap_free(void *ptr);

struct alloc_counts hooks_libc;
struct alloc_counts hooks_net;

void hooks_arm(struct alloc_counts *c, long fail_at)
{
    c->calls = 0;
    c->frees = 0;
    c->fail_at = fail_at;
    c->armed = 1;
}

void hooks_disarm(struct alloc_counts *c)
{
    c->armed = 0;
    c->fail_at = 0;
}

/* Counts one allocation; 1 when it is the one to fail. */
static int refuse(struct alloc_counts *c)
{
    if (!c->armed)
        return 0;
    c->calls++;
    return c->calls == c->fail_at;
}

static void released(struct alloc_counts *c)
{
    c->live--;
    if (c->armed)
        c->frees++;
}

void *__wrap_malloc(size_t size)
{
    if (refuse(&hooks_libc))
        return NULL;
    void *p = __real_malloc(size);
    if (p != NULL)
        hooks_libc.live++;
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    if (refuse(&hooks_libc))
        return NULL;
    void *p = __real_calloc(n, size);
    if (p != NULL)
        hooks_libc.live++;
    return p;
}

/* realloc(NULL, n) allocates a block; realloc of a block to a new size keeps
   one block (the old one on failure), so only the first changes `live`. */
void *__wrap_realloc(void *ptr, size_t size)
{
    if (refuse(&hooks_libc))
        return NULL;
    void *p = __real_realloc(ptr, size);
    if (ptr == NULL && p != NULL)
        hooks_libc.live++;
    else if (ptr != NULL && size == 0 && p == NULL)
        released(&hooks_libc); /* glibc frees the block */
    return p;
}

void __wrap_free(void *ptr)
{
    if (ptr != NULL)
        released(&hooks_libc);
    __real_free(ptr);
}

void *hook_alloc(void *context, size_t size)
{
    (void)context;
    if (refuse(&hooks_net))
        return NULL;
    void *p = __real_malloc(size);
    if (p != NULL)
        hooks_net.live++;
    return p;
}

void hook_dealloc(void *context, void *ptr)
{
    (void)context;
    released(&hooks_net);
    __real_free(ptr);
}
