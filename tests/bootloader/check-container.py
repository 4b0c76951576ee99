#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Structure checks of the i.MX 8M Plus boot container, printed as KTAP version 1.

QEMU never runs this boot chain (it loads the kernel directly), so these checks read the files:
the boot ROM's image vector table (IVT) at the start of flash.bin, the SPL and the FIT image
u-boot.itb inside it, the FIT's U-Boot and TF-A BL31 payloads, U-Boot's default environment,
and the container's place on the SD card image. Without NXP's DDR training firmware there is
no flash.bin; its checks are then reported as skipped with the reason the build recorded
(make test builds a container from stand-in files instead, see standin-firmware.sh).

Usage: check-container.py BOOTLOADER_DIR [--image sdcard.img] [--bl31 FILE]
BOOTLOADER_DIR is an output folder of scripts/build-bootloader.sh; --bl31 defaults to the
bl31.bin it copied from Debian's arm-trusted-firmware package.
Exit status: 0 if every check passed or was skipped, 1 if one failed, 2 on bad arguments.
"""

import argparse
import hashlib
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "board"))

from ktap import Result, Writer  # noqa: E402

# The i.MX 8M Plus boot ROM reads the container from this SD card offset (33 KiB on 8MQ/8MM).
SD_CONTAINER_OFFSET = 32 * 1024
# IVT header: tag, then a big-endian length, then the HAB version (4.0 or 4.1).
IVT_TAG = 0xD1
IVT_LENGTH = 0x20
IVT_VERSIONS = (0x40, 0x41)
# TF-A's BL31_BASE for imx8mp: where SPL copies BL31, in OCRAM above SPL's own image.
BL31_BASE = 0x970000
# Where TF-A's imx8m BL31 starts the non-secure world (PLAT_NS_IMAGE_OFFSET): SPL passes it no
# parameters, so U-Boot must be loaded exactly there.
BL33_BASE = 0x40200000
FDT_MAGIC = 0xD00DFEED
FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP, FDT_END = 1, 2, 3, 4, 9
# binman writes at most this many bytes into SPL: 4 DDR blobs x (image_pos, size) x 8 bytes.
SPL_BINMAN_SYMBOL_BYTES = 64


class Fail(Exception):
    """A check found a mismatch; the message says which."""


class Skip(Exception):
    """A check cannot run; the message says why."""


@dataclass
class Ivt:
    """The boot ROM's image vector table and the boot data it points to."""
    tag: int
    length: int
    version: int
    entry: int
    dcd: int
    boot_data: int
    self_addr: int
    start: int
    size: int
    plugin: int

    @classmethod
    def parse(cls, data):
        tag, length, version = struct.unpack_from(">BHB", data, 0)
        entry, _, dcd, boot_data, self_addr = struct.unpack_from("<5I", data, 4)
        start, size, plugin = struct.unpack_from("<3I", data, IVT_LENGTH)
        return cls(tag, length, version, entry, dcd, boot_data, self_addr, start, size, plugin)


def parse_fdt(data):
    """A flattened device tree as {node path: {property: bytes}}."""
    (magic, total, off_struct, off_strings, _, version, *_) = struct.unpack_from(">10I", data)
    if magic != FDT_MAGIC:
        raise Fail(f"FDT magic {magic:#x}, want {FDT_MAGIC:#x}")
    if total > len(data) or version < 16:
        raise Fail(f"FDT header: totalsize {total} of {len(data)} bytes, version {version}")
    nodes, path, pos = {}, [], off_struct
    while True:
        (token,) = struct.unpack_from(">I", data, pos)
        pos += 4
        if token == FDT_BEGIN_NODE:
            end = data.index(b"\0", pos)
            path.append(data[pos:end].decode())
            nodes["/".join(path) or "/"] = {}
            pos = (end + 4) & ~3
        elif token == FDT_END_NODE:
            path.pop()
        elif token == FDT_PROP:
            size, name_off = struct.unpack_from(">II", data, pos)
            name = data[off_strings + name_off:data.index(b"\0", off_strings + name_off)]
            nodes["/".join(path) or "/"][name.decode()] = data[pos + 8:pos + 8 + size]
            pos = (pos + 8 + size + 3) & ~3
        elif token == FDT_END:
            return nodes
        elif token != FDT_NOP:
            raise Fail(f"FDT token {token:#x} at {pos - 4:#x}")


