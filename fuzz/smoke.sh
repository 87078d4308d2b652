#!/usr/bin/env bash
# The CI smoke pass of the fuzz targets: every target for a few seconds from
# the repository's seed corpus; a crash fails the run. For .ci/run:
#
#   fuzz/smoke.sh [SECONDS]   default 5 seconds per target
#
# Same build as the long runs (AddressSanitizer), so one cached
# fuzz/target/ serves both: a cold build takes far longer than a CI step
# should (see docs/fuzzing.md), so CI must keep fuzz/target/ between runs
# (key: fuzz/Cargo.lock); with it, only the workspace crates rebuild.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
FUZZ_SANITIZER=${FUZZ_SANITIZER:-address} exec "$here/run.sh" "${1:-5}"
