/* common.c: flags, listener, logging and serve(), the connection loop of
 * every blocking model. Nothing here knows how connections are spread over
 * processes or threads; what a request means is http.c's business. */
#include "common.h"
#include "http.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_EXTRA 12

static void __attribute__((noreturn))
usage(FILE *to, const char *prog, const char *extra_usage, int status) {
    fprintf(to,
            "usage: %s [options]\n"
            "  --port N          TCP port on 0.0.0.0 (default 8888)\n"
            "  --backlog N       listen() backlog, 0 allowed (default 5)\n"
            "  --delay D         sleep after each reply, before the next read or close:\n"
            "                    0, 250ms, 2s\n"
            "  --wire W          http (HTTP/1.1, default) or seed (the article's: one\n"
            "                    recv, a bare reply, delay, close)\n"
            "  --idle-timeout D  http: close a connection idle this long between\n"
            "                    requests; 408 a request not complete in it (default\n"
            "                    5s; 0: wait for ever)\n"
            "%s"
            "  --help            this text\n",
            prog, extra_usage ? extra_usage : "");
    exit(status);
}

/* parse_long reads a decimal within [min, max] followed by the suffix unit. */
static int parse_long(const char *s, long min, long max, const char *unit, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || strcmp(end, unit) != 0 || v < min || v > max) return 0;
    *out = v;
    return 1;
}

int parse_duration(const char *s, long *ms) {
    long v;
    if (parse_long(s, 0, 86400000, "ms", ms)) return 1;
    if (!parse_long(s, 0, 86400, "s", &v) && !parse_long(s, 0, 86400, "", &v)) return 0;
    *ms = v * 1000;
    return 1;
}

int parse_count(const char *s, long min, long max, long *out) {
    return parse_long(s, min, max, "", out);
}

void parse_flags(int argc, char **argv, const char *model, struct options *o,
                 const struct option *extra, const char *extra_usage,
                 int (*on_extra)(int id, const char *arg)) {
    enum { COMMON = 6 };
    struct option opts[COMMON + MAX_EXTRA + 1] = {
        {"port", required_argument, NULL, 'p'},
        {"backlog", required_argument, NULL, 'b'},
        {"delay", required_argument, NULL, 'd'},
        {"wire", required_argument, NULL, 'w'},
        {"idle-timeout", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
    };
    for (int i = 0; extra && i < MAX_EXTRA && extra[i].name; i++) opts[COMMON + i] = extra[i];

    *o = (struct options){.model = model, .port = 8888, .backlog = 5, .delay_ms = 0,
                          .wire = WIRE_HTTP, .idle_ms = 5000, .log_replies = 1};
    long v = 0;
    int id, ok, at = 0;
    while ((id = getopt_long(argc, argv, "", opts, &at)) != -1) {
        switch (id) {
        case 'p': ok = parse_long(optarg, 1, 65535, "", &v); o->port = (int)v; break;
        case 'b': ok = parse_long(optarg, 0, 1 << 20, "", &v); o->backlog = (int)v; break;
        case 'd': ok = parse_duration(optarg, &o->delay_ms); break;
        case 'i': ok = parse_duration(optarg, &o->idle_ms); break;
        case 'w':
            ok = strcmp(optarg, "http") == 0 || strcmp(optarg, "seed") == 0;
            o->wire = strcmp(optarg, "seed") == 0 ? WIRE_SEED : WIRE_HTTP;
            break;
        case 'h': usage(stdout, argv[0], extra_usage, 0);
        default: ok = id >= 256 && on_extra && on_extra(id, optarg); break;
        }
        if (!ok) {
            if (id != '?') fprintf(stderr, "%s: bad value for --%s\n", argv[0], opts[at].name);
            usage(stderr, argv[0], extra_usage, 2);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument %s\n", argv[0], argv[optind]);
        usage(stderr, argv[0], extra_usage, 2);
    }
}

int open_listener(int port, int backlog, int flags) {
    int fd = socket(AF_INET, SOCK_STREAM | (flags & LISTEN_NONBLOCK ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) die("socket");
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) die("setsockopt");
    /* SO_REUSEPORT: each prefork worker binds a socket of its own to the
     * port, and the kernel spreads connections over them by a hash. */
    if (flags & LISTEN_REUSEPORT && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
        die("setsockopt");
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((unsigned short)port),
                               .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
    if (listen(fd, backlog) < 0) die("listen"); /* backlog as given, even 0 */
    return fd;
}

void log_listening(const struct options *o, const char *fields_fmt, ...) {
    char fields[512];
    va_list ap;
    va_start(ap, fields_fmt);
    vsnprintf(fields, sizeof fields, fields_fmt, ap);
    va_end(ap);
    log_line(LOG_LISTENING "port=%d backlog=%d pid=%d model=%s%s delay_ms=%ld wire=%s idle_timeout_ms=%ld",
             o->port, o->backlog, (int)getpid(), o->model, fields, o->delay_ms,
             o->wire == WIRE_SEED ? "seed" : "http", o->idle_ms);
}

static void on_exit_signal(int sig) {
    struct line l = {0};
    line_str(&l, LOG_EXIT);
    line_str(&l, sig == SIGTERM ? "SIGTERM" : "SIGINT");
    line_write(&l);
    _exit(0); /* at once, whether we were in accept, recv or nanosleep */
}

void install_exit_handlers(void) {
    struct sigaction sa = {.sa_handler = on_exit_signal};
    /* Every signal waits while the exit line is written: no reaper's line
     * can come after the server's last words. */
    sigfillset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0) die("sigaction");
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGPIPE, &sa, NULL) < 0) die("sigaction");
}

