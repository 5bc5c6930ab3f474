/* forking.c: a child process per connection (webserver3c-3g): clients no longer
 * wait for each other, at the price of a fork per request and of descriptors
 * and zombies the parent must give back; each switch replays one seed step. */
#include "common.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum reap { REAP_NONE, REAP_WAIT_ONCE, REAP_WAITPID_LOOP };
static const char *const reap_names[] = {"none", "wait-once", "waitpid-loop"};

static int keep_client_fd; /* 3d: the parent forgets to close its copy */
static enum reap reap;     /* 3c/3d none, 3e/3f wait-once, 3g waitpid-loop */
static int restart_accept; /* 3f/3g: accept() failing with EINTR is retried */

enum { FLAG_KEEP_CLIENT_FD = 256, FLAG_REAP, FLAG_RESTART_ACCEPT };
static const struct option model_flags[] = {
    {"keep-client-fd", no_argument, NULL, FLAG_KEEP_CLIENT_FD},
    {"reap", required_argument, NULL, FLAG_REAP},
    {"restart-accept", no_argument, NULL, FLAG_RESTART_ACCEPT},
    {0},
};
static const char model_usage[] =
    "  --keep-client-fd  parent keeps its copy of each client socket (3d)\n"
    "  --reap HOW        none (zombies, default), wait-once, waitpid-loop\n"
    "  --restart-accept  accept() failing with EINTR is logged and retried\n";

static int on_model_flag(int id, const char *arg) {
    switch (id) {
    case FLAG_KEEP_CLIENT_FD: keep_client_fd = 1; return 1;
    case FLAG_RESTART_ACCEPT: restart_accept = 1; return 1;
    case FLAG_REAP:
        for (int i = 0; i < 3; i++) {
            if (strcmp(arg, reap_names[i]) == 0) {
                reap = (enum reap)i;
                return 1;
            }
        }
        return 0;
    }
    return 0;
}

/* log_reap runs inside the SIGCHLD handler: no printf, integers by hand.
 * status is the exit code, or 128+signal for a child killed by a signal. */
static void log_reap(pid_t pid, int st) {
    struct line l = {0};
    line_str(&l, LOG_REAP);
    line_long(&l, pid);
    line_str(&l, " status=");
    line_long(&l, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    line_write(&l);
}

/* wait-once (3e/3f): one wait() per SIGCHLD. Pending signals do not queue, so
 * children that exit together raise one SIGCHLD and the rest stay zombies. */
static void on_sigchld_wait_once(int sig) {
    (void)sig;
    int saved = errno; /* the interrupted code may be about to read errno */
    int st;
    pid_t pid = wait(&st);
    if (pid > 0) log_reap(pid, st);
    errno = saved;
}

/* waitpid-loop (3g): take every child that has exited, never block. */
static void on_sigchld_waitpid_loop(int sig) {
    (void)sig;
    int saved = errno;
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) log_reap(pid, st);
    errno = saved;
}

static void install_reaper(void) {
    /* none: SIGCHLD stays SIG_DFL and nobody waits, so every finished child
     * stays a zombie (3c/3d). SIG_IGN would have the kernel reap them. */
    if (reap == REAP_NONE) return;
    struct sigaction sa = {.sa_handler = reap == REAP_WAIT_ONCE ? on_sigchld_wait_once
                                                                : on_sigchld_waitpid_loop};
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART, on purpose (3e): a SIGCHLD that lands while the parent
     * blocks in accept() makes accept() fail with EINTR. */
    sa.sa_flags = 0;
    if (sigaction(SIGCHLD, &sa, NULL) < 0) die("sigaction");
}

/* handle forks a child to serve the client; the parent goes back to accept. */
static void handle(int listener, int client, const struct options *o) {
    pid_t pid = fork();
    if (pid < 0) die("fork"); /* seed lesson: out of processes (EAGAIN), the server dies */
    if (pid == 0) {
        close(listener); /* only the parent accepts */
        serve(client, o);
        close(client);
        _exit(0); /* not exit(): nothing of the parent's to flush or run */
    }
    log_line(LOG_FORK "%d", (int)pid);
    /* The client sees EOF only when the last copy of its socket is closed,
     * and every copy kept is a descriptor the parent never gets back. With
     * --keep-client-fd (3d) the client hangs and accept() ends in EMFILE. */
    if (!keep_client_fd) close(client);
}

int main(int argc, char **argv) {
    struct options o;
    parse_flags(argc, argv, "forking", &o, model_flags, model_usage, on_model_flag);
    /* Children stay silent: the log tells the server's own story (accept,
     * fork, reap, and its last words), and a child's line could otherwise
     * land after the parent has died of EMFILE or EAGAIN. */
    o.log_replies = 0;
    install_exit_handlers();
    install_reaper();
    int listener = open_listener(o.port, o.backlog, 0);
    log_listening(&o, " keep-client-fd=%d reap=%s restart-accept=%d", keep_client_fd,
                  reap_names[reap], restart_accept);

    for (;;) {
        int client = accept(listener, NULL, NULL);
        if (client < 0) {
            /* 3f/3g: the SIGCHLD handler interrupted accept(); nothing is
             * wrong with the listener, so accept again. */
            if (errno == EINTR && restart_accept) {
                log_error("accept", errno, LOG_RESTART);
                continue;
            }
            if (errno == ECONNABORTED) continue; /* the client left while queued */
            /* Everything else is fatal: EMFILE (3d) and, without
             * --restart-accept, EINTR (3e). Not handling it is the lesson. */
            die("accept");
        }
        log_line(LOG_ACCEPT "%d", client);
        handle(listener, client, &o);
    }
}
