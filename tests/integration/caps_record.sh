#!/bin/bash
# SPDX-License-Identifier: MIT
# Least privilege: a running `kprof record` holds no capability after
# start-up (or exactly those of --capabilities.keep), and still counts a
# workload of known size exactly with what it kept.
set -u
source "$(dirname "$0")/test_lib.bash"
HELPER=build/tests/helpers/syscalls

if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: loading BPF programs needs root"
	exit 77
fi
if grep -q '^CapEff:[[:space:]]*0*$' /proc/self/status; then
	echo "skipped: this shell has no capabilities to drop"
	exit 77
fi

tmp=$(mktemp -d)
wpid= kpid=
trap 'kill $wpid $kpid 2>/dev/null; rm -rf "$tmp"' EXIT

# run N WANT_EFF [flags]: records N syscalls of a workload, checks CapEff.
run() {
	local n=$1 want=$2; shift 2
	local eff prm bnd nnp
	rm -f "$tmp/go"
	mkfifo "$tmp/go"
	$HELPER "$n" <"$tmp/go" &
	wpid=$!
	exec 3>"$tmp/go"
	$KPROF record --json -d 60s --collectors syscall --pid $wpid "$@" >"$tmp/out.json" 2>"$tmp/err" &
	kpid=$!
	for _ in $(seq 100); do grep -qs recording "$tmp/err" && break; sleep 0.1; done
	grep -q recording "$tmp/err" || fail "kprof did not start: $(cat "$tmp/err")"
	eff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/$kpid/status)
	prm=$(sed -n 's/^CapPrm:[[:space:]]*//p' /proc/$kpid/status)
	bnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/$kpid/status)
	nnp=$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' /proc/$kpid/status)
	echo "kprof record $*: CapEff $eff CapPrm $prm CapBnd $bnd NoNewPrivs $nnp"
	[ "$eff" = "$want" ] || fail "CapEff $eff, want $want ($*)"
	[ "$prm" = "$want" ] || fail "CapPrm $prm, want $want ($*)"
	[ "$bnd" = "$want" ] || fail "CapBnd $bnd, want $want ($*)"
	[ "$nnp" = 1 ] || fail "NoNewPrivs $nnp, want 1"
	# The workload runs only now, after the drop: the maps are read without privilege.
	echo go >&3
	exec 3>&-
	wait $wpid
	kill -INT $kpid
	wait $kpid || fail "kprof record exited $? after SIGINT ($*)"
	wpid= kpid=
	python3 - "$tmp/out.json" "$n" <<'PY' || fail "counts after dropping capabilities ($*)"
import json, sys
doc = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
fam = {f["name"]: f for f in doc["families"]}
lat = {s["labels"]["syscall"]: s for s in fam["kprof_syscall_latency_seconds"]["series"]}
assert lat["getppid"]["count"] == n, lat["getppid"]
assert lat["openat"]["count"] == n and lat["openat"]["errors"] == n, lat["openat"]
print("counts ok: getppid", n, "openat", n)
PY
}

# The syscall collector needs nothing once attached.
run 200 0000000000000000
# --capabilities.keep: exactly these (CAP_SYS_PTRACE is 19, CAP_SYSLOG 34).
run 150 0000000400080000 --capabilities.keep CAP_SYS_PTRACE,syslog

# kprof serve drops them too, once attached and listening, and still serves
# the counts of a workload that runs after the drop. serve has no --pid: the
# workload runs in a cgroup of its own and serve filters on it (--cgroup).
mnt=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
if [ -z "$mnt" ] || ! mkdir "$mnt/kprof-caps-$$"; then
	echo "note: no writable cgroup v2 mount; kprof serve not checked"
	[ $fails -eq 0 ]
	exit
fi
trap 'kill $wpid $kpid 2>/dev/null; wait $wpid $kpid 2>/dev/null; rmdir "$mnt/kprof-caps-$$"; rm -rf "$tmp"' EXIT
rm -f "$tmp/go"
mkfifo "$tmp/go"
$HELPER 120 <"$tmp/go" &
wpid=$!
echo $wpid >"$mnt/kprof-caps-$$/cgroup.procs" || fail "cannot move the workload into a cgroup"
exec 3>"$tmp/go"
$KPROF serve --web.listen-address 127.0.0.1:0 --collectors syscall --cgroup /kprof-caps-$$ 2>"$tmp/serve.log" &
kpid=$!
for _ in $(seq 100); do grep -qs 'msg=listening' "$tmp/serve.log" && break; sleep 0.1; done
port=$(sed -n 's/.*msg=listening.* port=\([0-9]*\).*/\1/p' "$tmp/serve.log")
eff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/$kpid/status)
echo "kprof serve: CapEff $eff"
[ "$eff" = 0000000000000000 ] || fail "kprof serve CapEff $eff, want 0000000000000000"
before=$(curl -sf "http://127.0.0.1:$port/metrics" | sed -n 's/^kprof_syscall_latency_seconds_count{syscall="getppid"} //p')
echo go >&3
exec 3>&-
wait $wpid
after=$(curl -sf "http://127.0.0.1:$port/metrics" | sed -n 's/^kprof_syscall_latency_seconds_count{syscall="getppid"} //p')
[ -z "$before" ] && [ "$after" = 120 ] ||
	fail "kprof serve after the drop: getppid count went from '${before}' to '${after}', want +120"
echo "serve counts ok: getppid ${before:-none} -> $after (only the workload's cgroup)"
kill $kpid
wait $kpid || fail "kprof serve exited $? on SIGTERM"
wpid= kpid=
[ $fails -eq 0 ]
