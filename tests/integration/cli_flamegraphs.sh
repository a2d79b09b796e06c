#!/bin/bash
# SPDX-License-Identifier: MIT
# `kprof record --collectors cpu,offcpu --output DIR` as users run it: the six
# files, the hot function in the folded stacks, the SVG well-formed with its
# frame, the pprof read back by `go tool pprof`, and a bad output directory.
set -u
source "$(dirname "$0")/test_lib.bash"
HELPER=build/tests/helpers/stacks

if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: loads BPF programs and needs root"
	exit 77
fi
tmp=$(mktemp -d)
trap 'kill $wpid $kpid 2>/dev/null; rm -rf "$tmp"' EXIT

# A file where the directory should be: one sentence, exit 1.
touch "$tmp/file"
err=$($KPROF record -d 1s -c cpu -o "$tmp/file/sub" 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] || fail "bad output dir exited $rc"
echo "$err" | grep -q "could not create the output directory" || fail "bad output dir: $err"

# The burner: main -> outer -> hot_loop for 1 s of CPU time; stays alive until
# stdin closes so that kprof can symbolize it.
mkfifo "$tmp/go"
$HELPER burn 1 1 <"$tmp/go" >"$tmp/done" &
wpid=$!
exec 3>"$tmp/go"
$KPROF record -d 60s -c cpu,offcpu --pid $wpid -o "$tmp/out" >"$tmp/report" 2>"$tmp/err" &
kpid=$!
for _ in $(seq 100); do grep -q recording "$tmp/err" && break; sleep 0.1; done
grep -q recording "$tmp/err" || fail "kprof did not start: $(cat "$tmp/err")"
echo g >&3
for _ in $(seq 300); do grep -q done "$tmp/done" && break; sleep 0.1; done
kill -INT $kpid
wait $kpid || fail "kprof record exited $? after SIGINT: $(cat "$tmp/err")"
exec 3>&-
wait $wpid
cat "$tmp/err"

for c in cpu offcpu; do
	for ext in folded svg pb.gz; do
		[ -s "$tmp/out/$c.$ext" ] || fail "no $tmp/out/$c.$ext"
	done
	grep -q "kprof: $c flame graph: $tmp/out/$c.svg" "$tmp/err" || fail "where $c went not said"
done

# Folded: every line "comm;frames count"; hot_loop under outer under main in >= 80%.
python3 - "$tmp/out/cpu.folded" <<'PY' || fail "cpu.folded"
import sys
total = hot = 0
for line in open(sys.argv[1]):
    stack, count = line.rstrip("\n").rsplit(" ", 1)
    frames = stack.split(";")
    assert frames[0] == "stacks", frames
    total += int(count)
    if "main;outer;hot_loop" in stack:
        hot += int(count)
print(f"cpu.folded: {hot} of {total} samples under main;outer;hot_loop")
assert total >= 70 and hot >= 0.8 * total
PY

# SVG: well-formed (xmllint), hot_loop's frame with its sample count in the tooltip.
if command -v xmllint >/dev/null; then
	xmllint --noout "$tmp/out/cpu.svg" || fail "cpu.svg is not well-formed XML"
	xmllint --noout "$tmp/out/offcpu.svg" || fail "offcpu.svg is not well-formed XML"
else
	echo "note: xmllint missing (Debian package libxml2-utils): SVG checked by python only"
fi
hot=$(awk '/;hot_loop[; ]/{n+=$NF} END{print n+0}' "$tmp/out/cpu.folded")
grep -q "<title>hot_loop ($hot samples" "$tmp/out/cpu.svg" || fail "no hot_loop frame with $hot samples in cpu.svg"

# In a browser, as a person would: click hot_loop (zooms to the full width),
# hover (details line), search (matched share); and a screenshot to look at.
if command -v chromium >/dev/null; then
	cp tests/integration/svg_browser.js "$tmp/out/"
	h=$(sed -n 's/.*<svg[^>]* height="\([0-9]*\)".*/\1/p' "$tmp/out/cpu.svg" | head -1)
	printf '<html><body style="margin:0"><object id="o" data="cpu.svg" type="image/svg+xml" width="1200" height="%s"></object><script src="svg_browser.js"></script></body></html>\n' "$h" >"$tmp/out/view.html"
	chrome=(chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars
		--allow-file-access-from-files --virtual-time-budget=5000)
	timeout 120 "${chrome[@]}" --dump-dom "file://$tmp/out/view.html?frame=hot_loop" 2>/dev/null |
		sed -n 's/.*<title>\(.*\)<\/title>.*/\1/p' | sed 's/&quot;/"/g; s/&amp;/\&/g' >"$tmp/seen.json"
	python3 - "$tmp/seen.json" <<'PY' || fail "the SVG in Chromium: $(cat "$tmp/seen.json")"
import json, sys
seen = json.load(open(sys.argv[1]))
print("chromium:", seen)
assert "error" not in seen, seen
assert seen["before"] > 0.7 * 1180 and abs(seen["after"] - 1180) < 1, seen
assert seen["details"].startswith("hot_loop ("), seen
assert float(seen["matched"].split()[1].rstrip("%")) >= 80, seen
PY
	mkdir -p build/tests
	timeout 120 "${chrome[@]}" --window-size=1200,$((h < 2000 ? h : 2000)) \
		--screenshot=build/tests/cpu-flamegraph.png "file://$tmp/out/cpu.svg" >/dev/null 2>&1
	[ -s build/tests/cpu-flamegraph.png ] || fail "no screenshot of cpu.svg"
	echo "screenshot: build/tests/cpu-flamegraph.png"
else
	echo "note: chromium missing (Debian package chromium): SVG not driven in a browser"
fi

# pprof: go tool pprof reads it back; hot_loop on top.
if go version >/dev/null 2>&1; then
	top=$(HOME=$tmp go tool pprof -symbolize=none -top "$tmp/out/cpu.pb.gz" 2>&1)
	echo "$top" | head -12
	echo "$top" | grep -A1 'flat  flat%' | tail -1 | grep -q 'hot_loop$' || fail "pprof top is not hot_loop"
else
	echo "note: go missing (Debian package golang-go): pprof not read back here (unit tests do when it is there)"
fi
[ $fails -eq 0 ]
