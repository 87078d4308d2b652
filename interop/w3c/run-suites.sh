#!/usr/bin/env bash
# Runs the W3C suites against a local `insignia serve`.
#
# usage: run-suites.sh INSIGNIA_BINARY SUITES_DIR [OUT_DIR]
#
# SUITES_DIR holds one directory per suite, each a copy of the suite's
# repository at the commit named in README.md: vc-di-eddsa-test-suite,
# vc-di-ecdsa-test-suite, vc-data-model-2.0-test-suite (and, when present,
# vc-bitstring-status-list-test-suite), plus the two dependencies the suites
# take from GitHub, packed with `npm pack`: vc-test-suite-implementations-*.tgz
# and data-integrity-test-suite-assertion-*.tgz. Their npm dependencies come
# from the registry (`npm install`). Each suite's pass/fail counts are written
# to OUT_DIR/<suite>.txt (mocha's spec reporter).
set -euo pipefail
bin=$(realpath "$1")
suites=$(realpath "$2")
out=$(realpath -m "${3:-target/w3c-suites}")
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
"$here/serve-for-suites.sh" "$bin" "$out/server"
set -a
# shellcheck disable=SC1091
source "$out/server/insignia.env"
set +a
trap 'kill "$INSIGNIA_PID" 2>/dev/null || true' EXIT
impls=$(ls "$suites"/vc-test-suite-implementations-*.tgz)
assert=$(ls "$suites"/data-integrity-test-suite-assertion-*.tgz)
for suite in vc-di-eddsa-test-suite vc-di-ecdsa-test-suite vc-data-model-2.0-test-suite vc-bitstring-status-list-test-suite; do
  dir="$suites/$suite"
  [ -d "$dir" ] || continue
  (
    cd "$dir"
    # The GitHub-only dependencies, from the packed copies.
    sed -i "s#\"github:w3c/vc-test-suite-implementations\"#\"file:$impls\"#; s#\"github:w3c-ccg/data-integrity-test-suite-assertion\"#\"file:$assert\"#" package.json
    rm -f package-lock.json
    npm install --no-audit --no-fund --loglevel=error >"$out/$suite.install.log" 2>&1
    cp "$here/localConfig.cjs" localConfig.cjs
    tags=eddsa-rdfc-2022
    case $suite in
      vc-di-ecdsa-test-suite) tags=ecdsa-rdfc-2019 ;;
      vc-data-model-2.0-test-suite) tags=vc2.0 ;;
    esac
    INSIGNIA_TAGS=$tags timeout 600 npx mocha tests/ --timeout 15000 --preserve-symlinks --reporter spec >"$out/$suite.txt" 2>&1 || true
  )
  echo "$suite: $(grep -E '^\s+[0-9]+ (passing|failing|pending)' "$out/$suite.txt" | tr -s ' \n' ' ')"
done
