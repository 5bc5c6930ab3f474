"""http1.py: one HTTP/1.x request in, on either wire.

http: RFC 9112, read until the blank line that ends the head, with the same
limits as servers/c/http.h; seed: the article's single recv(1024), parsed as
leniently as the article's server parses it. Parsing is pure (bytes in, a
Request or an HTTPError out); only read_http and read_seed touch the socket.
"""

import io
import re
import socket
import time

# Limits, as in servers/c/http.h: past each one, the status beside it.
MAX_REQUEST_LINE = 8000  # 414; RFC 9112 3: at least 8000 octets
MAX_HEADER_BYTES = 8192  # 431: the field lines, line ends included
MAX_FIELDS = 100  # 431
MAX_BODY = 1 << 20  # 413: a larger Content-Length is refused
MAX_EMPTY_LINES = 8  # 400: empty lines before the request line
SEED_RECV = 1024  # the article: client_connection.recv(1024), once

REASONS = {
    100: "Continue",
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    408: "Request Timeout",
    411: "Length Required",
    413: "Content Too Large",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    505: "HTTP Version Not Supported",
}

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_TARGET = re.compile(rb"[\x21-\x7e]+\Z")  # visible ASCII: no spaces, no controls
_VERSION = re.compile(rb"HTTP/([0-9])\.([0-9])\Z")
_BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")  # CTLs but HTAB
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*")
# The head ends at the first empty line. CRLF is the rule; a bare LF is
# accepted as a line end (RFC 9112 2.2), and the article's client3 sends one.
_HEAD_END = re.compile(rb"\r?\n\r?\n")


class HTTPError(Exception):
    """HTTPError is a request the server answers with status and closes."""

    def __init__(self, status, why):
        super().__init__(f"{status} {why}")
        self.status = status
        self.why = why


class Request:
    """Request is a parsed head and the body bytes that came with it."""

    def __init__(self, method, target, version, fields, early):
        self.method = method  # str, e.g. "GET"
        self.target = target  # str, the request-target as sent
        self.path, self.query = split_target(target)  # path still percent-encoded
        self.version = version  # str, e.g. "HTTP/1.1"
        self.fields = fields  # [(name, value)] as sent, latin-1 str
        self.early = early  # bytes after the head, read along with it
        self.content_length = None  # int, or None without a Content-Length
        self.expect_continue = False

    def values(self, name):
        """values returns every value of the field called name (any case)."""
        name = name.lower()
        return [v for n, v in self.fields if n.lower() == name]


def split_target(target):
    """split_target returns (path, query) of an origin-form or absolute-form
    request-target, the path still percent-encoded.
    Failure: HTTPError(400) for any other form (authority-form is CONNECT's,
    asterisk-form OPTIONS *: neither is served here)."""
    if target.startswith("/"):
        path, _, query = target.partition("?")
        return path, query
    m = _ABSOLUTE.match(target)
    if m:
        path, _, query = target[m.end():].partition("?")
        return path or "/", query
    raise HTTPError(400, "request-target is neither origin-form nor absolute-form")


def parse_request_line(line, strict=True):
    """parse_request_line returns (method, target, version) of
    "METHOD SP TARGET SP HTTP/1.x". With strict False it is the article's
    request_line.split(): any three words.
    Failure: HTTPError(400), or 505 for a version other than 1.x."""
    if not strict:
        parts = line.split()
        if len(parts) != 3:
            raise HTTPError(400, "request line is not three words")
        return tuple(p.decode("latin-1") for p in parts)
    parts = line.split(b" ")
    if len(parts) != 3:
        raise HTTPError(400, "request line is not METHOD SP TARGET SP VERSION")
    method, target, version = parts
    if not _TOKEN.match(method):
        raise HTTPError(400, "method is not a token")
    if not _TARGET.match(target):
        raise HTTPError(400, "request-target has spaces or controls")
    m = _VERSION.match(version)
    if not m:
        raise HTTPError(400, "version is not HTTP/x.y")
    if m.group(1) != b"1":
        raise HTTPError(505, "only HTTP/1.x is served")
    return method.decode("ascii"), target.decode("ascii"), version.decode("ascii")


