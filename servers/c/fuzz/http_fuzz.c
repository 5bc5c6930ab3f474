/* http_fuzz.c: libFuzzer drives http.h as the specimens do. One input is one
 * connection's bytes, parsed whole, a byte at a time, and in pieces of sizes
 * the fuzzer picks; the three must agree on every result and the byte it ends
 * at, each request's body must be what its head announced, and each reply
 * must fit its buffer and read back as the status, fields and body it means.
 *
 * Input: data[0] & 7 is k, how many schedule bytes follow; each gives one
 * piece size (a byte b < 0x80 means b + 1 bytes, any other (b - 0x7f) * 128),
 * used in turn and again. What follows is the stream. A seed that starts
 * with '0' has no schedule: "0GET / HTTP/1.1..." is compared whole against
 * byte by byte only. */
#include "http.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* fail reports a broken invariant and aborts, which libFuzzer records as a
 * crash with its input. */
static void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("http_fuzz: invariant broken: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

#define CHECK(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

/* ---- replies ---- */

/* Server and Date values as the specimens pass them, and past the cuts
 * http_reply makes (Date at 40 bytes, Server at 64). */
static const char *const servers[] = {
    "serverlab-epoll", "", "serverlab-0123456789012345678901234567890123456789012345678901234",
    "serverlab-01234567890123456789012345678901234567890123456789012345678901234567890123456789",
};
static const char *const dates[] = {
    "Sun, 06 Nov 1994 08:49:37 GMT", "", "Wednesday, 31-Dec-2025 23:59:59 GMT+0000",
    "Wednesday, 31-Dec-2025 23:59:59 GMT+00000000000000000000000000000000",
};
#define COUNT(a) (sizeof a / sizeof a[0])

static int known_status(int s) {
    static const int known[] = {200, 400, 404, 405, 408, 413, 414, 431, 501, 505};
    for (size_t i = 0; i < COUNT(known); i++)
        if (known[i] == s) return 1;
    return 0;
}

static int is_tchar(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* line_end is the offset of the CRLF that ends the line at buf[at], or n. */
static size_t line_end(const char *buf, size_t at, size_t n) {
    for (size_t i = at; i + 1 < n; i++)
        if (buf[i] == '\r' && buf[i + 1] == '\n') return i;
    return n;
}

/* check_reply writes one reply into a heap block of exactly HTTP_REPLY_MAX
 * bytes, so that AddressSanitizer sees a byte past it, and reads it back:
 * status line, field lines, empty line, a body as long as Content-Length. */
static void check_reply(int status, int head, int keep_alive, const char *server, const char *date) {
    char *buf = malloc(HTTP_REPLY_MAX);
    if (!buf) abort();
    size_t n = http_reply(buf, status, head, keep_alive, server, date);
    CHECK(n <= HTTP_REPLY_MAX, "reply to %d is %zu bytes", status, n);
    int want = known_status(status) ? status : 500;

    char prefix[16];
    snprintf(prefix, sizeof prefix, "HTTP/1.1 %d ", want);
    CHECK(n > strlen(prefix) && memcmp(buf, prefix, strlen(prefix)) == 0,
          "reply to %d: status line %.*s", status, (int)(n < 40 ? n : 40), buf);
    size_t at = line_end(buf, 0, n);
    CHECK(at < n, "reply to %d: no CRLF after the status line", status);
    for (size_t i = strlen(prefix); i < at; i++)
        CHECK(buf[i] >= 0x20 && buf[i] < 0x7f, "reply to %d: byte 0x%02x in the reason", status,
              (unsigned char)buf[i]);
    at += 2;

    long length = -1;
    int connections = 0, allows = 0, dates_seen = 0, servers_seen = 0, types = 0;
    for (;;) {
        size_t end = line_end(buf, at, n);
        CHECK(end < n, "reply to %d: field lines do not end", status);
        if (end == at) break; /* the empty line */
        const char *line = buf + at;
        size_t len = end - at, name = 0;
        while (name < len && is_tchar((unsigned char)line[name])) name++;
        CHECK(name > 0 && name + 1 < len && line[name] == ':' && line[name + 1] == ' ',
              "reply to %d: field line %.*s", status, (int)len, line);
        const char *v = line + name + 2;
        size_t vlen = len - name - 2;
        for (size_t i = 0; i < vlen; i++)
            CHECK((unsigned char)v[i] >= 0x20 && v[i] != 0x7f, "reply to %d: byte 0x%02x in %.*s", status,
                  (unsigned char)v[i], (int)len, line);
        CHECK(vlen == 0 || (v[0] != ' ' && v[vlen - 1] != ' '), "reply to %d: padded %.*s", status,
              (int)len, line);
#define IS(s) (name == strlen(s) && memcmp(line, s, name) == 0)
#define VALUE_IS(s, max) (vlen == strnlen(s, max) && memcmp(v, s, vlen) == 0)
        if (IS("Content-Length")) {
            CHECK(length < 0 && vlen > 0 && vlen < 6 && strspn(v, "0123456789") >= vlen,
                  "reply to %d: %.*s", status, (int)len, line);
            length = strtol(v, NULL, 10);
        } else if (IS("Connection")) {
            connections++;
            CHECK(VALUE_IS(keep_alive ? "keep-alive" : "close", 16), "reply to %d, keep_alive %d: %.*s",
                  status, keep_alive, (int)len, line);
        } else if (IS("Allow")) {
            allows++;
            CHECK(VALUE_IS("GET, HEAD", 16), "reply to %d: %.*s", status, (int)len, line);
        } else if (IS("Date")) {
            dates_seen++;
            CHECK(VALUE_IS(date, 40), "reply to %d: %.*s, date %s", status, (int)len, line, date);
        } else if (IS("Server")) {
            servers_seen++;
            CHECK(VALUE_IS(server, 64), "reply to %d: %.*s, server %s", status, (int)len, line, server);
        } else if (IS("Content-Type")) {
            types++;
        }
#undef IS
#undef VALUE_IS
        at = end + 2;
    }
    at += 2;
    CHECK(length >= 0 && connections == 1 && dates_seen == 1 && servers_seen == 1 && types == 1,
          "reply to %d: Content-Length %ld, Connection x%d, Date x%d, Server x%d, Content-Type x%d",
          status, length, connections, dates_seen, servers_seen, types);
    CHECK(allows == (want == 405), "reply to %d: Allow x%d", status, allows);
    size_t body = n - at;
    if (head) {
        CHECK(body == 0, "reply to HEAD with %d has a body of %zu bytes", status, body);
        /* HEAD's Content-Length is GET's (RFC 9110 9.3.2). */
        char *get = malloc(HTTP_REPLY_MAX);
        if (!get) abort();
        size_t m = http_reply(get, status, 0, keep_alive, server, date);
        CHECK(m == n + (size_t)length && memcmp(get, buf, n) == 0,
              "reply to HEAD with %d is not GET's without its body", status);
        free(get);
    } else {
        CHECK((long)body == length, "reply to %d: body of %zu bytes, Content-Length %ld", status, body, length);
        CHECK(body > 0 && buf[n - 1] == '\n', "reply to %d: body does not end in LF", status);
        if (want == 200)
            CHECK(body == 14 && memcmp(buf + at, "Hello, World!\n", 14) == 0, "reply 200: body %.*s",
                  (int)body, buf + at);
    }
    free(buf);
}

/* ---- requests ---- */

/* event is what one call sequence ends in: a request, or an error. */
struct event {
    int result;              /* HTTP_REQUEST or the error's status */
    size_t end;              /* stream offset just past its last byte consumed */
    enum http_method method; /* an error's http_parser_method: HEAD leaves the body out */
    struct http_request req; /* HTTP_REQUEST only */
};

/* run is what one way of feeding the stream saw. */
struct run {
    struct event *events;
    size_t n, cap;
    int started;             /* at the end of the stream, mid-request */
    enum http_method method;
};

static void record(struct run *run, struct event e) {
    if (run->n == run->cap) {
        run->cap = run->cap ? 2 * run->cap : 16;
        run->events = realloc(run->events, run->cap * sizeof *run->events);
        if (!run->events) abort();
    }
    run->events[run->n++] = e;
}

static int is_error(int r) {
    return r == HTTP_BAD_REQUEST || r == HTTP_TOO_LARGE || r == HTTP_URI_TOO_LONG ||
           r == HTTP_FIELDS_TOO_LARGE || r == HTTP_NOT_IMPLEMENTED || r == HTTP_VERSION_NOT_SUPPORTED;
}

/* check_framing reads a complete request's bytes again, by a rule simpler
 * than the parser's, and fails unless its body is what its head announced:
 * the Content-Length, the chunks up to the last one and the trailer's empty
 * line, or nothing. Request smuggling lives in a disagreement here. */
__attribute__((noinline)) static void check_framing(const uint8_t *r, size_t n) {
    size_t at = 0;
    while (at < n && (r[at] == '\n' || (r[at] == '\r' && at + 1 < n && r[at + 1] == '\n')))
        at += r[at] == '\n' ? 1 : 2; /* empty lines before the request line */
    /* The head ends at the first empty line: field values hold no CR or LF. */
    size_t head = at, end = 0;
    for (size_t i = at; i + 1 < n && !end; i++)
        if (r[i] == '\n' && r[i + 1] == '\n') end = i + 2;
        else if (r[i] == '\n' && r[i + 1] == '\r' && i + 2 < n && r[i + 2] == '\n') end = i + 3;
    CHECK(end > 0, "a request of %zu bytes whose head does not end", n);
    long length = -1;
    int chunked = 0;
    for (size_t i = head; i < end;) {
        const uint8_t *nl = memchr(r + i, '\n', end - i);
        size_t line = (size_t)(nl - r) - i;
        const char *l = (const char *)r + i;
        const char *colon = memchr(l, ':', line);
        if (colon) {
            size_t name = (size_t)(colon - l);
            if (name == 17 && strncasecmp(l, "transfer-encoding", 17) == 0) chunked = 1;
            if (name == 14 && strncasecmp(l, "content-length", 14) == 0) {
                long v = 0;
                for (const char *c = colon + 1; c < l + line; c++)
                    if (*c >= '0' && *c <= '9') v = v > HTTP_MAX_BODY ? v : v * 10 + (*c - '0');
                CHECK(length < 0 || v == length, "Content-Length %ld and %ld", length, v);
                CHECK(v <= HTTP_MAX_BODY, "Content-Length %ld accepted", v);
                length = v;
            }
        }
        i += line + 1;
    }
    size_t body = n - end;
    /* RFC 9112 6.3: a Transfer-Encoding field, even an empty one, means the
     * body is chunked, or the request is refused. */
    if (chunked)
        CHECK(length < 0 && body >= 5 && memcmp(r + n - 4, "\r\n\r\n", 4) == 0,
              "request with Transfer-Encoding accepted with a body of %zu bytes not chunked to the end, "
              "Content-Length %ld", body, length);
    else if (length >= 0)
        CHECK(body == (size_t)length, "body of %zu bytes, Content-Length %ld", body, length);
    else
        CHECK(body == 0, "body of %zu bytes without Content-Length or chunked", body);
}

/* check_request: a complete request's fields hold what the parser promises,
 * and its path is bytes of the request itself, stream[start, end). */
__attribute__((noinline)) static void check_request(const struct http_request *r, const uint8_t *stream,
                                                     size_t start, size_t end) {
    CHECK(r->method >= HTTP_GET && r->method <= HTTP_CONNECT, "request with method %d", r->method);
    CHECK(r->minor == 0 || r->minor == 1, "request with minor %d", r->minor);
    CHECK(r->keep_alive == 0 || r->keep_alive == 1, "request with keep_alive %d", r->keep_alive);
    const char *nul = memchr(r->path, 0, HTTP_PATH_MAX);
    CHECK(nul != NULL, "path not NUL-terminated within %d bytes", HTTP_PATH_MAX);
    size_t n = (size_t)(nul - r->path);
    size_t want = r->path_len < HTTP_PATH_MAX - 1 ? r->path_len : HTTP_PATH_MAX - 1;
    CHECK(n == want, "path of %zu bytes kept, path_len %zu", n, r->path_len);
    CHECK(r->path_len <= end - start && r->path_len <= HTTP_MAX_REQUEST_LINE,
          "path_len %zu, request of %zu bytes", r->path_len, end - start);
    for (size_t i = 0; i < n; i++)
        CHECK(r->path[i] > 0x20 && r->path[i] < 0x7f && r->path[i] != '?', "byte 0x%02x in the path",
              (unsigned char)r->path[i]);
    CHECK(n == 0 || memmem(stream + start, end - start, r->path, n) != NULL, "path %s is not in the request",
          r->path);
    if (r->method == HTTP_CONNECT)
        CHECK(r->path_len == 0, "CONNECT with path %s", r->path);
    else if (r->method != HTTP_OPTIONS)
        CHECK(n > 0 && r->path[0] == '/', "method %d with path \"%s\"", r->method, r->path);

    int route = http_route(r);
    int want_route = r->method != HTTP_GET && r->method != HTTP_HEAD ? 405
                     : r->path_len == 6 && strcmp(r->path, "/hello") == 0 ? 200 : 404;
    CHECK(route == want_route, "http_route says %d, want %d", route, want_route);
    check_framing(stream + start, end - start);
}

enum mode { WHOLE, BYTES, SCHEDULE };

/* piece_size reads one schedule byte. */
static size_t piece_size(uint8_t b) { return b < 0x80 ? (size_t)b + 1 : (size_t)(b - 0x7f) * 128; }

/* feed hands the stream to a fresh parser as a connection would get it, in
 * pieces; each piece is a heap block of its own, freed once parsed, so that
 * a read past a piece or a byte kept after the call is an ASan report. */
static void feed(struct run *run, const uint8_t *stream, size_t len, enum mode mode, const uint8_t *schedule,
                 size_t k) {
    struct http_parser p, before;
    http_parser_init(&p);
    size_t off = 0, next = 0, start = 0;
    while (off < len) {
        size_t piece = mode == WHOLE ? len : mode == BYTES ? 1 : piece_size(schedule[next++ % k]);
        if (piece > len - off) piece = len - off;
        char *buf = malloc(piece);
        if (!buf) abort();
        memcpy(buf, stream + off, piece);

        /* An empty read hands over nothing and changes nothing. */
        size_t used = 12345;
        struct http_request req;
        memcpy(&before, &p, sizeof p);
        enum http_result r = http_parse(&p, buf + piece, 0, &used, &req);
        CHECK(r == HTTP_NEED_MORE && used == 0 && memcmp(&before, &p, sizeof p) == 0,
              "empty call: result %d, consumed %zu, state changed %d", r, used,
              memcmp(&before, &p, sizeof p) != 0);

        size_t at = 0;
        while (at < piece) {
            used = 12345;
            r = http_parse(&p, buf + at, piece - at, &used, &req);
            CHECK(used <= piece - at, "consumed %zu of %zu bytes", used, piece - at);
            if (r == HTTP_NEED_MORE) {
                CHECK(used == piece - at, "need more, yet consumed %zu of %zu bytes", used, piece - at);
                at = piece;
                break;
            }
            CHECK(used > 0, "result %d with no byte consumed", r);
            at += used;
            if (r == HTTP_REQUEST) {
                check_request(&req, stream, start, off + at);
                CHECK(!http_parser_started(&p), "parser started after a whole request");
                record(run, (struct event){.result = r, .end = off + at, .req = req});
                start = off + at;
                continue;
            }
            CHECK(is_error(r), "http_parse returned %d", r);
            struct event e = {.result = r, .end = off + at, .method = http_parser_method(&p)};
            /* After an error the parser stays in it, and consumes nothing. */
            used = 12345;
            enum http_result again = http_parse(&p, buf + at, piece - at, &used, &req);
            CHECK(again == r && used == 0, "after %d: result %d, consumed %zu", r, again, used);
            record(run, e);
            free(buf);
            return; /* the connection is answered and closed */
        }
        free(buf);
        off += piece;
    }
    run->started = http_parser_started(&p);
    run->method = http_parser_method(&p);
}

static const char *const mode_name[] = {"whole", "byte by byte", "in scheduled pieces"};

/* same fails unless two ways of feeding saw the same events. */
static void same(const struct run *a, const struct run *b, enum mode mode) {
    CHECK(a->n == b->n, "whole: %zu results, %s: %zu", a->n, mode_name[mode], b->n);
    for (size_t i = 0; i < a->n; i++) {
        const struct event *x = &a->events[i], *y = &b->events[i];
        CHECK(x->result == y->result && x->end == y->end && x->method == y->method,
              "result %zu: whole %d ending at %zu (method %d), %s %d ending at %zu (method %d)", i, x->result,
              x->end, x->method, mode_name[mode], y->result, y->end, y->method);
        if (x->result != HTTP_REQUEST) continue;
        const struct http_request *p = &x->req, *q = &y->req;
        CHECK(p->method == q->method && p->minor == q->minor && p->keep_alive == q->keep_alive &&
                  p->path_len == q->path_len && strcmp(p->path, q->path) == 0,
              "request %zu: whole %d 1.%d ka=%d %s (%zu), %s %d 1.%d ka=%d %s (%zu)", i, p->method, p->minor,
              p->keep_alive, p->path, p->path_len, mode_name[mode], q->method, q->minor, q->keep_alive, q->path,
              q->path_len);
    }
    CHECK(a->started == b->started && a->method == b->method,
          "at the end: whole started=%d method=%d, %s started=%d method=%d", a->started, a->method,
          mode_name[mode], b->started, b->method);
}

/* HTTP_FUZZ_PRINT=1 prints what the whole stream parsed into, a line per
 * result: to see what a seed or a regression exercises. */
static int print;

/* The replies for every status, once per process: cheap, and no input
 * changes them. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    print = getenv("HTTP_FUZZ_PRINT") != NULL;
    static const int statuses[] = {200, 400, 404, 405, 408, 413, 414, 431, 501, 505,
                                   0,   1,   100, 500, 999, -1, 1000000, -2147483647 - 1, 2147483647};
    for (size_t s = 0; s < COUNT(statuses); s++)
        for (size_t v = 0; v < COUNT(servers) * COUNT(dates) * 4; v++)
            check_reply(statuses[s], v & 1, (v >> 1) & 1, servers[(v >> 2) % COUNT(servers)],
                        dates[(v >> 2) / COUNT(servers)]);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    size_t k = data[0] & 7;
    if (size < 1 + k) return 0;
    const uint8_t *schedule = data + 1, *stream = data + 1 + k;
    size_t len = size - 1 - k;

    struct run runs[3] = {{0}};
    feed(&runs[WHOLE], stream, len, WHOLE, NULL, 0);
    feed(&runs[BYTES], stream, len, BYTES, NULL, 0);
    same(&runs[WHOLE], &runs[BYTES], BYTES);
    if (k > 0) {
        feed(&runs[SCHEDULE], stream, len, SCHEDULE, schedule, k);
        same(&runs[WHOLE], &runs[SCHEDULE], SCHEDULE);
    }

    if (print) {
        for (size_t i = 0; i < runs[WHOLE].n; i++) {
            const struct event *e = &runs[WHOLE].events[i];
            if (e->result == HTTP_REQUEST)
                fprintf(stderr, "request method=%d minor=%d keep_alive=%d path=%s path_len=%zu end=%zu\n",
                        e->req.method, e->req.minor, e->req.keep_alive, e->req.path, e->req.path_len, e->end);
            else
                fprintf(stderr, "error %d method=%d end=%zu\n", e->result, e->method, e->end);
        }
        fprintf(stderr, "end of %zu bytes: started=%d method=%d\n", len, runs[WHOLE].started,
                runs[WHOLE].method);
    }

    /* Each result answered as serve() and conn.c answer it, with a Server
     * and a Date the input picks. */
    const char *server = servers[len % COUNT(servers)], *date = dates[(len / COUNT(servers)) % COUNT(dates)];
    for (size_t i = 0; i < runs[WHOLE].n; i++) {
        const struct event *e = &runs[WHOLE].events[i];
        if (e->result == HTTP_REQUEST)
            check_reply(http_route(&e->req), e->req.method == HTTP_HEAD, e->req.keep_alive, server, date);
        else
            check_reply(e->result, e->method == HTTP_HEAD, 0, server, date);
    }
    if (runs[WHOLE].started) check_reply(HTTP_TIMEOUT, runs[WHOLE].method == HTTP_HEAD, 0, server, date);

    for (size_t i = 0; i < 3; i++) free(runs[i].events);
    return 0;
}
