#!/bin/bash
# SPDX-License-Identifier: MIT
# The Grafana dashboard (and deploy/alerts.yml) ask only for metrics kprof
# exports: every PromQL expression (panels, template variables, alert rules)
# is valid PromQL (promtool),
# and every metric name in it appears in a real /metrics scrape of
# `kprof serve` on this machine. Families of collectors this build does not
# have yet are checked against the planned names of the design instead, and
# listed as unverified.
set -u
cd "$(dirname "$0")/../.."
DASH=deploy/grafana/kprof-dashboard.json
if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: the real /metrics scrape needs kprof serve with its BPF programs (root)"
	exit 77
fi
for t in promtool curl python3; do
	command -v $t >/dev/null || { echo "skipped: $t not installed"; exit 77; }
done
tmp=$(mktemp -d)
kpid=
trap '[ -n "$kpid" ] && kill $kpid 2>/dev/null; rm -rf "$tmp"' EXIT

# 1. Expressions and their metric names.
python3 - "$DASH" "$tmp" <<'PY' || exit 1
import json, re, sys
dash = json.load(open(sys.argv[1]))
out = sys.argv[2]
exprs = []
def walk(panels):
    for p in panels:
        for t in p.get("targets", []):
            exprs.append(("panel " + p["title"], t["expr"]))
        walk(p.get("panels", []))
walk(dash["panels"])
for v in dash["templating"]["list"]:
    q = v.get("query")
    q = q.get("query") if isinstance(q, dict) else q
    if v["type"] == "query":
        m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", q.strip())
        assert m, f"variable {v['name']}: unsupported query {q}"
        exprs.append(("variable " + v["name"], m.group(1)))
assert len(exprs) > 10, exprs
# The alert rules name metrics too: the same check covers them.
try:
    import yaml
    for g in yaml.safe_load(open("deploy/alerts.yml"))["groups"]:
        for r in g["rules"]:
            exprs.append(("alert " + r["alert"], r["expr"]))
except ImportError:
    print("note: python3 yaml missing, deploy/alerts.yml not checked here")
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool",
            "and", "or", "unless", "offset", "inf", "nan"}
def metric_names(e):
    e = re.sub(r'"(\\.|[^"\\])*"|\'(\\.|[^\'\\])*\'', '""', e)   # strings
    e = re.sub(r"\{[^}]*\}", " ", e)                             # label matchers
    e = re.sub(r"\[[^\]]*\]", " ", e)                            # ranges
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    names = set()
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", e):
        rest = e[m.end():].lstrip()
        if rest.startswith("(") or m.group(0).lower() in KEYWORDS:
            continue                                           # function or keyword
        if re.match(r"\d", e[m.start() - 1:m.start()] or " "):
            continue                                           # 1e3, 5m
        names.add(m.group(0))
    return names
# Grafana's variables, replaced so that promtool parses the expressions.
rules = {"groups": [{"name": "dashboard", "rules": []}]}
used = {}
for i, (where, e) in enumerate(exprs):
    concrete = e.replace("$__rate_interval", "5m").replace("$__interval", "1m")
    assert "$" not in re.sub(r'"[^"]*"', "", concrete), f"{where}: variable outside a string: {e}"
    rules["groups"][0]["rules"].append({"record": f"dashboard:expr_{i}", "expr": concrete})
    names = metric_names(e)
    assert names, f"{where}: no metric name found in {e}"
    for n in names:
        used.setdefault(n, []).append(where)
json.dump(rules, open(out + "/rules.json", "w"))   # JSON is YAML
json.dump(used, open(out + "/used.json", "w"))
print(f"{len(exprs)} expressions, {len(used)} metric names")
PY
promtool check rules "$tmp/rules.json" >"$tmp/check.out" 2>&1 || { cat "$tmp/check.out"; echo "FAIL: invalid PromQL in $DASH"; exit 1; }
echo "promql ok: $(grep -o '[0-9]* rules found' "$tmp/check.out")"

# 2. A real scrape of kprof serve, every collector this machine runs.
./kprof serve --web.listen-address=127.0.0.1:0 --log.format=logfmt 2>"$tmp/serve.log" &
kpid=$!
for _ in $(seq 100); do grep -qs 'msg=listening' "$tmp/serve.log" && break; sleep 0.1; done
port=$(sed -n 's/.*msg=listening.* port=\([0-9]*\).*/\1/p' "$tmp/serve.log" | head -1)
[ -n "$port" ] || { cat "$tmp/serve.log"; echo "FAIL: kprof serve did not start"; exit 1; }
# Some traffic so every histogram has samples, then the scrape.
ls / >/dev/null; curl -sf "http://127.0.0.1:$port/metrics" >/dev/null
curl -sf "http://127.0.0.1:$port/metrics" >"$tmp/metrics" || { echo "FAIL: scrape"; exit 1; }
collectors=$(./kprof list | awk 'NR > 1 && $2 == "yes" { print $1 }' | tr '\n' ' ')
echo "scraped $(grep -vc '^#' "$tmp/metrics") samples from kprof serve (collectors: $collectors)"

python3 - "$tmp/used.json" "$tmp/metrics" "$collectors" <<'PY'
import json, re, sys
used = json.load(open(sys.argv[1]))
collectors = set(sys.argv[3].split())
exported = set()
for line in open(sys.argv[2]):
    m = re.match(r"# TYPE (\S+) (\S+)", line)
    if m:
        name, kind = m.groups()
        exported.add(name)
        if kind in ("histogram", "summary"):
            exported |= {name + "_sum", name + "_count"}
        if kind == "histogram":
            exported.add(name + "_bucket")
    elif line.strip() and not line.startswith("#"):
        exported.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))
# Planned families (the design's metric names) of collectors not built yet.
PLANNED = {
    "sched": ["kprof_sched_runqueue_latency_seconds", "kprof_sched_offcpu_seconds",
              "kprof_sched_oncpu_seconds"],
    "tcp": ["kprof_tcp_connect_latency_seconds", "kprof_tcp_rtt_seconds",
            "kprof_tcp_connection_duration_seconds", "kprof_tcp_retransmits_total",
            "kprof_tcp_resets_total"],
}
PROMETHEUS = {"up"}  # synthetic, from Prometheus itself
failed, unverified = [], []
for name, where in sorted(used.items()):
    if name in exported or name in PROMETHEUS:
        continue
    coll = name.split("_")[1] if name.startswith("kprof_") else None
    base = re.sub(r"_(bucket|sum|count)$", "", name)
    if coll in PLANNED and coll not in collectors and (name in PLANNED[coll] or base in PLANNED[coll]):
        unverified.append(f"{name} (collector {coll} not in this build)")
        continue
    failed.append(f"{name}, used by {', '.join(sorted(set(where)))}")
for f in failed:
    print("FAIL: not exported by kprof serve:", f)
for u in unverified:
    print("unverified against a scrape, checked against the design's names:", u)
print(f"{len(used) - len(failed) - len(unverified)} metric names found in the scrape, "
      f"{len(unverified)} unverified, {len(failed)} missing")
sys.exit(1 if failed else 0)
PY
