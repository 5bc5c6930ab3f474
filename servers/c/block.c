/* block.c: --block, the loops' own flag (block.h). */
#include "block.h"

#include <stddef.h>

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
