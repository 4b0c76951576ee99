#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Ethernet figures of two kernels on the same image, booted alternately (A B A B ...): TCP
throughput each way between the host and /usr/bin/net-bench in the guest (1 MiB reads and
writes, TCP autotuning), the guest's busy CPU time per MiB moved, and the round trip of pings
from the guest to QEMU's gateway. Prints figures; it passes or fails nothing.

Usage: net_bench.py --kernel-a KDIR --kernel-b KDIR --image IMG [--board B] [--rounds N]
                    [--mib N] [--transfers N] [--pings N] [--out DIR]
The network is QEMU's user network (restrict=on) with one host port of 127.0.0.1 forwarded
into the guest, so the host side is slirp: under TCG the figures measure the emulator as much
as the driver; compare ratios, not absolutes.
"""

import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import abbench as ab  # noqa: E402
import nettools as nt  # noqa: E402
from qemu import BoardError, Machine  # noqa: E402

GUEST_PORT = 5000
CHUNK = 1 << 20
# Figures in print order: name, format
FIGURES = (("host->guest MiB/s", ".1f"), ("guest->host MiB/s", ".1f"),
           ("rx CPU ms/MiB", ".1f"), ("tx CPU ms/MiB", ".1f"),
           ("rtt p50 ms", ".3f"), ("rtt p99 ms", ".3f"))


def guest_figures(console, name, timeout):
    """Wait for net-bench job `name`; its "key value" figures."""
    status = nt.end_job(console, name, timeout)
    out = console.check(f"cat /tmp/{name}.out")
    if status != 0:
        raise BoardError(f"net-bench exited with {status}: {out.strip()[-300:]}")
    found = {m.group(1): float(m.group(2))
             for m in re.finditer(r"^(\w+) ([\d.]+)$", out, re.M)}
    if not {"bytes", "seconds", "busy_s"} <= found.keys():
        raise BoardError(f"net-bench printed {out!r}")
    return found


def host_to_guest(console, port, mib):
    """MiB/s received by the guest (first to last byte, its clock) and busy CPU ms per MiB."""
    nt.start_job(console, "sink", f"net-bench sink {GUEST_PORT} >/tmp/sink.out 2>&1")
    nt.wait_listening(console, GUEST_PORT)
    block = bytes(CHUNK)
    with nt.connect(port) as sock:
        sock.settimeout(120)
        for _ in range(mib):
            sock.sendall(block)
    got = guest_figures(console, "sink", 120)
    if got["bytes"] != mib * CHUNK:
        raise BoardError(f"the guest received {got['bytes']:.0f} of {mib * CHUNK} bytes")
    return mib / got["seconds"], got["busy_s"] * 1000 / mib


def guest_to_host(console, port, mib):
    """MiB/s received by the host (first to last byte) and the guest's busy CPU ms per MiB."""
    nt.start_job(console, "source",
                 f"net-bench source {GUEST_PORT} {mib * CHUNK} >/tmp/source.out 2>&1")
    nt.wait_listening(console, GUEST_PORT)
    received, first = 0, None
    with nt.connect(port) as sock:
        sock.settimeout(120)
        while True:
            data = sock.recv(CHUNK)
            if not data:
                break
            first = first or time.monotonic()
            received += len(data)
    seconds = time.monotonic() - first if first else 0
    got = guest_figures(console, "source", 120)
    if received != mib * CHUNK or not seconds:
        raise BoardError(f"the host received {received} of {mib * CHUNK} bytes")
    return mib / seconds, got["busy_s"] * 1000 / mib


def round_trips(console, count):
    """Ping round trips to the gateway in ms, 10 ms apart."""
    sent, received, times = nt.ping(console, nt.GATEWAY, f"-c {count} -i 0.01 -W 2",
                                    timeout=count * 0.05 + 30)
    if received < sent or len(times) != received:
        raise BoardError(f"ping: {received} of {sent} answered, {len(times)} times read")
    return times


def measure(args, kernel, label, log):
    """Boot `kernel` once and take every figure; medians over the transfers."""
    port = nt.free_port()
    machine = Machine(args.board, kernel, args.image, log,
                      netdev=nt.user_netdev([("tcp", port, GUEST_PORT)]))
    rx, tx = [], []
    try:
        machine.boot()
        console = machine.console
        driver = nt.driver_name(console)
        nt.wait_address(console)
        for _ in range(args.transfers):
            rx.append(host_to_guest(console, port, args.mib))
            tx.append(guest_to_host(console, port, args.mib))
        rtts = round_trips(console, args.pings)
    finally:
        machine.stop()
    fig = dict(zip((name for name, _ in FIGURES), (
        statistics.median(r for r, _ in rx), statistics.median(t for t, _ in tx),
        statistics.median(c for _, c in rx), statistics.median(c for _, c in tx),
        ab.percentile(rtts, 50), ab.percentile(rtts, 99))))
    print(f"{label} ({driver}): " + ", ".join(f"{name} {fig[name]:{fmt}}"
                                              for name, fmt in FIGURES), flush=True)
    return fig


def main():
    """Alternate the kernels, then print medians per kernel and B/A ratios."""
    parser = ab.parser(__doc__.splitlines()[0], rounds=3)
    parser.add_argument("--mib", type=int, default=64, help="MiB per transfer")
    parser.add_argument("--transfers", type=int, default=3, help="transfers each way per boot")
    parser.add_argument("--pings", type=int, default=500, help="pings per boot")
    ab.compare(parser.parse_args(), measure, FIGURES, "console-net-bench")
    return 0


if __name__ == "__main__":
    sys.exit(main())
