#!/usr/bin/python3
"""CRL vectors for tests/cli/crlwatch.sh, made at test time because the CRL
watcher dates what it fetches with the real clock: thisUpdate and nextUpdate
are relative to now, and the certificates' CRL distribution points name the
test's server.

    crlwatch_gen.py OUTDIR BASE_URL [main4]

BASE_URL is the server's "http://127.0.0.1:PORT". Written to OUTDIR:
  ca1.pem, leaves1.pem   CA 1 and its leaves, serials S(0x101)-S(0x103), CRL DP
                         BASE/files/main.crl, valid 90 days (30 of them past)
  main1.crl .. main4.crl CA 1's CRLs of one scope, in order:
      1  number 1: 0x101 revoked
      2  number 2: 0x101 and 0x102 (0x102 revoked 10 minutes ago)
      3  number 3: 0x102 only (0x101 dropped while its certificate is valid)
      4  number 4: 0x102; nextUpdate 3 seconds from now (goes stale; made alone
         with the third argument main4, just before it is served)
  big.crl                CA 1's CRL of another scope with 400 entries
  p1.crl, p2.crl         CA 1's partitioned CRLs (IDP BASE/files/p1.crl, p2.crl)
  list.json              ["BASE/files/p1.crl", "BASE/files/p2.crl"]
  ca2.pem, leaf2.pem     CA 2 and a leaf (serial S(0x201)) whose CRL DP is
                         BASE/files/dp2.crl
  dp2.crl                CA 2's CRL (IDP BASE/files/dp2.crl), 0x201 revoked
S(n) is a 96-bit serial, 5ca90a2de7b14c3f above n (0x101 is
5ca90a2de7b14c3f00000101), as the repository's other test PKIs have. The
certificates follow the TLS BRs' profiles (the profile is on in the test):
P-256 keys from fixed seeds, ECDSA with SHA-256; the CAs roots with
keyUsage; the leaves subscriber certificates (public DNS name, EKU
serverAuth, the DV policy, AIA with OCSP and caIssuers, 90 days)."""

import datetime as dt
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

sys.dont_write_bytecode = True
# aia() of the SCT vectors' generator (tests/data/sct).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "data",
                                "sct"))
import make_sct_vectors as sv  # noqa: E402

OUT, BASE = sys.argv[1], sys.argv[2]
ONLY = sys.argv[3] if len(sys.argv) > 3 else None  # "main4": only that CRL, made now
NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
T_NOW = NOW
if ONLY == "main4":  # the entries keep the dates of the first run
    with open(os.path.join(OUT, "now.txt")) as f:
        NOW = dt.datetime.fromtimestamp(int(f.read()), dt.timezone.utc)
else:
    with open(os.path.join(OUT, "now.txt"), "w") as f:
        f.write("%d\n" % NOW.timestamp())
MIN = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)
R = x509.ReasonFlags


def key(n):
    return ec.derive_private_key(int.from_bytes(bytes([n]) * 32, "big"), ec.SECP256R1())


def S(n):
    return 0x5CA90A2DE7B14C3F << 32 | n


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "XX"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "caguard crlwatch tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def ski(k):
    return x509.SubjectKeyIdentifier.from_public_key(k.public_key())


def aki(k):
    return x509.AuthorityKeyIdentifier(ski(k).digest, None, None)


def write(fname, data):
    with open(os.path.join(OUT, fname), "wb") as f:
        f.write(data)


def pem(obj):
    return obj.public_bytes(serialization.Encoding.PEM)


def cert(subject, issuer, sk, ik, serial, ca, crldp=None, dns=None):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(sk.public_key()).serial_number(S(serial))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(aki(ik), critical=False))
    if ca:
        b = (b.not_valid_before(NOW - 30 * DAY).not_valid_after(NOW + 3650 * DAY)
             .add_extension(ski(sk), critical=False)
             .add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                          False, False), critical=True))
    else:
        b = (b.not_valid_before(NOW - 30 * DAY).not_valid_after(NOW + 60 * DAY)
             .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False)
             .add_extension(x509.KeyUsage(True, False, False, False, False, False, False,
                                          False, False), critical=True)
             .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                            critical=False)
             .add_extension(x509.CertificatePolicies([x509.PolicyInformation(
                 x509.ObjectIdentifier("2.23.140.1.2.1"), None)]), critical=False)
             .add_extension(sv.aia("http://ocsp.crlwatch-test.example.com/",
                                   "http://ca.crlwatch-test.example.com/ca.der"),
                            critical=False))
    if crldp:
        b = b.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            [x509.UniformResourceIdentifier(crldp)], None, None, None)]), critical=False)
    return b.sign(ik, hashes.SHA256())


