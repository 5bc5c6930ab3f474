/* uring.c: one thread, every connection, and the kernel does the I/O. The
 * accepts, recvs and sends are submitted to an io_uring (two rings shared
 * with the kernel: submissions in, completions out) and come back done,
 * many in one io_uring_enter(), where epoll only says which sockets are
 * ready and leaves every recv() and send() to the loop, a system call each.
 * Same wire, flags and lessons as epoll.c: http.c parses and answers,
 * timer.h times out, --block blocks the loop. The rings are set up with the
 * raw system calls and <linux/io_uring.h>, no liburing. A kernel or an
 * engine may refuse io_uring: then the server says which in one line and
 * exits 1 (see refused). */
#include "common.h"
#include "http.h"
#include "loop.h"
#include "timer.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define IN_SIZE 4096
#define OUT_SIZE 8192
#define SQ_ENTRIES 4096  /* submissions queued between two enters, at most */
#define CQ_ENTRIES 65536 /* completions the ring holds; NODROP keeps the rest */
#define ACCEPT_PAUSE_MS 100
#define MAX_CONNS (1 << 20)

/* The states are conn.c's; C_CLOSING waits for the kernel to give back the
 * buffers of a connection's recv and send before its close(). */
enum state { C_FREE, C_SEED, C_READ, C_DELAY, C_FLUSH, C_DRAIN, C_CLOSING };

/* What a completion answers: the low bits of its user_data, the rest being
 * its connection (aligned to 8), or none. */
enum op { OP_ACCEPT = 1, OP_RECV = 2, OP_SEND = 3, OP_CANCEL = 4 };
#define OP_MASK 7u

struct conn {
    int fd;
    enum state state;
    enum http_after after;
    int eof;
    /* A recv or send in flight owns its part of the buffers until it
     * completes: nothing is moved under it. */
    int recving, sending;
    struct http_parser parser;
    struct timer timer;
    size_t drained;
    size_t in_off, in_len, out_off, out_len;
    char in[IN_SIZE];
    char out[OUT_SIZE];
} __attribute__((aligned(8)));

/* The rings, as the kernel maps them. */
static int ring = -1;
static struct {
    unsigned *head, *tail, *mask, *array;
    unsigned entries, tail_local;
    struct io_uring_sqe *sqes;
} sq;
static struct {
    unsigned *head, *tail, *mask;
    struct io_uring_cqe *cqes;
} cq;
static unsigned unsubmitted;
static int multishot = 1; /* accept: one submission for every connection (5.19 and later) */

/* The loop's state, as conn.c's. */
static const struct options *opts;
static char server[80];
static int listener_fd;
static struct conn **conns;
static int nconns;
static long now;
static struct timer_list idle_timers, delay_timers, drain_timers = {.ms = LINGER_MS};
static int accepting;     /* an accept is in flight */
static long accept_resume; /* when to accept again after EMFILE; 0: accepting */
static unsigned long accept_failures;

/* read_file reads up to len-1 bytes of path into buf, NUL-ended; "" if it
 * cannot. */
static void read_file(const char *path, char *buf, size_t len) {
    buf[0] = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
}

/* refused says in one line what stopped io_uring_setup, and exits 1:
 * kernel.io_uring_disabled (1: root or io_uring_group only, 2: nobody), a
 * seccomp filter (Docker 25 and later leave io_uring out of their default
 * profile: EPERM), or a kernel built without it (ENOSYS). */
static void refused(int err) __attribute__((noreturn));
static void refused(int err) {
    char disabled[32], status[4096], why[256];
    read_file("/proc/sys/kernel/io_uring_disabled", disabled, sizeof disabled);
    read_file("/proc/self/status", status, sizeof status);
    const char *seccomp = strstr(status, "Seccomp:\t");
    int filtered = seccomp && seccomp[9] == '2';
    long off = disabled[0] ? strtol(disabled, NULL, 10) : 0;
    if (off > 0)
        snprintf(why, sizeof why, "refused by kernel.io_uring_disabled=%ld", off);
    else if (err == EPERM && filtered)
        snprintf(why, sizeof why, "refused by a seccomp filter (Docker 25 and later leave io_uring out of their default profile; "
                                  "the lab runs this specimen with its own, harness/catalogue/uring-seccomp.json)");
    else if (err == ENOSYS)
        snprintf(why, sizeof why, "this kernel has no io_uring (CONFIG_IO_URING)%s", filtered ? ", or a seccomp filter answers ENOSYS" : "");
    else
        snprintf(why, sizeof why, "refused (io_uring_disabled=%s seccomp=%s)", disabled[0] ? "0" : "unreadable", filtered ? "filter" : "none");
    log_error("io_uring_setup", err, why);
    exit(1);
}

