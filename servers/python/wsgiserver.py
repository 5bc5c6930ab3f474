#!/usr/bin/env python3
"""wsgiserver.py: the seed's WSGI server, webserver2 (part 2) and
webserver3h (part 3), written for the lab: any WSGI application, given as
module:callable, under one of three process models. Standard library only.

  iterative          webserver2: one connection at a time, so one slow view
                     holds up every client behind it.
  forking            webserver3h: a child per connection, reaped by a
                     waitpid(-1, WNOHANG) loop in the SIGCHLD handler.
  forking-wait-once  webserver3e's reaper under 3h: one os.wait() per
                     SIGCHLD. The C 3e dies of accept: EINTR; here the
                     interpreter retries accept() (PEP 475) and serves on.

Log lines go to stderr, one write(2) each, in the C specimens' words.
"""

import argparse
import errno
import importlib
import os
import signal
import socket
import sys
import time

from http1 import HTTPError, read_http, read_seed
from pep3333 import (Reply, SeedReply, build_environ, error_bytes, log,
                     log_exception, make_body, run)

DEFAULT_PORT = 8888
DEFAULT_APP = "apps.wsgiapp:app"
# The article's listen() backlog for each model: webserver2's
# request_queue_size, webserver3h's, and webserver3e's REQUEST_QUEUE_SIZE.
DEFAULT_BACKLOG = {"iterative": 1, "forking": 1024, "forking-wait-once": 5}
DEFAULT_IDLE_TIMEOUT = 5.0  # a silent client is dropped, as SO_RCVTIMEO in the C specimens
DISCARD_TIMEOUT = 1.0  # for reading what the client sent that nobody read


def log_error(call, err):
    """log_error logs "<call>: <ERRNONAME> (<strerror>)", as log_error in
    servers/c/common.c does."""
    name = errno.errorcode.get(err.errno, str(err.errno))
    log(f"{call}: {name} ({os.strerror(err.errno)})")


def die(call, err):
    """die logs the failed call and exits 1."""
    log_error(call, err)
    sys.exit(1)


def parse_delay(s):
    """parse_delay reads "0", "250ms", "2s" or "3" (seconds) into seconds."""
    ms = s.endswith("ms")
    digits = s[:-2] if ms else s[:-1] if s.endswith("s") else s
    if not (digits.isascii() and digits.isdigit()) or int(digits) > 86400 * (1000 if ms else 1):
        raise argparse.ArgumentTypeError(f"bad duration {s!r}: want 0, 250ms, 2s")
    return int(digits) / 1000 if ms else int(digits)


def parse_count(lo, hi):
    def parse(s):
        if not (s.isascii() and s.isdigit()) or not lo <= int(s) <= hi:
            raise argparse.ArgumentTypeError(f"bad value {s!r}: want {lo}..{hi}")
        return int(s)
    return parse


def parse_flags(argv):
    """parse_flags returns the options; a bad flag prints usage and exits 2."""
    p = argparse.ArgumentParser(prog="wsgiserver.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=sorted(DEFAULT_BACKLOG), default="iterative",
                   help="process model (default iterative)")
    p.add_argument("--port", type=parse_count(0, 65535), default=DEFAULT_PORT,
                   help=f"TCP port on 0.0.0.0, 0 for any free one (default {DEFAULT_PORT})")
    p.add_argument("--backlog", type=parse_count(0, 1 << 20),
                   help="listen() backlog, 0 allowed (default: the article's, "
                        + ", ".join(f"{m} {b}" for m, b in sorted(DEFAULT_BACKLOG.items())) + ")")
    p.add_argument("--delay", type=parse_delay, default=0,
                   help="sleep after each reply, before close: 0, 250ms, 2s")
    p.add_argument("--idle-timeout", type=parse_delay, default=DEFAULT_IDLE_TIMEOUT,
                   help="how long a client may stay silent before it is dropped: 0 (never), 250ms, 5s (default 5s)")
    p.add_argument("--wire", choices=("http", "seed"), default="http",
                   help="http: HTTP/1.1, one request per connection; seed: the article's "
                        "one recv(1024) and its response framing (default http)")
    p.add_argument("--app", metavar="MODULE:CALLABLE",
                   help=f"the WSGI application, e.g. {DEFAULT_APP}")
    p.add_argument("app_arg", nargs="?", metavar="MODULE:CALLABLE",
                   help="the same, as webserver2.py takes it: wsgiserver.py apps.flaskapp:app")
    p.add_argument("--validate", action="store_true",
                   help="wrap the application in wsgiref.validate; a complaint fails the request")
    o = p.parse_args(argv)
    if o.app and o.app_arg:
        p.error("the application twice: --app or MODULE:CALLABLE, not both")
    o.app = o.app or o.app_arg
    if not o.app:
        # As webserver2.py: no application, no server.
        log(f"usage: wsgiserver.py [flags] MODULE:CALLABLE: provide a WSGI application object as module:callable (e.g. {DEFAULT_APP})")
        sys.exit(1)
    if o.backlog is None:
        o.backlog = DEFAULT_BACKLOG[o.mode]
    o.model = "wsgi-" + o.mode
    o.server = "serverlab-" + o.model  # the Server header, unless the application sets one
    o.multiprocess = o.mode != "iterative"
    # Children stay silent, as in servers/c/forking.c: the log tells the
    # parent's story (accept, fork, reap, its last words).
    o.log_replies = o.mode == "iterative"
    return o


