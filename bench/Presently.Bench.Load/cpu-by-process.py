#!/usr/bin/env python3
"""CPU per process over a window, from /proc (docs/BENCHMARKS.md, the two-instance CPU columns).

    bench/Presently.Bench.Load/cpu-by-process.py SECONDS

Prints the share of one core each process name took over SECONDS; the servers are named by their
--urls port (server:5101, server:5102), every PostgreSQL backend counts as "postgres".
"""
import collections
import os
import sys
import time


def snapshot():
    ticks = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/cmdline") as f:
                cmdline = f.read().replace("\0", " ")
        except OSError:
            continue  # gone meanwhile
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        if "presently-server" in cmdline:
            port = next((p for p in ("5101", "5102") if f":{p}" in cmdline), "?")
            name = f"server:{port}"
        fields = stat[stat.rindex(")") + 2:].split()
        ticks[pid] = (name, int(fields[11]) + int(fields[12]))  # utime + stime
    return ticks


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 30
    before, started = snapshot(), time.monotonic()
    time.sleep(seconds)
    after, elapsed = snapshot(), time.monotonic() - started
    hz = os.sysconf("SC_CLK_TCK")
    by_name = collections.Counter()
    for pid, (name, ticks) in after.items():
        by_name[name] += (ticks - before.get(pid, (name, 0))[1]) / hz / elapsed * 100
    for name, percent in by_name.most_common(12):
        print(f"{percent:6.1f} % {name}")


if __name__ == "__main__":
    main()
