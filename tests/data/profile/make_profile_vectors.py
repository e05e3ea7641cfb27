#!/usr/bin/env python3
"""Writes the certificate profile vectors of tests/cli/profile.sh.

A root, a subordinate CA and subscriber certificates that follow the TLS
BR profile (good_*.pem), and one variant per defect, named after the rule
caguard must report on it (RULE__what.pem, e.g.
cert.validity_too_long__399_days.pem); profile.sh checks that each gives
exactly that profile rule and the good ones none. Variants that a
certificate builder refuses to make (a negative serial, an extension twice,
an empty extensions SEQUENCE, ...) are made by editing the DER of a good
TBSCertificate and signing it again with the issuer's key.

Keys are made anew on each run (the vectors are committed as written); run
it from this directory with python3-cryptography installed.
"""
import datetime as dt
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

UTC = dt.timezone.utc
T_ROOT = dt.datetime(2024, 1, 10, tzinfo=UTC)
T = dt.datetime(2025, 6, 1, tzinfo=UTC)  # issuance of the subscriber certificates
DAY = dt.timedelta(days=1)
DV = x509.ObjectIdentifier("2.23.140.1.2.1")
OV = x509.ObjectIdentifier("2.23.140.1.2.2")
ANY = x509.ObjectIdentifier("2.5.29.32.0")


def name(cn, o="caguard profile tests"):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "XX"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, o),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def pem(c):
    return c.public_bytes(serialization.Encoding.PEM)


def write(fname, data):
    with open(fname, "wb") as f:
        f.write(data)


K_ROOT = ec.generate_private_key(ec.SECP384R1())
K_SUB = ec.generate_private_key(ec.SECP256R1())
K_LEAF = ec.generate_private_key(ec.SECP256R1())
K_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ROOT_NAME = name("caguard Test Root R1")
SUB_NAME = name("caguard Test Issuing CA 1")


def ski(k):
    return x509.SubjectKeyIdentifier.from_public_key(k.public_key())


def aki(k):
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(k.public_key())


CA_KU = x509.KeyUsage(True, False, False, False, False, True, True, False, False)
LEAF_KU = x509.KeyUsage(True, False, False, False, False, False, False, False, False)


def root(exts=None):
    b = (x509.CertificateBuilder().subject_name(ROOT_NAME).issuer_name(ROOT_NAME)
         .public_key(K_ROOT.public_key()).serial_number(0x5a17c0ffee0123456789abcdef)
         .not_valid_before(T_ROOT).not_valid_after(T_ROOT + 9000 * DAY)
         .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
         .add_extension(CA_KU, True).add_extension(ski(K_ROOT), False))
    for e, c in exts or []:
        b = b.add_extension(e, c)
    return b.sign(K_ROOT, hashes.SHA384())


def sub(drop=(), extra=()):
    exts = [
        (x509.BasicConstraints(ca=True, path_length=0), True),
        (CA_KU, True),
        (ski(K_SUB), False),
        (aki(K_ROOT), False),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        (x509.CertificatePolicies([x509.PolicyInformation(DV, None)]), False),
        (x509.CRLDistributionPoints([x509.DistributionPoint(
            [x509.UniformResourceIdentifier("http://crl.example.com/root.crl")],
            None, None, None)]), False),
        (x509.AuthorityInformationAccess([x509.AccessDescription(
            x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
            x509.UniformResourceIdentifier("http://ca.example.com/root.der"))]), False),
    ] + list(extra)
    b = (x509.CertificateBuilder().subject_name(SUB_NAME).issuer_name(ROOT_NAME)
         .public_key(K_SUB.public_key()).serial_number(0x3e5ab0c0ffee0123456789ab)
         .not_valid_before(T_ROOT + DAY).not_valid_after(T_ROOT + 3000 * DAY))
    for e, c in exts:
        if type(e) not in drop:
            b = b.add_extension(e, c)
    return b.sign(K_ROOT, hashes.SHA384())


