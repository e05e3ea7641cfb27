#!/usr/bin/python3
"""Writes the certificates and CRLs of tests/cli/incident_store.sh: a test CA,
a misissued certificate with its precertificate (serial ...1001), a second
certificate (serial ...1002) and a CRL that revokes ...1001 on day 51 after
the 2024-01-01 problem report with the wrong reason (cessationOfOperation
where a misissuance requires superseded), like the seed's delayed
revocation. Run it from anywhere; the outputs are committed:

    /usr/bin/python3 tests/data/incident/store/make_incident_vectors.py

The certificates follow the TLS BRs' profiles, so the tests run with the
profile on (caguard's default): serials of 96 bits (a fixed high part,
5ca90a2de7b14c3f, above the short number the tests name: 1001 is
5ca90a2de7b14c3f00001001), public DNS names, extKeyUsage serverAuth, the
DV policy, authorityInformationAccess with http OCSP and caIssuers URLs.
What is wrong is only what the incident is about: the CRL entry's reason
and its date.

Deterministic: the keys are read from the committed *.key.pem files (a
missing one is generated and written, which changes everything signed by
it); the CA's key is RSA-2048 and signs with PKCS#1 v1.5, which is
deterministic, so running the script again rewrites every file byte for
byte."""
import datetime as dt
import os
import sys

sys.dont_write_bytecode = True

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
# serial(), load_or_make_key() and aia() of the SCT vectors' generator.
sys.path.insert(0, os.path.join(HERE, os.pardir, os.pardir, "sct"))
import make_sct_vectors as sv  # noqa: E402

UTC = dt.timezone.utc
OID_DV = x509.ObjectIdentifier("2.23.140.1.2.1")
POISON = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.3")
serial = sv.serial


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "caguard tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def write(fname, data):
    with open(os.path.join(HERE, fname), "wb") as f:
        f.write(data)


def write_obj(fname, obj):
    write(fname, obj.public_bytes(serialization.Encoding.PEM))


def load_or_make_key(fname, make):
    return sv.load_or_make_key(fname, make, HERE)


def make_p256():
    return ec.generate_private_key(ec.SECP256R1())


ca_key = load_or_make_key(
    "ca.key.pem", lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))
ca_name = name("caguard incident test CA")
ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
      .public_key(ca_key.public_key()).serial_number(serial(1))
      .not_valid_before(dt.datetime(2023, 1, 1, tzinfo=UTC))
      .not_valid_after(dt.datetime(2033, 1, 1, tzinfo=UTC))
      .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
      .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                     critical=True)
      .add_extension(ski, critical=False)
      .sign(ca_key, hashes.SHA256()))
write_obj("ca.pem", ca)


def leaf(n, host, not_before, key, poison=False):
    b = (x509.CertificateBuilder().subject_name(x509.Name([
            x509.NameAttribute(NameOID.COMMON_NAME, host)]))
         .issuer_name(ca_name).public_key(key.public_key()).serial_number(serial(n))
         .not_valid_before(not_before).not_valid_after(not_before + dt.timedelta(days=90))
         .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                        critical=False)
         .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False,
                                      False), critical=True)
         .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                        critical=False)
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
         .add_extension(x509.CertificatePolicies([x509.PolicyInformation(OID_DV, None)]),
                        critical=False)
         .add_extension(sv.aia("http://ocsp.incident-test.example.com/",
                               "http://ca.incident-test.example.com/ca.der"), critical=False))
    if poison:
        b = b.add_extension(x509.UnrecognizedExtension(POISON, b"\x05\x00"), critical=True)
    return b.sign(ca_key, hashes.SHA256())


nb = dt.datetime(2023, 12, 20, 12, 0, 0, tzinfo=UTC)
# The precertificate and its certificate share the subject key, as in CT.
key = load_or_make_key("leaf_1001.key.pem", make_p256)
write_obj("precert_1001.pem", leaf(0x1001, "shop.example.com", nb, key, poison=True))
write_obj("cert_1001.pem", leaf(0x1001, "shop.example.com", nb, key))
write_obj("cert_1002.pem", leaf(0x1002, "mail.example.com", nb + dt.timedelta(days=2),
                                load_or_make_key("leaf_1002.key.pem", make_p256)))

revoked = dt.datetime(2024, 2, 21, 9, 0, 0, tzinfo=UTC)  # day 51 after the report
entry = (x509.RevokedCertificateBuilder().serial_number(serial(0x1001))
         .revocation_date(revoked)
         .add_extension(x509.CRLReason(x509.ReasonFlags.cessation_of_operation), critical=False)
         .build())
crl = (x509.CertificateRevocationListBuilder().issuer_name(ca_name)
       .last_update(revoked).next_update(revoked + dt.timedelta(days=7))
       .add_revoked_certificate(entry)
       .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                      critical=False)
       .add_extension(x509.CRLNumber(51), critical=False)
       .sign(ca_key, hashes.SHA256()))
write_obj("crl_day51.pem", crl)
