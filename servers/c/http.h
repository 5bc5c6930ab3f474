/* http.h: HTTP/1.x requests in, replies out (RFC 9110, RFC 9112). Pure: no
 * I/O, no clock, no globals, no allocation, so that every model shares it and
 * a fuzzer can drive it. The parser is incremental and consumes bytes one at
 * a time, so the caller never has to keep a request's bytes around: it may
 * read into any buffer, of any size, and hand over whatever arrived. */
#ifndef SERVERLAB_HTTP_H
#define SERVERLAB_HTTP_H

#include <stddef.h>
#include <stdint.h>

/* Limits. Past each one the parser answers with the status beside it. */
#define HTTP_MAX_REQUEST_LINE 8000     /* 414; RFC 9112 3: at least 8000 */
#define HTTP_MAX_HEADER_BYTES 8192     /* 431: the field lines, CRLFs included */
#define HTTP_MAX_FIELDS 100            /* 431 */
#define HTTP_MAX_BODY (1L << 20)       /* 413: Content-Length or chunked total */
#define HTTP_MAX_EMPTY_LINES 8         /* 400: CRLFs before a request line */
#define HTTP_MAX_CHUNK_EXT 4096        /* 400: extensions of one chunk */
#define HTTP_PATH_MAX 256              /* the path kept for logs and routing */
#define HTTP_REPLY_MAX 512             /* http_reply never writes more */

/* http_result is what http_parse says: need more bytes, a whole request, or
 * an error whose value is the status to answer with (always >= 400). */
enum http_result {
    HTTP_NEED_MORE = 0,
    HTTP_REQUEST = 1,
    HTTP_BAD_REQUEST = 400,
    HTTP_TIMEOUT = 408, /* never returned by the parser: the caller's clock */
    HTTP_TOO_LARGE = 413,
    HTTP_URI_TOO_LONG = 414,
    HTTP_FIELDS_TOO_LARGE = 431,
    HTTP_NOT_IMPLEMENTED = 501,
    HTTP_VERSION_NOT_SUPPORTED = 505,
};

/* http_method: the methods RFC 9110 defines, and every other token. */
enum http_method {
    HTTP_METHOD_NONE, /* not read yet */
    HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PUT, HTTP_DELETE,
    HTTP_PATCH, HTTP_OPTIONS, HTTP_TRACE, HTTP_CONNECT,
    HTTP_METHOD_OTHER, /* a token, but not one of ours: 501 */
};

/* http_request is a parsed request, its body already read and discarded. */
struct http_request {
    enum http_method method;
    int minor;                 /* HTTP/1.minor: 0 or 1 */
    int keep_alive;            /* the connection may carry another request */
    size_t path_len;           /* the path's full length, without the query */
    char path[HTTP_PATH_MAX];  /* the path, cut to fit, NUL-terminated */
};

/* http_parser is the state between calls. Zero it with http_parser_init; it
 * resets itself after each request, ready for the next on the connection.
 * After an error it stays in error and returns the same status. Its fields
 * are private: callers use the functions below. */
struct http_parser {
    int state;
    int error;
    int started;       /* a byte of a request has been consumed */
    int empty_lines;
    size_t line_len;   /* request line so far */
    size_t head_len;   /* field lines so far */
    int fields;
    char method[12];
    size_t method_len;
    int target_form;
    int target_bad;
    char version[9];
    size_t version_len;
    /* the field line being read */
    int field;         /* which field we care about, or 0 */
    char name[20];
    size_t name_len;
    int value_state;
    char token[12];    /* Connection and Transfer-Encoding list members */
    size_t token_len;
    uint64_t number;   /* Content-Length digits, or a chunk size */
    /* what the fields said */
    int hosts;
    int lengths;
    int length_bad;
    uint64_t length;
    int codings;       /* Transfer-Encoding list members */
    int te;            /* Transfer-Encoding: 0 none, 1 seen, 2 its last member is "chunked" */
    int chunked;       /* ... of which "chunked" */
    int conn_close;
    int conn_keep_alive;
    /* the body being discarded */
    uint64_t remaining;
    uint64_t body_total;
    size_t ext_len;
    struct http_request req;
};

/* http_parser_init readies p for a connection's first request. */
void http_parser_init(struct http_parser *p);

/* http_parse consumes buf[0..len) up to the end of one request, sets
 * *consumed, and returns:
 *   HTTP_NEED_MORE  all len bytes consumed, the request is not complete;
 *   HTTP_REQUEST    *out holds a request whose last byte (body included)
 *                   was buf[*consumed - 1]; call again with the rest;
 *   a status >= 400 the bytes are not a request we can answer; the
 *                   connection must be answered with it and closed.
 * Bytes are never retained: buf may be reused once http_parse returns. */
enum http_result http_parse(struct http_parser *p, const char *buf, size_t len,
                            size_t *consumed, struct http_request *out);

/* http_parser_started says whether part of a request has been consumed, so
 * that a timeout means 408, not a silent close of an idle connection. */
int http_parser_started(const struct http_parser *p);

/* http_parser_method is the method of the request being parsed, so that an
 * error reply to a HEAD request leaves its body out. */
enum http_method http_parser_method(const struct http_parser *p);

/* http_route answers a parsed request: 405 for a method other than GET or
 * HEAD, 200 for /hello, 404 for any other path. */
int http_route(const struct http_request *r);

/* http_reply writes the reply to a request into buf (HTTP_REPLY_MAX bytes):
 * status line, Content-Type, Content-Length, Date (date, an IMF-fixdate),
 * Server (server), Connection, Allow for 405, and the body unless head.
 * Returns its length. Statuses it does not know are sent as 500. */
size_t http_reply(char *buf, int status, int head, int keep_alive,
                  const char *server, const char *date);

/* What follows a reply on a connection: the next request (the client keeps
 * it alive), the close (it asked to close), or, after an error reply, the
 * shutdown of the sending side and a bounded drain (see LINGER_MS). */
enum http_after { HTTP_KEEP, HTTP_CLOSE, HTTP_LINGER };

/* http_answer is one step of an event loop's connection (conn.c, uring.c):
 * it parses in[0..len) with p and, once a request is complete or cannot be
 * read, writes its reply into out (HTTP_REPLY_MAX bytes of room) with
 * server and date, as http_route and http_reply say. */
struct http_answer {
    size_t used;  /* bytes of in consumed */
    int began;    /* this call began a request: its deadline starts now */
    size_t reply; /* the reply's length; 0: the request is not complete yet */
    enum http_after after;
};
struct http_answer http_answer(struct http_parser *p, const char *in, size_t len, char *out,
                               const char *server, const char *date);

/* HTTP_SEED_REPLY is the article's response, byte for byte: its Python source
 * writes it as a triple-quoted string, so its lines end in a bare LF. */
#define HTTP_SEED_REPLY "HTTP/1.1 200 OK\n\nHello, World!\n"

#endif
