"""What the zlint conformance tools share: the lint map, the vectors' dates.

The map (zlint-map.tsv) says which caguard rules cover each zlint lint; the
issuance time of a vector (a certificate's notBefore, a CRL's thisUpdate) is
the evaluation time caguard is run with, the moment a CA's gate would have
judged the object.
"""

import base64
import datetime
import re

MAP_FILE = "zlint-map.tsv"
EXPLANATIONS_FILE = "zlint-explanations.tsv"
THRESHOLD_FILE = "zlint-threshold"

FLAGGED = ("Error", "Warn")
# The finding members a map entry may name (docs/schemas/finding.schema.json).
QUALIFIERS = ("field", "milestone", "requirement")
NOT_FLAGGED = ("Pass", "NA", "NE")


def read_tsv(path, columns):
    """Rows of a tab-separated file; '#' lines are comments."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cells = line.split("\t")
            if len(cells) != columns:
                raise ValueError("%s:%d: expected %d tab-separated columns, got %d"
                                 % (path, n, columns, len(cells)))
            rows.append(cells)
    return rows


def parse_spec(spec):
    """A map entry "rule" or "rule[key=value]..." as (rule, ((key, value), ...)).

    The qualifiers name the defect the lint tests: a finding of the rule
    counts only when each qualifier matches a member of the finding (its
    `check --format json` object): "field" when the finding's field is the
    value or an element below it (value + "."), any other key when equal."""
    rule, _, rest = spec.partition("[")
    quals = []
    rest = "[" + rest if rest else ""
    while rest:
        if not rest.startswith("[") or "]" not in rest:
            raise ValueError("bad rule qualifier in %r" % spec)
        body, _, rest = rest[1:].partition("]")
        key, eq, value = body.partition("=")
        if not eq or key not in QUALIFIERS or not value:
            raise ValueError("bad rule qualifier %r in %r (want [field=PATH], "
                             "[milestone=DATE] or [requirement=CODE])" % (body, spec))
        quals.append((key, value))
    if not rule:
        raise ValueError("empty rule in %r" % spec)
    return rule, tuple(quals)


def spec_matches(spec, rule, members):
    """Whether a finding of rule with members ({key: string value}) is what
    spec names (parse_spec)."""
    want, quals = spec
    if rule != want:
        return False
    for key, value in quals:
        got = members.get(key)
        if got is None:
            return False
        if key == "field":
            if got != value and not got.startswith(value + "."):
                return False
        elif got != value:
            return False
    return True


def load_map(path):
    """{lint: (rule specs tuple (empty when out of scope), note)}; a spec is
    parse_spec's (rule, qualifiers)."""
    out = {}
    for n, (lint, rules, note) in enumerate(read_tsv(path, 3), 1):
        if lint in out:
            raise ValueError("%s: lint %s appears twice" % (path, lint))
        out[lint] = (tuple(parse_spec(r) for r in split_specs(rules) if r and r != "-"), note)
    return out


def split_specs(text):
    """The map's rule column split at the commas outside [...]."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "["
        depth -= ch == "]"
        cur += ch
    parts.append(cur)
    return [p.strip() for p in parts]


def spec_text(spec):
    rule, quals = spec
    return rule + "".join("[%s=%s]" % q for q in quals)


def pem_objects(data):
    """DER objects of a file: raw DER, or every PEM block in a text file."""
    if data[:1] == b"\x30":
        return [data]
    blocks = re.findall(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", data, re.S)
    return [base64.b64decode(b"".join(body.split())) for _, body in blocks]


def _tlv(b, i):
    """(tag, value start, value end) of the DER element at i."""
    tag = b[i]
    length = b[i + 1]
    j = i + 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(b[j:j + n], "big")
        j += n
    if j + length > len(b):
        raise ValueError("truncated")
    return tag, j, j + length


def _time(tag, value):
    s = value.decode("ascii", "replace")
    digits = 2 if tag == 0x17 else 4
    m = re.match(r"(\d{%d})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?" % digits, s)
    if not m:
        return None
    year = int(m.group(1))
    if tag == 0x17:
        year += 2000 if year < 50 else 1900
    return datetime.datetime(year, int(m.group(2)), int(m.group(3)), int(m.group(4)),
                             int(m.group(5)), int(m.group(6) or 0),
                             tzinfo=datetime.timezone.utc)


def issuance_time(der):
    """notBefore of a certificate or thisUpdate of a CRL; None if not found."""
    try:
        _, start, _ = _tlv(der, 0)
        _, tbs, tbs_end = _tlv(der, start)
        fields = []
        i = tbs
        while i < tbs_end and len(fields) < 7:
            tag, s, e = _tlv(der, i)
            fields.append((tag, s, e))
            i = e
        # CRL: [version] signature issuer thisUpdate; a time right after a SEQUENCE
        for k in range(1, len(fields)):
            if fields[k][0] in (0x17, 0x18) and fields[k - 1][0] == 0x30:
                return _time(fields[k][0], der[fields[k][1]:fields[k][2]])
        # certificate: the Validity SEQUENCE starts with a time
        for tag, s, e in fields:
            if tag == 0x30 and s < e and der[s] in (0x17, 0x18):
                t, ts, te = _tlv(der, s)
                return _time(t, der[ts:te])
    except (ValueError, IndexError):
        return None
    return None


def rfc3339(t):
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (t.year, t.month, t.day, t.hour, t.minute, t.second)
