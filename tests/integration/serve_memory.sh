#!/bin/bash
# SPDX-License-Identifier: MIT
# kprof serve's memory stays flat: RSS after 2,000 scrapes (text, OpenMetrics,
# gzip; new and kept-alive connections) grows less than 1 MiB after warm-up;
# and under valgrind a few hundred scrapes and bad requests leave no leak and
# no invalid access.
set -u
source "$(dirname "$0")/serve_lib.bash"
require_root
tmp=$(mktemp -d)
KPID=
trap '[ -n "$KPID" ] && kill -KILL $KPID 2>/dev/null; rm -rf "$tmp"' EXIT

rss_kib() { awk '/^VmRSS:/ { print $2 }' /proc/$KPID/status; }
# scrape N: N requests, 50 per curl process (kept alive), rotating formats.
scrape() {
	local n=$1 i urls
	for ((i = 0; i < n; i += 50)); do
		urls=()
		for _ in $(seq 50); do urls+=("$URL/metrics"); done
		case $((i / 50 % 3)) in
		0) curl -sf -m 60 -o /dev/null "${urls[@]}" ;;
		1) curl -sf -m 60 -o /dev/null -H 'Accept-Encoding: gzip' "${urls[@]}" ;;
		2) curl -sf -m 60 -o /dev/null -H 'Accept: application/openmetrics-text' "${urls[@]}" ;;
		esac >/dev/null || fail "scrape batch $i"
	done
}

start_serve "$tmp/log" --collectors syscall || exit 1
scrape 300
before=$(rss_kib)
scrape 2000
after=$(rss_kib)
echo "RSS: $before KiB after 300 warm-up scrapes, $after KiB after 2,000 more ($((after - before)) KiB)"
[ $((after - before)) -lt 1024 ] || fail "RSS grew by $((after - before)) KiB over 2,000 scrapes"
stop_serve
[ "$STOP_RC" = 0 ] || fail "exit $STOP_RC"

if ! command -v valgrind >/dev/null; then
	echo "skipped part: valgrind is missing"
	finish
	exit
fi
KPROF="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --suppressions=tests/valgrind.supp \
	--error-exitcode=99 ./kprof"
# Valgrind runs the code some 50 times slower: fewer buckets keep it short.
START_TIMEOUT=120 start_serve "$tmp/vg.log" --collectors syscall --web.timeout 1s \
	--histogram.min 1ms --histogram.max 1s || exit 1
scrape 200
curl -s -m 10 "$URL/" "$URL/healthz" "$URL/nope" >/dev/null
curl -s -m 10 -o /dev/null -X POST --data-binary @README.md "$URL/metrics"
curl -s -m 10 -o /dev/null -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)" "$URL/metrics"
exec 5<>/dev/tcp/127.0.0.1/$PORT
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n' >&5 # stuck: closed by --web.timeout
sleep 2
exec 5>&-
stop_serve
echo "valgrind: exit $STOP_RC after ${STOP_SECS}s"
grep -v -e '^time=' -e 'unhandled eBPF command' "$tmp/vg.log" | head -40
[ "$STOP_RC" = 0 ] || fail "valgrind reported errors or kprof failed (exit $STOP_RC)"
finish
