#!/usr/bin/python3
"""Builds the cross-object CT vectors under tests/data/ct3/ for
tests/cli/ct_cross.sh and tests/unit/ct3_oracle_test.c. Run from anywhere:

    /usr/bin/python3 tests/data/ct3/make_ct3_vectors.py

Needs Debian's python3-cryptography. See README.md for what each file is and
the rule it exercises.

Reuses tests/data/sct/make_sct_vectors.py: its RFC 6979 ECDSA, SCT encoding,
and its committed keys (the three logs, the CA, the Precertificate Signing
CA, the leaf key); ca.pem and ps.pem there are the issuers of most vectors
here. Keys only this script needs are kept here as *.key.pem (a missing one
is generated, which changes every file that depends on it). Dates, serials
and every signature are deterministic (RSA PKCS#1 v1.5, RFC 6979 ECDSA), so
running the script again rewrites every file byte for byte.

Each SCT is signed over the RFC 6962 §3.2 precert entry whose TBS comes from
a separately built certificate with the precertificate's fields and no CT
extension, never from the final certificate, so the C rebuild is checked
against an independent encoding. Where a vector needs an SCT that does not
match its certificate (issued for another precertificate, a corrupted
signature), that is said at the vector.
"""

import base64
import datetime
import hashlib
import json
import os
import sys

sys.dont_write_bytecode = True

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

HERE = os.path.dirname(os.path.abspath(__file__))
SCT_DIR = os.path.join(HERE, os.pardir, "sct")
sys.path.insert(0, SCT_DIR)
import make_sct_vectors as sv  # noqa: E402

UTC = datetime.timezone.utc
OID_DV = ObjectIdentifier("2.23.140.1.2.1")
OID_PRIVATE = ObjectIdentifier("1.3.6.1.4.1.55555.1")


def dt(*a):
    return datetime.datetime(*a, tzinfo=UTC)


def rfc3339(d):
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- files and keys ----


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def write_cert(name, cert):
    write(name, cert.public_bytes(serialization.Encoding.PEM))


def sct_key(name):
    """A key committed by the SCT generator; never made here."""
    with open(os.path.join(SCT_DIR, name), "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def own_key(name, make):
    return sv.load_or_make_key(name, make, HERE)


def make_p256():
    return ec.generate_private_key(ec.SECP256R1())


def make_rsa():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


# ---- certificates ----


def std_exts(leaf_key, aki_key, dns):
    """The extensions of a server certificate in their usual order, with
    "CT" where the poison or the SCT list goes. Each is (extension, critical).
    They are those of the TLS BRs' subscriber profile (§7.1.2.7): AIA with
    OCSP and caIssuers (so no cRLDistributionPoints is needed, which
    tbs_ext_added adds), no subjectKeyIdentifier (not recommended since
    SC-062), a public DNS name."""
    return [
        (x509.KeyUsage(True, False, False, False, False, False, False, False, False), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (sv.aia(), False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(aki_key.public_key()), False),
        (x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), False),
        "CT",
        (x509.CertificatePolicies([x509.PolicyInformation(OID_DV, None)]), False),
    ]


class Spec:
    """Everything a certificate of this script is made from; copies with
    changes make the mismatching partners."""

    def __init__(self, serial, dns, issuer, sign_key, aki_key=None, leaf_key=None,
                 nb=dt(2025, 3, 1), na=dt(2025, 5, 30, 23, 59, 59), subject=None,
                 exts=None, hash_alg=None):
        self.serial = serial
        self.dns = dns if isinstance(dns, list) else [dns]
        self.issuer = issuer
        self.sign_key = sign_key
        self.aki_key = aki_key or sign_key
        self.leaf_key = leaf_key or LEAF_KEY
        self.nb, self.na = nb, na
        self.subject = subject or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                                self.dns[0])])
        self.exts = exts if exts is not None else std_exts(self.leaf_key, self.aki_key,
                                                          self.dns)
        self.hash_alg = hash_alg or hashes.SHA256()

    def but(self, **kw):
        s = Spec.__new__(Spec)
        s.__dict__.update(self.__dict__)
        s.__dict__.update(kw)
        return s

    def build(self, ct=None):
        """ct: None (no CT extension: the precert entry's TBS, or a plain
        certificate), "poison", or an SCT list extnValue."""
        b = (x509.CertificateBuilder()
             .serial_number(sv.serial(self.serial))
             .issuer_name(self.issuer)
             .subject_name(self.subject)
             .public_key(self.leaf_key.public_key())
             .not_valid_before(self.nb)
             .not_valid_after(self.na))
        for e in self.exts:
            if e == "CT":
                if ct == "poison":
                    b = b.add_extension(x509.PrecertPoison(), True)
                elif ct is not None:
                    b = b.add_extension(x509.UnrecognizedExtension(sv.OID_SCT_LIST, ct), False)
                continue
            b = b.add_extension(e[0], e[1])
        return b.sign(self.sign_key, self.hash_alg)

    def entry_tbs(self):
        return self.build(None).tbs_certificate_bytes


