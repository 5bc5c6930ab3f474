"""wsgiapp.py: the article's bare WSGI application (part 2's wsgiapp.py):
a callable, start_response and a list of bytes, with no framework at all;
the lab's /slow and /environ beside its /hello."""

import time
from urllib.parse import parse_qs

from . import lab

# The methods this application knows (RFC 9110 §9 and PATCH, RFC 5789);
# methods are case-sensitive, so "get" is not one of them.
KNOWN_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"))


def app(environ, start_response):
    """A barebones WSGI application.

    This is a starting point for your own Web framework :)
    """
    path = environ.get("PATH_INFO", "")
    status, content_type = "200 OK", "text/plain"
    if environ.get("REQUEST_METHOD") not in KNOWN_METHODS:
        # RFC 9110 §9.1: an origin server SHOULD answer 501 to a method it
        # does not recognise. The server passes any token on (PEP 3333):
        # what a method means is the application's to say.
        status, body = "501 Not Implemented", b"Not Implemented\n"
    elif path == "/hello":
        body = b"Hello world from a simple WSGI application!\n"
    elif path == "/slow":
        try:
            seconds = lab.slow_seconds(parse_qs(environ.get("QUERY_STRING", "")).get("seconds", [None])[0])
        except ValueError:
            status, body = "400 Bad Request", b"Bad Request\n"
        else:
            time.sleep(seconds)
            body = lab.slow_body(seconds, "a simple WSGI application").encode()
    elif path == "/environ":
        content_type, body = "application/json", lab.environ_json(environ)
    else:
        status, body = "404 Not Found", b"Not Found\n"
    start_response(status, [("Content-Type", content_type)])
    # One element: the server may send Content-Length (PEP 3333).
    return [body]
