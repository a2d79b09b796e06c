#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compares two benchmark runs (the .tsv files next to bench/results-*.md):
one markdown table of every measurement both runs have, medians side by
side and B ÷ A.

usage: compare.py A.tsv B.tsv
"""
import statistics
import sys
from collections import defaultdict


def load(path):
    vals = defaultdict(list)
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 5 or parts[0] == "note":
                continue
            try:
                vals[tuple(parts[:4])].append(float(parts[4]))
            except ValueError:
                pass
    return vals


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    a, b = load(sys.argv[1]), load(sys.argv[2])
    print(f"| section | what | metric | A: {sys.argv[1]} | B: {sys.argv[2]} | B ÷ A |")
    print("|---|---|---|---|---|---|")
    for key in a:
        if key not in b or key[0] == "cost_rate":
            continue
        ma, mb = statistics.median(a[key]), statistics.median(b[key])
        ratio = f"{mb / ma:.2f}" if ma else "–"
        what = " ".join(k for k in key[1:3] if k != "-").replace("+", " ")
        print(f"| {key[0]} | {what} | {key[3]} | {ma:.4g} | {mb:.4g} | {ratio} |")
    only = [k for k in list(a) + list(b) if (k in a) != (k in b) and k[0] != "cost_rate"]
    if only:
        print(f"\n{len(only)} measurements are in only one of the runs.")


if __name__ == "__main__":
    main()
