#!/usr/bin/env bash
# Makes public keys (DER SubjectPublicKeyInfo) of the optional algorithms, as seeds for the
# `public_key` target: RSA 2048, P-384, Ed25519, secp256k1. Test material; private keys are
# discarded.
set -euo pipefail
cd "$(dirname "$0")"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null | openssl pkey -pubout -outform DER -out rsa2048-pub.der
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 | openssl pkey -pubout -outform DER -out p384-pub.der
openssl genpkey -algorithm ED25519 | openssl pkey -pubout -outform DER -out ed25519-pub.der
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 | openssl pkey -pubout -outform DER -out secp256k1-pub.der
echo "made rsa2048-pub.der p384-pub.der ed25519-pub.der secp256k1-pub.der in $(pwd)"
