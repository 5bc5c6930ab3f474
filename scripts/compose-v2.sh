#!/usr/bin/env bash
# compose-v2.sh - build the Docker Compose v2 CLI plugin from source.
#
# What: downloads github.com/docker/compose/v2 at a pinned release from the
# Go module proxy, builds ./cmd the way compose's own Makefile does
# (CGO_ENABLED=0, -trimpath, -tags e2e, -ldflags "-w -X .../internal.Version=")
# and installs it as $DOCKER_CONFIG/cli-plugins/docker-compose (default
# ~/.docker/cli-plugins), so that `docker compose` works.
#
# Why: some machines have only Debian's `docker-compose` 1.29 and can pull
# no image or release binary, but can reach the Go module proxy. `go install`
# refuses this module (its go.mod has exclude and replace directives), so the
# module is downloaded, copied out of the read-only module cache and built in
# place. Anyone with a packaged docker-compose-plugin never needs this.
#
# Usage: scripts/compose-v2.sh [--force]
#   --force   rebuild even if `docker compose version` already reports the pin
# Environment:
#   LAB_COMPOSE_VERSION   release to build (default v2.40.3)
#   DOCKER_CONFIG         Docker's configuration folder (default ~/.docker)
#
# Idempotent: if `docker compose version --short` already reports the pinned
# version it exits at once. The build takes about 2 minutes on 2 cores.

set -euo pipefail

version="${LAB_COMPOSE_VERSION:-v2.40.3}"
module="github.com/docker/compose/v2"
plugin_dir="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
plugin="$plugin_dir/docker-compose"

log() { printf 'compose-v2: %s\n' "$*" >&2; }
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

case "$version" in
v2.*) ;;
*) die "LAB_COMPOSE_VERSION=$version: want a v2 release tag such as v2.40.3" ;;
esac

command -v docker >/dev/null 2>&1 || die "docker not found"

# installed prints the version the docker CLI finds for `docker compose`
# (without the leading v, as --short prints it), or nothing.
installed() { docker compose version --short 2>/dev/null || true; }

if [ "$force" -eq 0 ] && [ "$(installed)" = "${version#v}" ]; then
	log "docker compose $version already installed (use --force to rebuild)"
	exit 0
fi

command -v go >/dev/null 2>&1 || die "no Go toolchain (go not in PATH)"

workdir="$(mktemp -d "${TMPDIR:-/var/tmp}/compose-v2.XXXXXX")"
cleanup() {
	local rc=$?
	# The module cache's copy is read-only; so is ours, until made writable.
	chmod -R u+w "$workdir" 2>/dev/null || true
	rm -rf "$workdir"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- download ---------------------------------------------------------------

log "downloading $module@$version from $(go env GOPROXY)"
# Outside any module, so that the caller's go.mod is neither read nor changed.
dir="$(cd "$workdir" && GOFLAGS='' GOWORK=off go mod download -json "$module@$version" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
	die "go mod download $module@$version gave no module folder"
fi

src="$workdir/compose"
cp -R "$dir" "$src"
chmod -R u+w "$src"

# --- build ------------------------------------------------------------------

# As compose's Makefile `build` target and its release Dockerfile: static,
# the e2e tag, and the version stamped where `docker compose version` and the
# plugin metadata read it.
ldflags="-w -X $module/internal.Version=$version"
log "building $module@$version ($(go env GOVERSION), $(go env GOOS)/$(go env GOARCH)); about 2 minutes"
start=$SECONDS
(
	cd "$src"
	# GOFLAGS from the environment (e.g. -mod=vendor, -modfile) are not ours
	# to apply to a foreign module; GOWORK=off ignores any go.work above.
	CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOWORK=off \
		go build -trimpath -tags e2e -ldflags "$ldflags" -o "$workdir/docker-compose" ./cmd
) || die "go build failed"
log "built in $((SECONDS - start))s"

got="$("$workdir/docker-compose" version --short)" || die "the built binary does not run"
[ "$got" = "${version#v}" ] || die "the built binary reports version $got, want ${version#v}"

# --- install ----------------------------------------------------------------

mkdir -p "$plugin_dir"
# Install atomically: a half-written plugin would break every docker command.
install -m 0755 "$workdir/docker-compose" "$plugin.tmp.$$"
mv -f "$plugin.tmp.$$" "$plugin"
log "installed $plugin"

got="$(installed)"
[ "$got" = "${version#v}" ] ||
	die "docker compose reports '${got:-nothing}', want ${version#v} (another docker-compose plugin earlier in the CLI's search path?)"
docker compose version
