# serverlab images. One builder stage per language, then one FROM scratch
# target per specimen and one for the lab's own binary (the agent).
#   docker build --target forking -t serverlab/forking:dev .
# Offline: --build-arg BUILDER=serverlab/builder:offline and
# --build-arg PYTHON_IMAGE=serverlab/python:offline (scripts/offline-builder.sh).
# Written for the classic builder too: no RUN --mount, no heredocs, no COPY --chmod.
#
# Other architectures: the builder stages run on the build machine and
# cross-compile for TARGETARCH (amd64 or arm64); the specimens' stages are
# of the target platform.
#   docker buildx build --platform linux/amd64,linux/arm64 --target epoll .
# BuildKit sets TARGETARCH and BUILDPLATFORM itself. The classic builder
# sets neither: TARGETARCH empty means the build machine's own architecture,
# and BUILDPLATFORM empty means "linux", which the engine completes with its
# own architecture. The classic builder (Engine 20.10) cannot COPY --from a
# stage of another platform, so `docker build --platform linux/arm64` fails
# there, and `--build-arg TARGETARCH=arm64` alone gives arm64 binaries in
# images that say amd64. `lab build --arch arm64` does the latter, then
# corrects the architecture in each scratch image's config once it has read
# the ELF header of its binary (harness/runner/arch.go).
ARG BUILDER=golang:1.26-bookworm
ARG PYTHON_IMAGE=python:3.11-slim
# No defaults here: BuildKit treats a declared default as the user's value
# and would no longer set these from --platform.
ARG BUILDPLATFORM

# C specimens: static, so that they run on scratch. For another architecture
# the cross compiler and a static libc for it come from Debian
# (gcc-<triplet>, libc6-dev-<arch>-cross): scripts/offline-builder.sh puts
# them into the offline builder; golang:*-bookworm has none, so they are
# installed here, which needs Debian's package mirror (online only).
FROM --platform=${BUILDPLATFORM:-linux} ${BUILDER} AS build-c
ARG TARGETARCH
WORKDIR /src
RUN native="$(dpkg --print-architecture)"; arch="${TARGETARCH:-$native}"; \
    [ "$arch" = "$native" ] && exit 0; \
    case "$arch" in \
      amd64) triplet=x86_64-linux-gnu ;; \
      arm64) triplet=aarch64-linux-gnu ;; \
      *) echo "TARGETARCH=$arch: no cross compiler known (amd64, arm64)" >&2; exit 1 ;; \
    esac; \
    command -v "$triplet-gcc" >/dev/null && exit 0; \
    echo "no $triplet-gcc in the builder image: installing it from Debian" >&2; \
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      "gcc-$(echo "$triplet" | tr _ -)" "libc6-dev-$arch-cross" \
    && rm -rf /var/lib/apt/lists/*
COPY servers/c/ servers/c/
RUN native="$(dpkg --print-architecture)"; arch="${TARGETARCH:-$native}"; cc=gcc; \
    case "$arch" in \
      "$native") ;; \
      amd64) cc=x86_64-linux-gnu-gcc ;; \
      arm64) cc=aarch64-linux-gnu-gcc ;; \
    esac; \
    make -C servers/c OUT=/out CC="$cc" all

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
FROM --platform=${BUILDPLATFORM:-linux} ${BUILDER} AS build-go
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY harness/ harness/
COPY servers/go/ servers/go/
# Declared here, not above: BuildKit then downloads the modules once for
# every target platform.
ARG TARGETARCH
RUN CGO_ENABLED=0 GOARCH="${TARGETARCH:-$(go env GOARCH)}" \
    go build -buildvcs=false -trimpath -ldflags="-s -w" -o /out/ ./harness/cmd/lab ./servers/go/goroutines

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
# and pip, which needs an index, is skipped. Nothing here is compiled: for
# another architecture the base image is of that architecture (BuildKit
# pulls it for --platform; `lab build --arch` hands the classic builder one
# that is) and the RUN steps run under emulation (qemu-user-static).
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
