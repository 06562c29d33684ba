/* Model files: nn_save() and nn_load() and their variants, the part of
   saving and loading that deals with files and the caller's arguments. The
   format's writer is model_write.c, its loader model_read.c. */

/* Saving and loading files has two versions: one for POSIX systems and one in
   plain C11 stdio for every other (WebAssembly, Windows). IO_POSIX chooses;
   everything POSIX-specific lives in the one "#if IO_POSIX" block of the
   section "files" below. Defining NN_IO_STDIO forces the stdio version (to
   check that it still compiles). _DEFAULT_SOURCE must come before any header:
   it asks glibc for POSIX.1-2008 and for flock(), which is BSD. */
#if (defined(__unix__) || defined(__APPLE__)) && !defined(NN_IO_STDIO)
#define IO_POSIX 1
#if !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE
#endif
#else
#define IO_POSIX 0
#endif

#include "io.h"
#include "model_format.h"
#include "model_sections.h"
#include "names.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* File output leaves in pieces of this size. */
#define SAVE_STAGE_BYTES 65536

/* ---- files ----

   Saving writes the text to a temporary file beside the target and renames it
   over the target, so that the target always holds the old model or the new
   one. The temporary is named ".<base>.<16 hex digits>.tmp" after the
   target's base name (cut so the name fits TEMP_NAME_MAX bytes); its 64
   random bits come from the clock, the process id and an address on the
   caller's stack, mixed per call, so that concurrent savers (processes or
   threads) share no state and almost never draw the same name. Unpredictable
   names are not needed: the temporary is created exclusively, so a collision
   or a planted file only costs another draw. */

#define TEMP_NAME_MAX 255  /* the longest file name of Linux, macOS and Windows */
#define TEMP_EXTRA 22      /* "." + "." + 16 hex digits + ".tmp" */
#define TEMP_ATTEMPTS 64

/* Writes the model (with the sections of x) through w, which the caller
   has set up; 1 when every byte was written. */
static int write_model_out(const nn_t *net, const struct nn__model_extras *x,
                           struct nn__writer *w)
{
    nn__write_model(net, x, w);
    return nn__writer_finish(w) == NN_OK;
}

/* The finaliser of splitmix64: every input bit affects every output bit. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* How many bytes of the target's base name a temporary's name keeps: all, or
   as many as fit, cut at the start of a UTF-8 character. */
static size_t temp_base_length(const char *base)
{
    size_t n = strlen(base);
    if (n > TEMP_NAME_MAX - TEMP_EXTRA) {
        n = TEMP_NAME_MAX - TEMP_EXTRA;
        while (n > 0 && ((unsigned char)base[n] & 0xc0) == 0x80)
            n--;
    }
    return n;
}

/* Writes ".<the first n bytes of base>.<random in hex>.tmp" to out. */
static void temp_name(char *out, const char *base, size_t n, uint64_t random)
{
    static const char hex[] = "0123456789abcdef";
    out[0] = '.';
    memcpy(out + 1, base, n);
    out[n + 1] = '.';
    for (size_t i = 0; i < 16; i++)
        out[n + 2 + i] = hex[(random >> (60 - 4 * i)) & 0xf];
    memcpy(out + n + 18, ".tmp", 5);
}

static void *save_alloc(const nn_t *net, size_t size)
{
    return net->alloc_fn(net->alloc_context, size);
}

static void save_free(const nn_t *net, void *p)
{
    net->dealloc_fn(net->alloc_context, p);
}

/* Reading a model file: an open input and whether its size is known. */
#define INPUT_SIZE_UNKNOWN SIZE_MAX

#if IO_POSIX
/* The POSIX version: open/write instead of stdio (no buffer from the C
   library), the temporary created with mode 0600 and locked with flock() for
   its whole life, the directory synced after the rename, and lstat() to
   follow links and to refuse what is not a regular file. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif
#define MAX_LINKS 40 /* as Linux's own limit on links followed in one lookup */

/* What a failed system call means for the caller. */
static nn_status errno_status(void)
{
    return errno == ENOMEM ? NN_ERR_NO_MEMORY : NN_ERR_IO;
}

