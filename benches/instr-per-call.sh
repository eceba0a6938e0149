#!/usr/bin/env bash
# Instructions per call of a loop, counted by callgrind: repeatable on a noisy machine where
# wall-clock nanoseconds are not. The command must run its loop N times, with N given where
# the command says {N}. Per-call cost = (count(N=410000) - count(N=10000)) / 400000, so start-up
# and runtime construction cancel out.
#
#   benches/instr-per-call.sh target/release/examples/probe retry {N}
#
# Compare a guarded call against a raw call measured the same way: the difference is the
# policy's overhead. Build in release mode first.
set -euo pipefail
[[ $# -ge 1 ]] || { sed -n '2,10p' "$0"; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)"; exit 2; }
run() {
  local args=() a
  for a in "$@"; do args+=("${a//\{N\}/$N}"); done
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "${args[@]}" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
a=$(N=10000; run "$@")
b=$(N=410000; run "$@")
echo $(( (b - a) / 400000 ))
