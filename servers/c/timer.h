/* timer.h: the timers of the single-threaded loops (conn.c's and uring.c's):
 * lists of deadlines that are all now+ms when armed, one duration per list,
 * so that appending keeps a list sorted and arming, stopping and finding the
 * next deadline are O(1), for ten thousand connections as for one. A timer
 * lives inside its connection; the loop gets the connection back from it
 * with timer_owner. */
#ifndef SERVERLAB_TIMER_H
#define SERVERLAB_TIMER_H

#include <stddef.h>

struct timer_list;

/* A timer is on one list at a time, or on none. */
struct timer {
    long deadline;
    struct timer_list *list; /* the list it is on, or NULL */
    struct timer *prev, *next;
};

struct timer_list {
    struct timer *head, *tail;
    long ms; /* every timer on it fires ms after it was armed; <= 0: none is */
};

/* timer_owner is the struct of type that holds timer t in its member field. */
#define timer_owner(t, type, field) ((type *)(void *)((char *)(t) - offsetof(type, field)))

static inline void timer_stop(struct timer *t) {
    struct timer_list *l = t->list;
    if (!l) return;
    if (t->prev) t->prev->next = t->next;
    else l->head = t->next;
    if (t->next) t->next->prev = t->prev;
    else l->tail = t->prev;
    t->prev = t->next = NULL;
    t->list = NULL;
}

/* timer_start (re)arms t at now + l->ms; a list of 0 ms is "no timeout"
 * (--idle-timeout 0, and the seed wire): t is then stopped only. */
static inline void timer_start(struct timer *t, struct timer_list *l, long now) {
    timer_stop(t);
    if (l->ms <= 0) return;
    t->deadline = now + l->ms;
    t->list = l;
    t->prev = l->tail;
    if (l->tail) l->tail->next = t;
    else l->head = t;
    l->tail = t;
}

/* timer_due is l's first timer if it is due at now, else NULL. */
static inline struct timer *timer_due(struct timer_list *l, long now) {
    return l->head && l->head->deadline <= now ? l->head : NULL;
}

/* timer_first is the earliest deadline of the n lists, or of resume when it
 * is earlier and not 0; 0 if there is none. */
static inline long timer_first(struct timer_list *const *lists, int n, long resume) {
    long first = resume;
    for (int i = 0; i < n; i++) {
        long d = lists[i]->head ? lists[i]->head->deadline : 0;
        if (d && (!first || d < first)) first = d;
    }
    return first;
}

/* timer_wait_ms is how long a loop may wait at now for the n lists (and
 * resume, when not 0): until the first deadline, or for ever (-1). */
static inline long timer_wait_ms(struct timer_list *const *lists, int n, long resume, long now) {
    long first = timer_first(lists, n, resume);
    if (!first) return -1;
    return first > now ? first - now : 0;
}

/* timer_expire stops and fires, through fire, every timer of the n lists
 * due at now. fire may arm its timer again: at now + ms, behind the end. */
static inline void timer_expire(struct timer_list *const *lists, int n, long now, void (*fire)(struct timer *)) {
    for (int i = 0; i < n; i++) {
        struct timer *t;
        while ((t = timer_due(lists[i], now))) {
            timer_stop(t);
            fire(t);
        }
    }
}

#endif
