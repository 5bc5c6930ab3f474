#!/usr/bin/env bash
# offline-builder.sh - build local stand-ins for the public base images.
#
# What: creates two Docker images from Debian packages, each a minimal
# debootstrap rootfs imported with `docker import`:
#   serverlab/builder:offline (override with $LAB_BUILDER): gcc, make,
#     libc6-dev (libc.a, so `gcc -static` works) and ca-certificates, plus
#     the host's Go toolchain copied to /usr/local/go. It is a drop-in for
#     the default golang:*-bookworm image used by the Dockerfile's
#     `FROM ${BUILDER}` stages; build with
#     `--build-arg BUILDER=serverlab/builder:offline`.
#   serverlab/python:offline (override with $LAB_PYTHON_IMAGE): Debian's
#     python3 with python3-flask, python3-pyramid, python3-django and
#     gunicorn already installed, a stand-in for the python:*-slim image of
#     the WSGI stage, whose pip step it makes unnecessary; build with
#     `--build-arg PYTHON_IMAGE=serverlab/python:offline`.
#
# Why: on a machine that cannot pull any container image, those stages have
# no base image, and pip has no index to install from. This script needs
# only the host's Debian package mirror (read from the host's apt
# configuration; nothing is hard-coded) and, for the builder, a Go toolchain
# installed on the host. Anyone who can pull images never needs it.
#
# Usage: scripts/offline-builder.sh [--force]
#   --force   rebuild both images even if they already exist
# Environment:
#   LAB_BUILDER         builder image name (default serverlab/builder:offline)
#   LAB_PYTHON_IMAGE    python image name  (default serverlab/python:offline)
#   LAB_DEBIAN_MIRROR   Debian mirror URL (default: from /etc/apt sources)
#   LAB_DEBIAN_SUITE    Debian suite  (default: VERSION_CODENAME of the host)
#
# Idempotent: each image that already exists is left alone (unless --force);
# with both there, it exits at once.

set -euo pipefail

builder_image="${LAB_BUILDER:-serverlab/builder:offline}"
builder_packages="gcc,libc6-dev,make,ca-certificates"
python_image="${LAB_PYTHON_IMAGE:-serverlab/python:offline}"
python_packages="python3,python3-flask,python3-pyramid,python3-django,gunicorn"

log() { printf 'offline-builder: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

force=0
for arg in "$@"; do
	case "$arg" in
	--force) force=1 ;;
	-h | --help)
		sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"
		exit 0
		;;
	*) die "unknown argument: $arg (usage: $0 [--force])" ;;
	esac
done

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

# wanted says whether an image is to be made: missing, or --force.
wanted() {
	if [ "$force" -eq 0 ] && docker image inspect "$1" >/dev/null 2>&1; then
		log "image $1 already exists (use --force to rebuild)"
		return 1
	fi
}
make_builder=0
make_python=0
wanted "$builder_image" && make_builder=1
wanted "$python_image" && make_python=1
[ "$make_builder" -eq 1 ] || [ "$make_python" -eq 1 ] || exit 0

# --- prerequisites ----------------------------------------------------------

if ! command -v debootstrap >/dev/null 2>&1; then
	[ "$(id -u)" -eq 0 ] || die "debootstrap is not installed and we are not root; run: sudo apt-get install debootstrap"
	log "installing debootstrap"
	apt-get update >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >&2
fi
[ "$(id -u)" -eq 0 ] || die "debootstrap needs root; run this script as root"

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