def leaf(key=K_LEAF, days=90, nb=T, san=("www.example.com",), cn="www.example.com",
         eku=(ExtendedKeyUsageOID.SERVER_AUTH,), ku=LEAF_KU, ku_crit=True, bc=True,
         bc_crit=True, policies=(DV,), aia="http://ca.example.com/sub.der",
         crldp="http://crl.example.com/sub.crl", with_aki=True, aki_crit=False,
         sig_hash=None, serial=0x1c0ffee5eed0123456789abcdef01, extra=(), drop=()):
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]) if cn else x509.Name([])
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(SUB_NAME)
         .public_key(key.public_key()).serial_number(serial)
         .not_valid_before(nb).not_valid_after(nb + days * DAY - dt.timedelta(seconds=1)))
    if san is not None:
        names = []
        for s in san:
            if isinstance(s, x509.GeneralName):
                names.append(s)
            else:
                try:
                    names.append(x509.IPAddress(ipaddress.ip_address(s)))
                except ValueError:
                    names.append(x509.DNSName(s))
        b = b.add_extension(x509.SubjectAlternativeName(names), not cn)
    if eku is not None:
        b = b.add_extension(x509.ExtendedKeyUsage(list(eku)), False)
    if ku is not None:
        b = b.add_extension(ku, ku_crit)
    if bc:
        b = b.add_extension(x509.BasicConstraints(ca=False, path_length=None), bc_crit)
    if policies is not None:
        b = b.add_extension(x509.CertificatePolicies(
            [x509.PolicyInformation(p, None) for p in policies]), False)
    if aia is not None:
        b = b.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
            x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
            x509.UniformResourceIdentifier(aia))]), False)
    if crldp is not None:
        b = b.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            [x509.UniformResourceIdentifier(crldp)], None, None, None)]), False)
    if with_aki:
        b = b.add_extension(aki(K_SUB), aki_crit)
    for e, c in extra:
        b = b.add_extension(e, c)
    return b.sign(K_SUB, sig_hash or hashes.SHA256())


# ---- DER editing, for what the builder will not make ----

def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    lb = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(lb)]) + lb + body


def parse(der):
    """The elements of a SEQUENCE's contents: [(tag, whole element, contents)]."""
    out, i = [], 0
    while i < len(der):
        tag, n = der[i], der[i + 1]
        hl = 2
        if n & 0x80:
            k = n & 0x7f
            n = int.from_bytes(der[i + 2:i + 2 + k], "big")
            hl = 2 + k
        out.append((tag, der[i:i + hl + n], der[i + hl:i + hl + n]))
        i += hl + n
    return out


def contents(der):
    return parse(der)[0][2]


ECDSA_SHA256 = bytes.fromhex("300a06082a8648ce3d040302")


def resign(tbs_fields, outer_alg=None):
    """A Certificate from TBSCertificate fields (whole elements), signed by
    the subordinate CA's key with ECDSA/SHA-256."""
    tbs = tlv(0x30, b"".join(tbs_fields))
    sig = K_SUB.sign(tbs, ec.ECDSA(hashes.SHA256()))
    return tlv(0x30, tbs + (outer_alg or ECDSA_SHA256) + tlv(0x03, b"\x00" + sig))


def fields_of(cert):
    return [e for _, e, _ in parse(contents(cert.tbs_certificate_bytes))]


def der_pem(der):
    import base64
    b = base64.encodebytes(der).replace(b"\n", b"")
    lines = [b[i:i + 64] for i in range(0, len(b), 64)]
    return b"-----BEGIN CERTIFICATE-----\n" + b"\n".join(lines) + b"\n-----END CERTIFICATE-----\n"


def exts_of(fields):
    """The Extension elements of fields[-1] ([3] EXPLICIT Extensions)."""
    return [e for _, e, _ in parse(contents(contents(fields[-1])))]


def with_exts(fields, exts):
    return fields[:-1] + [tlv(0xa3, tlv(0x30, b"".join(exts)))]


