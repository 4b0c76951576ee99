# SPDX-License-Identifier: GPL-2.0
"""board_gpio: the gpio_imx_rust driver seen from userspace (libgpiod v2 tools) and from the
pads (qtest), on one running board.

Test lines: GPIO3 lines 5, 6 and 21, which nothing in the EVK device tree uses; 5 and 6 are
signalled on the bank's parent interrupt for lines 0-15, 21 on the one for 16-31. Edges are
driven on 5 and 21 while 6 is watched too, to catch events on the wrong line. GPIO5 is the
bank that is unbound and bound again. GPIO2 12 (SD card detect) and 19 (SD supply) are never
touched.

Nothing here names gpio_imx_rust, so the suite can also run on a kernel with the C driver
(gpio-mxc), to tell a driver bug from a test bug.

Limitation: level-triggered interrupts are not tested: the GPIO character device (uAPI v2)
requests edge events only, and userspace has no other way to request a GPIO interrupt.
"""

import re
import time

import gpiotools as gt
from qemu import leaked_objects

BANK = 3
LINES = (5, 21)
WATCHED = (5, 6, 21)
UNBIND_BANK = 5
UNBIND_LINE = 7
UNBIND_CYCLES = 1000
BURST = 200


class Context:
    """What the tests share: the machine and the guest's name for the test bank."""

    def __init__(self, machine):
        self.machine = machine
        self.console = machine.console
        self.qtest = machine.qtest
        self.chip = None

    def drive(self, line, level, bank=BANK):
        """Drive an input pad from the host."""
        self.qtest.set_input(bank, line, level)

    def lower_all(self):
        """Drive every test pad low (they start low, and a reset forgets them)."""
        for line in WATCHED:
            self.drive(line, 0)


def test_lines_unused(ctx):
    """The five banks are there with 32 lines; the test lines have no consumer."""
    out = ctx.console.check("gpiodetect")
    chips = re.findall(r"^gpiochip\d+ \[(\S+)\] \((\d+) lines\)", out, re.M)
    want = [(gt.bank_label(b), "32") for b in sorted(gt.BANK_BASE)]
    assert sorted(chips) == want, f"gpiodetect: expected {want}, got {chips}"
    for line in WATCHED:
        info = gt.line_info(ctx.console, ctx.chip, line)
        assert "consumer=" not in info, f"GPIO{BANK} line {line} is in use: {info}"


def test_output_shows_on_pad(ctx):
    """gpioset drives the pad high, then low, and no other pad of the bank moves."""
    ctx.qtest.intercept(BANK)
    for line in LINES:
        ctx.qtest.take_irqs()
        gt.hold_output(ctx.console, ctx.chip, line, 1)
        raised = ctx.qtest.wait_irq(line, True, 5)
        gt.release_outputs(ctx.console)
        gt.hold_output(ctx.console, ctx.chip, line, 0)
        lowered = ctx.qtest.wait_irq(line, False, 5)
        gt.release_outputs(ctx.console)
        time.sleep(0.1)
        seen = [(pin, "raise" if up else "lower") for _, pin, up in ctx.qtest.take_irqs()]
        assert raised, f"line {line}: gpioset {line}=1 gave no IRQ raise {line}; saw {seen}"
        assert lowered, f"line {line}: gpioset {line}=0 gave no IRQ lower {line}; saw {seen}"
        want = [(line, "raise"), (line, "lower")]
        assert seen == want, f"line {line}: pads moved {seen}, expected {want}"


def test_input_reads_back(ctx):
    """A level driven on one pad reads back with gpioget on that line only."""
    for line in LINES:
        for level in (1, 0):
            ctx.drive(line, level)
            got = gt.get_lines(ctx.console, ctx.chip, LINES)
            want = [level if other == line else 0 for other in LINES]
            assert got == want, (f"pad {line} driven {level}: gpioget lines {list(LINES)} "
                                 f"read {got}, expected {want}")


