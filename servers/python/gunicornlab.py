#!/usr/bin/env python3
"""gunicornlab.py: gunicorn's sync workers, the production peer of the
article's WSGI server, started the way the lab starts every specimen:
--port, --backlog, --wire, --app, and a first log line that starts with
"listening ". gunicorn forks its workers once, at start, and each serves one
request at a time: a prefork WSGI server.

It execs gunicorn: the process the harness probes is gunicorn's master.
"""

import argparse
import os
import sys


def parse_seconds(s):
    """parse_seconds reads "2s", "500ms" or "3" into whole seconds, at
    least 1: gunicorn's --timeout counts in seconds."""
    if s.endswith("ms"):
        return max(1, round(int(s[:-2]) / 1000))
    return max(1, int(s[:-1] if s.endswith("s") else s))


def main(argv):
    p = argparse.ArgumentParser(prog="gunicornlab.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=8888)
    p.add_argument("--backlog", type=int, default=2048, help="listen() backlog (gunicorn's --backlog)")
    p.add_argument("--workers", type=int, default=4, help="sync workers forked at start")
    p.add_argument("--wire", choices=("http",), default="http",
                   help="http only: gunicorn has no article's wire")
    p.add_argument("--app", default="apps.wsgiapp:app", metavar="MODULE:CALLABLE")
    p.add_argument("--idle-timeout", default="30s",
                   help="how long a worker may wait on one client: gunicorn's --timeout, after which "
                        "it kills and replaces the worker (default 30s; 2s, 500ms)")
    o = p.parse_args(argv)
    timeout = parse_seconds(o.idle_timeout)
    conf = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gunicorn_conf.py")
    args = ["gunicorn", "--config", conf, "--bind", f"0.0.0.0:{o.port}", "--backlog", str(o.backlog),
            "--workers", str(o.workers), "--worker-class", "sync", "--timeout", str(timeout),
            "--chdir", os.path.dirname(conf), o.app]
    os.environ["LAB_LISTENING"] = (f"listening port={o.port} backlog={o.backlog} pid={os.getpid()} "
                                   f"model=gunicorn workers={o.workers} app={o.app} wire={o.wire}")
    os.execvp(args[0], args)


if __name__ == "__main__":
    main(sys.argv[1:])
