#!/usr/bin/env python3
"""Two CT log lists (Chrome v3 schema) for the log-list change tests.

list_a.json is the list first seen, list_b.json the one that replaces it:
  Alpha    URL moved        https://alpha.ct.example.invalid/ -> https://alpha2.ct.example.invalid/
  Beta     state changed    usable -> retired
  Delta    key changed      key ct3/log_qualified -> ct3/log_shard, same URL (so a new log ID)
  Gamma    removed
  Theta    added
  Epsilon  unchanged
list_b.json.sig is the detached signature of list_b.json with
ct3/loglist_signer.key.pem (RSA PKCS#1 v1.5, SHA-256, as Chrome signs);
list_b.bad.sig is the signature of list_a.json, which does not verify over
list_b.json. Run from this directory: python3 make_lists.py
"""
import base64
import hashlib
import json
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)


def spki(path):
    with open(os.path.join(DATA, path), "rb") as f:
        key = serialization.load_pem_public_key(f.read())
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def log(desc, keyfile, url, state, ts="2024-01-01T00:00:00Z", interval=None):
    der = spki(keyfile)
    entry = {
        "description": desc,
        "log_id": base64.b64encode(hashlib.sha256(der).digest()).decode(),
        "key": base64.b64encode(der).decode(),
        "url": url,
        "mmd": 86400,
        "state": {state: {"timestamp": ts}},
    }
    if interval:
        entry["temporal_interval"] = {"start_inclusive": interval[0],
                                      "end_exclusive": interval[1]}
    return entry


def doc(timestamp, ops):
    return {"version": "1." + timestamp[:4], "log_list_timestamp": timestamp,
            "operators": [{"name": n, "email": ["ct@" + n.lower().replace(" ", "") + ".invalid"],
                           "logs": logs} for n, logs in ops]}


ALPHA = ("Alpha", "ct3/log_a2.pub.pem")
BETA = ("Beta", "ct3/log_a3.pub.pem")
GAMMA = ("Gamma", "ct3/log_pending.pub.pem")
EPS = ("Epsilon", "sct/log_ec.pub.pem")
THETA = ("Theta", "sct/log_p384.pub.pem")
U = "https://%s.ct.example.invalid/"
SHARD = ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")

a = doc("2025-03-01T00:00:00Z", [
    ("Operator One", [
        log(ALPHA[0], ALPHA[1], U % "alpha", "usable"),
        log(BETA[0], BETA[1], U % "beta", "usable", interval=SHARD),
        log(GAMMA[0], GAMMA[1], U % "gamma", "qualified"),
    ]),
    ("Operator Two", [
        log("Delta", "ct3/log_qualified.pub.pem", U % "delta", "usable"),
        log(EPS[0], EPS[1], U % "epsilon", "usable"),
    ]),
])
b = doc("2025-06-01T00:00:00Z", [
    ("Operator One", [
        log(ALPHA[0], ALPHA[1], U % "alpha2", "usable"),
        log(BETA[0], BETA[1], U % "beta", "retired", ts="2025-05-01T00:00:00Z", interval=SHARD),
    ]),
    ("Operator Two", [
        log("Delta", "ct3/log_shard.pub.pem", U % "delta", "usable"),
        log(EPS[0], EPS[1], U % "epsilon", "usable"),
        log(THETA[0], THETA[1], U % "theta", "usable"),
    ]),
])


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def sign(data):
    with open(os.path.join(DATA, "ct3/loglist_signer.key.pem"), "rb") as f:
        key = serialization.load_pem_private_key(f.read(), None)
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


ja = (json.dumps(a, indent=1) + "\n").encode()
jb = (json.dumps(b, indent=1) + "\n").encode()
write("list_a.json", ja)
write("list_b.json", jb)
write("list_b.json.sig", sign(jb))
write("list_b.bad.sig", sign(ja))
