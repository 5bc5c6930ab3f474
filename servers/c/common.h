/* common.h: what every specimen needs and nothing more: flags, the listener,
 * logging, and serving one HTTP/1.x request. The concurrency model lives in
 * the specimen's own file. */
#ifndef SERVERLAB_COMMON_H
#define SERVERLAB_COMMON_H

#include <getopt.h>
#include <stddef.h>

/* options holds the flags every model shares. */
struct options {
    const char *model; /* "iterative", "forking": goes into Server: and logs */
    int port;          /* --port, default 8888 */
    int backlog;       /* --backlog, default 5, passed to listen() unchanged */
    long delay_ms;     /* --delay, default 0: sleep after the reply, before close */
    int log_replies;   /* serve() logs each reply; default 1 */
};

/* parse_flags sets defaults and reads --port, --backlog, --delay and --help
 * into o. A model with switches of its own passes them in extra (ended by a
 * zero entry; each .val is its id, at least 256), describes them in
 * extra_usage, and gets each one through on_extra(id, optarg), which returns
 * 0 for a bad value.
 * Failure: unknown flag, stray argument or bad value print usage on stderr and
 * exit(2); --help prints usage on stdout and exit(0). */
void parse_flags(int argc, char **argv, const char *model, struct options *o,
                 const struct option *extra, const char *extra_usage,
                 int (*on_extra)(int id, const char *arg));

/* open_listener returns a socket listening on 0.0.0.0:port with SO_REUSEADDR
 * and listen(backlog). Failure: die() with the failing call's name. */
int open_listener(int port, int backlog);

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

/* die logs log_error(call, errno) and exit(1). Never returns. */
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

/* serve handles one connection on fd: sets SO_RCVTIMEO 5 s, reads the header
 * block (8 KiB at most), replies 200/400/404/405, logs
 * "reply status=N path=P pid=N" if o->log_replies, then sleeps o->delay_ms. It does not close
 * fd: the caller does, because who holds copies of fd is the model's business.
 * Failure: peer EOF, receive timeout or a write error end the connection early
 * (an oversize header block still gets a 400 first); serve never exits. */
void serve(int fd, const struct options *o);

#endif
