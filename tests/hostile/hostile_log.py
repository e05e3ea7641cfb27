#!/usr/bin/python3
"""A hostile CT log for tests: a proxy in front of an honest caguard-testlog
that answers the way a broken or malicious log would.

It is test code, not a log: every answer starts from what the honest log
behind it (--upstream) says, then the chosen mode changes it. Tree heads it
invents (far-future, shrinking) are signed with the honest log's own key
(--key), so a monitor cannot tell them from the log's by the signature: only
what it checks beyond the signature can catch them. Entries whose chain it
rewrites keep their leaf_input byte for byte, so the Merkle tree still
authenticates them.

    hostile_log.py --upstream http://127.0.0.1:PORT --key D/key.pem \\
        --mode MODE [--on WHAT] [--foreign-ca CA.pem] --listen 127.0.0.1:0

The first line on standard output is "listening on ADDR:PORT" (flushed).
SIGTERM or SIGINT stops it (exit 0). POST /admin/mode?mode=M[&on=W] switches
the mode at run time; GET /admin/mode shows it. Admin requests are never
hostile. Run it with /usr/bin/python3 (it needs Debian's
python3-cryptography to sign).

Modes (docs/testlog.md, "The hostile log"):
  honest          every answer as the log gave it
  stall           read the request, never answer (the connection stays open)
  slow            answer as the log does, --slow-ms milliseconds late
  huge            200 with Content-Length 1 TiB, then bytes for as long as
                  the client reads
  endless         200, chunked, chunks for as long as the client reads
  gzip-bomb       200, Content-Encoding gzip: a small body that inflates to
                  --bomb-mib MiB of zeros
  deep-json       200, JSON nested --depth levels deep ([[[[...)
  bad-base64      get-entries: leaf_input and extra_data not base64
  broken-extra    get-entries: extra_data cut in half (still base64)
  swapped-chain   get-entries: the chain's first certificate replaced by
                  --foreign-ca; static-ct-api: the data tiles' fingerprints
                  name --foreign-ca, which /issuer/ then serves
  broken-issuer   static-ct-api: /issuer/<hash> serves bytes that do not
                  hash to the name (the issuer cut in half)
  future-sth      get-sth and /checkpoint: a tree head of the true size and
                  root, timestamped 2^63-1 ms (year 292278994), signed
  shrink-sth      get-sth and /checkpoint: a tree head --shrink entries
                  smaller than the true one (its true root), signed
--on limits the mode to some requests: sth (get-sth, /checkpoint), entries
(get-entries, data tiles), tiles (hash tiles), issuer (/issuer/), proofs
(get-sth-consistency, get-entry-and-proof), all; comma-separated. Default:
all for stall, slow, huge, endless, gzip-bomb and deep-json; the mode's own
requests for the others. --after N answers the first N of those requests
honestly (a log that turns hostile midway: with --mode stall --on entries,
one that serves some entries, then stalls).
"""

import argparse
import base64
import hashlib
import http.server
import json
import signal
import socketserver
import struct
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import zlib

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

MODES = ("honest", "stall", "slow", "huge", "endless", "gzip-bomb", "deep-json", "bad-base64",
         "broken-extra", "swapped-chain", "broken-issuer", "future-sth", "shrink-sth")
KINDS = ("sth", "entries", "tiles", "issuer", "proofs", "other")
DEFAULT_ON = {
    "bad-base64": {"entries"},
    "broken-extra": {"entries"},
    "swapped-chain": {"entries", "issuer"},
    "broken-issuer": {"issuer"},
    "future-sth": {"sth"},
    "shrink-sth": {"sth"},
}
FAR_FUTURE_MS = (1 << 63) - 1


def kind_of(path):
    if path.startswith("/ct/v1/get-sth-consistency") or path.startswith(
            "/ct/v1/get-entry-and-proof"):
        return "proofs"
    if path.startswith("/ct/v1/get-sth") or path == "/checkpoint":
        return "sth"
    if path.startswith("/ct/v1/get-entries") or path.startswith("/tile/data/"):
        return "entries"
    if path.startswith("/tile/"):
        return "tiles"
    if path.startswith("/issuer/"):
        return "issuer"
    return "other"


def tls_vec(data, width):
    return len(data).to_bytes(width, "big") + data


def read_vec(buf, off, width):
    n = int.from_bytes(buf[off:off + width], "big")
    off += width
    if off + n > len(buf):
        raise ValueError("vector past the end")
    return buf[off:off + n], off + n