/* How completions reach the loop, the cheapest a kernel offers first. By
 * default the kernel interrupts the task to run each completion's work as
 * it comes (as a signal would); COOP_TASKRUN (5.19) lets it wait for the
 * task's next system call; DEFER_TASKRUN (6.1), for one thread alone
 * (SINGLE_ISSUER), defers it to the loop's own io_uring_enter. An older
 * kernel refuses a flag it does not know (EINVAL): the next is tried. */
static const struct {
    unsigned flags;
    const char *name;
} taskruns[] = {
    {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, "defer"},
    {IORING_SETUP_COOP_TASKRUN, "coop"},
    {0, "interrupt"},
};
static const char *taskrun = "?";

static void ring_init(void) {
    struct io_uring_params p;
    for (size_t i = 0;; i++) {
        memset(&p, 0, sizeof p);
        p.flags = IORING_SETUP_CQSIZE | taskruns[i].flags;
        p.cq_entries = CQ_ENTRIES;
        ring = (int)syscall(__NR_io_uring_setup, SQ_ENTRIES, &p);
        if (ring >= 0) {
            taskrun = taskruns[i].name;
            break;
        }
        if (errno != EINVAL || i + 1 == sizeof taskruns / sizeof taskruns[0]) refused(errno);
    }
    /* The loop waits with a timeout in io_uring_enter itself (EXT_ARG,
     * 5.11), and a burst of completions must not be lost (NODROP, 5.5). */
    if (!(p.features & IORING_FEAT_EXT_ARG) || !(p.features & IORING_FEAT_NODROP)) {
        log_line("io_uring_setup: features=0x%x: this kernel's io_uring lacks EXT_ARG (5.11) or NODROP (5.5): refused", p.features);
        exit(1);
    }
    size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    int single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single && cq_len > sq_len) sq_len = cq_len;
    char *sqp = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
    if (sqp == MAP_FAILED) die("mmap");
    char *cqp = single ? sqp : mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
    if (cqp == MAP_FAILED) die("mmap");
    sq.sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring,
                   IORING_OFF_SQES);
    if (sq.sqes == MAP_FAILED) die("mmap");
    sq.head = (unsigned *)(void *)(sqp + p.sq_off.head);
    sq.tail = (unsigned *)(void *)(sqp + p.sq_off.tail);
    sq.mask = (unsigned *)(void *)(sqp + p.sq_off.ring_mask);
    sq.array = (unsigned *)(void *)(sqp + p.sq_off.array);
    sq.entries = p.sq_entries;
    sq.tail_local = *sq.tail;
    cq.head = (unsigned *)(void *)(cqp + p.cq_off.head);
    cq.tail = (unsigned *)(void *)(cqp + p.cq_off.tail);
    cq.mask = (unsigned *)(void *)(cqp + p.cq_off.ring_mask);
    cq.cqes = (struct io_uring_cqe *)(void *)(cqp + p.cq_off.cqes);
}

/* enter hands the kernel what is queued and, with wait, waits at most
 * timeout_ms (-1: for ever) for a completion: the loop's one system call. */
static void enter(int wait, long timeout_ms) {
    struct __kernel_timespec ts = {.tv_sec = timeout_ms / 1000, .tv_nsec = (timeout_ms % 1000) * 1000000L};
    struct io_uring_getevents_arg arg;
    memset(&arg, 0, sizeof arg);
    if (wait && timeout_ms >= 0) arg.ts = (uint64_t)(uintptr_t)&ts;
    unsigned flags = wait ? IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG : 0;
    int n = (int)syscall(__NR_io_uring_enter, ring, unsubmitted, wait ? 1 : 0, flags, wait ? &arg : NULL,
                         wait ? sizeof arg : 0);
    if (n >= 0) {
        unsubmitted -= (unsigned)n;
        return;
    }
    /* ETIME: the time is up; EINTR: a handler ran; EBUSY: completions
     * overflowed and must be reaped before more is submitted. */
    if (errno == ETIME || errno == EINTR || errno == EBUSY || errno == EAGAIN) return;
    die("io_uring_enter");
}

/* sqe takes the next submission entry, zeroed, handing the kernel what is
 * queued first if the ring is full. */
