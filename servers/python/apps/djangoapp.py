"""djangoapp.py: the article's Django project (part 2's helloworld/) in one
file: settings configured in code, a urlconf, views, and the WSGI
application that get_wsgi_application() builds. With the lab's /slow and
/environ."""

import time

from django.conf import settings

settings.configure(
    DEBUG=False,
    # The lab dials 127.0.0.1, localhost, or a container's own address.
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    # Nothing here signs or stores anything: no sessions, no CSRF, no database.
    SECRET_KEY="serverlab-hello-world-not-a-secret",
    # startproject's default CommonMiddleware, which also sets Content-Length.
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    USE_TZ=True,
)

from django.core.wsgi import get_wsgi_application  # noqa: E402 (after settings)
from django.http import HttpResponse, HttpResponseBadRequest  # noqa: E402
from django.urls import path  # noqa: E402

from . import lab  # noqa: E402


def hello_world(request):
    return HttpResponse("Hello world from Django!\n", content_type="text/plain")


def slow(request):
    try:
        seconds = lab.slow_seconds(request.GET.get("seconds"))
    except ValueError:
        return HttpResponseBadRequest("Bad Request\n", content_type="text/plain")
    time.sleep(seconds)
    return HttpResponse(lab.slow_body(seconds, "Django"), content_type="text/plain")


def environ(request):
    return HttpResponse(lab.environ_json(request.environ), content_type="application/json")


urlpatterns = [
    path("hello", hello_world),
    path("slow", slow),
    path("environ", environ),
]

app = get_wsgi_application()
