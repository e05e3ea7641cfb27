#!/usr/bin/python3
"""Builds the hand-made certificates under tests/data/ct/ for the single-object
CT rules (tests/unit/ct_rules_test.c). Run from anywhere:

    /usr/bin/python3 tests/data/ct/make_ct_vectors.py

Deterministic: keys are Ed25519 from fixed seeds (Ed25519 signatures are
deterministic), dates are fixed, and the TBS is written by hand in DER so
that extensions can be duplicated, left non-critical or given wrong values,
which certificate builders refuse. The SCTs carry placeholder signatures:
these vectors are for encoding rules, not for SCT signature checks.

Every certificate is valid 2024-01-01 to 2024-12-31; the SCTs are stamped
2023-12-31T23:00:00.123Z unless the name says otherwise. The tests evaluate
at 2024-06-01T00:00:00Z.

file                          what it breaks (rule it must trigger)
cert_ok.pem                   nothing: two v1 SCTs
precert_ok.pem                nothing: critical poison 05 00
precert_sct_list.pem          ct.precert.sct_list_present
poison_not_critical.pem       ct.precert.poison_not_critical
poison_bad_value.pem          ct.precert.poison_bad_value (04 02 05 00)
poison_empty_value.pem        ct.precert.poison_bad_value (empty value)
poison_duplicate.pem          ct.precert.poison_duplicate
ocsp_sct_ext.pem              ct.cert.ocsp_sct_ext_present
sct_list_duplicate.pem        ct.cert.sct_list_duplicate
sct_list_critical.pem         ct.cert.sct_list_critical (extension 7)
sct_list_unwrapped.pem        ct.sct_list.malformed (TLS list without OCTET STRING)
sct_list_length.pem           ct.sct_list.malformed (list length 2 too long)
sct_list_trailing.pem         ct.sct_list.malformed (3 bytes after the list)
sct_list_zero_sct.pem         ct.sct_list.malformed (zero-length SerializedSCT)
sct_list_truncated_sct.pem    ct.sct_list.malformed (SCT 2 stops inside its log ID)
sct_list_empty.pem            ct.sct_list.empty
sct_version_unknown.pem       ct.sct.version_unknown (SCT 2 of 3 has version 1)
sct_timestamp_future.pem      ct.sct.timestamp_future (SCT 2 of 2 stamped 2030)
ca.pem                        the issuer of all of them
"""

import base64
import hashlib
import os
import struct
from datetime import datetime, timezone

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))

OID_SCT_LIST = "1.3.6.1.4.1.11129.2.4.2"
OID_POISON = "1.3.6.1.4.1.11129.2.4.3"
OID_OCSP_SCT_LIST = "1.3.6.1.4.1.11129.2.4.5"
OID_BASIC_CONSTRAINTS = "2.5.29.19"
OID_KEY_USAGE = "2.5.29.15"
OID_EKU = "2.5.29.37"
OID_SAN = "2.5.29.17"
OID_SKI = "2.5.29.14"
OID_AKI = "2.5.29.35"
ED25519_ALG = bytes.fromhex("300506032b6570")


def der(tag, content):
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    lb = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(lb)]) + lb + content


def seq(*parts):
    return der(0x30, b"".join(parts))


def oid(dotted):
    arcs = [int(a) for a in dotted.split(".")]
    out = bytearray([arcs[0] * 40 + arcs[1]])
    for a in arcs[2:]:
        chunk = [a & 0x7F]
        a >>= 7
        while a:
            chunk.append(0x80 | (a & 0x7F))
            a >>= 7
        out += bytes(reversed(chunk))
    return der(0x06, bytes(out))


def integer(v):
    n = (v.bit_length() + 8) // 8
    return der(0x02, v.to_bytes(n, "big", signed=True))


def utctime(dt):
    return der(0x17, dt.strftime("%y%m%d%H%M%SZ").encode())


def octets(b):
    return der(0x04, b)


def extension(dotted, value, critical=False):
    """value is the extnValue contents, written as given."""
    crit = der(0x01, b"\xff") if critical else b""
    return seq(oid(dotted), crit, octets(value))


def key(seed):
    return ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed).digest())


def spki(k):
    return k.public_key().public_bytes(serialization.Encoding.DER,
                                       serialization.PublicFormat.SubjectPublicKeyInfo)


def name(cn):
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "XX"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "caguard tests"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ]).public_bytes()


CA_KEY = key(b"caguard ct vectors: CA key")
LEAF_KEY = key(b"caguard ct vectors: leaf key")
CA_NAME = name("caguard CT test CA")
CA_SKI = hashlib.sha1(CA_KEY.public_key().public_bytes(
    serialization.Encoding.Raw, serialization.PublicFormat.Raw)).digest()
