#!/usr/bin/python3
"""Generates the hand-built CRLs of tests/data/crl (DER, one CRL a file).

    cd tests/data/crl && /usr/bin/python3 make_crls.py

Every CRL is signed with sha256WithRSAEncryption (PKCS#1 v1.5, whose
signatures are deterministic) by the committed RSA-2048 key ca.key.pem (a
missing one is generated and written, which changes every file), so running
this again rewrites the same bytes; the algorithm is one the TLS BRs allow
(§7.1.3.2), so the profile says nothing of it and each file carries only the
defect named above it. Files whose
shape python3-cryptography can build come from its CertificateRevocationList
builder (what a real CA toolchain emits); the ones it refuses to build (v1,
no nextUpdate, repeated entry extensions, bad encodings, malformed entries)
are assembled with the small DER encoder below and signed the same way.

Evaluation times, expected rule IDs and the reasons live in
tests/unit/crl_rules_test.c; the comment above each file here says what is
wrong with it.
"""

import datetime as dt
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

OUT = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(OUT, "..", "sct"))
from make_sct_vectors import load_or_make_key  # noqa: E402

KEY = load_or_make_key("ca.key.pem", lambda: rsa.generate_private_key(65537, 2048), OUT)
ISSUER = x509.Name([
    x509.NameAttribute(NameOID.COUNTRY_NAME, "XX"),
    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "caguard tests"),
    x509.NameAttribute(NameOID.COMMON_NAME, "caguard Test CA C1"),
])
AKI = x509.AuthorityKeyIdentifier.from_issuer_public_key(KEY.public_key())
IDP_URL = "http://crl.example.test/c1/1.crl"

T0 = dt.datetime(2024, 1, 1, 0, 0, 0, tzinfo=dt.timezone.utc)  # thisUpdate
T1 = T0 + dt.timedelta(days=7)                                    # nextUpdate
REVOKED_AT = T0 - dt.timedelta(hours=1)


def write(name, der):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(der)


# --- CRLs from cryptography's builder -------------------------------------

def user_idp():
    return x509.IssuingDistributionPoint(
        full_name=[x509.UniformResourceIdentifier(IDP_URL)], relative_name=None,
        only_contains_user_certs=True, only_contains_ca_certs=False,
        only_some_reasons=None, indirect_crl=False, only_contains_attribute_certs=False)


def builder(number=42, next_update=T1, idp=True):
    b = (x509.CertificateRevocationListBuilder()
         .issuer_name(ISSUER).last_update(T0).next_update(next_update)
         .add_extension(AKI, critical=False)
         .add_extension(x509.CRLNumber(number), critical=False))
    if idp:
        b = b.add_extension(user_idp(), critical=True)
    return b


def entry(serial, reason=None, critical=False, when=REVOKED_AT, issuer=False):
    r = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when)
    if reason is not None:
        r = r.add_extension(x509.CRLReason(reason), critical=critical)
    if issuer:
        r = r.add_extension(x509.CertificateIssuer(
            [x509.DNSName("other-ca.example.test")]), critical=True)
    return r.build()


def sign(b):
    return b.sign(KEY, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


R = x509.ReasonFlags

# Clean: three entries (keyCompromise, superseded, no reason), user IDP.
b = builder()
for e in (entry(0x1001, R.key_compromise), entry(0x1002, R.superseded), entry(0x1003)):
    b = b.add_revoked_certificate(e)
write("good.der", sign(b))

# Serial 0x1001 listed twice (entries 1 and 3).
b = builder()
for e in (entry(0x1001, R.key_compromise), entry(0x1002), entry(0x1001, R.superseded)):
    b = b.add_revoked_certificate(e)
write("dup_serial.der", sign(b))

# Entry 1 carries a certificateIssuer extension.
write("cert_issuer.der", sign(builder().add_revoked_certificate(
    entry(0x1001, R.key_compromise, issuer=True))))

# Entry 1's reasonCode is critical.
write("reason_critical.der", sign(builder().add_revoked_certificate(
    entry(0x1001, R.key_compromise, critical=True))))

# A delta CRL (deltaCRLIndicator): only a warning.
write("delta.der", sign(builder().add_extension(x509.DeltaCRLIndicator(41), critical=True)
                        .add_revoked_certificate(entry(0x1001, R.key_compromise))))

# cRLNumber boundaries: 2^159 - 1 is the largest allowed (20 octets);
# 2^159 needs 21 (a sign octet); 2^160 also 21.
write("number_max.der", sign(builder(number=2**159 - 1)))
write("number_2_159.der", sign(builder(number=2**159)))
write("number_21_octets.der", sign(builder(number=2**160)))

# 50 entries, all certificateHold: 10 findings and one summary.
b = builder()
for i in range(50):
    b = b.add_revoked_certificate(entry(0x2000 + i, R.certificate_hold))
write("reason6_x50.der", sign(b))

# thisUpdate to nextUpdate exactly 10 days (allowed) and 10 days + 1 s.
write("span_10d.der", sign(builder(next_update=T0 + dt.timedelta(days=10))))
write("span_10d_1s.der", sign(builder(next_update=T0 + dt.timedelta(days=10, seconds=1))))


# --- CRLs the builder will not make: a small DER encoder ------------------

def tlv(tag, content):
    n = len(content)
    if n < 0x80:
        head = bytes([n])
    else:
        octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(octets)]) + octets
    return bytes([tag]) + head + content


