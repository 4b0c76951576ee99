#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""GPIO figures of two kernels on the same image, booted alternately (A B A B ...):
sets/s and gets/s through the GPIO character device, and the edge round trip seen from the
host (qtest drives an input pad, /usr/bin/gpio-bench copies the edge to an output pad, qtest
reports the output). Prints figures; it passes or fails nothing.

Usage: bench.py --kernel-a KDIR --kernel-b KDIR --image IMG [--board B] [--rounds N]
                [--count N] [--trips N] [--out DIR]
Figures under TCG measure the emulator as much as the driver: compare ratios, not absolutes.
"""

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import abbench as ab  # noqa: E402
import gpiotools as gt  # noqa: E402
from qemu import BoardError, Machine  # noqa: E402

BANK = 3
IN_LINE, OUT_LINE = 5, 21
# Figures in print order: name, format
FIGURES = (("sets/s", ".0f"), ("gets/s", ".0f"), ("rtt p50 us", ".0f"), ("rtt p99 us", ".0f"))


def set_get(console, chip, count):
    """sets/s and gets/s from gpio-bench setget."""
    out = console.check(f"gpio-bench setget /dev/{chip} {OUT_LINE} {count}", timeout=600)
    sets = re.search(r"^sets_per_s (\d+)", out, re.M)
    gets = re.search(r"^gets_per_s (\d+)", out, re.M)
    if not (sets and gets):
        raise BoardError(f"gpio-bench setget printed {out!r}")
    return float(sets.group(1)), float(gets.group(1))


def round_trips(machine, chip, trips):
    """Host-seen edge round trips in microseconds, and gpio-bench's own p50/p99 line."""
    console, qtest = machine.console, machine.qtest
    qtest.intercept(BANK)
    qtest.set_input(BANK, IN_LINE, 0)
    since = console.mark()
    console.check(f"gpio-bench echo /dev/{chip} {IN_LINE} {OUT_LINE} {trips} &")
    console.wait_for(r"^ready$", 10, since)
    qtest.take_irqs()
    rtts = []
    for i in range(trips):
        level = (i + 1) % 2
        start = time.monotonic()
        qtest.set_input(BANK, IN_LINE, level)
        seen = qtest.wait_irq(OUT_LINE, bool(level), 5)
        if seen is None:
            raise BoardError(f"round trip {i + 1}: no IRQ {'raise' if level else 'lower'} "
                             f"{OUT_LINE} within 5 s")
        rtts.append((seen - start) * 1e6)
        qtest.take_irqs()
    guest = console.wait_for(r"^event_to_set_us .*$", 10, since).group(0)
    console.check("wait")
    return rtts, guest


def measure(args, kernel, label, log):
    """Boot `kernel` once and take every figure."""
    machine = Machine(args.board, kernel, args.image, log)
    try:
        machine.boot()
        chip = gt.chip_of(machine.console, BANK)
        sets, gets = set_get(machine.console, chip, args.count)
        rtts, guest = round_trips(machine, chip, args.trips)
    finally:
        machine.stop()
    fig = {"sets/s": sets, "gets/s": gets, "rtt p50 us": ab.percentile(rtts, 50),
           "rtt p99 us": ab.percentile(rtts, 99)}
    print(f"{label}: " + ", ".join(f"{k} {v:.0f}" for k, v in fig.items())
          + f"; guest {guest}", flush=True)
    return fig


def main():
    """Alternate the kernels, then print medians per kernel and B/A ratios."""
    parser = ab.parser(__doc__.splitlines()[0], rounds=2)
    parser.add_argument("--count", type=int, default=200000, help="sets and gets per run")
    parser.add_argument("--trips", type=int, default=200, help="edge round trips per run")
    ab.compare(parser.parse_args(), measure, FIGURES, "console-bench")
    return 0


if __name__ == "__main__":
    sys.exit(main())
