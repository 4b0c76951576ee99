#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host-driven board tests: boot the board in QEMU, drive it from its console and its pads,
print KTAP version 1 and write it to OUT/board.ktap, with one console log per boot.

Usage: run.py --board imx8mp-evk --kernel KDIR --image IMG --out DIR [--suite NAME]...
Exit status: 0 if every test passed or was skipped, 1 if one failed, 2 on bad arguments.
`tools/bsp results OUT/board.ktap --out DIR` turns the KTAP into JUnit and JSON.
"""

import argparse
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bad_dt_suite  # noqa: E402
import gpio_suite  # noqa: E402
import gpiotools  # noqa: E402
from ktap import Result, Writer  # noqa: E402
from qemu import BoardError, Machine  # noqa: E402

def run_test(test, ctx, console):
    """Run one test function; its Result. Kernel warnings printed meanwhile fail it."""
    name = test.__name__.removeprefix("test_")
    start = console.mark() if console else 0
    began = time.monotonic()
    try:
        skip = test(ctx)
        result = Result(name, True, skip=skip or "")
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
    for test in tests:
        writer.result(Result(test.__name__.removeprefix("test_"), False, [why]))
    return writer.end_suite()


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


SUITES = {"board_gpio": board_gpio, "board_gpio_bad_dt": board_gpio_bad_dt}


def main():
    """Parse the arguments, run the suites, write OUT/board.ktap."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--board", required=True)
    parser.add_argument("--kernel", required=True, type=Path, help="folder with Image and DTB")
    parser.add_argument("--image", required=True, type=Path, help="SD card image")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--suite", action="append", choices=SUITES,
                        help="run only this suite (repeatable)")
    args = parser.parse_args()
    for path in (args.kernel / "Image", args.image):
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
