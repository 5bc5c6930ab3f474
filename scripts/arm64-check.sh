#!/usr/bin/env bash
# arm64-check.sh - build the lab's images for linux/arm64 and check them here.
#
# What: `lab build --arch arm64` (every specimen, and the lab, which is also
# the agent), then, on this machine:
#   - every image's config says linux/arm64;
#   - every image's binary (its entrypoint, found on the image's PATH when
#     it is a bare name, as python3 is) is a 64-bit little-endian AArch64
#     ELF file, read from its header with od;
#   - the arm64 epoll image, started with its port published on 127.0.0.1,
#     answers GET /hello with 200 and "Hello, World!", under emulation.
# Emulation is qemu-user-static through binfmt_misc: installed with apt-get
# when missing (root), binfmt_misc mounted, qemu-aarch64 enabled. An arm64
# host needs none of it.
#
# Offline (LAB_BUILDER names a serverlab/* image, as .ci/run sets it), it
# first runs `scripts/offline-builder.sh --arch arm64`, which makes the
# builder (with its cross compiler) and serverlab/python:offline-arm64 when
# they are missing or out of date. Online, the builder stage starts from
# golang:1.26-bookworm and installs the cross compiler from Debian, and the
# Python images start from python:3.11-slim pulled for linux/arm64.
#
# Usage: scripts/arm64-check.sh
# Environment: LAB_BUILDER, LAB_PYTHON_IMAGE, LAB_PYTHON_IMAGE_ARM64 (as for
# `lab build`); ARM64_CHECK_TIMEOUT, seconds to wait for /hello (default 60).
# Needs: Docker, Go, bash, od; root for what it installs.
# Exit status: 0 when every check passes; otherwise 1, the last line on
# stderr saying why ("arm64-check: FAIL: ...").

set -euo pipefail
cd "$(dirname "$0")/.."

arch=arm64
timeout_s="${ARM64_CHECK_TIMEOUT:-60}"

