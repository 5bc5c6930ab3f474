/* loop.c: what the single-threaded loops share (loop.h). */
#include "loop.h"

#include <string.h>

int loop_block;

enum { FLAG_BLOCK = 256 };
const struct option loop_flags[] = {
    {"block", no_argument, NULL, FLAG_BLOCK},
    {0},
};
const char loop_usage[] =
    "  --block           the delay blocks the whole loop (nanosleep), not only\n"
    "                    its connection (a timer)\n";

int on_loop_flag(int id, const char *arg) {
    (void)arg;
    if (id != FLAG_BLOCK) return 0;
    loop_block = 1;
    return 1;
}

void loop_keep(char *buf, size_t *off, size_t *len) {
    if (*off == *len) {
        *off = *len = 0;
    } else if (*off > 0) {
        memmove(buf, buf + *off, *len - *off);
        *len -= *off;
        *off = 0;
    }
}
