# SPDX-License-Identifier: MIT
# Section 4: scrape. `kprof serve` with every collector, a minute (BENCH_QUICK:
# 10 s) of traffic, then /metrics with 1 and 8 concurrent scrapers, $RUNS
# times; then the same at growing numbers of series (--tcp-by lport with
# traffic on that many ports), each level's series counted from /metrics.

serve_start() { # extra serve flags...
	local all
	all=$(echo "$COLLECTORS" | tr ' ' ',')
	"$KPROF" serve --collectors "$all" --web.listen-address "127.0.0.1:$SERVE_PORT" "$@" \
		>/dev/null 2>"$WORK/serve.err" &
	TOOL_PID=$!
	for _ in $(seq 100); do
		curl -sf -o /dev/null "http://127.0.0.1:$SERVE_PORT/metrics" && return 0
		kill -0 "$TOOL_PID" 2>/dev/null || break
		sleep 0.1
	done
	log "kprof serve did not answer: $(head -c 300 "$WORK/serve.err")"
	tool_stop
	return 1
}

series_count() {
	curl -sf "http://127.0.0.1:$SERVE_PORT/metrics" | grep -vc '^#'
}

scrape_level() { # label
	local label=$1 conc r out series
	series=$(series_count)
	label="$label ($series series)"
	for conc in 1 8; do
		for r in $(seq "$RUNS"); do
			out=$("$BIN/scrape" "$SERVE_PORT" /metrics "$conc" "$SCRAPE_SECS") || continue
			set -- $out
			emit scrape "$label" "$conc" p50_ms "$1"
			emit scrape "$label" "$conc" p99_ms "$2"
			emit scrape "$label" "$conc" scrapes_per_s "$3"
			emit scrape "$label" "$conc" kib "$(awk -v b="$5" 'BEGIN { printf "%.1f", b / 1024 }')"
		done
	done
	emit scrape "$label" - rss_mib "$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$TOOL_PID/status")"
	# Between Prometheus scrapes: kprof gives memory back once scrapes stop for 1 s.
	sleep 2
	emit scrape "$label" - steady_rss_mib "$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$TOOL_PID/status")"
}

section_scrape() {
	local ports w
	log "section 4: scrape"
	if ! "$KPROF" serve --help >/dev/null 2>&1; then
		note scrape "\`kprof serve\` is not in this build yet: section skipped"
		return 0
	fi
	serve_start || { note scrape "kprof serve did not start: section skipped"; return 0; }
	note scrape "traffic: ${TRAFFIC_SECS} s of the three workloads before scraping; each scrape: a new connection, GET /metrics, read to the end"
	local end=$((SECONDS + ${TRAFFIC_SECS%.*}))
	while ((SECONDS < end)); do
		for w in syscall pipe tcp; do workload "$w" >/dev/null; done
	done
	scrape_level "default"
	tool_stop
	if [[ " $COLLECTORS " != *" tcp "* ]]; then
		note scrape "no tcp collector yet: no series-growth rows (they use --tcp-by lport)"
		return 0
	fi
	for ports in $SERIES_PORTS; do
		serve_start --tcp-by lport --tcp-max-ports "$ports" || continue
		"$BIN/tcploop" -d 3 -p "$ports" >/dev/null
		scrape_level "tcp-by lport, $ports ports"
		tool_stop
	done
}
