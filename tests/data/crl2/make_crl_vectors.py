#!/usr/bin/python3
"""Generates tests/data/crl2: a small PKI and CRLs that are each wrong in one
way against their CA, the certificates they cover or the CRL before them.

    cd tests/data/crl2 && /usr/bin/python3 make_crl_vectors.py

The PKI is a TLS BR one (TLS BRs §7.1, §7.2): the CAs sign with
sha256WithRSAEncryption under the committed RSA-2048 keys *.key.pem (PKCS#1
v1.5 signatures are deterministic; a missing key is generated and written,
which changes every file), the end-entity keys are P-256 keys derived from
fixed numbers; serials have the fixed 64-bit high part of the other test
PKIs above the short number named below (serial 1002 is
5ca90a2de7b14c3f00001002, tests/data/sct/make_sct_vectors.py serial());
subscriber certificates carry the subscriber profile (SAN, KU, EKU, DV
policy, AIA), the subordinate CAs the subordinate CA profile. So running
this again rewrites the same bytes, and caguard's certificate profile finds
nothing in these files: each CRL carries only the defect it is named for.
All dates are fixed; the tests check at 2024-01-03T00:00:00Z.
tests/cli/crl_cross.sh says which rule each file must (and must not)
produce.

The PKI:
  root.pem     Root R1, self-signed
  ca1.pem      CA C1 (its CN is a PrintableString), issued by R1
  ca2.pem      CA C2, issued by R1
  leaves.pem   four end-entity certificates of C1 (serials 1001-1004), CRL
               distribution point http://crl.example.com/c1/1.crl, and one of
               C2 (serial 2001), which no CRL here covers
  leaf_utf8_issuer.pem  a certificate of C1 whose issuer field spells C1's
               CN as a UTF8String
  ca3.pem      CA C3, issued by R1, whose CN is German ("Prüfstelle Straße"):
               its CRLs' issuer Names differ from it in case and Unicode form
"""

import datetime as dt
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

OUT = os.path.dirname(os.path.abspath(__file__))
# serial(), load_or_make_key() and aia() of the SCT vectors' generator.
sys.path.insert(0, os.path.join(OUT, os.pardir, "sct"))
import make_sct_vectors as sv  # noqa: E402

serial = sv.serial
OID_DV = x509.ObjectIdentifier("2.23.140.1.2.1")
UTC = dt.timezone.utc
T0 = dt.datetime(2024, 1, 1, tzinfo=UTC)  # thisUpdate of the reference CRL
DAY = dt.timedelta(days=1)
URL = "http://crl.example.com/c1/1.crl"


def ca_key(fname):
    return sv.load_or_make_key(fname, lambda: rsa.generate_private_key(65537, 2048), OUT)


def key(n):
    """An end-entity key: P-256, private value n (never signs anything)."""
    return ec.derive_private_key(n, ec.SECP256R1())


K_ROOT, K_C1, K_C2 = ca_key("root.key.pem"), ca_key("ca1.key.pem"), ca_key("ca2.key.pem")
K_ROGUE = ca_key("rogue.key.pem")


def name(cn, cn_type=_ASN1Type.UTF8String, order=1):
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "XX"),
             x509.NameAttribute(NameOID.ORGANIZATION_NAME, "caguard tests"),
             x509.NameAttribute(NameOID.COMMON_NAME, cn, _type=cn_type)]
    return x509.Name(attrs[::order])


ROOT = name("caguard Test Root R1")
C1 = name("caguard Test CA C1", _ASN1Type.PrintableString)
C2 = name("caguard Test CA C2")
C3 = name("caguard Pr\u00fcfstelle Stra\u00dfe C3")


def ski(k):
    return x509.SubjectKeyIdentifier.from_public_key(k.public_key())


def aki(k):
    return x509.AuthorityKeyIdentifier(ski(k).digest, None, None)


def pem(obj):
    return obj.public_bytes(serialization.Encoding.PEM)


def write(fname, data):
    with open(os.path.join(OUT, fname), "wb") as f:
        f.write(data)


def cdp(url):
    return x509.CRLDistributionPoints([x509.DistributionPoint(
        [x509.UniformResourceIdentifier(url)], None, None, None)])


