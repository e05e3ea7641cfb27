#!/usr/bin/python3
"""Builds the SCT signature vectors under tests/data/sct/ for
tests/unit/sct_verify_test.c. Run from anywhere:

    /usr/bin/python3 tests/data/sct/make_sct_vectors.py

Needs Debian's python3-cryptography. See README.md for what each file is.

Deterministic: every key is read from the committed *.key.pem files (a
missing one is generated and written, which changes everything after it),
dates and serials are fixed, certificates are signed with RSA PKCS#1 v1.5
and the RSA log signs the same way, both deterministic; the ECDSA logs (P-256,
P-384) sign with RFC 6979 deterministic nonces, implemented below because
python3-cryptography only offers random ones. Running the script again
therefore rewrites every file byte for byte.

The SCT signatures are computed here over the RFC 6962 §3.2 structure,
with the TBSCertificate of each precert entry taken from a separately
built certificate (same fields, no poison, no SCT list), so the C code that
rebuilds it from the precertificate is checked against an independent
encoding, and every signature is verified with python3-cryptography before
anything is written.
"""

import datetime
import hashlib
import hmac
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

HERE = os.path.dirname(os.path.abspath(__file__))

OID_SCT_LIST = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")
OID_OCSP_SCT_LIST = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.5")
OID_PRECERT_SIGNING = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.4")
OID_DV = ObjectIdentifier("2.23.140.1.2.1")

# Serial numbers: a fixed 64-bit high part above a short memorable number
# (the script's old serials), so that every serial has the more than 64
# bits the TLS BRs want (§7.1.2, ballot 164) and still ends in the number
# the README names: serial(0x5C7001) prints as 5ca90a2de7b14c3f005c7001.
SERIAL_HIGH = 0x5CA90A2DE7B14C3F


def serial(n):
    assert 0 < n < 1 << 32
    return SERIAL_HIGH << 32 | n


# Where the test CA publishes its certificate and OCSP responder (TLS BRs
# §7.1.2.7.7: a subscriber certificate carries authorityInformationAccess;
# with an OCSP URL there, cRLDistributionPoints is optional, §7.1.2.11.2).
AIA_OCSP = "http://ocsp.caguard-test.example.com/"
AIA_CA_ISSUERS = "http://ca.caguard-test.example.com/sct-ca.der"
CA_CRL = "http://crl.caguard-test.example.com/sct-ca.crl"

UTC = datetime.timezone.utc

# TLS codes (RFC 5246 §7.4.1.4.1).
HASH_SHA256 = 4
SIG_RSA = 1
SIG_ECDSA = 3

# ---- RFC 6979 deterministic ECDSA with SHA-256 on P-256 and P-384 ----


class Curve:
    """A short Weierstrass prime curve with a = -3 (both NIST curves)."""

    def __init__(self, p, n, gx, gy):
        self.p, self.n, self.g = p, n, (gx, gy)
        self.qlen = n.bit_length()

    def add(self, a, b):
        """Affine point addition; None is the point at infinity."""
        p = self.p
        if a is None:
            return b
        if b is None:
            return a
        if a[0] == b[0] and (a[1] + b[1]) % p == 0:
            return None
        if a == b:
            lam = (3 * a[0] * a[0] - 3) * pow(2 * a[1], -1, p)
        else:
            lam = (b[1] - a[1]) * pow(b[0] - a[0], -1, p)
        lam %= p
        x = (lam * lam - a[0] - b[0]) % p
        return (x, (lam * (a[0] - x) - a[1]) % p)

    def mul(self, k, point):
        acc = None
        while k:
            if k & 1:
                acc = self.add(acc, point)
            point = self.add(point, point)
            k >>= 1
        return acc

    def bits2int(self, b):
        v = int.from_bytes(b, "big")
        if len(b) * 8 > self.qlen:
            v >>= len(b) * 8 - self.qlen
        return v

    def nonce(self, x, digest):
        """RFC 6979 §3.2 with HMAC-SHA-256."""
        rlen = (self.qlen + 7) // 8
        xo = x.to_bytes(rlen, "big")
        ho = (self.bits2int(digest) % self.n).to_bytes(rlen, "big")
        mac = lambda key, msg: hmac.new(key, msg, hashlib.sha256).digest()
        v = b"\x01" * 32
        k = b"\x00" * 32
        k = mac(k, v + b"\x00" + xo + ho)
        v = mac(k, v)
        k = mac(k, v + b"\x01" + xo + ho)
        v = mac(k, v)
        while True:
            t = b""
            while len(t) * 8 < self.qlen:
                v = mac(k, v)
                t += v
            cand = self.bits2int(t)
            if 1 <= cand < self.n:
                return cand
            k = mac(k, v + b"\x00")
            v = mac(k, v)

    def sign_digest(self, x, digest):
        """(r, s) over a SHA-256 digest with the RFC 6979 nonce."""
        e = self.bits2int(digest)
        k = self.nonce(x, digest)
        r = self.mul(k, self.g)[0] % self.n
        s = pow(k, -1, self.n) * (e + r * x) % self.n
        if r == 0 or s == 0:
            raise ValueError("degenerate ECDSA signature")
        return r, s