static uint64_t temp_random(unsigned attempt)
{
    struct timespec now;
    (void)clock_gettime(CLOCK_REALTIME, &now);
    const uint64_t t = (uint64_t)now.tv_sec * UINT64_C(1000000000) + (uint64_t)now.tv_nsec;
    return mix64(mix64(t ^ ((uint64_t)attempt << 56)) ^ mix64((uint64_t)getpid()) ^
                 (uint64_t)(uintptr_t)&now);
}

/* One save's working memory, from the network's allocator. */
struct save_area {
    char target[PATH_MAX];         /* the file to replace, links followed */
    char scratch[PATH_MAX];        /* a link's text; then the target's directory */
    char temp[TEMP_NAME_MAX + 1];  /* the name of the temporary in that directory */
    char stage[SAVE_STAGE_BYTES];
};

/* Bytes of path up to and including its last '/'. */
static size_t dir_length(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash == NULL ? 0 : (size_t)(slash - path) + 1;
}

/* Follows symbolic links from path to the file a save replaces, into
   area->target (a relative link counts from the link's own directory).
   *mode receives the permission bits of an existing regular file, or -1 when
   there is no file yet (a new file, or the target of a dangling link). A
   directory, device, FIFO or socket is refused without being opened, and so
   is a chain of more than MAX_LINKS links. */
static nn_status resolve_target(const char *path, struct save_area *area, long *mode)
{
    const size_t len = strlen(path);
    if (len >= PATH_MAX)
        return NN_ERR_IO;
    memcpy(area->target, path, len + 1);
    for (int links = 0; links <= MAX_LINKS; links++) {
        struct stat st;
        if (lstat(area->target, &st) != 0) {
            if (errno != ENOENT)
                return errno_status();
            *mode = -1;
            return NN_OK;
        }
        if (S_ISREG(st.st_mode)) {
            *mode = (long)(st.st_mode & 07777);
            return NN_OK;
        }
        if (!S_ISLNK(st.st_mode))
            return NN_ERR_IO;
        const ssize_t n = readlink(area->target, area->scratch, sizeof area->scratch);
        if (n <= 0 || (size_t)n >= sizeof area->scratch)
            return NN_ERR_IO;
        const size_t dir = area->scratch[0] == '/' ? 0 : dir_length(area->target);
        if (dir + (size_t)n >= sizeof area->target)
            return NN_ERR_IO;
        memcpy(area->target + dir, area->scratch, (size_t)n);
        area->target[dir + (size_t)n] = '\0';
    }
    return NN_ERR_IO;
}

