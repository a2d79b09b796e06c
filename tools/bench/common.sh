# SPDX-License-Identifier: MIT
# Shared by the benchmark sections (sourced by tools/bench/bench.sh): the
# tools under test, how to start and stop them, the workloads.

# kprof collector -> libbpf-tools equivalents (space-separated commands,
# words joined by '+'). cpu: Debian's libbpf-tools has no `profile`; the
# section says so and compares with bpftrace's `profile:hz:99` one-liner
# that counts kernel+user stacks per process (the same work, BPF stats
# apply), and, for slowdown, also with `perf record` (not BPF).
declare -A EQUIV=(
	[syscall]="syscount+-L"
	[sched]="runqlat"
	[offcpu]="offcputime"
	[cpu]="profile bpftrace:profile"
	[tcp]="tcplife tcpstates"
)
# A BPF program that does nothing, on the tracepoints a collector uses: the
# floor (tracepoint dispatch, and the stats' own clock reads) that any tool
# on those tracepoints pays. cpu (perf events) has none.
declare -A FLOOR=(
	[syscall]="empty:sys_enter,sys_exit"
	[sched]="empty:sched_wakeup,sched_wakeup_new,sched_switch"
	[offcpu]="empty:sched_switch"
	[tcp]="empty:inet_sock_set_state"
)
# Program whose run count is "one event" for a collector's per-event cost:
# a regex over "name attach" of each program; the busiest program otherwise.
declare -A PRIMARY=(
	[syscall]="sys_exit"
	[sched]="sched_switch"
	[offcpu]="sched_switch"
	[tcp]="set_state"
)
# Workload per collector for the per-event cost.
declare -A COST_WORKLOAD=(
	[syscall]=syscall
	[sched]=pipe
	[offcpu]=pipe
	[cpu]=syscall
	[tcp]=tcp
)
KNOWN_COLLECTORS="syscall sched tcp cpu offcpu"

emit() { # section key1 key2 metric value
	printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RAW"
}
note() { # section text
	printf 'note\t%s\t%s\n' "$1" "$2" >>"$RAW"
	echo "bench: $1: $2" >&2
}
log() { echo "bench: $*" >&2; }

# Collectors `kprof list` says this kernel runs; the rest go to $UNSUPPORTED.
supported_collectors() {
	"$KPROF" list 2>/dev/null | awk 'NR > 1 && /^[a-z]/ && $2 == "yes" { print $1 }'
}
all_collectors() {
	"$KPROF" list 2>/dev/null | awk 'NR > 1 && /^[a-z]/ { print $1 }'
}

# A tool name as the tables show it -> the command that runs it until SIGINT.
tool_cmd() {
	case $1 in
	kprof:all) echo "$KPROF record -d 24h" ;;
	# kprof:COLLECTOR[+FLAG+VALUE...]; kprof=VARIANT:... runs $BIN/variants/kprof-VARIANT
	kprof:*) echo "$KPROF record -d 24h -c $(echo "${1#kprof:}" | tr + ' ')" ;;
	kprof=*) local v=${1#kprof=}
		echo "$BIN/variants/kprof-${v%%:*} record -d 24h -c $(echo "${v#*:}" | tr + ' ')" ;;
	perf-record) echo "perf record -F 99 -a -g -o $WORK/perf.data" ;;
	bpftrace:profile) echo "bpftrace -q -e profile:hz:99{@[kstack,ustack,pid,comm]=count();}" ;;
	empty:*) echo "$BIN/bpfwatch empty ${1#empty:}" ;;
	*) echo "${1//+/ }" ;;
	esac
}
tool_available() {
	case $1 in
	kprof:* | empty:*) return 0 ;;
	kprof=*) local v=${1#kprof=}; [[ -x $BIN/variants/kprof-${v%%:*} ]] ;;
	perf-record) command -v perf >/dev/null ;;
	bpftrace:*) command -v bpftrace >/dev/null ;;
	*) command -v "${1%%+*}" >/dev/null ;;
	esac
}

# Starts a tool and waits until its programs are attached: TOOL_PID.
tool_start() {
	local cmd
	cmd=$(tool_cmd "$1")
	# shellcheck disable=SC2086
	$cmd >/dev/null 2>"$WORK/tool.err" &
	TOOL_PID=$!
	if [[ $1 == perf-record ]]; then
		sleep 1 # no BPF fds to watch; perf is set up well within this
		return 0
	fi
	if ! "$BIN/bpfwatch" attached "$TOOL_PID" 20000 300; then
		log "$1 did not attach: $(head -c 300 "$WORK/tool.err")"
		tool_stop
		return 1
	fi
}
tool_stop() {
	[[ -n ${TOOL_PID:-} ]] || return 0
	kill -INT "$TOOL_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$TOOL_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$TOOL_PID" 2>/dev/null
	wait "$TOOL_PID" 2>/dev/null
	TOOL_PID=
}

# Runs a workload for about $WORKLOAD_SECS, prints its ops/s.
workload() { "$HERE/workload.sh" "$1"; }
workload_label() {
	case $1 in
	pipe) echo "taskset -c 1 perf bench sched pipe" ;;
	syscall) echo "perf bench syscall basic" ;;
	tcp) echo "tcploop (connect, 16 KiB, close on 127.0.0.1)" ;;
	esac
}
