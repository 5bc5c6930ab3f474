# serverlab images. One builder stage per language, then one FROM scratch
# target per specimen and one for the lab's own binary (the agent).
#   docker build --target forking -t serverlab/forking:dev .
# Offline: --build-arg BUILDER=serverlab/builder:offline (scripts/offline-builder.sh).
# Written for the classic builder too: no RUN --mount, no heredocs, no COPY --chmod.
ARG BUILDER=golang:1.26-bookworm

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