def parse_fields(lines, strict=True):
    """parse_fields returns [(name, value)] from field lines without their
    line ends. Strict, a bad line is an error; lenient (seed), it is skipped,
    since the article's server never reads fields at all.
    Failure: HTTPError(400) for a bad line, 431 for too many."""
    fields = []
    for line in lines:
        name, colon, value = line.partition(b":")
        if line[:1] in (b" ", b"\t"):
            why = "obsolete line folding"  # RFC 9112 5.2: reject it
        elif not colon or not _TOKEN.match(name):
            why = "field name is not a token (or space before the colon)"
        elif _BAD_VALUE.search(value):
            why = "control character in a field value"
        else:
            why = None
        if why:
            if strict:
                raise HTTPError(400, why)
            continue
        if len(fields) == MAX_FIELDS:
            raise HTTPError(431, f"more than {MAX_FIELDS} fields")
        fields.append((name.decode("ascii"), value.strip(b" \t").decode("latin-1")))
    return fields


def check_semantics(req):
    """check_semantics applies RFC 9112's rules on Host, Content-Length,
    Transfer-Encoding and Expect to req, and sets its content_length and
    expect_continue.
    Failure: HTTPError(400), 411 or 413."""
    hosts = req.values("host")
    if len(hosts) > 1 or (req.version == "HTTP/1.1" and not hosts):
        raise HTTPError(400, "an HTTP/1.1 request needs exactly one Host")
    if req.values("transfer-encoding"):
        # Bodies are handed to the application as wsgi.input with a
        # CONTENT_LENGTH; a chunked one would have to be buffered whole
        # first. RFC 9112 6.3 lets a server ask for a length instead.
        raise HTTPError(411, "Transfer-Encoding is not accepted: send Content-Length")
    lengths = {v.strip() for f in req.values("content-length") for v in f.split(",")}
    if lengths:
        # Several Content-Length values are fine only if they agree (RFC 9112 6.3).
        length = lengths.pop() if len(lengths) == 1 else ""
        if not (length.isascii() and length.isdigit()):
            raise HTTPError(400, "Content-Length is not one decimal number")
        req.content_length = int(length)
        if req.content_length > MAX_BODY:
            raise HTTPError(413, f"Content-Length over {MAX_BODY}")
    req.expect_continue = req.version == "HTTP/1.1" and any(
        v.strip().lower() == "100-continue" for v in req.values("expect"))


def parse_head(head, early):
    """parse_head parses a request head (the bytes before its empty line,
    after any leading empty lines) strictly, as the http wire does.
    Failure: HTTPError with the status to answer."""
    lines = head.split(b"\n")
    lines = [l[:-1] if l.endswith(b"\r") else l for l in lines]
    if any(b"\r" in l for l in lines):
        raise HTTPError(400, "bare CR in the head")
    if len(lines[0]) > MAX_REQUEST_LINE:
        raise HTTPError(414, f"request line over {MAX_REQUEST_LINE} bytes")
    if len(head) - len(lines[0]) > MAX_HEADER_BYTES:
        raise HTTPError(431, f"field lines over {MAX_HEADER_BYTES} bytes")
    method, target, version = parse_request_line(lines[0])
    req = Request(method, target, version, parse_fields(lines[1:]), early)
    check_semantics(req)
    return req


