# SPDX-License-Identifier: MIT
# Section 1: per-event cost. For each collector and its libbpf-tools
# equivalent, alternately: start the tool, snapshot its programs' run time
# and run count, run the workload with the kernel's BPF stats enabled (only
# for the workload: `bpfwatch stats`), snapshot again, stop the tool.
# Emits per program ns/run, and per tool ns per event: the run time of all
# its programs divided by the run count of the collector's primary program.

cost_one() { # collector tool workload
	local c=$1 tool=$2 w=$3 before after
	tool_start "$tool" || return 1
	before=$("$BIN/bpfwatch" progs "$TOOL_PID")
	"$BIN/bpfwatch" stats "$HERE/workload.sh" "$w" >/dev/null
	after=$("$BIN/bpfwatch" progs "$TOOL_PID")
	tool_stop
	# id type name attach run_time_ns run_cnt, before then after.
	awk -v c="$c" -v tool="$tool" -v prim="${PRIMARY[$c]:-^$}" -v raw="$RAW" '
		FNR == NR { t0[$1] = $5; n0[$1] = $6; next }
		{
			dt = $5 - t0[$1]; dn = $6 - n0[$1]
			if (dn <= 0) next
			label = ($4 != "-" && index($3, $4) == 0) ? $3 " (" $4 ")" : $3
			printf "cost\t%s\t%s\t%s\t%.1f\n", c, tool, label, dt / dn >> raw
			printf "cost_rate\t%s\t%s\t%s\t%d\n", c, tool, label, dn >> raw
			total += dt
			if (pn == 0 && ($3 " " $4) ~ prim) pn = dn
			if (dn > maxn) maxn = dn
		}
		END {
			if (!pn) pn = maxn
			if (pn && tool !~ /^empty:/) printf "cost\t%s\t%s\tper event\t%.1f\n", c, tool, total / pn >> raw
		}' <(echo "$before") <(echo "$after")
}

section_cost() {
	local c tool tools
	log "section 1: per-event cost ($RUNS runs)"
	for c in $COLLECTORS; do
		local w=${COST_WORKLOAD[$c]:-syscall}
		note cost "$c: workload \`$(workload_label "$w")\`"
		tools="kprof:$c ${FLOOR[$c]:-}"
		for tool in ${EQUIV[$c]:-}; do
			if tool_available "$tool"; then
				tools+=" $tool"
			else
				note cost "$c: no \`${tool//+/ }\` on this machine (Debian's libbpf-tools does not ship it); kprof alone"
			fi
		done
		for r in $(seq "$RUNS"); do
			for tool in $tools; do
				cost_one "$c" "$tool" "$w" || note cost "$c: $tool failed in run $r"
			done
		done
	done
}
