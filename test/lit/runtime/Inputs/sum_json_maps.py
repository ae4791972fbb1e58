"""Sums obsc -f json map records: per map, the number of keys and the total
of their values (avg and stats values are summed by count and total).
With --across, every record of a map is summed together (print() in a loop)."""
import json
import sys

across = "--across" in sys.argv
totals = {}
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    o = json.loads(line)
    if o.get("type") not in ("map", "stats"):
        continue
    for name, v in o["data"].items():
        if across:
            t = totals.setdefault(name, 0)
            totals[name] = t + (sum(v.values()) if isinstance(v, dict) else v)
            continue
        if not isinstance(v, dict):
            print(name, v)
            continue
        vals = list(v.values())
        if vals and isinstance(vals[0], dict):
            print("%s keys=%d count=%d total=%d" % (
                name, len(vals), sum(x["count"] for x in vals), sum(x["total"] for x in vals)))
        elif name == "@a":
            print("%s keys=%d avg=%s" % (name, len(vals), ",".join(sorted(set(map(str, vals))))))
        else:
            print("%s keys=%d total=%d" % (name, len(vals), sum(vals)))
for name, t in sorted(totals.items()):
    print("%s total=%d" % (name, t))
