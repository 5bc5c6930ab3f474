#!/usr/bin/env bash
# offline-builder.sh - build local stand-ins for the public base images.
#
# What: creates two Docker images from Debian packages, each a minimal
# debootstrap rootfs imported with `docker import`:
#   serverlab/builder:offline (override with $LAB_BUILDER): gcc, make,
#     libc6-dev (libc.a, so `gcc -static` works) and ca-certificates, a
#     cross compiler for the other architecture with its static libc
#     (on amd64: gcc-aarch64-linux-gnu, libc6-dev-arm64-cross), plus
#     the host's Go toolchain copied to /usr/local/go. It is a drop-in for
#     the default golang:*-bookworm image used by the Dockerfile's
#     `FROM ${BUILDER}` stages; build with
#     `--build-arg BUILDER=serverlab/builder:offline`.
#   serverlab/python:offline (override with $LAB_PYTHON_IMAGE): Debian's
#     python3 with python3-flask, python3-pyramid, python3-django and
#     gunicorn already installed, a stand-in for the python:*-slim image of
#     the WSGI stage, whose pip step it makes unnecessary; build with
#     `--build-arg PYTHON_IMAGE=serverlab/python:offline`.
# With --arch ARCH (another architecture than the host's, e.g. arm64), also:
#   serverlab/python:offline-ARCH (override with $LAB_PYTHON_IMAGE_ARM64,
#     ...): the same Python image for ARCH, debootstrapped under emulation
#     (qemu-user-static, installed if missing), its config saying ARCH; the
#     base of `lab build --arch ARCH`'s WSGI images. The builder needs no
#     such twin: it runs on the host and cross-compiles.
#
# Why: on a machine that cannot pull any container image, those stages have
# no base image, and pip has no index to install from. This script needs
# only the host's Debian package mirror (read from the host's apt
# configuration; nothing is hard-coded) and, for the builder, a Go toolchain
# installed on the host. Anyone who can pull images never needs it.
#
# Usage: scripts/offline-builder.sh [--force] [--arch ARCH]
#   --force   rebuild the images even if they already exist
#   --arch    also make the Python image for ARCH (amd64 or arm64)
# Environment:
#   LAB_BUILDER         builder image name (default serverlab/builder:offline)
#   LAB_PYTHON_IMAGE    python image name  (default serverlab/python:offline)
#   LAB_PYTHON_IMAGE_<ARCH>  the python image for --arch ARCH
#                       (default: $LAB_PYTHON_IMAGE-<arch>)
#   LAB_DEBIAN_MIRROR   Debian mirror URL (default: from /etc/apt sources)
#   LAB_DEBIAN_SUITE    Debian suite  (default: VERSION_CODENAME of the host)
#
# Idempotent: each image that already exists is left alone (unless --force);
# with all there, it exits at once. A builder made by another version of
# this script (its label org.serverlab.builder.recipe is not builder_recipe
# below: one without the cross compiler has none) is made again.

set -euo pipefail

builder_image="${LAB_BUILDER:-serverlab/builder:offline}"
# The builder's recipe: raise it whenever what goes into the builder
# changes, so that existing builders are made again. 2: cross compiler.
# 3: no documentation, and no Go tests or test data.
builder_recipe=3
builder_packages="gcc,libc6-dev,make,ca-certificates"
python_image="${LAB_PYTHON_IMAGE:-serverlab/python:offline}"
python_packages="python3,python3-flask,python3-pyramid,python3-django,gunicorn"

log() { printf 'offline-builder: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

force=0
foreign_arch=""
while [ "$#" -gt 0 ]; do
	case "$1" in
	--force) force=1 ;;
	--arch)
		[ "$#" -ge 2 ] || die "--arch needs an architecture (amd64, arm64)"
		foreign_arch="$2"
		shift
		;;
	--arch=*) foreign_arch="${1#--arch=}" ;;
	-h | --help)
		sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"
		exit 0
		;;
	*) die "unknown argument: $1 (usage: $0 [--force] [--arch ARCH])" ;;
	esac
	shift
done

# triplet ARCH: the GNU triplet of a Debian architecture the lab builds for.
triplet() {
	case "$1" in
	amd64) echo x86_64-linux-gnu ;;
	arm64) echo aarch64-linux-gnu ;;
	*) die "architecture $1: the lab builds for amd64 and arm64" ;;
	esac
}

