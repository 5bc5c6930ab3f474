/* conn.h: the connection state machine of the single-threaded event loops
 * (select.c, epoll.c): non-blocking sockets, buffers, the parser, replies,
 * timers and the close, all driven by readiness. The loops differ only in
 * the poller, which each supplies through the functions below, cut
 * like redis's ae (ae_select.c, ae_epoll.c): its state is private to its
 * file, and the kernel's flags are translated to EV_READ/EV_WRITE there. */
#ifndef SERVERLAB_CONN_H
#define SERVERLAB_CONN_H

#include "loop.h"
#include "common.h"

/* What a connection waits for, and what the poller says is ready. */
enum { EV_READ = 1, EV_WRITE = 2 };

/* fired is one ready descriptor. */
struct fired {
    int fd;
    int mask; /* EV_READ, EV_WRITE or both; an error or hang-up reads as both */
};

/* poller_model is the specimen's model name (its flags' program name and
 * the listening line's model=). */
extern const char poller_model[];

/* poller_init sets up the poller. Failure: die() with the failing call. */
void poller_init(void);

/* poller_fields is what the listening line adds about the poller (" key=value"
 * pairs, or ""). */
const char *poller_fields(void);

/* poller_watch changes what fd is watched for from old_mask to mask; 0 is
 * "not at all", so (0, m) starts watching and (m, 0) stops.
 * Failure: returns -1 when fd cannot be watched for mask, having logged why;
 * the caller closes fd. Stopping never fails. */
int poller_watch(int fd, int old_mask, int mask);

/* poller_wait waits at most timeout_ms (-1: for ever) for watched
 * descriptors to be ready, and stores up to max of them in fired.
 * Returns how many; 0 when the time is up or a signal handler ran.
 * Failure: die() with the failing call. */
int poller_wait(struct fired *fired, int max, long timeout_ms);


/* event_loop serves every connection of the non-blocking listener, for
 * ever: accept, read, parse, reply, time out, close. It logs "accept fd=N"
 * per connection. Failure: setup (poller, memory) dies; a connection's
 * failure closes that connection; running out of descriptors (EMFILE) stops
 * accepting for 100 ms, logged as "accept: EMFILE (...) pausing count=N"
 * the first time and every 1000th. */
void event_loop(int listener, const struct options *o) __attribute__((noreturn));

/* conn.c's main starts either loop the same way: flags, exit handlers, a
 * non-blocking listener, the poller, the listening line, event_loop. */

#endif
