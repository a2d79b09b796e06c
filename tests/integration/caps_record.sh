#!/bin/bash
# SPDX-License-Identifier: MIT
# Least privilege: a running `kprof record` holds no capability after
# start-up (or exactly those of --capabilities.keep), and still counts a
# workload of known size exactly with what it kept.
set -u
cd "$(dirname "$0")/../.."
KPROF=./kprof
HELPER=build/tests/helpers/syscalls
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

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
[ $fails -eq 0 ]
