/* common.h: what every specimen needs and nothing more: flags, the listener,
 * logging, and serving one connection on a blocking socket. The concurrency
 * model lives in the specimen's own file; the HTTP rules in http.h. */
#ifndef SERVERLAB_COMMON_H
#define SERVERLAB_COMMON_H

#include <getopt.h>
#include <stddef.h>

/* Log words: the starts of the lines the harness matches. The Go side
 * (harness/catalogue/contract.go) must use the very same strings; change
 * both or neither. */
#define LOG_LISTENING "listening "  /* first line: the socket listens, every worker is ready */
#define LOG_ACCEPT "accept fd="     /* a connection accepted; prefork adds " worker=K pid=P" */
#define LOG_WORKER "worker="        /* prefork: which worker accepted */
#define LOG_FORK "fork child="      /* forking: a child forked for a connection */
#define LOG_REAP "reap child="      /* forking: a child waited for, " status=S" */
#define LOG_REPLY "reply status="   /* iterative: a reply sent, " path=P pid=N" */
#define LOG_REQUEST "request: "     /* iterative, seed wire: a line of the request read, as the article prints it */
#define LOG_RESTART "restarting"    /* ends "accept: EINTR (...) restarting" and a worker's exit */
#define LOG_EXIT "exit signal="     /* SIGTERM or SIGINT: the server's last words */
#define LOG_EXITED " exited status=" /* prefork: "worker K pid=P exited status=S: restarting" */
#define LOG_REFUSED ": refused"     /* select: "select: fd=N >= FD_SETSIZE=M: refused count=C" */
#define LOG_MAX_THREADS "max-threads=" /* threads: "max-threads=N reached: accept waits" */
/* Fatal and per-connection failures: "<call>: <ERRNONAME> (<strerror>)", see
 * log_error. Match the call and the errno name, never the strerror text. */

/* wire is what a connection speaks. */
enum wire {
    WIRE_HTTP, /* HTTP/1.1 (http.h): keep-alive, pipelining, every status */
    WIRE_SEED, /* the article's: one recv(), HTTP_SEED_REPLY, delay, close */
};

/* options holds the flags every model shares. */
struct options {
    const char *model; /* "iterative", "forking", ...: goes into Server: and logs */
    int port;          /* --port, default 8888 */
    int backlog;       /* --backlog, default 5, passed to listen() unchanged */
    long delay_ms;     /* --delay, default 0: sleep after each reply, before the next read or close */
    enum wire wire;    /* --wire, default http */
    long idle_ms;      /* --idle-timeout, default 5 s, http only; 0: wait for ever */
    int log_replies;   /* serve() logs each reply; default 1 */
};

/* parse_flags sets defaults and reads --port, --backlog, --delay, --wire,
 * --idle-timeout and --help into o. A model with switches of its own passes
 * them in extra (ended by a zero entry; each .val is its id, at least 256),
 * describes them in extra_usage, and gets each one through on_extra(id,
 * optarg), which returns 0 for a bad value.
 * Failure: unknown flag, stray argument or bad value print usage on stderr and
 * exit(2); --help prints usage on stdout and exit(0). */
void parse_flags(int argc, char **argv, const char *model, struct options *o,
                 const struct option *extra, const char *extra_usage,
                 int (*on_extra)(int id, const char *arg));

/* parse_duration reads "0", "250ms", "2s" or "3" (seconds) into *ms.
 * Failure: returns 0 and leaves *ms alone. */
int parse_duration(const char *s, long *ms);

/* parse_count reads a decimal in [min, max] into *out.
 * Failure: returns 0 and leaves *out alone. */
int parse_count(const char *s, long min, long max, long *out);

/* Flags for open_listener. */
enum {
    LISTEN_NONBLOCK = 1,  /* O_NONBLOCK: for event loops and EPOLLEXCLUSIVE */
    LISTEN_REUSEPORT = 2, /* SO_REUSEPORT: one socket per prefork worker */
};

/* open_listener returns a socket listening on 0.0.0.0:port with SO_REUSEADDR
 * (and what flags add) and listen(backlog). Failure: die() with the failing
 * call's name. */
