/* http.c: an incremental HTTP/1.x request parser and the replies, by the
 * letter of RFC 9112 where a server must reject, and strict where it may
 * choose. One byte, one state transition: nothing is buffered, so a request
 * may arrive in any number of pieces, and a fuzzer finds every state. */
#include "http.h"

#include <string.h>

enum state {
    S_START,         /* before a request line: empty lines are skipped */
    S_START_LF,      /* CR of such an empty line */
    S_METHOD,
    S_TARGET_FIRST,  /* the target's first byte decides its form */
    S_TARGET,
    S_VERSION,
    S_LINE_LF,       /* CR after the version */
    S_FIELD_START,   /* a field line, or the empty line that ends the head */
    S_FIELD_NAME,
    S_FIELD_VALUE,
    S_FIELD_LF,
    S_HEAD_LF,       /* CR of the empty line */
    S_BODY,          /* Content-Length bytes to discard */
    S_CHUNK_SIZE,
    S_CHUNK_SIZE_WS, /* BWS after the size */
    S_CHUNK_EXT,
    S_CHUNK_SIZE_LF,
    S_CHUNK_DATA,
    S_CHUNK_DATA_CR,
    S_CHUNK_DATA_LF,
    S_TRAILER_START,
    S_TRAILER,
    S_TRAILER_LF,
    S_TRAILER_END_LF,
};

/* The request-target's forms (RFC 9112 3.2), as far as they have been read. */
enum target {
    T_PATH,      /* origin-form, or absolute-form past its authority */
    T_QUERY,     /* past '?': skipped */
    T_ASTERISK,  /* "*", for OPTIONS */
    T_SCHEME,    /* absolute-form: "http" ... */
    T_SLASH1,    /* ... ":" */
    T_SLASH2,    /* ... ":/" */
    T_AUTHORITY, /* ... "://host" */
    T_OPAQUE,    /* CONNECT's authority-form, or already known bad */
};

/* The fields whose values the parser reads; every other one is only checked. */
enum field { F_OTHER, F_HOST, F_LENGTH, F_CODING, F_CONNECTION };

enum { DONE = 1 }; /* step's "request complete" */

/* Character classes (RFC 9110 5.6.2, 5.5; RFC 3986 for the target). */
enum { TCHAR = 1, VCHAR = 2, FIELD = 4, HEX = 8, SCHEME = 16 };
static const unsigned char class[256] = {
    ['\t'] = FIELD, [' '] = FIELD,
    ['!'] = TCHAR | VCHAR | FIELD, ['"'] = VCHAR | FIELD, ['#'] = TCHAR | VCHAR | FIELD,
    ['$'] = TCHAR | VCHAR | FIELD, ['%'] = TCHAR | VCHAR | FIELD, ['&'] = TCHAR | VCHAR | FIELD,
    ['\''] = TCHAR | VCHAR | FIELD, ['('] = VCHAR | FIELD, [')'] = VCHAR | FIELD,
    ['*'] = TCHAR | VCHAR | FIELD, ['+'] = TCHAR | VCHAR | FIELD | SCHEME, [','] = VCHAR | FIELD,
    ['-'] = TCHAR | VCHAR | FIELD | SCHEME, ['.'] = TCHAR | VCHAR | FIELD | SCHEME,
    ['/'] = VCHAR | FIELD,
    ['0' ... '9'] = TCHAR | VCHAR | FIELD | HEX | SCHEME,
    [':'] = VCHAR | FIELD, [';'] = VCHAR | FIELD, ['<'] = VCHAR | FIELD, ['='] = VCHAR | FIELD,
    ['>'] = VCHAR | FIELD, ['?'] = VCHAR | FIELD, ['@'] = VCHAR | FIELD,
    ['A' ... 'F'] = TCHAR | VCHAR | FIELD | HEX | SCHEME,
    ['G' ... 'Z'] = TCHAR | VCHAR | FIELD | SCHEME,
    ['['] = VCHAR | FIELD, ['\\'] = VCHAR | FIELD, [']'] = VCHAR | FIELD,
    ['^'] = TCHAR | VCHAR | FIELD, ['_'] = TCHAR | VCHAR | FIELD, ['`'] = TCHAR | VCHAR | FIELD,
    ['a' ... 'f'] = TCHAR | VCHAR | FIELD | HEX | SCHEME,
    ['g' ... 'z'] = TCHAR | VCHAR | FIELD | SCHEME,
    ['{'] = VCHAR | FIELD, ['|'] = TCHAR | VCHAR | FIELD, ['}'] = VCHAR | FIELD,
    ['~'] = TCHAR | VCHAR | FIELD,
    [0x80 ... 0xff] = FIELD, /* obs-text: allowed in field values only */
};