def u32(prop):
    return struct.unpack(">I", prop)[0]


def text(prop):
    return prop.rstrip(b"\0").decode()


def load_kconfig(path):
    """CONFIG_X=value lines as {X: value}, quotes stripped."""
    cfg = {}
    for line in path.read_text().splitlines():
        if line.startswith("CONFIG_") and "=" in line:
            key, value = line[7:].split("=", 1)
            cfg[key] = value.strip('"')
    return cfg


class Container:
    """The build outputs, the SD card image and what is parsed from them."""

    def __init__(self, out, image, bl31):
        self.out, self.image_path = out, image
        self.config = load_kconfig(out / ".config")
        self.spl = (out / "u-boot-spl.bin").read_bytes()
        self.nodtb = (out / "u-boot-nodtb.bin").read_bytes()
        self.itb = (out / "u-boot.itb").read_bytes()
        self.bl31 = bl31.read_bytes()
        self.env = dict(line.split("=", 1) for line in
                        (out / "u-boot-initial-env").read_text().splitlines() if "=" in line)
        flash = out / "flash.bin"
        self.flash = flash.read_bytes() if flash.exists() else None
        missing = out / "flash.bin.missing"
        self.missing = missing.read_text().strip() if missing.exists() else None
        self.image = image.read_bytes() if image else None

    def kconfig_int(self, name):
        return int(self.config[name], 0)

    def fit(self):
        return parse_fdt(self.itb)

    def fit_payload(self, nodes, name):
        """The data of FIT image `name`: inline, or external after the FDT."""
        node = nodes.get(f"/images/{name}")
        if node is None:
            raise Fail(f"FIT has no image '{name}'")
        if "data" in node:
            return node["data"]
        size = u32(node["data-size"])
        if "data-position" in node:
            start = u32(node["data-position"])
        else:
            start = ((u32(self.itb[4:8]) + 3) & ~3) + u32(node["data-offset"])
        data = self.itb[start:start + size]
        if len(data) != size:
            raise Fail(f"FIT image '{name}' runs past the end of u-boot.itb")
        return data

    def need_flash(self):
        if self.flash is None and self.missing is None:
            raise Fail("no flash.bin, and the build recorded no reason (flash.bin.missing)")
        if self.flash is None:
            raise Skip(self.missing)
        return self.flash

    def need_image(self):
        if self.image is None:
            raise Skip("no SD card image given (--image)")
        return self.image

    def first_partition(self):
        """(start offset, boot flag, type) of MBR partition 1."""
        boot, ptype, lba = struct.unpack_from("<B3xB3xI", self.image, 446)
        return lba * 512, boot, ptype


def check_spl_binary(c):
    """SPL exists and fits the room the defconfig gives it."""
    limit = c.kconfig_int("SPL_MAX_SIZE")
    if not 0 < len(c.spl) <= limit:
        raise Fail(f"u-boot-spl.bin is {len(c.spl)} bytes, limit {limit:#x}")


def check_fit_header(c):
    """u-boot.itb is a flattened device tree with a default configuration."""
    nodes = c.fit()
    config = nodes.get("/configurations")
    if not config or "default" not in config:
        raise Fail("FIT has no default configuration")


def check_fit_uboot(c):
    """The FIT's U-Boot image loads where BL31 jumps to and is u-boot-nodtb.bin."""
    nodes = c.fit()
    node = nodes["/images/uboot"]
    load, text_base = u32(node["load"]), c.kconfig_int("TEXT_BASE")
    if not load == text_base == BL33_BASE:
        raise Fail(f"uboot load {load:#x}, TEXT_BASE {text_base:#x}, want {BL33_BASE:#x}")
    # SPL jumps to the first entry point it finds; BL31's must be the one.
    if "entry" in node:
        raise Fail("uboot has an entry point: SPL would skip BL31")
    if c.fit_payload(nodes, "uboot") != c.nodtb:
        raise Fail("uboot payload differs from u-boot-nodtb.bin")


