"""pep3333.py: the server's half of WSGI (PEP 3333) for one request: the
environ, start_response with its exc_info rules, the write() callable, and
the response iterable, closed whatever happens.

Reply frames the response as a conformant server does (headers with the
first body byte, Content-Length when known, close-delimited otherwise);
SeedReply as the article's finish_response does (everything joined, one
sendall, its hard-coded Date and Server appended).
"""

import email.utils
import io
import os
import sys
import traceback
from urllib.parse import unquote_to_bytes

from http1 import REASONS, RequestBody

# The article's start_response appends these to every response, whatever
# the application set; its Date never changes.
SEED_DATE = "Tue, 31 Mar 2015 12:54:48 GMT"
SEED_SERVER = "WSGIServer 0.2"

# PEP 3333: applications must not use HTTP/1.1 hop-by-hop headers; the
# server owns the connection (and closes it after every reply).
HOP_BY_HOP = frozenset((
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "te", "trailer", "trailers", "transfer-encoding", "upgrade",
))


def log(line):
    """log writes line and a newline to stderr with one write(2), so that
    lines from several processes never interleave (PEP 475 retries EINTR)."""
    data = (line + "\n").encode("utf-8", "backslashreplace")
    try:
        while data:
            data = data[os.write(2, data):]
    except OSError:
        pass


def log_exception(what, exc):
    """log_exception logs "<what>: <Type>: <message>" and the traceback, in
    one write: the first line is the one to match."""
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log(f"{what}: {type(exc).__name__}: {exc}\n" + "".join("  " + l for l in tb.splitlines(True)).rstrip("\n"))