static int is(unsigned char c, int cls) { return class[c] & cls; }
static unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
static int hex(unsigned char c) { return c <= '9' ? c - '0' : lower(c) - 'a' + 10; }

void http_parser_init(struct http_parser *p) {
    memset(p, 0, sizeof *p); /* S_START, no error, nothing seen */
}

int http_parser_started(const struct http_parser *p) { return p->started; }

enum http_method http_parser_method(const struct http_parser *p) { return p->req.method; }

static enum http_method lookup_method(const char *m, size_t len) {
    static const struct { const char *name; enum http_method method; } known[] = {
        {"GET", HTTP_GET}, {"HEAD", HTTP_HEAD}, {"POST", HTTP_POST},
        {"PUT", HTTP_PUT}, {"DELETE", HTTP_DELETE}, {"PATCH", HTTP_PATCH},
        {"OPTIONS", HTTP_OPTIONS}, {"TRACE", HTTP_TRACE}, {"CONNECT", HTTP_CONNECT},
    };
    /* Methods are case-sensitive (RFC 9110 9.1): "get" is some other method. */
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i].name) == len && memcmp(known[i].name, m, len) == 0) return known[i].method;
    return HTTP_METHOD_OTHER;
}

static void path_byte(struct http_parser *p, unsigned char c) {
    if (p->req.path_len < HTTP_PATH_MAX - 1) p->req.path[p->req.path_len] = (char)c;
    p->req.path_len++;
}

/* target_byte follows the target's form; a byte that breaks it marks the
 * target bad, reported at the end of the line, after the version and the
 * method, so that "PRI * HTTP/2.0" is a 505 and "get x HTTP/1.1" a 501. */
static void target_byte(struct http_parser *p, unsigned char c) {
    switch (p->target_form) {
    case T_PATH:
        if (c == '?') p->target_form = T_QUERY;
        else path_byte(p, c);
        break;
    case T_QUERY:
    case T_OPAQUE: break;
    case T_ASTERISK: p->target_bad = 1; break;
    case T_SCHEME:
        if (c == ':') p->target_form = T_SLASH1;
        else if (!is(c, SCHEME)) p->target_bad = 1;
        break;
    case T_SLASH1:
    case T_SLASH2:
        if (c != '/') p->target_bad = 1;
        p->target_form++;
        break;
    case T_AUTHORITY:
        if (c == '/' || c == '?') {
            path_byte(p, '/');
            p->target_form = c == '/' ? T_PATH : T_QUERY;
        }
        break;
    }
}

/* line_end checks the request line once it is whole. */
static int line_end(struct http_parser *p) {
    const char *v = p->version;
    if (p->version_len != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' ||
        v[6] != '.' || v[7] < '0' || v[7] > '9')
        return HTTP_BAD_REQUEST; /* HTTP/0.9's "GET /" never gets here: no second SP */
    if (v[5] != '1') return HTTP_VERSION_NOT_SUPPORTED; /* HTTP/2.0, HTTP/3.0, HTTP/0.9 */
    /* RFC 9110 2.5: a higher minor version is served as the highest we know. */
    p->req.minor = v[7] == '0' ? 0 : 1;
    if (p->req.method == HTTP_METHOD_OTHER) return HTTP_NOT_IMPLEMENTED;
    switch (p->target_form) {
    case T_SCHEME: case T_SLASH1: case T_SLASH2: p->target_bad = 1; break;
    case T_AUTHORITY: path_byte(p, '/'); break; /* "http://host" means "/" */
    case T_ASTERISK: if (p->req.method != HTTP_OPTIONS) p->target_bad = 1; break;
    }
    if (p->target_bad) return HTTP_BAD_REQUEST;
    p->req.path[p->req.path_len < HTTP_PATH_MAX ? p->req.path_len : HTTP_PATH_MAX - 1] = 0;
    p->state = S_FIELD_START;
    return 0;
}