def cert(subject, issuer, subject_key, issuer_key, n, ca, not_after, crldp=None, dns=None):
    """A root (subject_key is issuer_key), a subordinate CA (ca) or a
    subscriber certificate for dns, serial(n)."""
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(subject_key.public_key()).serial_number(serial(n))
         .not_valid_before(dt.datetime(2023, 12, 1, tzinfo=UTC)).not_valid_after(not_after)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        b = (b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                           False, False), critical=True)
             .add_extension(ski(subject_key), critical=False))
    else:
        b = (b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False,
                                           False, False), critical=True)
             .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                            critical=False)
             .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False))
    if subject_key is not issuer_key:
        b = (b.add_extension(aki(issuer_key), critical=False)
             .add_extension(x509.CertificatePolicies([x509.PolicyInformation(OID_DV, None)]),
                            critical=False)
             .add_extension(sv.aia("http://ocsp.example.com/crl2/",
                                   "http://ca.example.com/crl2/issuer.der"), critical=False))
    if ca and subject_key is not issuer_key:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                            critical=False)
        crldp = crldp or "http://crl.example.com/crl2/root.crl"
    if crldp is not None:
        b = b.add_extension(cdp(crldp), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


CA_END = dt.datetime(2033, 1, 1, tzinfo=UTC)
LEAF_END = dt.datetime(2024, 12, 1, tzinfo=UTC)
def leaf_name(host):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])


def leaf(n, issuer, k, issuer_key, url):
    host = f"leaf{n:x}.example.com"
    return cert(leaf_name(host), issuer, k, issuer_key, n, False, LEAF_END, url, host)


write("root.pem", pem(cert(ROOT, ROOT, K_ROOT, K_ROOT, 0x0100, True, CA_END)))
write("ca1.pem", pem(cert(C1, ROOT, K_C1, K_ROOT, 0x0201, True, CA_END)))
write("ca2.pem", pem(cert(C2, ROOT, K_C2, K_ROOT, 0x0202, True, CA_END)))
K_C3 = ca_key("ca3.key.pem")
write("ca3.pem", pem(cert(C3, ROOT, K_C3, K_ROOT, 0x0203, True, CA_END)))
write("leaves.pem", b"".join(
    [pem(leaf(s, C1, key(0x50 + i), K_C1, URL))
     for i, s in enumerate((0x1001, 0x1002, 0x1003, 0x1004))] +
    [pem(leaf(0x2001, C2, key(0x60), K_C2, "http://crl.example.com/c2/1.crl"))]))
write("leaf_utf8_issuer.pem", pem(leaf(0x1005, name("caguard Test CA C1"), key(0x55), K_C1,
                                       URL)))


def idp(url=URL, user=True):
    return x509.IssuingDistributionPoint(
        full_name=[x509.UniformResourceIdentifier(url)], relative_name=None,
        only_contains_user_certs=user, only_contains_ca_certs=False, only_some_reasons=None,
        indirect_crl=False, only_contains_attribute_certs=False)


R = x509.ReasonFlags


def crl(fname, entries, issuer=C1, signer=K_C1, aki_key=K_C1, number=100, this=T0,
        span=7 * DAY, scope=idp(), extra=None):
    """entries: (serial, revocationDate, reason or None)"""
    b = (x509.CertificateRevocationListBuilder().issuer_name(issuer).last_update(this)
         .next_update(this + span).add_extension(aki(aki_key), critical=False)
         .add_extension(x509.CRLNumber(number), critical=False))
    if scope is not None:
        b = b.add_extension(scope, critical=True)
    if extra is not None:
        b = b.add_extension(extra, critical=True)
    for n, when, reason in entries:
        r = x509.RevokedCertificateBuilder().serial_number(serial(n)).revocation_date(when)
        if reason is not None:
            r = r.add_extension(x509.CRLReason(reason), critical=False)
        b = b.add_revoked_certificate(r.build())
    obj = b.sign(signer, hashes.SHA256())
    write(fname, pem(obj))
    return obj.public_bytes(serialization.Encoding.DER)


# The reference CRL of C1: leaf 1002 revoked for keyCompromise, number 100.
REVOKED = [(0x1002, T0 - DAY, R.key_compromise), (0x9001, T0 - 2 * DAY, None)]
GOOD = crl("c1_good.pem", REVOKED)
# Issuer Name equal to C1's subject under RFC 5280 §7.1, not byte for byte.
crl("c1_issuer_utf8.pem", REVOKED, issuer=name("caguard Test CA C1"))
crl("c1_issuer_case.pem", REVOKED,
    issuer=name("CAGUARD TEST CA C1", _ASN1Type.PrintableString))
# C3's CRLs: the issuer exactly C3's subject; in capitals with ß as SS (RFC
# 4518 case folding makes them equal); with ü decomposed (u + U+0308, equal
# after NFKC).
crl("c3_good.pem", REVOKED, issuer=C3, signer=K_C3, aki_key=K_C3, scope=None)
crl("c3_issuer_fold.pem", REVOKED, issuer=name("CAGUARD PR\u00dcFSTELLE STRASSE C3"),
    signer=K_C3, aki_key=K_C3, scope=None)
crl("c3_issuer_nfd.pem", REVOKED, issuer=name("caguard Pru\u0308fstelle Stra\u00dfe C3"),
    signer=K_C3, aki_key=K_C3, scope=None)
# RDNs in the other order: not the same Name at all; signed by C1's key.
crl("c1_issuer_order.pem", REVOKED,
    issuer=name("caguard Test CA C1", _ASN1Type.PrintableString, order=-1))
