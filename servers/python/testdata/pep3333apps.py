"""pep3333apps.py: one WSGI application per corner of PEP 3333 that the
server must get right, chosen by path, for wsgi_test.go:
--app testdata.pep3333apps:app. Those under INVALID break the spec on
purpose (the server must answer 500, not crash); the others are valid and
run under wsgiref.validate too."""

import sys

from apps import lab

TEXT = [("Content-Type", "text/plain")]


def single(environ, start_response):
    start_response("200 OK", list(TEXT))
    return [b"hello"]  # len() 1: the server may send Content-Length: 5


def empty(environ, start_response):
    start_response("200 OK", list(TEXT))
    return []  # no body byte at all: headers at the end, Content-Length: 0


def write(environ, start_response):
    out = start_response("200 OK", list(TEXT))
    out(b"a")  # headers go out now, before the body is known: no length
    out(b"b")
    return []


class Closing:
    """Closing is an iterable with close(), which the server must call."""

    def __init__(self, environ, chunks):
        self.errors = environ["wsgi.errors"]
        self.chunks = chunks

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        self.errors.write("pep3333: closed\n")
        self.errors.flush()


def closing(environ, start_response):
    start_response("200 OK", list(TEXT))
    return Closing(environ, [b"", b"x", b"", b"y"])  # empty chunks send nothing


def exc_info_early(environ, start_response):
    start_response("200 OK", list(TEXT))
    try:
        raise ValueError("changed its mind")
    except ValueError:
        # Nothing sent yet: the new status replaces the old one.
        start_response("500 Changed Its Mind", list(TEXT), sys.exc_info())
    return [b"replaced\n"]


def exc_info_late(environ, start_response):
    out = start_response("200 OK", list(TEXT))
    out(b"partial")
    try:
        raise RuntimeError("too late")
    except RuntimeError:
        # Headers are on the wire: start_response re-raises, the server
        # logs it and cuts the response short.
        start_response("500 Too Late", list(TEXT), sys.exc_info())
    return [b"never sent"]


def raises(environ, start_response):
    raise RuntimeError("boom before start_response")


def raises_in_iterable(environ, start_response):
    start_response("200 OK", list(TEXT))

    def body():
        yield b""  # no byte yet, so no headers yet: still time for a 500
        raise RuntimeError("boom in the iterable")

    return body()


def own_headers(environ, start_response):
    start_response("200 OK", TEXT + [("Date", "Sun, 06 Nov 1994 08:49:37 GMT"), ("Server", "pep3333apps")])
    return [b"mine\n"]


def echo(environ, start_response):
    n = int(environ.get("CONTENT_LENGTH") or 0)
    # Asks for more than there is: the server's wsgi.input ends at
    # Content-Length instead of waiting for bytes that never come.
    data = environ["wsgi.input"].read(n + 100)
    start_response("200 OK", list(TEXT))
    return [data]


def lines(environ, start_response):
    got = environ["wsgi.input"].readlines()
    start_response("200 OK", list(TEXT))
    return [b"|".join(got)]


def environ_json(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [lab.environ_json(environ)]


def start_twice(environ, start_response):
    start_response("200 OK", list(TEXT))
    start_response("200 OK", list(TEXT))  # no exc_info: an error
    return [b"never sent"]


def hop_by_hop(environ, start_response):
    start_response("200 OK", TEXT + [("Connection", "keep-alive")])
    return [b"never sent"]


def str_body(environ, start_response):
    start_response("200 OK", list(TEXT))
    return ["not bytes"]


VALID = {
    "/single": single,
    "/empty": empty,
    "/write": write,
    "/closing": closing,
    "/exc-info-early": exc_info_early,
    "/exc-info-late": exc_info_late,
    "/raises": raises,
    "/raises-in-iterable": raises_in_iterable,
    "/own-headers": own_headers,
    "/echo": echo,
    "/lines": lines,
    "/environ": environ_json,
}
INVALID = {
    "/start-twice": start_twice,
    "/hop-by-hop": hop_by_hop,
    "/str-body": str_body,
}


def app(environ, start_response):
    path = environ["PATH_INFO"]
    name = "/" + path.split("/")[1]  # /environ/anything is /environ
    view = VALID.get(name) or INVALID.get(name)
    if view is None:
        start_response("404 Not Found", list(TEXT))
        return [b"Not Found\n"]
    return view(environ, start_response)
