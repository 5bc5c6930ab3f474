#!/usr/bin/env bash
# fuzz.sh - a short run of every fuzzer in the lab, for CI and before a commit.
#
# What, in order (about two minutes, plus clang's install when it is missing):
#   c/http_parse      servers/c/http.c under libFuzzer, ASan and UBSan
#                     (servers/c/fuzz): every file in corpus/ and regressions/
#                     replayed, then $FUZZ_C_TIME seconds of fuzzing;
#   go/FuzzParseReply harness/client's reply parser, $FUZZ_GO_TIME;
#   go/FuzzParseRequest servers/go/http1's request parser, $FUZZ_GO_TIME.
# Each prints one summary line; the script exits 1 if any found a crash or
# broke an invariant, and says where the input is:
#   libFuzzer: $FUZZ_WORK-crashes/crash-*: copy it to servers/c/fuzz/regressions/;
#   go test:   testdata/fuzz/<Fuzzer>/<hash> in the package, already where
#              go test replays it: commit it with the fix.
#
# Needs Go (PATH, else /usr/local/go/bin) and clang with its fuzzer runtime.
# When those are missing and we are root, they come from Debian's packages
# (clang, libclang-rt-<N>-dev, make); otherwise it stops with what to install.
#
# Usage: scripts/fuzz.sh
# Environment:
#   FUZZ_C_TIME   seconds of libFuzzer after the replay (default 60)
#   FUZZ_GO_TIME  go test -fuzztime per Go fuzzer (default 30s)
#   FUZZ_WORK     libFuzzer's corpus directory, its crashes go to
#                 $FUZZ_WORK-crashes (default servers/c/fuzz/work, git-ignored)
#   HTTP_SRC      a directory with another http.c and http.h to fuzz instead
#                 of servers/c's: to try a fix (read by servers/c/fuzz/Makefile)
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_C_TIME="${FUZZ_C_TIME:-60}"
FUZZ_GO_TIME="${FUZZ_GO_TIME:-30s}"
FUZZ_WORK="${FUZZ_WORK:-$PWD/servers/c/fuzz/work}"
LOGS="$(mktemp -d)"
trap 'rm -rf "$LOGS"' EXIT

die() { echo "fuzz: $*" >&2; exit 2; }

# fuzzer_links says whether clang builds and links a libFuzzer target with
# the sanitizers, i.e. whether the runtime (libclang_rt.fuzzer) is there.
fuzzer_links() {
  command -v clang >/dev/null 2>&1 || return 1
  printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' |
    clang -x c -fsanitize=fuzzer,address,undefined -o "$LOGS/probe" - >/dev/null 2>&1
}

apt_install() {
  [ "$(id -u)" = 0 ] || die "$* missing, and not root to install them: run as root, or apt-get install $*"
  command -v apt-get >/dev/null 2>&1 || die "need $*: no apt-get here; install clang with its fuzzer runtime"
  echo "fuzz: installing $* (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The toolchains.
command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null 2>&1 || die "no go in PATH nor in /usr/local/go/bin"
missing=()
command -v clang >/dev/null 2>&1 || missing+=(clang)
command -v make >/dev/null 2>&1 || missing+=(make)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
if ! fuzzer_links; then
  # Since bookworm the sanitizer and fuzzer runtimes are a package of their
  # own, only recommended by clang.
  major="$(clang -dumpversion | cut -d. -f1)"
  apt_install "libclang-rt-$major-dev"
  fuzzer_links || die "clang $major still cannot link -fsanitize=fuzzer"
fi
# Readable stacks: llvm-symbolizer if there is one, else binutils' addr2line,
# which the sanitizers also know how to drive.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
  for s in llvm-symbolizer "llvm-symbolizer-$(clang -dumpversion | cut -d. -f1)" addr2line; do
    if command -v "$s" >/dev/null 2>&1; then export ASAN_SYMBOLIZER_PATH="$(command -v "$s")"; break; fi
  done
fi

failed=0

# c/http_parse: the replay stops at the first crash; the run writes its
# finds to FUZZ_WORK.
c_log="$LOGS/c.log"
mkdir -p "$FUZZ_WORK"
# -B: a binary built from another HTTP_SRC (see the Makefile) is not ours.
if ! make -s -B -C servers/c/fuzz http_fuzz >"$c_log" 2>&1; then
  failed=1
  echo "fuzz: c/http_parse FAILED to build"
  tail -20 "$c_log" | sed 's/^/fuzz:   /'
elif make -s -C servers/c/fuzz run FUZZ_TIME="$FUZZ_C_TIME" WORK="$FUZZ_WORK" CRASHES="$FUZZ_WORK-crashes" \
  >>"$c_log" 2>&1; then
  replayed="$(grep -c '^Running: ' "$c_log" || true)"
  execs="$(grep 'stat::number_of_executed_units' "$c_log" | tail -1 | awk '{print $2}' || true)"
  cov="$(grep -E '^#[0-9]+' "$c_log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' || true)"
  echo "fuzz: c/http_parse ok: $replayed files replayed, then $execs execs in ${FUZZ_C_TIME}s, $cov"
else
  failed=1
  crash="$(grep -oE "(Test unit written to|Running: ) *[^ ]+" "$c_log" | tail -1 | awk '{print $NF}' || true)"
  echo "fuzz: c/http_parse FAILED on ${crash:-see the log below}"
  # What broke, and the stack's frames in our own sources.
  grep -E 'invariant broken|runtime error|ERROR: |SUMMARY: |#[0-9]+ .* in [^ ]+ [^ (]*servers/c/[^ ]*\.c:' "$c_log" |
    sed -E 's/ \(BuildId: [0-9a-f]+\)//; s/^/fuzz:   /' | head -30 || true
fi

# The Go fuzzers. -run='^$': the unit tests are not ours to run here.
go_fuzz() {
  local fuzzer="$1" pkg="$2" log="$LOGS/$1.log"
  if go test -run='^$' -fuzz="^$fuzzer\$" -fuzztime="$FUZZ_GO_TIME" -fuzzminimizetime=5s "$pkg" >"$log" 2>&1; then
    # The last progress line: "fuzz: elapsed: 30s, execs: N (R/sec), new interesting: I (total: T)".
    local last
    last="$(grep -E '^fuzz: elapsed' "$log" | tail -1 |
      sed -E 's/^fuzz: elapsed: ([^,]+), execs: ([0-9]+) .*new interesting: ([0-9]+) \(total: ([0-9]+)\).*/\2 execs in \1, \3 new inputs, corpus \4/' || true)"
    echo "fuzz: go/$fuzzer ok: ${last:-no progress line}"
  else
    failed=1
    local input
    input="$(grep -oE 'testdata/fuzz/[^ ]+' "$log" | tail -1 || true)"
    echo "fuzz: go/$fuzzer FAILED${input:+ on $pkg/$input}"
    grep -vE '^fuzz: elapsed|^(ok|FAIL|PASS)' "$log" | head -30 | sed 's/^/fuzz:   /' || true
  fi
}
go_fuzz FuzzParseReply ./harness/client
go_fuzz FuzzParseRequest ./servers/go/http1

exit "$failed"
