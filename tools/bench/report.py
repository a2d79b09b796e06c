#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Renders the benchmark's raw measurements (TSV: section, key1, key2,
metric, value; or note, section, text) as one markdown table per section.

usage: report.py RAW MACHINE_MD > results.md
"""
import statistics
import sys
from collections import OrderedDict, defaultdict

SECTIONS = [
    ("cost", "1. Per-event cost (kernel BPF stats: run time ÷ run count)"),
    ("slowdown", "2. Workload slowdown (paired ratio: ops/s with the tool ÷ mean of the no-tool runs just before and after)"),
    ("footprint", "3. Footprint"),
    ("scrape", "4. Scrape (`kprof serve`, /metrics)"),
]


def load(path):
    data = defaultdict(lambda: OrderedDict())
    notes = defaultdict(list)
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "note" and len(parts) == 3:
                if parts[2] not in notes[parts[1]]:
                    notes[parts[1]].append(parts[2])
                continue
            if len(parts) != 5:
                continue
            sec, k1, k2, metric, value = parts
            try:
                v = float(value)
            except ValueError:
                continue
            data[sec].setdefault((k1, k2), defaultdict(list))[metric].append(v)
    return data, notes


def fmt(x):
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}" if x < 1 else f"{x:.1f}"


def summary(vals):
    """median (min–max, n) of a list."""
    if not vals:
        return "–"
    med = statistics.median(vals)
    if len(vals) == 1:
        return f"{fmt(med)} (n=1)"
    return f"{fmt(med)} ({fmt(min(vals))}–{fmt(max(vals))}, n={len(vals)})"


def med(vals):
    return statistics.median(vals) if vals else None


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def cost_table(d):
    """Keys are (collector, tool); metrics are program labels and "per event"."""
    rows = []
    per_event = defaultdict(dict)
    for (coll, tool), m in d.items():
        if "per event" in m:
            per_event[coll][tool] = med(m["per event"])
    for (coll, tool), m in d.items():
        progs = [p for p in m if p != "per event"]
        ref = [t for t in per_event[coll] if not t.startswith(("kprof", "empty:"))]
        ratio = "–"
        if tool.startswith("kprof") and ref and tool in per_event[coll]:
            ratio = " / ".join(
                f"{per_event[coll][tool] / per_event[coll][r]:.2f}× {r.replace('+', ' ')}" for r in ref
            )
        for p in progs:
            rows.append([coll, tool.replace("+", " "), p, summary(m[p]), ""])
        if "per event" in m:
            rows.append([coll, tool.replace("+", " "), "**per event**", "**" + summary(m["per event"]) + "**", ratio])
    return table(["collector", "tool", "program", "ns (median, min–max, runs)", "kprof ÷ libbpf-tools"], rows)


def slowdown_table(d):
    rows = []
    base = {}
    for (w, tool), m in d.items():
        if tool == "none":
            base[w] = m.get("ops", [])
    for (w, tool), m in d.items():
        if tool == "none":
            continue
        rows.append([w, tool.replace("+", " "), summary(m.get("ratio", [])),
                     fmt(med(m.get("ops", [])) or 0), fmt(med(base.get(w, [])) or 0),
                     str(len(m.get("stats_on", [])))])
    return table(["workload", "tool", "paired ratio (median, min–max, pairs)", "ops/s with tool (median)",
                  "ops/s without (median, all pairs)", "pairs with BPF stats on (another process)"], rows)


def footprint_table(d):
    rows = []
    for (tool, _), m in d.items():
        rows.append([tool.replace("+", " "), summary(m.get("attach_ms", [])), summary(m.get("peak_rss_mib", [])),
                     summary(m.get("steady_rss_mib", []))])
    return table(["tool", "launch → attached (ms)", "peak RSS (MiB)", "steady RSS (MiB)"], rows)


def scrape_table(d):
    rows = []
    for (level, conc), m in d.items():
        if conc == "-":
            continue
        rows.append([level, conc, summary(m.get("p50_ms", [])), summary(m.get("p99_ms", [])),
                     summary(m.get("scrapes_per_s", [])), fmt(med(m.get("kib", [])) or 0)])
    out = table(["series", "scrapers", "p50 (ms)", "p99 (ms)", "scrapes/s", "KiB per scrape"], rows)
    rss = [f"{lvl}: {fmt(med(m['rss_mib']))} MiB" +
           (f" ({fmt(med(m['steady_rss_mib']))} MiB 2 s later)" if "steady_rss_mib" in m else "")
           for (lvl, c), m in d.items() if c == "-" and "rss_mib" in m]
    if rss:
        out += "\n\nRSS of `kprof serve` right after the scrapes (and steady, once they stopped): " + "; ".join(rss) + "."
    return out


RENDER = {"cost": cost_table, "slowdown": slowdown_table, "footprint": footprint_table, "scrape": scrape_table}


def main():
    data, notes = load(sys.argv[1])
    with open(sys.argv[2]) as f:
        print(f.read().rstrip() + "\n")
    for sec, title in SECTIONS:
        print(f"## {title}\n")
        if data.get(sec):
            print(RENDER[sec](data[sec]) + "\n")
        elif not notes.get(sec):
            print("Not run.\n")
        for n in notes.get(sec, []):
            print(f"- {n}")
        if notes.get(sec):
            print()


if __name__ == "__main__":
    main()
