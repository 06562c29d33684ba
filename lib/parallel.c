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
   support the caller alone runs the work. */
#include "internal.h"

#ifdef NN_HAVE_THREADS
#include <pthread.h>
#endif

struct nn__team {
    nn__team_fn fn;
    void *context;
    size_t size; /* members running the work, the caller included */
#ifdef NN_HAVE_THREADS
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    int started;              /* `size` is final: members may begin */
    size_t waiting;           /* members inside the current barrier */
    unsigned long generation; /* barriers completed */
#endif
};

#ifdef NN_HAVE_THREADS

struct member {
    struct nn__team *team;
    size_t index;
};

static void *member_main(void *arg)
{
    const struct member *m = arg;
    struct nn__team *team = m->team;
    pthread_mutex_lock(&team->mutex);
    while (!team->started)
        pthread_cond_wait(&team->cond, &team->mutex);
    const size_t size = team->size;
    pthread_mutex_unlock(&team->mutex);
    team->fn(team->context, team, m->index, size);
    return NULL;
}

void nn__team_run(size_t n_threads, nn__team_fn fn, void *context)
{
    struct nn__team team;
    team.fn = fn;
    team.context = context;
    team.size = 1;
    team.started = 0;
    team.waiting = 0;
    team.generation = 0;
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
    pthread_mutex_lock(&team.mutex);
    team.size = created + 1;
    team.started = 1;
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
    pthread_mutex_lock(&team->mutex);
    const unsigned long generation = team->generation;
    if (++team->waiting == team->size) {
        team->waiting = 0;
        team->generation++;
        pthread_cond_broadcast(&team->cond);
    } else {
        while (team->generation == generation)
            pthread_cond_wait(&team->cond, &team->mutex);
    }
    pthread_mutex_unlock(&team->mutex);
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