def load_app(spec, validate):
    """load_app imports module:callable; a failure is logged and exits 1."""
    module, _, name = spec.partition(":")
    try:
        if not module or not name:
            raise ValueError("want module:callable")
        app = importlib.import_module(module)
        for part in name.split("."):
            app = getattr(app, part)
    except Exception as e:
        log_exception(f"app: cannot load {spec}", e)
        sys.exit(1)
    if not validate:
        return app
    import warnings
    from wsgiref.validate import WSGIWarning, validator
    # A warning would only scroll by on stderr: make it fail the request.
    warnings.simplefilter("error", WSGIWarning)
    return validator(app)


def on_exit_signal(signum, frame):
    # As PID 1 in a container, a signal without a handler is ignored.
    log(f"exit signal={signal.Signals(signum).name}")
    os._exit(0)  # at once, whether in accept, recv, sleep or the application


def exit_status(st):
    """exit_status is the exit code, or 128+signal for a killed child."""
    return os.WEXITSTATUS(st) if os.WIFEXITED(st) else 128 + os.WTERMSIG(st)


def reap_all(signum, frame):
    """reap_all (3g, 3h): take every child that has exited, never block."""
    while True:
        try:
            pid, st = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:  # ECHILD: no children at all
            return
        if pid == 0:
            return
        log(f"reap child={pid} status={exit_status(st)}")


def reap_one(signum, frame):
    """reap_one (3e): one os.wait() per SIGCHLD. Signals do not queue, and
    Python coalesces them further: its C-level handler only sets a flag, and
    this function runs once for every SIGCHLD that arrived before the main
    thread looked. Children that exit together leave zombies."""
    try:
        pid, st = os.wait()
    except ChildProcessError:
        return
    log(f"reap child={pid} status={exit_status(st)}")


def open_listener(port, backlog):
    """open_listener returns a socket listening on 0.0.0.0:port with
    SO_REUSEADDR and listen(backlog); a failure dies with the call's name."""
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except OSError as e:
        die("socket", e)
    for call, action in (
        ("setsockopt", lambda: s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)),
        ("bind", lambda: s.bind(("0.0.0.0", port))),
        ("listen", lambda: s.listen(backlog)),  # as given, even 0
    ):
        try:
            action()
        except OSError as e:
            die(call, e)
    return s


def accept(listener):
    """accept returns the next (connection, address).

    There is no EINTR branch, and that is the lesson of forking-wait-once:
    when SIGCHLD interrupts accept(2), CPython runs the Python handler and,
    unless the handler raised, calls accept(2) again (PEP 475, Python 3.5).
    The EINTR never reaches this code, so it cannot be logged; the log shows
    the reap line, and the server serving the next client, where the C 3e
    logs accept: EINTR and dies."""
    while True:
        try:
            conn, addr = listener.accept()
        except ConnectionAbortedError:  # ECONNABORTED: the client left while queued
            continue
        except OSError as e:  # EMFILE, ENFILE, ENOBUFS...: the listener is done for
            die("accept", e)
        log(f"accept fd={conn.fileno()}")
        return conn, addr


