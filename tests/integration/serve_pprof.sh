#!/bin/bash
# SPDX-License-Identifier: MIT
# `kprof serve` answers GET /debug/pprof/profile?seconds=N with a gzipped
# pprof of the whole host that `go tool pprof` reads (the burner's hot_loop
# in it), /debug/pprof/offcpu too; bad ?seconds is 400, a second concurrent
# profile 503.
set -u
source "$(dirname "$0")/test_lib.bash"
HELPER=build/tests/helpers/stacks

if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: loads BPF programs and needs root"
	exit 77
fi
command -v curl >/dev/null || { echo "skipped: needs curl"; exit 77; }
tmp=$(mktemp -d)
trap 'kill $spid $wpid 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
port=$((20000 + $$ % 20000))
$KPROF serve --web.listen-address 127.0.0.1:$port --collectors syscall -F 99 \
	--log.level warn 2>"$tmp/serve.log" &
spid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/debug/pprof"

code() { curl -s -o "$tmp/body" -w '%{http_code}' "$@"; }
[ "$(code "$url/profile?seconds=abc")" = 400 ] || fail "seconds=abc: $(cat "$tmp/body")"
grep -q "bad seconds 'abc'" "$tmp/body" || fail "seconds=abc body: $(cat "$tmp/body")"
[ "$(code "$url/profile?seconds=61")" = 400 ] || fail "seconds=61 not refused"
[ "$(code "$url/profile?seconds=0")" = 400 ] || fail "seconds=0 not refused"

# The burner: 4 s of CPU under main -> outer -> hot_loop, alive until stdin closes.
mkfifo "$tmp/go"
$HELPER burn 4 1 <"$tmp/go" >/dev/null &
wpid=$!
exec 3>"$tmp/go"
echo g >&3
curl -s -o "$tmp/cpu.pb.gz" -w '%{http_code} %{content_type}\n' "$url/profile?seconds=3" \
	>"$tmp/first" &
cpid=$!
sleep 1
# While that one runs: a second cpu profile is refused, an offcpu one is not.
[ "$(code "$url/profile?seconds=1")" = 503 ] || fail "concurrent profile not refused"
[ "$(code "$url/offcpu?seconds=1")" = 200 ] || fail "offcpu: $(head -c 200 "$tmp/body")"
[ "$(head -c 2 "$tmp/body" | od -An -tx1 | tr -d ' ')" = 1f8b ] || fail "offcpu body is not gzip"
wait $cpid
grep -q "^200 application/octet-stream" "$tmp/first" || fail "profile: $(cat "$tmp/first")"
exec 3>&-
if go version >/dev/null 2>&1; then
	top=$(HOME=$tmp go tool pprof -symbolize=none -top "$tmp/cpu.pb.gz" 2>&1)
	echo "$top" | head -14
	echo "$top" | grep -q "Type: cpu" || fail "not a cpu profile"
	echo "$top" | grep -qE ' hot_loop$' || fail "hot_loop not in the host profile"
else
	echo "note: go missing (Debian package golang-go): profile only checked to be gzip"
	[ "$(head -c 2 "$tmp/cpu.pb.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ] || fail "not gzip"
fi
kill -TERM $spid
wait $spid || fail "serve exited $? on SIGTERM: $(cat "$tmp/serve.log")"
[ $fails -eq 0 ]