static int token_is(const struct http_parser *p, const char *s) {
    return p->token_len == strlen(s) && memcmp(p->token, s, p->token_len) == 0;
}

/* token_end takes one member of a Connection or Transfer-Encoding list. */
static void token_end(struct http_parser *p) {
    if (p->token_len == 0) return; /* empty list members are allowed */
    if (p->field == F_CONNECTION) {
        if (token_is(p, "close")) p->conn_close = 1;
        if (token_is(p, "keep-alive")) p->conn_keep_alive = 1;
    } else {
        p->codings++;
        if (token_is(p, "chunked")) p->chunked++;
        p->te = token_is(p, "chunked") ? 2 : 1;
    }
    p->token_len = 0;
}

static void value_byte(struct http_parser *p, unsigned char c) {
    switch (p->field) {
    case F_LENGTH: /* OWS 1*DIGIT OWS, nothing else: no sign, no list */
        if (c == ' ' || c == '\t') {
            if (p->value_state == 1) p->value_state = 2;
        } else if (c >= '0' && c <= '9' && p->value_state < 2) {
            p->value_state = 1;
            /* Saturate far above the limit instead of overflowing. */
            p->number = p->number > UINT64_MAX / 20 ? UINT64_MAX / 2 : p->number * 10 + (c - '0');
        } else {
            p->length_bad = 1;
        }
        break;
    case F_CODING:
    case F_CONNECTION:
        if (c == ',' || c == ' ' || c == '\t') {
            token_end(p);
        } else {
            if (p->token_len < sizeof p->token) p->token[p->token_len] = (char)lower(c);
            p->token_len++; /* too long for any token we know: compares unequal */
            if (p->token_len > sizeof p->token) p->token_len = sizeof p->token + 1;
        }
        break;
    }
}

static void field_end(struct http_parser *p) {
    switch (p->field) {
    case F_HOST: p->hosts++; break;
    case F_LENGTH:
        if (p->value_state == 0 || (p->lengths > 0 && p->number != p->length)) p->length_bad = 1;
        p->length = p->number;
        p->lengths++;
        break;
    case F_CODING:
    case F_CONNECTION: token_end(p); break;
    }
    p->state = S_FIELD_START;
}

static void field_name_end(struct http_parser *p) {
    static const struct { const char *name; enum field field; } known[] = {
        {"host", F_HOST}, {"content-length", F_LENGTH},
        {"transfer-encoding", F_CODING}, {"connection", F_CONNECTION},
    };
    p->field = F_OTHER;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i].name) == p->name_len && memcmp(known[i].name, p->name, p->name_len) == 0)
            p->field = known[i].field;
    if (p->field == F_CODING && !p->te) p->te = 1; /* present, even if empty */
    p->value_state = 0;
    p->token_len = 0;
    p->number = 0;
    p->state = S_FIELD_VALUE;
}

/* head_end decides, from the fields, whether and how a body follows. */
static int head_end(struct http_parser *p) {
    struct http_request *r = &p->req;
    /* RFC 9112 3.2: exactly one Host in HTTP/1.1, never two in any version. */
    if (p->hosts > 1 || (r->minor == 1 && p->hosts == 0)) return HTTP_BAD_REQUEST;
    if (p->length_bad) return HTTP_BAD_REQUEST;
    /* RFC 9112 6.1: both is how requests are smuggled; we may reject it. */
    if (p->te && p->lengths) return HTTP_BAD_REQUEST;
    r->keep_alive = r->minor == 1 ? !p->conn_close : p->conn_keep_alive && !p->conn_close;
    if (p->te) {
        /* RFC 9112 6.3: a request whose last coding is not chunked (an empty
         * list has none) has no length we can find: 400, not 501. */
        if (p->te != 2) return HTTP_BAD_REQUEST;
        if (p->codings > p->chunked) return HTTP_NOT_IMPLEMENTED; /* gzip, br, ... */
        if (p->chunked > 1) return HTTP_BAD_REQUEST;             /* chunked twice */
        if (r->minor == 0) r->keep_alive = 0; /* RFC 9112 6.1: faulty framing in 1.0 */
        p->number = 0;
        p->value_state = 0;
        p->state = S_CHUNK_SIZE;
        return 0;
    }
    if (p->lengths && p->length > 0) {
        if (p->length > HTTP_MAX_BODY) return HTTP_TOO_LARGE;
        p->remaining = p->length;
        p->state = S_BODY;
        return 0;
    }
    return DONE;
}