def seq(*items):
    return tlv(0x30, b"".join(items))


def integer(v):
    length = max(1, (v.bit_length() + 8) // 8)  # room for the sign bit
    return tlv(0x02, v.to_bytes(length, "big", signed=True))


def oid(dotted):
    arcs = [int(a) for a in dotted.split(".")]
    out = bytearray([40 * arcs[0] + arcs[1]])
    for a in arcs[2:]:
        chunk = [a & 0x7F]
        a >>= 7
        while a:
            chunk.append(0x80 | (a & 0x7F))
            a >>= 7
        out += bytes(reversed(chunk))
    return tlv(0x06, bytes(out))


def utc(t):
    return tlv(0x17, t.strftime("%y%m%d%H%M%SZ").encode())


def gen(t):
    return tlv(0x18, t.strftime("%Y%m%d%H%M%SZ").encode())


def ext(dotted, value, critical=False):
    return seq(oid(dotted), b"\x01\x01\xff" if critical else b"", tlv(0x04, value))


SHA256_RSA = seq(oid("1.2.840.113549.1.1.11"), b"\x05\x00")
ECDSA_SHA384 = seq(oid("1.2.840.10045.4.3.3"))
OID_AKI, OID_NUMBER, OID_IDP = "2.5.29.35", "2.5.29.20", "2.5.29.28"
OID_REASON, OID_INVALIDITY = "2.5.29.21", "2.5.29.24"
ISSUER_DER = ISSUER.public_bytes()
AKI_VALUE = seq(tlv(0x80, AKI.key_identifier))
URI = tlv(0x86, IDP_URL.encode())
FULL_NAME_DP = tlv(0xA0, tlv(0xA0, URI))           # distributionPoint [0] { fullName [0] }
TRUE_1, TRUE_2 = tlv(0x81, b"\xff"), tlv(0x82, b"\xff")


def reason(code, tag=0x0A):
    return ext(OID_REASON, tlv(tag, bytes([code])))


def raw_entry(serial, when=REVOKED_AT, exts=None, time=utc):
    parts = [integer(serial), time(when)]
    if exts is not None:
        parts.append(seq(*exts))
    return seq(*parts)


def std_exts(number=42, idp=None, aki=True):
    exts = []
    if aki:
        exts.append(ext(OID_AKI, AKI_VALUE))
    if number is not None:
        exts.append(ext(OID_NUMBER, integer(number)))
    exts.append(ext(OID_IDP, seq(FULL_NAME_DP, TRUE_1) if idp is None else idp, True))
    return exts


def raw_crl(entries=None, exts="std", version=True, this=T0, nxt=T1, tbs_alg=SHA256_RSA,
            outer_alg=SHA256_RSA, revoked_raw=None):
    if exts == "std":
        exts = std_exts()
    parts = [integer(1)] if version else []
    parts += [tbs_alg, ISSUER_DER, utc(this)]
    if nxt is not None:
        parts.append(utc(nxt))
    if revoked_raw is not None:
        parts.append(seq(revoked_raw))
    elif entries is not None:
        parts.append(seq(*entries))
    if exts:
        parts.append(tlv(0xA0, seq(*exts)))
    tbs = seq(*parts)
    sig = KEY.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    return seq(tbs, outer_alg, tlv(0x03, b"\x00" + sig))


ONE = [raw_entry(0x1001, exts=[reason(1)])]

# v1: no version, and so no extensions of any kind.
write("v1.der", raw_crl([raw_entry(0x1001)], exts=None, version=False))

# No nextUpdate.
write("no_next_update.der", raw_crl(ONE, nxt=None))

# thisUpdate equal to nextUpdate: a zero validity period.
write("validity_zero.der", raw_crl(ONE, nxt=T0))

# Entry 1 repeats reasonCode.
write("dup_entry_ext.der", raw_crl([raw_entry(0x1001, exts=[reason(1), reason(4)])]))

# Entry 1 revoked one second after thisUpdate; entry 2 exactly at it (fine).
write("revoked_after.der", raw_crl([
    raw_entry(0x1001, when=T0 + dt.timedelta(seconds=1)),
    raw_entry(0x1002, when=T0)]))

# Entry 1's reasonCode is an INTEGER, entry 2's a two-octet ENUMERATED.
write("reason_bad.der", raw_crl([
    raw_entry(0x1001, exts=[reason(1, tag=0x02)]),
    raw_entry(0x1002, exts=[ext(OID_REASON, tlv(0x0A, b"\x00\x01"))])]))

# crlEntryExtensions present but empty.
write("entry_exts_empty.der", raw_crl([raw_entry(0x1001, exts=[])]))

# reasonCode 7, which RFC 5280 leaves unassigned.
write("reason_7.der", raw_crl([raw_entry(0x1001, exts=[reason(7)])]))

# Entry 1 has invalidityDate: a warning.
write("invalidity_date.der", raw_crl([
    raw_entry(0x1001, exts=[reason(1), ext(OID_INVALIDITY, gen(REVOKED_AT))])]))

# Entry 2 lacks its revocationDate; entry 3 is never read.
write("truncated_entry.der", raw_crl(revoked_raw=raw_entry(0x1001) +
                                     seq(integer(0x1002)) + raw_entry(0x1003)))

# Entry 2's crlEntryExtensions holds an OCTET STRING, not an Extension.
write("bad_entry_ext.der", raw_crl([
    raw_entry(0x1001),
    raw_entry(0x1002, exts=[tlv(0x04, b"\x00")]),
    raw_entry(0x1003)]))

# Entry 1's revocationDate is GeneralizedTime for 2023.
write("entry_gentime.der", raw_crl([raw_entry(0x1001, time=gen)]))

# tbsCertList.signature says ecdsa-with-SHA384, the outer one sha256WithRSAEncryption.
write("sigalg_mismatch.der", raw_crl(ONE, tbs_alg=ECDSA_SHA384))

# cRLNumber -1.
write("number_negative.der", raw_crl(ONE, exts=std_exts(number=-1)))

# cRLNumber appears twice.
write("dup_number.der", raw_crl(ONE, exts=std_exts() + [ext(OID_NUMBER, integer(43))]))

# AKI extnValue is not a SEQUENCE.
write("aki_malformed.der", raw_crl(ONE, exts=[ext(OID_AKI, b"\x04\x02\x01\x02")] +
                                   std_exts(aki=False)))

# IDP variants (TLS BRs 7.2.2.1).
IDP_CASES = {
    # not critical
    "idp_not_critical.der": [ext(OID_AKI, AKI_VALUE), ext(OID_NUMBER, integer(42)),
                             ext(OID_IDP, seq(FULL_NAME_DP, TRUE_1))],
    # indirectCRL and onlyContainsAttributeCerts TRUE
    "idp_indirect_attr.der": std_exts(idp=seq(FULL_NAME_DP, tlv(0x84, b"\xff"),
                                              tlv(0x85, b"\xff"))),
    # a dNSName next to the URI
    "idp_dns_name.der": std_exts(idp=seq(tlv(0xA0, tlv(0xA0, URI + tlv(0x82, b"c.test"))),
                                         TRUE_1)),
    # nameRelativeToCRLIssuer instead of fullName
    "idp_relative.der": std_exts(idp=seq(tlv(0xA0, tlv(0xA1, b"")), TRUE_1)),
    # onlyContainsCACerts, no distributionPoint: accepted
    "idp_ca_no_dp.der": std_exts(idp=seq(TRUE_2)),
    # onlyContainsUserCerts spelled out as FALSE: not DER
    "idp_explicit_false.der": std_exts(idp=seq(FULL_NAME_DP, tlv(0x81, b"\x00"))),
    # onlySomeReasons keyCompromise, well encoded: a warning only
    "idp_some_reasons.der": std_exts(idp=seq(FULL_NAME_DP, TRUE_1, tlv(0x83, b"\x06\x40"))),
}
for name, exts in IDP_CASES.items():
    write(name, raw_crl(ONE, exts=exts))

# caCompromise on a CRL scoped to CA certificates: allowed, and 365 days
# (exactly) is the CA limit; one second more is too long.
CA = std_exts(idp=seq(TRUE_2))
write("ca_reason2.der", raw_crl([raw_entry(0x1001, exts=[reason(2)])], exts=CA))
write("ca_span_365d.der", raw_crl(ONE, exts=CA, nxt=T0 + dt.timedelta(days=365)))
write("ca_span_365d_1s.der", raw_crl(ONE, exts=CA,
                                     nxt=T0 + dt.timedelta(days=365, seconds=1)))
