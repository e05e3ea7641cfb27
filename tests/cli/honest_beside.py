#!/usr/bin/python3
"""An honest log beside a stalled one, timed (tests/cli/monitor_bounds.sh,
monitor_shared_stall.sh): runs a caguard monitor, watches its standard error
for the honest log's summary line and its standard output (JSON Lines) for
the honest log's first finding; when the summary comes, reads the store with
`caguard status` while the monitor still runs (the honest log must be
committed then, not at the end of the stalled log's round).

    honest_beside.py URL SUMMARY POSITION WITHIN LONGER OUT ERR CAGUARD ARGV...

URL: the honest log's (its findings' file is URL#index); SUMMARY: the text
of its summary line; POSITION: its position in the status then ("2 of 2").
Holds when the summary and a finding came within WITHIN seconds, the
monitor was still running then and the status had the honest log at
POSITION, the run took more than LONGER seconds (the stalled log's bound)
and exited 2 (the stall reported). Standard output and error of the
monitor go to OUT and ERR. Prints the times.
"""
import re
import subprocess
import sys
import threading
import time


def main():
    honest, summary, position = sys.argv[1], sys.argv[2], sys.argv[3]
    within, longer = float(sys.argv[4]), float(sys.argv[5])
    out, err, caguard, argv = sys.argv[6], sys.argv[7], sys.argv[8], sys.argv[9:]
    db = argv[argv.index("--store") + 1]
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = {}

    def read_out():
        with open(out, "w") as f:
            for line in p.stdout:
                f.write(line)
                if "finding" not in seen and ('"file":"%s#' % honest) in line:
                    seen["finding"] = time.monotonic() - t0

    reader = threading.Thread(target=read_out)
    reader.start()
    with open(err, "w") as f:
        for line in p.stderr:
            f.write(line)
            if "summary" not in seen and summary in line:
                seen["summary"] = time.monotonic() - t0
                text = subprocess.run([caguard, "--store", db, "status"], text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout
                seen["running"] = p.poll() is None
                block = text.split(honest + "\n", 1)[1].split("\n\n", 1)[0] \
                    if honest + "\n" in text else ""
                line = r"^\s*position\s+%s(\s|$)" % re.escape(position)
                seen["position"] = re.search(line, block, re.M) is not None
    p.wait()
    total = time.monotonic() - t0
    reader.join()
    print("honest log: summary at %s s, first finding at %s s, committed then: %s; the run "
          "took %.1f s, exit %d" % (seen.get("summary"), seen.get("finding"),
                                    seen.get("position"), total, p.returncode))
    ok = (seen.get("summary", 1e9) < within and seen.get("finding", 1e9) < within and
          seen.get("running") and seen.get("position") and total > longer and
          p.returncode == 2)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
