/* conn.c: one thread, many connections: each is a state machine that moves
 * only when its socket is ready or its timer fires, and never blocks (but
 * with --block, where blocking is the lesson). The poller that says what is
 * ready is the specimen's: select.c or epoll.c; main, below, is both loops'. */
#include "conn.h"
#include "http.h"
#include "loop.h"
#include "timer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define IN_SIZE 4096      /* one recv; the parser keeps nothing, so it need not hold a request */
#define OUT_SIZE 8192     /* replies waiting to be sent: 16 or more pipelined ones */
#define MAX_FIRED 1024    /* ready descriptors taken per wait */
#define ACCEPT_BATCH 64   /* accepts per wake-up, so a flood of connects cannot starve the open connections */
#define ACCEPT_PAUSE_MS 100
#define MAX_CONNS (1 << 20)

/* A connection is in one state at a time. */
enum state {
    C_FREE,  /* closed; the slot waits for its descriptor number to come back */
    C_SEED,  /* seed wire: waiting for the one recv() */
    C_READ,  /* http: reading and parsing requests, replying as each is complete */
    C_DELAY, /* --delay: the reply is queued, the connection waits D before going on */
    C_FLUSH, /* the last reply is queued; close (or linger) once it is sent */
    C_DRAIN, /* after an error: writes shut down, reading and discarding until EOF */
};

struct conn {
    int fd;
    int mask;         /* what the poller watches fd for */
    enum state state;
    enum http_after after; /* what the last reply queued asked for */
    int eof;          /* the client has shut down its side */
    struct http_parser parser;
    struct timer timer; /* idle, delay or drain: one at a time */
    size_t drained;
    size_t in_off, in_len, out_off, out_len;
    char in[IN_SIZE];
    char out[OUT_SIZE];
};

/* The loop's state: one loop per process, so plain statics. */
static const struct options *opts;
static char server[80];          /* "serverlab-epoll" */
static int listener_fd;
static struct conn **conns;      /* by descriptor number */
static int nconns;
static long now;                 /* monotonic ms, read once per wake-up */
static struct timer_list idle_timers;  /* http: between requests, or a request's deadline */
static struct timer_list delay_timers; /* --delay */
static struct timer_list drain_timers = {.ms = LINGER_MS};
static long accept_resume;       /* when to accept again after EMFILE; 0: accepting */
static unsigned long accept_failures;

/* stop and start c's one timer. */
static void stop(struct conn *c) { timer_stop(&c->timer); }
static void start(struct conn *c, struct timer_list *l) { timer_start(&c->timer, l, now); }

static void conn_close(struct conn *c) {
    stop(c);
    if (c->mask) poller_watch(c->fd, c->mask, 0);
    close(c->fd);
    c->mask = 0;
    c->state = C_FREE;
}

static size_t out_room(struct conn *c) {
    if (c->out_off > 0 && OUT_SIZE - c->out_len < HTTP_REPLY_MAX) {
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
    }
    return OUT_SIZE - c->out_len;
}

/* flush sends what is queued, in one send() per batch of replies.
 * Returns -1 if the connection is dead. */
static int flush(struct conn *c) {
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue; /* a handler ran before anything was sent */
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0; /* full: EV_WRITE resumes */
        if (n < 0) return -1;
        c->out_off += (size_t)n;
    }
    c->out_off = c->out_len = 0;
    return 0;
}

/* delay_over moves on after a reply (and its delay): to the next request,
 * or towards the close. The idle timer then bounds both. */
static void delay_over(struct conn *c) {
    c->state = c->after == HTTP_KEEP ? C_READ : C_FLUSH;
    start(c, &idle_timers);
}

/* replied starts what follows a queued reply: reply, delay, then next or close. */
static void replied(struct conn *c, enum http_after after) {
    c->after = after;
    if (opts->delay_ms > 0 && !loop_block) {
        c->state = C_DELAY; /* reads stop: the next request waits out the delay */
        start(c, &delay_timers);
        return;
    }
    if (opts->delay_ms > 0) {
        /* --block: the reply leaves, then the whole loop sleeps, and every
         * other connection with it. A failed send shows in settle(). */
        flush(c);
        pause_ms(opts->delay_ms);
        now = monotonic_ms();
    }
    delay_over(c);
}

static void respond(struct conn *c, int status, int head, int keep_alive) {
    c->out_len += http_reply(c->out + c->out_len, status, head, keep_alive, server, http_date());
}

/* process parses what has been read and queues a reply per request, in
 * order, until the input is used up, a reply asks to wait or close, or
 * the output is full (back-pressure: reading resumes once it drains).
 * Returns 1 if it stopped for the output alone, with requests still read. */
