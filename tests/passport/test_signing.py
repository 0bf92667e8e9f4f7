"""Signing: RFC 8785 canonical JSON (the RFC's own test vectors), eddsa-jcs-2022 proofs that verify,
and fail after any change."""
from __future__ import annotations

import copy
import json
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from loopsource.errors import PassportError
from loopsource.passport import build_passport, read_inputs
from loopsource.passport.signing import (b58decode, b58encode, did_key, jcs, load_private_key, public_key_of, sign,
                                         verify)
from loopsource.scenario import load_factors

from .conftest import open_read_only

# RFC 8785 Appendix B: IEEE 754 doubles (hex) and their JSON text.
NUMBERS = [("0000000000000000", "0"), ("8000000000000000", "0"), ("0000000000000001", "5e-324"),
           ("8000000000000001", "-5e-324"), ("7fefffffffffffff", "1.7976931348623157e+308"),
           ("ffefffffffffffff", "-1.7976931348623157e+308"), ("4340000000000000", "9007199254740992"),
           ("c340000000000000", "-9007199254740992"), ("4430000000000000", "295147905179352830000"),
           ("44b52d02c7e14af5", "9.999999999999997e+22"), ("44b52d02c7e14af6", "1e+23"),
           ("44b52d02c7e14af7", "1.0000000000000001e+23"), ("444b1ae4d6e2ef4e", "999999999999999700000"),
           ("444b1ae4d6e2ef4f", "999999999999999900000"), ("444b1ae4d6e2ef50", "1e+21"),
           ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"), ("3eb0c6f7a0b5ed8d", "0.000001"),
           ("41b3de4355555553", "333333333.3333332"), ("41b3de4355555554", "333333333.33333325"),
           ("41b3de4355555555", "333333333.3333333"), ("41b3de4355555556", "333333333.3333334"),
           ("41b3de4355555557", "333333333.33333343"), ("becbf647612f3696", "-0.0000033333333333333333"),
           ("43143ff3c1cb0959", "1424953923781206.2")]


@pytest.mark.parametrize("hex_value, text", NUMBERS)
def test_jcs_numbers_rfc8785_appendix_b(hex_value: str, text: str) -> None:
    assert jcs(struct.unpack(">d", bytes.fromhex(hex_value))[0]) == text.encode()


def test_jcs_rfc8785_examples() -> None:
    """Section 3.2.2 (literals, numbers, string escapes) and 3.2.3 (keys sorted by UTF-16 code units)."""
    source = ('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], '
              r'"string": "\u20ac$\u000F\u000aA' "'" r'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}')
    assert jcs(json.loads(source)) == ('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,'
                                       '1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}').encode()
    keys = {"\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\U0001f600": 5, "\u0080": 6, "\u00f6": 7}
    assert list(json.loads(jcs(keys))) == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_base58_and_did_key() -> None:
    """Leading zero bytes are '1's; a did:key of an Ed25519 key starts z6Mk and names the same key."""
    assert b58encode(b"\0\0\x01") == "112" and b58decode("112") == b"\0\0\x01"
    key = Ed25519PrivateKey.generate()
    did = did_key(key.public_key())
    assert did.startswith("did:key:z6Mk")
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    assert public_key_of(f"{did}#{did[8:]}").public_bytes(*raw) == key.public_key().public_bytes(*raw)


@pytest.fixture(scope="module")
def signed(battery_store: Path) -> dict:
    gs = open_read_only(battery_store)
    try:
        inputs = read_inputs(gs)
    finally:
        gs.close()
    return build_passport(inputs, "P-EV", load_factors(), key=Ed25519PrivateKey.generate())[1]


def test_a_signed_passport_verifies(signed: dict) -> None:
    proof = signed["proof"]
    assert (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) == ("DataIntegrityProof", "eddsa-jcs-2022",
                                                                            "assertionMethod")
    assert proof["verificationMethod"].split("#")[0] == signed["issuer"]["id"]
    assert proof["@context"] == signed["@context"] and proof["proofValue"].startswith("z")
    assert len(b58decode(proof["proofValue"][1:])) == 64
    assert verify(signed).verified


@pytest.mark.parametrize("change", ["figure", "claim", "created", "issuer", "context", "added"])
def test_any_change_breaks_the_signature(signed: dict, change: str) -> None:
    doc = copy.deepcopy(signed)
    cs = doc["credentialSubject"]
    if change == "figure":
        cs["circularityScorecard"]["recycledContent"] += 0.01
    elif change == "claim":
        claim = cs["conformityClaim"][0]
        verdict = "https://w3id.org/loopsource/ontology#conformance"
        claim[verdict] = "fail" if claim[verdict] != "fail" else "pass"
    elif change == "created":
        doc["proof"]["created"] = "2020-01-01T00:00:00Z"
    elif change == "issuer":
        doc["issuer"]["name"] = "Someone Else"
    elif change == "context":
        doc["@context"] = doc["@context"][:1]
    else:
        cs["product"]["serialNumber"] = "X"
    result = verify(doc)
    assert not result.verified and result.reason


def test_another_key_or_no_proof_does_not_verify(signed: dict) -> None:
    other = Ed25519PrivateKey.generate()
    assert not verify(signed, other.public_key()).verified
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    assert verify(unsigned).reason == "the passport has no proof (it is not signed)"
    resigned = sign(unsigned, other)  # signed by a key that is not the issuer's
    assert "is not the issuer's" in verify(resigned).reason


def test_keys_made_with_openssl_are_read(tmp_path: Path) -> None:
    """The documented way: openssl genpkey -algorithm ed25519 (cryptography writes the same PKCS#8 PEM
    when openssl is not installed). An RSA key and a non-PEM file are refused with the way to make one."""
    pem = tmp_path / "key.pem"
    if shutil.which("openssl"):
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(pem)], check=True)
    else:
        pem.write_bytes(Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    key = load_private_key(pem)
    assert verify(sign({"a": 1, "issuer": did_key(key.public_key())}, key)).verified
    rsa_pem = tmp_path / "rsa.pem"
    rsa_pem.write_bytes(rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    with pytest.raises(PassportError, match="not Ed25519; make one with 'openssl genpkey -algorithm ed25519"):
        load_private_key(rsa_pem)
    (tmp_path / "junk.pem").write_text("hello")
    with pytest.raises(PassportError, match="not an unencrypted PEM private key"):
        load_private_key(tmp_path / "junk.pem")
