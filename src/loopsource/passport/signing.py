"""Signing and verifying passports: W3C Data Integrity proofs with the ``eddsa-jcs-2022`` cryptosuite
(Data Integrity EdDSA Cryptosuites v1.0, W3C Recommendation of 15 May 2025).

* Canonical form: RFC 8785 JSON Canonicalization Scheme (the ``rfc8785`` package).
* Proof configuration: ``type`` DataIntegrityProof, ``cryptosuite`` eddsa-jcs-2022, ``created``,
  ``verificationMethod``, ``proofPurpose`` assertionMethod, and the document's ``@context``.
* Hash: SHA-256(JCS(proof configuration)) followed by SHA-256(JCS(document without proof)).
* Signature: Ed25519 (the ``cryptography`` package) over those 64 bytes, written as
  ``proofValue`` in multibase base58-btc (``z...``).
* Key: an Ed25519 private key in a PEM file (``openssl genpkey -algorithm ed25519 -out key.pem``);
  its public key is published as a ``did:key`` (multicodec ``ed25519-pub`` 0xed01), which is
  the verification method, so a verifier needs nothing but the passport.
"""
from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..errors import PassportError

CRYPTOSUITE = "eddsa-jcs-2022"
_ED25519_PUB = b"\xed\x01"  # multicodec varint of ed25519-pub (0xed)
_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    """Base58 (Bitcoin alphabet), as multibase ``z`` uses it."""
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _ALPHABET[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        i = _ALPHABET.find(ch)
        if i < 0:
            raise ValueError(f"{ch!r} is not a base58 character")
        n = n * 58 + i
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def jcs(value: Any) -> bytes:
    """RFC 8785 canonical JSON (UTF-8)."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as e:
        raise PassportError(f"the passport cannot be canonicalised (RFC 8785): {e}") from None


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """An Ed25519 private key from a PEM file (PKCS#8, as ``openssl genpkey -algorithm ed25519`` writes)."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise PassportError(f"--key {path}: cannot read the key file: {e.strerror or e}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as e:
        raise PassportError(f"--key {path}: not an unencrypted PEM private key ({e}); make one with "
                            "'openssl genpkey -algorithm ed25519 -out key.pem'") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise PassportError(f"--key {path}: a {type(key).__name__.replace('_', '')} key, not Ed25519; make one with "
                            "'openssl genpkey -algorithm ed25519 -out key.pem'")
    return key


def did_key(public_key: Ed25519PublicKey) -> str:
    """did:key of an Ed25519 public key (``did:key:z6Mk...``)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "did:key:z" + b58encode(_ED25519_PUB + raw)


def public_key_of(verification_method: str) -> Ed25519PublicKey:
    """The Ed25519 public key a ``did:key`` verification method (``did:key:z6Mk...#z6Mk...``) names."""
    did = verification_method.split("#", 1)[0]
    if not did.startswith("did:key:z"):
        raise PassportError(f"verification method {verification_method!r} is not a did:key; give the public key")
    try:
        raw = b58decode(did[len("did:key:z"):])
    except ValueError as e:
        raise PassportError(f"verification method {verification_method!r}: {e}") from None
    if not raw.startswith(_ED25519_PUB) or len(raw) != 34:
        raise PassportError(f"verification method {verification_method!r} is not an Ed25519 did:key")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def _hash_data(document: dict[str, Any], config: dict[str, Any]) -> bytes:
    return hashlib.sha256(jcs(config)).digest() + hashlib.sha256(jcs(document)).digest()


def sign(document: dict[str, Any], key: Ed25519PrivateKey, *, created: datetime | None = None) -> dict[str, Any]:
    """The document with a Data Integrity proof (module docstring). Its ``issuer.id`` should be
    the key's did:key (:func:`did_key`), so that the proof names the issuer's own key."""
    unsecured = {k: v for k, v in copy.deepcopy(document).items() if k != "proof"}
    did = did_key(key.public_key())
    moment = (created or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    config: dict[str, Any] = {"type": "DataIntegrityProof", "cryptosuite": CRYPTOSUITE,
                              "created": moment.isoformat().replace("+00:00", "Z"),
                              "verificationMethod": f"{did}#{did.split(':')[-1]}", "proofPurpose": "assertionMethod"}
    if "@context" in unsecured:
        config["@context"] = unsecured["@context"]
    signature = key.sign(_hash_data(unsecured, config))
    return {**unsecured, "proof": {**config, "proofValue": "z" + b58encode(signature)}}


@dataclass(frozen=True)
class Verification:
    verified: bool
    reason: str  # why not (empty when verified)
    verification_method: str | None = None


def verify(document: dict[str, Any], public_key: Ed25519PublicKey | None = None) -> Verification:
    """Check a passport's eddsa-jcs-2022 proof; the key is the did:key of its verification
    method unless ``public_key`` is given. Never raises for a bad document: says why it fails."""
    proof = document.get("proof")
    if not isinstance(proof, dict):
        return Verification(False, "the passport has no proof (it is not signed)")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        return Verification(False, f"proof is not a DataIntegrityProof with cryptosuite {CRYPTOSUITE}")
    method = proof.get("verificationMethod")
    value = proof.get("proofValue")
    if not isinstance(method, str) or not isinstance(value, str) or not value.startswith("z"):
        return Verification(False, "proof lacks a verificationMethod or a multibase (z...) proofValue")
    if "@context" in proof and proof["@context"] != document.get("@context"):
        return Verification(False, "the proof's @context differs from the document's", method)
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if public_key is None and issuer_id != method.split("#", 1)[0]:
        return Verification(False, f"the verification method {method} is not the issuer's ({issuer_id})", method)
    try:
        key = public_key or public_key_of(method)
        signature = b58decode(value[1:])
    except (PassportError, ValueError) as e:
        return Verification(False, str(e), method)
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    try:
        key.verify(signature, _hash_data(unsecured, config))
    except InvalidSignature:
        return Verification(False, "the signature does not match the passport (changed after signing, or another key)",
                            method)
    except PassportError as e:
        return Verification(False, str(e), method)
    return Verification(True, "", method)


__all__ = ["CRYPTOSUITE", "Verification", "b58encode", "b58decode", "jcs", "load_private_key", "did_key",
           "public_key_of", "sign", "verify"]
