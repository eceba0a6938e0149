#!/usr/bin/env bash
# Instructions per call of every probe mode (benches/examples/probe.rs), as a markdown table:
#
#   benches/probe.sh                      # every mode
#   benches/probe.sh raw retry timeout    # these modes (`raw` is always measured, for "over raw")
#   PROBE_FEATURES=testing benches/probe.sh   # with these cargo features of resile-benches
#
# Builds the probe with `-p resile-benches` only, so tokio's `test-util` (on in the root
# package's dev-dependencies) is not unified in, then counts each mode with callgrind through
# benches/instr-per-call.sh (or the script at $INSTR_PER_CALL, relative to the current
# directory). Needs valgrind; the modes run one after another (about two minutes in all on a
# 2-core VM, the build included).
set -euo pipefail
tool=${INSTR_PER_CALL:+$(realpath -m "$INSTR_PER_CALL")}
cd "$(dirname "$0")/.."
tool=${tool:-benches/instr-per-call.sh}
[[ -x $tool ]] || { echo "instr-per-call.sh not found at $tool (set INSTR_PER_CALL)" >&2; exit 2; }

all=(raw retry timeout tokio_timeout circuit_breaker circuit_breaker_keyed circuit_breaker_keyed_str circuit_breaker_open circuit_breaker_forced_open
  circuit_breaker_declared circuit_breaker_policy retry_production retry_policy bulkhead_policy bulkhead_may_wait
  rate_limit_policy hedge stack
  bulkhead rate_limit circuit_breaker_off bulkhead_off rate_limit_off admission_stack semaphore governor
  retry_method timeout_method circuit_breaker_method hedge_method stack_method
  deadline_none deadline_nested deadline_nested_bare
  chaos chaos_disabled
  tower_retry tower_timeout backon_retry recloser_async failsafe_async tower_resilience_cb)
modes=("$@")
[[ ${#modes[@]} -gt 0 ]] || modes=("${all[@]}")

features=(${PROBE_FEATURES:+--features "$PROBE_FEATURES"})
cargo build --release --quiet -p resile-benches --example probe "${features[@]}"
if cargo tree -p resile-benches "${features[@]}" -e features -i tokio 2>/dev/null | grep -q 'tokio feature "test-util"'; then
  echo "tokio's test-util is enabled for resile-benches; the figures would not be a user's" >&2
  exit 1
fi
probe=target/release/examples/probe

count() { "$tool" "$probe" "$1" '{N}'; }

# governor's default clock (quanta) calibrates itself when the limiter is built: a loop that
# runs until enough wall-clock time has passed, so under callgrind its instruction count
# differs from one process to the next by millions, which the tool's 400 000-call difference
# turns into ±25 instructions per call. Counted over 4 000 000 calls, the noise is below one.
count_long() {
  local a b
  a=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$probe" "$1" 10000 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
  b=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$probe" "$1" 4010000 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
  echo $(((b - a) / 4000000))
}

raw=$(count raw)
echo "| mode | instructions per call | over raw |"
echo "|---|---:|---:|"
for mode in "${modes[@]}"; do
  case $mode in
    raw) n=$raw ;;
    governor) n=$(count_long "$mode") ;;
    *) n=$(count "$mode") ;;
  esac
  printf '| `%s` | %d | %+d |\n' "$mode" "$n" $((n - raw))
done