def merkle_root(leaves):
    """RFC 6962 §2.1 MTH over the leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = list(leaves)
    # Largest power of two smaller than n splits, as the RFC's recursion.
    def mth(lo, hi):
        if hi - lo == 1:
            return level[lo]
        k = 1
        while k * 2 < hi - lo:
            k *= 2
        return hashlib.sha256(b"\x01" + mth(lo, lo + k) + mth(lo + k, hi)).digest()
    return mth(0, len(level))


class Signer:
    """The honest log's key: RFC 6962 §3.5 tree heads and their checkpoint."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), password=None)
        spki = self.key.public_key().public_bytes(serialization.Encoding.DER,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
        self.log_id = hashlib.sha256(spki).digest()

    def digitally_signed(self, data):
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            sig = self.key.sign(data, ec.ECDSA(hashes.SHA256()))
            return bytes([4, 3]) + tls_vec(sig, 2)
        if isinstance(self.key, rsa.RSAPrivateKey):
            sig = self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
            return bytes([4, 1]) + tls_vec(sig, 2)
        raise ValueError("not an RFC 6962 log key")

    def sth_json(self, size, timestamp, root):
        tbs = struct.pack(">BBQQ", 0, 1, timestamp, size) + root
        return {"tree_size": size, "timestamp": timestamp,
                "sha256_root_hash": base64.b64encode(root).decode(),
                "tree_head_signature": base64.b64encode(self.digitally_signed(tbs)).decode()}

    def checkpoint(self, origin, size, timestamp, root):
        tbs = struct.pack(">BBQQ", 0, 1, timestamp, size) + root
        key_id = hashlib.sha256(origin.encode() + b"\n\x05" + self.log_id).digest()[:4]
        sig = key_id + struct.pack(">Q", timestamp) + self.digitally_signed(tbs)
        text = "%s\n%d\n%s\n" % (origin, size, base64.b64encode(root).decode())
        return (text + "\n\u2014 %s %s\n" % (origin, base64.b64encode(sig).decode())).encode()


class Hostile:
    def __init__(self, args):
        self.upstream = args.upstream.rstrip("/")
        self.signer = Signer(args.key) if args.key else None
        self.foreign = None
        if args.foreign_ca:
            self.foreign = read_cert(args.foreign_ca)
        self.bomb_mib = args.bomb_mib
        self.depth = args.depth
        self.shrink = args.shrink
        self.slow_ms = args.slow_ms
        self.after = args.after
        self.lock = threading.Lock()
        self.bomb = None
        self.stop = threading.Event()
        self.set_mode(args.mode, args.on)

    def set_mode(self, mode, on):
        if mode not in MODES:
            raise ValueError("unknown mode %r" % mode)
        if on:
            kinds = set(on.split(","))
            if "all" in kinds:
                kinds = set(KINDS)
            if not kinds <= set(KINDS):
                raise ValueError("unknown --on %r" % on)
        else:
            kinds = DEFAULT_ON.get(mode, set(KINDS))
        if mode in ("future-sth", "shrink-sth") and self.signer is None:
            raise ValueError("mode %s needs --key" % mode)
        if mode == "swapped-chain" and self.foreign is None:
            raise ValueError("mode swapped-chain needs --foreign-ca")
        with self.lock:
            self.mode, self.on = mode, kinds

    def gzip_bomb(self):
        with self.lock:
            if self.bomb is None:
                self.bomb = gzip_zeros(self.bomb_mib << 20)
            return self.bomb

    def fetch(self, path):
        """The honest log's answer: (status, headers, body)."""
        req = urllib.request.Request(self.upstream + path, headers={"Accept-Encoding": "identity"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()


def deflate_zeros(m):
    """A raw deflate stream (RFC 1951) of 1 + 2064 * m zeros in one
    fixed-Huffman block: a literal 0, then 8 * m copies of <length 258,
    distance 1>. A copy is 13 bits, so eight of them are 13 bytes that repeat,
    and the stream is built without compressing anything."""
    def stream(m):
        bits = []

        def raw(v, n):
            bits.extend((v >> i) & 1 for i in range(n))

        def code(v, n):
            bits.extend((v >> (n - 1 - i)) & 1 for i in range(n))
        raw(1, 1)       # BFINAL
        raw(1, 2)       # BTYPE 01: fixed Huffman codes
        code(0x30, 8)   # literal 0
        for _ in range(8 * m):
            code(0xC5, 8)   # length code 285: 258
            code(0, 5)      # distance code 0: 1
        code(0, 7)      # end of block
        bits.extend([0] * (-len(bits) % 8))
        return bytes(sum(b << i for i, b in enumerate(bits[j:j + 8]))
                     for j in range(0, len(bits), 8))
    small = stream(2)
    return small[:2] + small[2:15] * (m - 1) + small[15:]


def gzip_zeros(n):
    """A gzip member (RFC 1952) that inflates to about n zeros."""
    m = max(2, n // 2064)
    size = 1 + 2064 * m
    crc, zeros, left = 0, bytes(1 << 24), size
    while left:
        crc = zlib.crc32(zeros[:min(left, len(zeros))], crc)
        left -= min(left, len(zeros))
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + deflate_zeros(m) +
            struct.pack("<II", crc, size & 0xffffffff))


def read_cert(path):
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(b"-----"):
        lines = data.decode().split("-----")[2]
        return base64.b64decode("".join(lines.split()))
    return data


# ---- rewriting honest answers ----

def rewrite_entries(h, mode, body):
    doc = json.loads(body)
    for e in doc.get("entries", []):
        leaf = base64.b64decode(e["leaf_input"])
        extra = base64.b64decode(e["extra_data"])
        if mode == "bad-base64":
            e["leaf_input"] = "!!" + e["leaf_input"][2:]
            e["extra_data"] = "*" + e["extra_data"]
        elif mode == "broken-extra":
            e["extra_data"] = base64.b64encode(extra[:len(extra) // 2]).decode()
        elif mode == "swapped-chain":
            e["extra_data"] = base64.b64encode(swap_chain(h, leaf, extra)).decode()
    return json.dumps(doc).encode()


def swap_chain(h, leaf, extra):
    """extra_data with the chain's first certificate replaced by the foreign
    CA (RFC 6962 §4.6: certificate_chain, or PrecertChainEntry)."""
    entry_type = int.from_bytes(leaf[10:12], "big")
    off, pre = 0, b""
    if entry_type == 1:
        pre, off = read_vec(extra, 0, 3)
    chain, _ = read_vec(extra, off, 3)
    certs, o = [], 0
    while o < len(chain):
        c, o = read_vec(chain, o, 3)
        certs.append(c)
    certs = [h.foreign] + certs[1:]
    body = tls_vec(b"".join(tls_vec(c, 3) for c in certs), 3)
    return (tls_vec(pre, 3) if entry_type == 1 else b"") + body


def rewrite_data_tile(h, body):
    """A static-ct-api data tile whose fingerprints all name the foreign CA
    (the fingerprints are not under the Merkle tree)."""
    fp = hashlib.sha256(h.foreign).digest()
    out, o = bytearray(), 0
    while o < len(body):
        start = o
        o += 8  # timestamp
        entry_type = int.from_bytes(body[o:o + 2], "big")
        o += 2
        if entry_type == 0:
            _, o = read_vec(body, o, 3)
        else:
            o += 32
            _, o = read_vec(body, o, 3)
        _, o = read_vec(body, o, 2)  # extensions
        if entry_type == 1:
            _, o = read_vec(body, o, 3)  # pre_certificate
        out += body[start:o]
        n = int.from_bytes(body[o:o + 2], "big")
        o += 2 + n
        out += (n and len(fp)).to_bytes(2, "big") + (fp if n else b"")
    return bytes(out)


def sth_invented(h, mode, status, body, checkpoint):
    """The true tree head, timestamped far in the future or cut shorter,
    signed with the log's key."""
    if checkpoint:
        lines = body.decode().split("\n")
        origin, size = lines[0], int(lines[1])
        root = base64.b64decode(lines[2])
        ts = struct.unpack(">Q", base64.b64decode(lines[4].split(" ")[2])[4:12])[0]
    else:
        doc = json.loads(body)
        size, ts = doc["tree_size"], doc["timestamp"]
        root = base64.b64decode(doc["sha256_root_hash"])
    if mode == "future-sth":
        ts = FAR_FUTURE_MS
    else:
        size = max(0, size - h.shrink)
        root = merkle_root(leaf_hashes(h, size))
    if checkpoint:
        return h.signer.checkpoint(origin, size, ts, root)
    return json.dumps(h.signer.sth_json(size, ts, root)).encode()


def leaf_hashes(h, size):
    out = []
    while len(out) < size:
        _, _, body = h.fetch("/ct/v1/get-entries?start=%d&end=%d" % (len(out), size - 1))
        for e in json.loads(body)["entries"]:
            out.append(hashlib.sha256(b"\x00" + base64.b64decode(e["leaf_input"])).digest())
    return out[:size]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile-log"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("hostile-log: " + (fmt % args) + "\n")

    def do_POST(self):
        self.do_GET()

    def do_GET(self):
        h = self.server.hostile
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/admin/mode":
            return self.admin(urllib.parse.parse_qs(url.query))
        kind = kind_of(url.path)
        with h.lock:
            mode, on = h.mode, h.on
            spared = mode != "honest" and kind in on and h.after > 0
            if spared:
                h.after -= 1
        if mode == "honest" or kind not in on or spared:
            return self.relay(*h.fetch(self.path))
        if mode == "stall":
            h.stop.wait()
            self.close_connection = True
            return None
        if mode == "slow":
            h.stop.wait(h.slow_ms / 1000.0)
            return self.relay(*h.fetch(self.path))
        if mode in ("huge", "endless"):
            return self.flood(mode)
        if mode == "gzip-bomb":
            return self.send(200, h.gzip_bomb(), "application/json", {"Content-Encoding": "gzip"})
        if mode == "deep-json":
            return self.send(200, b"[" * h.depth, "application/json")
        if (kind == "issuer" and mode == "swapped-chain" and
                url.path.rsplit("/", 1)[-1] == hashlib.sha256(h.foreign).hexdigest()):
            # the log has never heard of it: served without asking
            return self.send(200, h.foreign, "application/pkix-cert")
        status, headers, body = h.fetch(self.path)
        if status != 200:
            return self.relay(status, headers, body)
        if mode in ("future-sth", "shrink-sth") and kind == "sth":
            body = sth_invented(h, mode, status, body, url.path == "/checkpoint")
        elif kind == "entries" and url.path.startswith("/ct/v1/"):
            body = rewrite_entries(h, mode, body)
        elif kind == "entries" and mode == "swapped-chain":
            body = rewrite_data_tile(h, body)
        elif kind == "issuer" and mode == "broken-issuer":
            body = body[:len(body) // 2]
        return self.relay(status, headers, body)

    def admin(self, q):
        h = self.server.hostile
        if self.command == "POST":
            try:
                h.set_mode(q.get("mode", [h.mode])[0], q.get("on", [None])[0])
            except ValueError as e:
                return self.send(400, json.dumps({"error": str(e)}).encode(), "application/json")
        with h.lock:
            doc = {"mode": h.mode, "on": sorted(h.on)}
        return self.send(200, json.dumps(doc).encode(), "application/json")

    def relay(self, status, headers, body):
        extra = {k: v for k, v in headers.items()
                 if k.lower() in ("cache-control", "retry-after", "etag", "last-modified")}
        return self.send(status, body, headers.get("Content-Type", "application/octet-stream"),
                         extra)

    def send(self, status, body, ctype, extra=None):
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def flood(self, mode):
        """Bytes for as long as the client reads (or the server stops)."""
        chunk = b" " * (1 << 20)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if mode == "huge":
                self.send_header("Content-Length", str(1 << 40))
            else:
                self.send_header("Transfer-Encoding", "chunked")
                chunk = b"%x\r\n%s\r\n" % (len(chunk), chunk)
            self.end_headers()
            self.wfile.write(b"{" if mode == "huge" else b"1\r\n{\r\n")
            while not self.server.hostile.stop.is_set():
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--upstream", required=True, help="the honest log's base URL")
    ap.add_argument("--key", help="the honest log's private key (PEM), to sign invented "
                    "tree heads (future-sth, shrink-sth)")
    ap.add_argument("--foreign-ca", help="the CA certificate (PEM or DER) swapped in")
    ap.add_argument("--mode", default="honest", help="one of: " + ", ".join(MODES))
    ap.add_argument("--on", help="which requests: sth, entries, tiles, issuer, proofs, all")
    ap.add_argument("--listen", default="127.0.0.1:0", help="ADDR:PORT (default 127.0.0.1:0)")
    ap.add_argument("--bomb-mib", type=int, default=1024,
                    help="what the gzip bomb inflates to, MiB (default 1024)")
    ap.add_argument("--depth", type=int, default=1 << 20,
                    help="nesting of deep-json (default 1048576)")
    ap.add_argument("--shrink", type=int, default=1, help="entries shrink-sth drops (default 1)")
    ap.add_argument("--slow-ms", type=int, default=4000,
                    help="how late slow answers, milliseconds (default 4000)")
    ap.add_argument("--after", type=int, default=0,
                    help="requests the mode would change answered honestly first (default 0)")
    ap.add_argument("--verbose", action="store_true", help="one line per request on stderr")
    args = ap.parse_args()
    try:
        hostile = Hostile(args)
    except (ValueError, OSError) as e:
        sys.stderr.write("hostile-log: %s\n" % e)
        return 2
    addr, _, port = args.listen.rpartition(":")
    srv = Server((addr, int(port)), Handler)
    srv.hostile, srv.verbose = hostile, args.verbose
    if hostile.mode == "gzip-bomb":
        hostile.gzip_bomb()

    def stop(signum, _frame):
        hostile.stop.set()
        threading.Thread(target=srv.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("listening on %s:%d" % srv.server_address[:2], flush=True)
    srv.serve_forever()
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
