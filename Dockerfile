# serverlab images. One builder stage per language, then one FROM scratch
# target per specimen and one for the lab's own binary (the agent).
#   docker build --target forking -t serverlab/forking:dev .
# Offline: --build-arg BUILDER=serverlab/builder:offline and
# --build-arg PYTHON_IMAGE=serverlab/python:offline (scripts/offline-builder.sh).
# Written for the classic builder too: no RUN --mount, no heredocs, no COPY --chmod.
ARG BUILDER=golang:1.26-bookworm
ARG PYTHON_IMAGE=python:3.11-slim

# C specimens: static, so that they run on scratch.
FROM ${BUILDER} AS build-c
WORKDIR /src
COPY servers/c/ servers/c/
RUN make -C servers/c OUT=/out all

FROM scratch AS iterative
COPY --from=build-c /out/iterative /iterative
USER 10001:10001
EXPOSE 8888
ENTRYPOINT ["/iterative"]
CMD ["--port", "8888"]

FROM scratch AS forking
COPY --from=build-c /out/forking /forking
USER 10001:10001
EXPOSE 8888
ENTRYPOINT ["/forking"]
CMD ["--port", "8888"]

FROM scratch AS select
COPY --from=build-c /out/select /select
USER 10001:10001
EXPOSE 8888
ENTRYPOINT ["/select"]
CMD ["--port", "8888"]

FROM scratch AS epoll
COPY --from=build-c /out/epoll /epoll
USER 10001:10001
EXPOSE 8888
ENTRYPOINT ["/epoll"]
CMD ["--port", "8888"]

FROM scratch AS prefork
COPY --from=build-c /out/prefork /prefork
USER 10001:10001
EXPOSE 8888
ENTRYPOINT ["/prefork"]
CMD ["--port", "8888"]

FROM scratch AS threads
COPY --from=build-c /out/threads /threads
USER 10001:10001
EXPOSE 8888
ENTRYPOINT ["/threads"]
CMD ["--port", "8888"]

# Go: the lab (CLI, harness and agent in one static binary) and the
# goroutines specimen. It comes after the C specimens so that building them
# never waits for Go modules.
FROM ${BUILDER} AS build-go
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY harness/ harness/
COPY servers/go/ servers/go/
RUN CGO_ENABLED=0 go build -buildvcs=false -trimpath -ldflags="-s -w" -o /out/ ./harness/cmd/lab ./servers/go/goroutines

FROM scratch AS goroutines
COPY --from=build-go /out/goroutines /goroutines
USER 10001:10001
EXPOSE 8888
ENTRYPOINT ["/goroutines"]
CMD ["--port", "8888"]

FROM scratch AS lab
COPY --from=build-go /out/lab /lab
USER 65532:65532
ENTRYPOINT ["/lab"]
CMD ["list"]

# The WSGI server of part 2 (webserver2) and part 3 (webserver3h), with the
# article's four applications: python3 wsgiserver.py --app apps.flaskapp:app.
# Online, pip installs the frameworks into python:*-slim; offline,
# PYTHON_IMAGE=serverlab/python:offline has them from Debian's packages,
# and pip, which needs an index, is skipped.
FROM ${PYTHON_IMAGE} AS wsgi
RUN python3 -c "import flask, pyramid, django, gunicorn" 2>/dev/null \
 || PIP_ROOT_USER_ACTION=ignore pip install --no-cache-dir --disable-pip-version-check \
      "flask>=2.2,<4" "pyramid>=2.0,<3" "django>=3.2,<6" "gunicorn>=20.1"
# Compiled at build time: the root filesystem is read-only at run time.
ENV PYTHONDONTWRITEBYTECODE=1
COPY servers/python/*.py /srv/
COPY servers/python/apps/ /srv/apps/
RUN python3 -m compileall -q /srv
WORKDIR /srv
USER 10001:10001
EXPOSE 8888
ENTRYPOINT ["python3", "/srv/wsgiserver.py"]
CMD ["--port", "8888"]

# gunicorn's sync workers over the same applications: the peer the lab's
# WSGI server is measured against.
FROM wsgi AS gunicorn
ENTRYPOINT ["python3", "/srv/gunicornlab.py"]
CMD ["--port", "8888"]