NOT_BEFORE = datetime(2024, 1, 1, tzinfo=timezone.utc)
NOT_AFTER = datetime(2024, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
SCT_TIME = datetime(2023, 12, 31, 23, 0, 0, tzinfo=timezone.utc)
FUTURE_TIME = datetime(2030, 1, 1, tzinfo=timezone.utc)


def ms(dt, extra=0):
    return int(dt.timestamp()) * 1000 + extra


def sct(log, timestamp, version=0):
    """One SignedCertificateTimestamp (RFC 6962 §3.2) with a placeholder
    ECDSA-shaped signature."""
    log_id = hashlib.sha256(b"caguard test log " + log).digest()
    if version != 0:
        return bytes([version]) + log_id + struct.pack(">Q", timestamp)
    r = hashlib.sha256(b"r" + log_id).digest()
    s = hashlib.sha256(b"s" + log_id).digest()
    sig = seq(der(0x02, b"\x00" + r if r[0] & 0x80 else r),
              der(0x02, b"\x00" + s if s[0] & 0x80 else s))
    return (bytes([0]) + log_id + struct.pack(">Q", timestamp) + struct.pack(">H", 0) +
            bytes([4, 3]) + struct.pack(">H", len(sig)) + sig)


def tls_list(*scts):
    body = b"".join(struct.pack(">H", len(s)) + s for s in scts)
    return struct.pack(">H", len(body)) + body


def sct_ext_value(*scts):
    return octets(tls_list(*scts))


TWO_SCTS = (sct(b"A", ms(SCT_TIME, 123)), sct(b"B", ms(SCT_TIME, 456)))
GOOD_SCT_VALUE = sct_ext_value(*TWO_SCTS)
POISON_VALUE = bytes.fromhex("0500")


def leaf_exts():
    """The ordinary extensions of a TLS server certificate, positions 1-6."""
    leaf_ski = hashlib.sha1(LEAF_KEY.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)).digest()
    san = seq(der(0x82, b"ct.example.test"))
    return [
        extension(OID_KEY_USAGE, der(0x03, b"\x07\x80"), critical=True),
        extension(OID_EKU, seq(oid("1.3.6.1.5.5.7.3.1"))),
        extension(OID_BASIC_CONSTRAINTS, seq(), critical=True),
        extension(OID_SKI, octets(leaf_ski)),
        extension(OID_AKI, seq(der(0x80, CA_SKI))),
        extension(OID_SAN, san),
    ]


def certificate(serial, subject, subject_key, exts):
    tbs = seq(
        der(0xA0, integer(2)),
        integer(serial),
        ED25519_ALG,
        CA_NAME,
        seq(utctime(NOT_BEFORE), utctime(NOT_AFTER)),
        subject,
        spki(subject_key),
        der(0xA3, seq(*exts)),
    )
    sig = CA_KEY.sign(tbs)
    return seq(tbs, ED25519_ALG, der(0x03, b"\x00" + sig))


def write(filename, cert_der):
    body = base64.encodebytes(cert_der).decode().replace("\n", "")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    pem = "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"
    with open(os.path.join(HERE, filename), "w") as f:
        f.write(pem)


def leaf(filename, serial, extra):
    write(filename, certificate(serial, name("ct.example.test"), LEAF_KEY, leaf_exts() + extra))


def main():
    ca_exts = [
        extension(OID_BASIC_CONSTRAINTS, seq(der(0x01, b"\xff")), critical=True),
        extension(OID_KEY_USAGE, der(0x03, b"\x01\x06"), critical=True),
        extension(OID_SKI, octets(CA_SKI)),
    ]
    write("ca.pem", certificate(1, CA_NAME, CA_KEY, ca_exts))

    sct_ext = extension(OID_SCT_LIST, GOOD_SCT_VALUE)
    poison = extension(OID_POISON, POISON_VALUE, critical=True)
    leaf("cert_ok.pem", 0x1001, [sct_ext])
    leaf("precert_ok.pem", 0x1002, [poison])
    leaf("precert_sct_list.pem", 0x1003, [sct_ext, poison])
    leaf("poison_not_critical.pem", 0x1004, [extension(OID_POISON, POISON_VALUE)])
    leaf("poison_bad_value.pem", 0x1005,
         [extension(OID_POISON, octets(POISON_VALUE), critical=True)])
    leaf("poison_empty_value.pem", 0x1006, [extension(OID_POISON, b"", critical=True)])
    leaf("poison_duplicate.pem", 0x1007, [poison, poison])
    leaf("ocsp_sct_ext.pem", 0x1008, [sct_ext, extension(OID_OCSP_SCT_LIST, GOOD_SCT_VALUE)])
    leaf("sct_list_duplicate.pem", 0x1009, [sct_ext, sct_ext])
    leaf("sct_list_critical.pem", 0x100A,
         [extension(OID_SCT_LIST, GOOD_SCT_VALUE, critical=True)])
    leaf("sct_list_unwrapped.pem", 0x100B, [extension(OID_SCT_LIST, tls_list(*TWO_SCTS))])

    body = b"".join(struct.pack(">H", len(s)) + s for s in TWO_SCTS)
    too_long = struct.pack(">H", len(body) + 2) + body
    leaf("sct_list_length.pem", 0x100C, [extension(OID_SCT_LIST, octets(too_long))])
    trailing = tls_list(*TWO_SCTS) + b"\x00\x00\x00"
    leaf("sct_list_trailing.pem", 0x100D, [extension(OID_SCT_LIST, octets(trailing))])
    zero = body + b"\x00\x00"
    leaf("sct_list_zero_sct.pem", 0x100E,
         [extension(OID_SCT_LIST, octets(struct.pack(">H", len(zero)) + zero))])
    cut = TWO_SCTS[1][:20]
    leaf("sct_list_truncated_sct.pem", 0x100F,
         [extension(OID_SCT_LIST, sct_ext_value(TWO_SCTS[0], cut))])
    leaf("sct_list_empty.pem", 0x1010, [extension(OID_SCT_LIST, octets(b"\x00\x00"))])
    three = (TWO_SCTS[0], sct(b"C", ms(SCT_TIME), version=1), TWO_SCTS[1])
    leaf("sct_version_unknown.pem", 0x1011, [extension(OID_SCT_LIST, sct_ext_value(*three))])
    future = (TWO_SCTS[0], sct(b"B", ms(FUTURE_TIME, 7)))
    leaf("sct_timestamp_future.pem", 0x1012, [extension(OID_SCT_LIST, sct_ext_value(*future))])


if __name__ == "__main__":
    main()
