"""flaskapp.py: the article's Flask application (part 2's flaskapp.py),
with the lab's /slow and /environ."""

import time

from flask import Flask, Response, abort, request

from . import lab

app = Flask(__name__)


@app.route("/hello")
def hello_world():
    return Response("Hello world from Flask!\n", mimetype="text/plain")


@app.route("/slow")
def slow():
    try:
        seconds = lab.slow_seconds(request.args.get("seconds"))
    except ValueError:
        abort(400)
    time.sleep(seconds)
    return Response(lab.slow_body(seconds, "Flask"), mimetype="text/plain")


@app.route("/environ")
def environ():
    return Response(lab.environ_json(request.environ), mimetype="application/json")