static struct io_uring_sqe *sqe(void) {
    if (sq.tail_local - __atomic_load_n(sq.head, __ATOMIC_ACQUIRE) >= sq.entries) enter(0, 0);
    if (sq.tail_local - __atomic_load_n(sq.head, __ATOMIC_ACQUIRE) >= sq.entries) {
        errno = EBUSY;
        die("io_uring: submission ring full");
    }
    unsigned i = sq.tail_local & *sq.mask;
    struct io_uring_sqe *e = &sq.sqes[i];
    memset(e, 0, sizeof *e);
    sq.array[i] = i;
    sq.tail_local++;
    __atomic_store_n(sq.tail, sq.tail_local, __ATOMIC_RELEASE);
    unsubmitted++;
    return e;
}

static uint64_t tag(struct conn *c, enum op op) { return (uint64_t)(uintptr_t)c | op; }

static void submit_accept(void) {
    struct io_uring_sqe *e = sqe();
    e->opcode = IORING_OP_ACCEPT;
    e->fd = listener_fd;
    if (multishot) e->ioprio = IORING_ACCEPT_MULTISHOT;
    e->user_data = OP_ACCEPT;
    accepting = 1;
}

static void submit_recv(struct conn *c, size_t max) {
    struct io_uring_sqe *e = sqe();
    e->opcode = IORING_OP_RECV;
    e->fd = c->fd;
    e->addr = (uint64_t)(uintptr_t)(c->in + c->in_len);
    e->len = (unsigned)max;
    /* After a reply the next request is seldom there yet: wait for it
     * (5.19; older kernels ignore the flag) rather than try first and fail. */
    if (c->state == C_READ && c->in_len == 0) e->ioprio = IORING_RECVSEND_POLL_FIRST;
    e->user_data = tag(c, OP_RECV);
    c->recving = 1;
}

static void submit_send(struct conn *c) {
    struct io_uring_sqe *e = sqe();
    e->opcode = IORING_OP_SEND;
    e->fd = c->fd;
    e->addr = (uint64_t)(uintptr_t)(c->out + c->out_off);
    e->len = (unsigned)(c->out_len - c->out_off);
    e->msg_flags = MSG_NOSIGNAL;
    e->user_data = tag(c, OP_SEND);
    c->sending = 1;
}

/* submit_cancel asks the kernel to end the operation whose user_data is
 * target: it completes with -ECANCELED, or has completed already. */
static void submit_cancel(uint64_t target) {
    struct io_uring_sqe *e = sqe();
    e->opcode = IORING_OP_ASYNC_CANCEL;
    e->addr = target;
    e->user_data = OP_CANCEL;
}

static void stop(struct conn *c) { timer_stop(&c->timer); }
static void start(struct conn *c, struct timer_list *l) { timer_start(&c->timer, l, now); }

/* conn_close ends c: at once if the kernel holds none of its buffers, else
 * once what it holds has come back (cancelled: a recv can wait for ever, and
 * a send to a client that reads nothing too). */
static void conn_close(struct conn *c) {
    stop(c);
    c->state = C_CLOSING;
    if (c->recving) submit_cancel(tag(c, OP_RECV));
    if (c->sending) submit_cancel(tag(c, OP_SEND));
    if (!c->recving && !c->sending) {
        close(c->fd);
        c->state = C_FREE;
    }
}

/* out_room is the room for replies, compacting the output once no send
 * holds it. */
static size_t out_room(struct conn *c) {
    if (!c->sending && c->out_off > 0 && OUT_SIZE - c->out_len < HTTP_REPLY_MAX) {
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
    }
    return OUT_SIZE - c->out_len;
}

static void delay_over(struct conn *c) {
    c->state = c->after == HTTP_KEEP ? C_READ : C_FLUSH;
    start(c, &idle_timers);
}

/* replied starts what follows a queued reply: reply, delay, then next or close. */
static void replied(struct conn *c, enum http_after after) {
    c->after = after;
    if (opts->delay_ms > 0 && !loop_block) {
        c->state = C_DELAY;
        start(c, &delay_timers);
        return;
    }
    if (opts->delay_ms > 0) {
        /* --block: the reply goes to the kernel, then the whole loop
         * sleeps, and every other connection with it. */
        if (!c->sending && c->out_len > c->out_off) submit_send(c);
        enter(0, 0);
        pause_ms(opts->delay_ms);
        now = monotonic_ms();
    }
    delay_over(c);
}

static void respond(struct conn *c, int status, int head, int keep_alive) {
    c->out_len += http_reply(c->out + c->out_len, status, head, keep_alive, server, http_date());
}