def main():
    r = root()
    s = sub()
    write("root.pem", pem(r))
    write("sub.pem", pem(s))
    good = leaf()
    write("good_leaf.pem", pem(good))
    write("good_rsa_leaf.pem", pem(leaf(key=K_RSA, ku=x509.KeyUsage(
        True, False, True, False, False, False, False, False, False))))
    write("good_ip_leaf.pem", pem(leaf(san=("192.0.43.10",), cn="192.0.43.10")))
    write("good_2026_200_days.pem", pem(leaf(nb=dt.datetime(2026, 4, 1, tzinfo=UTC), days=200)))
    # Before the rules' dates: a 2011 certificate valid five years, with an
    # internal name, is what the BRs of the time allowed.
    write("good_2011_old_rules.pem", pem(leaf(nb=dt.datetime(2011, 3, 1, tzinfo=UTC),
                                              days=5 * 365, san=("mail.corp",), cn="mail.corp",
                                              policies=None, aia=None)))

    v = {}
    v["cert.validity_too_long__399_days"] = leaf(days=399)
    v["cert.validity_too_long__201_days_in_2026"] = leaf(
        nb=dt.datetime(2026, 4, 1, tzinfo=UTC), days=201)
    v["cert.validity_too_long__101_days_in_2027"] = leaf(
        nb=dt.datetime(2027, 4, 1, tzinfo=UTC), days=101)
    v["cert.validity_too_long__48_days_in_2029"] = leaf(
        nb=dt.datetime(2029, 4, 1, tzinfo=UTC), days=48)
    v["cert.san_missing__no_san"] = leaf(san=None)
    v["cert.san_invalid__internal_name"] = leaf(san=("intranet.local",), cn="intranet.local")
    v["cert.san_invalid__single_label"] = leaf(san=("intranet",), cn="intranet")
    v["cert.san_invalid__wildcard_middle"] = leaf(san=("a.*.example.com",), cn=None)
    v["cert.san_invalid__wildcard_tld"] = leaf(san=("*.com",), cn=None)
    v["cert.san_invalid__underscore"] = leaf(san=("a_b.example.com",), cn=None)
    v["cert.san_invalid__label_64"] = leaf(san=("a" * 64 + ".example.com",), cn=None)
    v["cert.san_invalid__trailing_dot"] = leaf(san=("www.example.com.",), cn=None)
    v["cert.san_invalid__reserved_ip"] = leaf(san=("10.1.2.3",), cn=None)
    v["cert.san_invalid__email"] = leaf(
        san=("www.example.com", x509.RFC822Name("a@example.com")))
    v["cert.cn_not_in_san__other_name"] = leaf(cn="other.example.com")
    v["cert.cn_not_in_san__case"] = leaf(cn="WWW.example.com")
    v["cert.eku_invalid__missing"] = leaf(eku=None)
    v["cert.eku_invalid__any"] = leaf(eku=(ExtendedKeyUsageOID.SERVER_AUTH,
                                           ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE))
    v["cert.eku_invalid__client_only"] = leaf(eku=(ExtendedKeyUsageOID.CLIENT_AUTH,))
    v["cert.eku_invalid__email"] = leaf(eku=(ExtendedKeyUsageOID.SERVER_AUTH,
                                             ExtendedKeyUsageOID.EMAIL_PROTECTION))
    v["cert.key_usage_invalid__ec_key_encipherment"] = leaf(ku=x509.KeyUsage(
        True, False, True, False, False, False, False, False, False))
    v["cert.key_usage_invalid__rsa_key_agreement"] = leaf(key=K_RSA, ku=x509.KeyUsage(
        True, False, False, False, True, False, False, False, False))
    v["cert.basic_constraints_invalid__not_critical"] = leaf(bc_crit=False)
    v["cert.extension_criticality__ku_not_critical"] = leaf(ku_crit=False)
    v["cert.policies_invalid__missing"] = leaf(policies=None)
    v["cert.policies_invalid__two_reserved"] = leaf(policies=(DV, OV))
    v["cert.policies_invalid__any_policy"] = leaf(policies=(DV, ANY))
    v["cert.aia_invalid__missing"] = leaf(aia=None)
    v["cert.aia_invalid__https"] = leaf(aia="https://ca.example.com/sub.der")
    v["cert.crldp_invalid__ldap"] = leaf(crldp="ldap://ldap.example.com/cn=sub")
    v["cert.crldp_missing__no_ocsp"] = leaf(crldp=None)
    v["cert.aki_invalid__missing"] = leaf(with_aki=False)
    v["cert.aki_invalid__critical"] = leaf(aki_crit=True)
    v["cert.signature_algorithm_invalid__sha1"] = None  # below: an RSA signer
    v["cert.key_weak__rsa_1024"] = leaf(key=rsa.generate_private_key(65537, 1024), ku=x509.KeyUsage(
        True, False, True, False, False, False, False, False, False))
    v["cert.spki_algorithm_invalid__secp256k1"] = leaf(key=ec.generate_private_key(ec.SECP256K1()))
    del v["cert.signature_algorithm_invalid__sha1"]
    for k, c in v.items():
        write(k + ".pem", pem(c))

    # CA certificates
    write("cert.crldp_missing__sub_ca.pem", pem(sub(drop=(x509.CRLDistributionPoints,))))
    write("cert.ski_invalid__sub_ca_without_ski.pem", pem(sub(drop=(x509.SubjectKeyIdentifier,))))
    write("cert.policies_invalid__sub_ca_without_policies.pem",
          pem(sub(drop=(x509.CertificatePolicies,))))
    write("cert.eku_invalid__root_with_eku.pem", pem(root(exts=[(x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.SERVER_AUTH]), False)])))

    # DER edits of the good leaf's TBSCertificate
    f = fields_of(good)
    # f: [0] version, serial, sigalg, issuer, validity, subject, spki, [3] exts
    ver, ser, alg, iss, val, subj, spki, exts = f
    def out(rule, fields, outer=None):
        write(rule + ".pem", der_pem(resign(fields, outer)))
    out("cert.serial_not_positive__negative", [ver, bytes.fromhex("0209ff2233445566778899")] + f[2:])
    out("cert.serial_not_positive__zero", [ver, bytes.fromhex("020100")] + f[2:])
    out("cert.serial_too_long__21_octets", [ver, tlv(0x02, b"\x11" * 21)] + f[2:])
    out("cert.serial_too_short__sequential", [ver, bytes.fromhex("02020401")] + f[2:])
    out("cert.version_invalid__v1", [ser, alg, iss, val, subj, spki])
    out("cert.unique_id_present__subject_uid", f[:7] + [tlv(0x82, b"\x00\x01\x02")] + f[7:])
    ext_list = exts_of(f)
    out("cert.extension_duplicate__san_twice", with_exts(f, ext_list + [ext_list[0]]))
    out("cert.extensions_empty__empty_sequence", f[:7] + [tlv(0xa3, tlv(0x30, b""))])
    gen = lambda s: tlv(0x18, s.encode())
    out("cert.time_encoding__generalized_before_2050",
        f[:4] + [tlv(0x30, gen("20250601000000Z") + gen("20250829235959Z"))] + f[5:])
    out("cert.signature_algorithm_mismatch__outer_differs", f,
        bytes.fromhex("300a06082a8648ce3d040303"))
    out("cert.signature_algorithm_invalid__rsa_without_null",
        f[:2] + [bytes.fromhex("300b06092a864886f70d01010b")] + f[3:],
        bytes.fromhex("300b06092a864886f70d01010b"))
    out("cert.signature_algorithm_invalid__md5",
        f[:2] + [bytes.fromhex("300d06092a864886f70d0101040500")] + f[3:],
        bytes.fromhex("300d06092a864886f70d0101040500"))
    # The RSA leaf's key: without NULL; even; with a factor 3; an EC point
    # off its curve.
    rsa_good = leaf(key=K_RSA, ku=x509.KeyUsage(True, False, True, False, False, False, False,
                                                False, False))
    rf = fields_of(rsa_good)
    rspki = parse(contents(rf[6]))
    alg_no_null = bytes.fromhex("300b06092a864886f70d010101")
    out("cert.spki_algorithm_invalid__rsa_without_null",
        rf[:6] + [tlv(0x30, alg_no_null + rspki[1][1])] + rf[7:])
    nums = K_RSA.public_key().public_numbers()

    def rsa_spki(n, e):
        def integer(v):
            b = v.to_bytes((v.bit_length() + 8) // 8, "big")
            return tlv(0x02, b)
        key = tlv(0x30, integer(n) + integer(e))
        return tlv(0x30, rspki[0][1] + tlv(0x03, b"\x00" + key))
    out("cert.key_weak__even_modulus", rf[:6] + [rsa_spki(nums.n - 1, 65537)] + rf[7:])
    n3 = nums.n - nums.n % 3
    if n3 % 2 == 0:
        n3 += 3
    out("cert.key_weak__factor_3", rf[:6] + [rsa_spki(n3, 65537)] + rf[7:])
    out("cert.key_weak__exponent_1", rf[:6] + [rsa_spki(nums.n, 1)] + rf[7:])
    espki = bytearray(spki)
    espki[-1] ^= 0x01
    out("cert.key_weak__ec_point_off_curve", f[:6] + [bytes(espki)] + f[7:])


if __name__ == "__main__":
    main()