def serve(conn, addr, app, o):
    """serve handles one connection: reads a request on o.wire, runs the
    application, replies, logs "reply status=N path=P pid=N" if
    o.log_replies, sleeps o.delay, then reads what the client sent that
    nobody read. It does not close conn: the caller does.
    Failure: a peer that closes, resets or stays silent ends it early."""
    conn.settimeout(o.idle_timeout or None)  # 0: wait for ever
    seed = o.wire == "seed"
    body, path = None, "-"
    try:
        req = read_seed(conn) if seed else read_http(conn)
    except HTTPError as e:
        req, status = None, e.status
        try:
            conn.sendall(error_bytes(e.status, o.server))
        except OSError:
            return
    except OSError:  # ECONNRESET
        return
    else:
        if req is None:
            return
        path = req.path
        reply = (SeedReply if seed else Reply)(conn, server=o.server, head=req.method == "HEAD")

        def send_continue():
            # RFC 9110 10.1.1: the client holds its body back until this,
            # or until it tires of waiting; nothing to send once a final
            # status is out.
            if not reply.headers_sent:
                reply.send(b"HTTP/1.1 100 Continue\r\n\r\n")

        body = make_body(req, None if seed else conn, send_continue if req.expect_continue else None)
        environ = build_environ(req, body, server_name=o.server_name, server_port=o.port,
                                remote=addr, multiprocess=o.multiprocess)
        status = run(app, environ, reply)
        if status is None:
            return
    if o.log_replies:
        log(f"reply status={status} path={path} pid={os.getpid()}")
    # Seed order: reply, sleep, close. The client has its reply at once and
    # its EOF only after the delay.
    time.sleep(o.delay)  # resumed after a signal handler runs (PEP 475)
    if not seed:  # the article's server closes on whatever it did not read
        discard(conn, body)


def discard(conn, body):
    """discard reads, within limits, what the client sent that nobody read
    (the rest of a body, a pipelined request): close() with bytes still
    queued makes the kernel send RST instead of FIN, and the RST can destroy
    the reply before the client has read it."""
    left = 0
    if body is not None:
        raw = body.raw
        left = raw.remaining - len(raw.early)  # still in the socket
    try:
        conn.settimeout(DISCARD_TIMEOUT)
        while left > 0:
            n = len(conn.recv(min(left, 65536)))
            if n == 0:
                return
            left -= n
        conn.setblocking(False)
        for _ in range(16):
            if not conn.recv(65536):
                return
    except OSError:  # EAGAIN: nothing more queued; or the peer is gone
        pass


def serve_iterative(listener, app, o):
    while True:
        conn, addr = accept(listener)
        try:
            serve(conn, addr, app, o)
        except Exception as e:  # a bug here must not take the server down
            log_exception("serve", e)
        conn.close()


def serve_forking(listener, app, o):
    while True:
        conn, addr = accept(listener)
        try:
            pid = os.fork()
        except OSError as e:
            die("fork", e)  # seed lesson: out of processes (EAGAIN), the server dies
        if pid == 0:
            child(listener, conn, addr, app, o)
        log(f"fork child={pid}")
        conn.close()  # the client's EOF comes when the child closes its copy


def child(listener, conn, addr, app, o):
    """child serves one connection in a forked child and exits; it never
    returns into the parent's loop."""
    status = 0
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # no children of its own
        listener.close()  # only the parent accepts
        serve(conn, addr, app, o)
        conn.close()
    except BaseException as e:
        log_exception("child", e)
        status = 1
    finally:
        for f in (sys.stdout, sys.stderr):
            try:
                f.flush()
            except Exception:
                pass
        # Not sys.exit(): nothing of the parent's (atexit, finally blocks
        # further up) may run in the child.
        os._exit(status)


def main(argv=None):
    o = parse_flags(argv)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_exit_signal)
    # What the validator's __del__ checks and similar complaints would print
    # as "Exception ignored in ...", over several lines: one line instead.
    sys.unraisablehook = lambda u: log(f"app: {u.exc_type.__name__} ignored in {u.object!r}: {u.exc_value}")
    app = load_app(o.app, o.validate)
    if o.mode == "forking":
        signal.signal(signal.SIGCHLD, reap_all)
    elif o.mode == "forking-wait-once":
        signal.signal(signal.SIGCHLD, reap_one)
    listener = open_listener(o.port, o.backlog)
    o.port = listener.getsockname()[1]  # the one the kernel chose for --port 0
    # Not the article's socket.getfqdn(host): a reverse lookup that may
    # wait on a resolver a loopback-only container cannot reach.
    o.server_name = socket.gethostname()
    log(f"listening port={o.port} backlog={o.backlog} pid={os.getpid()} model={o.model} "
        f"app={o.app} wire={o.wire} delay_ms={round(o.delay * 1000)} validate={int(o.validate)}")
    (serve_iterative if o.mode == "iterative" else serve_forking)(listener, app, o)


if __name__ == "__main__":
    main()
