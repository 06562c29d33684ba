/* Model files: writing and reading the text format specified in
   docs/format.md.

   Numbers are C99 hexadecimal floating-point constants. They are formatted
   and parsed here, bit by bit, without printf or strtod, so the result never
   depends on the locale and a round trip restores every bit of every double.

   Reading is written for untrusted input: every access is bounded by the
   input's length (which need not be NUL-terminated), every count is checked
   against the limits of nn_create(), against the caps on the input's length
   and (when that length is known: a buffer or a regular file) against the
   bytes that remain before anything is allocated, and every failure releases
   what was allocated. */

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

#include "hexfloat.h"
#include "internal.h"
#include "activation.h"
#include "load_options.h"
#include "names.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__GNUC__)
#define IO_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define IO_PRINTF(fmt_index, first_arg)
#endif

#define FORMAT_MAGIC "backprop-model"
#define FORMAT_VERSION 1

/* The shortest text one number can have is "0x0p0" followed by at least one
   separator (a later line always follows the numbers: at least "end"). */
#define MIN_NUMBER_BYTES 6

/* ---- names of settings ---- */

/* The loss, activation and bias words are the library's names
   (nn_loss_name() and the others), so the file and the API cannot disagree.
   The frozen words are the file's own, indexed by (frozen weights) +
   2 * (frozen biases). */
static const char *frozen_word(int index)
{
    static const char *const words[] = {"none", "weights", "biases", "both"};
    return index >= 0 && index < 4 ? words[index] : NULL;
}

/* ---- writing ---- */

/* Where the text goes: a caller's buffer, a file through a staging buffer,
   or nowhere (counting only). */
struct sink {
    char *buf;         /* the caller's buffer (nn_save_buffer), or NULL */
    char *stage;       /* file output collects here, SAVE_STAGE_BYTES at a time, */
    size_t staged;     /* (bytes waiting in stage) */
    int (*write_out)(void *file, const char *data, size_t n); /* and leaves through this (1: written) */
    void *file;
    size_t len;        /* bytes produced so far */
    int overflow;      /* the length does not fit in size_t */
    int failed;        /* a write to the file failed */
};

#define SAVE_STAGE_BYTES 65536

static void sink_flush(struct sink *s)
{
    if (s->staged > 0 && !s->failed && !s->write_out(s->file, s->stage, s->staged))
        s->failed = 1;
    s->staged = 0;
}

static void emit(struct sink *s, const char *text, size_t n)
{
    if (s->overflow || n > SIZE_MAX - s->len) {
        s->overflow = 1;
        return;
    }
    if (s->buf != NULL)
        memcpy(s->buf + s->len, text, n);
    s->len += n;
    while (s->stage != NULL && n > 0) {
        if (s->staged == SAVE_STAGE_BYTES)
            sink_flush(s);
        const size_t room = SAVE_STAGE_BYTES - s->staged;
        const size_t k = n < room ? n : room;
        memcpy(s->stage + s->staged, text, k);
        s->staged += k;
        text += k;
        n -= k;
    }
}

static void emit_str(struct sink *s, const char *text)
{
    emit(s, text, strlen(text));
}

static void emit_uint(struct sink *s, uint64_t v)
{
    char tmp[24];
    emit(s, tmp, nn__format_uint(v, tmp));
}

/* n numbers separated by single spaces, then a newline. */
static void emit_numbers(struct sink *s, const double *x, size_t n)
{
    char tmp[1 + NN_HEX_DOUBLE_MAX]; /* a space and a number */
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        if (i > 0)
            tmp[len++] = ' ';
        len += nn__format_hex_double(x[i], tmp + len);
        emit(s, tmp, len);
    }
    emit(s, "\n", 1);
}

static size_t layer_bias_count(const struct nn_layer *l)
{
    return l->bias_mode == NN_BIAS_SHARED ? 1 : l->n_out;
}

/* Checks what saving needs: finite parameters and names for every setting. */
static nn_status check_savable(const nn_t *net)
{
    if (nn_loss_name(net->loss) == NULL)
        return NN_ERR_LOSS;
    for (size_t k = 1; k < net->n_layers; k++) {
        const struct nn_layer *l = &net->layers[k];
        if (nn_get_activation_name(net, k) == NULL)
            return NN_ERR_ACTIVATION;
        if (!nn__all_finite(l->w, l->n_out * l->n_in) ||
            !nn__all_finite(l->b, layer_bias_count(l)))
            return NN_ERR_PARAMS_NOT_FINITE;
    }
    return NN_OK;
}

static void write_model(const nn_t *net, struct sink *s)
{
    emit_str(s, FORMAT_MAGIC " 1\n"
                "# libbackprop model; numbers are C99 hexadecimal floating-point constants\n");
    emit_str(s, "layers ");
    emit_uint(s, net->n_layers);
    emit_str(s, "\nsizes");
    for (size_t k = 0; k < net->n_layers; k++) {
        emit_str(s, " ");
        emit_uint(s, net->layers[k].n_out);
    }
    emit_str(s, "\nloss ");
    emit_str(s, nn_loss_name(net->loss));
    emit_str(s, "\n");
    for (size_t k = 1; k < net->n_layers; k++) {
        const struct nn_layer *l = &net->layers[k];
        emit_str(s, "\nlayer ");
        emit_uint(s, k);
        emit_str(s, "\nactivation ");
        if (l->activation == NN_ACT_CUSTOM)
            emit_str(s, "custom ");
        emit_str(s, nn_get_activation_name(net, k));
        emit_str(s, "\nbias ");
        emit_str(s, nn_bias_mode_name(l->bias_mode));
        emit_str(s, "\nfrozen ");
        emit_str(s, frozen_word((l->frozen_weights != 0) + 2 * (l->frozen_biases != 0)));
        emit_str(s, "\nweights ");
        emit_uint(s, l->n_out);
        emit_str(s, " ");
        emit_uint(s, l->n_in);
        emit_str(s, "\n");
        for (size_t j = 0; j < l->n_out; j++)
            emit_numbers(s, l->w + j * l->n_in, l->n_in);
        emit_str(s, "biases ");
        emit_uint(s, layer_bias_count(l));
        emit_str(s, "\n");
        emit_numbers(s, l->b, layer_bias_count(l));
    }
    emit_str(s, "end\n");
}