static int process(struct conn *c) {
    int full = 0;
    while (c->state == C_READ && c->in_off < c->in_len) {
        if (out_room(c) < HTTP_REPLY_MAX) {
            full = 1;
            break;
        }
        struct http_answer a = http_answer(&c->parser, c->in + c->in_off, c->in_len - c->in_off, c->out + c->out_len, server, http_date());
        c->in_off += a.used;
        /* A request's deadline is set when it begins and not moved after. */
        if (a.began) start(c, &idle_timers);
        if (!a.reply) break;
        c->out_len += a.reply;
        replied(c, a.after);
    }
    loop_keep(c->in, &c->in_off, &c->in_len);
    return full;
}

/* want is what c waits for in its state. */
static int want(const struct conn *c) {
    int m = 0;
    switch (c->state) {
    case C_SEED:
    case C_DRAIN: m = EV_READ; break;
    case C_READ:
        if (!c->eof && c->in_len < IN_SIZE && OUT_SIZE - c->out_len + c->out_off >= HTTP_REPLY_MAX)
            m = EV_READ;
        break;
    default: break; /* C_DELAY, C_FLUSH: nothing to read now */
    }
    if (c->out_off < c->out_len) m |= EV_WRITE;
    return m;
}

/* settle runs after anything happened to c: parse, send, close if done,
 * and tell the poller what c waits for now. */
static void settle(struct conn *c) {
    int full;
    do {
        full = c->state == C_READ && process(c);
        if (flush(c) < 0) {
            conn_close(c);
            return;
        }
        /* Pipelined requests that filled the output are still in c->in and
         * no event will come for them: once the output has drained, go on.
         * If it has not, EV_WRITE brings c back here. */
    } while (full && c->out_len == 0);
    if (c->state == C_READ && c->eof && c->in_len == 0) {
        /* The client has shut down its side: what it asked is answered. */
        c->after = HTTP_CLOSE;
        c->state = C_FLUSH;
    }
    if (c->state == C_FLUSH && c->out_len == 0) {
        if (c->after != HTTP_LINGER || shutdown(c->fd, SHUT_WR) < 0) {
            conn_close(c);
            return;
        }
        /* The reply is out; its FIN follows it. What the client still sends
         * is read and dropped, so that close() does not answer it with RST. */
        c->state = C_DRAIN;
        c->drained = 0;
        start(c, &drain_timers);
    }
    int mask = want(c);
    if (mask != c->mask) {
        if (poller_watch(c->fd, c->mask, mask) < 0) {
            conn_close(c);
            return;
        }
        c->mask = mask;
    }
}

/* receive reads into c->in; returns the byte count, 0 at EOF, or -1 when
 * there is nothing to read yet (EAGAIN: a readiness another event used up;
 * EINTR: a handler ran) and -2 on an error (ECONNRESET: the client is gone). */
static ssize_t receive(struct conn *c, size_t max) {
    ssize_t n = recv(c->fd, c->in + c->in_len, max, 0);
    if (n >= 0) return n;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -1 : -2;
}

static void on_event(struct conn *c, int ev) {
    if (c->state == C_FREE) return; /* closed earlier in this wake-up: a stale event */
    if (ev & EV_READ) {
        ssize_t n;
        switch (c->state) {
        case C_SEED:
            /* The article's one recv() of up to 1024 bytes: a request,
             * garbage, EOF or an error all get the reply. */
            if (receive(c, 1024) == -1) break;
            memcpy(c->out, HTTP_SEED_REPLY, sizeof HTTP_SEED_REPLY - 1);
            c->out_len = sizeof HTTP_SEED_REPLY - 1;
            c->in_len = 0;
            replied(c, HTTP_CLOSE);
            break;
        case C_READ:
            n = receive(c, IN_SIZE - c->in_len);
            if (n == -2) {
                conn_close(c);
                return;
            }
            if (n == 0) c->eof = 1;
            if (n > 0) c->in_len += (size_t)n;
            break;
        case C_DRAIN:
            c->in_len = 0;
            n = receive(c, IN_SIZE);
            if (n == -1) break;
            if (n <= 0 || (c->drained += (size_t)n) >= LINGER_MAX_BYTES) {
                conn_close(c);
                return;
            }
            break;
        default: break; /* not reading now: a stale event */
        }
    }
    settle(c);
}