def check_fit_atf(c):
    """The FIT's BL31 loads and starts at BL31_BASE and is Debian's bl31.bin."""
    nodes = c.fit()
    node = nodes.get("/images/atf", {})
    for prop in ("load", "entry"):
        if prop not in node or u32(node[prop]) != BL31_BASE:
            raise Fail(f"atf {prop} is not {BL31_BASE:#x}")
    if c.fit_payload(nodes, "atf") != c.bl31:
        raise Fail("atf payload differs from bl31.bin")


def check_fit_config(c):
    """The default configuration starts U-Boot, loads BL31 and has a device tree."""
    nodes = c.fit()
    default = text(nodes["/configurations"]["default"])
    config = nodes.get(f"/configurations/{default}", {})
    if text(config.get("firmware", b"")) != "uboot":
        raise Fail(f"{default}: firmware is not 'uboot'")
    if "atf" not in text(config.get("loadables", b"")).split("\0"):
        raise Fail(f"{default}: 'atf' is not among the loadables")
    c.fit_payload(nodes, text(config.get("fdt", b"")))


def check_env_extlinux(c):
    """U-Boot's default environment scans the SD slot (mmc 1) first for extlinux.conf."""
    env = c.env
    targets = env.get("boot_targets", "").split()
    if env.get("bootcmd") != "run distro_bootcmd" or targets[:1] != ["mmc1"]:
        raise Fail(f"bootcmd '{env.get('bootcmd')}', boot_targets {targets}")
    if env.get("boot_syslinux_conf") != "extlinux/extlinux.conf":
        raise Fail(f"boot_syslinux_conf is '{env.get('boot_syslinux_conf')}'")


def check_flash_ivt(c):
    """flash.bin opens with an IVT the boot ROM accepts, pointing at SPL's entry."""
    flash = c.need_flash()
    ivt = Ivt.parse(flash)
    entry = c.kconfig_int("SPL_TEXT_BASE")
    problems = [
        (ivt.tag != IVT_TAG, f"tag {ivt.tag:#x}"),
        (ivt.length != IVT_LENGTH, f"length {ivt.length:#x}"),
        (ivt.version not in IVT_VERSIONS, f"version {ivt.version:#x}"),
        (ivt.entry != entry, f"entry {ivt.entry:#x}, want {entry:#x}"),
        (ivt.dcd != 0, f"DCD {ivt.dcd:#x}, want null"),
        (ivt.start != ivt.self_addr, f"boot data start {ivt.start:#x} is not self"),
        (ivt.boot_data != ivt.self_addr + IVT_LENGTH, f"boot data at {ivt.boot_data:#x}"),
        (not ivt.start < ivt.entry < ivt.start + ivt.size, "entry outside the image"),
        (ivt.start + ivt.size > BL31_BASE, "image overlaps BL31's load address"),
        (ivt.size > len(flash), f"image size {ivt.size:#x} beyond flash.bin"),
        (ivt.plugin != 0, "plugin flag set"),
    ]
    found = [what for bad, what in problems if bad]
    if found:
        raise Fail("IVT: " + "; ".join(found))


def check_flash_spl(c):
    """The image behind the IVT is SPL with the DDR firmware appended (u-boot-spl-ddr.bin)."""
    flash = c.need_flash()
    ivt = Ivt.parse(flash)
    spl_ddr = (c.out / "u-boot-spl-ddr.bin").read_bytes()
    at = ivt.entry - ivt.self_addr
    if flash[at:at + len(spl_ddr)] != spl_ddr:
        raise Fail(f"flash.bin at {at:#x} differs from u-boot-spl-ddr.bin")
    if len(spl_ddr) <= len(c.spl):
        raise Fail("no DDR firmware after SPL")
    changed = sum(a != b for a, b in zip(spl_ddr, c.spl))
    if changed > SPL_BINMAN_SYMBOL_BYTES:
        raise Fail(f"SPL in the container differs from u-boot-spl.bin in {changed} bytes")


