# SPDX-License-Identifier: GPL-2.0
"""The guest's libgpiod v2 tools, run on the board's console, and the host's side of a pad.

A bank is named as in the reference manual (GPIO1-GPIO5, QOM /machine/soc/gpioB); the guest
names its gpiochip after the bank's register base, e.g. 30220000.gpio for GPIO3.
"""

import re

from qemu import BoardError

BANK_BASE = {1: 0x30200000, 2: 0x30210000, 3: 0x30220000, 4: 0x30230000, 5: 0x30240000}
EVENT = re.compile(r"^gpio (\d+) (rising|falling) (\d+\.\d+)$", re.M)
# A /proc/interrupts line: number, per-CPU counts, chip, hwirq, trigger, action.
IRQ_LINE = re.compile(r"^\s*\d+:((?:\s+\d+)+)\s+\S+\s+(\d+)\s+\S+\s+(\S+)\s*$", re.M)


def bank_label(bank):
    """The platform device name of GPIO bank `bank`, also its gpiochip label."""
    return f"{BANK_BASE[bank]:08x}.gpio"


def chip_of(console, bank):
    """The gpiochip name (gpiochipN) the guest gave GPIO bank `bank`."""
    out = console.check("gpiodetect")
    match = re.search(rf"^(gpiochip\d+) \[{re.escape(bank_label(bank))}\] \((\d+) lines\)",
                      out, re.M)
    if not match:
        raise AssertionError(f"gpiodetect lists no chip for GPIO{bank} ({bank_label(bank)}): "
                             f"{out!r}")
    return match.group(1)


def driver_of(console, bank):
    """The sysfs folder of the platform driver bound to GPIO bank `bank`."""
    out = console.check(f"readlink -f /sys/bus/platform/devices/{bank_label(bank)}/driver")
    match = re.search(r"^/sys/bus/platform/drivers/\S+$", out, re.M)
    if not match:
        raise AssertionError(f"GPIO{bank} ({bank_label(bank)}) is bound to no driver: {out!r}")
    return match.group(0)


def line_info(console, chip, line):
    """gpioinfo's line for one line: direction, flags, consumer."""
    out = console.check(f"gpioinfo -c {chip} {line}")
    match = re.search(rf"^{chip} {line}\s.*$", out, re.M)
    if not match:
        raise AssertionError(f"gpioinfo -c {chip} {line} printed {out!r}")
    return match.group(0).strip()


def get_lines(console, chip, lines, as_is=False):
    """Levels of `lines` read with gpioget, as a list of 0/1."""
    flag = " -a" if as_is else ""
    out = console.check(f"gpioget --numeric{flag} -c {chip} {' '.join(map(str, lines))}")
    # Other console output (kernel messages, background jobs) may share the lines.
    values = re.findall(rf"^([01](?: [01]){{{len(lines) - 1}}})$", out, re.M)
    if len(values) != 1:
        raise AssertionError(f"gpioget {lines} printed {out!r}")
    return [int(v) for v in values[0].split()]


def hold_output(console, chip, line, value):
    """Set a line with gpioset, which keeps holding it in the background (-z)."""
    console.check(f"gpioset -z -c {chip} {line}={value}")


def release_outputs(console):
    """Stop every gpioset holding a line."""
    # A gpioset may end on its own between pidof and kill (seen on the slow debug kernel).
    console.check("for p in $(pidof gpioset); do kill $p 2>/dev/null || true; done")


def irq_counts(console, consumer):
    """Interrupt counts of the lines requested by `consumer` (one chip): {hwirq: count}."""
    out = console.check("cat /proc/interrupts")
    counts = {}
    for match in IRQ_LINE.finditer(out):
        if match.group(3) == consumer:
            counts[int(match.group(2))] = sum(int(c) for c in match.group(1).split())
    return counts


def clock_enables(console, clock):
    """The enable count of a clock, from the common clock framework's debugfs summary."""
    out = console.check(f"grep -w {clock} /sys/kernel/debug/clk/clk_summary")
    match = re.search(rf"^\s*{clock}\s+(\d+)\s", out, re.M)
    if not match:
        raise AssertionError(f"clk_summary has no line for {clock}: {out!r}")
    return int(match.group(1))


class EdgeWatch:
    """gpiomon on some lines of a chip, in the background: its events go to a file and, through
    tee, to the console, so that the host can wait for each event before the next edge.
    """

    FILE = "/tmp/gpiomon.events"

    def __init__(self, console, chip, lines, edges):
        self.console = console
        self.lines = lines
        start = console.mark()
        console.check(f'gpiomon --banner -c {chip} -e {edges} -F "gpio %o %E %S" '
                      f'{" ".join(map(str, lines))} 2>&1 | tee {self.FILE} &')
        console.wait_for(r"^Monitoring lines? ", 10, start)
        self.irqs_before = irq_counts(console, "gpiomon")

    def wait(self, line, edge, since, what, timeout=5):
        """Wait for an event of `line` and `edge` printed after console offset `since`."""
        try:
            self.console.wait_for(rf"^gpio {line} {edge} \d", timeout, since)
        except BoardError:
            raise AssertionError(f"line {line}: no {edge} event within {timeout} s after "
                                 f"{what}") from None

    def stop(self):
        """Stop gpiomon; return its events [(line, edge)] and their timestamps, and the
        interrupts counted per line while it ran."""
        after = irq_counts(self.console, "gpiomon")
        irqs = {line: after.get(line, 0) - self.irqs_before.get(line, 0) for line in after}
        self.console.check("kill $(pidof gpiomon); wait")
        out = self.console.check(f"cat {self.FILE}")
        events = [(int(m.group(1)), m.group(2)) for m in EVENT.finditer(out)]
        stamps = [float(m.group(3)) for m in EVENT.finditer(out)]
        return events, stamps, irqs


def compare_events(expected, got):
    """None if the event lists match, else a sentence naming the first difference."""
    if expected == got:
        return None
    for i, (want, have) in enumerate(zip(expected, got)):
        if want != have:
            return (f"event {i + 1}: expected line {want[0]} {want[1]}, got line {have[0]} "
                    f"{have[1]} ({len(got)} events, {len(expected)} expected)")
    if len(got) < len(expected):
        line, edge = expected[len(got)]
        return (f"{len(got)} events, {len(expected)} expected: first missing is event "
                f"{len(got) + 1}, line {line} {edge}")
    line, edge = got[len(expected)]
    return (f"{len(got)} events, {len(expected)} expected: first extra is event "
            f"{len(expected) + 1}, line {line} {edge}")