def edge_test(ctx, edges, pulses):
    """Pulse each test line in turn while gpiomon watches them and a neighbour with `edges`;
    the events must be exactly one per matching edge, on the pulsed line, in order."""
    ctx.lower_all()
    watch = gt.EdgeWatch(ctx.console, ctx.chip, WATCHED, edges)
    expected = []
    for line in LINES:
        for i in range(pulses):
            for level, edge in ((1, "rising"), (0, "falling")):
                since = ctx.console.mark()
                ctx.drive(line, level)
                if edges in (edge, "both"):
                    expected.append((line, edge))
                    watch.wait(line, edge, since, f"{edge} edge of pulse {i + 1}")
    time.sleep(0.3)     # room for a late duplicate to show
    events, stamps, irqs = watch.stop()
    diff = gt.compare_events(expected, events)
    assert diff is None, f"gpiomon -e {edges}: {diff}"
    assert stamps == sorted(stamps), f"gpiomon -e {edges}: timestamps go back: {stamps}"
    for line in WATCHED:
        want = sum(1 for ln, _ in expected if ln == line)
        assert irqs.get(line) == want, (f"line {line} -e {edges}: /proc/interrupts counted "
                                        f"{irqs.get(line)} interrupts for {want} events")


def test_edge_rising(ctx):
    """Rising edges only: one event per pulse on the pulsed line."""
    edge_test(ctx, "rising", 3)


def test_edge_falling(ctx):
    """Falling edges only."""
    edge_test(ctx, "falling", 3)


def test_edge_both(ctx):
    """Both edges (the bank's EDGE_SEL register): two events per pulse."""
    edge_test(ctx, "both", 3)


def test_simultaneous_edges(ctx):
    """Edges on all watched lines back to back, two of them on the same parent interrupt (so
    that one ISR read may hold both): exactly one event per line and edge."""
    ctx.lower_all()
    watch = gt.EdgeWatch(ctx.console, ctx.chip, WATCHED, "both")
    expected = []
    for level, edge in ((1, "rising"), (0, "falling")):
        since = ctx.console.mark()
        for line in WATCHED:
            ctx.drive(line, level)
        for line in WATCHED:
            expected.append((line, edge))
            watch.wait(line, edge, since, f"{edge} edges on lines {list(WATCHED)} at once")
    time.sleep(0.3)
    events, _, _ = watch.stop()
    # The order within one group of simultaneous edges is not defined.
    diff = gt.compare_events(sorted(expected), sorted(events))
    assert diff is None, f"simultaneous edges (sorted): {diff}"


def burst(ctx, edges, want_per_pulse):
    """BURST pulses on the high line: exactly BURST * want_per_pulse events."""
    line = LINES[1]
    ctx.lower_all()
    watch = gt.EdgeWatch(ctx.console, ctx.chip, [line], edges)
    for i in range(BURST):
        for level, edge in ((1, "rising"), (0, "falling")):
            since = ctx.console.mark()
            ctx.drive(line, level)
            if edges in (edge, "both"):
                watch.wait(line, edge, since, f"{edge} edge of pulse {i + 1} of {BURST}")
    time.sleep(0.3)
    events, _, irqs = watch.stop()
    want = BURST * want_per_pulse
    assert len(events) == want, f"line {line} -e {edges}: {len(events)} events, expected {want}"
    assert irqs.get(line) == want, (f"line {line} -e {edges}: /proc/interrupts counted "
                                    f"{irqs.get(line)} interrupts, expected {want}")


def test_burst_rising(ctx):
    """BURST rising edges, each waited for: BURST events."""
    burst(ctx, "rising", 1)


def test_burst_both(ctx):
    """BURST pulses with both edges: 2 * BURST events."""
    burst(ctx, "both", 2)


