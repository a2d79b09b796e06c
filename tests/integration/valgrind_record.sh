#!/bin/bash
# SPDX-License-Identifier: MIT
# kprof under valgrind: no leak and no invalid access on its main paths.
set -u
cd "$(dirname "$0")/../.."
command -v valgrind >/dev/null || { echo "skipped: valgrind is not installed"; exit 77; }
vg() {
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible \
		--suppressions=tests/valgrind.supp --error-exitcode=99 "$@"
}
fails=0
for args in "record --bogus" "record -d nonsense" "list" "version"; do
	vg ./kprof $args >/dev/null 2>/tmp/kprof-vg.$$
	[ $? -eq 99 ] && { echo "FAIL: valgrind errors in kprof $args"; cat /tmp/kprof-vg.$$; fails=1; }
done
if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: the recording run loads BPF programs and needs root"
	rm -f /tmp/kprof-vg.$$
	[ $fails -eq 0 ] && exit 77 || exit 1
fi
for args in "record -d 1s" "record -d 1s --json --top 3" "record -d 1s -c syscall,sched,tcp --by cgroup --cgroup.max-series 1" "record -d 1s -c cpu,offcpu -o /tmp/kprof-vg-fg.$$"; do
	vg ./kprof $args >/dev/null 2>/tmp/kprof-vg.$$
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL: kprof $args under valgrind exited $rc"
		cat /tmp/kprof-vg.$$
		fails=1
	fi
done
rm -rf /tmp/kprof-vg.$$ /tmp/kprof-vg-fg.$$
[ $fails -eq 0 ] && echo "valgrind: no errors, no leaks"
[ $fails -eq 0 ]
