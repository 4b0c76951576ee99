# SPDX-License-Identifier: GPL-2.0
"""KTAP version 1 output for host-driven board tests, laid out as KUnit lays out suites.

One document holds the suites; each suite holds one result line per test, failure
diagnostics as `# ` lines before it. Lines are printed as they come and kept for the file.
"""

from dataclasses import dataclass, field

INDENT = "    "


@dataclass
class Result:
    """The outcome of one test."""
    name: str
    ok: bool
    diagnostics: list = field(default_factory=list)
    skip: str = ""


class Writer:
    """Prints KTAP lines to standard output and keeps them for `text`."""

    def __init__(self, suites):
        self.lines = []
        self.suite_number = 0
        self._emit("KTAP version 1")
        self._emit(f"1..{suites}")

    def _emit(self, line):
        """Print one line and keep it."""
        self.lines.append(line)
        print(line, flush=True)

    def begin_suite(self, name, tests):
        """Open suite `name` that will hold `tests` results."""
        self.suite_number += 1
        self.suite = name
        self.test_number = 0
        self.results = []
        self._emit(INDENT + "KTAP version 1")
        self._emit(INDENT + f"# Subtest: {name}")
        self._emit(INDENT + f"1..{tests}")

    def result(self, result):
        """Report one test of the open suite."""
        self.test_number += 1
        self.results.append(result)
        for diag in result.diagnostics:
            for line in str(diag).splitlines() or [""]:
                self._emit(INDENT + f"# {result.name}: {line}")
        status = "ok" if result.ok else "not ok"
        skip = f" # SKIP {result.skip}" if result.skip else ""
        self._emit(INDENT + f"{status} {self.test_number} {result.name}{skip}")

    def end_suite(self):
        """Close the open suite with its own result line; return True if nothing failed."""
        passed = sum(r.ok and not r.skip for r in self.results)
        skipped = sum(bool(r.skip) for r in self.results)
        failed = len(self.results) - passed - skipped
        self._emit(f"# {self.suite}: pass:{passed} fail:{failed} skip:{skipped} "
                   f"total:{len(self.results)}")
        self._emit(f"{'ok' if failed == 0 else 'not ok'} {self.suite_number} {self.suite}")
        return failed == 0

    def text(self):
        """The whole document."""
        return "\n".join(self.lines) + "\n"