def build_environ(req, body, *, server_name, server_port, remote, multiprocess):
    """build_environ returns the environ for req: the CGI variables, one
    HTTP_ variable per field, and the wsgi.* keys. body is wsgi.input."""
    env = {
        "REQUEST_METHOD": req.method,
        "SCRIPT_NAME": "",  # the application is mounted at the root
        # PEP 3333: "native strings" hold bytes as latin-1 code points, so
        # every decoded byte survives; the application decodes UTF-8 itself.
        "PATH_INFO": unquote_to_bytes(req.path).decode("latin-1"),
        "QUERY_STRING": req.query,
        "SERVER_NAME": server_name,
        "SERVER_PORT": str(server_port),
        "SERVER_PROTOCOL": req.version,
        "REMOTE_ADDR": remote[0],
        "REMOTE_PORT": str(remote[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": multiprocess,
        "wsgi.run_once": False,
    }
    if req.content_length is not None:
        env["CONTENT_LENGTH"] = str(req.content_length)
    for name, value in req.fields:
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            env.setdefault("CONTENT_TYPE", value)
            continue
        if key == "CONTENT_LENGTH":
            continue  # taken above, checked and normalised
        if "_" in name:
            # X-Forwarded_For would become HTTP_X_FORWARDED_FOR, the same
            # key as X-Forwarded-For: drop it rather than let it pass for
            # the other one (as nginx and gunicorn do).
            continue
        key = "HTTP_" + key
        if key in env:
            # RFC 9110 5.3: repeated fields join with commas, except
            # Cookie, which joins with "; " (RFC 6265 5.4).
            env[key] += ("; " if key == "HTTP_COOKIE" else ", ") + value
        else:
            env[key] = value
    return env


def make_body(req, sock, on_first_read=None):
    """make_body returns wsgi.input for req: a buffered reader over exactly
    its Content-Length bytes (none without one), with readline, readlines
    and iteration from io.BufferedReader."""
    raw = RequestBody(sock, req.early, req.content_length or 0, on_first_read)
    return io.BufferedReader(raw)


def check_status(status):
    """check_status accepts a str "NNN Reason" with no control characters.
    Failure: TypeError or ValueError, raised into the application."""
    if type(status) is not str:
        raise TypeError(f"status must be a str, not {type(status).__name__}")
    if not (len(status) >= 4 and status[:3].isdigit() and status[0] != "0" and status[3] == " ") \
            or any(c < " " or c == "\x7f" for c in status):
        raise ValueError(f"status {status!r} is not 'NNN Reason'")
    status.encode("latin-1")


def check_headers(headers):
    """check_headers accepts a list of (name, value) str tuples fit for the
    wire. Failure: TypeError or ValueError, raised into the application."""
    if not isinstance(headers, list):
        raise TypeError(f"response headers must be a list, not {type(headers).__name__}")
    for item in headers:
        if type(item) is not tuple or len(item) != 2:
            raise TypeError(f"response header {item!r} is not a (name, value) tuple")
        name, value = item
        if type(name) is not str or type(value) is not str:
            raise TypeError(f"response header {item!r} must be two str")
        if not name or any(c <= " " or c in ':"(),/;<=>?@[\\]{}' or c > "~" for c in name):
            raise ValueError(f"response header name {name!r} is not a token")
        if any((c < " " and c != "\t") or c == "\x7f" for c in value):
            raise ValueError(f"response header {name}: {value!r} has a control character")
        value.encode("latin-1")
        if name.lower() in HOP_BY_HOP:
            raise ValueError(f"hop-by-hop header {name!r} is the server's, not the application's")
        if name.lower() == "content-length" and not (value.isascii() and value.isdigit()):
            raise ValueError(f"Content-Length {value!r} is not a number")


class ClientGone(Exception):
    """ClientGone is a send that failed: the peer closed, reset or stopped
    reading. Nothing more can be sent on the connection."""


class Reply:
    """Reply is the conformant server's side of one response: it keeps the
    headers start_response gave until the first non-empty chunk (or a
    write() call), adds Date, Server, Connection: close and, when the
    length is known, Content-Length, and leaves the body out for HEAD."""

    def __init__(self, sock, *, server, head):
        self.sock = sock
        self.server = server  # the Server header, unless the application sets one
        self.head = head  # HEAD: headers as for GET, no body bytes
        self.status = None
        self.headers = None
        self.headers_sent = False
        self.single = False  # the iterable has len() 1: its one chunk is the body
        self.length = None  # Content-Length sent, if any
        self.sent = 0  # body bytes the application produced

    def start_response(self, status, headers, exc_info=None):
        """start_response is PEP 3333's: it stores status and headers and
        returns write. Called again, it needs exc_info, and re-raises it
        once headers have gone out: the response cannot change any more."""
        if exc_info is not None:
            try:
                if self.headers_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None  # a traceback holds frames: break the cycle
        elif self.status is not None:
            raise AssertionError("start_response called a second time without exc_info")
        check_status(status)
        check_headers(headers)
        self.status, self.headers = status, list(headers)
        return self.write

    def write(self, data):
        """write is the callable start_response returns: its data goes out
        at once, headers first, even if data is empty."""
        self.body(data, push=True)

    def body(self, data, push=False):
        """body sends one chunk of the response body. An empty chunk from
        the iterable sends nothing, not even the headers (PEP 3333)."""
        if not isinstance(data, bytes):
            raise TypeError(f"response body chunks must be bytes, not {type(data).__name__}")
        if self.status is None:
            raise AssertionError("a body chunk came before start_response")
        if not data and not (push and not self.headers_sent):
            return
        if not self.headers_sent:
            self.send_headers(len(data) if self.single else None)
        if self.length is not None and self.sent + len(data) > self.length:
            log(f"app: body longer than Content-Length {self.length}: cut")
            data = data[:max(0, self.length - self.sent)]
        self.sent += len(data)
        if data and self.has_body():
            self.send(data)

    def finish(self):
        """finish ends a response whose iterable is exhausted: one without a
        body byte still needs its headers, and its length is then 0."""
        if self.status is None:
            raise AssertionError("the application returned without calling start_response")
        if not self.headers_sent:
            self.send_headers(0)
        if self.length is not None and self.sent < self.length and self.has_body():
            log(f"app: body shorter than Content-Length {self.length}: {self.sent} bytes")

    def has_body(self):
        code = int(self.status[:3])
        return not self.head and code >= 200 and code not in (204, 304)

    def send_headers(self, length):
        """send_headers sends the status line and headers; length is the
        body's length when the server knows it (None: close-delimited)."""
        headers = list(self.headers)
        names = {name.lower() for name, _ in headers}
        code = int(self.status[:3])
        if "content-length" in names:
            self.length = int(next(v for n, v in headers if n.lower() == "content-length"))
        elif length is not None and code >= 200 and code not in (204, 304):
            self.length = length
            headers.append(("Content-Length", str(length)))
        if "date" not in names:
            headers.append(("Date", email.utils.formatdate(usegmt=True)))
        if "server" not in names:
            headers.append(("Server", self.server))
        headers.append(("Connection", "close"))  # one request per connection
        self.headers_sent = True
        self.send(head_bytes(self.status, headers))

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError as e:  # EPIPE, ECONNRESET, or the send timeout
            raise ClientGone(e) from None


class SeedReply(Reply):
    """SeedReply is the article's finish_response: status line, the
    application's headers, then SEED_DATE and SEED_SERVER whatever it set,
    the empty line and every chunk, in one sendall once the iterable is
    exhausted: no Content-Length unless the application gave one, and a
    body even for HEAD. Errors are still answered with a 500 (the article's
    server raises instead)."""

    def __init__(self, sock, *, server, head):
        super().__init__(sock, server=server, head=head)
        self.chunks = []

    def body(self, data, push=False):
        if not isinstance(data, bytes):
            raise TypeError(f"response body chunks must be bytes, not {type(data).__name__}")
        if self.status is None:
            raise AssertionError("a body chunk came before start_response")
        self.chunks.append(data)
        self.sent += len(data)

    def finish(self):
        if self.status is None:
            raise AssertionError("the application returned without calling start_response")
        headers = self.headers + [("Date", SEED_DATE), ("Server", SEED_SERVER)]
        self.headers_sent = True
        self.send(head_bytes(self.status, headers) + b"".join(self.chunks))


def head_bytes(status, headers):
    """head_bytes is the status line, the header lines and the empty line."""
    lines = [f"HTTP/1.1 {status}\r\n"] + [f"{n}: {v}\r\n" for n, v in headers] + ["\r\n"]
    return "".join(lines).encode("latin-1")


def error_bytes(status, server):
    """error_bytes is the server's own reply with status: a one-line text
    body, its Content-Length, Date, Server and Connection: close."""
    body = f"{REASONS.get(status, 'Error')}\n".encode("latin-1")
    return head_bytes(f"{status} {REASONS.get(status, 'Error')}", [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("Date", email.utils.formatdate(usegmt=True)),
        ("Server", server),
        ("Connection", "close"),
    ]) + body


def run(app, environ, reply):
    """run calls the application and sends its response through reply.
    It returns the status code sent, or None if the response was cut off
    (the peer went away, or the application failed after its headers had
    gone out). The iterable's close() is called in every case."""
    result = None
    try:
        result = app(environ, reply.start_response)
        try:
            reply.single = len(result) == 1 and not reply.headers_sent
        except Exception:  # no len(): a generator, a file wrapper...
            reply.single = False
        for data in result:
            reply.body(data)
        reply.finish()
        return int(reply.status[:3])
    except ClientGone:
        return None
    except Exception as e:
        log_exception("app", e)
        if reply.headers_sent:
            return None  # the status is on the wire: all we can do is close
        try:
            reply.send(error_bytes(500, reply.server))
        except ClientGone:
            return None
        return 500
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            try:
                close()
            except Exception as e:
                log_exception("app: close", e)