int open_listener(int port, int backlog, int flags);

/* log_listening logs the first line: "listening port=P backlog=B pid=N
 * model=M<fields> delay_ms=D wire=W idle_timeout_ms=I", fields being the
 * model's own flags, printf-formatted, each with a leading space.
 * Failure: as log_line. */
void log_listening(const struct options *o, const char *fields_fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* install_exit_handlers makes SIGTERM and SIGINT log "exit signal=NAME" and
 * _exit(0) at once (as PID 1 in a container a signal without a handler is
 * ignored), and ignores SIGPIPE so a vanished client fails only its write.
 * Failure: die("sigaction"). */
void install_exit_handlers(void);

/* log_line writes one printf-formatted line, newline added, to stderr with a
 * single write(2), so lines from several processes never interleave. Lines
 * longer than 1 KiB are cut. Not async-signal-safe: use struct line there.
 * Failure: the line is lost; nothing else happens. */
void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* log_error logs "<call>: <ERRNONAME> (<strerror>)", then " <tail>" if tail is
 * not NULL. Failure: as log_line. */
void log_error(const char *call, int err, const char *tail);

/* die blocks every signal, so that no handler's line (a SIGCHLD reaper's)
 * can follow, logs log_error(call, errno) and exit(1). Never returns. */
void die(const char *call) __attribute__((noreturn));

/* line builds a log line in signal handlers, where printf is not allowed:
 * line_str and line_long append (silently truncating at the end of buf),
 * line_write adds '\n' and writes it with one write(2). All three are
 * async-signal-safe and preserve nothing about errno: callers save it. */
struct line {
    char buf[128];
    size_t len;
};
void line_str(struct line *l, const char *s);
void line_long(struct line *l, long n);
void line_write(struct line *l);

/* http_date returns the current time as an IMF-fixdate ("Sun, 06 Nov 1994
 * 08:49:37 GMT"), formatted at most once a second per thread. The string
 * stays valid until the calling thread's next call. */
const char *http_date(void);

/* monotonic_ms is CLOCK_MONOTONIC in milliseconds: for deadlines. */
long monotonic_ms(void);

/* pause_ms sleeps ms milliseconds in full, resuming after a signal handler
 * (SIGCHLD) interrupts it. Failure: none. */
void pause_ms(long ms);

/* serve handles one connection on the blocking socket fd, as o->wire says:
 *   seed: one recv() of up to 1024 bytes, whatever it brings, then
 *         HTTP_SEED_REPLY, then o->delay_ms. No timeout: the article blocks.
 *         If o->log_replies, what it read is logged first, a "request: "
 *         line per line, as the article's server prints it.
 *   http: requests (keep-alive, pipelined) until the client closes, asks to
 *         close, idles o->idle_ms between requests, or sends what is not a
 *         request we can answer (400, 413, 414, 431, 501, 505): that reply
 *         always closes. 200, 404 and 405 answer well-framed requests and
 *         keep the connection as the request asks. Each reply is followed by
 *         o->delay_ms. A request begun but not complete within o->idle_ms
 *         gets a 408. An error reply is followed by shutdown(SHUT_WR) and a
 *         bounded read of what the client still sends (see LINGER_MS).
 * It logs "reply status=N path=P pid=N" per reply if o->log_replies.
 * It does not close fd: the caller does, because who holds copies of fd is
 * the model's business, and on the seed wire the client's EOF must come from
 * the last close() (lesson 3d).
 * Failure: EOF, a timeout or an error on fd end the connection early; serve
 * never exits. */
void serve(int fd, const struct options *o);

/* After an error reply, every model shuts down its sending side and reads
 * and discards what the client still sends, up to LINGER_MAX_BYTES or for
 * LINGER_MS, before close(): closing with input unread makes the kernel send
 * RST instead of FIN. On Linux the client then reads the reply and
 * ECONNRESET instead of EOF; other stacks may drop the unread reply itself
 * (RFC 9112 9.6). */
#define LINGER_MAX_BYTES (1L << 20)
#define LINGER_MS 1000

#endif
