# SPDX-License-Identifier: MIT
# Shared by the tests/integration/serve_*.sh tests (sourced; not a test itself).
source "$(dirname "$0")/test_lib.bash"

require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "skipped: kprof serve loads BPF programs and needs root"
		exit 77
	fi
}

# start_serve LOG [ARGS...]: kprof serve on 127.0.0.1 and a free port; sets
# KPID, PORT and URL. The port comes from its "listening" log line.
start_serve() {
	local log=$1
	shift
	PORT=
	$KPROF serve --web.listen-address 127.0.0.1:0 "$@" 2>"$log" &
	KPID=$!
	for _ in $(seq $((${START_TIMEOUT:-15} * 10))); do
		PORT=$(sed -n -e 's/.*msg=listening .*port=\([0-9]*\).*/\1/p' \
			-e 's/.*"msg":"listening".*"port":"\([0-9]*\)".*/\1/p' "$log")
		[ -n "$PORT" ] && break
		kill -0 $KPID 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$PORT" ]; then
		echo "kprof serve did not start: $(cat "$log")"
		return 1
	fi
	URL=http://127.0.0.1:$PORT
}

# stop_serve [SIGNAL]: sets STOP_RC (exit code) and STOP_SECS (time it took).
stop_serve() {
	local t0
	t0=$(date +%s.%N)
	kill -${1:-TERM} $KPID
	wait $KPID
	STOP_RC=$?
	STOP_SECS=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.3f", a - b }')
	KPID=
}

# promtool_ok FILE FORMAT: promtool check metrics; for OpenMetrics the only
# complaint allowed is the one promtool's text parser makes about counters
# (family "x", sample "x_total"): see tests/unit/test_sink_prometheus.c.
promtool_ok() {
	local out rc
	out=$(promtool check metrics <"$1" 2>&1)
	rc=$?
	[ $rc -eq 0 ] && return 0
	[ "$2" = openmetrics ] && [ $rc -eq 3 ] || { echo "$out"; return 1; }
	if echo "$out" | grep -v '_total no help text$' | grep -q .; then
		echo "$out"
		return 1
	fi
	return 0
}