# Print "URI SUITE" for every enabled `deb` source, in apt's reading order.
apt_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '
			{ sub(/#.*/, "") }
			$1 == "deb" {
				line = $0
				sub(/^[ \t]*deb[ \t]+/, "", line)
				if (line ~ /^\[/) sub(/^\[[^]]*\][ \t]*/, "", line)
				n = split(line, f, /[ \t]+/)
				if (n >= 2) print f[1], f[2]
			}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
			function flush(   i, j, nu, ns, u, s) {
				if (uris != "" && (" " types " ") ~ / deb / && enabled != "no") {
					nu = split(uris, u, " "); ns = split(suites, s, " ")
					for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print u[i], s[j]
				}
				types = uris = suites = enabled = last = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^[ \t]/ {
				if (last == "uris") uris = uris " " $0
				else if (last == "suites") suites = suites " " $0
				next
			}
			{
				key = tolower($0); sub(/:.*/, "", key)
				val = $0; sub(/^[^:]*:[ \t]*/, "", val); gsub(/[ \t]+/, " ", val)
				last = key
				if (key == "types") types = val
				else if (key == "uris") uris = val
				else if (key == "suites") suites = val
				else if (key == "enabled") enabled = tolower(val)
			}
			END { flush() }' "$f"
	done
}

mirror="${LAB_DEBIAN_MIRROR:-}"
if [ -z "$mirror" ]; then
	sources="$(apt_sources | awk '$1 ~ /^(https?|file):/')"
	# First choice: a source serving exactly our suite (never -security).
	mirror="$(awk -v s="$suite" '$2 == s { print $1; exit }' <<<"$sources")"
	# Fallback: the first source that is not a security archive.
	[ -n "$mirror" ] || mirror="$(awk '$2 !~ /-security$/ && $1 !~ /security/ { print $1; exit }' <<<"$sources")"
	[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list{,.d}; set LAB_DEBIAN_MIRROR"
fi
mirror="${mirror%/}"

# Honour an apt proxy setting if the environment has none.
if [ -z "${http_proxy:-}" ] && command -v apt-config >/dev/null 2>&1; then
	eval "$(apt-config shell http_proxy Acquire::http::Proxy)"
	[ -z "${http_proxy:-}" ] || export http_proxy
fi

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

# bootstrap ROOTFS PACKAGES: a minbase rootfs with PACKAGES (and what they
# depend on), its apt caches trimmed.
bootstrap() {
	local rootfs="$1" packages="$2" start=$SECONDS
	log "debootstrap $suite (minbase + $packages) from $mirror into $rootfs"
	if ! debootstrap --variant=minbase "${keyring_opt[@]}" --include="$packages" \
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
			--change "LABEL org.serverlab.builder.suite=$suite" \
			--change "LABEL org.serverlab.builder.go=$goversion" \
			--message "serverlab offline builder ($suite, $goversion)" \
			- "$builder_image" >/dev/null
	rm -rf --one-file-system "$rootfs"

	log "verifying $builder_image"
	docker run --rm "$builder_image" sh -c 'go version && gcc --version | head -1 && make --version | head -1'
	log "done: $builder_image ($(size "$builder_image"))"
fi

# --- the python image -------------------------------------------------------

if [ "$make_python" -eq 1 ]; then
	rootfs="$workdir/python"
	bootstrap "$rootfs" "$python_packages"

	# version PACKAGE: the Debian version installed in the rootfs.
	version() { dpkg-query --admindir="$rootfs/var/lib/dpkg" -W -f '${Version}' "$1"; }
	python_version="$(version python3)"

	log "importing as $python_image"
	tar -C "$rootfs" --numeric-owner -c . |
		docker import \
			--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
			--change 'ENV LANG=C.UTF-8' \
			--change 'CMD ["python3"]' \
			--change 'LABEL org.serverlab=python' \
			--change "LABEL org.serverlab.python.suite=$suite" \
			--change "LABEL org.serverlab.python.python3=$python_version" \
			--change "LABEL org.serverlab.python.flask=$(version python3-flask)" \
			--change "LABEL org.serverlab.python.pyramid=$(version python3-pyramid)" \
			--change "LABEL org.serverlab.python.django=$(version python3-django)" \
			--change "LABEL org.serverlab.python.gunicorn=$(version gunicorn)" \
			--message "serverlab offline python ($suite, python3 $python_version)" \
			- "$python_image" >/dev/null
	rm -rf --one-file-system "$rootfs"

	log "verifying $python_image"
	docker run --rm "$python_image" python3 -c 'import sys, flask, pyramid, django, gunicorn
from importlib.metadata import version
print("python", sys.version.split()[0], *(f"{m} {version(m)}" for m in ("flask", "pyramid", "django", "gunicorn")))'
	log "done: $python_image ($(size "$python_image"))"
fi
