#!/usr/bin/env bash
# Regenerates the test certificates (valid for 100 years): a CA, a server
# certificate for localhost/127.0.0.1 that both test services present, a client
# certificate (CN=provincial-gateway) for mutual TLS, and a second, untrusted CA
# with its own client certificate. Test material only: never deploy these keys.
set -euo pipefail
cd "$(dirname "$0")"
days=36500
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
for ca in ca rogue-ca; do
  ec "$ca.key"
  openssl req -x509 -new -key "$ca.key" -days "$days" -subj "/CN=duban test $ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$ca.pem"
done
sign() { # name subject ca extensions
  ec "$1.key"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
  printf '%s\n' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days "$days" \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
sign server "/CN=localhost" ca "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth
basicConstraints=CA:FALSE"
sign client "/O=Jiangxi/CN=provincial-gateway" ca "extendedKeyUsage=clientAuth
basicConstraints=CA:FALSE"
sign rogue-client "/CN=provincial-gateway" rogue-ca "extendedKeyUsage=clientAuth
basicConstraints=CA:FALSE"
rm -f ./*.srl ca.key rogue-ca.key
