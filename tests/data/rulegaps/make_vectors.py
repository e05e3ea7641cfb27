#!/usr/bin/env python3
"""Writes the vectors of tests/cli/rule_dates.sh: objects on either side of
a rule's effective date, and CRL defects.

  ca.pem                       a P-256 CA (self-signed)
  backdated_2023_06.pem        notBefore 2023-06-01, an SCT of 2023-06-10: backdated by
                               more than 48 hours, but issued before ballot SC-062 took
                               effect (2023-09-15), so ct.cert.notbefore_backdated does not
                               apply
  backdated_2024_06.pem        the same a year later: reported
  crl_aki_critical.pem         a CRL of ca.pem whose authorityKeyIdentifier is critical
  crl_good.pem                 the same CRL with a non-critical AKI
  extensions_empty.pem         a certificate whose [3] extensions hold an empty SEQUENCE
  backdated_2024_06.tbs.der    the TBSCertificate of backdated_2024_06.pem alone, as a CA
                               hands it to the gate before signing

The SCT lists are well-formed but not signed by any log (the signature is
zeros): the date rule does not need a valid SCT. Keys are made anew on each
run; the files are committed as written. Run from this directory.
"""
import datetime as dt
import struct

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

UTC = dt.timezone.utc
K = ec.generate_private_key(ec.SECP256R1())
NAME = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "XX"),
                  x509.NameAttribute(NameOID.ORGANIZATION_NAME, "caguard rule date tests"),
                  x509.NameAttribute(NameOID.COMMON_NAME, "caguard Date Test CA")])
SKI = x509.SubjectKeyIdentifier.from_public_key(K.public_key())
SERIAL = 0x3C9D72E1A4B85F06 << 40  # leaves: more than 64 bits, as the TLS BRs require


def write(fname, data):
    with open(fname, "wb") as f:
        f.write(data)


def sct_list(ts):
    sig = b"\x00" * 70
    sct = (b"\x00" + bytes(range(32)) + struct.pack(">Q", int(ts.timestamp() * 1000)) +
           b"\x00\x00" + b"\x04\x03" + struct.pack(">H", len(sig)) + sig)
    body = struct.pack(">H", len(sct)) + sct
    return struct.pack(">H", len(body)) + body


def leaf(nb, sct_at, serial):
    b = (x509.CertificateBuilder()
         .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.example.com")]))
         .issuer_name(NAME).public_key(ec.generate_private_key(ec.SECP256R1()).public_key())
         .serial_number(serial).not_valid_before(nb).not_valid_after(nb + dt.timedelta(days=90))
         .add_extension(x509.SubjectAlternativeName([x509.DNSName("www.example.com")]), False)
         # the rest of the TLS BR subscriber profile (§7.1.2.7), so that the dates
         # are the only thing judged
         .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False,
                                      False), True)
         .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(SKI),
                        False)
         .add_extension(x509.CertificatePolicies([x509.PolicyInformation(
             x509.ObjectIdentifier("2.23.140.1.2.1"), None)]), False)
         .add_extension(x509.AuthorityInformationAccess([
             x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.OCSP,
                                    x509.UniformResourceIdentifier("http://ocsp.example.com")),
             x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
                                    x509.UniformResourceIdentifier(
                                        "http://pki.example.com/date-ca.cer"))]), False)
         .add_extension(x509.UnrecognizedExtension(
             x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2"),
             b"\x04" + bytes([len(sct_list(sct_at))]) + sct_list(sct_at)), False))
    return b.sign(K, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def crl(aki_critical):
    t = dt.datetime(2025, 6, 1, tzinfo=UTC)
    b = (x509.CertificateRevocationListBuilder().issuer_name(NAME).last_update(t)
         .next_update(t + dt.timedelta(days=7))
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(SKI),
                        aki_critical)
         .add_extension(x509.CRLNumber(12), False))
    return b.sign(K, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    lb = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(lb)]) + lb + body


def extensions_empty():
    """A v3 certificate whose [3] holds SEQUENCE {} (RFC 5280: SIZE 1..MAX)."""
    nb = dt.datetime(2024, 6, 1, tzinfo=UTC)
    c = (x509.CertificateBuilder()
         .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.example.com")]))
         .issuer_name(NAME).public_key(ec.generate_private_key(ec.SECP256R1()).public_key())
         .serial_number(0x51ab1e0003).not_valid_before(nb)
         .not_valid_after(nb + dt.timedelta(days=90)).sign(K, hashes.SHA256()))
    tbs = c.tbs_certificate_bytes
    hl = 4 if tbs[1] == 0x82 else 3 if tbs[1] == 0x81 else 2
    body = tbs[hl:] + tlv(0xa3, tlv(0x30, b""))
    new_tbs = tlv(0x30, body)
    alg = bytes.fromhex("300a06082a8648ce3d040302")
    sig = K.sign(new_tbs, ec.ECDSA(hashes.SHA256()))
    der = tlv(0x30, new_tbs + alg + tlv(0x03, b"\x00" + sig))
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)


def main():
    t = dt.datetime(2023, 1, 1, tzinfo=UTC)
    ca = (x509.CertificateBuilder().subject_name(NAME).issuer_name(NAME)
          .public_key(K.public_key()).serial_number(0x7da7e5c0ffee0123456789)
          .not_valid_before(t).not_valid_after(t + dt.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
          .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False,
                                       False), True)
          .add_extension(SKI, False).sign(K, hashes.SHA256()))
    write("ca.pem", ca.public_bytes(serialization.Encoding.PEM))
    write("backdated_2023_06.pem", leaf(dt.datetime(2023, 6, 1, tzinfo=UTC),
                                        dt.datetime(2023, 6, 10, tzinfo=UTC), SERIAL | 0x51ab1e0001))
    late = leaf(dt.datetime(2024, 6, 1, tzinfo=UTC), dt.datetime(2024, 6, 10, tzinfo=UTC),
                SERIAL | 0x51ab1e0002)
    write("backdated_2024_06.pem", late)
    write("backdated_2024_06.tbs.der", x509.load_pem_x509_certificate(late).tbs_certificate_bytes)
    write("extensions_empty.pem", extensions_empty())
    write("crl_aki_critical.pem", crl(True))
    write("crl_good.pem", crl(False))


if __name__ == "__main__":
    main()
