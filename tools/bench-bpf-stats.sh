#!/bin/bash
# SPDX-License-Identifier: MIT
# Cost of the kernel's BPF run-time stats (kprof serve --bpf-stats), measured
# with `perf bench syscall basic` (getppid in a loop), as CPU time per
# syscall of the benchmark process (not wall time: on a shared machine,
# waiting for a CPU would swamp a difference of nanoseconds).
#
# 1. ROUNDS runs without kprof;
# 2. under `kprof serve --collectors syscall --no-bpf-stats`, ROUNDS pairs
#    of runs with the stats off and on, toggled through the sysctl
#    kernel.bpf_stats_enabled: the same static key that kprof's
#    BPF_ENABLE_STATS fd holds, so pairs seconds apart see the same load.
# The median of the paired differences is the stats' cost.
# Usage (root): tools/bench-bpf-stats.sh [ROUNDS] [LOOPS]
set -u
cd "$(dirname "$0")/.."
ROUNDS=${1:-20}
LOOPS=${2:-300000}
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 1; }
command -v perf >/dev/null || { echo "needs perf (Debian package linux-perf)"; exit 1; }
exec python3 - "$ROUNDS" "$LOOPS" <<'PY'
import resource, statistics, subprocess, sys, time, urllib.request

rounds, loops = int(sys.argv[1]), int(sys.argv[2])
SYSCTL = "/proc/sys/kernel/bpf_stats_enabled"

def bench():
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(["perf", "bench", "syscall", "basic", "--loop", str(loops)], check=True,
                   stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu / loops * 1e9

def stats(on):
    with open(SYSCTL, "w") as f:
        f.write("1" if on else "0")

original = open(SYSCTL).read().strip()
if original != "0":
    print("warning: kernel.bpf_stats_enabled was", original)
stats(False)
none = [bench() for _ in range(rounds)]
kprof = subprocess.Popen(["./kprof", "serve", "--collectors", "syscall", "--no-bpf-stats",
                          "--web.listen-address", "127.0.0.1:19499", "--log.level", "error"])
try:
    for _ in range(300):
        try:
            urllib.request.urlopen("http://127.0.0.1:19499/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    off, on = [], []
    for _ in range(rounds):
        stats(False)
        off.append(bench())
        stats(True)
        on.append(bench())
finally:
    with open(SYSCTL, "w") as f:
        f.write(original)
    kprof.terminate()
    kprof.wait()

diff = [b - a for a, b in zip(off, on)]
print(f"perf bench syscall basic, {rounds} rounds of {loops} syscalls, CPU ns per syscall")
print(f"{'':28} {'min':>8} {'median':>8}")
for name, xs in (("no kprof", none), ("kprof, stats off", off), ("kprof, stats on", on)):
    print(f"{name:28} {min(xs):8.1f} {statistics.median(xs):8.1f}")
print(f"{'stats on - off (paired)':28} {min(diff):8.1f} {statistics.median(diff):8.1f}")
print(f"kprof syscall collector: {statistics.median(off) - statistics.median(none):+.0f} ns per "
      f"syscall (medians); BPF stats: {statistics.median(diff):+.0f} ns per syscall, "
      f"{statistics.median(diff) / 2:+.0f} ns per program run (2 programs per syscall)")
PY
