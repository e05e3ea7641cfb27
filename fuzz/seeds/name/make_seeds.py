#!/usr/bin/python3
"""Writes the seeds of fuzz/name_fuzz.c: pairs of Names (two bytes of the
first Name's length, the first Name, the second) that are equal under RFC
4518 preparation without being byte-identical, and some that are not.

    cd fuzz/seeds/name && /usr/bin/python3 make_seeds.py
"""

import struct

from cryptography import x509
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

P, U, B = _ASN1Type.PrintableString, _ASN1Type.UTF8String, _ASN1Type.BMPString


def name(*attrs):
    return x509.Name([x509.NameAttribute(oid, v, _type=t) for oid, v, t in attrs]).public_bytes()


C, O, CN = NameOID.COUNTRY_NAME, NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME
PAIRS = {
    "ascii_case": (name((C, "US", P), (CN, "Example CA", P)),
                   name((C, "us", U), (CN, "EXAMPLE  CA ", U))),
    "german": (name((C, "DE", P), (O, "Straße", U)), name((C, "DE", P), (O, "STRASSE", P))),
    "greek": (name((O, "ΟΔΟΣ", U)), name((O, "οδος", B))),
    "turkish": (name((O, "İSTANBUL", U)), name((O, "istanbul", U))),
    "fullwidth": (name((CN, "ＥＸＡＭＰＬＥ", U)), name((CN, "example", P))),
    "combining": (name((CN, "Café", U)), name((CN, "Cafe\u0301", U))),
    "prohibited": (name((CN, "A\ue000", U)), name((CN, "a\ue000", U))),
    "ligature": (name((CN, "\ufdfa" * 20, U)), name((CN, "\ufdfa" * 20, B))),
}
for label, (a, b) in PAIRS.items():
    with open(label + ".bin", "wb") as f:
        f.write(struct.pack(">H", len(a)) + a + b)
