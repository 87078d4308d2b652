#!/usr/bin/env bash
# Builds each target's seed corpus in fuzz/corpus/<target>/ from the
# repository's test data (nothing is stored: the test data is the corpus).
# Usage: fuzz/seeds.sh   (idempotent; the fuzzer's own finds stay in place)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus="$here/corpus"
cd "$root"

# Test data only: no build output, no fuzz output, no vendored icon set for
# the image targets beyond the icons themselves.
files() { # files EXT...
  local names=(-false)
  for ext in "$@"; do names+=(-o -name "*.$ext"); done
  find examples crates interop \( -name target -o -name node_modules \) -prune \
    -o -type f -size -1000k \( "${names[@]}" \) -print 2>/dev/null | sort
}
put() { # put TARGET FILE...
  local dir="$corpus/$1"; shift
  mkdir -p "$dir"
  for f in "$@"; do
    cp -u "$f" "$dir/seed-${f//\//_}"
  done
}
put_text() { # put_text TARGET < lines
  local dir="$corpus/$1"
  mkdir -p "$dir"
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    printf '%s' "$line" > "$dir/seed-$(printf '%s' "$line" | sha1sum | cut -c1-16)"
  done
}

mapfile -t images < <(files png svg)
mapfile -t pngs < <(files png)
mapfile -t svgs < <(files svg | grep -v '^crates/artwork/icons/' ; ls crates/artwork/icons/*.svg | head -40)
mapfile -t jsons < <(files json jsonld | grep -v -e '/schemas/' -e 'package' -e '/node_modules/')
mapfile -t jwts < <(files jwt)
tokens() { grep -rhoE 'eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*' examples crates interop --include='*.json' --include='*.svg' --include='*.jwt' --include='*.rs' 2>/dev/null | sort -u | head -200; }

put bake_extract "${images[@]}"
put artwork_png "${pngs[@]}"
put artwork_svg "${svgs[@]}"
put ld_canonicalize "${jsons[@]}"
put jose "${jwts[@]}"
tokens | put_text jose
{
  grep -rhoE 'did:key:z[1-9A-HJ-NP-Za-km-z]{20,}(#z[1-9A-HJ-NP-Za-km-z]+)?' examples crates --include='*.json' --include='*.rs' 2>/dev/null | sort -u | head -100
  grep -rhoE '"publicKeyMultibase": *"[^"]+"' examples crates --include='*.json' 2>/dev/null | sed 's/.*: *"//; s/"$//' | sort -u | head -50
  grep -rhoE 'did:web:[A-Za-z0-9.%:_-]+' examples crates --include='*.json' --include='*.rs' 2>/dev/null | sort -u | head -50
} | put_text did_key_multibase
mapfile -t keyjsons < <(grep -rlE '"(kty|publicKeyMultibase|publicKeyJwk|publicKeyPem)"' examples crates --include='*.json' 2>/dev/null | head -100)
put did_key_multibase "${keyjsons[@]}"
# Status lists: 9 bytes (index, size) then the encodedList.
mkdir -p "$corpus/status_bitstring"
grep -rhoE '"encodedList": *"[^"]+"' examples crates --include='*.json' --include='*.rs' 2>/dev/null | sed 's/.*: *"//; s/"$//' | sort -u | head -50 |
  while IFS= read -r list; do
    printf '\x08\x00\x00\x00\x00\x00\x00\x00\x01%s' "$list" > "$corpus/status_bitstring/seed-$(printf '%s' "$list" | sha1sum | cut -c1-16)"
  done
put verify_offline "${images[@]}" "${jsons[@]}" "${jwts[@]}"
tokens | put_text verify_offline

for dir in "$corpus"/*/; do
  printf '%-20s %5d seeds\n' "$(basename "$dir")" "$(ls "$dir" | wc -l)"
done
