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
# the ELF header of its binary (harness/image/arch.go).
ARG BUILDER=golang:1.26-bookworm
ARG PYTHON_IMAGE=python:3.11-slim
# No defaults here: BuildKit treats a declared default as the user's value
# and would no longer set these from --platform.
ARG BUILDPLATFORM

# Every instruction of the classic builder commits a layer, which costs
# seconds on some storage drivers (7-11 s each over fuse-overlayfs here:
# it walks the image's whole tree), and it builds every stage that comes
# before its target in this file, needed or not. So each stage keeps to few
# instructions, and the lab builds each target from this file cut down to
# the stages it needs (harness/image/stages.go: the same layers, so the
# same cache), the targets that share no stage at once: Go, C and Python
# side by side. The Go stages stand first, so that compose's build of the
# lab service, a classic build of this whole file, walks only them. The
# specimens default to port 8888, and the harness and compose.yaml name the
# user and the command, so the scratch images say only who runs them and
# what. Every image the lab makes is labelled org.serverlab.lab=true here,
# by its stage (gunicorn inherits wsgi's): a label the build adds is one
# more commit per image.

# Go: the lab (CLI, harness and agent in one static binary) and the
# goroutines specimen. Their sources are gathered first in a scratch stage,
# whose instructions commit in a second, and reach the builder in one COPY:
# three COPYs there cost a commit of the builder's whole tree each. The
# module and build caches live and die in the RUN that builds, so that its
# layer holds the two binaries and nothing else to commit. ARG TARGETARCH
# is declared after the COPY, so that BuildKit shares it between target
# platforms.
FROM scratch AS src-go
COPY go.mod go.sum /src/
COPY harness/ /src/harness/
COPY servers/go/ /src/servers/go/

FROM --platform=${BUILDPLATFORM:-linux} ${BUILDER} AS build-go
COPY --from=src-go /src/ /src/
ARG TARGETARCH
RUN cd /src && export GOMODCACHE=/tmp/gomod GOCACHE=/tmp/gocache && go mod download \
 && CGO_ENABLED=0 GOARCH="${TARGETARCH:-$(go env GOARCH)}" \
    go build -buildvcs=false -trimpath -ldflags="-s -w" -o /out/ ./harness/cmd/lab ./servers/go/goroutines \
 && go clean -cache -modcache

FROM scratch AS goroutines
LABEL org.serverlab.lab=true
COPY --from=build-go /out/goroutines /goroutines
USER 10001:10001
ENTRYPOINT ["/goroutines"]

FROM scratch AS lab
LABEL org.serverlab.lab=true
COPY --from=build-go /out/lab /lab
USER 65532:65532
ENTRYPOINT ["/lab"]
CMD ["list"]

# C specimens: static, so that they run on scratch. For another architecture
# the cross compiler and a static libc for it come from Debian
# (gcc-<triplet>, libc6-dev-<arch>-cross): scripts/offline-builder.sh puts
# them into the offline builder; golang:*-bookworm has none, so they are
# installed here, which needs Debian's package mirror (online only).
FROM --platform=${BUILDPLATFORM:-linux} ${BUILDER} AS build-c
COPY servers/c/ /src/servers/c/
ARG TARGETARCH
RUN native="$(dpkg --print-architecture)"; arch="${TARGETARCH:-$native}"; cc=gcc; \
    case "$arch" in \
      "$native") triplet= ;; \
      amd64) triplet=x86_64-linux-gnu ;; \
      arm64) triplet=aarch64-linux-gnu ;; \
      *) echo "TARGETARCH=$arch: no cross compiler known (amd64, arm64)" >&2; exit 1 ;; \
    esac; \
    if [ -n "$triplet" ]; then \
      cc="$triplet-gcc"; \
      if ! command -v "$cc" >/dev/null; then \
        echo "no $cc in the builder image: installing it from Debian" >&2; \
        apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
          "gcc-$(echo "$triplet" | tr _ -)" "libc6-dev-$arch-cross" \
        && rm -rf /var/lib/apt/lists/* || exit 1; \
      fi; \
    fi; \
    make -C /src/servers/c OUT=/out CC="$cc" all

FROM scratch AS iterative
LABEL org.serverlab.lab=true
COPY --from=build-c /out/iterative /iterative
USER 10001:10001
ENTRYPOINT ["/iterative"]

FROM scratch AS forking
LABEL org.serverlab.lab=true
COPY --from=build-c /out/forking /forking
USER 10001:10001
ENTRYPOINT ["/forking"]

FROM scratch AS select
LABEL org.serverlab.lab=true
COPY --from=build-c /out/select /select
USER 10001:10001
ENTRYPOINT ["/select"]

FROM scratch AS epoll
LABEL org.serverlab.lab=true
COPY --from=build-c /out/epoll /epoll
USER 10001:10001
ENTRYPOINT ["/epoll"]

FROM scratch AS uring
LABEL org.serverlab.lab=true
COPY --from=build-c /out/uring /uring
USER 10001:10001
ENTRYPOINT ["/uring"]

FROM scratch AS prefork
LABEL org.serverlab.lab=true
COPY --from=build-c /out/prefork /prefork
USER 10001:10001
ENTRYPOINT ["/prefork"]

FROM scratch AS threads
LABEL org.serverlab.lab=true
COPY --from=build-c /out/threads /threads
USER 10001:10001
ENTRYPOINT ["/threads"]

# The WSGI server of part 2 (webserver2) and part 3 (webserver3h), with the
# article's four applications: python3 wsgiserver.py --app apps.flaskapp:app.
# Online, pip installs the frameworks into python:*-slim; offline,
# PYTHON_IMAGE=serverlab/python:offline has them from Debian's packages,
# and pip, which needs an index, is skipped. Nothing here is compiled: for
# another architecture the base image is of that architecture (BuildKit
# pulls it for --platform; `lab build --arch` hands the classic builder one
# that is) and the RUN step runs under emulation (qemu-user-static).
# The sources are compiled at build time and python3 runs with -B: the
# root filesystem is read-only at run time. The script's folder, /srv, is
# the first entry of sys.path, so apps.flaskapp imports from /srv/apps.
FROM ${PYTHON_IMAGE} AS wsgi
LABEL org.serverlab.lab=true
COPY servers/python/ /srv/
RUN (python3 -c "import flask, pyramid, django, gunicorn" 2>/dev/null \
     || PIP_ROOT_USER_ACTION=ignore pip install --no-cache-dir --disable-pip-version-check \
          "flask>=2.2,<4" "pyramid>=2.0,<3" "django>=3.2,<6" "gunicorn>=20.1") \
 && python3 -m compileall -q /srv
USER 10001:10001
ENTRYPOINT ["python3", "-B", "/srv/wsgiserver.py"]

# gunicorn's sync workers over the same applications: the peer the lab's
# WSGI server is measured against.
FROM wsgi AS gunicorn
ENTRYPOINT ["python3", "-B", "/srv/gunicornlab.py"]
