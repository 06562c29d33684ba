/* nn_save seen from the system interface: the library's own calls to the
   allocation functions, write(), fwrite(), renameat(), rename() and fsync()
   come to the wrappers
   below (this suite is built from the library's sources and linked with
   -Wl,--wrap=NAME for each), which note what the save did and when.

   Checked: no malloc-family call for a network made with
   nn_create_with_allocator (its allocator serves instead); the temporary has
   mode 0600 when its first byte is written, whatever the umask; it has its
   final mode when it is renamed; the directory is synced after the rename. */
#define _DEFAULT_SOURCE

#include "check.h"

#include <backprop.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void __real_free(void *p);
ssize_t __real_write(int fd, const void *buf, size_t n);
int __real_renameat(int old_dir, const char *old_name, int new_dir, const char *new_name);
int __real_fsync(int fd);
size_t __real_fwrite(const void *buf, size_t size, size_t n, FILE *fp);
int __real_rename(const char *old_name, const char *new_name);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void __wrap_free(void *p);
ssize_t __wrap_write(int fd, const void *buf, size_t n);
int __wrap_renameat(int old_dir, const char *old_name, int new_dir, const char *new_name);
int __wrap_fsync(int fd);
size_t __wrap_fwrite(const void *buf, size_t size, size_t n, FILE *fp);
int __wrap_rename(const char *old_name, const char *new_name);

/* What the wrappers saw while `watching` was set. */
static struct {
    int watching;
    size_t malloc_family; /* calls of malloc, calloc, realloc and free */
    size_t writes;
    int first_write_mode;  /* mode of the file at the first write; -1: none */
    int rename_mode;       /* mode of the file renamed; -1: no rename */
    int dir_synced_after_rename;
} seen;

static void start_watching(void)
{
    memset(&seen, 0, sizeof seen);
    seen.first_write_mode = -1;
    seen.rename_mode = -1;
    seen.watching = 1;
}

void *__wrap_malloc(size_t size)
{
    seen.malloc_family += seen.watching;
    return __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    seen.malloc_family += seen.watching;
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
    seen.malloc_family += seen.watching;
    return __real_realloc(p, size);
}

void __wrap_free(void *p)
{
    seen.malloc_family += seen.watching;
    __real_free(p);
}

/* Notes the mode of the file written to at the first write. */
static void note_write(int fd)
{
    if (seen.watching) {
        const int saved = errno;
        struct stat st;
        if (seen.writes++ == 0 && fstat(fd, &st) == 0)
            seen.first_write_mode = (int)(st.st_mode & 07777);
        errno = saved;
    }
}

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
    note_write(fd);
    return __real_write(fd, buf, n);
}

/* (stdio is watched too, so that a saver written with it is judged alike) */
size_t __wrap_fwrite(const void *buf, size_t size, size_t n, FILE *fp)
{
    note_write(fileno(fp));
    return __real_fwrite(buf, size, n, fp);
}

int __wrap_rename(const char *old_name, const char *new_name)
{
    if (seen.watching) {
        const int saved = errno;
        struct stat st;
        if (lstat(old_name, &st) == 0)
            seen.rename_mode = (int)(st.st_mode & 07777);
        errno = saved;
    }
    return __real_rename(old_name, new_name);
}

int __wrap_renameat(int old_dir, const char *old_name, int new_dir, const char *new_name)
{
    if (seen.watching) {
        const int saved = errno;
        struct stat st;
        if (fstatat(old_dir, old_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            seen.rename_mode = (int)(st.st_mode & 07777);
        errno = saved;
    }
    return __real_renameat(old_dir, old_name, new_dir, new_name);
}

int __wrap_fsync(int fd)
{
    if (seen.watching && seen.rename_mode >= 0) {
        const int saved = errno;
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
            seen.dir_synced_after_rename = 1;
        errno = saved;
    }
    return __real_fsync(fd);
}

/* The caller's allocator: the C library's, counted (not through the
   wrappers, so that its calls are not counted as the library's). */
struct counting {
    size_t allocs;
    size_t frees;
};

static void *counting_alloc(void *context, size_t size)
{
    ((struct counting *)context)->allocs++;
    return __real_malloc(size);
}

static void counting_free(void *context, void *p)
{
    ((struct counting *)context)->frees += p != NULL;
    __real_free(p);
}

static size_t entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void test_save_system_calls(void **state)
{
    (void)state;
    struct counting counts = {0, 0};
    const size_t sizes[] = {30, 40, 3};
    const int acts[] = {NN_ACT_TANH, NN_ACT_LINEAR};
    nn_t *net = NULL;
    assert_int_equal(
        nn_create_with_allocator(&net, 3, sizes, acts, counting_alloc, counting_free, &counts),
        NN_OK);
    assert_int_equal(nn_init_random(net, 9, NN_INIT_XAVIER, 0.0, 0.0), NN_OK);
    char dir[] = "test_save_syscalls_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/model.txt", dir);

    /* a new file: 0600 while written, 0666 less the umask when renamed */
    const mode_t old_mask = umask(0);
    const size_t allocs_before = counts.allocs;
    start_watching();
    const nn_status status = nn_save(net, path);
    seen.watching = 0;
    umask(old_mask);
    assert_int_equal(status, NN_OK);
    assert_int_equal(seen.malloc_family, 0);
    assert_true(counts.allocs > allocs_before);
    assert_int_equal(counts.allocs, counts.frees + 1); /* the network itself remains */
    assert_true(seen.writes > 0);
    assert_int_equal(seen.first_write_mode, 0600);
    assert_int_equal(seen.rename_mode, 0666);
    assert_true(seen.dir_synced_after_rename);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0666);

    /* a replaced file: 0600 while written, its old mode when renamed */
    assert_int_equal(chmod(path, 0640), 0);
    start_watching();
    assert_int_equal(nn_save(net, path), NN_OK);
    seen.watching = 0;
    assert_int_equal(seen.malloc_family, 0);
    assert_int_equal(seen.first_write_mode, 0600);
    assert_int_equal(seen.rename_mode, 0640);
    assert_true(seen.dir_synced_after_rename);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(entries(dir), 1);

    nn_t *back = NULL;
    assert_int_equal(nn_load(&back, path), NN_OK);
    nn_free(back);
    nn_free(net);
    assert_int_equal(counts.allocs, counts.frees);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_save_system_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
