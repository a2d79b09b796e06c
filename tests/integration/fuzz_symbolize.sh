#!/bin/bash
# SPDX-License-Identifier: MIT
# A short, bounded libFuzzer run of each parser of untrusted files (ELF,
# perf map, maps + kallsyms), starting from the seeds in tests/fuzz/corpus.
# Any crash, sanitizer report, leak, timeout or memory blow-up fails it.
set -u
cd "$(dirname "$0")/../.."
secs=${KPROF_FUZZ_SECONDS:-15}
command -v clang >/dev/null || { echo "skipped: clang is not installed"; exit 77; }
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' >"$probe/p.c"
if ! clang -fsanitize=fuzzer,address "$probe/p.c" -o "$probe/p" 2>"$probe/err"; then
	echo "skipped: clang's libFuzzer runtime is missing (Debian package libclang-rt-14-dev)"
	exit 77
fi
make --no-print-directory fuzz || { echo "FAIL: make fuzz"; exit 1; }
fails=0
for t in elf perfmap maps; do
	mkdir -p "$probe/$t"
	# New inputs go to the scratch dir (first), the committed seeds stay.
	build/fuzz/fuzz_$t -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 "$probe/$t" "tests/fuzz/corpus/$t" >"$probe/$t.log" 2>&1
	rc=$?
	runs=$(grep -o 'number_of_executed_units: *[0-9]*' "$probe/$t.log" | grep -o '[0-9]*$')
	if [ $rc -ne 0 ]; then
		echo "FAIL: fuzz_$t exited $rc"
		grep -E 'ERROR|SUMMARY|Test unit written' "$probe/$t.log" | head -20
		fails=1
	else
		echo "fuzz_$t: ${runs:-?} inputs in ${secs}s, no crash"
	fi
done
exit $fails
