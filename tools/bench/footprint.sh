# SPDX-License-Identifier: MIT
# Section 3: footprint. `bpfwatch launch` starts the tool and times launch ->
# the last change of its BPF program, link and perf fds (all attached), then
# reads its peak (VmHWM) and steady (VmRSS after $STEADY_S s) memory.

footprint_one() { # label command...
	local label=$1 out
	shift
	out=$("$BIN/bpfwatch" launch 300 "$STEADY_S" "$@" 2>/dev/null | tail -1)
	set -- $out
	if [[ $# -ne 3 ]]; then
		note footprint "$label did not attach"
		return 1
	fi
	emit footprint "$label" - attach_ms "$1"
	emit footprint "$label" - peak_rss_mib "$(awk -v k="$2" 'BEGIN { printf "%.1f", k / 1024 }')"
	emit footprint "$label" - steady_rss_mib "$(awk -v k="$3" 'BEGIN { printf "%.1f", k / 1024 }')"
}

section_footprint() {
	local c t r tools="" all
	log "section 3: footprint ($RUNS runs)"
	for c in $COLLECTORS; do
		tools+=" kprof:$c"
	done
	tools+=" kprof:all"
	for c in $COLLECTORS; do
		for t in ${EQUIV[$c]:-}; do
			tool_available "$t" && tools+=" $t"
		done
	done
	if "$KPROF" serve --help >/dev/null 2>&1; then
		tools+=" serve:all"
	else
		note footprint "\`kprof serve\` is not in this build: no serve row"
	fi
	all=$(echo "$COLLECTORS" | tr ' ' ',')
	note footprint "attach: launch -> last BPF program/link/perf fd opened; steady: VmRSS after ${STEADY_S} s; idle host"
	for r in $(seq "$RUNS"); do
		for t in $tools; do
			case $t in
			serve:all)
				footprint_one "kprof serve" "$KPROF" serve --collectors "$all" \
					--web.listen-address "127.0.0.1:$SERVE_PORT" ;;
			*)
				# shellcheck disable=SC2046
				footprint_one "$t" $(tool_cmd "$t") ;;
			esac
		done
	done
}