log() { printf 'arm64-check: %s\n' "$*" >&2; }
die() { printf 'arm64-check: FAIL: %s\n' "$*" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/arm64-check.XXXXXX")"
containers=()
cleanup() {
	local c
	for c in "${containers[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v docker >/dev/null 2>&1 || die "docker not found"
docker info >/dev/null 2>&1 || die "the Docker daemon does not answer"
command -v go >/dev/null 2>&1 || die "go not found"
command -v od >/dev/null 2>&1 || die "od not found (coreutils)"

# --- emulation ----------------------------------------------------------------

# binfmt_misc's F flag makes the kernel open the emulator when it is
# registered, so that it runs arm64 binaries inside containers too, where
# the emulator's path does not exist.
if [ "$(uname -m)" != aarch64 ]; then
	qemu=/proc/sys/fs/binfmt_misc/qemu-aarch64
	if ! command -v qemu-aarch64-static >/dev/null 2>&1 || ! command -v update-binfmts >/dev/null 2>&1; then
		[ "$(id -u)" -eq 0 ] || die "qemu-user-static is not installed and we are not root: sudo apt-get install qemu-user-static binfmt-support"
		log "installing qemu-user-static and binfmt-support"
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y qemu-user-static binfmt-support; } \
			>"$tmp/apt.log" 2>&1 || { tail -n 20 "$tmp/apt.log" >&2; die "apt-get install qemu-user-static binfmt-support failed"; }
	fi
	if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>"$tmp/mount.log" ||
			die "cannot mount binfmt_misc: $(head -n 1 "$tmp/mount.log")"
	fi
	if [ ! -e "$qemu" ] || ! grep -qx enabled "$qemu"; then
		update-binfmts --enable qemu-aarch64 >"$tmp/binfmt.log" 2>&1 ||
			die "update-binfmts --enable qemu-aarch64: $(head -n 1 "$tmp/binfmt.log")"
	fi
	{ [ -e "$qemu" ] && grep -qx enabled "$qemu"; } || die "qemu-aarch64 is not enabled in binfmt_misc"
	grep -q '^flags:.*F' "$qemu" || die "qemu-aarch64 is registered without the F flag: containers cannot find the emulator"
	log "emulation: $(sed -n 's/^interpreter //p' "$qemu") ($(sed -n 's/^flags: //p' "$qemu"))"
fi

# --- offline base images -----------------------------------------------------

case "${LAB_BUILDER:-}" in
serverlab/*)
	export LAB_PYTHON_IMAGE="${LAB_PYTHON_IMAGE:-serverlab/python:offline}"
	log "offline: scripts/offline-builder.sh --arch $arch"
	start=$SECONDS
	scripts/offline-builder.sh --arch "$arch" >"$tmp/offline-builder.log" 2>&1 || {
		tail -n 30 "$tmp/offline-builder.log" >&2
		die "scripts/offline-builder.sh --arch $arch: $(tail -n 1 "$tmp/offline-builder.log")"
	}
	log "offline base images ready in $((SECONDS - start)) s"
	;;
esac

# --- build -------------------------------------------------------------------

go build -o "$tmp/lab" ./harness/cmd/lab 2>"$tmp/go-build.log" ||
	{ cat "$tmp/go-build.log" >&2; die "go build ./harness/cmd/lab failed"; }
log "lab build --arch $arch (builder ${LAB_BUILDER:-the default})"
start=$SECONDS
"$tmp/lab" build --arch "$arch" >"$tmp/built" 2>"$tmp/build.log" || {
	tail -n 30 "$tmp/build.log" >&2
	die "lab build --arch $arch: $(tail -n 1 "$tmp/build.log")"
}
log "built in $((SECONDS - start)) s"
mapfile -t images < <(awk '$1 == "built" { print $2 }' "$tmp/built")
[ "${#images[@]}" -gt 0 ] || die "lab build --arch $arch named no image"

# --- architecture and ELF headers ---------------------------------------------

# elf_machine FILE: "64-bit LSB AArch64" or what the header says instead.
elf_machine() {
	local h
	read -r -a h < <(od -An -tx1 -N20 -v "$1" | tr '\n' ' ')
	[ "${#h[@]}" -eq 20 ] || { echo "shorter than an ELF header"; return; }
	[ "${h[*]:0:4}" = "7f 45 4c 46" ] || { echo "not ELF (starts ${h[*]:0:4})"; return; }
	case "${h[4]} ${h[5]} ${h[18]} ${h[19]}" in
	"02 01 b7 00") echo "64-bit LSB AArch64" ;;
	"02 01 3e 00") echo "64-bit LSB x86-64" ;;
	*) echo "class ${h[4]}, data ${h[5]}, machine ${h[19]}${h[18]}" ;;
	esac
}

# binary IMAGE CONTAINER: the path of IMAGE's entrypoint inside it, copied
# (links followed) to $tmp/bin.
binary() {
	local image="$1" c="$2" ep path dir
	ep="$(docker image inspect --format '{{if .Config.Entrypoint}}{{index .Config.Entrypoint 0}}{{end}}' "$image")"
	[ -n "$ep" ] || die "$image has no entrypoint"
	case "$ep" in
	/*) path="$ep" ;;
	*)
		path=""
		for dir in $(docker image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$image" |
			sed -n 's/^PATH=//p' | tr ':' ' '); do
			if docker cp -L "$c:$dir/$ep" - >/dev/null 2>&1; then path="$dir/$ep" && break; fi
		done
		[ -n "$path" ] || die "$image: $ep is on none of its PATH"
		;;
	esac
	docker cp -L "$c:$path" - 2>/dev/null | tar -xO >"$tmp/bin" || die "$image: cannot copy $path"
	echo "$path"
}

for image in "${images[@]}"; do
	platform="$(docker image inspect --format '{{.Os}}/{{.Architecture}}' "$image")" ||
		die "$image: no such image"
	[ "$platform" = "linux/$arch" ] || die "$image says $platform, not linux/$arch"
	c="$(docker create --platform "linux/$arch" "$image")" || die "$image: cannot create a container"
	containers+=("$c")
	path="$(binary "$image" "$c")"
	machine="$(elf_machine "$tmp/bin")"
	docker rm -f "$c" >/dev/null
	[ "$machine" = "64-bit LSB AArch64" ] || die "$image: $path is $machine, not 64-bit LSB AArch64"
	printf '%-32s %s  %s: ELF %s\n' "$image" "$platform" "$path" "$machine"
done

# --- /hello under emulation -------------------------------------------------------

epoll="$(printf '%s\n' "${images[@]}" | grep '/epoll:')" || die "no epoll image was built"
c="$(docker run -d --platform "linux/$arch" -p 127.0.0.1::8888 "$epoll")" || die "cannot start $epoll"
containers+=("$c")
port="$(docker port "$c" 8888/tcp | sed -n '1s/.*://p')"
[ -n "$port" ] || die "$epoll: port 8888 is not published"
pid="$(docker inspect --format '{{.State.Pid}}' "$c")"
start=$SECONDS
answer=""
while [ $((SECONDS - start)) -lt "$timeout_s" ]; do
	# bash's /dev/tcp: curl may be absent on a fresh machine.
	# shellcheck disable=SC2016 # $1 is the inner shell's
	answer="$(timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" &&
		printf "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" >&3 && cat <&3' _ "$port" 2>/dev/null)" || true
	case "$answer" in "HTTP/1.1 200"*) break ;; esac
	[ "$(docker inspect --format '{{.State.Running}}' "$c" 2>/dev/null)" = true ] ||
		die "$epoll exited: $(docker logs "$c" 2>&1 | tail -n 1)"
	sleep 1
done
status="$(printf '%s\n' "$answer" | head -n 1 | tr -d '\r')"
[ "$status" = "HTTP/1.1 200 OK" ] || die "$epoll on 127.0.0.1:$port: no 200 for GET /hello within ${timeout_s} s (got '${status}')"
body="$(printf '%s' "$answer" | sed '1,/^\r*$/d')"
[ "$body" = "Hello, World!" ] || die "$epoll on 127.0.0.1:$port: body '$body', want 'Hello, World!'"
log "$epoll on 127.0.0.1:$port (pid $pid, run by $(readlink "/proc/$pid/exe" 2>/dev/null || echo '?')) answered in $((SECONDS - start)) s:"
printf '%s\n' "$answer" | tr -d '\r' | sed 's/^/  /' >&2
log "ok: ${#images[@]} images are linux/$arch with AArch64 binaries; /hello answered under emulation"