static void write_line(const char *buf, size_t len) {
    /* One write(2) per line keeps lines whole across processes; a signal
     * handler may interrupt it before anything is written, so retry. */
    while (write(STDERR_FILENO, buf, len) < 0 && errno == EINTR) continue;
}

void log_line(const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n > sizeof buf - 2) n = sizeof buf - 2;
    buf[n++] = '\n';
    write_line(buf, (size_t)n);
}

void log_error(const char *call, int err, const char *tail) {
    const char *name = NULL;
    char num[16];
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
    name = strerrorname_np(err); /* "EMFILE"; NULL for an unknown number */
#endif
    if (!name) {
        snprintf(num, sizeof num, "%d", err);
        name = num;
    }
    log_line("%s: %s (%s)%s%s", call, name, strerror(err), tail ? " " : "", tail ? tail : "");
}

void die(const char *call) {
    int err = errno;
    /* Last words stay last: with every signal blocked, no SIGCHLD handler
     * can slip a "reap child=" line in after this one (seen in 1 run of 5 of
     * wait-once with 128 clients). */
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    log_error(call, err, NULL);
    exit(1);
}

void line_str(struct line *l, const char *s) {
    while (*s && l->len < sizeof l->buf - 1) l->buf[l->len++] = *s++;
}

void line_long(struct line *l, long n) {
    char digits[24];
    int i = 0;
    unsigned long u = n < 0 ? 0UL - (unsigned long)n : (unsigned long)n;
    do digits[i++] = (char)('0' + u % 10); while ((u /= 10) && i < (int)sizeof digits);
    if (n < 0) line_str(l, "-");
    while (i > 0 && l->len < sizeof l->buf - 1) l->buf[l->len++] = digits[--i];
}

void line_write(struct line *l) {
    l->buf[l->len++] = '\n'; /* line_str/line_long always leave room for it */
    write_line(l->buf, l->len);
}

const char *http_date(void) {
    /* Per thread, so that the threads model needs no lock for it. */
    static _Thread_local char date[32];
    static _Thread_local time_t formatted = -1;
    time_t now = time(NULL);
    if (now != formatted) {
        struct tm tm;
        gmtime_r(&now, &tm); /* IMF-fixdate; the C locale gives English names */
        strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        formatted = now;
    }
    return date;
}

long monotonic_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pause_ms(long ms) {
    /* A handler without SA_RESTART (SIGCHLD) may interrupt nanosleep, which
     * then hands back the time still to sleep. */
    struct timespec req = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L}, rem;
    while (ms > 0 && nanosleep(&req, &rem) < 0 && errno == EINTR) req = rem;
}

/* write_all loops over short writes; EINTR means nothing was sent, retry.
 * A send timeout (SO_SNDTIMEO, EAGAIN) or an error fails it. */
static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* set_timeout sets SO_RCVTIMEO or SO_SNDTIMEO to ms; 0 means none. */
static int set_timeout(int fd, int which, long ms) {
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    return setsockopt(fd, SOL_SOCKET, which, &tv, sizeof tv);
}

/* linger shuts down the sending side, so the client gets its reply and EOF,
 * then reads what it still sends, bounded, so close() finds nothing unread. */
static void linger(int fd) {
    char buf[4096];
    long total = 0, end = monotonic_ms() + LINGER_MS;
    if (shutdown(fd, SHUT_WR) < 0) return;
    for (;;) {
        long left = end - monotonic_ms();
        if (left <= 0 || set_timeout(fd, SO_RCVTIMEO, left) < 0) return;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue; /* a handler ran: read again */
        if (n <= 0) return; /* EOF, the timeout (EAGAIN) or an error */
        total += n;
        if (total >= LINGER_MAX_BYTES) return;
    }
}

/* log_request prints what the one recv() read, as the article's server
 * does (print(request.decode())): a line "request: ..." per line of it, CR
 * dropped, bytes that are not printable ASCII as \xNN, all in one write so
 * that the request stays whole beside other processes' lines. */
