#!/bin/sh
# make-tls-certs.sh DIR — the test PKI for the direct TLS transport, made fresh at test time
# (never committed): docs/decisions/eligibility-tls.md, "Test certificates".
#
#   ca.pem / ca.key                  the test CA: signs the server's and the clinic's certificates
#   server.pem / server.key          CN=localhost, SAN DNS:localhost, IP:127.0.0.1 (what the client accepts)
#   server-expired.pem               same key and names, validity 2020-01-01 .. 2021-01-01
#   server-wronghost.pem             same key, SAN DNS:wrong.example only (RFC 2818 mismatch)
#   other-ca.pem / other-ca.key      an unrelated CA
#   server-otherca.pem               same key and names, signed by the other CA
#   client.pem / client.key          the clinic's client certificate (mutual TLS), signed by ca
#   client-otherca.pem / .key        a client certificate the server must refuse
#   client-encrypted.key             client.key encrypted (AES-256) with the passphrase in client.pass
# Needs only the openssl command line (OpenSSL 3). Existing files in DIR are replaced.
set -eu
dir=${1:?usage: make-tls-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
rm -rf ca-db && mkdir ca-db && : > ca-db/index.txt && echo 1000 > ca-db/serial

key() { # private keys owner-only, as the client insists
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null)
}
ca() { # <name> <subject>
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -subj "$2" -days 3650 -sha256 -out "$1.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
# <issuer> <key> <out> <subject> <extensions> [start end]: `openssl ca` because only it can set
# a validity in the past (x509 -req has only -days in OpenSSL 3.0).
issue() {
  issuer=$1 k=$2 out=$3 subject=$4 ext=$5 start=${6:-} end=${7:-}
  openssl req -new -key "$k" -subj "$subject" -out "$out.csr" 2>/dev/null
  printf '%s\n' "[ca]" "default_ca=test" "[test]" "database=ca-db/index.txt" "serial=ca-db/serial" \
    "new_certs_dir=ca-db" "default_md=sha256" "policy=any" "unique_subject=no" "copy_extensions=none" \
    "[any]" "commonName=supplied" "[ext]" "basicConstraints=critical,CA:FALSE" $ext > ca-db/openssl.cnf
  # From yesterday, so a client whose clock is a little behind still accepts it.
  if [ -n "$start" ]; then dates="-startdate $start -enddate $end"; else dates="-startdate $yesterday -days 825"; fi
  # shellcheck disable=SC2086
  openssl ca -batch -notext -config ca-db/openssl.cnf -cert "$issuer.pem" -keyfile "$issuer.key" \
    -extensions ext $dates -in "$out.csr" -out "$out" 2>/dev/null
  rm -f "$out.csr"
}

yesterday=$(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)
server_ext="keyUsage=critical,digitalSignature extendedKeyUsage=serverAuth subjectAltName=DNS:localhost,IP:127.0.0.1"
client_ext="keyUsage=critical,digitalSignature extendedKeyUsage=clientAuth"

ca ca "/C=JP/O=onshi test/CN=onshi test TLS CA"
ca other-ca "/C=JP/O=someone else/CN=unrelated test CA"
key server.key
key client.key
key client-otherca.key
issue ca server.key server.pem "/C=JP/O=onshi test/CN=localhost" "$server_ext"
issue ca server.key server-expired.pem "/C=JP/O=onshi test/CN=localhost" "$server_ext" 20200101000000Z 20210101000000Z
issue ca server.key server-wronghost.pem "/C=JP/O=onshi test/CN=wrong.example" \
  "keyUsage=critical,digitalSignature extendedKeyUsage=serverAuth subjectAltName=DNS:wrong.example"
issue other-ca server.key server-otherca.pem "/C=JP/O=someone else/CN=localhost" "$server_ext"
issue ca client.key client.pem "/C=JP/O=onshi test clinic/CN=1311111111" "$client_ext"
issue other-ca client-otherca.key client-otherca.pem "/C=JP/O=someone else/CN=1311111111" "$client_ext"
(umask 077 && printf 'onshi test passphrase\n' > client.pass &&
  openssl pkey -in client.key -aes256 -passout file:client.pass -out client-encrypted.key 2>/dev/null)
rm -rf ca-db
echo "test certificates written to $dir"
