#!/usr/bin/env bash
# Makes the harness's test attestation chain (root -> intermediate -> leaf, P-256, ECDSA-SHA256,
# X.509 v3, 100 years) with OpenSSL. The leaf carries the FIDO AAID extension
# (id-fido-gen-ce-aaid 1.3.6.1.4.1.45724.1.1.1, an OCTET STRING holding "ABCD#ABCD").
# Test material only: the leaf's private scalar is committed (leaf-scalar.hex) so the fuzz
# harness can sign basic full attestations. Re-running makes new keys: commit the result, and
# re-run scripts/fuzz-corpus.sh (the seeds embed the chain).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/ext.cnf" <<'CNF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
1.3.6.1.4.1.45724.1.1.1 = DER:04:09:41:42:43:44:23:41:42:43:44
CNF
key() { openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/$1.key"; }
key root; key int; key leaf
openssl req -new -x509 -key "$tmp/root.key" -subj "/CN=uaf-rs fuzz test root/O=uaf-rs" \
  -days 36500 -sha256 -set_serial 1 -extensions ca -config "$tmp/ext.cnf" -out "$tmp/root.pem" \
  2>/dev/null || openssl req -new -x509 -key "$tmp/root.key" -subj "/CN=uaf-rs fuzz test root/O=uaf-rs" \
  -days 36500 -sha256 -set_serial 1 -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$tmp/root.pem"
sign() { # name, issuer, subject, extensions section, serial
  openssl req -new -key "$tmp/$1.key" -subj "$3" -out "$tmp/$1.csr"
  openssl x509 -req -in "$tmp/$1.csr" -CA "$tmp/$2.pem" -CAkey "$tmp/$2.key" -set_serial "$5" \
    -days 36500 -sha256 -extfile "$tmp/ext.cnf" -extensions "$4" -out "$tmp/$1.pem"
}
sign int root "/CN=uaf-rs fuzz test intermediate/O=uaf-rs" ca 2
sign leaf int "/CN=uaf-rs fuzz test attestation/O=uaf-rs" leaf 3
for c in root int leaf; do openssl x509 -in "$tmp/$c.pem" -outform DER -out "$c.der"; done
openssl ec -in "$tmp/leaf.key" -outform DER 2>/dev/null | openssl asn1parse -inform DER 2>/dev/null \
  | sed -n 's/.*\[HEX DUMP\]://p' | head -1 | tr 'A-F' 'a-f' >leaf-scalar.hex
echo "made root.der int.der leaf.der leaf-scalar.hex in $(pwd)"
