#!/usr/bin/env python3
"""Top frames of a JFR recording: CPU (jdk.ExecutionSample) and allocation
(jdk.ObjectAllocationSample, weighted by bytes).

  jfr print --json --stack-depth 64 --events jdk.ExecutionSample,jdk.ObjectAllocationSample rec.jfr > rec.json
  bench/jfr-top.py rec.json [N]

Prints, for each kind: the share by the top frame's method (self), by the first frame of
ours (dev.ssenotify.*, i.e. which of our calls the time is under, inclusive), and by
component (the first frame's package family: Jetty, H2, Jackson, ...).
"""
import collections
import json
import sys

FAMILIES = [
    ("dev.ssenotify.", "ours"), ("org.eclipse.jetty.", "Jetty"), ("org.h2.", "H2"),
    ("com.fasterxml.jackson.", "Jackson"), ("com.zaxxer.hikari.", "Hikari"),
    ("io.micrometer.", "Micrometer"), ("org.jdbi.", "Jdbi"), ("com.nimbusds.", "Nimbus"),
    ("java.util.logging.", "JUL"), ("org.slf4j.", "SLF4J"),
    ("java.", "JDK"), ("javax.", "JDK"), ("jdk.", "JDK"), ("sun.", "JDK"),
]


def name(frame):
    m = frame["method"]
    return m["type"]["name"].replace("/", ".") + "." + m["name"]


def family(n):
    for prefix, fam in FAMILIES:
        if n.startswith(prefix):
            return fam
    return "other"


def main():
    path = sys.argv[1]
    top_n = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    events = json.load(open(path))["recording"]["events"]
    kinds = {"jdk.ExecutionSample": "CPU samples", "jdk.ObjectAllocationSample": "allocation (bytes, sampled)"}
    for kind, title in kinds.items():
        self_w = collections.Counter()
        ours_w = collections.Counter()
        fam_w = collections.Counter()
        total = 0
        for e in events:
            if e["type"] != kind:
                continue
            v = e["values"]
            st = v.get("stackTrace") or {}
            frames = st.get("frames") or []
            if not frames:
                continue
            w = v.get("weight", 1) if kind == "jdk.ObjectAllocationSample" else 1
            total += w
            names = [name(f) for f in frames]
            self_w[names[0]] += w
            # The component whose code runs: the first frame outside the JDK, else the JDK.
            fam = next((family(n) for n in names if family(n) != "JDK"), "JDK")
            fam_w[fam] += w
            ours = next((n for n in names if n.startswith("dev.ssenotify.")), None)
            ours_w[ours or "(no frame of ours: Jetty's I/O, GC-less JDK threads, ...)"] += w
        if not total:
            continue
        unit = "samples" if kind == "jdk.ExecutionSample" else "bytes"
        print(f"## {title}: {total} {unit}\n")
        for label, counter in (("component (first non-JDK frame)", fam_w), ("top frame (self)", self_w),
                               ("innermost frame of ours (inclusive)", ours_w)):
            print(f"### by {label}\n")
            print("| share | where |\n|---:|---|")
            for k, w in counter.most_common(top_n):
                print(f"| {100.0 * w / total:.1f}% | `{k}` |")
            print()


main()
