"""pyramidapp.py: the article's Pyramid application (part 2's
pyramidapp.py), with the lab's /slow and /environ."""

import time

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPBadRequest
from pyramid.response import Response

from . import lab


def hello_world(request):
    return Response("Hello world from Pyramid!\n", content_type="text/plain")


def slow(request):
    try:
        seconds = lab.slow_seconds(request.GET.get("seconds"))
    except ValueError:
        raise HTTPBadRequest()
    time.sleep(seconds)
    return Response(lab.slow_body(seconds, "Pyramid"), content_type="text/plain")


def environ(request):
    return Response(body=lab.environ_json(request.environ), content_type="application/json")


config = Configurator()
config.add_route("hello", "/hello")
config.add_view(hello_world, route_name="hello")
config.add_route("slow", "/slow")
config.add_view(slow, route_name="slow")
config.add_route("environ", "/environ")
config.add_view(environ, route_name="environ")
app = config.make_wsgi_app()