/* step consumes one byte in every state but the two that skip body bytes. */
static int step(struct http_parser *p, unsigned char c) {
    switch (p->state) {
    case S_START:
        if (c == '\r') { p->state = S_START_LF; return 0; }
        if (c == '\n') return ++p->empty_lines > HTTP_MAX_EMPTY_LINES ? HTTP_BAD_REQUEST : 0;
        if (!is(c, TCHAR)) return HTTP_BAD_REQUEST; /* TLS, NUL, a space: not HTTP */
        p->started = 1;
        p->state = S_METHOD;
        break; /* the byte is the method's first: fall to the length count below */
    case S_START_LF:
        if (c != '\n') return HTTP_BAD_REQUEST;
        p->state = S_START;
        return ++p->empty_lines > HTTP_MAX_EMPTY_LINES ? HTTP_BAD_REQUEST : 0;

    case S_FIELD_START:
    case S_FIELD_NAME:
    case S_FIELD_VALUE:
    case S_FIELD_LF:
    case S_HEAD_LF:
        if (++p->head_len > HTTP_MAX_HEADER_BYTES) return HTTP_FIELDS_TOO_LARGE;
        switch (p->state) {
        case S_FIELD_START:
            if (c == '\r') { p->state = S_HEAD_LF; return 0; }
            if (c == '\n') return head_end(p); /* bare LF, as the seed's client ends lines */
            if (!is(c, TCHAR)) return HTTP_BAD_REQUEST; /* obs-fold, ':' with no name, NUL */
            if (++p->fields > HTTP_MAX_FIELDS) return HTTP_FIELDS_TOO_LARGE;
            p->name_len = 0;
            p->state = S_FIELD_NAME;
            /* The byte is the name's first. */
            /* fall through */
        case S_FIELD_NAME:
            if (c == ':') {
                field_name_end(p);
                return 0;
            }
            if (!is(c, TCHAR)) return HTTP_BAD_REQUEST; /* "Host :", a line with no colon */
            if (p->name_len < sizeof p->name) p->name[p->name_len] = (char)lower(c);
            if (p->name_len <= sizeof p->name) p->name_len++; /* too long: matches nothing */
            return 0;
        case S_FIELD_VALUE:
            if (c == '\r') { p->state = S_FIELD_LF; return 0; }
            if (c == '\n') { field_end(p); return 0; }
            if (!is(c, FIELD)) return HTTP_BAD_REQUEST; /* NUL, controls, DEL */
            value_byte(p, c);
            return 0;
        case S_FIELD_LF:
            if (c != '\n') return HTTP_BAD_REQUEST; /* a bare CR */
            field_end(p);
            return 0;
        default: /* S_HEAD_LF */
            return c == '\n' ? head_end(p) : HTTP_BAD_REQUEST;
        }

    /* Chunked framing is read strictly: CRLF only, as RFC 9112 7.1 writes it,
     * since leniency here is what request smuggling feeds on. */
    case S_CHUNK_SIZE:
        if (is(c, HEX)) {
            p->value_state = 1;
            p->number = p->number * 16 + (uint64_t)hex(c);
            return p->body_total + p->number > HTTP_MAX_BODY ? HTTP_TOO_LARGE : 0;
        }
        if (!p->value_state) return HTTP_BAD_REQUEST; /* no digits */
        /* fall through */
    case S_CHUNK_SIZE_WS:
        if (c == ' ' || c == '\t') p->state = S_CHUNK_SIZE_WS;
        else if (c == ';') p->state = S_CHUNK_EXT;
        else if (c == '\r') p->state = S_CHUNK_SIZE_LF;
        else return HTTP_BAD_REQUEST;
        return 0;
    case S_CHUNK_EXT: /* read and ignored, bounded */
        if (c == '\r') { p->state = S_CHUNK_SIZE_LF; return 0; }
        if (!is(c, FIELD) || ++p->ext_len > HTTP_MAX_CHUNK_EXT) return HTTP_BAD_REQUEST;
        return 0;
    case S_CHUNK_SIZE_LF:
        if (c != '\n') return HTTP_BAD_REQUEST;
        if (p->number == 0) { p->state = S_TRAILER_START; return 0; }
        p->body_total += p->number;
        p->remaining = p->number;
        p->state = S_CHUNK_DATA;
        return 0;
    case S_CHUNK_DATA_CR:
        if (c != '\r') return HTTP_BAD_REQUEST;
        p->state = S_CHUNK_DATA_LF;
        return 0;
    case S_CHUNK_DATA_LF:
        if (c != '\n') return HTTP_BAD_REQUEST;
        p->number = 0;
        p->value_state = 0;
        p->ext_len = 0;
        p->state = S_CHUNK_SIZE;
        return 0;
    case S_TRAILER_START:
    case S_TRAILER:
    case S_TRAILER_LF:
    case S_TRAILER_END_LF:
        /* Trailer fields are discarded; they share the head's byte budget. */
        if (++p->head_len > HTTP_MAX_HEADER_BYTES) return HTTP_FIELDS_TOO_LARGE;
        switch (p->state) {
        case S_TRAILER_START:
            if (c == '\r') { p->state = S_TRAILER_END_LF; return 0; }
            if (!is(c, TCHAR)) return HTTP_BAD_REQUEST;
            p->state = S_TRAILER;
            return 0;
        case S_TRAILER:
            if (c == '\r') { p->state = S_TRAILER_LF; return 0; }
            return is(c, FIELD) ? 0 : HTTP_BAD_REQUEST;
        case S_TRAILER_LF:
            if (c != '\n') return HTTP_BAD_REQUEST;
            p->state = S_TRAILER_START;
            return 0;
        default: /* S_TRAILER_END_LF */
            return c == '\n' ? DONE : HTTP_BAD_REQUEST;
        }
    }

    /* The request line: S_START handed over its first byte, or we are in it.
     * Its length does not count the line end. */
    if (c != '\r' && c != '\n' && ++p->line_len > HTTP_MAX_REQUEST_LINE) return HTTP_URI_TOO_LONG;
    switch (p->state) {
    case S_METHOD:
        if (c == ' ') {
            if (p->method_len > sizeof p->method) p->req.method = HTTP_METHOD_OTHER;
            else p->req.method = lookup_method(p->method, p->method_len);
            p->state = S_TARGET_FIRST;
            return 0;
        }
        if (!is(c, TCHAR)) return HTTP_BAD_REQUEST;
        if (p->method_len < sizeof p->method) p->method[p->method_len] = (char)c;
        if (p->method_len <= sizeof p->method) p->method_len++;
        return 0;
    case S_TARGET_FIRST:
        if (!is(c, VCHAR)) return HTTP_BAD_REQUEST; /* SP SP: an empty target */
        p->state = S_TARGET;
        if (p->req.method == HTTP_CONNECT) p->target_form = T_OPAQUE;
        else if (c == '/') p->target_form = T_PATH;
        else if (c == '*') { p->target_form = T_ASTERISK; return 0; }
        else if ((lower(c) >= 'a' && lower(c) <= 'z')) { p->target_form = T_SCHEME; return 0; }
        else { p->target_form = T_OPAQUE; p->target_bad = 1; }
        target_byte(p, c);
        return 0;
    case S_TARGET:
        if (c == ' ') { p->state = S_VERSION; return 0; }
        if (!is(c, VCHAR)) return HTTP_BAD_REQUEST; /* CR, LF (HTTP/0.9), controls, >= 0x80 */
        target_byte(p, c);
        return 0;
    case S_VERSION:
        if (c == '\r') { p->state = S_LINE_LF; return 0; }
        if (c == '\n') return line_end(p);
        if (!is(c, VCHAR) || p->version_len >= 8) return HTTP_BAD_REQUEST;
        p->version[p->version_len++] = (char)c;
        return 0;
    case S_LINE_LF:
        return c == '\n' ? line_end(p) : HTTP_BAD_REQUEST;
    }
    return HTTP_BAD_REQUEST; /* unreachable: every state is handled above */
}

