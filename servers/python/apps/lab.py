"""lab.py: what every lab application serves besides its hello: the
environ record behind /environ and the duration behind /slow."""

import json

SLOW_DEFAULT = 1.0  # seconds /slow sleeps without ?seconds=
SLOW_MAX = 60.0


def environ_record(environ):
    """environ_record returns the environ as the server built it, every
    value a str: the CGI variables (no dot in the name) and the wsgi.* keys,
    without the dotted keys a framework adds (werkzeug.request, webob.*,
    bfg.*). str values as they are; numbers, booleans, None and tuples as
    their repr ("(1, 0)", "True"); any other object as <module.Type>.
    Django rewrites PATH_INFO and SCRIPT_NAME in place, decoded as UTF-8."""
    out = {}
    for key, value in environ.items():
        if "." in key and not key.startswith("wsgi."):
            continue
        if isinstance(value, str):
            out[key] = value
        elif value is None or isinstance(value, (bool, int, float, tuple)):
            out[key] = repr(value)
        else:
            t = type(value)
            out[key] = f"<{t.__module__}.{t.__qualname__}>"
    return out


def environ_json(environ):
    """environ_json is environ_record as UTF-8 JSON, keys sorted, with a
    final newline."""
    return (json.dumps(environ_record(environ), sort_keys=True, indent=1) + "\n").encode("utf-8")


def slow_seconds(value):
    """slow_seconds reads the ?seconds= of /slow: None gives SLOW_DEFAULT.
    Failure: ValueError unless 0 <= seconds <= SLOW_MAX."""
    if value is None:
        return SLOW_DEFAULT
    seconds = float(value)
    if not 0 <= seconds <= SLOW_MAX:  # also refuses nan
        raise ValueError(f"seconds={value!r}: want 0..{SLOW_MAX:g}")
    return seconds


def slow_body(seconds, framework):
    """slow_body is what /slow answers once it has slept."""
    return f"Hello world from {framework}, {seconds:g} s late!\n"
