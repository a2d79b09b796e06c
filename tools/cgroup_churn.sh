#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Cgroup churn against `kprof serve --by cgroup` (issue 8's closing figures):
# NCG workers each create a cgroup under /kprof-churn-PID, run a small known
# workload in it (LIFE seconds of: 200 getppid + 200 failing openat from
# tests/helpers/syscalls, then sleep 1), remove it and start over, for
# DURATION seconds. Every STEP seconds the script scrapes /metrics (the
# scrape is the read that evicts) and prints: series of
# kprof_syscall_latency_seconds, distinct cgroup labels (and those other
# than "other" and "gone"), the cgroup="other" events, the kernel map's
# entries, the events that found it full (lost reason cgroup_map_full:
# still counted, under "other"), and kprof's RSS. It goes on for TAIL
# seconds after the churn stops, to show what the grace period releases.
#
# serve is filtered (--cgroup) on the churn's parent cgroup so that the
# figures are the churn's alone, whatever else runs on the host.
#
# Usage (root, from the repository, after `make kprof check-build`):
#   GRACE=5s tools/cgroup_churn.sh       # --cgroup.grace 5s
#   tools/cgroup_churn.sh                # the default grace (5m)
# Environment: NCG (50), DURATION (60), LIFE (3 to 7 s, random per cgroup:
# LIFE_MIN, LIFE_MAX), STEP (5), TAIL (30), MAX_SERIES (100), GRACE (unset:
# default), PORT (random high port), KPROF (./kprof).
set -euo pipefail

NCG=${NCG:-50}
DURATION=${DURATION:-60}
LIFE_MIN=${LIFE_MIN:-3}
LIFE_MAX=${LIFE_MAX:-7}
STEP=${STEP:-5}
TAIL=${TAIL:-30}
MAX_SERIES=${MAX_SERIES:-100}
PORT=${PORT:-$((20000 + RANDOM % 20000))}
KPROF=${KPROF:-./kprof}
HELPER=${HELPER:-build/tests/helpers/syscalls}
FAMILY=kprof_syscall_latency_seconds

die() {
	echo "cgroup_churn: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (cgroups and BPF)"
[ -x "$KPROF" ] || die "no $KPROF: run make kprof"
[ -x "$HELPER" ] || die "no $HELPER: run make check-build"
command -v curl >/dev/null || die "needs curl"
MOUNT=$(awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
[ -n "$MOUNT" ] || die "no cgroup v2 hierarchy mounted"

PARENT=/kprof-churn-$$
mkdir "$MOUNT$PARENT"
TMPD=$(mktemp -d)
KPID=
WORKERS=()
cleanup() {
	# The workers first (or they start new cgroups), then every workload in the subtree.
	if [ "${#WORKERS[@]}" -gt 0 ]; then
		kill "${WORKERS[@]}" 2>/dev/null || true
		wait "${WORKERS[@]}" 2>/dev/null || true
	fi
	echo 1 >"$MOUNT$PARENT/cgroup.kill" 2>/dev/null || true
	if [ -n "$KPID" ]; then
		kill "$KPID" 2>/dev/null || true
		wait "$KPID" 2>/dev/null || true
	fi
	for _ in $(seq 50); do
		for d in "$MOUNT$PARENT"/*/; do
			[ -d "$d" ] && rmdir "$d" 2>/dev/null
		done
		rmdir "$MOUNT$PARENT" 2>/dev/null && break
		sleep 0.1
	done
	rm -rf "$TMPD"
}
trap cleanup EXIT

grace_flag=()
[ -n "${GRACE:-}" ] && grace_flag=(--cgroup.grace "$GRACE")
"$KPROF" serve -c syscall --by cgroup --cgroup "$PARENT" --cgroup.max-series "$MAX_SERIES" \
	"${grace_flag[@]}" --web.listen-address "127.0.0.1:$PORT" --log.level warn &
KPID=$!
for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || die "kprof serve did not start"

# One worker: cgroups one after another, each living LIFE_MIN..LIFE_MAX s.
worker() {
	local i=$1 end=$2 n=0 cg life
	while [ "$(date +%s)" -lt "$end" ]; do
		cg=$MOUNT$PARENT/w$i-$n
		mkdir "$cg"
		life=$((LIFE_MIN + RANDOM % (LIFE_MAX - LIFE_MIN + 1)))
		(
			echo "$BASHPID" >"$cg/cgroup.procs"
			for _ in $(seq "$life"); do
				echo go | "$HELPER" 200
				sleep 1
			done
		)
		for _ in $(seq 100); do rmdir "$cg" 2>/dev/null && break; sleep 0.05; done
		n=$((n + 1))
	done
	echo "$n" >"$TMPD/created-$i"
}

START=$(date +%s)
END=$((START + DURATION))
for i in $(seq "$NCG"); do
	worker "$i" "$END" 2>/dev/null &
	WORKERS+=($!)
done

echo "# kprof serve -c syscall --by cgroup --cgroup $PARENT --cgroup.max-series $MAX_SERIES ${grace_flag[*]}"
echo "# $NCG workers, cgroups living ${LIFE_MIN}-${LIFE_MAX} s, churn for ${DURATION} s, scrape every ${STEP} s"
printf '%5s %6s %7s %8s %5s %9s %8s %9s %8s\n' t_s alive series cgroups own other_ev map_ent map_full rss_kib
t=0
while [ "$t" -le $((DURATION + TAIL)) ]; do
	sleep_until=$((START + t))
	while [ "$(date +%s)" -lt "$sleep_until" ]; do sleep 0.2; done
	metrics=$(curl -sf "http://127.0.0.1:$PORT/metrics") || die "scrape failed at t=$t"
	# series, distinct cgroup labels, own (not other/gone), events under other, map
	# entries, events that found the map full
	read -r series cgroups own other entries lost < <(awk -v fam="${FAMILY}_count{" '
		index($0, fam) == 1 {
			series++
			match($0, /cgroup="[^"]*"/)
			cg = substr($0, RSTART, RLENGTH)
			if (!(cg in seen)) { seen[cg] = 1; ncg++; if (cg != "cgroup=\"other\"" && cg != "cgroup=\"gone\"") own++ }
			if (cg == "cgroup=\"other\"") other += $2
		}
		/^kprof_bpf_map_entries\{collector="syscall",map="syscall_cg_stats"\}/ { entries = $2 }
		/^kprof_lost_events_total\{collector="syscall",reason="cgroup_map_full"\}/ { lost = $2 }
		END { printf "%d %d %d %d %s %d\n", series, ncg, own, other, entries == "" ? "?" : entries, lost }
	' <<<"$metrics")
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$KPID/status")
	alive=$( (ls -d "$MOUNT$PARENT"/w*/ 2>/dev/null || true) | wc -l)
	printf '%5d %6d %7d %8d %5d %9d %8s %9d %8d\n' "$t" "$alive" "$series" "$cgroups" "$own" \
		"$other" "$entries" "$lost" "$rss"
	t=$((t + STEP))
done
wait "${WORKERS[@]}" 2>/dev/null || true
WORKERS=()
created=$(cat "$TMPD"/created-* 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
echo "# cgroups created and removed: $created"
kill -0 "$KPID" || die "kprof serve died"