/* Whether `name` is a temporary of the base name cut to n bytes. */
static int is_temp_name(const char *name, const char *base, size_t n)
{
    if (strlen(name) != n + TEMP_EXTRA || name[0] != '.' || memcmp(name + 1, base, n) != 0 ||
        name[n + 1] != '.' || strcmp(name + n + 18, ".tmp") != 0)
        return 0;
    for (size_t i = 0; i < 16; i++) {
        const char c = name[n + 2 + i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return 0;
    }
    return 1;
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Removes the temporaries of base (cut to n bytes) that their savers left
   behind when killed: those whose lock can be taken at once. A live saver
   holds the lock on its own, which therefore stays. Best effort: a
   temporary that cannot be opened or removed is left alone. */
static void remove_leftovers(int dir_fd, const char *dir, const char *base, size_t n)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (!is_temp_name(e->d_name, base, n))
            continue;
        const int fd = openat(dir_fd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            continue;
        /* the name must still lead to the file locked, or another saver's
           new temporary could be removed */
        struct stat held, named;
        if (fstat(fd, &held) == 0 && S_ISREG(held.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
            fstatat(dir_fd, e->d_name, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
            same_file(&held, &named))
            (void)unlinkat(dir_fd, e->d_name, 0);
        close(fd);
    }
    closedir(d);
}

/* The mode a new file gets from a plain create: 0666 less the umask (and
   less what a default ACL of the directory removes). It is read from an
   empty file created and removed at once: the umask itself can only be read
   by changing it, for the whole process, which races with other threads. The
   empty file is never written, so whoever opens it meanwhile learns nothing. */
static nn_status new_file_mode(int dir_fd, struct save_area *area, const char *base, size_t n,
                               long *mode)
{
    for (unsigned attempt = 0; attempt < TEMP_ATTEMPTS; attempt++) {
        temp_name(area->temp, base, n, temp_random(attempt));
        const int fd =
            openat(dir_fd, area->temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0) {
            if (errno == EEXIST)
                continue;
            return errno_status();
        }
        struct stat st;
        const int ok = fstat(fd, &st) == 0;
        (void)unlinkat(dir_fd, area->temp, 0);
        close(fd);
        if (!ok)
            return NN_ERR_IO;
        *mode = (long)(st.st_mode & 0777);
        return NN_OK;
    }
    return NN_ERR_IO;
}

/* Creates the temporary, mode 0600 before it holds a byte, and locks it;
   returns its descriptor, or -1 with *status set. */
static int create_temp(int dir_fd, struct save_area *area, const char *base, size_t n,
                       nn_status *status)
{
    for (unsigned attempt = 0; attempt < TEMP_ATTEMPTS; attempt++) {
        temp_name(area->temp, base, n, temp_random(attempt));
        const int fd =
            openat(dir_fd, area->temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            if (errno == EEXIST)
                continue;
            *status = errno_status();
            return -1;
        }
        /* Another save's clean-up may lock and remove the file between its
           creation and this lock (it holds such a lock only for a moment);
           then the name no longer leads here and another name is drawn. On a
           file system without flock() no clean-up can lock it either. */
        while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
            ;
        struct stat held, named;
        if (fstat(fd, &held) == 0 &&
            fstatat(dir_fd, area->temp, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
            same_file(&held, &named))
            return fd;
        close(fd);
    }
    *status = NN_ERR_IO;
    return -1;
}

/* The writer's sink for a descriptor: 0 when every byte was written. */
static int write_fd(void *file, const char *data, size_t n)
{
    const int fd = *(const int *)file;
    while (n > 0) {
        const ssize_t k = write(fd, data, n);
        if (k <= 0) {
            if (k < 0 && errno == EINTR)
                continue;
            return 1;
        }
        data += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Opens the directory of area->target (dir_len bytes of it; "." for none),
   whose name is left in area->scratch; -1 with *status set on failure. */
static int open_target_dir(struct save_area *area, size_t dir_len, nn_status *status)
{
    if (dir_len == 0) {
        memcpy(area->scratch, ".", 2);
    } else {
        memcpy(area->scratch, area->target, dir_len);
        area->scratch[dir_len] = '\0';
    }
    const int dir_fd = open(area->scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0)
        *status = errno_status();
    return dir_fd;
}

/* Writes the model to the open temporary fd, gives it its final mode (only
   after the last byte, just before the rename), syncs it and renames it over
   base; then syncs the directory. On failure the temporary is removed. */
static nn_status write_and_rename(const nn_t *net, const struct nn__model_extras *x,
                                  struct save_area *area, int dir_fd, int fd, const char *base,
                                  long mode)
{
    errno = 0;
    struct nn__writer w;
    nn__writer_callback(&w, write_fd, &fd, area->stage, sizeof area->stage);
    const int ok = write_model_out(net, x, &w) && fchmod(fd, (mode_t)mode) == 0 &&
                   fsync(fd) == 0 && renameat(dir_fd, area->temp, dir_fd, base) == 0;
    if (!ok) {
        const nn_status status = errno_status();
        (void)unlinkat(dir_fd, area->temp, 0);
        return status;
    }
    /* the new model is in place, but the rename may not survive a power
       cut; file systems that cannot sync a directory say EINVAL */
    if (fsync(dir_fd) != 0 && errno != EINVAL && errno != ENOTSUP)
        return NN_ERR_IO;
    return NN_OK;
}

static nn_status save_file(const nn_t *net, const struct nn__model_extras *x, const char *path)
{
    struct save_area *area = save_alloc(net, sizeof *area);
    if (area == NULL)
        return NN_ERR_NO_MEMORY;
    long mode = -1;
    nn_status status = resolve_target(path, area, &mode);
    const size_t dir_len = dir_length(area->target);
    const char *base = area->target + dir_len;
    if (status == NN_OK && base[0] == '\0')
        status = NN_ERR_IO;
    const int dir_fd = status == NN_OK ? open_target_dir(area, dir_len, &status) : -1;
    const size_t n = status == NN_OK ? temp_base_length(base) : 0;
    if (status == NN_OK)
        remove_leftovers(dir_fd, area->scratch, base, n);
    if (status == NN_OK && mode < 0)
        status = new_file_mode(dir_fd, area, base, n, &mode);
    const int fd = status == NN_OK ? create_temp(dir_fd, area, base, n, &status) : -1;
    if (fd >= 0) {
        status = write_and_rename(net, x, area, dir_fd, fd, base, mode);
        close(fd);
    }
    if (dir_fd >= 0)
        close(dir_fd);
    save_free(net, area);
    return status;
}

struct input {
    int fd;
};

/* Opens a model file: a regular file or a FIFO, or a pipe by its name (such
   as /dev/stdin). Anything else (a directory, a device such as /dev/zero, a
   socket) is refused before it is opened; *why then says so. */
static nn_status input_open(struct input *in, const char *path, size_t *known, const char **why)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno_status();
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
        *why = "not a regular file or a pipe";
        return NN_ERR_IO;
    }
    in->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0)
        return errno_status();
    if (fstat(in->fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode))) {
        close(in->fd);
        *why = "not a regular file or a pipe";
        return NN_ERR_IO;
    }
    /* a size of 0 may be a file of /proc that has text all the same */
    *known = S_ISREG(st.st_mode) && st.st_size > 0 && (uintmax_t)st.st_size < SIZE_MAX
                 ? (size_t)st.st_size
                 : INPUT_SIZE_UNKNOWN;
    return NN_OK;
}

/* Reads up to n bytes; *got is 0 only at the end of the input. */
static nn_status input_read(void *input, char *buf, size_t n, size_t *got)
{
    struct input *in = input;
    if (n > SSIZE_MAX)
        n = SSIZE_MAX;
    for (;;) {
        const ssize_t k = read(in->fd, buf, n);
        if (k >= 0) {
            *got = (size_t)k;
            return NN_OK;
        }
        if (errno != EINTR)
            return errno_status();
    }
}

static void input_close(struct input *in)
{
    close(in->fd);
}

#else
/* The stdio version: no links, locks, modes or directory syncs. */

/* Creates a new temporary beside the target: temp holds the target's
   directory (dir_len bytes) and receives the temporary's name. */
static FILE *create_temp_stdio(char *temp, size_t dir_len, const char *base, size_t n)
{
    FILE *fp = NULL;
    for (unsigned attempt = 0; attempt < TEMP_ATTEMPTS && fp == NULL; attempt++) {
        const uint64_t random = mix64(mix64((uint64_t)time(NULL) ^ ((uint64_t)attempt << 56)) ^
                                      mix64((uint64_t)clock()) ^ (uint64_t)(uintptr_t)&fp);
        temp_name(temp + dir_len, base, n, random);
        fp = fopen(temp, "wbx"); /* C11: fails if the file exists */
    }
    return fp;
}

/* Writes the model to fp, closes it and renames temp over path; on failure
   the temporary is removed. 1 when the model is in place. */
static int write_and_rename_stdio(const nn_t *net, const struct nn__model_extras *x, FILE *fp,
                                  char *stage, const char *temp, const char *path)
{
    (void)setvbuf(fp, NULL, _IONBF, 0); /* the text is staged already */
    struct nn__writer w;
    nn__writer_file(&w, fp, stage, SAVE_STAGE_BYTES);
    int ok = write_model_out(net, x, &w) && fflush(fp) == 0 && !ferror(fp);
    ok = fclose(fp) == 0 && ok;
    if (ok && rename(temp, path) != 0) {
#if defined(_WIN32)
        /* Windows does not rename over an existing file */
        ok = remove(path) == 0 && rename(temp, path) == 0;
#else
        ok = 0;
#endif
    }
    if (!ok)
        remove(temp);
    return ok;
}

static nn_status save_file(const nn_t *net, const struct nn__model_extras *x, const char *path)
{
    size_t dir_len = strlen(path);
    while (dir_len > 0 && path[dir_len - 1] != '/' && path[dir_len - 1] != '\\')
        dir_len--;
    const char *base = path + dir_len;
    if (base[0] == '\0')
        return NN_ERR_IO;
    char *stage = save_alloc(net, SAVE_STAGE_BYTES + dir_len + TEMP_NAME_MAX + 1);
    if (stage == NULL)
        return NN_ERR_NO_MEMORY;
    char *temp = stage + SAVE_STAGE_BYTES;
    memcpy(temp, path, dir_len);
    FILE *fp = create_temp_stdio(temp, dir_len, base, temp_base_length(base));
    const int ok = fp != NULL && write_and_rename_stdio(net, x, fp, stage, temp, path);
    save_free(net, stage);
    return ok ? NN_OK : NN_ERR_IO;
}

struct input {
    FILE *fp;
};

static nn_status input_open(struct input *in, const char *path, size_t *known, const char **why)
{
    (void)why;
    in->fp = fopen(path, "rb");
    *known = INPUT_SIZE_UNKNOWN;
    return in->fp != NULL ? NN_OK : NN_ERR_IO;
}

static nn_status input_read(void *input, char *buf, size_t n, size_t *got)
{
    struct input *in = input;
    *got = fread(buf, 1, n, in->fp);
    return *got == 0 && ferror(in->fp) ? NN_ERR_IO : NN_OK;
}

static void input_close(struct input *in)
{
    fclose(in->fp);
}
#endif

nn_status nn_save(const nn_t *net, const char *path)
{
    if (net == NULL || path == NULL)
        return NN_ERR_NULL_ARG;
    nn_status status = nn__check_savable(net);
    if (status != NN_OK)
        return status;
    if (path[0] == '\0')
        return NN_ERR_IO;
    return save_file(net, NULL, path);
}

nn_status nn_save_checkpoint(const nn_t *net, const nn_optimizer_t *opt, const char *path)
{
    if (net == NULL || opt == NULL || path == NULL)
        return NN_ERR_NULL_ARG;
    nn_status status = nn__check_savable(net);
    if (status == NN_OK)
        status = nn__check_checkpoint(net, opt);
    if (status != NN_OK)
        return status;
    if (path[0] == '\0')
        return NN_ERR_IO;
    const struct nn__model_extras x = {opt, NULL, NULL, NULL};
    return save_file(net, &x, path);
}

nn_status nn__save_extras(const nn_t *net, const struct nn__model_extras *x, const char *path)
{
    nn_status status = nn__check_savable(net);
    if (status == NN_OK)
        status = nn__check_checkpoint(net, x->optimizer);
    if (status == NN_OK && path[0] == '\0')
        status = NN_ERR_IO;
    return status == NN_OK ? save_file(net, x, path) : status;
}

/* The parallel arrays of nn_load_ex(): every entry present, every name valid. */
static nn_status check_customs(const struct customs *c)
{
    if (c->n == 0)
        return NN_OK;
    if (c->names == NULL || c->fs == NULL || c->dfs == NULL)
        return NN_ERR_NULL_ARG;
    for (size_t i = 0; i < c->n; i++) {
        if (c->names[i] == NULL || c->fs[i] == NULL || c->dfs[i] == NULL)
            return NN_ERR_NULL_ARG;
        size_t n = 0;
        while (n <= NN_MAX_NAME && c->names[i][n] != '\0')
            n++;
        if (!nn__valid_name(c->names[i], n))
            return NN_ERR_NAME;
    }
    return NN_OK;
}

/* The window through which a file is read comes from the caller's allocator
   when the options give one. */
static void *window_alloc(const struct load_settings *settings, size_t size)
{
    return settings->alloc != NULL ? settings->alloc(settings->alloc_context, size)
                                   : malloc(size);
}

static void window_free(const struct load_settings *settings, void *window)
{
    if (settings->alloc != NULL)
        settings->dealloc(settings->alloc_context, window);
    else
        free(window);
}

/* Opens the file at path for p, with a window of NN__MODEL_WINDOW_BYTES. */
static nn_status open_stream(struct nn__parser *p, struct nn__stream *stream, struct input *in,
                             const char *path, const struct load_settings *settings)
{
    size_t known = INPUT_SIZE_UNKNOWN;
    const char *why = NULL;
    nn_status status = input_open(in, path, &known, &why);
    if (status != NN_OK) {
        nn__set_message(p->msg, p->msg_size, why != NULL ? why : nn_strerror(status));
        return status;
    }
    if (known != INPUT_SIZE_UNKNOWN)
        status = nn__check_max_bytes(known, settings->max_bytes, p->msg, p->msg_size);
    if (status != NN_OK) {
        input_close(in);
        return status;
    }
    stream->cap = NN__MODEL_WINDOW_BYTES;
    stream->buf = window_alloc(settings, stream->cap);
    stream->at_end = 0;
    stream->read = input_read;
    stream->input = in;
    if (stream->buf == NULL) {
        input_close(in);
        nn__set_message(p->msg, p->msg_size, nn_strerror(NN_ERR_NO_MEMORY));
        return NN_ERR_NO_MEMORY;
    }
    p->data = stream->buf;
    p->total = known != INPUT_SIZE_UNKNOWN ? known : 0;
    p->stream = stream;
    return NN_OK;
}

/* Loads from size bytes at data or, when data is NULL, from the file at
   path, read through a window of NN__MODEL_WINDOW_BYTES: loading a file
   needs that besides the network. */
static nn_status load(nn_t **out, const char *data, size_t size, const char *path,
                      const struct load_settings *settings, struct nn__model_extras *x,
                      char *msg, size_t msg_size)
{
    struct nn__parser p;
    memset(&p, 0, sizeof p);
    p.data = data;
    p.size = size;
    p.total = size;
    p.max_bytes = settings->max_bytes;
    p.msg = msg;
    p.msg_size = msg_size;
    struct input in;
    struct nn__stream stream;
    nn_status status = data != NULL ? nn__check_max_bytes(size, p.max_bytes, msg, msg_size)
                                    : open_stream(&p, &stream, &in, path, settings);
    if (status != NN_OK)
        return status;
    nn__set_message(msg, msg_size, "");
    status = nn__read_model(&p, settings, x, out);
    if (status != NN_OK && status != NN_ERR_FORMAT && status != NN_ERR_UNKNOWN_NAME &&
        status != NN_ERR_TOO_LARGE && status != NN_ERR_LOSS_OUTPUT)
        nn__set_message(msg, msg_size, nn_strerror(status));
    if (p.stream != NULL) {
        input_close(&in);
        window_free(settings, stream.buf);
    }
    return status;
}

/* The checks every loader makes before reading: *out is NULL from here on. */
static nn_status check_load_args(nn_t **out, const void *source, const char *msg,
                                 size_t msg_size)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL || source == NULL || (msg == NULL && msg_size > 0))
        return NN_ERR_NULL_ARG;
    return NN_OK;
}