enum http_result http_parse(struct http_parser *p, const char *buf, size_t len,
                            size_t *consumed, struct http_request *out) {
    size_t i = 0;
    if (p->error) {
        *consumed = 0;
        return (enum http_result)p->error;
    }
    while (i < len) {
        int r;
        if (p->state == S_BODY || p->state == S_CHUNK_DATA) {
            /* Body bytes are skipped in bulk, not stepped through. */
            size_t n = len - i;
            if (n > p->remaining) n = (size_t)p->remaining;
            i += n;
            p->remaining -= n;
            if (p->remaining > 0) continue;
            if (p->state == S_CHUNK_DATA) {
                p->state = S_CHUNK_DATA_CR;
                continue;
            }
            r = DONE;
        } else {
            r = step(p, (unsigned char)buf[i++]);
        }
        if (r == DONE) {
            *out = p->req;
            http_parser_init(p);
            *consumed = i;
            return HTTP_REQUEST;
        }
        if (r != 0) {
            p->error = r;
            *consumed = i;
            return (enum http_result)r;
        }
    }
    *consumed = len;
    return HTTP_NEED_MORE;
}

int http_route(const struct http_request *r) {
    if (r->method != HTTP_GET && r->method != HTTP_HEAD) return 405;
    return r->path_len == 6 && memcmp(r->path, "/hello", 6) == 0 ? 200 : 404;
}

