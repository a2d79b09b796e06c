#!/bin/bash
# SPDX-License-Identifier: MIT
# Cost of the kernel's BPF run-time stats (kprof serve --bpf-stats), measured
# with `perf bench syscall basic` (getppid in a loop), as CPU time per
# syscall of the benchmark process (not wall time: on a shared machine,
# waiting for a CPU would swamp a difference of nanoseconds).
#
# 1. ROUNDS runs without kprof;
# 2. under `kprof serve --collectors syscall --no-bpf-stats`, ROUNDS pairs
#    of runs with the stats off and on; "on" holds a BPF_ENABLE_STATS fd,
#    as kprof does, so pairs seconds apart see the same load and nothing
#    another process set is touched.
# The median of the paired differences is the stats' cost. The stats are
# global: if another process holds them on (kernel.bpf_stats_enabled=1 or
# its own fd), kprof's programs count runs during an "off" run, and the
# script says it cannot measure.
# Usage (root): tools/bench-bpf-stats.sh [ROUNDS] [LOOPS]
set -u
cd "$(dirname "$0")/.."
ROUNDS=${1:-20}
LOOPS=${2:-300000}
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 1; }
command -v perf >/dev/null || { echo "needs perf (Debian package linux-perf)"; exit 1; }
exec python3 - "$ROUNDS" "$LOOPS" <<'PY'
import ctypes, json, os, resource, statistics, subprocess, sys, time, urllib.request

rounds, loops = int(sys.argv[1]), int(sys.argv[2])
SYSCTL = "/proc/sys/kernel/bpf_stats_enabled"

def bench():
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(["perf", "bench", "syscall", "basic", "--loop", str(loops)], check=True,
                   stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu / loops * 1e9

libc = ctypes.CDLL(None, use_errno=True)
SYS_bpf, BPF_ENABLE_STATS = 321, 32  # x86_64; attr.enable_stats.type 0 = BPF_STATS_RUN_TIME

def stats_fd():
    attr = ctypes.create_string_buffer(16)
    fd = libc.syscall(SYS_bpf, BPF_ENABLE_STATS, attr, 16)
    if fd < 0:
        sys.exit(f"BPF_ENABLE_STATS: {os.strerror(ctypes.get_errno())}")
    return fd

def run_counts(pid):
    ids = set()
    for fd in os.listdir(f"/proc/{pid}/fdinfo"):
        for line in open(f"/proc/{pid}/fdinfo/{fd}"):
            if line.startswith("prog_id:"):
                ids.add(int(line.split()[1]))
    total = 0
    for i in ids:
        out = subprocess.run(["bpftool", "-j", "prog", "show", "id", str(i)],
                             capture_output=True, text=True).stdout
        total += json.loads(out).get("run_cnt", 0) if out else 0
    return total

if open("/proc/sys/kernel/bpf_stats_enabled").read().strip() != "0":
    sys.exit("cannot measure: kernel.bpf_stats_enabled is 1, the stats are on for everyone")
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
    off, on, tainted = [], [], 0
    for _ in range(rounds):
        before = run_counts(kprof.pid)
        off.append(bench())
        tainted += run_counts(kprof.pid) != before
        fd = stats_fd()
        on.append(bench())
        os.close(fd)
finally:
    kprof.terminate()
    kprof.wait()
if tainted:
    sys.exit(f"cannot measure: another process held the BPF stats on during {tainted} of "
             f"{rounds} 'off' runs")

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
