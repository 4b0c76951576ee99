# SPDX-License-Identifier: GPL-2.0
"""A board in QEMU for tests: its console, its qtest socket and its monitor.

scripts/run-qemu.sh builds the QEMU command line; this module only asks it for the console
on standard input and output (a pipe here), a qtest socket and a monitor socket, and does not
write the image (--snapshot) unless a test asks for a writable card.

Limitation: qtest intercepts the outputs of one device per QEMU instance, so a test sees the
pads of a single GPIO bank (the one `Machine.qtest.intercept` named first).
"""

import ctypes
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
READY = "bsp: userspace ready"
# Lines the kernel prints when something went wrong: the tests fail on any of them.
CRASH = re.compile(r"Oops|WARNING:|BUG:|Kernel panic|Unable to handle kernel|"
                   r"Internal error|Call trace:|rcu_.*stall|hung_task")


def leaked_objects(console, pattern):
    """On a kernel with kmemleak (the debug variant): scan twice, then the reports of
    unreferenced objects whose text (backtrace included) matches `pattern`; [] elsewhere."""
    out = console.check(
        "k=/sys/kernel/debug/kmemleak; if [ -e $k ]; then echo scan >$k; echo scan >$k; "
        "cat $k; echo kmemleak-done; fi", timeout=120)
    return ["unreferenced object" + block
            for block in out.split("unreferenced object")[1:] if re.search(pattern, block)]


class BoardError(Exception):
    """The board did not do what a test asked within its time."""


class Console:
    """The serial console: a log of everything the board printed, and a shell to run commands.

    A reader thread appends the board's output to `text` and to the log file; waits search
    `text` from a cursor, so output is never consumed twice.
    """

    def __init__(self, proc, log_path):
        self.proc = proc
        self.text = ""
        self.cursor = 0
        self.serial = 0
        self.lock = threading.Condition()
        self.log = open(log_path, "w", encoding="utf-8", errors="replace")
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        """Reader thread: copy the board's output into `text` and the log until EOF."""
        fd = self.proc.stdout.fileno()
        while True:
            data = os.read(fd, 65536)
            if not data:
                break
            chunk = data.decode("utf-8", errors="replace").replace("\r", "")
            with self.lock:
                self.text += chunk
                self.log.write(chunk)
                self.log.flush()
                self.lock.notify_all()
        with self.lock:
            self.lock.notify_all()

    def wait_for(self, pattern, timeout, start=None):
        """Wait for regex `pattern` after `start` (default: the cursor); move the cursor past it."""
        regex = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        begin = self.cursor if start is None else start
        with self.lock:
            while True:
                match = regex.search(self.text, begin)
                if match:
                    self.cursor = match.end()
                    return match
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self.reader.is_alive()):
                    tail = self.text[-400:].strip().replace("\n", " | ")
                    raise BoardError(f"no /{pattern}/ on the console within {timeout} s; "
                                     f"last output: {tail}")
                self.lock.wait(min(left, 0.5))

    def mark(self):
        """The current end of the output, to wait for something printed after it."""
        with self.lock:
            return len(self.text)

    def send(self, line):
        """Type one line on the console."""
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def run(self, command, timeout=10):
        """Run a shell command; return (exit status, output). Kernel messages and background
        jobs print on the same console, so callers look for what they expect in the output.

        The end marker comes on a line of its own, so that a command may end in `&`; it is
        split in the command text ("<""<") so that an echoed command can never look like it.
        """
        self.serial += 1
        tag = f"END{self.serial}"
        start = self.mark()
        self.send(f'{command}\necho "<""<{tag} $?>>"')
        match = self.wait_for(rf"<<{tag} (\d+)>>", timeout, start)
        return int(match.group(1)), self.text[start:match.start()].strip("\n")

    def check(self, command, timeout=10):
        """Run a command that must succeed; return its output."""
        status, out = self.run(command, timeout)
        if status != 0:
            raise BoardError(f"'{command}' exited with {status}: {out.strip()[-300:]}")
        return out

    def shell_ready(self, timeout):
        """Make the shell scriptable: no echo (which also turns off line editing), no prompt."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.run("stty -echo; PS1=", timeout=2)
                return
            except BoardError:
                if time.monotonic() > deadline:
                    raise

    def crashes(self, start=0):
        """Kernel crash and warning lines printed since offset `start`."""
        with self.lock:
            text = self.text[start:]
        return [ln for ln in text.split("\n") if CRASH.search(ln)]

    def close(self):
        """Close the log once QEMU has gone."""
        self.reader.join(timeout=5)
        self.log.close()


class QTest:
    """Client of QEMU's qtest protocol: one command a line, answered by OK or FAIL.

    `IRQ raise N` / `IRQ lower N` lines from an intercepted device arrive at any time; the
    reader thread keeps them, with their arrival time, in `irqs`.
    """

    def __init__(self, path, timeout=10):
        self.sock = _connect(path, timeout)
        self.replies = []
        self.irqs = []
        self.lock = threading.Condition()
        self.intercepted = None
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        """Reader thread: sort incoming lines into replies and IRQ events."""
        buf = b""
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            buf += data
            *lines, buf = buf.split(b"\n")
            with self.lock:
                for raw in lines:
                    line = raw.decode(errors="replace").strip()
                    if line.startswith("IRQ "):
                        _, edge, pin = line.split()
                        self.irqs.append((time.monotonic(), int(pin), edge == "raise"))
                    elif line:
                        self.replies.append(line)
                self.lock.notify_all()
        with self.lock:
            self.replies.append("FAIL connection closed")
            self.lock.notify_all()

    def command(self, line, timeout=10):
        """Send a command and return its reply, raising BoardError on FAIL."""
        with self.lock:
            self.replies.clear()
            self.sock.sendall((line + "\n").encode())
            if not self.lock.wait_for(lambda: self.replies, timeout):
                raise BoardError(f"qtest: no reply to '{line}' within {timeout} s")
            reply = self.replies.pop(0)
        if not reply.startswith("OK"):
            raise BoardError(f"qtest: '{line}' gave '{reply}'")
        return reply

    def set_input(self, bank, pin, level):
        """Drive input pad `pin` of GPIO bank `bank` (1-5) to `level`."""
        self.command(f"set_irq_in /machine/soc/gpio{bank} unnamed-gpio-in {pin} {int(level)}")

    def intercept(self, bank):
        """Report the output pads of GPIO bank `bank` as IRQ lines (once per instance)."""
        if self.intercepted not in (None, bank):
            raise BoardError(f"qtest intercepts gpio{self.intercepted} already, not gpio{bank}")
        if self.intercepted is None:
            self.command(f"irq_intercept_out /machine/soc/gpio{bank}")
            self.intercepted = bank

    def readl(self, addr):
        """Read a 32-bit register."""
        return int(self.command(f"readl 0x{addr:x}").split()[1], 16)

    def take_irqs(self):
        """Return and forget the IRQ events seen so far: (time, pin, raised)."""
        with self.lock:
            events, self.irqs = self.irqs, []
        return events

    def wait_irq(self, pin, raised, timeout):
        """Wait for an IRQ event of `pin` to level `raised`; return its time or None."""
        def seen():
            return next((t for t, p, r in self.irqs if p == pin and r == raised), None)
        with self.lock:
            self.lock.wait_for(lambda: seen() is not None, timeout)
            return seen()

    def close(self):
        """Close the socket."""
        self.sock.close()


class Monitor:
    """The QEMU monitor (HMP) on a unix socket."""

    PROMPT = b"(qemu) "

    def __init__(self, path, timeout=10):
        self.sock = _connect(path, timeout)
        self._until_prompt(timeout)

    def _until_prompt(self, timeout):
        """Read up to the next prompt; return what came before it."""
        self.sock.settimeout(timeout)
        buf = b""
        while not buf.endswith(self.PROMPT):
            data = self.sock.recv(4096)
            if not data:
                raise BoardError("monitor closed the connection")
            buf += data
        return buf[:-len(self.PROMPT)].decode(errors="replace")

    def command(self, line, timeout=10):
        """Run an HMP command; return its output."""
        self.sock.sendall((line + "\n").encode())
        return self._until_prompt(timeout)

    def close(self):
        """Close the socket."""
        self.sock.close()


def _die_with_parent():
    """In the child before exec: QEMU gets SIGTERM when the harness dies, even by SIGKILL
    (Linux PR_SET_PDEATHSIG, kept across run-qemu.sh's exec of QEMU)."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


def _connect(path, timeout):
    """Connect to the unix socket QEMU serves at `path`, waiting for QEMU to create it."""
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(path))
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise BoardError(f"cannot connect to QEMU socket {path} within {timeout} s")
            time.sleep(0.05)