/* process parses what has been read and queues a reply per request, as
 * conn.c's does, until the input is used up, a reply asks to wait or close,
 * or the output is full; the send's completion comes back for the rest.
 * Called only while no recv is in flight: the input is the loop's. */
static void process(struct conn *c) {
    while (c->state == C_READ && c->in_off < c->in_len && out_room(c) >= HTTP_REPLY_MAX) {
        struct http_answer a = http_answer(&c->parser, c->in + c->in_off, c->in_len - c->in_off, c->out + c->out_len, server, http_date());
        c->in_off += a.used;
        if (a.began) start(c, &idle_timers);
        if (!a.reply) break;
        c->out_len += a.reply;
        replied(c, a.after);
    }
    loop_keep(c->in, &c->in_off, &c->in_len);
}

/* recv_wanted is how much c asks to read in its state; 0: nothing now. */
static size_t recv_wanted(const struct conn *c) {
    switch (c->state) {
    case C_SEED: return 1024; /* the article's one recv() */
    case C_DRAIN: return IN_SIZE;
    case C_READ:
        if (!c->eof && c->in_len < IN_SIZE && OUT_SIZE - c->out_len + c->out_off >= HTTP_REPLY_MAX) return IN_SIZE - c->in_len;
        return 0;
    default: return 0;
    }
}

/* settle runs after anything happened to c: parse, send, close if done,
 * and submit the recv its state asks for. */
static void settle(struct conn *c) {
    if (c->state == C_READ && !c->recving) process(c);
    if (!c->sending && c->out_off < c->out_len) submit_send(c);
    if (c->state == C_READ && c->eof && c->in_len == 0) {
        c->after = HTTP_CLOSE;
        c->state = C_FLUSH;
    }
    if (c->state == C_FLUSH && !c->sending && c->out_len == c->out_off) {
        if (c->after != HTTP_LINGER || shutdown(c->fd, SHUT_WR) < 0) {
            conn_close(c);
            return;
        }
        /* The reply is out; its FIN follows it. What the client still sends
         * is read and dropped, so that close() does not answer it with RST. */
        c->state = C_DRAIN;
        c->drained = 0;
        c->in_len = 0;
        start(c, &drain_timers);
    }
    size_t max = recv_wanted(c);
    if (max > 0 && !c->recving) submit_recv(c, max);
}

static void on_recv(struct conn *c, int res) {
    c->recving = 0;
    if (c->state == C_CLOSING) {
        if (!c->sending) conn_close(c);
        return;
    }
    int again = res == -EINTR || res == -EAGAIN;
    switch (c->state) {
    case C_SEED:
        /* A request, garbage, EOF or an error all get the reply. */
        if (again) break;
        memcpy(c->out, HTTP_SEED_REPLY, sizeof HTTP_SEED_REPLY - 1);
        c->out_off = 0;
        c->out_len = sizeof HTTP_SEED_REPLY - 1;
        c->in_len = 0;
        replied(c, HTTP_CLOSE);
        break;
    case C_READ:
        if (again) break;
        if (res < 0) { /* ECONNRESET: the client is gone */
            conn_close(c);
            return;
        }
        if (res == 0) c->eof = 1;
        c->in_len += (size_t)res;
        break;
    case C_DRAIN:
        if (again) break;
        c->in_len = 0;
        if (res <= 0 || (c->drained += (size_t)res) >= LINGER_MAX_BYTES) {
            conn_close(c);
            return;
        }
        break;
    default: break;
    }
    settle(c);
}

static void on_send(struct conn *c, int res) {
    c->sending = 0;
    if (c->state == C_CLOSING) {
        if (!c->recving) conn_close(c);
        return;
    }
    if (res < 0 && res != -EINTR && res != -EAGAIN) { /* EPIPE, ECONNRESET */
        conn_close(c);
        return;
    }
    if (res > 0) c->out_off += (size_t)res;
    if (c->out_off == c->out_len) c->out_off = c->out_len = 0;
    settle(c);
}

static void on_timer(struct conn *c) {
    switch (c->state) {
    case C_DELAY: delay_over(c); break;
    case C_READ:
        if (!http_parser_started(&c->parser) || out_room(c) < HTTP_REPLY_MAX) {
            conn_close(c);
            return;
        }
        respond(c, HTTP_TIMEOUT, http_parser_method(&c->parser) == HTTP_HEAD, 0);
        replied(c, HTTP_LINGER);
        break;
    default:
        conn_close(c);
        return;
    }
    settle(c);
}

