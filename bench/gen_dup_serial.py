#!/usr/bin/python3
"""Objects that share one issuer and serial, for bench/duplicate_serial.sh.

gen_dup_serial.py DIR N COPIES writes into DIR:
  ca.pem       the issuing CA (P-256, self-signed)
  shared.pem   N objects of that CA with one serial: N/2 distinct
               precertificates and N/2 distinct final certificates (each
               a different subject and SAN), as a CA that reused a serial
               N times would leave them
  copies.pem   one final certificate of that serial, COPIES times (the same
               bytes: a log or a pipeline that delivered it again and again)

Run with Debian's /usr/bin/python3 (python3-cryptography).
"""
import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SERIAL = 0x5E1A17C0FFEE5E1A17C0FFEE


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def main():
    out, n, copies = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    t0 = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    ca = (x509.CertificateBuilder().subject_name(name("Bench Duplicate Serial CA"))
          .issuer_name(name("Bench Duplicate Serial CA")).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(t0)
          .not_valid_after(t0 + datetime.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())

    def leaf(i, precert):
        host = "host%d.bench.example" % i
        b = (x509.CertificateBuilder().subject_name(name(host)).issuer_name(ca.subject)
             .public_key(leaf_key.public_key()).serial_number(SERIAL)
             .not_valid_before(t0).not_valid_after(t0 + datetime.timedelta(days=90))
             .add_extension(aki, critical=False)
             .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]),
                            critical=False))
        if precert:
            b = b.add_extension(x509.PrecertPoison(), critical=True)
        return b.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)

    with open(os.path.join(out, "ca.pem"), "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(out, "shared.pem"), "wb") as f:
        for i in range(n):
            f.write(leaf(i // 2, precert=i % 2 == 0))
    one = leaf(0, precert=False)
    with open(os.path.join(out, "copies.pem"), "wb") as f:
        for _ in range(copies):
            f.write(one)


if __name__ == "__main__":
    main()