static char *put(char *o, const char *s) {
    size_t n = strlen(s);
    memcpy(o, s, n);
    return o + n;
}

/* put_cut appends s, cut to max bytes: for what the caller hands in. */
static char *put_cut(char *o, const char *s, size_t max) {
    size_t n = strnlen(s, max);
    memcpy(o, s, n);
    return o + n;
}

static char *put_uint(char *o, unsigned long v) {
    char digits[20];
    int i = 0;
    do digits[i++] = (char)('0' + v % 10); while ((v /= 10) && i < (int)sizeof digits);
    while (i > 0) *o++ = digits[--i];
    return o;
}

size_t http_reply(char *buf, int status, int head, int keep_alive,
                  const char *server, const char *date) {
    const char *reason;
    switch (status) {
    case 200: reason = "OK"; break;
    case 400: reason = "Bad Request"; break;
    case 404: reason = "Not Found"; break;
    case 405: reason = "Method Not Allowed"; break;
    case 408: reason = "Request Timeout"; break;
    case 413: reason = "Content Too Large"; break;
    case 414: reason = "URI Too Long"; break;
    case 431: reason = "Request Header Fields Too Large"; break;
    case 501: reason = "Not Implemented"; break;
    case 505: reason = "HTTP Version Not Supported"; break;
    default: status = 500; reason = "Internal Server Error"; break;
    }
    /* The body is the reason and a newline, or the lesson's greeting. */
    const char *body = status == 200 ? "Hello, World!\n" : reason;
    size_t body_len = strlen(body) + (status == 200 ? 0 : 1);

    char *o = buf;
    o = put(o, "HTTP/1.1 ");
    o = put_uint(o, (unsigned long)status);
    *o++ = ' ';
    o = put(o, reason);
    o = put(o, "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ");
    o = put_uint(o, body_len);
    o = put(o, "\r\nDate: ");
    o = put_cut(o, date, 40);
    o = put(o, "\r\nServer: ");
    o = put_cut(o, server, 64);
    o = put(o, keep_alive ? "\r\nConnection: keep-alive\r\n" : "\r\nConnection: close\r\n");
    if (status == 405) o = put(o, "Allow: GET, HEAD\r\n");
    o = put(o, "\r\n");
    if (!head) {
        o = put(o, body);
        if (status != 200) *o++ = '\n';
    }
    return (size_t)(o - buf);
}

struct http_answer http_answer(struct http_parser *p, const char *in, size_t len, char *out,
                               const char *server, const char *date) {
    struct http_answer a = {0};
    struct http_request req;
    int was_started = http_parser_started(p);
    enum http_result r = http_parse(p, in, len, &a.used, &req);
    a.began = !was_started && http_parser_started(p);
    if (r == HTTP_NEED_MORE) return a;
    if (r == HTTP_REQUEST) {
        a.reply = http_reply(out, http_route(&req), req.method == HTTP_HEAD, req.keep_alive, server, date);
        a.after = req.keep_alive ? HTTP_KEEP : HTTP_CLOSE;
    } else {
        a.reply = http_reply(out, (int)r, http_parser_method(p) == HTTP_HEAD, 0, server, date);
        a.after = HTTP_LINGER;
    }
    return a;
}
