/* loop.h: what the single-threaded loops (conn.c's select and epoll, and
 * uring.c) share but their timers (timer.h): their own flag, and how a
 * connection's input buffer keeps what is left of it.
 *
 * --block, parsed by on_loop_flag into loop_block: the delay after each
 * reply is then a nanosleep() in the loop itself, so that every other
 * connection waits too (the event loop's head-of-line lesson); without it,
 * the delay is a timer and only its connection waits. */
#ifndef SERVERLAB_LOOP_H
#define SERVERLAB_LOOP_H

#include <getopt.h>
#include <stddef.h>

extern const struct option loop_flags[];
extern const char loop_usage[];
extern int loop_block;
int on_loop_flag(int id, const char *arg);

/* loop_keep moves what is left unparsed of buf[*off..*len) to its start:
 * the next read appends to it. */
void loop_keep(char *buf, size_t *off, size_t *len);

#endif
