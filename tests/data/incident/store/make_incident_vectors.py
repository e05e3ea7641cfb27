#!/usr/bin/env python3
"""Writes the certificates and CRLs of tests/cli/incident_store.sh: a test CA,
a misissued certificate with its precertificate (serial 1001), a second
certificate (serial 1002) and a CRL that revokes 1001 on day 51 after the
2024-01-01 problem report with the wrong reason (cessationOfOperation where
a misissuance requires superseded), like the seed's delayed revocation.
Run it from this directory; the outputs are committed."""
import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

UTC = dt.timezone.utc


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "caguard tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def write(path, obj):
    with open(path, "wb") as f:
        f.write(obj.public_bytes(serialization.Encoding.PEM))


ca_key = ec.generate_private_key(ec.SECP256R1())
ca_name = name("caguard incident test CA")
ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
      .public_key(ca_key.public_key()).serial_number(1)
      .not_valid_before(dt.datetime(2023, 1, 1, tzinfo=UTC))
      .not_valid_after(dt.datetime(2033, 1, 1, tzinfo=UTC))
      .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
      .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                     critical=True)
      .add_extension(ski, critical=False)
      .sign(ca_key, hashes.SHA256()))
write("ca.pem", ca)

POISON = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.3")


def leaf(serial, host, not_before, key, poison=False):
    b = (x509.CertificateBuilder().subject_name(x509.Name([
            x509.NameAttribute(NameOID.COMMON_NAME, host)]))
         .issuer_name(ca_name).public_key(key.public_key()).serial_number(serial)
         .not_valid_before(not_before).not_valid_after(not_before + dt.timedelta(days=90))
         .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                        critical=False))
    if poison:
        b = b.add_extension(x509.UnrecognizedExtension(POISON, b"\x05\x00"), critical=True)
    return b.sign(ca_key, hashes.SHA256())


nb = dt.datetime(2023, 12, 20, 12, 0, 0, tzinfo=UTC)
# The precertificate and its certificate share the subject key, as in CT.
key = ec.generate_private_key(ec.SECP256R1())
write("precert_1001.pem", leaf(0x1001, "shop.example.test", nb, key, poison=True))
write("cert_1001.pem", leaf(0x1001, "shop.example.test", nb, key))
write("cert_1002.pem", leaf(0x1002, "mail.example.test", nb + dt.timedelta(days=2),
                            ec.generate_private_key(ec.SECP256R1())))

revoked = dt.datetime(2024, 2, 21, 9, 0, 0, tzinfo=UTC)  # day 51 after the report
entry = (x509.RevokedCertificateBuilder().serial_number(0x1001).revocation_date(revoked)
         .add_extension(x509.CRLReason(x509.ReasonFlags.cessation_of_operation), critical=False)
         .build())
crl = (x509.CertificateRevocationListBuilder().issuer_name(ca_name)
       .last_update(revoked).next_update(revoked + dt.timedelta(days=7))
       .add_revoked_certificate(entry)
       .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                      critical=False)
       .add_extension(x509.CRLNumber(51), critical=False)
       .sign(ca_key, hashes.SHA256()))
write("crl_day51.pem", crl)
