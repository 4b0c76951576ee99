# SPDX-License-Identifier: GPL-2.0
"""board_card: the KUnit results a boot leaves on the card, read the way a user reads them
from a card pulled out of a board.

A copy of the SD image boots twice in one QEMU (system_reset between), writable this time.
Each boot's start-up script saves its kernel log on the FAT partition and runs the image's
own `bsp results` (built for the target) on it. Once QEMU has stopped, mtools copies
results/ out of the image file and the tests compare it with what the host's `bsp results`
makes of the console of the same boot.
"""

import hashlib
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from qemu import Machine, READY, TOP

REPORTS = ["boot.log", "results.ktap", "junit.xml", "results.json", "summary.txt"]
SAVED = re.compile(r"bsp: KUnit results saved in /mnt/boot/results: (.*)")
RESULTS = "/mnt/boot/results"


def kunit_suites(board):
    """The KUNIT_SUITES of the board's board.conf."""
    for conf in TOP.glob(f"board/*/{board}/board.conf"):
        found = re.search(r'^KUNIT_SUITES="([^"]*)"', conf.read_text(), re.M)
        if found:
            return found.group(1).split()
    raise SystemExit(f"card_suite: no KUNIT_SUITES in board.conf of {board}")


def host_bsp():
    """The host build of `bsp` (scripts/test.sh builds it before the board tests)."""
    target = os.environ.get("CARGO_TARGET_DIR") or Path(
        os.environ.get("BSP_CACHE") or Path.home() / ".cache/rust-bsp", "cargo-target")
    return Path(target, "release/bsp")


def fat_offset(image):
    """Byte offset of the card's FAT partition (MBR type 0x0c), from sfdisk."""
    table = json.loads(subprocess.run(["sfdisk", "--json", str(image)], check=True,
                                      capture_output=True, text=True).stdout)["partitiontable"]
    for part in table["partitions"]:
        if part["type"].lower() in ("c", "b"):
            return part["start"] * table.get("sectorsize", 512)
    raise AssertionError(f"{image}: no FAT partition in {table['partitions']}")


def copy_results(image, dest):
    """Copy results/ from the image's FAT partition into dest with mcopy."""
    spec = f"{image}@@{fat_offset(image)}"
    Path(dest).mkdir(parents=True, exist_ok=True)
    subprocess.run(["mcopy", "-s", "-n", "-i", spec, "::/results", str(dest)], check=True,
                   capture_output=True, text=True, env={**os.environ, "MTOOLS_SKIP_CHECK": "1"})
    return Path(dest, "results")


def tree(report):
    """Suite and case names with their statuses from a results.json, for comparing runs."""
    def walk(group):
        return {"name": group["name"],
                "cases": [(c["name"], c["status"]) for c in group["test_cases"]],
                "groups": [walk(g) for g in group["sub_groups"]]}
    return walk(report)


class Context:
    """Two boots of one writable copy of the card, then its results/ on the host."""

    def __init__(self, args, work):
        self.args = args
        self.work = Path(work)
        self.suites = kunit_suites(args.board)
        self.boots = []         # per boot: console text, sha256 of boot.log seen by the guest
        self.results = None     # results/ copied off the card
        self.host = None        # the host's reports of the second boot's console
        self.host_out = ""      # and what it printed

    def run(self, log_path):
        """Boot twice, stop QEMU, copy the card's results/ out and report on the console."""
        card = self.work / "card.img"
        subprocess.run(["cp", "--sparse=always", str(self.args.image), str(card)], check=True)
        machine = Machine(self.args.board, self.args.kernel, card, log_path, writable=True)
        try:
            start = 0
            machine.boot()
            for boot in (1, 2):
                if boot == 2:
                    start = machine.console.mark()
                    machine.monitor.command("system_reset")
                    machine.console.wait_for(re.escape(READY), 60, start)
                    machine.console.shell_ready(20)
                # udhcpc in the background may print on the same console
                out = machine.console.check(f"sha256sum {RESULTS}/boot.log; sync")
                digest = re.search(r"\b[0-9a-f]{64}\b", out)
                self.boots.append((machine.console.text[start:machine.console.mark()],
                                   digest.group(0) if digest else out))
            crashes = machine.console.crashes()
            assert not crashes, f"kernel: {crashes[0]}"
        finally:
            machine.stop()
        self.results = copy_results(card, self.work / "card")
        console = self.work / "boot2.log"
        console.write_text(self.boots[1][0])
        self.host = self.work / "host"
        report = subprocess.run([str(host_bsp()), "results", str(console), "--out",
                                 str(self.host), "--board", self.args.board],
                                capture_output=True, text=True, check=False)
        self.host_out = report.stdout + report.stderr
        card.unlink()


