#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cost of the tcp collector per event, and of its RTT sampling interval.

Runs a loopback bulk transfer (build/tests/helpers/tcp_xfer) with no kprof,
then under `kprof record --collectors tcp` at several --tcp-rtt-interval
values, and prints the kernel's own run time per BPF program (run-time
statistics held on with BPF_ENABLE_STATS for the duration, not the sysctl)
and the transfer's throughput. Needs root and a built tree (make check-build).

    sudo tools/bench-tcp.py [--bytes N] [--conns N] [--reps N]
"""
import argparse
import ctypes
import json
import os
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KPROF = os.path.join(ROOT, "kprof")
XFER = os.path.join(ROOT, "build/tests/helpers/tcp_xfer")
SYS_BPF, BPF_ENABLE_STATS, BPF_STATS_RUN_TIME = 321, 32, 0


def enable_stats():
    """An fd that keeps BPF run-time statistics on while it is open."""
    libc = ctypes.CDLL(None, use_errno=True)
    attr = (ctypes.c_uint32 * 2)(BPF_STATS_RUN_TIME, 0)
    fd = libc.syscall(SYS_BPF, BPF_ENABLE_STATS, attr, 8)
    if fd < 0:
        sys.exit(f"bench-tcp: BPF_ENABLE_STATS failed: {os.strerror(ctypes.get_errno())}")
    return fd


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def transfer(conns, nbytes):
    """Seconds for conns loopback connections of nbytes each."""
    port = free_port()
    srv = subprocess.Popen([XFER, "server", "127.0.0.1", str(port), str(conns)],
                           stdout=subprocess.PIPE, text=True)
    srv.stdout.readline()
    t0 = time.monotonic()
    subprocess.run([XFER, "client", "127.0.0.1", str(port), str(conns), str(nbytes)],
                   stdin=subprocess.DEVNULL, check=True)
    srv.wait()
    return time.monotonic() - t0


def tcp_progs():
    out = subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True, text=True,
                         check=True).stdout
    return {p["name"]: (p.get("run_cnt", 0), p.get("run_time_ns", 0))
            for p in json.loads(out) if p.get("name", "").startswith("kprof_tcp")}


def under_kprof(interval, conns, nbytes):
    k = subprocess.Popen([KPROF, "record", "--json", "-d", "1h", "--collectors", "tcp",
                          "--tcp-rtt-interval", interval], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    if "recording" not in k.stderr.readline():
        sys.exit("bench-tcp: kprof did not start")
    secs = transfer(conns, nbytes)
    progs = tcp_progs()
    k.send_signal(2)
    k.wait()
    return secs, progs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bytes", type=int, default=1 << 30)
    ap.add_argument("--conns", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    fd = enable_stats()
    gb = args.conns * args.bytes / 1e9
    base = min(transfer(args.conns, args.bytes) for _ in range(args.reps))
    print(f"loopback transfer {args.conns} x {args.bytes} bytes, best of {args.reps}")
    print(f"{'':22} {'Gbit/s':>8} {'probe runs':>11} {'ns/probe':>9} "
          f"{'state ns':>9} {'kernel CPU':>10}")
    print(f"{'no kprof':22} {8 * gb / base:8.2f}")
    for interval in ("10ms", "0s", "1h"):
        best = None
        for _ in range(args.reps):
            secs, progs = under_kprof(interval, args.conns, args.bytes)
            if best is None or secs < best[0]:
                best = (secs, progs)
        secs, progs = best
        runs, ns = progs.get("kprof_tcp_probe", (0, 0))
        sruns, sns = progs.get("kprof_tcp_state", (0, 0))
        total_ns = sum(v[1] for v in progs.values())
        print(f"{'--tcp-rtt-interval ' + interval:22} {8 * gb / secs:8.2f} {runs:11} "
              f"{ns / max(runs, 1):9.1f} {sns / max(sruns, 1):9.1f} "
              f"{100 * total_ns / 1e9 / secs:9.3f}%")
    # Connection churn: what a connection costs, whatever its data.
    conns = 4000
    secs, progs = under_kprof("10ms", conns, 16384)
    total = sum(v[1] for v in progs.values())
    print(f"\n{conns} loopback connections of 16 KiB under --tcp-rtt-interval 10ms "
          f"({conns / secs:.0f}/s; without kprof {conns / transfer(conns, 16384):.0f}/s)")
    for name, (runs, ns) in sorted(progs.items()):
        if runs:
            print(f"  {name:28} {runs / conns:6.2f} runs/conn {ns / runs:8.1f} ns/run "
                  f"{ns / conns:8.1f} ns/conn")
    print(f"  {'all programs':28} {'':26} {total / conns:8.1f} ns/conn")
    os.close(fd)


if __name__ == "__main__":
    main()
