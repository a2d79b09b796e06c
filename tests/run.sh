#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs test programs (cmocka binaries and shell scripts) and sums up.
# A shell test exits 0 (pass), 77 (skipped: it prints why) or anything else
# (fail). cmocka binaries report their own passed/skipped/failed counts.
set -u
passed=0 skipped=0 failed=0
failed_names=()
skipped_names=()
for t in "$@"; do
	name=$(basename "$t")
	echo "=== $name"
	out=$(mktemp)
	if [[ $t == *.sh ]]; then
		timeout 900 bash "$t" >"$out" 2>&1
	else
		timeout 900 "$t" >"$out" 2>&1
	fi
	rc=$?
	cat "$out"
	if [[ $t == *.sh ]]; then
		case $rc in
		0) passed=$((passed + 1)) ;;
		77) skipped=$((skipped + 1)); skipped_names+=("$name") ;;
		*) failed=$((failed + 1)); failed_names+=("$name (exit $rc)") ;;
		esac
	else
		# Not anchored: cmocka writes these to stderr, interleaved with stdout.
		p=$(grep -o '\[  PASSED  \] [0-9][0-9]* test' "$out" | tail -1 | grep -o '^[^0-9]*[0-9]*' | grep -o '[0-9]*$')
		s=$(grep -o '\[  SKIPPED \] [0-9][0-9]* test' "$out" | tail -1 | grep -o '^[^0-9]*[0-9]*' | grep -o '[0-9]*$')
		f=$(grep -o '\[  FAILED  \] [0-9][0-9]* test' "$out" | tail -1 | grep -o '^[^0-9]*[0-9]*' | grep -o '[0-9]*$')
		passed=$((passed + ${p:-0}))
		skipped=$((skipped + ${s:-0}))
		[ "${s:-0}" -gt 0 ] && skipped_names+=("$name")
		if [ "$rc" -ne 0 ] || [ "${f:-0}" -gt 0 ] || [ -z "$p$s$f" ]; then
			failed=$((failed + ${f:-1}))
			failed_names+=("$name (exit $rc)")
		fi
	fi
	rm -f "$out"
done
echo
echo "tests: $passed passed, $skipped skipped, $failed failed"
[ ${#skipped_names[@]} -gt 0 ] && echo "skipped in: ${skipped_names[*]}"
[ ${#failed_names[@]} -gt 0 ] && echo "FAILED: ${failed_names[*]}"
[ "$failed" -eq 0 ]