# Signed by a key no CA among the inputs has.
crl("c1_other_key.pem", REVOKED, signer=K_ROGUE)
# Signed by C1, but its AKI names C2's key.
crl("c1_aki_c2.pem", REVOKED, aki_key=K_C2)
# IDP URI with a trailing slash; the certificates say .../1.crl.
crl("c1_idp_slash.pem", REVOKED, scope=idp(URL + "/"))
# Later CRLs of the same scope as c1_good.pem:
#   number 99 one day later
crl("c1_number_down.pem", REVOKED, number=99, this=T0 + DAY)
#   leaf 1002 dropped while it is still valid (a new revocation 0x9002 added)
crl("c1_removed.pem", [(0x9001, T0 - 2 * DAY, None), (0x9002, T0 + DAY / 2, R.superseded)],
    number=101, this=T0 + DAY)
#   leaf 1003 listed as revoked two days before c1_good.pem, which did not list it
crl("c1_backdated.pem", REVOKED + [(0x1003, T0 - 2 * DAY, R.key_compromise)], number=101,
    this=T0 + DAY)
#   30 serials listed as revoked before c1_good.pem, which did not list them:
#   10 findings one by one and a summary
crl("c1_backdated_x30.pem",
    REVOKED + [(0x5000 + i, T0 - 2 * DAY, R.superseded) for i in range(30)], number=101,
    this=T0 + DAY)
#   the clean successor: number 101, one more revocation dated after T0
crl("c1_next.pem", REVOKED + [(0x1004, T0 + DAY / 2, R.superseded)], number=101,
    this=T0 + DAY)
# A delta CRL on c1_good.pem: lists only leaf 1004, revoked since; leaf 1002
# stays revoked on the base, and is not "removed".
crl("c1_delta.pem", [(0x1004, T0 + DAY / 2, R.superseded)], number=101, this=T0 + DAY,
    extra=x509.DeltaCRLIndicator(100))
# 300 days: fine for a root's CRL (no IDP), too long for a subordinate CA's.
crl("root_300d.pem", [(0x0202, T0 - DAY, R.cessation_of_operation)], issuer=ROOT,
    signer=K_ROOT, aki_key=K_ROOT, number=7, span=300 * DAY, scope=None)
crl("c1_300d.pem", REVOKED, span=300 * DAY, scope=None)


# --- malformed CRLs, built by hand --------------------------------------

def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(ln)]) + ln + body


def der_seq(*parts):
    return tlv(0x30, b"".join(parts))


def der_ext(oid_der, value, critical=False):
    return der_seq(oid_der, b"\x01\x01\xff" if critical else b"", tlv(0x04, value))


OID_NUMBER = bytes.fromhex("0603551d14")
OID_REASON = bytes.fromhex("0603551d15")
OID_AKI = bytes.fromhex("0603551d23")
SHA256_RSA = der_seq(bytes.fromhex("06092a864886f70d01010b"), b"\x05\x00")
UTC_T0 = tlv(0x17, b"240101000000Z")
UTC_T1 = tlv(0x17, b"240108000000Z")
AKI_C1 = der_ext(OID_AKI, der_seq(tlv(0x80, ski(K_C1).digest)))


def signed(tbs):
    sig = K_C1.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    return der_seq(tbs, SHA256_RSA, tlv(0x03, b"\x00" + sig))


def entry(n, exts=b""):
    return der_seq(tlv(0x02, serial(n).to_bytes(12, "big")), UTC_T0,
                   der_seq(exts) if exts else b"")


def tbs(revoked, exts):
    return der_seq(b"\x02\x01\x01", SHA256_RSA, C1.public_bytes(), UTC_T0, UTC_T1, revoked,
                   tlv(0xa0, der_seq(*exts)))


NUMBER = der_ext(OID_NUMBER, b"\x02\x01\x64")
REASON1 = der_ext(OID_REASON, b"\x0a\x01\x01")
# cRLNumber twice, and an entry with reasonCode twice: decodes, and says so.
write("bad_dup_ext.der", signed(tbs(der_seq(entry(0x1002, REASON1 + REASON1)),
                                    [AKI_C1, NUMBER, NUMBER])))
# The second entry's length runs past the end of revokedCertificates.
good_entries = entry(0x1002) + entry(0x1003)
past = bytearray(good_entries)
past[len(entry(0x1002)) + 1] += 40
write("bad_entry_past_end.der", signed(tbs(tlv(0x30, bytes(past)), [AKI_C1, NUMBER])))
# revokedCertificates claims 2^31 bytes of entries.
absurd = bytes([0x30, 0x84, 0x80, 0x00, 0x00, 0x00]) + good_entries
write("bad_absurd_count.der", signed(tbs(absurd, [AKI_C1, NUMBER])))
