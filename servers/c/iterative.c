/* iterative.c: one client at a time: accept, serve, close, repeat (webserver1,
 * 3a, 3b). Nothing to share or clean up, but while one client is served (and
 * its --delay runs) every other one waits in the listen backlog. */
#include "common.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

/* handle serves the client in this very process; the next accept() waits. */
static void handle(int listener, int client, const struct options *o) {
    (void)listener;
    serve(client, o);
    close(client);
}

int main(int argc, char **argv) {
    struct options o;
    parse_flags(argc, argv, "iterative", &o, NULL, NULL, NULL);
    install_exit_handlers();
    int listener = open_listener(o.port, o.backlog, 0);
    log_listening(&o, "%s", ""); /* no flags of its own */

    for (;;) {
        int client = accept(listener, NULL, NULL);
        if (client < 0) {
            /* EINTR: a signal handler ran while we waited (ours exit, so this
             * is defensive); ECONNABORTED: the client left while queued.
             * Neither is the listener's fault: accept again. */
            if (errno == EINTR || errno == ECONNABORTED) continue;
            die("accept");
        }
        log_line(LOG_ACCEPT "%d", client);
        handle(listener, client, &o);
    }
}