def parse_seed(data):
    """parse_seed parses what the article's one recv(1024) returned: the
    request line split into three words, as the article does, and whatever
    fields and body bytes came along (the rest of the body never arrives).
    Failure: HTTPError(400) if the first line is not three words (where the
    article's server raises ValueError)."""
    m = _HEAD_END.search(data)
    head, early = (data[:m.start()], data[m.end():]) if m else (data, b"")
    lines = [l.rstrip(b"\r") for l in head.split(b"\n")]
    method, target, version = parse_request_line(lines[0], strict=False)
    req = Request(method, target, version, parse_fields(lines[1:], strict=False), early)
    length = (req.values("content-length") or [""])[0].strip()
    if length.isdigit() and length.isascii():
        req.content_length = min(int(length), len(early))
    return req


def read_http(sock):
    """read_http reads one request head from sock, which has a timeout.
    The timeout bounds the whole head, counted from its first byte, not
    each recv(): a client that trickles a field line at a time gets 408
    all the same (slowloris).
    Returns None if the peer closes or goes silent before sending a byte.
    Failure: HTTPError with the status to answer (408 for a head cut short
    by the timeout); OSError from recv other than the timeout."""
    timeout = sock.gettimeout()
    try:
        return _read_head(sock, timeout)
    finally:
        sock.settimeout(timeout)


def _read_head(sock, timeout):
    buf = b""
    deadline = None  # when the head must be whole; set at its first byte
    while True:
        # RFC 9112 2.2: ignore a few empty lines before the request line.
        start = len(buf) - len(buf.lstrip(b"\r\n"))
        if buf[:start].count(b"\n") > MAX_EMPTY_LINES:
            raise HTTPError(400, "too many empty lines before the request line")
        m = _HEAD_END.search(buf, start)
        if m:
            return parse_head(buf[start:m.start()], buf[m.end():])
        line_end = buf.find(b"\n", start)
        if (line_end if line_end >= 0 else len(buf)) - start > MAX_REQUEST_LINE + 1:
            raise HTTPError(414, f"request line over {MAX_REQUEST_LINE} bytes")
        if line_end >= 0 and len(buf) - line_end > MAX_HEADER_BYTES + 2:
            raise HTTPError(431, f"field lines over {MAX_HEADER_BYTES} bytes")
        started = bool(buf.strip(b"\r\n"))
        if started and timeout and deadline is None:
            deadline = time.monotonic() + timeout
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise HTTPError(408, "head not complete before the timeout")
            sock.settimeout(left)
        try:
            chunk = sock.recv(16384)
        except socket.timeout:  # TimeoutError since 3.10
            if started:
                raise HTTPError(408, "head not complete before the timeout") from None
            return None
        if not chunk:
            return None
        buf += chunk


def read_seed(sock):
    """read_seed is the article's read: one recv() of at most 1024 bytes,
    whatever it holds. Returns None if the peer closes or stays silent.
    Failure: as parse_seed; OSError from recv other than the timeout."""
    try:
        data = sock.recv(SEED_RECV)
    except socket.timeout:  # TimeoutError since 3.10
        return None
    return parse_seed(data) if data else None


class RequestBody(io.RawIOBase):
    """RequestBody is the raw stream under wsgi.input: exactly length bytes,
    first those read along with the head, then from the socket (none on the
    seed wire, which reads once). A peer that closes early ends it short.
    on_first_read runs before the first byte is taken: it sends 100 Continue."""

    def __init__(self, sock, early, length, on_first_read=None):
        super().__init__()
        self.sock = sock
        self.early = early[:length]
        self.remaining = length  # bytes of the body not yet handed out
        self.on_first_read = on_first_read

    def readable(self):
        return True

    def readinto(self, b):
        if self.remaining <= 0 or len(b) == 0:
            return 0
        if self.on_first_read:
            self.on_first_read()
            self.on_first_read = None
        want = min(len(b), self.remaining)
        if self.early:
            n = min(want, len(self.early))
            b[:n] = self.early[:n]
            self.early = self.early[n:]
        elif self.sock is None:
            n = 0
        else:
            n = self.sock.recv_into(memoryview(b)[:want])
        self.remaining = self.remaining - n if n else 0
        return n