def test_unbind_bind(ctx):
    """UNBIND_CYCLES unbind/bind cycles of GPIO5 through its driver's sysfs files while gpiomon
    waits on GPIO3; then both banks work and GPIO5's clock is enabled once."""
    dev = gt.bank_label(UNBIND_BANK)
    driver = gt.driver_of(ctx.console, UNBIND_BANK)
    line = LINES[0]
    ctx.lower_all()
    watch = gt.EdgeWatch(ctx.console, ctx.chip, [line], "rising")
    out = ctx.console.check(
        f"i=0; while [ $i -lt {UNBIND_CYCLES} ]; do "
        f"echo {dev} >{driver}/unbind || {{ echo unbind failed at $i; break; }}; "
        f"echo {dev} >{driver}/bind || {{ echo bind failed at $i; break; }}; "
        f"i=$((i + 1)); done; echo cycles $i", timeout=300)
    assert f"cycles {UNBIND_CYCLES}" in out, f"{dev}: {out.strip()[-200:]}"
    clock = f"gpio{UNBIND_BANK}_root_clk"
    enabled = gt.clock_enables(ctx.console, clock)
    assert enabled == 1, f"{clock} enable count is {enabled} after the cycles, expected 1"
    since = ctx.console.mark()
    ctx.drive(line, 1)
    watch.wait(line, "rising", since, f"{UNBIND_CYCLES} unbind/bind cycles of {dev}")
    ctx.drive(line, 0)
    events, _, _ = watch.stop()
    assert events == [(line, "rising")], f"GPIO{BANK} line {line} after the cycles: {events}"

    chip = gt.chip_of(ctx.console, UNBIND_BANK)
    for level in (1, 0):
        ctx.drive(UNBIND_LINE, level, bank=UNBIND_BANK)
        got = gt.get_lines(ctx.console, chip, [UNBIND_LINE])
        assert got == [level], f"{dev} line {UNBIND_LINE} pad {level}: gpioget read {got}"
    for level in (1, 0):
        gt.hold_output(ctx.console, chip, UNBIND_LINE, level)
        gt.release_outputs(ctx.console)
        got = gt.get_lines(ctx.console, chip, [UNBIND_LINE], as_is=True)
        assert got == [level], f"{dev} line {UNBIND_LINE} gpioset {level}: gpioget -a read {got}"
    check_leaks(ctx.console)


def check_leaks(console):
    """On a kernel with kmemleak (the debug variant): no unreferenced object allocated by the
    GPIO driver or gpiolib after the cycles."""
    leaks = leaked_objects(console, r"gpio|bsp")
    assert not leaks, f"kmemleak after the cycles: {leaks[0][:600]}"


def test_after_reset(ctx):
    """After system_reset (which forgets the pads' input levels): inputs, outputs and an
    edge work again."""
    since = ctx.console.mark()
    ctx.machine.monitor.command("system_reset")
    ctx.console.wait_for(r"bsp: userspace ready", 60, since)
    ctx.console.shell_ready(20)
    ctx.lower_all()
    try:
        ctx.chip = gt.chip_of(ctx.console, BANK)
        test_input_reads_back(ctx)
        test_output_shows_on_pad(ctx)
        edge_test(ctx, "rising", 1)
    except AssertionError as err:
        raise AssertionError(f"after system_reset: {err}") from None


def test_results_saved_on_card(ctx):
    """The boot's kernel log, with the KUnit run, is on the card's FAT partition."""
    out = ctx.console.check("grep -c -e '^KTAP version 1' -e 'ok [0-9]* gpio_imx_rust' "
                            "/mnt/boot/results/boot.log")
    # udhcpc's hook may print on the console meanwhile: take grep's own line
    counts = re.findall(r"^(\d+)$", out, re.M)
    count = int(counts[-1]) if counts else 0
    assert count >= 2, f"/mnt/boot/results/boot.log: {out.strip()[-200:]}"


TESTS = [
    test_results_saved_on_card,
    test_lines_unused,
    test_output_shows_on_pad,
    test_input_reads_back,
    test_edge_rising,
    test_edge_falling,
    test_edge_both,
    test_simultaneous_edges,
    test_burst_rising,
    test_burst_both,
    test_unbind_bind,
    test_after_reset,
]
