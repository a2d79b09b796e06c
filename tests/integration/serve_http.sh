#!/bin/bash
# SPDX-License-Identifier: MIT
# kprof serve over real HTTP: both formats and gzip pass promtool, the right
# status for bad requests, stuck and slow clients never stall a scrape, the
# connection limit holds, counters never decrease, SIGTERM exits 0 in 2 s.
set -u
source "$(dirname "$0")/serve_lib.bash"
require_root
command -v promtool >/dev/null || { echo "skipped: promtool is missing (Debian package prometheus)"; exit 77; }
command -v curl >/dev/null || { echo "skipped: curl is missing"; exit 77; }
tmp=$(mktemp -d)
KPID=
trap '[ -n "$KPID" ] && kill -KILL $KPID 2>/dev/null; rm -rf "$tmp"' EXIT

start_serve "$tmp/log" --collectors syscall --web.max-connections 16 --web.timeout 2s --log.level debug || exit 1
code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$@"; }

# --- Formats: text, OpenMetrics, gzip; promtool on each. -----------------
curl -sf -m 5 -D "$tmp/h" "$URL/metrics" >"$tmp/text" || fail "GET /metrics"
grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' "$tmp/h" || fail "text content type: $(cat "$tmp/h")"
promtool_ok "$tmp/text" text || fail "promtool rejects the text format"
grep -q '^kprof_syscall_latency_seconds_bucket{syscall="[a-z_0-9]*",le="+Inf"} [0-9]' "$tmp/text" || fail "no syscall histogram"
grep -q '^kprof_collector_up{collector="syscall"} 1$' "$tmp/text" || fail "kprof_collector_up"
grep -q '^kprof_bpf_program_runs_total{collector="syscall",program="[a-z_]*"} [1-9]' "$tmp/text" || fail "BPF program stats"
for m in kprof_build_info process_cpu_seconds_total process_resident_memory_bytes \
	process_start_time_seconds process_open_fds kprof_lost_events_total \
	kprof_bpf_map_entries kprof_scrape_collector_duration_seconds; do
	grep -q "^# TYPE $m " "$tmp/text" || fail "no $m"
done
curl -sf -m 5 -D "$tmp/h" -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' \
	"$URL/metrics" >"$tmp/om" || fail "GET /metrics (OpenMetrics)"
grep -qi '^content-type: application/openmetrics-text; version=1.0.0' "$tmp/h" || fail "OpenMetrics content type"
[ "$(tail -1 "$tmp/om")" = "# EOF" ] || fail "OpenMetrics does not end with # EOF"
grep -q '^# TYPE kprof_bpf_program_runs counter$' "$tmp/om" || fail "OpenMetrics counter family name"
promtool_ok "$tmp/om" openmetrics || fail "promtool rejects the OpenMetrics output"
curl -sf -m 5 -D "$tmp/h" -H 'Accept-Encoding: gzip' "$URL/metrics" >"$tmp/gz" || fail "GET gzip"
grep -qi '^content-encoding: gzip' "$tmp/h" || fail "no Content-Encoding: gzip"
gzip -dc <"$tmp/gz" >"$tmp/gunzip" || fail "body is not gzip"
promtool_ok "$tmp/gunzip" text || fail "promtool rejects the gunzipped output"
echo "sizes: text $(wc -c <"$tmp/text") B, gzip $(wc -c <"$tmp/gz") B, OpenMetrics $(wc -c <"$tmp/om") B"
curl -sf -m 5 -H 'Accept-Encoding: gzip;q=0' -D "$tmp/h" -o /dev/null "$URL/metrics"
grep -qi '^content-encoding' "$tmp/h" && fail "gzip despite q=0"

# --- Endpoints and bad requests. -------------------------------------------
[ "$(code "$URL/")" = 200 ] || fail "GET /"
curl -s -m 5 "$URL/" | grep -q '<a href="/metrics">' || fail "/ does not link /metrics"
[ "$(code "$URL/healthz")" = 200 ] || fail "GET /healthz"
[ "$(code -I "$URL/metrics")" = 200 ] || fail "HEAD /metrics"
[ "$(code "$URL/nope")" = 404 ] || fail "unknown path is not 404"
[ "$(code "$URL/metrics/x")" = 404 ] || fail "/metrics/x is not 404"
for m in POST PUT DELETE PATCH OPTIONS; do
	[ "$(code -X $m "$URL/metrics")" = 405 ] || fail "$m /metrics is not 405"
done
curl -s -m 5 -X POST -D "$tmp/h" -o /dev/null "$URL/metrics"
grep -qi '^allow: GET, HEAD' "$tmp/h" || fail "405 without Allow"
[ "$(code -X POST --data-binary @"$KPROF" "$URL/metrics")" = 405 ] || fail "POST with a body is not 405"
big=$(head -c 100000 /dev/zero | tr '\0' a)
[ "$(code -H "X-Big: $big" "$URL/metrics")" = 431 ] || fail "a 100 kB header is not 431"
many=(); for i in $(seq 400); do many+=(-H "X-H$i: $i"); done
[ "$(code "${many[@]}" "$URL/metrics")" = 431 ] || fail "400 headers are not 431"
# A request line that is not HTTP: a 400 or a closed connection, never a hang.
exec 5<>/dev/tcp/127.0.0.1/$PORT
printf 'GARBAGE \x01\x02\xff\r\n\r\n' >&5
reply=$(timeout 5 head -c 12 <&5)
[ $? -eq 124 ] && fail "garbage request left hanging"
case "$reply" in "" | "HTTP/1.1 400") ;; *) fail "garbage request got '$reply'" ;; esac
exec 5>&-
kill -0 $KPID || fail "kprof died on bad requests"

