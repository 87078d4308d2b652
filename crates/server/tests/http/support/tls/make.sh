#!/bin/sh
# Regenerates the test-only CA and relay certificate (ECDSA P-256, valid for
# 100 years). Run from this directory; needs OpenSSL 3. The CA key is
# deleted at the end: nothing else is ever signed with it.
set -eu
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout ca.key -out ca.pem -days 36500 -subj "/CN=Insignia test CA (test only)" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout relay.key -out relay.csr -subj "/CN=localhost"
cat > relay.ext <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EXT
openssl x509 -req -in relay.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
  -out relay.pem -days 36500 -sha256 -extfile relay.ext
# The server reads a PKCS#8 key.
openssl pkcs8 -topk8 -nocrypt -in relay.key -out relay.key.pkcs8 && mv relay.key.pkcs8 relay.key
rm -f relay.csr relay.ext ca.srl ca.key
