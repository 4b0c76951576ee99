#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host-driven board tests: boot the board in QEMU, drive it from its console and its pads,
print KTAP version 1 and write it to OUT/board.ktap, with one console log per boot.

Usage: run.py --board imx8mp-evk --kernel KDIR --image IMG --out DIR [--suite NAME]...
              [--peer-kernel KDIR --peer-image IMG]
The peer is the second board of board_net's two-board test (e.g. the C-driver image).
Exit status: 0 if every test passed or was skipped, 1 if one failed, 2 on bad arguments.
`tools/bsp results OUT/board.ktap --out DIR` turns the KTAP into JUnit and JSON.
"""

import argparse
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bad_dt_suite  # noqa: E402
import card_suite  # noqa: E402
import gpio_suite  # noqa: E402
import gpiotools  # noqa: E402
import net_bad_dt_suite  # noqa: E402
import net_suite  # noqa: E402
from ktap import Result, Writer  # noqa: E402
from qemu import BoardError, Machine  # noqa: E402

def run_test(test, ctx, console):
    """Run one test function; its Result. Kernel warnings printed meanwhile fail it.

    A test passes by returning None, a list of diagnostic lines to report with its result
    (e.g. which driver ran), or is skipped by returning the reason as a string.
    """
    name = test.__name__.removeprefix("test_")
    start = console.mark() if console else 0
    began = time.monotonic()
    try:
        outcome = test(ctx)
        if isinstance(outcome, list):
            result = Result(name, True, outcome)
        else:
            result = Result(name, True, skip=outcome or "")
    except (AssertionError, BoardError) as err:
        result = Result(name, False, [str(err) or "assertion failed"])
    except Exception:   # a bug in the test itself: report it, keep going
        result = Result(name, False, traceback.format_exc().splitlines()[-3:])
    crashes = console.crashes(start) if console else []
    if crashes:
        result = Result(name, False, result.diagnostics + [f"kernel: {ln}" for ln in crashes[:5]])
    print(f"{name}: {time.monotonic() - began:.1f} s", file=sys.stderr)
    return result


def run_suite(writer, name, tests, ctx, console):
    """Report every test of a suite; True if none failed."""
    writer.begin_suite(name, len(tests))
    for test in tests:
        writer.result(run_test(test, ctx, console))
    return writer.end_suite()


def fail_suite(writer, name, tests, why):
    """Report every test of a suite as failed for the same reason (e.g. the boot failed)."""
    writer.begin_suite(name, len(tests))
    fail_tests(writer, tests, why)
    return writer.end_suite()


def fail_tests(writer, tests, why):
    """Report each test as failed for the same reason, in the open suite."""
    for test in tests:
        writer.result(Result(test.__name__.removeprefix("test_"), False, [why]))


def board_gpio(writer, args):
    """Boot once and run the board_gpio suite on that machine."""
    machine = Machine(args.board, args.kernel, args.image, Path(args.out, "console-board.log"))
    try:
        try:
            machine.boot()
            ctx = gpio_suite.Context(machine)
            ctx.chip = gpiotools.chip_of(machine.console, gpio_suite.BANK)
        except (AssertionError, BoardError) as err:
            return fail_suite(writer, "board_gpio", gpio_suite.TESTS, f"boot: {err}")
        return run_suite(writer, "board_gpio", gpio_suite.TESTS, ctx, machine.console)
    finally:
        machine.stop()


def board_gpio_bad_dt(writer, args):
    """One boot per broken device tree."""
    with tempfile.TemporaryDirectory(prefix="bsp-bad-dt-") as work:
        return run_suite(writer, "board_gpio_bad_dt", bad_dt_suite.tests(args, work), None, None)


def board_net(writer, args):
    """Boot once for the one-board tests of board_net; then its two-board test and its
    oversized-frame test, which boot QEMUs of their own once the first has stopped."""
    tests = net_suite.TESTS + [net_suite.test_two_boards, net_suite.test_oversized_frames]
    writer.begin_suite("board_net", len(tests))
    with tempfile.TemporaryDirectory(prefix="bsp-net-") as work:
        ctx = net_suite.Context(args, work)
        try:
            try:
                ctx.boot(Path(args.out, "console-net.log"))
            except (AssertionError, BoardError) as err:
                fail_tests(writer, net_suite.TESTS, f"boot: {err}")
            else:
                for test in net_suite.TESTS:
                    writer.result(run_test(test, ctx, ctx.console))
        finally:
            ctx.stop()
        # Their own consoles: these tests check them for kernel warnings themselves.
        writer.result(run_test(net_suite.test_two_boards, ctx, None))
        writer.result(run_test(net_suite.test_oversized_frames, ctx, None))
    return writer.end_suite()


def board_net_bad_dt(writer, args):
    """One boot per broken ENET1 node."""
    with tempfile.TemporaryDirectory(prefix="bsp-net-bad-dt-") as work:
        return run_suite(writer, "board_net_bad_dt", net_bad_dt_suite.tests(args, work), None,
                         None)


def board_card(writer, args):
    """Two boots of a writable copy of the card, then the results it holds."""
    with tempfile.TemporaryDirectory(prefix="bsp-card-") as work:
        ctx = card_suite.Context(args, work)
        try:
            ctx.run(Path(args.out, "console-card.log"))
        except (AssertionError, BoardError, OSError, subprocess.CalledProcessError) as err:
            return fail_suite(writer, "board_card", card_suite.TESTS, f"card run: {err}")
        return run_suite(writer, "board_card", card_suite.TESTS, ctx, None)


SUITES = {"board_gpio": board_gpio, "board_gpio_bad_dt": board_gpio_bad_dt,
          "board_net": board_net, "board_net_bad_dt": board_net_bad_dt,
          "board_card": board_card}


def main():
    """Parse the arguments, run the suites, write OUT/board.ktap."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--board", required=True)
    parser.add_argument("--kernel", required=True, type=Path, help="folder with Image and DTB")
    parser.add_argument("--image", required=True, type=Path, help="SD card image")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--suite", action="append", choices=SUITES,
                        help="run only this suite (repeatable)")
    parser.add_argument("--peer-kernel", type=Path,
                        help="kernel folder of the second board in board_net")
    parser.add_argument("--peer-image", type=Path, help="SD card image of that board")
    args = parser.parse_args()
    if bool(args.peer_kernel) != bool(args.peer_image):
        parser.error("--peer-kernel and --peer-image go together")
    for path in (args.kernel / "Image", args.image) + (
            (args.peer_kernel / "Image", args.peer_image) if args.peer_kernel else ()):
        if not path.is_file():
            parser.error(f"{path} not found")
    args.out.mkdir(parents=True, exist_ok=True)

    suites = args.suite or list(SUITES)
    writer = Writer(len(suites))
    passed = True
    for name in suites:
        passed &= SUITES[name](writer, args)
    (args.out / "board.ktap").write_text(writer.text())
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
