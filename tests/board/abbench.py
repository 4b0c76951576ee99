# SPDX-License-Identifier: GPL-2.0
"""Two kernels on one image, booted alternately (A B A B ...): the arguments, the alternation
and the table of medians and B/A ratios that the GPIO and Ethernet benchmarks share."""

import argparse
import statistics
import tempfile
from pathlib import Path


def parser(description, rounds):
    """An argument parser with the options every A/B benchmark takes."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--kernel-a", required=True, type=Path)
    p.add_argument("--kernel-b", required=True, type=Path)
    p.add_argument("--image", required=True, type=Path)
    p.add_argument("--board", default="imx8mp-evk")
    p.add_argument("--rounds", type=int, default=rounds)
    p.add_argument("--out", type=Path, help="folder for console logs (default: temporary)")
    return p


def percentile(values, pct):
    """The pct-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def compare(args, measure, figures, log_prefix):
    """Boot A and B in turn, args.rounds times each; `measure(args, kernel, label, log)`
    returns one boot's figures by name. Print per figure (name, format) the medians and B/A."""
    with tempfile.TemporaryDirectory(prefix="bsp-bench-") as tmp:
        out = args.out or Path(tmp)
        results = {"A": [], "B": []}
        for rnd in range(args.rounds):
            for name, kernel in (("A", args.kernel_a), ("B", args.kernel_b)):
                log = out / f"{log_prefix}-{name}{rnd + 1}.log"
                results[name].append(measure(args, kernel, f"{name} round {rnd + 1}", log))

    width = max(len(key) for key, _ in figures)
    print(f"\nmedians over {args.rounds} boots each (A = {args.kernel_a}, B = {args.kernel_b})")
    print(f"{'figure':<{width}} {'A':>10} {'B':>10} {'B/A':>6}")
    for key, fmt in figures:
        a = statistics.median(r[key] for r in results["A"])
        b = statistics.median(r[key] for r in results["B"])
        print(f"{key:<{width}} {a:>10{fmt}} {b:>10{fmt}} {b / a if a else float('nan'):>6.2f}")
