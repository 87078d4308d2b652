#!/usr/bin/env bash
# Starts `insignia serve` on a fresh SQLite data directory, creates through its
# own pages (signed in with the administrator's first-start link) an organisation, an issuer and an API token (scope
# issue), and writes what the W3C suites' localConfig.cjs needs to
# $OUT/insignia.env: INSIGNIA_URL, INSIGNIA_TOKEN, INSIGNIA_ISSUER_DID, INSIGNIA_PID.
#
# usage: serve-for-suites.sh INSIGNIA_BINARY OUT_DIR [PORT]
set -euo pipefail
bin=$1
out=$2
port=${3:-40480}
mkdir -p "$out"
data=$(mktemp -d)
base="http://127.0.0.1:$port"
"$bin" serve --listen "127.0.0.1:$port" --base-url "$base" --data-dir "$data" >"$out/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
jar="$out/cookies.txt"
rm -f "$jar"
csrf() { sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n1; }
# The first start prints a one-time administrator sign-in link: use its session.
link=""
for _ in $(seq 1 50); do
  link=$(grep -o "$base/login/link/[A-Za-z0-9]*" "$out/serve.log" | head -n1 || true)
  [ -n "$link" ] && break
  sleep 0.2
done
curl -fsS -c "$jar" -b "$jar" -o /dev/null "$link"
first=$(curl -fsS -c "$jar" -b "$jar" "$base/account/password" | csrf)
curl -fsS -c "$jar" -b "$jar" -o /dev/null -X POST "$base/account/password" \
  --data-urlencode "csrf=$first" --data-urlencode "email=suites@example.org" \
  --data-urlencode "password=correct horse battery staple"
token=$(curl -fsS -c "$jar" -b "$jar" "$base/dashboard" | csrf)
org=$(curl -sS -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' -X POST "$base/orgs" \
  --data-urlencode "csrf=$token" --data-urlencode "name=W3C suites")
org=${org##*/orgs/}
curl -fsS -c "$jar" -b "$jar" -o /dev/null -X POST "$base/orgs/$org/issuers/new" \
  --data-urlencode "csrf=$token" --data-urlencode "slug=suites" --data-urlencode "name=W3C suites" \
  --data-urlencode "url=https://suites.example.org" --data-urlencode "email=suites@example.org" \
  --data-urlencode "description=Issuer for the W3C test suites"
api=$(curl -fsS -c "$jar" -b "$jar" -X POST "$base/orgs/$org/api-tokens" \
  --data-urlencode "csrf=$token" --data-urlencode "name=W3C suites" --data-urlencode "scope_issue=1" \
  | sed -n 's/.*<code class="token">\([^<]*\)<.*/\1/p')
did="did:web:127.0.0.1%3A$port:issuers:suites"
cat >"$out/insignia.env" <<ENV
INSIGNIA_URL=$base
INSIGNIA_TOKEN=$api
INSIGNIA_ISSUER_DID=$did
INSIGNIA_PID=$pid
ENV
echo "insignia serve (pid $pid) at $base, issuer $did"