def scts_for(entry_spec, logs_times, ikh=None):
    """SCTs over entry_spec's precert entry: [(log, ms)]."""
    entry = sv.precert_entry(ikh or CA_HASH, entry_spec.entry_tbs())
    return [sv.make_sct(log, ms, 1, entry) for log, ms in logs_times]


def pair(name, spec, logs_times, final_spec=None, sct_spec=None, ikh=None):
    """Writes NAME_pre.pem and NAME_final.pem: the precertificate of spec
    and the final certificate of final_spec (default spec) embedding SCTs
    issued for sct_spec's entry (default spec: what the log saw)."""
    scts = scts_for(sct_spec or spec, logs_times, ikh)
    write_cert(name + "_pre.pem", spec.build("poison"))
    fin = (final_spec or spec).build(sv.sct_list_value(scts))
    write_cert(name + "_final.pem", fin)
    return fin


def final_only(name, spec, logs_times, corrupt=None):
    """A final certificate alone; corrupt = index of an SCT whose signature
    gets a flipped byte."""
    scts = scts_for(spec, logs_times)
    if corrupt is not None:
        s = bytearray(scts[corrupt])
        s[-10] ^= 0x01
        scts[corrupt] = bytes(s)
    write_cert(name + ".pem", spec.build(sv.sct_list_value(scts)))


def der_tlv(tag, content):
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    lb = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(lb)]) + lb + content


def der_split(b):
    """(tag, content, rest) of the first element of b."""
    tag, n, off = b[0], b[1], 2
    if n & 0x80:
        off = 2 + (n & 0x7F)
        n = int.from_bytes(b[2:off], "big")
    return tag, b[off:off + n], b[off + n:]


def replace_ext(tbs, old, new):
    """The TBS with one Extension element replaced, lengths rewritten."""
    _, body, _ = der_split(tbs)
    out = b""
    while body:
        tag, content, rest = der_split(body)
        if tag == 0xA3:
            _, exts, _ = der_split(content)
            assert exts.count(old) == 1
            content = der_tlv(0x30, exts.replace(old, new))
        out += der_tlv(tag, content)
        body = rest
    return der_tlv(0x30, out)


def resign(cert, tbs, key):
    """A certificate of tbs with cert's signature algorithm (RSA PKCS#1
    v1.5, SHA-256), signed by key."""
    _, body, _ = der_split(cert.public_bytes(serialization.Encoding.DER))
    _, _, rest = der_split(body)
    sig_alg = rest[:len(rest) - len(der_split(rest)[2])]
    sig = key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    return der_tlv(0x30, tbs + sig_alg + der_tlv(0x03, b"\x00" + sig))


def pem(der_bytes):
    b64 = base64.b64encode(der_bytes).decode()
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    return ("-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) +
            "\n-----END CERTIFICATE-----\n").encode()


def ms(d, extra_ms=0):
    return sv.ms(d) + extra_ms


# ---- log list ----


