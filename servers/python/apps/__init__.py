"""apps: the seed's four WSGI applications (part 2), one module each, loaded
by wsgiserver.py as module:callable:

  apps.wsgiapp:app     a bare WSGI callable
  apps.flaskapp:app    Flask
  apps.pyramidapp:app  Pyramid
  apps.djangoapp:app   Django

Each answers GET /hello with the article's body, GET /slow after sleeping
(?seconds=S, default 1, at most 60) for the head-of-line comparison, and GET
/environ with the environ the server built, as JSON (see lab.py).
"""