P256 = Curve(
    0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF,
    0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)
P384 = Curve(
    2**384 - 2**128 - 2**96 + 2**32 - 1,
    int("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf"
        "581a0db248b0a77aecec196accc52973", 16),
    int("aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a38"
        "5502f25dbf55296c3a545e3872760ab7", 16),
    int("3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c0"
        "0a60b1ce1d7e819d7a431d7c90ea0e5f", 16))


def self_test_rfc6979():
    """RFC 6979 appendix A.2.5, P-256, SHA-256, message "sample"."""
    x = 0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721
    r, s = P256.sign_digest(x, hashlib.sha256(b"sample").digest())
    assert r == 0xEFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716, hex(r)
    assert s == 0xF7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8, hex(s)


# ---- keys and files ----


def path(name):
    return os.path.join(HERE, name)


def load_or_make_key(name, make, folder=HERE):
    """The private key in folder/name; a missing one is made and written
    there (the other generators keep their own keys this way too)."""
    p = os.path.join(folder, name)
    if os.path.exists(p):
        with open(p, "rb") as f:
            return serialization.load_pem_private_key(f.read(), password=None)
    key = make()
    with open(p, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return key


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)


def write_cert(name, cert):
    write(name, cert.public_bytes(serialization.Encoding.PEM))


def spki(key):
    return key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def ms(dt):
    return int(dt.timestamp() * 1000)


def der_octet_string(content):
    n = len(content)
    if n < 0x80:
        return bytes([0x04, n]) + content
    lb = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x04, 0x80 | len(lb)]) + lb + content


# ---- RFC 6962 structures ----


class Log:
    def __init__(self, key):
        self.key = key
        self.spki = spki(key)
        self.log_id = hashlib.sha256(self.spki).digest()
        self.is_rsa = isinstance(key, rsa.RSAPrivateKey)

    def sign(self, data):
        if self.is_rsa:
            sig = self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
            self.key.public_key().verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
            return SIG_RSA, sig
        curve = P384 if isinstance(self.key.curve, ec.SECP384R1) else P256
        x = self.key.private_numbers().private_value
        r, s = curve.sign_digest(x, hashlib.sha256(data).digest())
        sig = utils.encode_dss_signature(r, s)
        self.key.public_key().verify(sig, data, ec.ECDSA(hashes.SHA256()))
        return SIG_ECDSA, sig


def signed_data(timestamp, entry_type, entry, extensions):
    """digitally-signed struct of RFC 6962 §3.2: version v1, signature type
    certificate_timestamp, the entry, then CtExtensions."""
    return (b"\x00\x00" + timestamp.to_bytes(8, "big") + entry_type.to_bytes(2, "big") +
            entry + len(extensions).to_bytes(2, "big") + extensions)


def precert_entry(issuer_key_hash, tbs):
    return issuer_key_hash + len(tbs).to_bytes(3, "big") + tbs


def x509_entry(cert_der):
    return len(cert_der).to_bytes(3, "big") + cert_der


def make_sct(log, timestamp, entry_type, entry, extensions=b""):
    sig_alg, sig = log.sign(signed_data(timestamp, entry_type, entry, extensions))
    return (b"\x00" + log.log_id + timestamp.to_bytes(8, "big") +
            len(extensions).to_bytes(2, "big") + extensions +
            bytes([HASH_SHA256, sig_alg]) + len(sig).to_bytes(2, "big") + sig)


def sct_list_value(scts):
    """extnValue contents: OCTET STRING { SignedCertificateTimestampList }."""
    body = b"".join(len(s).to_bytes(2, "big") + s for s in scts)
    return der_octet_string(len(body).to_bytes(2, "big") + body)


# ---- certificates ----


