# SPDX-License-Identifier: GPL-2.0
"""Sort device tree diagnostics into ours and upstream's.

Input: the board DTB the kernel ships (BASE) and ours built on top of it (OURS), each with
the warnings dtc printed while compiling it and the JSON diagnostics dt-validate wrote. A
diagnostic of OURS is

- "ours" when its node is one we add or change (a node of OURS that BASE lacks, or whose
  properties differ) and BASE has no identical diagnostic: this fails the check;
- "upstream" when BASE has the same one (same node, same message): listed, never fails;
- "elsewhere" when it is new but on a node we left alone: listed, does not fail.

Usage: classify.py BASE.dtb BASE.dtc.log BASE.json OURS.dtb OURS.dtc.log OURS.json
Prints one line per diagnostic and a summary; exit status 1 if any is "ours".
"""

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import libfdt

USAGE = "usage: classify.py BASE.dtb BASE.dtc.log BASE.json OURS.dtb OURS.dtc.log OURS.json"

# "file:1.2-3.4: Warning (check_name): /path/to/node: message"
DTC_LINE = re.compile(
    r"^[^ ]+: (?:Warning|ERROR) \((?P<check>[\w-]+)\): (?P<node>/[^:]*): (?P<msg>.*)$"
)


@dataclass(frozen=True)
class Diagnostic:
    """One complaint about one node; equal across builds when node and text are."""

    tool: str
    node: str
    message: str


def nodes(dtb: Path) -> dict[str, dict[str, bytes]]:
    """Every node of a DTB by path, with its properties' raw values."""
    fdt = libfdt.Fdt(dtb.read_bytes())
    quiet = (libfdt.NOTFOUND,)
    found: dict[str, dict[str, bytes]] = {}

    def visit(offset: int, path: str) -> None:
        props = {}
        prop = fdt.first_property_offset(offset, quiet)
        while prop >= 0:
            value = fdt.get_property_by_offset(prop)
            props[value.name] = bytes(value)
            prop = fdt.next_property_offset(prop, quiet)
        found[path] = props
        child = fdt.first_subnode(offset, quiet)
        while child >= 0:
            visit(child, path.rstrip("/") + "/" + fdt.get_name(child))
            child = fdt.next_subnode(child, quiet)

    visit(0, "/")
    return found


def dtc_diagnostics(log: Path) -> set[Diagnostic]:
    """The node warnings of a dtc log; file positions are dropped, they differ per build."""
    found = set()
    for line in log.read_text().splitlines():
        match = DTC_LINE.match(line)
        if match:
            text = f"{match['check']}: {match['msg']}"
            found.add(Diagnostic("dtc", match["node"], text))
    return found


def schema_diagnostics(report: Path) -> set[Diagnostic]:
    """The diagnostics of dt-validate's --json-output file, each led by its property."""
    found = set()
    for entry in json.loads(report.read_text() or "[]"):
        prop = "/".join(str(p) for p in entry.get("property_path") or [])
        text = f"{prop}: {entry['message']}" if prop else entry["message"]
        found.add(Diagnostic("dt-validate", entry.get("node") or "/", text))
    return found


def touched(base: dict[str, dict[str, bytes]], ours: dict[str, dict[str, bytes]]) -> set[str]:
    """Paths of the nodes of OURS that BASE lacks or that differ from BASE's."""
    return {path for path, props in ours.items() if base.get(path) != props}


def main(argv: list[str]) -> int:
    if len(argv) != 6:
        print(USAGE, file=sys.stderr)
        return 2
    base_dtb, base_dtc, base_json, our_dtb, our_dtc, our_json = map(Path, argv)
    base = dtc_diagnostics(base_dtc) | schema_diagnostics(base_json)
    ours = dtc_diagnostics(our_dtc) | schema_diagnostics(our_json)
    changed = touched(nodes(base_dtb), nodes(our_dtb))

    counts = {"ours": 0, "elsewhere": 0, "upstream": 0}
    for diag in sorted(ours, key=lambda d: (d.node, d.tool, d.message)):
        if diag in base:
            kind = "upstream"
        elif diag.node in changed:
            kind = "ours"
        else:
            kind = "elsewhere"
        counts[kind] += 1
        print(f"{kind:9} {diag.tool}: {diag.node}: {diag.message}")
    print(
        f"{len(changed)} nodes added or changed; diagnostics: {counts['ours']} on them, "
        f"{counts['elsewhere']} new elsewhere, {counts['upstream']} upstream"
    )
    return 1 if counts["ours"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
