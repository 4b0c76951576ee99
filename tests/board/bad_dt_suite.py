# SPDX-License-Identifier: GPL-2.0
"""board_gpio_bad_dt: the GPIO3 node of the board's device tree, broken one property at a
time. Each variant boots; gpio_imx_rust must refuse the bank with one error line that names
the property, bind the other banks, and the kernel must not warn or oops.

The variants are made at run time: dtc decompiles the kernel's DTB, a small edit changes the
node, dtc compiles it again.
"""

import re
import subprocess
from pathlib import Path

import gpiotools as gt
from qemu import Machine, READY

BANK = 3
TOP = Path(__file__).resolve().parents[2]


def board_dtb(board):
    """The DTB file name the board boots with, from its board.conf."""
    for conf in TOP.glob(f"board/*/{board}/board.conf"):
        found = re.search(r"^KERNEL_DTB=(\S+)", conf.read_text(), re.M)
        if found:
            return Path(found.group(1)).name
    raise SystemExit(f"bad_dt_suite: no KERNEL_DTB in board.conf of {board}")

DRIVER = "/sys/bus/platform/drivers/gpio_imx_rust"
# The driver core's own line after any failed probe; it names no property.
CORE_LINE = "probe with driver gpio_imx_rust failed"

# name, edit of the node's properties, property the error must name, words it must say
VARIANTS = [
    ("no_reg", ("drop", "reg"), "reg", "no register window"),
    ("no_interrupts", ("drop", "interrupts"), "interrupts", "interrupt 0 missing"),
    ("single_interrupt", ("first_cells", "interrupts", 3), "interrupts", "interrupt 1 missing"),
    ("gpio_cells_3", ("set", "#gpio-cells", "<0x03>"), "#gpio-cells", "is 3, must be 2"),
    ("ngpios_40", ("set", "ngpios", "<0x28>"), "ngpios", "is 40, must be 1 to 32"),
    # 0xdead is no node's phandle
    ("gpio_ranges_dangling", ("set", "gpio-ranges", "<0xdead 0x00 0x00 0x20>"), "gpio-ranges",
     "pin controller"),
]


def node_span(dts, label):
    """Start and end offsets of the body of the node whose unit address is `label`'s."""
    start = re.search(rf"^([ \t]*)gpio@{label.split('.')[0]} {{\n", dts, re.M)
    if not start:
        raise AssertionError(f"no node gpio@{label} in the device tree")
    end = dts.index(f"\n{start.group(1)}}};", start.end())
    return start.end(), end


def edit_node(body, edit):
    """Apply one property edit to the text of a node body."""
    kind, prop = edit[0], edit[1]
    pattern = re.compile(rf"^(\s*){re.escape(prop)} = (.*);$", re.M)
    found = pattern.search(body)
    if kind == "drop":
        assert found, f"property {prop} not in the node"
        return body[:found.start()] + body[found.end() + 1:]
    if kind == "first_cells":
        cells = re.findall(r"0x[0-9a-f]+|\d+", found.group(2))[:edit[2]]
        value = "<" + " ".join(cells) + ">"
    else:
        value = edit[2]
    if found:
        return body[:found.start(2)] + value + body[found.end(2):]
    indent = re.match(r"\s*", body).group(0)
    return f"{indent}{prop} = {value};\n" + body


def make_dtb(source, dtb, variant, out_dir):
    """Write DTB variant `variant` of `source`/`dtb` into out_dir; return its kernel folder."""
    name, edit = variant[0], variant[1]
    kdir = Path(out_dir, name)
    kdir.mkdir(parents=True, exist_ok=True)
    dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", str(source / dtb)],
                         check=True, capture_output=True, text=True).stdout
    start, end = node_span(dts, gt.bank_label(BANK))
    dts = dts[:start] + edit_node(dts[start:end], edit) + dts[end:]
    (kdir / f"{name}.dts").write_text(dts)
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(kdir / dtb),
                    str(kdir / f"{name}.dts")], check=True)
    image = kdir / "Image"
    if not image.exists():
        image.symlink_to((source / "Image").resolve())
    return kdir


def check_boot(machine, variant):
    """The error line, the bound banks, the bank's clock and the absence of warnings, on a
    booted variant; every problem found is reported, not just the first."""
    _, _, prop, words = variant
    console = machine.console
    console.wait_for(re.escape(READY), 60)
    console.shell_ready(20)
    label = gt.bank_label(BANK)
    bound = console.check(f"ls {DRIVER}")
    clock = f"gpio{BANK}_root_clk"
    enabled = gt.clock_enables(console, clock)

    problems = []
    # Without reg the device is named after its node path, e.g. 30000000.bus:gpio@30220000.
    prefix = re.compile(rf"gpio_imx_rust \S*{label.split('.')[0]}\S*: ")
    own = [ln for ln in console.text.split("\n") if prefix.search(ln) and CORE_LINE not in ln]
    if len(own) != 1:
        problems.append(f"{len(own)} gpio_imx_rust error lines for {label}, expected 1: "
                        f"{own[:3]}")
    if not any(prop in ln and words in ln for ln in own):
        problems.append(f"no error line names {prop} ('{words}')")
    if label in bound:
        problems.append(f"{label} is bound despite the broken node")
    missing = [gt.bank_label(b) for b in gt.BANK_BASE
               if b != BANK and gt.bank_label(b) not in bound]
    if missing:
        problems.append(f"banks not bound: {missing}")
    if enabled != 0:
        problems.append(f"{clock} enable count is {enabled} after the failed probe, expected 0")
    crashes = console.crashes()
    if crashes:
        problems.append(f"kernel warnings: {crashes[:5]}")
    assert not problems, "\n".join(problems)


def variant_tests(args, work, variants, make, check, log_prefix):
    """One test function per broken device tree of `variants`, named after it. Each writes its
    DTB with make(kernel_dir, dtb_name, variant, work), boots it, and check(machine, variant)
    raises if the board does not behave; the console goes to OUT/log_prefix-NAME.log."""
    def test_of(variant):
        def test(_ctx):
            kdir = make(Path(args.kernel), board_dtb(args.board), variant, work)
            log = Path(args.out, f"{log_prefix}-{variant[0]}.log")
            machine = Machine(args.board, kdir, args.image, log)
            try:
                machine.start()
                check(machine, variant)
            finally:
                machine.stop()
        test.__name__ = f"test_{variant[0]}"
        return test
    return [test_of(v) for v in variants]


def tests(args, work):
    """The suite's tests, one per variant."""
    return variant_tests(args, work, VARIANTS, make_dtb, check_boot, "console-bad-dt")
