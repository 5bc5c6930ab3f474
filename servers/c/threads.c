/* threads.c: a thread per connection: cheaper to start than a process and
 * sharing one address space, so one stray write or crash takes every client
 * down, and each thread still costs a stack and a task of the pids limit. */
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* How finished threads are given back (the threads' version of reaping). */
enum join {
    JOIN_DETACHED, /* detached: the thread's stack is freed when it returns */
    JOIN_REAPER,   /* joinable: a reaper thread joins each one that finishes */
};
static const char *const join_names[] = {"detached", "reaper"};

static enum join join;
static long max_threads; /* 0: no limit */

enum { FLAG_JOIN = 256, FLAG_MAX_THREADS };
static const struct option model_flags[] = {
    {"join", required_argument, NULL, FLAG_JOIN},
    {"max-threads", required_argument, NULL, FLAG_MAX_THREADS},
    {0},
};
static const char model_usage[] =
    "  --join HOW        detached (default), or reaper: joinable threads joined\n"
    "                    by a reaper thread\n"
    "  --max-threads N   at most N connection threads; accept waits (0: no limit)\n";

static int on_model_flag(int id, const char *arg) {
    switch (id) {
    case FLAG_MAX_THREADS: return parse_count(arg, 0, 1 << 20, &max_threads);
    case FLAG_JOIN:
        for (int i = 0; i < 2; i++) {
            if (strcmp(arg, join_names[i]) == 0) {
                join = (enum join)i;
                return 1;
            }
        }
        return 0;
    }
    return 0;
}

/* task is one connection's thread. */
struct task {
    int fd;
    pthread_t thread;
    struct task *next; /* on the finished list, for the reaper */
};

static const struct options *opts;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slot_free = PTHREAD_COND_INITIALIZER; /* running went down */
static pthread_cond_t finished = PTHREAD_COND_INITIALIZER;  /* a task is on done */
static long running;        /* connection threads started and not finished */
static struct task *done;   /* finished, not joined yet (reaper) */

static void *connection(void *arg) {
    struct task *t = arg;
    serve(t->fd, opts);
    close(t->fd);
    pthread_mutex_lock(&mu);
    running--;
    pthread_cond_signal(&slot_free);
    if (join == JOIN_REAPER) {
        t->thread = pthread_self(); /* the creator's copy may not be stored yet */
        t->next = done;
        done = t;
        pthread_cond_signal(&finished);
        t = NULL;
    }
    pthread_mutex_unlock(&mu);
    free(t); /* detached: nobody else holds it */
    return NULL;
}

/* reaper joins every connection thread that finishes; without it a
 * joinable thread's stack and descriptor stay, like a zombie's. */
static void *reaper(void *arg) {
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&mu);
        while (!done) pthread_cond_wait(&finished, &mu);
        struct task *t = done;
        done = t->next;
        pthread_mutex_unlock(&mu);
        pthread_join(t->thread, NULL);
        free(t);
    }
    return NULL;
}

/* wait_for_slot blocks while max_threads threads run, logging it once. */
static void wait_for_slot(void) {
    static int said;
    pthread_mutex_lock(&mu);
    while (max_threads > 0 && running >= max_threads) {
        if (!said++) log_line(LOG_MAX_THREADS "%ld reached: accept waits", max_threads);
        pthread_cond_wait(&slot_free, &mu);
    }
    running++;
    pthread_mutex_unlock(&mu);
}

/* handle starts a thread for the client; the main thread goes back to accept. */
static void handle(int client, pthread_attr_t *attr) {
    struct task *t = malloc(sizeof *t);
    const char *call = "malloc";
    int err = ENOMEM;
    if (t) {
        pthread_t thread; /* not t->thread: the thread may be writing that */
        t->fd = client;
        call = "pthread_create";
        err = pthread_create(&thread, attr, connection, t);
    }
    if (err) {
        /* EAGAIN at the pids or threads limit: only this client loses. It
         * is pthread_create's return value; errno is left alone. Logged the
         * first time and every 1000th, with a count, as select logs its
         * refusals: ten thousand clients would otherwise log ten thousand
         * lines of the same news. */
        static long failures;
        if (failures++ % 1000 == 0) {
            char count[32];
            snprintf(count, sizeof count, "count=%ld", failures);
            log_error(call, err, count);
        }
        free(t);
        close(client);
        pthread_mutex_lock(&mu);
        running--;
        pthread_cond_signal(&slot_free);
        pthread_mutex_unlock(&mu);
    }
}

int main(int argc, char **argv) {
    struct options o;
    parse_flags(argc, argv, "threads", &o, model_flags, model_usage, on_model_flag);
    o.log_replies = 0; /* threads are silent, like forking's children */
    opts = &o;
    install_exit_handlers();
    int listener = open_listener(o.port, o.backlog, 0);

    pthread_attr_t attr;
    int err = pthread_attr_init(&attr);
    if (!err && join == JOIN_DETACHED) err = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t r;
    if (!err && join == JOIN_REAPER) err = pthread_create(&r, NULL, reaper, NULL);
    if (err) {
        errno = err;
        die("pthread_create");
    }
    log_listening(&o, " join=%s max-threads=%ld", join_names[join], max_threads);

    for (;;) {
        wait_for_slot();
        int client = accept(listener, NULL, NULL);
        if (client < 0) {
            int e = errno;
            pthread_mutex_lock(&mu);
            running--;
            pthread_mutex_unlock(&mu);
            /* EINTR: a handler ran (ours exit, so this is defensive);
             * ECONNABORTED: the client left while queued. */
            if (e == EINTR || e == ECONNABORTED) continue;
            errno = e;
            die("accept");
        }
        log_line(LOG_ACCEPT "%d", client);
        handle(client, &attr);
    }
}