static void conn_open(int fd) {
    if (fd >= nconns) {
        log_line("accept fd=%d beyond the table of %d: closed", fd, nconns);
        close(fd);
        return;
    }
    struct conn *c = conns[fd];
    if (!c && !(c = conns[fd] = aligned_alloc(8, sizeof *c))) {
        log_error("malloc", errno, NULL);
        close(fd);
        return;
    }
    c->fd = fd;
    c->state = opts->wire == WIRE_SEED ? C_SEED : C_READ;
    c->after = HTTP_KEEP;
    c->eof = c->recving = c->sending = 0;
    c->timer = (struct timer){0};
    c->in_off = c->in_len = c->out_off = c->out_len = 0;
    http_parser_init(&c->parser);
    start(c, &idle_timers);
    settle(c);
}

/* on_accept takes an accept's completion. A multishot accept stays armed
 * while its completions say IORING_CQE_F_MORE; a kernel before 5.19 refuses
 * it (EINVAL), and each accept is then submitted again. */
static void on_accept(int res, unsigned flags) {
    if (!(flags & IORING_CQE_F_MORE)) accepting = 0;
    if (res >= 0) {
        log_line(LOG_ACCEPT "%d", res);
        conn_open(res);
    } else if (res == -EINVAL && multishot) {
        multishot = 0;
    } else if (res == -EMFILE || res == -ENFILE || res == -ENOBUFS || res == -ENOMEM) {
        /* Out of descriptors: stop accepting for a while. The clients wait
         * in the backlog meanwhile. */
        if (accept_failures++ % 1000 == 0) {
            char tail[48];
            snprintf(tail, sizeof tail, "pausing count=%lu", accept_failures);
            log_error("accept", -res, tail);
        }
        if (accepting) submit_cancel(OP_ACCEPT);
        accept_resume = now + ACCEPT_PAUSE_MS;
    } else if (res != -EINTR && res != -ECONNABORTED && res != -EAGAIN && res != -ECANCELED) {
        errno = -res;
        die("accept");
    }
    if (!accepting && !accept_resume) submit_accept();
}

static void on_completion(const struct io_uring_cqe *e) {
    struct conn *c = (struct conn *)(uintptr_t)(e->user_data & ~(uint64_t)OP_MASK);
    switch (e->user_data & OP_MASK) {
    case OP_ACCEPT: on_accept(e->res, e->flags); break;
    case OP_RECV: on_recv(c, e->res); break;
    case OP_SEND: on_send(c, e->res); break;
    default: break; /* a cancel's own completion */
    }
}

/* reap takes every completion the kernel has posted. */
static void reap(void) {
    unsigned head = *cq.head;
    while (head != __atomic_load_n(cq.tail, __ATOMIC_ACQUIRE)) {
        struct io_uring_cqe e = cq.cqes[head & *cq.mask];
        head++;
        __atomic_store_n(cq.head, head, __ATOMIC_RELEASE);
        on_completion(&e);
    }
}

static struct timer_list *const timer_lists[] = {&idle_timers, &delay_timers, &drain_timers};

static void fire(struct timer *t) { on_timer(timer_owner(t, struct conn, timer)); }

static void expire(void) {
    timer_expire(timer_lists, 3, now, fire);
    if (accept_resume && accept_resume <= now) {
        accept_resume = 0;
        if (!accepting) submit_accept();
    }
}

int main(int argc, char **argv) {
    struct options o;
    struct rlimit rl;
    parse_flags(argc, argv, "uring", &o, loop_flags, loop_usage, on_loop_flag);
    o.log_replies = 0;
    install_exit_handlers();
    opts = &o;
    snprintf(server, sizeof server, "serverlab-%s", o.model);
    idle_timers.ms = o.wire == WIRE_HTTP ? o.idle_ms : 0;
    delay_timers.ms = o.delay_ms;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) die("getrlimit");
    nconns = rl.rlim_cur > MAX_CONNS ? MAX_CONNS : (int)rl.rlim_cur;
    if (!(conns = calloc((size_t)nconns, sizeof *conns))) die("calloc");
    listener_fd = open_listener(o.port, o.backlog, 0);
    ring_init();
    now = monotonic_ms();
    submit_accept();
    log_listening(&o, " block=%d ring=%d taskrun=%s", loop_block, SQ_ENTRIES, taskrun);
    for (;;) {
        enter(1, timer_wait_ms(timer_lists, 3, accept_resume, now));
        now = monotonic_ms();
        reap();
        expire();
    }
}
