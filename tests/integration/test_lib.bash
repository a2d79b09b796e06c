# SPDX-License-Identifier: MIT
# Shared by the shell tests in tests/integration (sourced; not a test itself):
# the repository root as working directory, the binary, failures counted,
# and the check of a user error's exit code and one-line message.
cd "$(dirname "$0")/../.."
KPROF=./kprof
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
finish() { [ $fails -eq 0 ] && echo "ok" || echo "$fails failure(s)"; [ $fails -eq 0 ]; }

# expect CODE PATTERN -- ARGS: exit code and a one-line stderr matching PATTERN.
expect() {
	local code=$1 pattern=$2; shift 3
	local err rc
	err=$("$@" 2>&1 >/dev/null); rc=$?
	[ "$rc" -eq "$code" ] || fail "$* exited $rc, want $code ($err)"
	echo "$err" | grep -qE -- "$pattern" || fail "$*: stderr '$err' lacks '$pattern'"
	[ "$(printf '%s\n' "$err" | grep -c .)" -le 1 ] || fail "$*: more than one line: $err"
}
