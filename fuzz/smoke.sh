#!/usr/bin/env bash
# The CI smoke pass of the fuzz targets: every target for a few seconds from
# the repository's seed corpus (crashes fail the run). Wall time on 2 cores
# including the build is in docs/fuzzing.md.
#
#   fuzz/smoke.sh [SECONDS]   default 5 seconds per target
#
# Built without a sanitizer (`-s none`): Rust code needs no ASan to catch
# panics, overflows (checked in the fuzz profile) and unbounded work; the
# sanitizer build is for the long runs (`fuzz/run.sh`), where it also guards
# the C code linked in (libFuzzer itself, miniz/zlib backends).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
FUZZ_SANITIZER=${FUZZ_SANITIZER:-none} exec "$here/run.sh" "${1:-5}"
