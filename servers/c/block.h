/* block.h: the single-threaded loops' own flag (conn.c's select and epoll,
 * and uring.c): --block, parsed by on_loop_flag into loop_block. The delay
 * after each reply is then a nanosleep() in the loop itself, so that every
 * other connection waits too (the event loop's head-of-line lesson);
 * without it, the delay is a timer and only its connection waits. */
#ifndef SERVERLAB_BLOCK_H
#define SERVERLAB_BLOCK_H

#include <getopt.h>

extern const struct option loop_flags[];
extern const char loop_usage[];
extern int loop_block;
int on_loop_flag(int id, const char *arg);

#endif
