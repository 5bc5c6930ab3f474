#!/usr/bin/env bash
# actionlint.sh - check the GitHub Actions workflows with actionlint.
#
# What: builds github.com/rhysd/actionlint at a pinned release from the Go
# module proxy into a cache folder (once), then runs it on
# .github/workflows/*.yml (or the files given). Exits non-zero on any finding.
#
# Why: a workflow's mistakes (a typo in an expression, a matrix key that does
# not exist, a wrong action input) otherwise show only after a push. Built
# with `go install pkg@version`, which ignores the repository's go.mod: the
# lab's module gains no dependency.
#
# Usage: scripts/actionlint.sh [FILE...]
# Environment:
#   LAB_ACTIONLINT_VERSION   release to use (default v1.7.12)
#   LAB_TOOLS_CACHE          where tools are built (default
#                            ${XDG_CACHE_HOME:-~/.cache}/serverlab/tools)
#
# actionlint also checks every `run:` script with shellcheck when shellcheck
# is in PATH; without it those checks are skipped (this script says so).

set -euo pipefail
cd "$(dirname "$0")/.."

version="${LAB_ACTIONLINT_VERSION:-v1.7.12}"
cache="${LAB_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/serverlab/tools}"
bin="$cache/actionlint-$version/actionlint"

log() { printf 'actionlint: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

for arg in "$@"; do
	case "$arg" in
	-h | --help)
		sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"
		exit 0
		;;
	-*) die "unknown option: $arg (usage: $0 [FILE...])" ;;
	esac
done

if [ ! -x "$bin" ]; then
	command -v go >/dev/null 2>&1 || die "no Go toolchain (go not in PATH)"
	log "building github.com/rhysd/actionlint $version into $(dirname "$bin")"
	# GOFLAGS from the environment (-mod=..., -modfile=...) are the lab's,
	# not actionlint's; pkg@version builds outside any module.
	GOFLAGS=-buildvcs=false GOWORK=off CGO_ENABLED=0 GOBIN="$(dirname "$bin")" \
		go install "github.com/rhysd/actionlint/cmd/actionlint@$version" ||
		die "go install github.com/rhysd/actionlint/cmd/actionlint@$version failed"
fi

files=("$@")
if [ "${#files[@]}" -eq 0 ]; then
	shopt -s nullglob
	files=(.github/workflows/*.yml .github/workflows/*.yaml)
	shopt -u nullglob
	[ "${#files[@]}" -gt 0 ] || die "no workflows in .github/workflows"
fi

if command -v shellcheck >/dev/null 2>&1; then
	log "$("$bin" -version | head -n 1), $(shellcheck --version | awk '/^version:/ { print "shellcheck " $2 }')"
else
	log "$("$bin" -version | head -n 1); shellcheck not in PATH: run: scripts are not checked (apt-get install shellcheck)"
fi

# actionlint exits 1 on findings, 2 or 3 on its own errors.
if "$bin" -no-color "${files[@]}"; then
	log "ok: ${files[*]}"
else
	rc=$?
	log "findings in ${files[*]} (exit $rc)"
	exit "$rc"
fi