def name(cn):
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "XX"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "caguard test"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def ca_cert(key, subject, serial, issuer=None, issuer_key=None, eku=None):
    """Self-signed root, or (issuer given) a CA-shaped intermediate."""
    issuer = issuer or subject
    issuer_key = issuer_key or key
    b = (x509.CertificateBuilder()
         .serial_number(serial)
         .issuer_name(issuer)
         .subject_name(subject)
         .public_key(key.public_key())
         .not_valid_before(datetime.datetime(2024, 1, 1, tzinfo=UTC))
         .not_valid_after(datetime.datetime(2034, 1, 1, tzinfo=UTC))
         .add_extension(x509.BasicConstraints(ca=True, path_length=0 if eku else None), True)
         .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                      False), True))
    if eku is not None:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), False)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    if issuer_key is not key:
        # A subordinate CA certificate carries its issuer's CRL (TLS BRs
        # §7.1.2.10.2 / 7.1.2.11.2).
        b = (b.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False)
             .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                 [x509.UniformResourceIdentifier(CA_CRL)], None, None, None)]), False))
    return b.sign(issuer_key, hashes.SHA256())


def aia(ocsp=AIA_OCSP, ca_issuers=AIA_CA_ISSUERS):
    """authorityInformationAccess of an end-entity certificate: OCSP and
    caIssuers, both http (by default this CA's; the other test PKIs name
    their own)."""
    return x509.AuthorityInformationAccess([
        x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.OCSP,
                               x509.UniformResourceIdentifier(ocsp)),
        x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
                               x509.UniformResourceIdentifier(ca_issuers)),
    ])


def leaf(serial, dns, leaf_key, issuer_name, aki_key, sign_key, ct_ext):
    """A server certificate. ct_ext is None (no CT extension), "poison", an
    SCT list extnValue, or ("both", extnValue) for an SCT list followed by
    the poison; it stands between the SAN and the certificate policies so
    that an extension follows it."""
    b = (x509.CertificateBuilder()
         .serial_number(serial)
         .issuer_name(issuer_name)
         .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns)]))
         .public_key(leaf_key.public_key())
         .not_valid_before(datetime.datetime(2025, 3, 1, tzinfo=UTC))
         .not_valid_after(datetime.datetime(2025, 5, 30, 23, 59, 59, tzinfo=UTC))
         .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False,
                                      False), True)
         .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
         .add_extension(aia(), False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(aki_key.public_key()),
                        False)
         .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), False))
    if ct_ext == "poison":
        b = b.add_extension(x509.PrecertPoison(), True)
    elif isinstance(ct_ext, bytes):
        b = b.add_extension(x509.UnrecognizedExtension(OID_SCT_LIST, ct_ext), False)
    elif isinstance(ct_ext, tuple):
        b = (b.add_extension(x509.UnrecognizedExtension(OID_SCT_LIST, ct_ext[1]), False)
             .add_extension(x509.PrecertPoison(), True))
    b = b.add_extension(x509.CertificatePolicies([x509.PolicyInformation(OID_DV, None)]), False)
    return b.sign(sign_key, hashes.SHA256())


def tbs_der(cert):
    return cert.tbs_certificate_bytes


