#!/usr/bin/env python3
"""check_loss.py N PATTERN OUT ERR: nothing is lost silently. Every one of
the N events either printed a line matching PATTERN on stdout (OUT) or was
counted as lost: obsc's exit report on stderr (ERR), `obsc: lost L events in
total (...)`, or with -f json a `lost_total` object on stdout (or bpftrace's
`Lost L events` on stdout). Prints a summary for FileCheck; exits 1 when
printed + lost != N."""
import json
import re
import sys

n, pattern, out_path, err_path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
out = open(out_path, errors="replace").read()
err = open(err_path, errors="replace").read()
printed = 0
json_lost = None
for line in out.splitlines():
    if line.startswith("{"):
        rec = json.loads(line)
        if rec.get("type") == "printf" and re.search(pattern, rec["data"]):
            printed += 1
        elif rec.get("type") == "lost_total":
            json_lost = rec["data"]["events"]
    elif re.search(pattern, line):
        printed += 1
total = re.findall(r"obsc: lost (\d+) events in total", err)
if json_lost is not None:
    lost = json_lost
    source = "json lost_total"
elif total:
    lost = int(total[-1])
    source = "total"
else:
    per_second = [int(x) for x in re.findall(r"obsc: lost (\d+) events \(ringbuf\) in the last second", err)]
    bpftrace = [int(x) for x in re.findall(r"^Lost (\d+) events", out, re.M)]
    lost = sum(per_second) + sum(bpftrace)
    source = "per-second" if per_second else ("bpftrace" if bpftrace else "none")
print("events %d printed %d lost %d (report: %s)" % (n, printed, lost, source))
if lost > 0:
    print("loss reported")
if printed + lost != n:
    print("MISMATCH: %d events unaccounted for" % (n - printed - lost))
    sys.exit(1)
print("every event accounted for")