def check_flash_ddr_firmware(c):
    """After SPL (padded to 4 bytes) come the DDR training files, in the order and with the
    sizes and sha256 the build listed (ddr-firmware.list), each padded to 4 bytes."""
    c.need_flash()
    listing = c.out / "ddr-firmware.list"
    if not listing.exists():
        raise Fail("flash.bin was built but ddr-firmware.list is missing")
    spl_ddr = (c.out / "u-boot-spl-ddr.bin").read_bytes()
    at = align4(len(c.spl))
    for line in listing.read_text().splitlines():
        name, size, digest = line.split()
        part = spl_ddr[at:at + int(size)]
        if hashlib.sha256(part).hexdigest() != digest:
            raise Fail(f"u-boot-spl-ddr.bin at {at:#x}: not {name} ({size} bytes)")
        at = align4(at + int(size))
    if at != len(spl_ddr):
        raise Fail(f"u-boot-spl-ddr.bin has {len(spl_ddr) - at} bytes after the firmware")
    if (c.out / "STAND-IN").exists():
        return ["built from stand-in DDR firmware: the structure is checked, but this "
                "container cannot bring up a board's RAM"]
    return []


def align4(n):
    return (n + 3) & ~3


def check_flash_itb(c):
    """u-boot.itb sits in flash.bin where SPL reads it (CONFIG_..._U_BOOT_SECTOR)."""
    flash = c.need_flash()
    at = c.kconfig_int("SYS_MMCSD_RAW_MODE_U_BOOT_SECTOR") * 512 - SD_CONTAINER_OFFSET
    if flash[at:at + len(c.itb)] != c.itb:
        raise Fail(f"flash.bin at {at:#x} differs from u-boot.itb")
    if Ivt.parse(flash).size > at:
        raise Fail("the SPL image runs into u-boot.itb")


def check_sdcard_container(c):
    """flash.bin is on the card at 32 KiB byte for byte, before U-Boot's environment."""
    image, flash = c.need_image(), c.need_flash()
    end = SD_CONTAINER_OFFSET + len(flash)
    if image[SD_CONTAINER_OFFSET:end] != flash:
        raise Fail(f"sdcard.img at {SD_CONTAINER_OFFSET:#x} differs from flash.bin")
    env = c.kconfig_int("ENV_OFFSET")
    if end > env:
        raise Fail(f"container ends at {end:#x}, past the environment at {env:#x}")


def check_sdcard_gap(c):
    """Nothing but the container lies between the MBR and partition 1."""
    image = c.need_image()
    part1 = c.first_partition()[0]
    start = SD_CONTAINER_OFFSET + len(c.flash or b"")
    if image[512:SD_CONTAINER_OFFSET].strip(b"\0") or image[start:part1].strip(b"\0"):
        raise Fail(f"non-zero bytes between the MBR and partition 1 at {part1:#x}")


def check_sdcard_boot_partition(c):
    """Partition 1 is FAT and bootable: U-Boot's distro boot scans bootable ones only."""
    c.need_image()
    _, boot, ptype = c.first_partition()
    if boot != 0x80 or ptype not in (0x0B, 0x0C):
        raise Fail(f"partition 1: boot flag {boot:#x}, type {ptype:#x}")


CHECKS = [check_spl_binary, check_fit_header, check_fit_uboot, check_fit_atf, check_fit_config,
          check_env_extlinux, check_flash_ivt, check_flash_spl, check_flash_ddr_firmware,
          check_flash_itb, check_sdcard_container, check_sdcard_gap, check_sdcard_boot_partition]


def run(check, container):
    """One check as a ktap Result."""
    name = check.__name__.removeprefix("check_")
    try:
        notes = check(container)
    except Skip as e:
        return Result(name, True, skip=str(e))
    except Fail as e:
        return Result(name, False, [str(e)])
    except (KeyError, IndexError, struct.error, ValueError) as e:
        # a missing property or a truncated file: malformed input, reported as such
        return Result(name, False, [f"malformed input: {type(e).__name__}: {e}"])
    return Result(name, True, notes or [])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="output folder of build-bootloader.sh")
    parser.add_argument("--image", type=Path, help="the SD card image, sdcard.img")
    parser.add_argument("--bl31", type=Path, help="the BL31 to compare (default OUT/bl31.bin)")
    args = parser.parse_args()
    try:
        container = Container(args.out, args.image, args.bl31 or args.out / "bl31.bin")
    except OSError as e:
        print(f"check-container.py: {e}", file=sys.stderr)
        return 2
    writer = Writer(1)
    writer.begin_suite("boot_container", len(CHECKS))
    for check in CHECKS:
        writer.result(run(check, container))
    return 0 if writer.end_suite() else 1


if __name__ == "__main__":
    sys.exit(main())