def log_entry(desc, log, state, state_ts, interval=None, prev=None):
    e = {
        "description": desc,
        "log_id": base64.b64encode(log.log_id).decode(),
        "key": base64.b64encode(log.spki).decode(),
        "url": "https://%s.ct3.example.invalid/" % desc.split()[1].lower(),
        "mmd": 86400,
        "state": {state: {"timestamp": rfc3339(state_ts)}},
    }
    if interval:
        e["temporal_interval"] = {"start_inclusive": rfc3339(interval[0]),
                                  "end_exclusive": rfc3339(interval[1])}
    if prev:
        e["previous_operators"] = [{"name": n, "end_time": rfc3339(t)} for n, t in prev]
    return e


def main():
    global LEAF_KEY, CA_HASH
    sv.self_test_rfc6979()

    # Logs. A1, B, C are the SCT generator's (P-256, RSA, P-384).
    log_a1 = sv.Log(sct_key("log_ec.key.pem"))
    log_b = sv.Log(sct_key("log_rsa.key.pem"))
    log_c = sv.Log(sct_key("log_p384.key.pem"))
    log_a2 = sv.Log(own_key("log_a2.key.pem", make_p256))
    log_a3 = sv.Log(own_key("log_a3.key.pem", make_p256))
    log_d = sv.Log(own_key("log_pending.key.pem", make_p256))
    log_e = sv.Log(own_key("log_shard.key.pem", make_p256))
    log_f = sv.Log(own_key("log_qualified.key.pem", make_p256))
    log_x = sv.Log(own_key("log_unknown.key.pem", make_p256))
    # Public keys for the OpenSSL oracle (sct_verify_test.c); the unknown
    # log's is left out on purpose.
    for log, stem in ((log_a2, "log_a2"), (log_a3, "log_a3"), (log_d, "log_pending"),
                      (log_e, "log_shard"), (log_f, "log_qualified")):
        write(stem + ".pub.pem", log.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))

    since = dt(2024, 1, 1)
    loglist = {
        "version": "1.0",
        "log_list_timestamp": "2025-03-01T00:00:00Z",
        "operators": [
            {"name": "ct3 Operator A", "email": ["a@ct3.example.invalid"], "logs": [
                log_entry("ct3 A1 P-256", log_a1, "usable", since),
                log_entry("ct3 A2 P-256", log_a2, "usable", since),
                log_entry("ct3 A3 P-256 (Operator C until 2025-06-01)", log_a3, "usable", since,
                          prev=[("ct3 Operator C", dt(2025, 6, 1))]),
            ]},
            {"name": "ct3 Operator B", "email": ["b@ct3.example.invalid"], "logs": [
                log_entry("ct3 B RSA", log_b, "usable", since),
            ]},
            {"name": "ct3 Operator C", "email": ["c@ct3.example.invalid"], "logs": [
                log_entry("ct3 C P-384", log_c, "usable", since),
            ]},
            {"name": "ct3 Operator D", "email": ["d@ct3.example.invalid"], "logs": [
                log_entry("ct3 D pending", log_d, "pending", dt(2024, 6, 1)),
                log_entry("ct3 F qualified 2025-03-15", log_f, "qualified", dt(2025, 3, 15)),
            ]},
            {"name": "ct3 Operator E", "email": ["e@ct3.example.invalid"], "logs": [
                log_entry("ct3 E shard 2026", log_e, "usable", since,
                          interval=(dt(2026, 1, 1), dt(2027, 1, 1))),
            ]},
        ],
    }
    ll = (json.dumps(loglist, indent=1) + "\n").encode()
    write("loglist.json", ll)
    signer = own_key("loglist_signer.key.pem", make_rsa)
    write("loglist.json.sig", signer.sign(ll, padding.PKCS1v15(), hashes.SHA256()))
    write("loglist_signer.pub.pem", signer.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))

    # Issuers: the SCT generator's CA and Precertificate Signing CA.
    ca_key = sct_key("ca.key.pem")
    ps_key = sct_key("ps.key.pem")
    LEAF_KEY = sct_key("leaf.key.pem")
    CA_HASH = hashlib.sha256(sv.spki(ca_key)).digest()
    ca_name = sv.name("caguard SCT test CA")
    ps_name = sv.name("caguard SCT test Precertificate Signing")
    with open(os.path.join(SCT_DIR, "ca.pem"), "rb") as f:
        assert x509.load_pem_x509_certificate(f.read()).subject == ca_name
    leaf2_key = own_key("leaf2.key.pem", make_p256)

    t0 = dt(2025, 3, 1, 0, 0, 1)
    std = [(log_a1, ms(t0, 234)), (log_b, ms(t0, 251))]

    def ca_spec(serial, dns, **kw):
        return Spec(serial, dns, ca_name, ca_key, **kw)

    # ---- clean controls ----
    # Three logs, three operators; the poison sits at the start of the
    # precertificate's extensions and the SCT list at the end of the final
    # certificate's: both are skipped wherever they stand.
    s = ca_spec(0xC73001, "clean.ct3.example.com")
    pair("clean", s, std + [(log_c, ms(t0, 299))])
    moved = s.but(serial=0xC73009, dns=["moved.ct3.example.com"],
                  subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                        "moved.ct3.example.com")]))
    moved.exts = std_exts(LEAF_KEY, ca_key, moved.dns)
    core = [e for e in moved.exts if e != "CT"]
    pre_spec = moved.but(exts=["CT"] + core)
    fin_spec = moved.but(exts=core + ["CT"])
    scts = scts_for(pre_spec, std)
    write_cert("moved_pre.pem", pre_spec.build("poison"))
    write_cert("moved_final.pem", fin_spec.build(sv.sct_list_value(scts)))

    # ---- seed: two precertificates, one serial ----
    a = ca_spec(0xC73002, "twopre.ct3.example.com")
    b = a.but(dns=["twopre.ct3.example.com", "twopre-b.ct3.example.com"])
    b.exts = std_exts(LEAF_KEY, ca_key, b.dns)
    write_cert("twopre_a.pem", a.build("poison"))
    write_cert("twopre_b.pem", b.build("poison"))
    # The final certificate is A's; its SCTs were issued for B.
    scts = scts_for(b, std)
    write_cert("twopre_final.pem", a.build(sv.sct_list_value(scts)))

    # ---- seed: validity mismatch ----
    s = ca_spec(0xC73003, "validity.ct3.example.com")
    pair("validity", s, std, final_spec=s.but(na=dt(2025, 5, 31, 23, 59, 59)))

    # ---- TBS mismatches: the log saw the precertificate ----
    def mismatch(name, serial, change):
        s = ca_spec(serial, name.replace("_", "-") + ".ct3.example.com")
        pair("tbs_" + name, s, std, final_spec=change(s))

    def with_exts(s, f):
        return s.but(exts=f(list(s.exts)))

    crldp = (x509.CRLDistributionPoints([x509.DistributionPoint(
        [x509.UniformResourceIdentifier("http://crl.ct3.example.com/ca.crl")], None, None, None)]),
        False)
    mismatch("ext_added", 0xC73010, lambda s: with_exts(s, lambda e: e + [crldp]))
    mismatch("ext_removed", 0xC73011, lambda s: with_exts(s, lambda e: e[:-1]))
    mismatch("ext_reordered", 0xC73012, lambda s: with_exts(s, lambda e: [e[1], e[0]] + e[2:]))
    mismatch("ext_changed", 0xC73013, lambda s: with_exts(
        s, lambda e: e[:5] + [(x509.SubjectAlternativeName(
            [x509.DNSName("other.ct3.example.com")]), False)] + e[6:]))
    mismatch("ext_critical", 0xC73014, lambda s: with_exts(
        s, lambda e: [e[0], (e[1][0], True)] + e[2:]))
    private_a = (x509.UnrecognizedExtension(OID_PRIVATE, b"\x05\x00"), False)
    private_b = (x509.UnrecognizedExtension(OID_PRIVATE, b"\x01\x01\xff"), False)
    s = ca_spec(0xC73015, "ext-private.ct3.example.com")
    s = with_exts(s, lambda e: e + [private_a])
    pair("tbs_ext_private", s, std, final_spec=with_exts(s, lambda e: e[:-1] + [private_b]))
    # The certificate writes extKeyUsage's critical FALSE out (BER, not
    # DER): same flag, same value, other bytes. Built by hand from the TBS.
    s = ca_spec(0xC73019, "ext-encoding.ct3.example.com")
    eku = der_tlv(0x30, der_tlv(0x06, bytes.fromhex("551d25")) +
                  der_tlv(0x04, x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])
                          .public_bytes()))
    eku_false = der_tlv(0x30, der_tlv(0x06, bytes.fromhex("551d25")) + b"\x01\x01\x00" +
                        der_tlv(0x04, x509.ExtendedKeyUsage(
                            [ExtendedKeyUsageOID.SERVER_AUTH]).public_bytes()))
    write_cert("tbs_ext_encoding_pre.pem", s.build("poison"))
    good = s.build(sv.sct_list_value(scts_for(s, std)))
    write("tbs_ext_encoding_final.pem", pem(resign(good, replace_ext(
        good.tbs_certificate_bytes, eku, eku_false), ca_key)))
    mismatch("subject", 0xC73016, lambda s: s.but(subject=x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "someone-else.ct3.example.com")])))
    mismatch("spki", 0xC73017, lambda s: s.but(leaf_key=leaf2_key))
    mismatch("sigalg", 0xC73018, lambda s: s.but(hash_alg=hashes.SHA384()))

    # ---- duplicate final certificates ----
    s = ca_spec(0xC73020, "dupcert-a.ct3.example.com")
    write_cert("dupcert_a.pem", s.build(None))
    s2 = s.but(dns=["dupcert-b.ct3.example.com"],
               subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                     "dupcert-b.ct3.example.com")]))
    s2.exts = std_exts(LEAF_KEY, ca_key, s2.dns)
    write_cert("dupcert_b.pem", s2.build(None))
    # Two final certificates from one precertificate (clean's), with
    # different SCT lists: two certificates, one serial.
    s = ca_spec(0xC73001, "clean.ct3.example.com")
    write_cert("clean_final_resigned.pem", s.build(sv.sct_list_value(
        scts_for(s, [(log_a1, ms(t0, 234)), (log_c, ms(t0, 299))]))))

    # ---- issuer found only through AKI/SKI ----
    # The CA's subject is all PrintableString; the certificates name it with
    # UTF8String O and CN: equal under RFC 5280 §7.1, different bytes.
    enc_key = own_key("ca_enc.key.pem", make_rsa)
    twin_key = own_key("ca_enc_twin.key.pem", make_rsa)
    printable = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "XX"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "caguard test", _ASN1Type.PrintableString),
        x509.NameAttribute(NameOID.COMMON_NAME, "caguard CT3 encoding CA",
                           _ASN1Type.PrintableString),
    ])
    utf8 = sv.name("caguard CT3 encoding CA")
    enc = sv.ca_cert(enc_key, printable, sv.serial(0x31))
    write_cert("ca_enc.pem", enc)
    # Same subject bytes as the certificates' issuer field, another key, and
    # an SKI copied from ca_enc.pem: only the signature tells it apart.
    enc_ski = x509.SubjectKeyIdentifier.from_public_key(enc_key.public_key())
    twin = (x509.CertificateBuilder()
            .serial_number(sv.serial(0x32))
            .issuer_name(utf8)
            .subject_name(utf8)
            .public_key(twin_key.public_key())
            .not_valid_before(dt(2024, 1, 1))
            .not_valid_after(dt(2034, 1, 1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), True)
            .add_extension(enc_ski, False)
            .sign(twin_key, hashes.SHA256()))
    assert enc.subject.public_bytes() != utf8.public_bytes()
    write_cert("ca_enc_twin.pem", twin)
    s = Spec(0xC73025, "aki.ct3.example.com", utf8, enc_key)
    pair("aki", s, std, ikh=hashlib.sha256(sv.spki(enc_key)).digest())

    # An AKI that matches no SKI (a CA's mistake): Name bytes and the
    # signature still identify ca.pem.
    s = ca_spec(0xC73026, "aki-wrong.ct3.example.com")
    s.exts = [(x509.AuthorityKeyIdentifier(b"\xaa" * 20, None, None), False)
              if e != "CT" and isinstance(e[0], x509.AuthorityKeyIdentifier) else e
              for e in s.exts]
    pair("aki_wrong", s, std)

    # ---- Precertificate Signing Certificate (sct/ps.pem) ----
    # A pair whose SAN differs: the issuer and AKI differ legitimately and
    # must not be named; the SAN must.
    s = Spec(0xC73030, "ps-mismatch.ct3.example.com", ca_name, ca_key)
    pre = Spec(0xC73030, "ps-mismatch.ct3.example.com", ps_name, ps_key)
    fin = s.but(dns=["ps-other.ct3.example.com"])
    fin.exts = std_exts(LEAF_KEY, ca_key, fin.dns)
    write_cert("ps_mismatch_pre.pem", pre.build("poison"))
    write_cert("ps_mismatch_final.pem", fin.build(sv.sct_list_value(scts_for(s, std))))
    for name, serial, nb in (("ps_sunset_pre.pem", 0xC73031, dt(2026, 4, 1)),
                             ("ps_before_sunset_pre.pem", 0xC73032,
                              dt(2026, 3, 14, 23, 59, 59)),
                             ("ps_at_sunset_pre.pem", 0xC73033, dt(2026, 3, 15))):
        p = Spec(serial, name[:-4].replace("_", "-") + ".ct3.example.com", ps_name, ps_key, nb=nb,
                 na=nb + datetime.timedelta(days=90))
        write_cert(name, p.build("poison"))

    # ---- per-SCT rules (final certificates alone) ----
    final_only("sct_unknown_log", ca_spec(0xC73040, "unknown-log.ct3.example.com"),
               std + [(log_x, ms(t0, 300))])
    # SCT B is dated 2025-04-02, after --at 2025-04-01; notBefore is 36 h
    # before it, so the backdating rule stays quiet.
    nb = dt(2025, 3, 31, 12)
    final_only("sct_future", ca_spec(0xC73041, "future.ct3.example.com", nb=nb,
                                     na=nb + datetime.timedelta(days=90)),
               [(log_a1, ms(nb, 1000)), (log_b, ms(dt(2025, 4, 2)))])
    nb = dt(2025, 3, 1)
    h48 = 48 * 3600 * 1000
    for name, serial, extra in (("sct_backdated", 0xC73042, 1000),
                                ("sct_backdated_48h", 0xC73043, 0),
                                ("sct_backdated_48h_1ms", 0xC73044, 1)):
        final_only(name, ca_spec(serial, name.replace("_", "-") + ".ct3.example.com"),
                   [(log_a1, ms(nb, h48 + extra)), (log_b, ms(nb, 1000))])
    final_only("sct_log_pending", ca_spec(0xC73045, "pending.ct3.example.com"),
               std + [(log_d, ms(t0, 400)), (log_f, ms(t0, 401))])
    final_only("sct_shard_out", ca_spec(0xC73046, "shard-out.ct3.example.com"),
               std + [(log_e, ms(t0, 500))])
    final_only("sct_shard_in", ca_spec(0xC73047, "shard-in.ct3.example.com", na=dt(2026, 2, 1)),
               std + [(log_e, ms(t0, 500))])
    final_only("sct_bad_rsa_sig", ca_spec(0xC73048, "bad-rsa.ct3.example.com"), std, corrupt=1)

    # ---- policies ----
    final_only("policy_one_operator", ca_spec(0xC73050, "one-operator.ct3.example.com"),
               [(log_a1, ms(t0, 1)), (log_a2, ms(t0, 2))])
    final_only("policy_previous_operator", ca_spec(0xC73051, "previous-operator.ct3.example.com"),
               [(log_a1, ms(t0, 1)), (log_a3, ms(t0, 2))])
    final_only("policy_200d", ca_spec(0xC73052, "200d.ct3.example.com",
                                      na=nb + datetime.timedelta(days=200)), std)
    final_only("policy_180d", ca_spec(0xC73053, "180d.ct3.example.com",
                                      na=nb + datetime.timedelta(days=180)), std)
    final_only("policy_ok", ca_spec(0xC73054, "ok.ct3.example.com"), std)


if __name__ == "__main__":
    main()
