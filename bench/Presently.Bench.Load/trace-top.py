#!/usr/bin/env python3
"""Where a server's CPU went, from a dotnet-trace Speedscope file (docs/BENCHMARKS.md, "Results, 2026-12-01 (last)").

    dotnet-trace collect -p SERVER_PID --profile dotnet-sampled-thread-time --duration 00:00:00:20 --format Speedscope -o run.nettrace
    bench/Presently.Bench.Load/trace-top.py run.speedscope.json [FRAME_TEXT]

Counts only time the sampled threads were on a CPU, and prints the frames holding the most of it
(inclusive); with FRAME_TEXT, the callers of the frames containing it instead.
"""
import collections
import json
import sys


def on_cpu_stacks(path):
    """(stack of frame names, seconds) for each stretch a thread spent on a CPU."""
    with open(path) as f:
        trace = json.load(f)
    names = [frame["name"] for frame in trace["shared"]["frames"]]
    for profile in trace["profiles"]:
        stack, last = [], None
        for event in profile["events"]:
            at = event["at"]
            if last is not None and stack and at > last and names[stack[-1]] == "CPU_TIME":
                yield [names[i] for i in stack], at - last
            last = at
            if event["type"] == "O":
                stack.append(event["frame"])
            elif stack:
                stack.pop()


def main():
    path, wanted = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else None)
    counts, total = collections.Counter(), 0.0
    for stack, seconds in on_cpu_stacks(path):
        total += seconds
        if wanted is None:
            for name in set(stack):
                counts[name] += seconds
            continue
        for i, name in enumerate(stack):
            if wanted in name:
                counts[" <- ".join(n.split("!")[-1][:80] for n in reversed(stack[max(0, i - 3):i + 1]))] += seconds
                break
    for name, seconds in counts.most_common(60):
        print(f"{100 * seconds / total:5.1f} % {name[:200]}")


if __name__ == "__main__":
    main()
