#!/usr/bin/env python3
"""The get-entries in flight at bench/ctbenchlog over time, from its request
log (`ctbenchlog serve -log FILE`, kept by `KEEP=1 bench/monitor_vs_peers.sh`:
a line a request, its start and the end of its handler in ms, and its path).

usage: bench/reqlog_inflight.py requests.log [more.log ...]

For each log it prints the phases of the catch-up (the tree head, the first
get-entries asked and answered, the first request past the first four
answers' ranges, the last answer), the steady state's rate (entries answered
from then to the last answer over that time) and the get-entries in flight
at the server in it (time-weighted: mean and the share of the time at each
count), and the time each took in the server's handler (which holds the
delay and the writing of the answer: a client that reads an answer late
lengthens it). With -t it also prints the requests one a line, in the order
they started.
"""
import re
import sys


def parse(path):
    reqs = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3:
                continue
            t0, t1, p = float(parts[0]), float(parts[1]), parts[2]
            m = re.search(r"get-entries\?start=(\d+)&end=(\d+)", p)
            reqs.append((t0, t1, p, (int(m.group(1)), int(m.group(2))) if m else None))
    reqs.sort()
    return reqs


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else 0.0


def inflight(ents, lo, hi):
    """Time-weighted counts of get-entries in flight within [lo, hi]."""
    ev = []
    for t0, t1, _, _ in ents:
        a, b = max(t0, lo), min(t1, hi)
        if a < b:
            ev.append((a, 1))
            ev.append((b, -1))
    ev.sort()
    share, cur, last = {}, 0, lo
    for t, d in ev:
        share[cur] = share.get(cur, 0.0) + (t - last)
        cur += d
        last = t
    share[cur] = share.get(cur, 0.0) + (hi - last)
    total = hi - lo
    mean = sum(k * v for k, v in share.items()) / total if total > 0 else 0.0
    return mean, {k: v / total for k, v in sorted(share.items()) if v > 0}


def report(path, timeline):
    reqs = parse(path)
    ents = [r for r in reqs if r[3] is not None]
    if not ents:
        print(f"{path}: no get-entries")
        return
    sth = [r for r in reqs if r[2].startswith("/ct/v1/get-sth") and "consistency" not in r[2]]
    first = ents[0]
    first_end = min(r[1] for r in ents)
    last_end = max(r[1] for r in ents)
    # the steady state: from the first request past what the first four asked
    edge = max(r[3][1] for r in ents[:4]) + 1
    later = [r for r in ents if r[3][0] >= edge]
    steady_t0 = later[0][0] if later else first[0]
    entries_after = sum(r[3][1] - r[3][0] + 1 for r in later)
    n_entries = sum(r[3][1] - r[3][0] + 1 for r in ents)
    print(f"{path}:")
    if sth:
        print(f"  get-sth            {sth[0][0]:8.1f} -> {sth[0][1]:8.1f} ms")
    print(f"  first get-entries  {first[0]:8.1f} ms, first answer's end {first_end:8.1f} ms")
    print(f"  past entry {edge:<7} {steady_t0:8.1f} ms ({steady_t0 - first[0]:.1f} ms after the first)")
    print(f"  last answer's end  {last_end:8.1f} ms")
    span = last_end - first[0]
    print(f"  first get-entries to last answer: {span:.0f} ms, {n_entries / span * 1000:,.0f} entries/s"
          f" ({len(ents)} requests)")
    st = last_end - steady_t0
    if st > 0:
        mean, share = inflight(ents, steady_t0, last_end)
        print(f"  steady state: {st:.0f} ms, {entries_after / st * 1000:,.0f} entries/s,"
              f" in flight {mean:.2f} on average")
        print("    " + ", ".join(f"{k}: {v * 100:.0f}%" for k, v in share.items()))
    d = [r[1] - r[0] for r in later]
    if d:
        print(f"  handler time (steady): min {min(d):.0f}, median {pct(d, 0.5):.0f},"
              f" p90 {pct(d, 0.9):.0f}, max {max(d):.0f} ms")
    if timeline:
        for t0, t1, p, _ in reqs:
            print(f"    {t0:8.1f} {t1:8.1f} {t1 - t0:6.1f} {p}")


def main(argv):
    timeline = "-t" in argv
    paths = [a for a in argv if a != "-t"]
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    for p in paths:
        report(p, timeline)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
