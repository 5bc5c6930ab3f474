/* prefork.c: N worker processes forked at start, each serving one connection
 * at a time (Apache's prefork): no fork per request and a crash costs one
 * worker, but N busy clients (keep-alive ones too) leave the next waiting. */
#include "common.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_WORKERS 1024

/* How workers share the port. */
enum accept_mode {
    ACCEPT_BLOCKING,  /* every worker blocks in accept() on the one listener */
    ACCEPT_EPOLL,     /* every worker waits in epoll (EPOLLEXCLUSIVE), then accepts */
    ACCEPT_REUSEPORT, /* a listener per worker, SO_REUSEPORT: the kernel picks */
};
static const char *const accept_names[] = {"blocking", "epoll", "reuseport"};

static long workers = 4;
static enum accept_mode accept_mode;
static pid_t pids[MAX_WORKERS]; /* by worker number; 0: none running */

enum { FLAG_WORKERS = 256, FLAG_ACCEPT };
static const struct option model_flags[] = {
    {"workers", required_argument, NULL, FLAG_WORKERS},
    {"accept", required_argument, NULL, FLAG_ACCEPT},
    {0},
};
static const char model_usage[] =
    "  --workers N       worker processes (default 4)\n"
    "  --accept HOW      blocking (accept() on one listener, default), epoll\n"
    "                    (EPOLLEXCLUSIVE on it), reuseport (a listener each)\n";

static int on_model_flag(int id, const char *arg) {
    switch (id) {
    case FLAG_WORKERS: return parse_count(arg, 1, MAX_WORKERS, &workers);
    case FLAG_ACCEPT:
        for (int i = 0; i < 3; i++) {
            if (strcmp(arg, accept_names[i]) == 0) {
                accept_mode = (enum accept_mode)i;
                return 1;
            }
        }
        return 0;
    }
    return 0;
}

/* exclusive_waiter returns an epoll instance watching the shared listener
 * with EPOLLEXCLUSIVE: a connection wakes one waiting worker (or a few), not
 * all of them (the thundering herd). Failure: die. */
static int exclusive_waiter(int listener) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = listener};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev) < 0) die("epoll_ctl");
    return ep;
}

/* worker serves connections one at a time, for ever. ready, if not -1, gets
 * one byte once the worker can accept. Failure: setup dies (exit 1, which
 * the parent sees); accept failing on the listener dies too. */
static void __attribute__((noreturn))
worker(int k, int listener, int ready, const struct options *o) {
    /* The parent waits for signals with all of them blocked; a worker takes
     * SIGTERM and SIGINT by default action: it dies at once and silently,
     * so the parent's exit line is the log's last. */
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTERM, &dfl, NULL);
    sigaction(SIGINT, &dfl, NULL);
    sigaction(SIGCHLD, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    if (accept_mode == ACCEPT_REUSEPORT) listener = open_listener(o->port, o->backlog, LISTEN_REUSEPORT);
    int ep = accept_mode == ACCEPT_EPOLL ? exclusive_waiter(listener) : -1;
    if (ready >= 0) {
        while (write(ready, "r", 1) < 0 && errno == EINTR) continue;
        close(ready);
    }

    for (;;) {
        if (ep >= 0) {
            struct epoll_event ev;
            if (epoll_wait(ep, &ev, 1, -1) < 0) {
                if (errno == EINTR) continue; /* no handlers here; defensive */
                die("epoll_wait");
            }
        }
        int client = accept4(listener, NULL, NULL, 0); /* blocking, whatever the listener */
        if (client < 0) {
            /* EAGAIN (epoll: the listener is non-blocking): another worker
             * woken by the same connection took it. EINTR: a handler ran.
             * ECONNABORTED: the client left while queued. */
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED)
                continue;
            die("accept");
        }
        log_line(LOG_ACCEPT "%d " LOG_WORKER "%d pid=%d", client, k, (int)getpid());
        serve(client, o);
        close(client);
    }
}

/* spawn forks worker k. Failure: returns -1 (errno from fork). */
static int spawn(int k, int listener, int ready, const struct options *o) {
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) worker(k, listener, ready, o);
    pids[k] = pid;
    return 0;
}

/* stop kills every worker and waits for them, so none outlives the server. */
static void stop(void) {
    for (int k = 0; k < workers; k++)
        if (pids[k] > 0) kill(pids[k], SIGTERM);
    while (wait(NULL) > 0 || errno == EINTR) continue;
}

/* reap waits for every worker that has exited and forks its replacement.
 * Failure: a fork that fails is logged and retried on the next call. */
static void reap(int listener, const struct options *o) {
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        for (int k = 0; k < workers; k++) {
            if (pids[k] != pid) continue;
            log_line("worker %d pid=%d" LOG_EXITED "%d: " LOG_RESTART, k, (int)pid,
                     WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
            pids[k] = 0;
        }
    }
    for (int k = 0; k < workers; k++)
        if (pids[k] == 0 && spawn(k, listener, -1, o) < 0) log_error("fork", errno, NULL);
}

int main(int argc, char **argv) {
    struct options o;
    parse_flags(argc, argv, "prefork", &o, model_flags, model_usage, on_model_flag);
    o.log_replies = 0; /* workers are silent but for their accepts */

    /* The parent takes its signals synchronously, with sigtimedwait: no
     * handler can interrupt it between a reap and a fork. Workers unblock. */
    sigset_t waited;
    sigemptyset(&waited);
    sigaddset(&waited, SIGCHLD);
    sigaddset(&waited, SIGTERM);
    sigaddset(&waited, SIGINT);
    if (sigprocmask(SIG_BLOCK, &waited, NULL) < 0) die("sigprocmask");
    struct sigaction ign = {.sa_handler = SIG_IGN};
    sigemptyset(&ign.sa_mask);
    if (sigaction(SIGPIPE, &ign, NULL) < 0) die("sigaction");

    /* reuseport: each worker opens its own listener; else they share one. */
    int listener = -1;
    if (accept_mode != ACCEPT_REUSEPORT)
        listener = open_listener(o.port, o.backlog, accept_mode == ACCEPT_EPOLL ? LISTEN_NONBLOCK : 0);

    /* "listening" means every worker can accept: each writes a byte when it
     * can, and a worker that dies first closes its end without one. */
    int ready[2];
    if (pipe(ready) < 0) die("pipe");
    for (int k = 0; k < workers; k++) {
        if (spawn(k, listener, ready[1], &o) < 0) {
            int err = errno;
            stop();
            errno = err;
            die("fork");
        }
    }
    close(ready[1]);
    long n = 0;
    char buf[64];
    for (ssize_t r; n < workers && (r = read(ready[0], buf, sizeof buf)) != 0;) {
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) die("read");
        n += r;
    }
    close(ready[0]);
    if (n < workers) { /* a worker died in setup and has said why */
        log_line("prefork: %ld of %ld workers ready", n, workers);
        stop();
        return 1;
    }
    log_listening(&o, " workers=%ld accept=%s", workers, accept_names[accept_mode]);

    for (;;) {
        struct timespec retry = {.tv_sec = 1}; /* to fork again after a failed fork */
        int sig = sigtimedwait(&waited, NULL, &retry);
        if (sig == SIGTERM || sig == SIGINT) {
            stop();
            log_line(LOG_EXIT "%s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            return 0;
        }
        /* SIGCHLD, or the second is up (EAGAIN), or EINTR: reap and refill. */
        reap(listener, &o);
    }
}
