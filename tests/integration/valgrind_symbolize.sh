#!/bin/bash
# SPDX-License-Identifier: MIT
# The symbolizer's unit tests under valgrind: no leak, no invalid access,
# including on the corrupt ELF and map files. Valgrind does not know
# openat2, so this also covers the fallback path walk that keeps file
# lookups inside a container's root on kernels before 5.6.
set -u
cd "$(dirname "$0")/../.."
command -v valgrind >/dev/null || { echo "skipped: valgrind is not installed"; exit 77; }
[ -x build/tests/test_symbolize ] || make --no-print-directory build/tests/test_symbolize || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible \
	--suppressions=tests/valgrind.supp --error-exitcode=99 \
	build/tests/test_symbolize >"$log" 2>&1
rc=$?
if [ $rc -ne 0 ] || ! grep -q 'PASSED  \]' "$log" || grep -q 'FAILED' "$log"; then
	grep -v 'syscall: 437\|write your own\|README_MISSING\|Nevertheless\|bug_reports' "$log"
	echo "FAIL: test_symbolize under valgrind exited $rc"
	exit 1
fi
echo "valgrind: test_symbolize passed, no errors, no leaks"