# --- Stuck and slow clients do not stall scrapes. ------------------------
# 8 clients that send half a request and stop (slowloris), and one that
# reads /metrics at 1 kB/s: a scrape still answers at once.
fds=()
for i in $(seq 8); do
	exec {fd}<>/dev/tcp/127.0.0.1/$PORT
	printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ' >&$fd
	fds+=($fd)
done
curl -s -m 60 --limit-rate 1k -o /dev/null "$URL/metrics" &
slow=$!
sleep 0.5
t=$(curl -s -o /dev/null -m 5 -w '%{time_total}' "$URL/metrics")
echo "scrape with 8 stuck clients and a slow reader: ${t}s"
awk "BEGIN { exit !($t > 0 && $t < 1.5) }" || fail "scrape took ${t}s with stuck clients"
# --web.timeout 2s: the server closes the stuck connections itself.
t0=$(date +%s.%N)
timeout 10 cat <&${fds[0]} >/dev/null
closed=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.3f", a - b }')
echo "a stuck client was closed by the server after ${closed}s (--web.timeout 2s)"
awk "BEGIN { exit !($closed < 5) }" || fail "stuck client not closed after ${closed}s"
for fd in "${fds[@]}"; do exec {fd}>&-; done
kill $slow 2>/dev/null
wait $slow 2>/dev/null

# --- More connections than the limit (16): refused, never a crash. ------
fds=()
for i in $(seq 40); do
	exec {fd}<>/dev/tcp/127.0.0.1/$PORT && fds+=($fd)
done
sleep 0.3
for fd in "${fds[@]}"; do exec {fd}>&-; done
sleep 0.3
[ "$(code "$URL/healthz")" = 200 ] || fail "no answer after 40 connections beyond the limit"
grep -q "reached connection limit" "$tmp/log" || fail "the connection limit was not reached"

# --- Counters and histograms never decrease across scrapes. ---------------
for i in 1 2 3 4 5; do
	curl -sf -m 5 "$URL/metrics" >"$tmp/s$i" || fail "scrape $i"
	build/tests/helpers/syscalls 200 >/dev/null 2>&1 </dev/null || true
done
python3 - "$tmp"/s{1,2,3,4,5} <<'PY' || fail "a counter decreased"
import re, sys
kinds, prev, checked = {}, {}, 0
for path in sys.argv[1:]:
    cur = {}
    for line in open(path):
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            kinds[name] = kind
            continue
        if line.startswith("#") or not line.strip():
            continue
        key, value = line.rsplit(" ", 1)
        name = key.split("{")[0]
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        if kinds.get(name) == "counter" or kinds.get(base) == "histogram":
            cur[key] = float(value)
    for key, v in cur.items():
        if key in prev:
            checked += 1
            assert v >= prev[key], f"{key}: {prev[key]} -> {v} in {path}"
    prev = cur
assert checked > 100, checked
print("monotonic:", checked, "comparisons")
PY

# --- SIGTERM while a scrape is in flight: exit 0 within 2 s. --------------
curl -s -m 30 --limit-rate 2k -o /dev/null "$URL/metrics" &
slow=$!
sleep 0.3
stop_serve TERM
echo "SIGTERM with a slow scrape in flight: exit $STOP_RC after ${STOP_SECS}s"
[ "$STOP_RC" = 0 ] || fail "exit code $STOP_RC after SIGTERM"
awk "BEGIN { exit !($STOP_SECS < 2) }" || {
	fail "SIGTERM took ${STOP_SECS}s (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
	grep -e 'shutting down' -e 'stopped' -e 'detached' "$tmp/log"
}
kill $slow 2>/dev/null
wait $slow 2>/dev/null
grep -q 'level=info msg="shutting down" signal=SIGTERM' "$tmp/log" || fail "no shutdown log line"
grep -q 'level=info msg=stopped' "$tmp/log" || fail "no stopped log line"
[ "$(code "$URL/healthz")" = 000 ] || fail "still answering after exit"

# SIGINT, and JSON logs.
start_serve "$tmp/log2" --collectors syscall --log.format json || exit 1
stop_serve INT
[ $STOP_RC -eq 0 ] || fail "exit $STOP_RC after SIGINT"
grep -q '^{"time":"[0-9T:.-]*Z","level":"info","msg":"shutting down","signal":"SIGINT"}$' "$tmp/log2" || fail "JSON log: $(cat "$tmp/log2")"

# Startup errors: one line, exit 1 (port in use) or 2 (bad flag).
start_serve "$tmp/log3" --collectors syscall || exit 1
$KPROF serve --web.listen-address 127.0.0.1:$PORT 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "port in use: exit $rc"
grep -q 'level=error msg="cannot listen on 127.0.0.1:'$PORT': Address already in use' "$tmp/err" || fail "port in use: $(cat "$tmp/err")"
stop_serve
$KPROF serve --web.listen-address nonsense 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "bad --web.listen-address 'nonsense'" "$tmp/err" || fail "bad address: $(cat "$tmp/err")"
finish
