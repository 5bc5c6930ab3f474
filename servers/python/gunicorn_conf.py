"""gunicorn_conf.py: gunicorn's settings under the lab. when_ready writes
the lab's "listening ..." line once the socket listens and the workers are
up, the line the harness waits for; SIGTERM stops gunicorn at once, as every
specimen stops (gunicorn's own graceful stop waits for its workers)."""

import os
import sys

accesslog = None
errorlog = "-"
loglevel = "warning"
graceful_timeout = 1
# The root filesystem is read-only: the workers' heartbeat files go to
# /dev/shm, as gunicorn's documentation advises for containers.
worker_tmp_dir = "/dev/shm"


def when_ready(server):
    sys.stderr.write(os.environ.get("LAB_LISTENING", "listening model=gunicorn") + "\n")
    sys.stderr.flush()