nn_status nn_save_buffer(const nn_t *net, char *buf, size_t size, size_t *length)
{
    if (net == NULL || length == NULL || (buf == NULL && size > 0))
        return NN_ERR_NULL_ARG;
    nn_status status = check_savable(net);
    if (status != NN_OK) {
        *length = 0;
        return status;
    }
    struct sink count = {NULL, NULL, 0, NULL, NULL, 0, 0, 0};
    write_model(net, &count);
    if (count.overflow) {
        *length = SIZE_MAX;
        return NN_ERR_BUFFER_SIZE;
    }
    *length = count.len;
    if (count.len >= size)
        return NN_ERR_BUFFER_SIZE;
    struct sink out = {buf, NULL, 0, NULL, NULL, 0, 0, 0};
    write_model(net, &out);
    buf[out.len] = '\0';
    return NN_OK;
}

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

/* Writes the model through write_out, staging it in `stage`; 1 when every
   byte was written. */
static int write_model_out(const nn_t *net, char *stage,
                           int (*write_out)(void *file, const char *data, size_t n), void *file)
{
    struct sink out = {NULL, stage, 0, write_out, file, 0, 0, 0};
    write_model(net, &out);
    sink_flush(&out);
    return !out.failed && !out.overflow;
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

static int write_fd(void *file, const char *data, size_t n)
{
    const int fd = *(const int *)file;
    while (n > 0) {
        const ssize_t k = write(fd, data, n);
        if (k <= 0) {
            if (k < 0 && errno == EINTR)
                continue;
            return 0;
        }
        data += k;
        n -= (size_t)k;
    }
    return 1;
}

static nn_status save_file(const nn_t *net, const char *path)
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
    int dir_fd = -1;
    if (status == NN_OK) {
        if (dir_len == 0) {
            memcpy(area->scratch, ".", 2);
        } else {
            memcpy(area->scratch, area->target, dir_len);
            area->scratch[dir_len] = '\0';
        }
        dir_fd = open(area->scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
            status = errno_status();
    }
    const size_t n = status == NN_OK ? temp_base_length(base) : 0;
    if (status == NN_OK)
        remove_leftovers(dir_fd, area->scratch, base, n);
    if (status == NN_OK && mode < 0)
        status = new_file_mode(dir_fd, area, base, n, &mode);
    int fd = -1;
    if (status == NN_OK)
        fd = create_temp(dir_fd, area, base, n, &status);
    if (fd >= 0) {
        errno = 0;
        /* the final mode only after the last byte, just before the rename */
        const int ok = write_model_out(net, area->stage, write_fd, &fd) &&
                       fchmod(fd, (mode_t)mode) == 0 && fsync(fd) == 0 &&
                       renameat(dir_fd, area->temp, dir_fd, base) == 0;
        if (!ok) {
            status = errno_status();
            (void)unlinkat(dir_fd, area->temp, 0);
        } else if (fsync(dir_fd) != 0 && errno != EINVAL && errno != ENOTSUP) {
            /* the new model is in place, but the rename may not survive a
               power cut; file systems that cannot sync a directory say EINVAL */
            status = NN_ERR_IO;
        }
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
static nn_status input_read(struct input *in, char *buf, size_t n, size_t *got)
{
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

static int write_stdio(void *file, const char *data, size_t n)
{
    return fwrite(data, 1, n, (FILE *)file) == n;
}

static nn_status save_file(const nn_t *net, const char *path)
{
    const size_t len = strlen(path);
    size_t dir_len = len;
    while (dir_len > 0 && path[dir_len - 1] != '/' && path[dir_len - 1] != '\\')
        dir_len--;
    const char *base = path + dir_len;
    if (base[0] == '\0')
        return NN_ERR_IO;
    const size_t n = temp_base_length(base);
    char *stage = save_alloc(net, SAVE_STAGE_BYTES + dir_len + TEMP_NAME_MAX + 1);
    if (stage == NULL)
        return NN_ERR_NO_MEMORY;
    char *temp = stage + SAVE_STAGE_BYTES;
    memcpy(temp, path, dir_len);
    FILE *fp = NULL;
    for (unsigned attempt = 0; attempt < TEMP_ATTEMPTS && fp == NULL; attempt++) {
        const uint64_t random = mix64(mix64((uint64_t)time(NULL) ^ ((uint64_t)attempt << 56)) ^
                                      mix64((uint64_t)clock()) ^ (uint64_t)(uintptr_t)&fp);
        temp_name(temp + dir_len, base, n, random);
        fp = fopen(temp, "wbx"); /* C11: fails if the file exists */
    }
    nn_status status = NN_ERR_IO;
    if (fp != NULL) {
        (void)setvbuf(fp, NULL, _IONBF, 0); /* the text is staged already */
        int ok = write_model_out(net, stage, write_stdio, fp) && fflush(fp) == 0 && !ferror(fp);
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
        status = ok ? NN_OK : NN_ERR_IO;
    }
    save_free(net, stage);
    return status;
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

static nn_status input_read(struct input *in, char *buf, size_t n, size_t *got)
{
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
    nn_status status = check_savable(net);
    if (status != NN_OK)
        return status;
    if (path[0] == '\0')
        return NN_ERR_IO;
    return save_file(net, path);
}

/* ---- reading ---- */

/* The caps on an input's length (docs/format.md): the lines before `sizes`
   and the `sizes` line itself each hold at most HEADER_BYTES; the whole
   input ends within HEADER_BYTES of the start of the `sizes` line plus
   BYTES_PER_NUMBER per number and BYTES_PER_LAYER per layer the sizes
   declare. A saved number takes at most 25 bytes with its separator, a
   layer's other lines at most 141 (CRLF line ends included), so every
   network the library can create loads. */
#define HEADER_BYTES 65536
#define BYTES_PER_NUMBER 32
#define BYTES_PER_LAYER 256

/* Before the sizes are known a file is read no further than this: any
   header the caps allow, and one byte more. */
#define PREFIX_BYTES (2 * HEADER_BYTES + 1)
/* The longest word (number, name, count) an input may hold, and the window
   through which a file is read: a word cut by the window's end moves to its
   front, so there is always room for more. */
#define MAX_WORD 65536
#define WINDOW_BYTES (2 * MAX_WORD + 2)

/* Reads until n bytes or the end of the input; *len receives the count. */
static nn_status fill(struct input *in, char *buf, size_t n, size_t *len)
{
    *len = 0;
    while (*len < n) {
        size_t got = 0;
        const nn_status status = input_read(in, buf + *len, n - *len, &got);
        if (status != NN_OK)
            return status;
        if (got == 0)
            break;
        *len += got;
    }
    return NN_OK;
}

/* A file read a window at a time (see refill()). */
struct stream {
    struct input in;
    char *buf;
    size_t cap;  /* bytes at buf */
    int at_end;  /* the input has no more bytes */
};

struct parser {
    const char *data;  /* the bytes at hand: the whole input, or a stream's window */
    size_t size;       /* bytes at data */
    size_t base;       /* offset in the input of data[0] */
    size_t total;      /* bytes of the whole input; 0: not known (a pipe) */
    struct stream *stream;   /* NULL when data is the whole input */
    nn_status stream_status; /* reading the stream failed */
    uint64_t limit;    /* the most bytes the input may hold (0 until the sizes are read) */
    int have_sizes;    /* the `sizes` line was read */
    size_t sizes_line; /* its number */
    int over;          /* a line before `sizes` begins beyond HEADER_BYTES */
    int too_long;      /* the input holds more than `limit` bytes */
    size_t max_bytes;  /* the caller's cap (nn_load_options_set_max_bytes()); SIZE_MAX: none */
    int over_max;      /* the input holds more than `max_bytes` bytes */
    size_t long_word;  /* the line of the first word longer than MAX_WORD (0: none) */
    int partial;       /* the current line goes on past `end`, in the stream */
    size_t line_offset; /* offset in the input of the current line */
    size_t next;       /* offset in data of the first byte of the next line */
    size_t line;     /* number of the current line, from 1 */
    const char *cur; /* next unread byte of the current line */
    const char *end; /* end of the current line (its '\n' or the end of the input) */
    char *msg;
    size_t msg_size;
    /* The first activation name that could not be resolved. It is reported
       only if the rest of the input is well formed: a malformed input is a
       format error even when it also names an unknown activation. */
    size_t unknown_line; /* 0: none */
    int unknown_custom;  /* written "activation custom NAME" */
    char unknown_name[48];
};

/* A token made printable for an error message, shortened if long. */
struct quoted {
    char text[48];
};

static struct quoted quote(const char *t, size_t n)
{
    struct quoted q;
    const size_t keep = n > 32 ? 32 : n;
    for (size_t i = 0; i < keep; i++)
        q.text[i] = (t[i] >= 0x20 && t[i] < 0x7f) ? t[i] : '?';
    if (keep < n) {
        memcpy(q.text + keep, "...", 4);
    } else {
        q.text[keep] = '\0';
    }
    return q;
}

static void set_message(char *msg, size_t msg_size, const char *text)
{
    if (msg != NULL && msg_size > 0) {
        const size_t n = strlen(text);
        const size_t keep = n < msg_size - 1 ? n : msg_size - 1;
        memcpy(msg, text, keep);
        msg[keep] = '\0';
    }
}

static nn_status fail(struct parser *p, nn_status status, size_t line, const char *fmt, ...)
    IO_PRINTF(4, 5);

/* Writes "line N: <reason>" to the caller's message buffer. */
static nn_status fail(struct parser *p, nn_status status, size_t line, const char *fmt, ...)
{
    /* when the parser stopped at a cap or a read error, that is what went wrong */
    if (p->stream_status != NN_OK) {
        set_message(p->msg, p->msg_size, nn_strerror(p->stream_status));
        return p->stream_status;
    }
    if (p->over_max) {
        if (p->msg != NULL && p->msg_size > 0)
            snprintf(p->msg, p->msg_size, "the input is longer than the %zu bytes allowed",
                     p->max_bytes);
        return NN_ERR_TOO_LARGE;
    }
    if (p->over) {
        if (p->msg != NULL && p->msg_size > 0)
            snprintf(p->msg, p->msg_size,
                     "line %zu: more than %d bytes before the 'sizes' line", p->line + 1,
                     HEADER_BYTES);
        return NN_ERR_FORMAT;
    }
    if (p->long_word) {
        if (p->msg != NULL && p->msg_size > 0)
            snprintf(p->msg, p->msg_size, "line %zu: a word longer than %d bytes",
                     p->long_word, MAX_WORD);
        return NN_ERR_FORMAT;
    }
    if (p->too_long) {
        if (p->msg != NULL && p->msg_size > 0)
            snprintf(p->msg, p->msg_size,
                     "line %zu: the input is longer than the %llu bytes these sizes allow (%d "
                     "from the start of this line, %d per number and %d per layer)",
                     p->sizes_line, (unsigned long long)p->limit, HEADER_BYTES,
                     BYTES_PER_NUMBER, BYTES_PER_LAYER);
        return NN_ERR_FORMAT;
    }
    if (p->msg != NULL && p->msg_size > 0) {
        const int n = snprintf(p->msg, p->msg_size, "line %zu: ", line);
        if (n > 0 && (size_t)n < p->msg_size) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(p->msg + n, p->msg_size - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return status;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Reads more of a stream into its window, keeping the bytes from data[from]
   on (an unfinished word), which move to the front. Reading stops at
   PREFIX_BYTES until the sizes are known (a longer header breaks the caps,
   which the parser then reports), and one byte past the limit after. 1 when
   bytes were added; nothing changes otherwise. */
static int refill(struct parser *p, size_t from)
{
    struct stream *s = p->stream;
    if (s == NULL || s->at_end || p->stream_status != NN_OK || p->too_long || p->over_max)
        return 0;
    const size_t keep = p->size - from;
    uint64_t stop = p->limit != 0 ? p->limit + 1 : PREFIX_BYTES;
    if ((uint64_t)p->max_bytes < stop - 1)
        stop = (uint64_t)p->max_bytes + 1;
    if ((uint64_t)p->base + p->size >= stop) {
        p->too_long = p->limit != 0;
        return 0;
    }
    memmove(s->buf, s->buf + from, keep);
    p->base += from;
    p->next = p->next > from ? p->next - from : 0;
    p->size = keep;
    size_t room = s->cap - keep;
    if ((uint64_t)p->base + keep + room > stop)
        room = (size_t)(stop - p->base - keep);
    size_t got = 0;
    p->stream_status = fill(&s->in, s->buf + keep, room, &got);
    s->at_end = got < room;
    p->size = keep + got;
    if ((uint64_t)p->base + p->size > p->max_bytes)
        p->over_max = 1;
    else if (p->limit != 0 && (uint64_t)p->base + p->size > p->limit)
        p->too_long = 1;
    return p->stream_status == NN_OK && !p->too_long && !p->over_max && got > 0;
}

/* Sets end and next for the line whose unread part starts at data[from]. */
static void find_line_end(struct parser *p, size_t from)
{
    const char *nl = memchr(p->data + from, '\n', p->size - from);
    p->end = nl != NULL ? nl : p->data + p->size;
    p->next = nl != NULL ? (size_t)(nl - p->data) + 1 : p->size;
    p->partial = nl == NULL && p->stream != NULL && !p->stream->at_end;
}

/* The current line goes on past what is at hand: reads more of it, keeping
   the bytes from `from` on, which move to data[0]. 0 when nothing more could
   be read: the line then ends where it is. */
static int continue_line(struct parser *p, const char *from)
{
    const size_t kept = (size_t)(p->end - from);
    if (!refill(p, (size_t)(from - p->data))) {
        p->partial = 0;
        return 0;
    }
    find_line_end(p, kept);
    return 1;
}

/* Moves to the next physical line; 0 at the end of the input. */
static int advance_line(struct parser *p)
{
    while (p->partial && continue_line(p, p->end))
        ; /* the rest of a line not read to its end */
    if (!p->have_sizes && p->base + p->next > HEADER_BYTES) {
        p->over = 1;
        return 0;
    }
    if (p->next >= p->size && !refill(p, p->size))
        return 0;
    p->line_offset = p->base + p->next;
    p->cur = p->data + p->next;
    find_line_end(p, p->next);
    p->line++;
    return 1;
}

/* Moves to the next line that holds more than blanks and a comment. */
static int next_content_line(struct parser *p)
{
    while (advance_line(p)) {
        const char *c = p->cur;
        while (c < p->end && is_blank(*c))
            c++;
        if (c < p->end && *c != '#') {
            p->cur = c;
            return 1;
        }
    }
    return 0;
}

/* The next token of the current line; 0 at its end or at a comment. */
static int next_token(struct parser *p, const char **tok, size_t *len)
{
    const char *c = p->cur;
    for (;;) {
        while (c < p->end && is_blank(*c))
            c++;
        if (c < p->end || !p->partial || !continue_line(p, c))
            break;
        c = p->data;
    }
    if (c == p->end || *c == '#') {
        p->cur = p->end;
        return 0;
    }
    const char *start = c;
    for (;;) {
        while (c < p->end && !is_blank(*c) && (size_t)(c - start) <= MAX_WORD)
            c++;
        if ((size_t)(c - start) > MAX_WORD) {
            if (p->long_word == 0)
                p->long_word = p->line;
            break;
        }
        const size_t n = (size_t)(c - start);
        if (c < p->end || !p->partial || !continue_line(p, start))
            break;
        start = p->data;
        c = start + n;
    }
    *tok = start;
    *len = (size_t)(c - start);
    p->cur = c;
    return 1;
}

static int token_is(const char *t, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(t, word, n) == 0;
}

/* Decimal digits only; saturates at UINT64_MAX. */
static int parse_count(const char *t, size_t n, uint64_t *value)
{
    uint64_t v = 0;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9')
            return 0;
        const uint64_t d = (uint64_t)(t[i] - '0');
        v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
    }
    *value = v;
    return 1;
}

/* Reads the next content line, which must begin with `keyword`. */
static nn_status expect_line(struct parser *p, const char *keyword)
{
    const char *t = NULL;
    size_t n = 0;
    if (!next_content_line(p))
        return fail(p, NN_ERR_FORMAT, p->line + 1, "unexpected end of input; expected '%s'",
                    keyword);
    next_token(p, &t, &n);
    if (!token_is(t, n, keyword))
        return fail(p, NN_ERR_FORMAT, p->line, "expected '%s', found '%s'", keyword,
                    quote(t, n).text);
    return NN_OK;
}

/* Reads a word of the current line (what names the value in messages). */
static nn_status expect_word(struct parser *p, const char *what, const char **t, size_t *n)
{
    if (!next_token(p, t, n))
        return fail(p, NN_ERR_FORMAT, p->line, "missing %s", what);
    return NN_OK;
}

static nn_status expect_count(struct parser *p, const char *what, uint64_t *value)
{
    const char *t = NULL;
    size_t n = 0;
    nn_status status = expect_word(p, what, &t, &n);
    if (status == NN_OK && !parse_count(t, n, value))
        status = fail(p, NN_ERR_FORMAT, p->line, "%s '%s' is not a whole number", what,
                      quote(t, n).text);
    return status;
}

static nn_status expect_end_of_line(struct parser *p)
{
    const char *t = NULL;
    size_t n = 0;
    if (next_token(p, &t, &n))
        return fail(p, NN_ERR_FORMAT, p->line, "unexpected '%s' at the end of the line",
                    quote(t, n).text);
    return NN_OK;
}

/* Reads the line "<keyword> <word>", where word is one of words[0 .. n_words-1];
   *index receives its position. */
/* A line "<keyword> <word>" whose word is one of those name_of() gives for
   0, 1, ... until NULL; *index receives the word's number. */
static nn_status expect_choice(struct parser *p, const char *keyword, const char *what,
                               const char *(*name_of)(int), int *index)
{
    const char *t = NULL;
    size_t n = 0;
    nn_status status = expect_line(p, keyword);
    if (status == NN_OK)
        status = expect_word(p, what, &t, &n);
    if (status != NN_OK)
        return status;
    for (int i = 0; name_of(i) != NULL; i++) {
        if (token_is(t, n, name_of(i))) {
            *index = i;
            return expect_end_of_line(p);
        }
    }
    char expected[96] = "";
    for (int i = 0; name_of(i) != NULL; i++) {
        strcat(expected, i == 0 ? "" : name_of(i + 1) != NULL ? ", " : " or ");
        strcat(expected, name_of(i));
    }
    return fail(p, NN_ERR_FORMAT, p->line, "unknown %s '%s' (expected %s)", what,
                quote(t, n).text, expected);
}

/* Reads exactly n numbers, which fill one line, into x. */
static nn_status read_number_line(struct parser *p, double *x, size_t n, const char *what,
                                  size_t layer)
{
    if (!next_content_line(p))
        return fail(p, NN_ERR_FORMAT, p->line + 1,
                    "unexpected end of input; expected the %s of layer %zu", what, layer);
    for (size_t i = 0; i < n; i++) {
        const char *t = NULL;
        size_t len;
        if (!next_token(p, &t, &len))
            return fail(p, NN_ERR_FORMAT, p->line,
                        "%zu numbers where the %s of layer %zu need %zu", i, what, layer, n);
        switch (nn__parse_hex_double(t, len, &x[i])) {
        case NN_NUMBER_OK:
            break;
        case NN_NUMBER_NOT_FINITE:
            return fail(p, NN_ERR_FORMAT, p->line,
                        "'%s' in the %s of layer %zu is not finite; parameters must be finite",
                        quote(t, len).text, what, layer);
        case NN_NUMBER_RANGE:
            return fail(p, NN_ERR_FORMAT, p->line,
                        "'%s' in the %s of layer %zu is beyond the largest finite double",
                        quote(t, len).text, what, layer);
        default:
            return fail(p, NN_ERR_FORMAT, p->line,
                        "'%s' in the %s of layer %zu is not a hexadecimal floating-point "
                        "number such as 0x1.8p+1",
                        quote(t, len).text, what, layer);
        }
    }
    const char *t = NULL;
    size_t len;
    if (next_token(p, &t, &len))
        return fail(p, NN_ERR_FORMAT, p->line, "more than %zu numbers in the %s of layer %zu",
                    n, what, layer);
    return NN_OK;
}

/* The first line: the magic word and the version. */
static nn_status parse_magic(struct parser *p)
{
    const size_t magic_len = sizeof FORMAT_MAGIC - 1;
    const char *t = NULL;
    size_t n = 0;
    if (!advance_line(p))
        return fail(p, NN_ERR_FORMAT, 1, "empty input; expected '" FORMAT_MAGIC " 1'");
    if ((size_t)(p->end - p->cur) < magic_len || memcmp(p->cur, FORMAT_MAGIC, magic_len) != 0 ||
        !next_token(p, &t, &n) || n != magic_len)
        return fail(p, NN_ERR_FORMAT, 1,
                    "not a libbackprop model: the input must begin with '" FORMAT_MAGIC " 1'");
    uint64_t version = 0;
    nn_status status = expect_count(p, "format version", &version);
    if (status != NN_OK)
        return status;
    if (version != FORMAT_VERSION)
        return fail(p, NN_ERR_FORMAT, 1,
                    "format version %llu is not supported; this library reads version %d",
                    (unsigned long long)version, FORMAT_VERSION);
    return expect_end_of_line(p);
}

/* "layers" and "sizes": validated against nn_create()'s limits, against the
   caps on the input's length and against the bytes left before anything is
   allocated. */
static nn_status parse_shape(struct parser *p, size_t *n_layers, size_t *sizes)
{
    uint64_t count = 0;
    nn_status status = expect_line(p, "layers");
    if (status == NN_OK)
        status = expect_count(p, "layer count", &count);
    if (status == NN_OK)
        status = expect_end_of_line(p);
    if (status != NN_OK)
        return status;
    if (count < 2 || count > NN_MAX_LAYERS)
        return fail(p, NN_ERR_FORMAT, p->line,
                    "%llu layers; a network has 2 to NN_MAX_LAYERS (%d) layers",
                    (unsigned long long)count, NN_MAX_LAYERS);
    const size_t layers_line = p->line;
    status = expect_line(p, "sizes");
    if (status != NN_OK)
        return status;
    p->have_sizes = 1;
    p->sizes_line = p->line;
    const size_t sizes_start = p->line_offset;
    uint64_t params = 0, min_numbers = 0;
    size_t k = 0;
    const char *t = NULL;
    size_t n = 0;
    while (next_token(p, &t, &n)) {
        uint64_t size = 0;
        if (k == count)
            return fail(p, NN_ERR_FORMAT, p->line,
                        "more sizes than the %llu layers given on line %zu",
                        (unsigned long long)count, layers_line);
        if (!parse_count(t, n, &size))
            return fail(p, NN_ERR_FORMAT, p->line, "size '%s' is not a whole number",
                        quote(t, n).text);
        if (size == 0)
            return fail(p, NN_ERR_FORMAT, p->line, "layer %zu has 0 units", k);
        if (size > NN_MAX_LAYER_SIZE)
            return fail(p, NN_ERR_FORMAT, p->line,
                        "layer %zu has %s units, more than NN_MAX_LAYER_SIZE (%d)", k,
                        quote(t, n).text, NN_MAX_LAYER_SIZE);
        sizes[k] = (size_t)size;
        if (k > 0) {
            /* both factors are at most 2^24 and there are at most 1023
               layers, so none of these sums can overflow */
            params += (uint64_t)sizes[k] * sizes[k - 1] + sizes[k];
            min_numbers += (uint64_t)sizes[k] * sizes[k - 1] + 1;
            if (params > NN_MAX_PARAMS)
                return fail(p, NN_ERR_FORMAT, p->line,
                            "the sizes give more than NN_MAX_PARAMS (%d) parameters",
                            NN_MAX_PARAMS);
        }
        k++;
    }
    if (p->base + (size_t)(p->cur - p->data) - sizes_start > HEADER_BYTES)
        return fail(p, NN_ERR_FORMAT, p->line, "the 'sizes' line is longer than %d bytes",
                    HEADER_BYTES);
    if (k != count)
        return fail(p, NN_ERR_FORMAT, p->line, "%zu sizes where line %zu announces %llu layers",
                    k, layers_line, (unsigned long long)count);
    p->limit = (uint64_t)sizes_start + HEADER_BYTES + BYTES_PER_NUMBER * params +
               BYTES_PER_LAYER * (count - 1);
    /* for a pipe, the bytes read so far */
    const size_t seen = p->total != 0 ? p->total : p->base + p->size;
    if ((uint64_t)seen > p->limit) {
        p->too_long = 1;
        return fail(p, NN_ERR_FORMAT, p->line, "too long"); /* the message is fail()'s */
    }
    if (p->total != 0) {
        const size_t left = p->total - (p->base + p->next);
        if (min_numbers > left / MIN_NUMBER_BYTES)
            return fail(p, NN_ERR_FORMAT, p->line,
                        "the sizes need at least %llu numbers but only %zu bytes follow",
                        (unsigned long long)min_numbers, left);
    }
    *n_layers = (size_t)count;
    return NN_OK;
}

/* Notes the first unknown activation; the layer keeps its placeholder. */
static nn_status unknown_activation(struct parser *p, const char *t, size_t n, int custom)
{
    if (p->unknown_line == 0) {
        p->unknown_line = p->line;
        p->unknown_custom = custom;
        memcpy(p->unknown_name, quote(t, n).text, sizeof p->unknown_name);
    }
    return expect_end_of_line(p);
}

static nn_status parse_activation(struct parser *p, const struct customs *customs, nn_t *net,
                                  size_t k)
{
    const char *t = NULL;
    size_t n = 0;
    nn_status status = expect_line(p, "activation");
    if (status == NN_OK)
        status = expect_word(p, "activation name", &t, &n);
    if (status != NN_OK)
        return status;
    if (token_is(t, n, "custom")) {
        status = expect_word(p, "custom activation name", &t, &n);
        if (status != NN_OK)
            return status;
        if (!nn__valid_name(t, n))
            return fail(p, NN_ERR_FORMAT, p->line,
                        "'%s' is not a valid activation name (1 to %d characters from "
                        "A-Z a-z 0-9 _ - .)",
                        quote(t, n).text, NN_MAX_NAME);
        struct nn_load_custom c;
        if (!nn__find_custom(customs, t, n, &c))
            return unknown_activation(p, t, n, 1);
        status = nn_set_custom_activation(net, k, c.f, c.df, c.context, c.name);
        return status == NN_OK ? expect_end_of_line(p) : status;
    }
    for (int code = NN_ACT_LINEAR; nn__activation_is_builtin(code); code++) {
        if (token_is(t, n, nn_activation_name(code))) {
            status = nn_set_activation(net, k, code);
            return status == NN_OK ? expect_end_of_line(p) : status;
        }
    }
    return unknown_activation(p, t, n, 0);
}

static nn_status parse_layer(struct parser *p, const struct customs *customs, nn_t *net, size_t k)
{
    struct nn_layer *l = &net->layers[k];
    uint64_t value = 0;
    nn_status status = expect_line(p, "layer");
    if (status == NN_OK)
        status = expect_count(p, "layer number", &value);
    if (status == NN_OK && value != k)
        status = fail(p, NN_ERR_FORMAT, p->line, "expected 'layer %zu', found 'layer %llu'", k,
                      (unsigned long long)value);
    if (status == NN_OK)
        status = expect_end_of_line(p);
    if (status == NN_OK)
        status = parse_activation(p, customs, net, k);
    if (status != NN_OK)
        return status;

    int choice = 0;
    status = expect_choice(p, "bias", "bias convention", nn_bias_mode_name, &choice);
    if (status == NN_OK)
        status = nn_set_bias_mode(net, k, choice);
    if (status == NN_OK)
        status = expect_choice(p, "frozen", "frozen setting", frozen_word, &choice);
    if (status == NN_OK)
        status = nn_set_frozen(net, k, choice & 1, choice >> 1);

    uint64_t rows = 0, cols = 0;
    if (status == NN_OK)
        status = expect_line(p, "weights");
    if (status == NN_OK)
        status = expect_count(p, "row count", &rows);
    if (status == NN_OK)
        status = expect_count(p, "column count", &cols);
    if (status == NN_OK)
        status = expect_end_of_line(p);
    if (status != NN_OK)
        return status;
    if (rows != l->n_out || cols != l->n_in)
        return fail(p, NN_ERR_FORMAT, p->line,
                    "'weights %llu %llu' disagrees with the sizes, which give %zu rows of %zu",
                    (unsigned long long)rows, (unsigned long long)cols, l->n_out, l->n_in);
    for (size_t j = 0; j < l->n_out && status == NN_OK; j++)
        status = read_number_line(p, l->w + j * l->n_in, l->n_in, "weights", k);
    if (status != NN_OK)
        return status;

    const size_t n_biases = layer_bias_count(l);
    status = expect_line(p, "biases");
    if (status == NN_OK)
        status = expect_count(p, "bias count", &value);
    if (status == NN_OK)
        status = expect_end_of_line(p);
    if (status != NN_OK)
        return status;
    if (value != n_biases)
        return fail(p, NN_ERR_FORMAT, p->line,
                    "'biases %llu' disagrees with the layer, which has %zu (bias %s)",
                    (unsigned long long)value, n_biases, nn_bias_mode_name(l->bias_mode));
    return read_number_line(p, l->b, n_biases, "biases", k);
}

static nn_status parse_model(struct parser *p, const struct load_settings *settings, nn_t **out)
{
    size_t n_layers = 0;
    size_t sizes[NN_MAX_LAYERS];
    int activations[NN_MAX_LAYERS];
    int loss = NN_LOSS_HALF_SSE;
    nn_status status = parse_magic(p);
    if (status == NN_OK)
        status = parse_shape(p, &n_layers, sizes);
    int choice = 0;
    if (status == NN_OK)
        status = expect_choice(p, "loss", "loss", nn_loss_name, &choice);
    if (status != NN_OK)
        return status;
    loss = choice;
    const size_t loss_line = p->line;
    for (size_t k = 0; k + 1 < n_layers; k++)
        activations[k] = NN_ACT_LINEAR;
    nn_t *net = NULL;
    if (settings->alloc != NULL)
        status = nn_create_with_allocator(&net, n_layers, sizes, activations, settings->alloc,
                                          settings->dealloc, settings->alloc_context);
    else
        status = nn_create(&net, n_layers, sizes, activations);
    if (status != NN_OK) {
        set_message(p->msg, p->msg_size, nn_strerror(status));
        return status;
    }
    for (size_t k = 1; k < n_layers && status == NN_OK; k++)
        status = parse_layer(p, &settings->customs, net, k);
    if (status == NN_OK)
        status = expect_line(p, "end");
    if (status == NN_OK)
        status = expect_end_of_line(p);
    if (status == NN_OK && next_content_line(p)) {
        const char *t = NULL;
        size_t n = 0;
        next_token(p, &t, &n);
        status = fail(p, NN_ERR_FORMAT, p->line, "unexpected '%s' after 'end'",
                      quote(t, n).text);
    }
    if (status == NN_OK &&
        (p->too_long || p->over_max || p->long_word || p->stream_status != NN_OK))
        status = fail(p, NN_ERR_FORMAT, p->line, "cut short"); /* the message is fail()'s */
    if (status == NN_OK && p->unknown_line != 0)
        status = fail(p, NN_ERR_UNKNOWN_NAME, p->unknown_line,
                      p->unknown_custom
                          ? "the model uses the custom activation '%s', which was not supplied"
                          : "unknown activation '%s' (a custom one is written 'activation "
                            "custom NAME')",
                      p->unknown_name);
    /* the loss once the output layer's activation is known: they must fit */
    if (status == NN_OK && nn_set_loss(net, loss) != NN_OK)
        status = fail(p, NN_ERR_LOSS_OUTPUT, loss_line,
                      "the loss '%s' needs outputs in (0, 1], which the output activation '%s' "
                      "does not give (use sigmoid or softmax)",
                      nn_loss_name(loss), nn_activation_name(nn_get_activation(net, n_layers - 1)));
    if (status != NN_OK) {
        nn_free(net);
        return status;
    }
    *out = net;
    return NN_OK;
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

/* Fails before anything is read or allocated when the input's length is
   known and beyond the caller's cap. */
static nn_status check_max_bytes(size_t size, size_t max_bytes, char *msg, size_t msg_size)
{
    if (size <= max_bytes)
        return NN_OK;
    if (msg != NULL && msg_size > 0)
        snprintf(msg, msg_size, "the input is longer than the %zu bytes allowed", max_bytes);
    return NN_ERR_TOO_LARGE;
}

/* Opens the file at path for p, with a window of WINDOW_BYTES. */
static nn_status open_stream(struct parser *p, struct stream *stream, const char *path,
                             const struct load_settings *settings)
{
    size_t known = INPUT_SIZE_UNKNOWN;
    const char *why = NULL;
    nn_status status = input_open(&stream->in, path, &known, &why);
    if (status != NN_OK) {
        set_message(p->msg, p->msg_size, why != NULL ? why : nn_strerror(status));
        return status;
    }
    if (known != INPUT_SIZE_UNKNOWN)
        status = check_max_bytes(known, settings->max_bytes, p->msg, p->msg_size);
    if (status != NN_OK) {
        input_close(&stream->in);
        return status;
    }
    stream->cap = WINDOW_BYTES;
    stream->buf = window_alloc(settings, stream->cap);
    stream->at_end = 0;
    if (stream->buf == NULL) {
        input_close(&stream->in);
        set_message(p->msg, p->msg_size, nn_strerror(NN_ERR_NO_MEMORY));
        return NN_ERR_NO_MEMORY;
    }
    p->data = stream->buf;
    p->total = known != INPUT_SIZE_UNKNOWN ? known : 0;
    p->stream = stream;
    return NN_OK;
}

/* Loads from size bytes at data or, when data is NULL, from the file at
   path, read through a window of WINDOW_BYTES: loading a file needs that
   besides the network. */
static nn_status load(nn_t **out, const char *data, size_t size, const char *path,
                      const struct load_settings *settings, char *msg, size_t msg_size)
{
    struct parser p;
    memset(&p, 0, sizeof p);
    p.data = data;
    p.size = size;
    p.total = size;
    p.max_bytes = settings->max_bytes;
    p.msg = msg;
    p.msg_size = msg_size;
    struct stream stream;
    nn_status status = data != NULL ? check_max_bytes(size, p.max_bytes, msg, msg_size)
                                    : open_stream(&p, &stream, path, settings);
    if (status != NN_OK)
        return status;
    set_message(msg, msg_size, "");
    status = parse_model(&p, settings, out);
    if (status != NN_OK && status != NN_ERR_FORMAT && status != NN_ERR_UNKNOWN_NAME &&
        status != NN_ERR_TOO_LARGE && status != NN_ERR_LOSS_OUTPUT)
        set_message(msg, msg_size, nn_strerror(status));
    if (p.stream != NULL) {
        input_close(&stream.in);
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
        set_message(msg, msg_size, nn_strerror(status));
    return status;
}

nn_status nn_load_buffer_with(nn_t **out, const char *data, size_t size,
                              const nn_load_options_t *options, char *msg, size_t msg_size)
{
    struct load_settings settings;
    const nn_status status = options_settings(out, data, options, msg, msg_size, &settings);
    return status != NN_OK ? status : load(out, data, size, NULL, &settings, msg, msg_size);
}

nn_status nn_load_with(nn_t **out, const char *path, const nn_load_options_t *options,
                       char *msg, size_t msg_size)
{
    struct load_settings settings;
    const nn_status status = options_settings(out, path, options, msg, msg_size, &settings);
    return status != NN_OK ? status : load(out, NULL, 0, path, &settings, msg, msg_size);
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
        set_message(msg, msg_size, nn_strerror(status));
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
    return status != NN_OK ? status : load(out, data, size, NULL, &settings, msg, msg_size);
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
    return status != NN_OK ? status : load(out, NULL, 0, path, &settings, msg, msg_size);
}

nn_status nn_load(nn_t **out, const char *path)
{
    return nn_load_with(out, path, NULL, NULL, 0);
}