/* The settings of `options`, after the checks every loader makes. */
static nn_status options_settings(nn_t **out, const void *source,
                                  const nn_load_options_t *options, char *msg, size_t msg_size,
                                  struct load_settings *settings)
{
    nn__load_settings(options, settings);
    const nn_status status = check_load_args(out, source, msg, msg_size);
    if (status != NN_OK)
        nn__set_message(msg, msg_size, nn_strerror(status));
    return status;
}

nn_status nn_load_buffer_with(nn_t **out, const char *data, size_t size,
                              const nn_load_options_t *options, char *msg, size_t msg_size)
{
    struct load_settings settings;
    const nn_status status = options_settings(out, data, options, msg, msg_size, &settings);
    return status != NN_OK ? status : load(out, data, size, NULL, &settings, NULL, msg, msg_size);
}

nn_status nn_load_with(nn_t **out, const char *path, const nn_load_options_t *options,
                       char *msg, size_t msg_size)
{
    struct load_settings settings;
    const nn_status status = options_settings(out, path, options, msg, msg_size, &settings);
    return status != NN_OK ? status : load(out, NULL, 0, path, &settings, NULL, msg, msg_size);
}

/* The old loaders' arrays as settings, checked; the rest are defaults. */
static nn_status legacy_settings(nn_t **out, const void *source, size_t n_custom,
                                 const char *const *names, const nn_activation_fn *fs,
                                 const nn_activation_deriv_fn *dfs, void *const *contexts,
                                 char *msg, size_t msg_size, struct load_settings *settings)
{
    nn__load_settings(NULL, settings);
    const struct customs customs = {n_custom, NULL, names, fs, dfs, contexts};
    settings->customs = customs;
    nn_status status = check_load_args(out, source, msg, msg_size);
    if (status == NN_OK)
        status = check_customs(&settings->customs);
    if (status != NN_OK)
        nn__set_message(msg, msg_size, nn_strerror(status));
    return status;
}