def main():
    self_test_rfc6979()
    make_rsa = lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    make_p256 = lambda: ec.generate_private_key(ec.SECP256R1())
    log_ec = Log(load_or_make_key("log_ec.key.pem", make_p256))
    log_rsa = Log(load_or_make_key("log_rsa.key.pem", make_rsa))
    log_p384 = Log(load_or_make_key("log_p384.key.pem",
                                    lambda: ec.generate_private_key(ec.SECP384R1())))
    ca_key = load_or_make_key("ca.key.pem", make_rsa)
    twin_key = load_or_make_key("ca_twin.key.pem", make_rsa)
    ps_key = load_or_make_key("ps.key.pem", make_rsa)
    leaf_key = load_or_make_key("leaf.key.pem", make_p256)

    for log, stem in ((log_ec, "log_ec"), (log_rsa, "log_rsa"), (log_p384, "log_p384")):
        write(stem + ".pub.pem", log.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))

    ca_name = name("caguard SCT test CA")
    ca = ca_cert(ca_key, ca_name, serial(1))
    twin = ca_cert(twin_key, ca_name, serial(2))
    ca_hash = hashlib.sha256(spki(ca_key)).digest()
    write_cert("ca.pem", ca)
    write_cert("ca_twin.pem", twin)

    # Precertificate and final certificate issued directly by the CA.
    dns = "sct-test.example.com"
    precert = leaf(serial(0x5C7001), dns, leaf_key, ca_name, ca_key, ca_key, "poison")
    entry_tbs = tbs_der(leaf(serial(0x5C7001), dns, leaf_key, ca_name, ca_key, ca_key, None))
    entry = precert_entry(ca_hash, entry_tbs)
    t0 = ms(datetime.datetime(2025, 3, 1, 0, 0, 1, 234000, tzinfo=UTC))
    # A static-ct-api style leaf_index extension: type 0, uint16 length 5,
    # uint40 index 0x0123456789.
    leaf_index = bytes.fromhex("0000050123456789")
    scts = [
        make_sct(log_ec, t0, 1, entry),
        make_sct(log_rsa, t0 + 17, 1, entry),
        make_sct(log_ec, t0 + 42, 1, entry, leaf_index),
        make_sct(log_p384, t0 + 99, 1, entry),
    ]
    embedded = sct_list_value(scts)
    final = leaf(serial(0x5C7001), dns, leaf_key, ca_name, ca_key, ca_key, embedded)
    assert tbs_der(final) != entry_tbs
    write_cert("precert.pem", precert)
    write_cert("final.pem", final)

    # Precertificate Signing Certificate chain (RFC 6962 §3.1): the CA
    # certifies a signer with the CT EKU, the signer issues the precert, the
    # CA the final certificate; the log signs the TBS with the CA as issuer
    # (name and AKI) and the CA's key hash.
    ps_name = name("caguard SCT test Precertificate Signing")
    ps = ca_cert(ps_key, ps_name, serial(3), issuer=ca_name, issuer_key=ca_key,
                 eku=[OID_PRECERT_SIGNING])
    write_cert("ps.pem", ps)
    dns = "sct-ps-test.example.com"
    precert_ps = leaf(serial(0x5C7002), dns, leaf_key, ps_name, ps_key, ps_key, "poison")
    entry_tbs = tbs_der(leaf(serial(0x5C7002), dns, leaf_key, ca_name, ca_key, ca_key, None))
    entry = precert_entry(ca_hash, entry_tbs)
    t1 = ms(datetime.datetime(2025, 3, 1, 0, 5, 0, 500000, tzinfo=UTC))
    scts = [make_sct(log_ec, t1, 1, entry), make_sct(log_rsa, t1 + 3, 1, entry)]
    final_ps = leaf(serial(0x5C7002), dns, leaf_key, ca_name, ca_key, ca_key, sct_list_value(scts))
    write_cert("precert_ps.pem", precert_ps)
    write_cert("final_ps.pem", final_ps)

    # A precertificate that wrongly carries an SCT list (final.pem's, copied)
    # before its poison: a log signs its TBS with only the poison removed.
    dns = "sct-list-in-precert.example.com"
    placeholder = embedded
    precert_sl = leaf(serial(0x5C7003), dns, leaf_key, ca_name, ca_key, ca_key, ("both", placeholder))
    entry_tbs = tbs_der(leaf(serial(0x5C7003), dns, leaf_key, ca_name, ca_key, ca_key, placeholder))
    t2 = ms(datetime.datetime(2025, 3, 1, 0, 10, 0, tzinfo=UTC))
    write_cert("precert_sct_list.pem", precert_sl)
    write("precert_sct_list.scts.der",
          sct_list_value([make_sct(log_ec, t2, 1, precert_entry(ca_hash, entry_tbs))]))

    # x509_entry SCTs, as TLS or a stapled OCSP response delivers them for a
    # certificate without embedded SCTs.
    dns = "sct-tls-test.example.com"
    tls_cert = leaf(serial(0x5C7004), dns, leaf_key, ca_name, ca_key, ca_key, None)
    cert_der = tls_cert.public_bytes(serialization.Encoding.DER)
    t3 = ms(datetime.datetime(2025, 3, 1, 0, 15, 0, 999000, tzinfo=UTC))
    write_cert("tls_cert.pem", tls_cert)
    write("tls_cert.scts.der", sct_list_value([
        make_sct(log_ec, t3, 0, x509_entry(cert_der)),
        make_sct(log_rsa, t3 + 1, 0, x509_entry(cert_der)),
        make_sct(log_p384, t3 + 2, 0, x509_entry(cert_der)),
    ]))


if __name__ == "__main__":
    main()
