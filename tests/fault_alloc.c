/* Allocation-failure injection for a program linked with
   -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup,--wrap=getline:
   every call of these from the program's own objects (the command and the
   library's sources linked into it) is counted, and the one whose number is
   in the environment variable BACKPROP_FAIL_ALLOC fails as it would when
   memory runs out (NULL, or -1 for getline, with errno ENOMEM). When
   BACKPROP_ALLOC_LOG names a file, the count is written there at exit.
   The C library's own allocations (inside fopen, printf, ...) are not
   counted. The counter is not thread-safe: for single-threaded runs. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
ssize_t __real_getline(char **line, size_t *size, FILE *f);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
ssize_t __wrap_getline(char **line, size_t *size, FILE *f);

static unsigned long calls;
static unsigned long fail_at; /* 0: never */
static int started;

static void write_count(void)
{
    const char *path = getenv("BACKPROP_ALLOC_LOG");
    FILE *f = path ? fopen(path, "w") : NULL;
    if (f != NULL) {
        fprintf(f, "%lu\n", calls);
        fclose(f);
    }
}

/* Counts one allocation; 1 when it is the one to fail. */
static int fails_now(void)
{
    if (!started) {
        started = 1;
        const char *k = getenv("BACKPROP_FAIL_ALLOC");
        fail_at = k ? strtoul(k, NULL, 10) : 0;
        atexit(write_count);
    }
    if (++calls == fail_at) {
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t size)
{
    return fails_now() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fails_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
    return fails_now() ? NULL : __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
    return fails_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return fails_now() ? NULL : __real_strndup(s, n);
}

ssize_t __wrap_getline(char **line, size_t *size, FILE *f)
{
    return fails_now() ? -1 : __real_getline(line, size, f);
}