nn_status nn_load_buffer_ex(nn_t **out, const char *data, size_t size, size_t n_custom,
                            const char *const *names, const nn_activation_fn *fs,
                            const nn_activation_deriv_fn *dfs, void *const *contexts, char *msg,
                            size_t msg_size)
{
    struct load_settings settings;
    const nn_status status = legacy_settings(out, data, n_custom, names, fs, dfs, contexts, msg,
                                             msg_size, &settings);
    return status != NN_OK ? status : load(out, data, size, NULL, &settings, NULL, msg, msg_size);
}

nn_status nn_load_buffer(nn_t **out, const char *data, size_t size)
{
    return nn_load_buffer_with(out, data, size, NULL, NULL, 0);
}

nn_status nn_load_ex(nn_t **out, const char *path, size_t n_custom, const char *const *names,
                     const nn_activation_fn *fs, const nn_activation_deriv_fn *dfs,
                     void *const *contexts, char *msg, size_t msg_size)
{
    struct load_settings settings;
    const nn_status status = legacy_settings(out, path, n_custom, names, fs, dfs, contexts, msg,
                                             msg_size, &settings);
    return status != NN_OK ? status : load(out, NULL, 0, path, &settings, NULL, msg, msg_size);
}

nn_status nn_load(nn_t **out, const char *path)
{
    return nn_load_with(out, path, NULL, NULL, 0);
}