command -v dpkg >/dev/null 2>&1 || die "dpkg not found: this script runs on Debian or a derivative"
host_arch="$(dpkg --print-architecture)"
case "$host_arch" in
amd64) cross_arch=arm64 ;;
arm64) cross_arch=amd64 ;;
*) die "host architecture $host_arch: the lab builds on amd64 and arm64" ;;
esac
cross_triplet="$(triplet "$cross_arch")"
# The cross compiler and the static libc of the other architecture.
builder_packages="$builder_packages,gcc-${cross_triplet//_/-},libc6-dev-$cross_arch-cross"

if [ -n "$foreign_arch" ]; then
	triplet "$foreign_arch" >/dev/null
	[ "$foreign_arch" != "$host_arch" ] || foreign_arch="" # the host's: the usual image
fi
if [ -n "$foreign_arch" ]; then
	foreign_var="LAB_PYTHON_IMAGE_${foreign_arch^^}"
	foreign_python_image="${!foreign_var:-$python_image-$foreign_arch}"
fi

command -v docker >/dev/null 2>&1 || die "docker not found"
# Never shadow a real image (LAB_BUILDER=golang:... would otherwise become a
# Debian stand-in under the public name).
case "$builder_image" in
serverlab/*) ;;
*) die "LAB_BUILDER=$builder_image: this script only makes serverlab/* images" ;;
esac
case "$python_image" in
serverlab/*) ;;
*) die "LAB_PYTHON_IMAGE=$python_image: this script only makes serverlab/* images" ;;
esac
case "${foreign_python_image:-serverlab/}" in
serverlab/*) ;;
*) die "$foreign_var=$foreign_python_image: this script only makes serverlab/* images" ;;
esac

# wanted IMAGE [WHAT FORMAT WANT]: whether IMAGE is to be made: missing,
# --force, or its WHAT (read with the inspect FORMAT) is not WANT.
wanted() {
	local got
	[ "$force" -eq 0 ] || return 0
	got="$(docker image inspect --format "${3:-ok}" "$1" 2>/dev/null)" || return 0
	if [ -n "${3:-}" ] && [ "$got" != "$4" ]; then
		log "image $1 is out of date (its $2 is '${got:-none}', want '$4'): making it again"
		return 0
	fi
	log "image $1 already exists (use --force to rebuild)"
	return 1
}
make_builder=0
make_python=0
make_foreign_python=0
wanted "$builder_image" recipe '{{index .Config.Labels "org.serverlab.builder.recipe"}}' "$builder_recipe" && make_builder=1
wanted "$python_image" && make_python=1
if [ -n "$foreign_arch" ]; then
	wanted "$foreign_python_image" architecture '{{.Architecture}}' "$foreign_arch" && make_foreign_python=1
fi
[ "$make_builder" -eq 1 ] || [ "$make_python" -eq 1 ] || [ "$make_foreign_python" -eq 1 ] || exit 0

# --- prerequisites ----------------------------------------------------------

if ! command -v debootstrap >/dev/null 2>&1; then
	[ "$(id -u)" -eq 0 ] || die "debootstrap is not installed and we are not root; run: sudo apt-get install debootstrap"
	log "installing debootstrap"
	apt-get update >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >&2
fi
[ "$(id -u)" -eq 0 ] || die "debootstrap needs root; run this script as root"

# Another architecture's packages are configured by running them: under
# qemu-user-static, through binfmt_misc (its F flag lets the kernel find
# the emulator from inside a chroot or a container).
if [ "$make_foreign_python" -eq 1 ]; then
	qemu="qemu-$(triplet "$foreign_arch" | cut -d- -f1)"
	if ! command -v update-binfmts >/dev/null 2>&1 || ! command -v "$qemu-static" >/dev/null 2>&1; then
		log "installing qemu-user-static and binfmt-support"
		apt-get update >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y qemu-user-static binfmt-support >&2
	fi
	[ -e /proc/sys/fs/binfmt_misc/status ] ||
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
		die "cannot mount binfmt_misc"
	[ -e "/proc/sys/fs/binfmt_misc/$qemu" ] || update-binfmts --enable "$qemu" >&2 ||
		die "cannot register $qemu with binfmt_misc"
fi

if [ "$make_builder" -eq 1 ]; then
	command -v go >/dev/null 2>&1 || die "no Go toolchain on the host (go not in PATH)"
	goroot="$(go env GOROOT)"
	[ -x "$goroot/bin/go" ] || die "GOROOT $goroot has no bin/go"
	goversion="$(go env GOVERSION)"

	ca_bundle=/etc/ssl/certs/ca-certificates.crt
	[ -s "$ca_bundle" ] || die "host CA bundle $ca_bundle missing (apt-get install ca-certificates)"
fi

# --- suite and mirror from the host's apt configuration ---------------------

suite="${LAB_DEBIAN_SUITE:-}"
if [ -z "$suite" ]; then
	# shellcheck disable=SC1091
	suite="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
	[ -n "$suite" ] || die "cannot read VERSION_CODENAME from /etc/os-release; set LAB_DEBIAN_SUITE"
fi

# shellcheck source=lib/debian.sh
. "$(dirname "$0")/lib/debian.sh"
mirror="$(debian_mirror "$suite")" || die "no Debian mirror found in /etc/apt/sources.list{,.d}; set LAB_DEBIAN_MIRROR"
debian_proxy

# --- build the rootfs -------------------------------------------------------

workdir="$(mktemp -d "${TMPDIR:-/var/tmp}/offline-builder.XXXXXX")"

cleanup() {
	local rc=$? mp
	# debootstrap may leave /proc, /sys, ... mounted inside the rootfs if it
	# fails: unmount them (deepest first) before deleting anything.
	if [ -d "$workdir" ]; then
		awk -v d="$workdir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
			while read -r mp; do umount -l "$mp" 2>/dev/null || true; done
		rm -rf --one-file-system "$workdir"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

keyring_opt=()
[ -s /usr/share/keyrings/debian-archive-keyring.gpg ] &&
	keyring_opt=(--keyring=/usr/share/keyrings/debian-archive-keyring.gpg)

# bootstrap ROOTFS PACKAGES [ARCH]: a minbase rootfs with PACKAGES (and what
# they depend on), of ARCH (the host's by default), its apt caches trimmed.
bootstrap() {
	local rootfs="$1" packages="$2" arch="${3:-$host_arch}" start=$SECONDS
	log "debootstrap $suite $arch (minbase + $packages) from $mirror into $rootfs"
	if ! debootstrap --arch="$arch" --variant=minbase "${keyring_opt[@]}" --include="$packages" \
		"$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1; then
		tail -n 30 "$rootfs.log" >&2
		[ -f "$rootfs/debootstrap/debootstrap.log" ] && tail -n 30 "$rootfs/debootstrap/debootstrap.log" >&2
		die "debootstrap failed"
	fi
	log "debootstrap done in $((SECONDS - start))s"

	log "trimming apt caches"
	rm -rf "$rootfs/var/cache/apt/archives/"*.deb \
		"$rootfs/var/cache/apt/archives/partial" \
		"$rootfs/var/cache/apt/"*.bin \
		"$rootfs/var/lib/apt/lists/"* \
		"$rootfs/var/log/"*.log \
		"$rootfs/var/log/apt" \
		"$rootfs/debootstrap"
	mkdir -p "$rootfs/var/lib/apt/lists/partial" "$rootfs/var/cache/apt/archives/partial"
	# Every instruction of the classic builder commits a layer, and over
	# fuse-overlayfs that walks the image's whole tree, at about a
	# millisecond a file: files no build reads are seconds of every build.
	log "trimming documentation"
	rm -rf "$rootfs/usr/share/doc" "$rootfs/usr/share/man" "$rootfs/usr/share/info" "$rootfs/usr/share/locale"
}

# size IMAGE prints the image's size in MB.
size() { docker image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1e6 }'; }

# --- the builder image ------------------------------------------------------

if [ "$make_builder" -eq 1 ]; then
	rootfs="$workdir/builder"
	bootstrap "$rootfs" "$builder_packages"

	log "copying Go $goversion from $goroot"
	mkdir -p "$rootfs/usr/local/go"
	# -L: distro GOROOTs (e.g. /usr/lib/go-1.x) are symlink farms pointing outside.
	cp -RL --preserve=mode,timestamps "$goroot/." "$rootfs/usr/local/go/"
	# What only Go's own tests read: half the builder's files (see
	# bootstrap's trimming).
	rm -rf "$rootfs/usr/local/go/test" "$rootfs/usr/local/go/api" "$rootfs/usr/local/go/doc"
	find "$rootfs/usr/local/go/src" -name testdata -type d -prune -exec rm -rf {} +
	find "$rootfs/usr/local/go/src" -name '*_test.go' -type f -delete
	# Same GOPATH layout as the golang images.
	mkdir -p "$rootfs/go/src" "$rootfs/go/bin" "$rootfs/src"
	chmod -R 1777 "$rootfs/go"

	log "copying CA bundle $ca_bundle"
	mkdir -p "$rootfs/etc/ssl/certs"
	cp -L "$ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"

	log "importing as $builder_image"
	tar -C "$rootfs" --numeric-owner -c . |
		docker import \
			--change 'ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
			--change "ENV GOLANG_VERSION=${goversion#go}" \
			--change 'ENV GOPATH=/go' \
			--change 'ENV GOTOOLCHAIN=local' \
			--change 'WORKDIR /src' \
			--change 'CMD ["bash"]' \
			--change 'LABEL org.serverlab=builder' \
			--change "LABEL org.serverlab.builder.recipe=$builder_recipe" \
			--change "LABEL org.serverlab.builder.cross=$cross_triplet" \
			--change "LABEL org.serverlab.builder.suite=$suite" \
			--change "LABEL org.serverlab.builder.go=$goversion" \
			--message "serverlab offline builder ($suite, $goversion)" \
			- "$builder_image" >/dev/null
	rm -rf --one-file-system "$rootfs"

	log "verifying $builder_image"
	docker run --rm "$builder_image" sh -c "go version && gcc --version | head -1 && make --version | head -1 &&
		echo 'int main(void) { return 0; }' | $cross_triplet-gcc -static -x c -o /tmp/static - &&
		$cross_triplet-gcc --version | head -1"
	log "done: $builder_image ($(size "$builder_image"))"
fi

# --- the python images ------------------------------------------------------

# python_labels ROOTFS: the LABEL lines of a python image, one a line.
python_labels() {
	local rootfs="$1" p
	# version PACKAGE: the Debian version installed in the rootfs.
	version() { dpkg-query --admindir="$rootfs/var/lib/dpkg" -W -f '${Version}' "$1"; }
	echo "LABEL org.serverlab=python"
	echo "LABEL org.serverlab.python.suite=$suite"
	for p in python3 python3-flask python3-pyramid python3-django gunicorn; do
		echo "LABEL org.serverlab.python.${p#python3-}=$(version "$p")"
	done
}

# verify_python IMAGE: its python3 imports the four frameworks.
verify_python() {
	log "verifying $1"
	docker run --rm "$1" python3 -c 'import platform, sys, flask, pyramid, django, gunicorn
from importlib.metadata import version
print("python", sys.version.split()[0], platform.machine(), *(f"{m} {version(m)}" for m in ("flask", "pyramid", "django", "gunicorn")))'
	log "done: $1 ($(size "$1"))"
}

if [ "$make_python" -eq 1 ]; then
	rootfs="$workdir/python"
	bootstrap "$rootfs" "$python_packages"
	python_version="$(dpkg-query --admindir="$rootfs/var/lib/dpkg" -W -f '${Version}' python3)"
	changes=()
	while read -r line; do changes+=(--change "$line"); done < <(python_labels "$rootfs")

	log "importing as $python_image"
	tar -C "$rootfs" --numeric-owner -c . |
		docker import \
			--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
			--change 'ENV LANG=C.UTF-8' \
			--change 'CMD ["python3"]' \
			"${changes[@]}" \
			--message "serverlab offline python ($suite, python3 $python_version)" \
			- "$python_image" >/dev/null
	rm -rf --one-file-system "$rootfs"
	verify_python "$python_image"
fi

# The Python image of another architecture. `docker import` records the
# engine's architecture whatever the files are (its --platform sets only
# the OS on Engine 20.10), and a WSGI image built on it would say amd64.
# A build for that platform FROM scratch does say ARCH, and ADD unpacks the
# rootfs with its owners and modes, as import does.
if [ "$make_foreign_python" -eq 1 ]; then
	rootfs="$workdir/python-$foreign_arch"
	bootstrap "$rootfs" "$python_packages" "$foreign_arch"
	context="$workdir/context-$foreign_arch"
	mkdir -p "$context"
	tar -C "$rootfs" --numeric-owner -cf "$context/rootfs.tar" .
	{
		echo "FROM scratch"
		echo "ADD rootfs.tar /"
		echo "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
		echo "ENV LANG=C.UTF-8"
		echo 'CMD ["python3"]'
		python_labels "$rootfs"
		echo "LABEL org.serverlab.python.arch=$foreign_arch"
	} >"$context/Dockerfile"
	rm -rf --one-file-system "$rootfs"

	log "building $foreign_python_image for linux/$foreign_arch"
	docker build -q --platform "linux/$foreign_arch" -t "$foreign_python_image" "$context" >/dev/null
	rm -rf "$context"
	got="$(docker image inspect --format '{{.Architecture}}' "$foreign_python_image")"
	[ "$got" = "$foreign_arch" ] || die "$foreign_python_image says $got, not $foreign_arch"
	verify_python "$foreign_python_image"
fi
