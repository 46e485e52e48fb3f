#!/usr/bin/env python3
"""bench/thread-cpu.py PID SECONDS: CPU seconds per thread name (digits folded) over SECONDS, from /proc."""
import os, re, sys, time, collections
pid, secs = sys.argv[1], float(sys.argv[2])
tck = os.sysconf("SC_CLK_TCK")
def snap():
    out = {}
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            stat = open(f"/proc/{pid}/task/{t}/stat").read()
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            f = stat[stat.rindex(")") + 2:].split()
            out[t] = (name, (int(f[11]) + int(f[12])) / tck)
        except OSError:
            pass
    return out
a = snap(); time.sleep(secs); b = snap()
c = collections.Counter()
for t, (n, v) in b.items():
    c[re.sub(r"\d+", "#", n)] += v - a.get(t, (n, 0))[1]
tot = sum(c.values())
print(f"server CPU over {secs:.0f} s: {tot:.2f} s ({100*tot/secs:.0f}% of a core)")
for n, v in c.most_common(20):
    if v > 0:
        print(f"{v:8.2f} s {100*v/secs:6.1f}% of a core  {n}")