static void on_timer(struct conn *c) {
    switch (c->state) {
    case C_DELAY: delay_over(c); break;
    case C_READ:
        /* Idle between requests: close without a word. In the middle of
         * one: 408, unless the client is not even reading its replies. */
        if (!http_parser_started(&c->parser) || out_room(c) < HTTP_REPLY_MAX) {
            conn_close(c);
            return;
        }
        respond(c, HTTP_TIMEOUT, http_parser_method(&c->parser) == HTTP_HEAD, 0);
        replied(c, HTTP_LINGER);
        break;
    default: /* C_FLUSH: the client reads nothing; C_DRAIN: the second is up */
        conn_close(c);
        return;
    }
    settle(c);
}

static void conn_open(int fd) {
    if (fd >= nconns) { /* RLIMIT_NOFILE was raised from outside after start */
        log_line("accept fd=%d beyond the table of %d: closed", fd, nconns);
        close(fd);
        return;
    }
    if (poller_watch(fd, 0, EV_READ) < 0) { /* select: fd >= FD_SETSIZE */
        close(fd);
        return;
    }
    struct conn *c = conns[fd];
    if (!c && !(c = conns[fd] = malloc(sizeof *c))) {
        log_error("malloc", errno, NULL);
        poller_watch(fd, EV_READ, 0);
        close(fd);
        return;
    }
    /* Slots are kept and reused: no allocation per connection once warm,
     * and none per request ever. */
    c->fd = fd;
    c->mask = EV_READ;
    c->state = opts->wire == WIRE_SEED ? C_SEED : C_READ;
    c->after = HTTP_KEEP;
    c->eof = 0;
    c->timer = (struct timer){0};
    c->in_off = c->in_len = c->out_off = c->out_len = 0;
    http_parser_init(&c->parser);
    start(c, &idle_timers);
}

static void accept_clients(void) {
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        int fd = accept4(listener_fd, NULL, NULL, SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return; /* the queue is empty */
            /* EINTR: a handler ran; ECONNABORTED: the client left while queued. */
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* The listener stays readable, so accepting again at once
                 * would spin: stop watching it for a while. The clients
                 * wait in the backlog meanwhile. */
                if (accept_failures++ % 1000 == 0) {
                    char tail[48];
                    snprintf(tail, sizeof tail, "pausing count=%lu", accept_failures);
                    log_error("accept", errno, tail);
                }
                poller_watch(listener_fd, EV_READ, 0);
                accept_resume = now + ACCEPT_PAUSE_MS;
                return;
            }
            die("accept");
        }
        log_line(LOG_ACCEPT "%d", fd);
        conn_open(fd);
    }
}

static struct timer_list *const timer_lists[] = {&idle_timers, &delay_timers, &drain_timers};

static void fire(struct timer *t) { on_timer(timer_owner(t, struct conn, timer)); }

static void expire(void) {
    timer_expire(timer_lists, 3, now, fire);
    if (accept_resume && accept_resume <= now) {
        if (poller_watch(listener_fd, 0, EV_READ) < 0) exit(1); /* the poller said why */
        accept_resume = 0;
    }
}

void event_loop(int listener, const struct options *o) {
    static struct fired fired[MAX_FIRED];
    struct rlimit rl;
    opts = o;
    listener_fd = listener;
    snprintf(server, sizeof server, "serverlab-%s", o->model);
    idle_timers.ms = o->wire == WIRE_HTTP ? o->idle_ms : 0; /* the seed blocks for ever */
    delay_timers.ms = o->delay_ms;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) die("getrlimit");
    nconns = rl.rlim_cur > MAX_CONNS ? MAX_CONNS : (int)rl.rlim_cur;
    if (!(conns = calloc((size_t)nconns, sizeof *conns))) die("calloc");
    if (poller_watch(listener, 0, EV_READ) < 0) exit(1); /* the poller said why */
    now = monotonic_ms();

    for (;;) {
        int n = poller_wait(fired, MAX_FIRED, timer_wait_ms(timer_lists, 3, accept_resume, now));
        now = monotonic_ms();
        for (int i = 0; i < n; i++) {
            int fd = fired[i].fd;
            if (fd == listener) accept_clients();
            else if (fd < nconns && conns[fd]) on_event(conns[fd], fired[i].mask);
        }
        expire();
    }
}

int main(int argc, char **argv) {
    struct options o;
    parse_flags(argc, argv, poller_model, &o, loop_flags, loop_usage, on_loop_flag);
    o.log_replies = 0; /* one line per request would cost more than the request */
    install_exit_handlers();
    int listener = open_listener(o.port, o.backlog, LISTEN_NONBLOCK);
    poller_init();
    log_listening(&o, " block=%d%s", loop_block, poller_fields());
    event_loop(listener, &o);
}
