#!/usr/bin/env python3
"""check_windows.py FILE CHECK...: reads obsc -f json output and checks the
window records (spec 13.6). CHECK is one of
  total=MAP:N        the values of MAP summed over every window (partial
                     ones too) are exactly N: no event is dropped or counted
                     twice by tumbling windows
  some=MAP:LO:HI     at least one complete (not partial) window of MAP has a
                     value in [LO, HI]
  nolost=MAP         no window of MAP reports loss
Prints one line per window and per check for FileCheck; exits 1 on failure."""
import json
import sys

windows = []
for line in open(sys.argv[1], errors="replace"):
    line = line.strip()
    if not line.startswith("{"):
        continue
    rec = json.loads(line)
    if rec.get("type") == "window":
        windows.append(rec["data"])

def values(w):
    for v in w.get("values", []):
        yield v["value"]

for w in windows:
    print("window %s %s [%d, %d)%s: %s" % (w["map"], w["aggregation"], w["start_ns"], w["end_ns"],
          " partial" if w.get("partial") else "", list(values(w))))
ok = True
for check in sys.argv[2:]:
    kind, _, rest = check.partition("=")
    parts = rest.split(":")
    mine = [w for w in windows if w["map"] == parts[0]]
    if kind == "total":
        got = sum(v for w in mine for v in values(w))
        good = got == float(parts[1])
        print("%s %s total %s (want %s)" % ("ok" if good else "FAIL", parts[0], got, parts[1]))
    elif kind == "some":
        lo, hi = float(parts[1]), float(parts[2])
        full = [v for w in mine if not w.get("partial") for v in values(w)]
        good = any(lo <= v <= hi for v in full)
        print("%s %s some complete window in [%s, %s]: %s" % ("ok" if good else "FAIL", parts[0],
              parts[1], parts[2], full))
    elif kind == "nolost":
        lost = [w["lost"] for w in mine if any(w.get("lost", {}).values())]
        good = not lost
        print("%s %s no loss %s" % ("ok" if good else "FAIL", parts[0], lost))
    else:
        print("FAIL unknown check %s" % check)
        good = False
    ok = ok and good
sys.exit(0 if ok else 1)