static void log_request(const char *req, size_t len) {
    char out[4 * 1024 + 512];
    size_t n = 0, i = 0;
    while (i < len && n < sizeof out - 64) {
        n += (size_t)snprintf(out + n, sizeof out - n, "%s", LOG_REQUEST);
        for (; i < len && req[i] != '\n' && n < sizeof out - 8; i++) {
            unsigned char c = (unsigned char)req[i];
            if (c == '\r') continue;
            if (c >= 0x20 && c < 0x7f) out[n++] = (char)c;
            else n += (size_t)snprintf(out + n, sizeof out - n, "\\x%02x", c);
        }
        out[n++] = '\n';
        i++; /* the LF */
    }
    write_line(out, n);
}

/* serve_seed is the article's handle_request: one recv, whatever it brings. */
static void serve_seed(int fd, const struct options *o) {
    char buf[1024];
    ssize_t n;
    /* EINTR: a handler ran before anything arrived; the one recv is still
     * to come. A request, garbage, EOF or an error all get the reply. */
    while ((n = recv(fd, buf, sizeof buf, 0)) < 0 && errno == EINTR) continue;
    if (o->log_replies && n > 0) log_request(buf, (size_t)n);
    if (write_all(fd, HTTP_SEED_REPLY, sizeof HTTP_SEED_REPLY - 1) < 0) return;
    if (o->log_replies) log_line(LOG_REPLY "200 path=- pid=%d", (int)getpid());
    /* Seed order: reply, sleep, close. The client has its body at once and
     * its EOF only after the delay. No shutdown() here or in the caller: EOF
     * must come from the last close() of the socket, so that in lesson 3d,
     * where the parent keeps a copy, the client waits forever. */
    pause_ms(o->delay_ms);
}

static void serve_http(int fd, const struct options *o) {
    struct http_parser p;
    struct http_request req;
    char in[4096], out[8192], server[80];
    size_t in_len = 0, in_off = 0, out_len = 0;
    long deadline = 0; /* when the request begun must be complete */
    long timeout = 0;  /* SO_RCVTIMEO as set: none yet */
    snprintf(server, sizeof server, "serverlab-%s", o->model);
    http_parser_init(&p);
    /* A client that reads none of its replies must not hold an iterative
     * server for ever either. */
    if (o->idle_ms > 0 && set_timeout(fd, SO_SNDTIMEO, o->idle_ms) < 0) return;

    for (;;) {
        enum http_result r = HTTP_NEED_MORE;
        if (in_off == in_len) {
            /* All read is parsed: send the replies it made before waiting. */
            if (out_len > 0 && write_all(fd, out, out_len) < 0) return;
            out_len = 0;
            long wait = o->idle_ms;
            if (wait > 0 && http_parser_started(&p)) wait = deadline - monotonic_ms();
            if (wait < 0 || (o->idle_ms > 0 && wait == 0)) {
                r = HTTP_TIMEOUT;
            } else {
                if (wait != timeout && set_timeout(fd, SO_RCVTIMEO, wait) < 0) return;
                timeout = wait;
                ssize_t n = recv(fd, in, sizeof in, 0);
                /* EINTR: a handler without SA_RESTART ran; the client is still
                 * there, so receive again. */
                if (n < 0 && errno == EINTR) continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                    if (!http_parser_started(&p)) return; /* idle: close silently */
                    r = HTTP_TIMEOUT;
                } else if (n <= 0) {
                    return; /* EOF or an error; a half-received request is dropped */
                } else {
                    in_len = (size_t)n;
                    in_off = 0;
                }
            }
        }
        if (r == HTTP_NEED_MORE) {
            int was_started = http_parser_started(&p);
            size_t used;
            r = http_parse(&p, in + in_off, in_len - in_off, &used, &req);
            in_off += used;
            if (!was_started && http_parser_started(&p)) deadline = monotonic_ms() + o->idle_ms;
            if (r == HTTP_NEED_MORE) continue;
        }

        int status, head, keep_alive;
        const char *path = "-";
        if (r == HTTP_REQUEST) {
            status = http_route(&req);
            head = req.method == HTTP_HEAD;
            keep_alive = req.keep_alive;
            path = req.path;
        } else { /* an error: answered, then the connection ends */
            status = (int)r;
            head = http_parser_method(&p) == HTTP_HEAD;
            keep_alive = 0;
        }
        out_len += http_reply(out + out_len, status, head, keep_alive, server, http_date());
        if (o->log_replies) log_line(LOG_REPLY "%d path=%s pid=%d", status, path, (int)getpid());
        /* Replies to pipelined requests leave together, unless a delay must
         * follow each, the connection ends, or the buffer is full. */
        if (o->delay_ms > 0 || !keep_alive || in_off == in_len || out_len > sizeof out - HTTP_REPLY_MAX) {
            if (write_all(fd, out, out_len) < 0) return;
            out_len = 0;
        }
        pause_ms(o->delay_ms);
        if (r != HTTP_REQUEST) { /* a request we could not read: the connection ends */
            linger(fd);
            return;
        }
        if (!keep_alive) return;
    }
}

void serve(int fd, const struct options *o) {
    if (o->wire == WIRE_SEED) serve_seed(fd, o);
    else serve_http(fd, o);
}
