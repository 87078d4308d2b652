#!/usr/bin/env bash
# Interoperability harness: credentials signed by `insignia sign` must verify
# with Digital Bazaar's Data Integrity libraries and jose, and credentials
# signed by those libraries must verify with `insignia verify`; badges baked
# by independent bakers (PyPI openbadges-bakery, openbadgeslib) must extract
# and verify with insignia, and badges baked by insignia must extract with
# theirs (bake-interop.py).
#
#   bash interop/run.sh
#
# Environment:
#   INSIGNIA        use this insignia binary instead of building one
#   INTEROP_INPUT   unsigned credential to use (default examples/ob3-achievement-credential.json)
#   INTEROP_WORK    keep keys and signed files in this directory (default: a
#                   temporary directory, removed afterwards)
#   INTEROP_EDGE_CASES=1  also sign credentials with edge-case JSON numbers
#
# Prints one PASS/FAIL block per signed artifact and, last,
# `interop: N passed, M failed`. Exit status 0 only when nothing failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
input="${INTEROP_INPUT:-$root/examples/ob3-achievement-credential.json}"

command -v node >/dev/null || { echo "interop: node (20 or later) is required" >&2; exit 2; }
command -v npm >/dev/null || { echo "interop: npm is required" >&2; exit 2; }
command -v python3 >/dev/null || { echo "interop: python3 (3.10 or later) is required" >&2; exit 2; }

echo "interop: installing the JS libraries (npm ci)"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

if [[ -z "${INSIGNIA:-}" ]]; then
  # The test profile's binary: this harness checks what the bytes are, not
  # how fast they come, and after `cargo test` it is already built (a release
  # build here would compile the whole workspace a second time).
  echo "interop: building insignia (cargo build -p insignia-cli)"
  (cd "$root" && cargo build --quiet -p insignia-cli)
  INSIGNIA="${CARGO_TARGET_DIR:-$root/target}/debug/insignia"
fi
[[ -x "$INSIGNIA" ]] || { echo "interop: $INSIGNIA is not an executable" >&2; exit 2; }
echo "interop: insignia $("$INSIGNIA" --version 2>/dev/null || echo '(version unknown)') at $INSIGNIA"

if [[ -n "${INTEROP_WORK:-}" ]]; then
  work="$INTEROP_WORK"
  rm -rf "$work/inputs" "$work/keys" "$work/ours" "$work/theirs" "$work/diagnosis" "$work/bake"
  mkdir -p "$work"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/inputs" "$work/keys" "$work/ours" "$work/theirs"

echo "interop: installing the Python bakers (pip, requirements-bake.txt)"
if [[ ! -x "$work/venv/bin/python" ]]; then
  python3 -m venv "$work/venv"
fi
"$work/venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements-bake.txt"

# Two unsigned inputs: the example as it is (its subject is identified by a
# hashed email, so a VC-JWT of it has no "sub"), and the same credential with
# a credentialSubject.id, which a VC-JWT must carry as "sub".
stem="$(basename "$input" .json)"
cp "$input" "$work/inputs/$stem.json"
node -e '
  const fs = require("node:fs");
  const [from, to] = process.argv.slice(1);
  const credential = JSON.parse(fs.readFileSync(from, "utf8"));
  for (const subject of [].concat(credential.credentialSubject)) {
    subject.id = "did:example:ebfeb1f712ebc6f1c276e12ec21";
  }
  fs.writeFileSync(to, JSON.stringify(credential, null, 2) + "\n");
' "$input" "$work/inputs/$stem-with-subject-id.json"

# Optional edge cases (INTEROP_EDGE_CASES=1): JSON numbers whose RDF form
# the JSON-LD implementations disagree on (see README.md, "Known
# divergences"). Off by default: they measure known bugs, not the example.
if [[ "${INTEROP_EDGE_CASES:-0}" == 1 ]]; then
  node -e '
    const fs = require("node:fs");
    const [from, dir, stem] = process.argv.slice(1);
    const base = JSON.parse(fs.readFileSync(from, "utf8"));
    const cases = {
      // a double that needs 17 significant digits (0.1 + 0.2)
      "number-17-digits": 0.1 + 0.2,
      // an integer in [1e20, 1e21): xsd:integer form per JSON-LD 1.1
      "number-1e20": 1e20
    };
    for (const [name, value] of Object.entries(cases)) {
      const credential = structuredClone(base);
      for (const subject of [].concat(credential.credentialSubject)) {
        subject.achievement.creditsAvailable = value;
      }
      fs.writeFileSync(`${dir}/${stem}-${name}.json`,
        JSON.stringify(credential, null, 2) + "\n");
    }
  ' "$input" "$work/inputs" "$stem"
fi

echo "interop: signing with insignia"
"$INSIGNIA" keys generate --alg ed25519 --out "$work/keys/ed25519.json" >"$work/keys/ed25519.did" 2>/dev/null
"$INSIGNIA" keys generate --alg p256 --out "$work/keys/p256.json" >"$work/keys/p256.did" 2>/dev/null
echo "  Ed25519 issuer: $(cat "$work/keys/ed25519.did")"
echo "  P-256 issuer:   $(cat "$work/keys/p256.did")"
ours=()
for credential in "$work"/inputs/*.json; do
  name="$(basename "$credential" .json)"
  for spec in "ed25519 eddsa-rdfc-2022 di-eddsa-rdfc-2022.json" \
              "p256 ecdsa-rdfc-2019 di-ecdsa-rdfc-2019.json" \
              "ed25519 jwt vc-jwt-eddsa.jwt" \
              "p256 jwt vc-jwt-es256.jwt"; do
    read -r key proof suffix <<<"$spec"
    out="$work/ours/$name.$suffix"
    "$INSIGNIA" sign "$credential" --key "$work/keys/$key.json" --proof "$proof" -o "$out"
    ours+=("$out")
  done
done

log="$work/interop.log"
: >"$log"
status=0

echo
echo "== credentials signed by insignia, verified by the JS libraries"
node "$here/verify-ours.mjs" --diagnose "$work/diagnosis" "${ours[@]}" | tee -a "$log" || status=1

echo
echo "== credentials signed by the JS libraries, verified by insignia"
node "$here/sign-theirs.mjs" --out "$work/theirs" --insignia "$INSIGNIA" \
  "$work"/inputs/*.json | tee -a "$log" || status=1

echo
echo "== badges baked by other implementations and by insignia"
"$work/venv/bin/python" "$here/bake-interop.py" --insignia "$INSIGNIA" \
  --work "$work/bake" --credential "$input" | tee -a "$log" || status=1

# Add up the three scripts' closing lines; a script that died before printing
# its line counts as a failure.
passed=0
failed=0
for part in verify-ours sign-theirs bake-interop; do
  line="$(grep -E "^$part: [0-9]+ passed, [0-9]+ failed$" "$log" | tail -n 1 || true)"
  if [[ -z "$line" ]]; then
    echo "interop: $part did not finish" >&2
    failed=$((failed + 1))
    continue
  fi
  read -r p f <<<"$(sed -E 's/^[^:]+: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/' <<<"$line")"
  passed=$((passed + p))
  failed=$((failed + f))
done

if [[ -n "${INTEROP_WORK:-}" ]]; then
  echo "interop: keys, signed files and the log are in $work"
fi
echo
echo "interop: $passed passed, $failed failed"
if [[ "$failed" -ne 0 || "$status" -ne 0 ]]; then
  exit 1
fi
