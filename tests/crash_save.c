/* Crash safety of nn_save: a child process saves two models in turn, without
   pause, and is killed with SIGKILL after a random delay, 200 times. After
   every kill the target must load as one of the two models, and at most one
   temporary (that of the killed save) may lie beside it, since every save
   removes those of killed savers; after the last kill one more save must
   leave the target alone in its directory.

   Usage: crash_save [ROUNDS]. Exits 0 when every check holds. Runs in a fresh
   directory under the working directory. Not part of the default suites:
   meson test --suite crash. */
#define _DEFAULT_SOURCE

#include <backprop.h>

#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures = 0;

#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "crash_save: " __VA_ARGS__);                        \
            fputc('\n', stderr);                                                \
            failures++;                                                         \
        }                                                                       \
    } while (0)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The model text of net, malloc'd. */
static char *text_of(const nn_t *net)
{
    size_t len = 0;
    if (nn_save_buffer(net, NULL, 0, &len) != NN_ERR_BUFFER_SIZE)
        return NULL;
    char *text = malloc(len + 1);
    if (text != NULL && nn_save_buffer(net, text, len + 1, &len) != NN_OK) {
        free(text);
        text = NULL;
    }
    return text;
}

/* Entries of dir other than "." and ".." and `keep`. */
static size_t others_in(const char *dir, const char *keep)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return SIZE_MAX;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
             strcmp(e->d_name, keep) != 0;
    closedir(d);
    return n;
}

static void remove_all(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    char path[512];
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    const int rounds = argc > 1 ? atoi(argv[1]) : 200;
    /* about 200 KB of text: a save takes a few milliseconds */
    const size_t sizes[] = {40, 160, 40};
    const int acts[] = {NN_ACT_TANH, NN_ACT_LINEAR};
    nn_t *models[2] = {NULL, NULL};
    char *texts[2];
    for (int i = 0; i < 2; i++) {
        if (nn_create(&models[i], 3, sizes, acts) != NN_OK ||
            nn_init_random(models[i], (uint32_t)(i + 1), NN_INIT_UNIFORM, -1.0, 1.0) != NN_OK ||
            (texts[i] = text_of(models[i])) == NULL) {
            fprintf(stderr, "crash_save: cannot make the models\n");
            return 1;
        }
    }
    char dir[] = "crash_save_XXXXXX";
    if (mkdtemp(dir) == NULL) {
        perror("crash_save: mkdtemp");
        return 1;
    }
    char path[64];
    snprintf(path, sizeof path, "%s/model.txt", dir);
    CHECK(nn_save(models[0], path) == NN_OK, "the first save failed");

    /* how long one save takes, to spread the kills over all of it */
    double start = now();
    for (int i = 0; i < 5; i++)
        CHECK(nn_save(models[i & 1], path) == NN_OK, "a timing save failed");
    const double save_seconds = (now() - start) / 5;
    const long spread_ns = (long)(save_seconds * 3e9) + 1000;

    uint64_t random = (uint64_t)getpid() * UINT64_C(0x9e3779b97f4a7c15) + 1;
    int leftover_max = 0, leftover_rounds = 0, loads_a = 0, loads_b = 0;
    start = now();
    for (int round = 0; round < rounds && failures == 0; round++) {
        fflush(NULL);
        const pid_t child = fork();
        if (child < 0) {
            perror("crash_save: fork");
            return 1;
        }
        if (child == 0) {
            for (unsigned i = (unsigned)round;; i++)
                if (nn_save(models[i & 1], path) != NN_OK)
                    _exit(3);
        }
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        const struct timespec delay = {0, (long)(random % (uint64_t)spread_ns)};
        nanosleep(&delay, NULL);
        kill(child, SIGKILL);
        int status = 0;
        waitpid(child, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
              "round %d: the saving child ended by itself (status %d)", round, status);

        nn_t *back = NULL;
        const nn_status loaded = nn_load(&back, path);
        CHECK(loaded == NN_OK, "round %d: the target does not load (%s)", round,
              nn_strerror(loaded));
        if (loaded == NN_OK) {
            char *text = text_of(back);
            const int is_a = text != NULL && strcmp(text, texts[0]) == 0;
            const int is_b = text != NULL && strcmp(text, texts[1]) == 0;
            CHECK(is_a || is_b, "round %d: the target holds neither model", round);
            loads_a += is_a;
            loads_b += is_b;
            free(text);
            nn_free(back);
        }
        const size_t others = others_in(dir, "model.txt");
        CHECK(others <= 1, "round %d: %zu files beside the target", round, others);
        leftover_rounds += others == 1;
        if (others != SIZE_MAX && (int)others > leftover_max)
            leftover_max = (int)others;
    }
    const double kill_seconds = now() - start;
    CHECK(nn_save(models[1], path) == NN_OK, "the save after the kills failed");
    CHECK(others_in(dir, "model.txt") == 0, "a temporary remains after the last save");
    printf("crash_save: %d kills in %.1f s (one save: %.2f ms); target held A %d times, B %d "
           "times; a temporary beside it after %d kills, never more than %d\n",
           rounds, kill_seconds, save_seconds * 1e3, loads_a, loads_b, leftover_rounds,
           leftover_max);
    remove_all(dir);
    for (int i = 0; i < 2; i++) {
        free(texts[i]);
        nn_free(models[i]);
    }
    return failures == 0 ? 0 : 1;
}
