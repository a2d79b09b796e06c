#!/bin/bash
# SPDX-License-Identifier: MIT
# Concurrent scrapes share collections (user/serve_scrape.c): 8 scrapers at
# once, in text, OpenMetrics and gzip, while syscalls run. Every answer is
# whole and consistent (each histogram's buckets cumulative, +Inf = _count),
# each scraper's counters never decrease, and the answers of a format that
# rode on one collection are the same bytes.
set -u
source "$(dirname "$0")/serve_lib.bash"
require_root
command -v curl >/dev/null || { echo "skipped: curl is missing"; exit 77; }
tmp=$(mktemp -d)
KPID=
trap '[ -n "$KPID" ] && kill -KILL $KPID 2>/dev/null; rm -rf "$tmp"' EXIT

start_serve "$tmp/log" --collectors syscall,sched || exit 1
build/tests/helpers/syscalls 200 >/dev/null 2>&1 </dev/null || true

# scraper I: 25 scrapes back to back on one kept-alive connection, format by
# I (gzip: curl asks for it and unpacks it).
scraper() {
	local i=$1 n args=()
	for n in $(seq -w 25); do args+=(-o "$tmp/s$i.$n" "$URL/metrics"); done
	case $((i % 3)) in
	0) curl -sf -m 30 "${args[@]}" ;;
	1) curl -sf -m 30 -H 'Accept: application/openmetrics-text;version=1.0.0' "${args[@]}" ;;
	2) curl -sf -m 30 --compressed "${args[@]}" ;;
	esac || echo "scraper $i failed" >>"$tmp/errors"
}
(for _ in $(seq 40); do build/tests/helpers/syscalls 50 >/dev/null 2>&1 </dev/null; done) &
load=$!
pids=()
for i in $(seq 0 7); do
	scraper "$i" &
	pids+=($!)
done
wait "${pids[@]}"
kill $load 2>/dev/null
wait $load 2>/dev/null
[ -s "$tmp/errors" ] && fail "$(cat "$tmp/errors")"

python3 - "$tmp" <<'PY' || fail "inconsistent answers"
import collections, glob, os, re, sys
tmp = sys.argv[1]
checked = same = 0
by_body = collections.Counter()
for i in range(8):
    prev = {}
    for path in sorted(glob.glob(os.path.join(tmp, f"s{i}.*"))):
        text = open(path).read()
        by_body[text] += 1
        assert text.endswith("\n"), path
        if i % 3 == 1:
            assert text.endswith("# EOF\n"), f"{path}: no # EOF"
        kinds, cur, hist = {}, {}, collections.defaultdict(list)
        for line in text.splitlines():
            if line.startswith("# TYPE "):
                _, _, name, kind = line.split()
                kinds[name] = kind
                continue
            if line.startswith("#") or not line:
                continue
            key, value = line.rsplit(" ", 1)
            name = key.split("{")[0]
            base = re.sub(r"_(bucket|sum|count|total)$", "", name)
            kind = kinds.get(name) or kinds.get(base)
            assert kind, f"{path}: sample without TYPE: {line}"
            if kind in ("counter", "histogram"):
                cur[key] = float(value)
            if kind == "histogram":
                labels = key.split("{", 1)[1][:-1] if "{" in key else ""
                labels = re.sub(r',?le="[^"]*"', "", labels).lstrip(",")
                hist[(base, labels)].append((name, float(value)))
        for (base, labels), samples in hist.items():
            buckets = [v for n, v in samples if n.endswith("_bucket")]
            count = [v for n, v in samples if n.endswith("_count")]
            assert buckets == sorted(buckets), f"{path}: {base}{{{labels}}} not cumulative"
            assert count and buckets[-1] == count[0], f"{path}: {base}{{{labels}}} +Inf != _count"
        for key, v in cur.items():
            if key in prev:
                checked += 1
                assert v >= prev[key], f"{key}: {prev[key]} -> {v} in {path}"
        prev = cur
shared = sum(n for n in by_body.values() if n > 1)
print(f"200 answers, {len(by_body)} distinct; {shared} rode on a shared collection; "
      f"monotonic: {checked} comparisons")
assert checked > 1000, checked
PY
kill -0 $KPID || fail "kprof died"
stop_serve
[ "$STOP_RC" = 0 ] || fail "exit $STOP_RC"
finish
