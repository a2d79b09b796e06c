#!/bin/bash
# SPDX-License-Identifier: MIT
# The kprof binary as users run it: exit codes, messages, --json, clean detach.
set -u
source "$(dirname "$0")/test_lib.bash"
HELPER=build/tests/helpers/syscalls

# Bad input: exit 2 and one clear line, with or without root.
expect 2 "unknown option '--bogus'" -- $KPROF record --bogus
expect 2 "bad --duration 'ten'" -- $KPROF record -d ten
expect 2 "unknown collector 'nosuch'" -- $KPROF record --collectors nosuch
expect 2 "no process with pid 4194304" -- $KPROF record --pid 4194304
expect 2 "unknown command 'frobnicate'" -- $KPROF frobnicate
expect 2 "missing command" -- $KPROF
$KPROF --help | grep -q "record" || fail "kprof --help"
$KPROF record --help | grep -q -- "--duration" || fail "kprof record --help"
$KPROF version | grep -q "^kprof " || fail "kprof version"

# Without privilege: one sentence naming the cause and the fix, exit 1.
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
	expect 1 "needs root .*sudo" -- setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all $KPROF record -d 1s
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: the --json and detach checks load BPF programs and need root"
	[ $fails -eq 0 ] && exit 77 || exit 1
fi

# --json on a workload of known counts, then nothing left attached.
N=300
tmp=$(mktemp -d)
trap 'kill $wpid $kpid 2>/dev/null; rm -rf "$tmp"' EXIT
mkfifo "$tmp/go"
$HELPER $N <"$tmp/go" &
wpid=$!
exec 3>"$tmp/go"
$KPROF record --json -d 60s --collectors syscall --pid $wpid >"$tmp/out.json" 2>"$tmp/err" &
kpid=$!
for _ in $(seq 100); do grep -q recording "$tmp/err" && break; sleep 0.1; done
grep -q recording "$tmp/err" || fail "kprof did not start: $(cat "$tmp/err")"
# The programs this kprof holds, to check after exit that they are gone.
ids=$(cat /proc/$kpid/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' | sort -u)
[ -n "$ids" ] || fail "no BPF programs held by kprof (pid $kpid)"
echo go >&3
exec 3>&-
wait $wpid
kill -INT $kpid
wait $kpid || fail "kprof record exited $? after SIGINT"
python3 - "$tmp/out.json" "$N" <<'PY' || fail "JSON check"
import json, sys
doc = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
fam = {f["name"]: f for f in doc["families"]}
lat = {s["labels"]["syscall"]: s for s in fam["kprof_syscall_latency_seconds"]["series"]}
assert lat["getppid"]["count"] == n, lat["getppid"]
assert lat["getppid"]["errors"] == 0
assert lat["openat"]["count"] == n and lat["openat"]["errors"] == n, lat["openat"]
assert sum(b["count"] for b in lat["getppid"]["buckets"]) == n
assert lat["getppid"]["p99_seconds"] <= lat["getppid"]["max_seconds"] < 0.001
errs = {(s["labels"]["syscall"], s["labels"]["errno"]): s["value"]
        for s in fam["kprof_syscall_errors_total"]["series"]}
assert errs[("openat", "ENOENT")] == n, errs
assert doc["duration_seconds"] > 0
print("json ok: getppid", lat["getppid"]["count"], "openat ENOENT", errs[("openat", "ENOENT")])
PY
# The kernel frees programs after an RCU grace period: allow it a moment.
for id in $ids; do
	for _ in $(seq 50); do bpftool prog show id "$id" >/dev/null 2>&1 || break; sleep 0.1; done
	bpftool prog show id "$id" >/dev/null 2>&1 && fail "program $id still loaded 5 s after exit"
done
echo "detach ok: programs" $ids "gone"
[ $fails -eq 0 ]
