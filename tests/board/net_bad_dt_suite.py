# SPDX-License-Identifier: GPL-2.0
"""board_net_bad_dt: the ENET1 node (ethernet@30be0000) of the board's device tree, broken one
property at a time. Each variant must boot to a shell without a kernel warning, leave the
device without a driver and eth0, and the device must print exactly one error line (kernel
log level err or worse, the driver core's own "probe ... failed" line aside) that names what
is missing.

The variants are made at run time with fdtput on a copy of the kernel's DTB.

These state what our driver does; mainline's C fec driver does otherwise (it scans the MDIO
bus when phy-handle is missing or dangling, connects the PHY only when the interface comes up,
and fails without a line of its own on a missing clock), so most variants fail on it.
"""

import re
import shutil
import subprocess
from pathlib import Path

from bad_dt_suite import variant_tests
from nettools import DEVICE, IFACE, device_of
from qemu import READY

# The driver core's own line after any failed probe; it names nothing.
CORE_LINE = re.compile(r"probe with driver \S+ failed")
# A kernel log line from the device itself: "<driver> 30be0000.ethernet[ eth0]: ..."
OWN_LINE = re.compile(rf"\b{re.escape(DEVICE)}(?: \S+)?: ")
NO_SUCH_PHANDLE = 0xdead

# name, edit of the node, what the error line must name (regex, case-insensitive)
VARIANTS = [
    ("no_phy_handle", ("delete", "phy-handle"), r"phy-handle"),
    ("phy_handle_dangling", ("set", "phy-handle", NO_SUCH_PHANDLE), r"phy-handle"),
    # the clock controller's phandle (the first cell of clocks): a node, but not a PHY
    ("phy_handle_not_phy", ("set", "phy-handle", "clocks"), r"phy-handle"),
    ("no_clocks", ("delete", "clocks"), r"clock"),
    ("no_interrupts", ("delete", "interrupts"), r"interrupt"),
]


def fdt(tool, *args):
    """Run fdtget or fdtput; its output."""
    return subprocess.run([tool, *map(str, args)], check=True, capture_output=True,
                          text=True).stdout.strip()


def node_path(dtb):
    """The path of ENET1's node: the node alias ethernet0 names, checked by unit address."""
    path = fdt("fdtget", dtb, "/aliases", "ethernet0")
    unit = DEVICE.split(".")[0]
    assert path.endswith(f"/ethernet@{unit}"), f"alias ethernet0 is {path}, not ENET1"
    return path


def make_dtb(source, dtb, variant, out_dir):
    """Write DTB variant `variant` of `source`/`dtb` into out_dir; return its kernel folder."""
    name, edit = variant[0], variant[1]
    kdir = Path(out_dir, name)
    kdir.mkdir(parents=True, exist_ok=True)
    target = kdir / dtb
    shutil.copyfile(source / dtb, target)
    node = node_path(target)
    if edit[0] == "delete":
        fdt("fdtput", "-d", target, node, edit[1])
    else:
        value = edit[2]
        if value == "clocks":
            value = fdt("fdtget", target, node, "clocks").split()[0]
        fdt("fdtput", "-t", "u", target, node, edit[1], value)
    image = kdir / "Image"
    if not image.exists():
        image.symlink_to((source / "Image").resolve())
    return kdir


def check_boot(machine, variant):
    """The error line, the unbound device and the absence of warnings, on a booted variant;
    every problem found is reported, not just the first."""
    name, _, names = variant
    console = machine.console
    console.wait_for(re.escape(READY), 60)
    console.shell_ready(20)
    # dmesg -r keeps each line's level: <3> is err, <2> crit, <1> alert, <0> emerg.
    log = console.check("dmesg -r")
    own = []
    for match in re.finditer(r"^<(\d+)>(.*)$", log, re.M):
        level, text = int(match.group(1)) & 7, match.group(2)
        if level <= 3 and OWN_LINE.search(text) and not CORE_LINE.search(text):
            own.append(text.strip())
    out = console.check(f"readlink /sys/bus/platform/devices/{DEVICE}/driver || true")
    bound = re.search(r"^\S*/drivers/([^/\s]+)$", out, re.M)
    iface_device = device_of(console)

    problems = []
    if len(own) != 1:
        problems.append(f"{len(own)} error lines from {DEVICE}, expected 1: {own[:3]}")
    if not any(re.search(names, ln, re.I) for ln in own):
        problems.append(f"no error line from {DEVICE} names /{names}/")
    if bound:
        problems.append(f"{DEVICE} is bound to {bound.group(1)} despite the broken node")
    if iface_device == DEVICE:
        problems.append(f"{IFACE} exists on {DEVICE}")
    crashes = console.crashes()
    if crashes:
        problems.append(f"kernel warnings: {crashes[:5]}")
    assert not problems, f"{name}: " + "\n".join(problems)


def tests(args, work):
    """The suite's tests, one per variant."""
    return variant_tests(args, work, VARIANTS, make_dtb, check_boot, "console-net-bad-dt")
