#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, one after the other, with a seed
# corpus taken from the repository's test data (fuzz/seeds.sh).
#
#   fuzz/run.sh [SECONDS] [TARGET...]   default: 60 seconds each, every target
#
# Environment: FUZZ_SANITIZER (address | none; default address),
# FUZZ_JOBS (parallel build jobs, default 2). Needs cargo-fuzz
# (`cargo install cargo-fuzz --locked`); on a stable toolchain the nightly
# flags are enabled with RUSTC_BOOTSTRAP=1. Crashes land in
# fuzz/artifacts/<target>/; the summary line of each run (executions,
# coverage `cov`, features `ft`, corpus size) is printed at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-60}
shift || true
sanitizer=${FUZZ_SANITIZER:-address}
export RUSTC_BOOTSTRAP=1
cd "$here"
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi

./seeds.sh >/dev/null
CARGO_BUILD_JOBS=${FUZZ_JOBS:-2} nice -n 10 cargo fuzz build -s "$sanitizer"

status=0
summary=()
for target in "${targets[@]}"; do
  log="$here/artifacts/$target.log"
  mkdir -p "$here/artifacts/$target"
  echo "== $target: ${seconds}s" >&2
  if ! nice -n 10 cargo fuzz run -s "$sanitizer" "$target" "corpus/$target" -- \
      -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
      >"$log" 2>&1; then
    status=1
    echo "!! $target found a problem: see $log and fuzz/artifacts/$target/" >&2
    grep -E '^(==[0-9]+==ERROR|thread .* panicked|SUMMARY)' "$log" | head -5 >&2 || true
  fi
  runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[^ ]+' || echo 'cov: ?')
  summary+=("$(printf '%-20s %10s runs  %s' "$target" "$runs" "$last")")
done
printf '%s\n' "${summary[@]}"
exit $status