/* The checkpoint loaders: from size bytes at data or, when data is NULL,
   from the file at path (source is the one given, checked for NULL). *net
   and *opt change only on success; *opt is NULL for a file without an
   optimiser. */
static nn_status load_checkpoint(nn_t **net, nn_optimizer_t **opt, const void *source,
                                 const char *data, size_t size, const char *path,
                                 const nn_load_options_t *options, char *msg, size_t msg_size)
{
    if (net == NULL || opt == NULL || source == NULL || (msg == NULL && msg_size > 0)) {
        nn__set_message(msg, msg_size, nn_strerror(NN_ERR_NULL_ARG));
        return NN_ERR_NULL_ARG;
    }
    struct load_settings settings;
    nn__load_settings(options, &settings);
    struct nn__model_extras x = {NULL, NULL, NULL, NULL};
    nn_t *loaded = NULL;
    const nn_status status = load(&loaded, data, size, path, &settings, &x, msg, msg_size);
    if (status == NN_OK) {
        *net = loaded;
        *opt = x.loaded_optimizer;
        x.loaded_optimizer = NULL;
        nn__release_extras(&x); /* a trainer's state (nn_trainer_load()'s) is dropped here */
    }
    return status;
}

nn_status nn__load_extras(nn_t **out, const char *path, struct nn__model_extras *x)
{
    struct load_settings settings;
    nn__load_settings(NULL, &settings);
    *out = NULL;
    return load(out, NULL, 0, path, &settings, x, NULL, 0); /* releases x on failure */
}

nn_status nn_load_checkpoint_buffer_with(nn_t **net, nn_optimizer_t **opt, const char *data,
                                         size_t size, const nn_load_options_t *options,
                                         char *message, size_t message_size)
{
    return load_checkpoint(net, opt, data, data, size, NULL, options, message, message_size);
}

nn_status nn_load_checkpoint_with(nn_t **net, nn_optimizer_t **opt, const char *path,
                                  const nn_load_options_t *options, char *message,
                                  size_t message_size)
{
    return load_checkpoint(net, opt, path, NULL, 0, path, options, message, message_size);
}

nn_status nn_load_checkpoint_buffer(nn_t **net, nn_optimizer_t **opt, const char *data,
                                    size_t size)
{
    return nn_load_checkpoint_buffer_with(net, opt, data, size, NULL, NULL, 0);
}

nn_status nn_load_checkpoint(nn_t **net, nn_optimizer_t **opt, const char *path)
{
    return nn_load_checkpoint_with(net, opt, path, NULL, NULL, 0);
}
