/* common.c: flags, listener, logging and the one request/reply every model
 * serves. Nothing here knows how connections are spread over processes. */
#include "common.h"

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

#define MAX_HEADER 8192   /* request header block limit; past it: 400 */
#define RECV_TIMEOUT_S 5  /* SO_RCVTIMEO: a silent client is dropped */
#define MAX_EXTRA 12

static void __attribute__((noreturn))
usage(FILE *to, const char *prog, const char *extra_usage, int status) {
    fprintf(to,
            "usage: %s [options]\n"
            "  --port N          TCP port on 0.0.0.0 (default 8888)\n"
            "  --backlog N       listen() backlog, 0 allowed (default 5)\n"
            "  --delay D         sleep after each reply, before close: 0, 250ms, 2s\n"
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

/* parse_delay reads "0", "250ms", "2s", "3": a plain number is seconds. */
static int parse_delay(const char *s, long *ms) {
    long v;
    if (parse_long(s, 0, 86400000, "ms", ms)) return 1;
    if (!parse_long(s, 0, 86400, "s", &v) && !parse_long(s, 0, 86400, "", &v)) return 0;
    *ms = v * 1000;
    return 1;
}

void parse_flags(int argc, char **argv, const char *model, struct options *o,
                 const struct option *extra, const char *extra_usage,
                 int (*on_extra)(int id, const char *arg)) {
    struct option opts[4 + MAX_EXTRA + 1] = {
        {"port", required_argument, NULL, 'p'},
        {"backlog", required_argument, NULL, 'b'},
        {"delay", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
    };
    for (int i = 0; extra && i < MAX_EXTRA && extra[i].name; i++) opts[4 + i] = extra[i];

    *o = (struct options){.model = model, .port = 8888, .backlog = 5, .delay_ms = 0, .log_replies = 1};
    long v = 0;
    int id, ok, at = 0;
    while ((id = getopt_long(argc, argv, "", opts, &at)) != -1) {
        switch (id) {
        case 'p': ok = parse_long(optarg, 1, 65535, "", &v); o->port = (int)v; break;
        case 'b': ok = parse_long(optarg, 0, 1 << 20, "", &v); o->backlog = (int)v; break;
        case 'd': ok = parse_delay(optarg, &o->delay_ms); break;
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

int open_listener(int port, int backlog) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) die("setsockopt");
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((unsigned short)port),
                               .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
    if (listen(fd, backlog) < 0) die("listen"); /* backlog as given, even 0 */
    return fd;
}

static void on_exit_signal(int sig) {
    struct line l = {0};
    line_str(&l, "exit signal=");
    line_str(&l, sig == SIGTERM ? "SIGTERM" : "SIGINT");
    line_write(&l);
    _exit(0); /* at once, whether we were in accept, recv or nanosleep */
}

void install_exit_handlers(void) {
    struct sigaction sa = {.sa_handler = on_exit_signal};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0) die("sigaction");
    sa.sa_handler = SIG_IGN;
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
    log_error(call, errno, NULL);
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

enum header { HEADER_COMPLETE, HEADER_TOO_LARGE, HEADER_CUT };

/* read_header loops on recv until the blank line that ends the header block:
 * CRLF CRLF, or bare LF LF as the seed's client sends it. */
static enum header read_header(int fd, char *buf, size_t cap, size_t *len) {
    *len = 0;
    while (*len < cap) {
        ssize_t n = recv(fd, buf + *len, cap - *len, 0);
        /* EINTR: a handler without SA_RESTART (the SIGCHLD reaper) ran; the
         * client is still there, so receive again. */
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return HEADER_CUT; /* EOF, SO_RCVTIMEO (EAGAIN) or error */
        *len += (size_t)n;
        if (memmem(buf, *len, "\n\n", 2) || memmem(buf, *len, "\n\r\n", 3)) return HEADER_COMPLETE;
    }
    return HEADER_TOO_LARGE;
}

/* visible says whether [p, end) is non-empty printable ASCII without spaces. */
static int visible(const char *p, const char *end) {
    if (p == end) return 0;
    for (; p < end; p++)
        if (*p <= ' ' || *p > '~') return 0; /* bytes >= 0x80 are negative here */
    return 1;
}

/* parse_request checks "METHOD SP TARGET SP HTTP/1.x" and returns the status
 * to send; *head says whether to leave the body out, path gets the target
 * without its query string (for the log). */
static int parse_request(const char *req, size_t len, int *head, char *path, size_t cap) {
    const char *end = memchr(req, '\n', len); /* there is one: read_header saw it */
    if (end > req && end[-1] == '\r') end--;
    const char *sp1 = memchr(req, ' ', (size_t)(end - req));
    if (!sp1 || !visible(req, sp1)) return 400;
    const char *target = sp1 + 1;
    const char *sp2 = memchr(target, ' ', (size_t)(end - target));
    if (!sp2 || !visible(target, sp2)) return 400;
    const char *v = sp2 + 1;
    if (end - v != 8 || memcmp(v, "HTTP/1.", 7) != 0 || v[7] < '0' || v[7] > '9') return 400;

    const char *q = memchr(target, '?', (size_t)(sp2 - target));
    size_t plen = (size_t)((q ? q : sp2) - target);
    snprintf(path, cap, "%.*s", (int)plen, target);
    size_t mlen = (size_t)(sp1 - req);
    *head = mlen == 4 && memcmp(req, "HEAD", 4) == 0;
    if (!*head && !(mlen == 3 && memcmp(req, "GET", 3) == 0)) return 405;
    return plen == 6 && memcmp(target, "/hello", 6) == 0 ? 200 : 404;
}

/* write_all loops over short writes; EINTR means nothing was sent, retry. */
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

static int reply(int fd, int status, int head, const char *model) {
    const char *reason = "Bad Request", *body = "Bad Request\n", *allow = "";
    switch (status) {
    case 200: reason = "OK"; body = "Hello, World!\n"; break;
    case 404: reason = "Not Found"; body = "Not Found\n"; break;
    case 405:
        reason = "Method Not Allowed";
        body = "Method Not Allowed\n";
        allow = "Allow: GET, HEAD\r\n";
        break;
    }
    char date[40];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm); /* IMF-fixdate; the C locale gives English names */
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    char buf[512];
    int n = snprintf(buf, sizeof buf,
                     "HTTP/1.1 %d %s\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Length: %zu\r\n"
                     "Date: %s\r\n"
                     "Server: serverlab-%s\r\n"
                     "Connection: close\r\n"
                     "%s\r\n%s",
                     status, reason, strlen(body), date, model, allow, head ? "" : body);
    return write_all(fd, buf, (size_t)n);
}

/* pause_ms sleeps the whole delay: a handler without SA_RESTART (SIGCHLD)
 * may interrupt nanosleep, which then hands back the time still to sleep. */
static void pause_ms(long ms) {
    struct timespec req = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L}, rem;
    while (nanosleep(&req, &rem) < 0 && errno == EINTR) req = rem;
}

void serve(int fd, const struct options *o) {
    struct timeval tv = {.tv_sec = RECV_TIMEOUT_S};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) return;

    char req[MAX_HEADER], path[256] = "-";
    size_t len;
    int status = 400, head = 0;
    switch (read_header(fd, req, sizeof req, &len)) {
    case HEADER_CUT: return;
    case HEADER_TOO_LARGE: break; /* 400, then close */
    case HEADER_COMPLETE: status = parse_request(req, len, &head, path, sizeof path); break;
    }
    /* The reply is a few hundred bytes, so it fits the socket's send buffer:
     * even an iterative server cannot block here on a client that never reads. */
    if (reply(fd, status, head, o->model) < 0) return;
    if (o->log_replies) log_line("reply status=%d path=%s pid=%d", status, path, (int)getpid());

    /* Seed order: reply, sleep, close. The client has its body at once and
     * its EOF only after the delay. No shutdown() here or in the caller: EOF
     * must come from the last close() of the socket, so that in lesson 3d,
     * where the parent keeps a copy, the client waits forever. */
    pause_ms(o->delay_ms);
}
