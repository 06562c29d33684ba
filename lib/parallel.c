/* Threads for the batched passes, in builds with the Meson option 'threads'.

   A pass that runs in parallel forms a team for the length of one call: the
   calling thread is member 0 and up to n - 1 threads created for the call are
   the others; every one of them is joined before the call returns. Nothing
   outlives the call, so there is no pool and no global state. Members meet at
   barriers (nn__team_sync) between the stages of a pass.

   The size of the team is fixed only once every thread has been asked for: a
   thread that cannot be created makes the team smaller (down to the caller
   alone), and the members learn the size when they start, so the passes
   divide their work among the members that actually run. Without thread
   support the caller alone runs the work.

   Waiting (for the start, and at a barrier) first polls for a few
   microseconds, then yields the processor a number of times (a member
   created for the call often starts on the caller's processor, and then the
   one it waits for needs that processor), and only then sleeps on the
   condition variable: the stages of a pass are short, and waking a sleeping
   thread costs about 10 microseconds, more in a virtual machine. */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#if defined(NN_HAVE_THREADS) && defined(__STDC_NO_ATOMICS__)
#error "the threads option needs C11 atomics"
#endif

#ifdef NN_HAVE_THREADS
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#endif

struct nn__team {
    nn__team_fn fn;
    void *context;
    size_t size; /* members running the work, the caller included */
#ifdef NN_HAVE_THREADS
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    atomic_ulong started;            /* 1: `size` is final, members may begin */
    atomic_size_t waiting;           /* members inside the current barrier */
    atomic_ulong generation;         /* barriers completed */
#endif
};

#ifdef NN_HAVE_THREADS

/* Before sleeping, a waiter polls NN_POLLS times with a pause (about 25 ns
   each on current x86), then NN_YIELDS times with sched_yield(). */
#define NN_POLLS 100
#define NN_YIELDS 100

static inline void pause_briefly(void)
{
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
    __builtin_ia32_pause();
#endif
}

/* Polls and yields until *flag differs from `old`; 1 if it did. */
static int poll_for_change(const atomic_ulong *flag, unsigned long old)
{
    for (int i = 0; i < NN_POLLS + NN_YIELDS; i++) {
        if (atomic_load(flag) != old)
            return 1;
        if (i < NN_POLLS)
            pause_briefly();
        else
            sched_yield();
    }
    return 0;
}

/* Waits until *flag differs from `old`; whoever changes it does so under the
   mutex and then broadcasts, so a sleeper cannot miss the change. */
static void wait_for_change(struct nn__team *team, atomic_ulong *flag, unsigned long old)
{
    if (poll_for_change(flag, old))
        return;
    pthread_mutex_lock(&team->mutex);
    while (atomic_load(flag) == old)
        pthread_cond_wait(&team->cond, &team->mutex);
    pthread_mutex_unlock(&team->mutex);
}

struct member {
    struct nn__team *team;
    size_t index;
};

static void *member_main(void *arg)
{
    const struct member *m = arg;
    struct nn__team *team = m->team;
    wait_for_change(team, &team->started, 0);
    team->fn(team->context, team, m->index, team->size);
    return NULL;
}

void nn__team_run(size_t n_threads, nn__team_fn fn, void *context)
{
    struct nn__team team;
    team.fn = fn;
    team.context = context;
    team.size = 1;
    atomic_init(&team.started, 0);
    atomic_init(&team.waiting, 0);
    atomic_init(&team.generation, 0);
    if (n_threads > NN_MAX_THREADS)
        n_threads = NN_MAX_THREADS;
    if (n_threads <= 1 || pthread_mutex_init(&team.mutex, NULL) != 0) {
        fn(context, &team, 0, 1);
        return;
    }
    if (pthread_cond_init(&team.cond, NULL) != 0) {
        pthread_mutex_destroy(&team.mutex);
        fn(context, &team, 0, 1);
        return;
    }
    pthread_t threads[NN_MAX_THREADS];
    struct member members[NN_MAX_THREADS];
    size_t created = 0;
    for (size_t i = 1; i < n_threads; i++) {
        members[created].team = &team;
        members[created].index = created + 1;
        if (pthread_create(&threads[created], NULL, member_main, &members[created]) != 0)
            break; /* run with the members there are */
        created++;
    }
    /* `size` is written before `started` is set (sequentially consistent),
       so a member that sees the start sees the final size */
    pthread_mutex_lock(&team.mutex);
    team.size = created + 1;
    atomic_store(&team.started, 1);
    pthread_cond_broadcast(&team.cond);
    pthread_mutex_unlock(&team.mutex);
    fn(context, &team, 0, team.size);
    for (size_t i = 0; i < created; i++)
        pthread_join(threads[i], NULL);
    pthread_cond_destroy(&team.cond);
    pthread_mutex_destroy(&team.mutex);
}

void nn__team_sync(struct nn__team *team)
{
    if (team->size <= 1)
        return;
    const unsigned long generation = atomic_load(&team->generation);
    if (atomic_fetch_add(&team->waiting, 1) + 1 == team->size) {
        /* the last to arrive opens the barrier; `waiting` is reset first, so
           a member that passes and arrives at the next barrier counts anew */
        atomic_store(&team->waiting, 0);
        pthread_mutex_lock(&team->mutex);
        atomic_store(&team->generation, generation + 1);
        pthread_cond_broadcast(&team->cond);
        pthread_mutex_unlock(&team->mutex);
    } else {
        wait_for_change(team, &team->generation, generation);
    }
}

#else /* no thread support: the caller is the whole team */

void nn__team_run(size_t n_threads, nn__team_fn fn, void *context)
{
    (void)n_threads;
    struct nn__team team;
    team.fn = fn;
    team.context = context;
    team.size = 1;
    fn(context, &team, 0, 1);
}

void nn__team_sync(struct nn__team *team)
{
    (void)team;
}

#endif
