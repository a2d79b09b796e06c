#!/bin/bash
# SPDX-License-Identifier: MIT
# A real Prometheus server (Debian package prometheus) scrapes kprof serve
# every second; its HTTP API then answers
# histogram_quantile(0.99, rate(kprof_syscall_latency_seconds_bucket[1m]))
# with a number. Bounded in time; Prometheus is always stopped.
set -u
source "$(dirname "$0")/serve_lib.bash"
require_root
command -v prometheus >/dev/null || { echo "skipped: prometheus is missing (Debian package prometheus)"; exit 77; }
tmp=$(mktemp -d)
KPID= PROM_PID=
cleanup() {
	[ -n "$PROM_PID" ] && kill -KILL $PROM_PID 2>/dev/null
	[ -n "$KPID" ] && kill -KILL $KPID 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
DEADLINE=$((SECONDS + 90))

start_serve "$tmp/kprof.log" --collectors syscall --log.level debug || exit 1
# A free port for Prometheus, from the kernel.
PPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: kprof
    static_configs:
      - targets: ['127.0.0.1:$PORT']
YML
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
	--web.listen-address=127.0.0.1:$PPORT --log.level=warn >"$tmp/prom.log" 2>&1 &
PROM_PID=$!
P=http://127.0.0.1:$PPORT

query() { curl -s -m 5 --data-urlencode "query=$1" "$P/api/v1/query"; }
# A number from the first element of a vector result, or nothing.
first_number() {
	python3 -c '
import json, math, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit(1)
for r in d.get("data", {}).get("result", []):
    v = float(r["value"][1])
    if math.isfinite(v):
        print(r["metric"].get("syscall", ""), v)
        sys.exit(0)
sys.exit(1)'
}

Q='histogram_quantile(0.99, rate(kprof_syscall_latency_seconds_bucket[1m]))'
answer=
while [ $SECONDS -lt $DEADLINE ]; do
	build/tests/helpers/syscalls 500 >/dev/null 2>&1 </dev/null || true
	answer=$(query "$Q" | first_number) && break
	kill -0 $PROM_PID 2>/dev/null || { fail "prometheus exited: $(tail -5 "$tmp/prom.log")"; break; }
	sleep 1
done
if [ -n "$answer" ]; then
	echo "Prometheus: $Q = $answer s (after ${SECONDS}s)"
else
	fail "no number for $Q within 90 s: $(query "$Q" | head -c 500)"
fi
# The target is healthy and every scrape parsed (Prometheus negotiates OpenMetrics).
targets=$(curl -s -m 5 "$P/api/v1/targets")
echo "$targets" | python3 -c '
import json, sys
t = json.load(sys.stdin)["data"]["activeTargets"]
assert len(t) == 1 and t[0]["health"] == "up", t
assert t[0]["lastError"] == "", t[0]["lastError"]
print("target up, last scrape", t[0]["lastScrapeDuration"], "s")' || fail "target unhealthy: $targets"
grep -q 'msg=scrape format=openmetrics' "$tmp/kprof.log" || fail "Prometheus did not get OpenMetrics"
up=$(query 'min_over_time(up{job="kprof"}[5m])' | first_number)
[ "${up#* }" = "1.0" ] || [ "${up#* }" = "1" ] || fail "a scrape failed: up=$up"
stop_serve
[ "$STOP_RC" = 0 ] || fail "kprof serve exit $STOP_RC"
finish