def idp(url):
    return x509.IssuingDistributionPoint(
        full_name=[x509.UniformResourceIdentifier(url)], relative_name=None,
        only_contains_user_certs=True, only_contains_ca_certs=False, only_some_reasons=None,
        indirect_crl=False, only_contains_attribute_certs=False)


def crl(fname, issuer, k, number, this, nxt, entries, scope):
    b = (x509.CertificateRevocationListBuilder().issuer_name(issuer).last_update(this)
         .next_update(nxt).add_extension(aki(k), critical=False)
         .add_extension(x509.CRLNumber(number), critical=False)
         .add_extension(idp(scope), critical=True))
    for serial, when, reason in entries:
        r = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when)
        if reason is not None:
            r = r.add_extension(x509.CRLReason(reason), critical=False)
        b = b.add_revoked_certificate(r.build())
    write(fname, b.sign(k, hashes.SHA256()).public_bytes(serialization.Encoding.DER))


K_CA1, K_CA2 = key(0x71), key(0x72)
C1, C2 = name("caguard crlwatch CA 1"), name("caguard crlwatch CA 2")
MAIN = BASE + "/files/main.crl"
E101 = (S(0x101), NOW - 2 * 60 * MIN, R.key_compromise)
E102 = (S(0x102), NOW - 35 * MIN, R.superseded)
if ONLY == "main4":
    crl("main4.crl", C1, K_CA1, 4, T_NOW - 1 * MIN, T_NOW + dt.timedelta(seconds=3), [E102],
        MAIN)
    sys.exit(0)
write("ca1.pem", pem(cert(C1, C1, K_CA1, K_CA1, 0x11, True)))
write("ca2.pem", pem(cert(C2, C2, K_CA2, K_CA2, 0x12, True)))
write("leaves1.pem", b"".join(pem(cert(name(f"leaf{s:x}.example.com"), C1, key(0x80 + i),
                                       K_CA1, s, False, MAIN, f"leaf{s:x}.example.com"))
                              for i, s in enumerate((0x101, 0x102, 0x103))))
write("leaf2.pem", pem(cert(name("leaf201.example.com"), C2, key(0x90), K_CA2, 0x201, False,
                            BASE + "/files/dp2.crl", "leaf201.example.com")))

crl("main1.crl", C1, K_CA1, 1, NOW - 60 * MIN, NOW + 7 * DAY, [E101], MAIN)
crl("main2.crl", C1, K_CA1, 2, NOW - 30 * MIN, NOW + 7 * DAY, [E101, E102], MAIN)
crl("main3.crl", C1, K_CA1, 3, NOW - 20 * MIN, NOW + 7 * DAY, [E102], MAIN)
crl("big.crl", C1, K_CA1, 1, NOW - 60 * MIN, NOW + 7 * DAY,
    [(0x10000 + i, NOW - 2 * DAY, R.superseded) for i in range(400)], BASE + "/files/big.crl")
for p in ("p1", "p2"):
    crl(p + ".crl", C1, K_CA1, 1, NOW - 60 * MIN, NOW + 7 * DAY,
        [(0x5000 + (p == "p2"), NOW - 2 * DAY, None)], BASE + "/files/" + p + ".crl")
write("list.json", ('["%s/files/p1.crl", "%s/files/p2.crl"]' % (BASE, BASE)).encode())
crl("dp2.crl", C2, K_CA2, 1, NOW - 60 * MIN, NOW + 7 * DAY,
    [(S(0x201), NOW - 90 * MIN, R.key_compromise)], BASE + "/files/dp2.crl")
