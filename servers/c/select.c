/* select.c: one thread multiplexes every connection with select(): no
 * process or thread per client, but each wait copies and scans bit sets up
 * to the highest descriptor, and no descriptor >= FD_SETSIZE can be watched. */
#include "conn.h"

#include <errno.h>
#include <stdio.h>
#include <sys/select.h>

/* The poller: the interest sets, kept between waits, and the highest
 * descriptor in them. select() overwrites what it is given, so each wait
 * works on copies. */
static fd_set readers, writers;
static int maxfd = -1;
static unsigned long refused;

void poller_init(void) {
    FD_ZERO(&readers);
    FD_ZERO(&writers);
}

int poller_watch(int fd, int old_mask, int mask) {
    (void)old_mask;
    if (fd >= FD_SETSIZE) {
        /* FD_SET past the end of an fd_set writes past the end of the
         * array: undefined behaviour, and an abort under glibc's
         * _FORTIFY_SOURCE. The honest answer is to refuse the client. */
        if (mask && (refused++ == 0 || refused % 1000 == 0))
            log_line("select: fd=%d >= FD_SETSIZE=%d" LOG_REFUSED " count=%lu", fd, FD_SETSIZE, refused);
        return mask ? -1 : 0;
    }
    if (mask & EV_READ) FD_SET(fd, &readers);
    else FD_CLR(fd, &readers);
    if (mask & EV_WRITE) FD_SET(fd, &writers);
    else FD_CLR(fd, &writers);
    if (mask && fd > maxfd) maxfd = fd;
    while (maxfd >= 0 && !FD_ISSET(maxfd, &readers) && !FD_ISSET(maxfd, &writers)) maxfd--;
    return 0;
}

int poller_wait(struct fired *fired, int max, long timeout_ms) {
    fd_set r = readers, w = writers;
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    int n = select(maxfd + 1, &r, &w, NULL, timeout_ms < 0 ? NULL : &tv);
    if (n < 0) {
        if (errno == EINTR) return 0; /* a handler ran: the caller waits again */
        die("select");
    }
    /* The scan select() makes us do: every descriptor up to the highest. */
    int k = 0;
    for (int fd = 0; fd <= maxfd && k < max && n > 0; fd++) {
        int mask = (FD_ISSET(fd, &r) ? EV_READ : 0) | (FD_ISSET(fd, &w) ? EV_WRITE : 0);
        if (!mask) continue;
        fired[k++] = (struct fired){.fd = fd, .mask = mask};
        n -= (mask & EV_READ ? 1 : 0) + (mask & EV_WRITE ? 1 : 0); /* select counts bits, not descriptors */
    }
    return k;
}

const char poller_model[] = "select";

const char *poller_fields(void) {
    static char fields[32];
    snprintf(fields, sizeof fields, " fd_setsize=%d", FD_SETSIZE);
    return fields;
}
