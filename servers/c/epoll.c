/* epoll.c: one thread multiplexes every connection with epoll: the kernel
 * keeps the interest list and hands back only what is ready, so a wait
 * costs the same for 10 or 10000 idle clients; but one slow step stalls all. */
#include "conn.h"

#include <errno.h>
#include <sys/epoll.h>

/* The poller: one epoll instance, level-triggered. Level-triggered because
 * interest follows the connection's state (read while it wants a request,
 * write while replies wait) exactly as under select(), so conn.c is the same
 * for both; a connection that stops reading (delay, back-pressure) simply
 * drops EPOLLIN. Edge-triggered would save no system call here: a keep-alive
 * connection stays EPOLLIN for its whole life, and EPOLLOUT is asked for
 * only when a send() comes up short. */
static int ep = -1;
static struct epoll_event ready[1024];

void poller_init(void) {
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
}

int poller_watch(int fd, int old_mask, int mask) {
    struct epoll_event ev = {
        .events = (mask & EV_READ ? EPOLLIN : 0) | (mask & EV_WRITE ? EPOLLOUT : 0),
        .data.fd = fd,
    };
    /* Nothing wanted means removed, not EPOLL_CTL_MOD to 0: EPOLLHUP and
     * EPOLLERR are reported whatever the mask, and level-triggered they
     * would wake us for ever while the connection sits out its delay. */
    if (!mask) {
        if (old_mask) epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL); /* fails only if fd is gone */
        return 0;
    }
    if (epoll_ctl(ep, old_mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) < 0) {
        log_error("epoll_ctl", errno, NULL); /* ENOMEM, ENOSPC (max_user_watches) */
        return -1;
    }
    return 0;
}

int poller_wait(struct fired *fired, int max, long timeout_ms) {
    if (max > (int)(sizeof ready / sizeof ready[0])) max = (int)(sizeof ready / sizeof ready[0]);
    int n = epoll_wait(ep, ready, max, timeout_ms < 0 ? -1 : (int)timeout_ms);
    if (n < 0) {
        if (errno == EINTR) return 0; /* a handler ran: the caller waits again */
        die("epoll_wait");
    }
    for (int i = 0; i < n; i++) {
        uint32_t e = ready[i].events;
        /* An error or hang-up is ready both ways: the next recv() or send()
         * tells which, and closes only that connection. */
        if (e & (EPOLLERR | EPOLLHUP)) e |= EPOLLIN | EPOLLOUT;
        fired[i] = (struct fired){
            .fd = ready[i].data.fd,
            .mask = (e & EPOLLIN ? EV_READ : 0) | (e & EPOLLOUT ? EV_WRITE : 0),
        };
    }
    return n;
}

const char poller_model[] = "epoll";

const char *poller_fields(void) { return ""; }