def test_reports_on_card(ctx):
    """The last boot's log and its four reports are on the card, and the boot before's set is
    in results/previous/."""
    for folder in (ctx.results, ctx.results / "previous"):
        missing = [f for f in REPORTS if not (folder / f).is_file()]
        assert not missing, f"{folder.relative_to(ctx.results.parent)}: missing {missing}"
    assert "KTAP version 1" in (ctx.results / "results.ktap").read_text()


def test_previous_boot_kept(ctx):
    """results/previous/boot.log is the first boot's log, boot.log the second's."""
    (_, first), (_, second) = ctx.boots
    card = {name: hashlib.sha256(path.read_bytes()).hexdigest()
            for name, path in (("previous", ctx.results / "previous/boot.log"),
                               ("last", ctx.results / "boot.log"))}
    assert first and second and first != second, f"guest's sha256: {first!r} {second!r}"
    assert card == {"previous": first, "last": second}, \
        f"card {card}, guest saw first {first}, second {second}"


def test_json_matches_console(ctx):
    """The card's results.json, made on the board from its kernel log, has the same suites,
    cases and statuses as the host's report of the same boot's serial console."""
    host = ctx.host / "results.json"
    assert host.is_file(), f"the host's bsp results wrote no {host} ({host_bsp()})"
    card = json.loads((ctx.results / "results.json").read_text())
    names = [g["name"] for g in card["sub_groups"]]
    missing = [s for s in ctx.suites if s not in names]
    assert not missing, f"card's results.json lacks {missing}; has {names}"
    card_tree, host_tree = tree(card), tree(json.loads(host.read_text()))
    assert card_tree == host_tree, \
        f"card and console differ: {[g['name'] for g in card_tree['groups']]} against " \
        f"{[g['name'] for g in host_tree['groups']]}"


def test_junit_on_card(ctx):
    """junit.xml on the card is well-formed, names every KUnit suite, and its counts agree
    with its own test cases and with results.json."""
    root = ET.parse(ctx.results / "junit.xml").getroot()
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    missing = [s for s in ctx.suites if s not in suites]
    assert not missing, f"junit.xml lacks {missing}"
    for name in ctx.suites:
        cases = len(suites[name].findall(".//testcase"))
        assert int(suites[name].get("tests")) == cases > 0, \
            f"{name}: tests={suites[name].get('tests')}, {cases} testcase elements"
    card = json.loads((ctx.results / "results.json").read_text())
    total = sum(g["misc"]["tests"] for g in card["sub_groups"])
    assert int(root.get("tests")) == total, f"junit.xml tests={root.get('tests')}, JSON {total}"


def test_summary_matches_console(ctx):
    """summary.txt ends with the totals line the board printed, which is also the line the
    host's parser gives for the same console."""
    printed = SAVED.findall(ctx.boots[1][0])
    assert printed, "the board printed no 'bsp: KUnit results saved' line"
    last = (ctx.results / "summary.txt").read_text().strip().splitlines()[-1]
    host_last = (ctx.host_out.strip().splitlines() or [""])[-1]
    assert printed[-1] == last == host_last, \
        f"board printed {printed[-1]!r}, summary.txt {last!r}, host {host_last!r}"
    assert re.fullmatch(r"\d+ passed, 0 failed", last), f"the boot's KUnit run: {last!r}"


TESTS = [
    test_reports_on_card,
    test_previous_boot_kept,
    test_json_matches_console,
    test_junit_on_card,
    test_summary_matches_console,
]