class Machine:
    """One QEMU instance of a board, started through scripts/run-qemu.sh."""

    def __init__(self, board, kernel, image, log_path, netdev=None, mac=None, writable=False):
        self.board = board
        self.kernel = Path(kernel)
        self.image = Path(image)
        self.log_path = Path(log_path)
        self.netdev = netdev    # the Ethernet back-end (run-qemu.sh --netdev), None: default
        self.mac = mac
        self.writable = writable    # the guest's writes reach the image file
        self.proc = None
        self.console = self.qtest = self.monitor = None
        self.tmp = None

    def start(self):
        """Start QEMU and connect to its sockets; the board boots in the background."""
        # Unix socket paths are short (108 bytes): keep them in a private folder under /tmp.
        self.tmp = tempfile.TemporaryDirectory(prefix="bsp-board-")
        qt = Path(self.tmp.name, "qtest")
        mon = Path(self.tmp.name, "monitor")
        cmd = [str(TOP / "scripts/run-qemu.sh"), self.board, str(self.kernel), str(self.image),
               "--qtest", str(qt), "--monitor", str(mon)]
        if not self.writable:
            cmd.append("--snapshot")
        if self.netdev:
            cmd += ["--netdev", self.netdev]
        if self.mac:
            cmd += ["--mac", self.mac]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        self.console = Console(self.proc, self.log_path)
        try:
            self.qtest = QTest(qt)
            self.monitor = Monitor(mon)
        except BoardError as err:
            if self.proc.poll() is None:
                raise
            self.console.reader.join(timeout=5)
            raise BoardError(f"QEMU ended with status {self.proc.returncode}: "
                             f"{self.console.text.strip()[-300:]}") from err
        return self

    def boot(self, timeout=60):
        """Start and wait for userspace; leave a scriptable shell."""
        self.start()
        self.console.wait_for(re.escape(READY), timeout)
        self.console.shell_ready(20)
        return self

    def stop(self):
        """End QEMU (the process this object started) and close everything."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for part in (self.qtest, self.monitor):
            if part:
                part.close()
        if self.console:
            self.console.close()
        if self.tmp:
            self.tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
