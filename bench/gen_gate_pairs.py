#!/usr/bin/python3
"""Precertificate/final certificate pairs for bench/serve_bench.sh's gate
flow: N distinct serials, each a precertificate and its final certificate
embedding two SCTs (from the test logs A1, P-256, and B, RSA, of
tests/data/ct3/loglist.json, two operators) signed over the precertificate
entry, issued by the test CA of tests/data/sct. Each pair passes the gate
at 2025-04-01 (correspondence, SCTs, CT policies).

usage: gen_gate_pairs.py N OUT_DIR
Writes OUT_DIR/pairs.txt: one line per pair, "PRECERT_B64 CERT_B64" (DER).
"""
import base64
import datetime
import hashlib
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "data", "sct"))
import make_sct_vectors as sv  # noqa: E402

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402


class FastLog(sv.Log):
    """A test log signing with OpenSSL's ECDSA (a random nonce) rather than
    the vectors' deterministic one in Python: the same SCT format, faster."""

    def sign(self, data):
        if self.is_rsa:
            return super().sign(data)
        return sv.SIG_ECDSA, self.key.sign(data, ec.ECDSA(hashes.SHA256()))


def key(name):
    path = os.path.join(ROOT, "tests", "data", "sct", name)
    return serialization.load_pem_private_key(open(path, "rb").read(), None)


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    ca_key = key("ca.key.pem")
    ca = x509.load_pem_x509_certificate(open(os.path.join(ROOT, "tests/data/sct/ca.pem"),
                                             "rb").read())
    leaf_key = key("leaf.key.pem")
    logs = [FastLog(key("log_ec.key.pem")), FastLog(key("log_rsa.key.pem"))]
    ikh = hashlib.sha256(ca.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).digest()
    ts = sv.ms(datetime.datetime(2025, 3, 1, 0, 0, 1, tzinfo=sv.UTC))
    with open(os.path.join(out, "pairs.txt"), "w") as f:
        for i in range(n):
            serial = 0xC7000000000000000000 + i
            dns = f"host{i}.gate.example.com"
            pre = sv.leaf(serial, dns, leaf_key, ca.subject, ca_key, ca_key, "poison")
            # The TBS a log signs: the precertificate's without the poison,
            # which is what a leaf with no CT extension has.
            bare = sv.leaf(serial, dns, leaf_key, ca.subject, ca_key, ca_key, None)
            entry = sv.precert_entry(ikh, sv.tbs_der(bare))
            scts = [sv.make_sct(lg, ts + k, 1, entry) for k, lg in enumerate(logs)]
            final = sv.leaf(serial, dns, leaf_key, ca.subject, ca_key, ca_key,
                            sv.sct_list_value(scts))
            b64 = [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
                   for c in (pre, final)]
            f.write(f"{b64[0]} {b64[1]}\n")


main()
