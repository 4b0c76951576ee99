# SPDX-License-Identifier: GPL-2.0
"""board_net: the board's Ethernet port (ENET1, platform device 30be0000.ethernet, eth0) seen
from userspace and from QEMU: DHCP and ping against slirp, TCP transfers to and from the host,
the link taken down and up from the monitor, a flood, unbind/bind cycles under traffic, two
boards on one wire, and oversized frames from the wire.

Nothing here names a driver: the one bound to eth0 is read from sysfs and printed as a
diagnostic, so the suite runs unchanged on the C fec driver and on ours, to tell a driver bug
from a test bug. The two-board test takes a second kernel and image (--peer-kernel,
--peer-image), to put one driver on each end. The oversized-frame test is itself the board's
link partner (nettools.Wire).

Networks (nettools.py): QEMU user networking with restrict=on and host ports of 127.0.0.1
forwarded into the guest; for two boards, a unix socket between the two QEMUs.

Limitations: slirp drops every UDP datagram the guest sends under restrict=on, so what the
guest transmits in the flood is checked through its counters, not at the host. QEMU's link is
all or nothing: no CRC errors, pause frames or speed changes can be injected, and QEMU pads
short frames to 60 bytes, so no runt reaches the MAC.
"""

import hashlib
import os
import re
import socket
import threading
import time
from pathlib import Path

import nettools as nt
from qemu import BoardError, Machine, READY, leaked_objects

GUEST_TCP = 5000            # the guest's port the host reaches through hostfwd
GUEST_UDP = 5001
TRANSFER = 8 << 20          # bytes per TCP transfer
LINK_TIMEOUT = 5            # seconds for the carrier to follow set_link
FLOOD_SECONDS = 10
DRAIN_SECONDS = 60          # for the port to answer again after the flood
UDP_SIZE = 1400             # payload: one full frame per datagram
HOST_UDP_RATE = 20000       # datagrams per second the host blasts into the guest
DISCARD_PORT = 9            # where the guest's datagrams go: slirp drops them
# Cycles of test_unbind_bind; `make test` runs the default.
UNBIND_CYCLES = int(os.environ.get("NET_UNBIND_CYCLES", "1000"))
UNBIND_UDP_RATE = 1000      # datagrams per second from the host during the cycles
# Two boards on one wire: their addresses.
PAIR = (("52:54:00:00:00:0a", "10.0.3.1"), ("52:54:00:00:00:0b", "10.0.3.2"))


class Context:
    """What the one-board tests share: the board, booted with its forwarded host ports."""

    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.tcp_port = nt.free_port()
        self.udp_port = nt.free_port(socket.SOCK_DGRAM)
        self.machine = self.console = None

    def boot(self, log):
        """Boot the board on the user network; leave a scriptable shell."""
        netdev = nt.user_netdev([("tcp", self.tcp_port, GUEST_TCP),
                                 ("udp", self.udp_port, GUEST_UDP)])
        self.machine = Machine(self.args.board, self.args.kernel, self.args.image, log,
                               netdev=netdev)
        self.machine.boot()
        self.console = self.machine.console

    def stop(self):
        """Stop the board, if it was started."""
        if self.machine:
            self.machine.stop()


def link_state(console):
    """(carrier, operstate) of eth0; carrier is None while the interface is down."""
    got = nt.values(console, {"carrier": f"/sys/class/net/{nt.IFACE}/carrier",
                              "operstate": f"/sys/class/net/{nt.IFACE}/operstate"})
    return got["carrier"], got["operstate"]


def wait_link(console, up, timeout):
    """Wait until eth0's carrier and operstate say the link is up (or down); the seconds it
    took. The kernel polls the PHY (it has no interrupt), so this takes up to a poll period."""
    want = ("1", "up") if up else ("0", "down")
    start = time.monotonic()
    while True:
        state = link_state(console)
        if state == want:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"link {'up' if up else 'down'}: carrier, operstate are "
                                 f"{state} after {timeout} s, expected {want}")
        time.sleep(0.1)


def sha256_of(console, path):
    """The sha256 and size of a guest file."""
    out = console.check(f"sha256sum {path}; wc -c <{path}")
    digest = re.search(rf"^([0-9a-f]{{64}})  {re.escape(path)}$", out, re.M)
    size = re.search(r"^(\d+)$", out, re.M)
    if not (digest and size):
        raise AssertionError(f"sha256sum {path} printed {out!r}")
    return digest.group(1), int(size.group(1))


def start_receiver(console, path):
    """Start busybox nc in the guest's background (job "rx"), to receive one connection into
    `path`; wait until it listens. Its input is a FIFO it holds open itself, which never
    ends: on the end of its input nc would close its sending half at once, and a busybox nc
    on the other side takes that for the end of the connection and stops sending."""
    console.check(f"rm -f {path}; [ -p /tmp/hold ] || mkfifo /tmp/hold")
    nt.start_job(console, "rx", f"timeout 60 nc -l -p {GUEST_TCP} <>/tmp/hold >{path}")
    nt.wait_listening(console, GUEST_TCP)


def end_receiver(console, path):
    """Wait for the receiver to end; the sha256 and size of what it received."""
    status = nt.end_job(console, "rx", 70)
    assert status == 0, f"the receiving nc exited with {status}"
    return sha256_of(console, path)


def random_file(console, path, size):
    """Fill a guest file with `size` random bytes; its sha256."""
    console.check(f"dd if=/dev/urandom of={path} bs=1M count={size >> 20} 2>/dev/null",
                  timeout=60)
    digest, got = sha256_of(console, path)
    assert got == size, f"{path}: {got} bytes written, expected {size}"
    return digest


def test_interface(ctx):
    """eth0 exists, belongs to ENET1, has the MAC address QEMU gave the port and a carrier;
    the diagnostic names the driver bound to it."""
    device = nt.device_of(ctx.console)
    assert device == nt.DEVICE, f"no {nt.IFACE} on {nt.DEVICE}: its device is {device}"
    driver = nt.driver_name(ctx.console)
    assert driver, f"{nt.IFACE} has no driver"
    mac = nt.values(ctx.console, {"mac": f"/sys/class/net/{nt.IFACE}/address"})["mac"]
    assert mac == nt.DEFAULT_MAC, f"{nt.IFACE} address {mac}, QEMU gave {nt.DEFAULT_MAC}"
    wait_link(ctx.console, True, LINK_TIMEOUT)
    return [f"driver {driver}", f"address {mac}"]


def test_dhcp(ctx):
    """udhcpc gets slirp's lease, 10.0.2.15, and sets it on eth0."""
    # The boot's own udhcpc (rcS) may still run; let it end first.
    ctx.console.run("i=0; while pidof udhcpc >/dev/null && [ $i -lt 150 ]; do "
                    "i=$((i + 1)); sleep 0.1; done", timeout=30)
    status, out = ctx.console.run(f"udhcpc -i {nt.IFACE} -n -q -t 5 -T 2", timeout=30)
    assert status == 0, f"udhcpc exited with {status}: {out.strip()[-300:]}"
    lease = rf"lease of {re.escape(nt.GUEST_IP)} obtained from {re.escape(nt.GATEWAY)}"
    assert re.search(lease, out), f"udhcpc: no lease of {nt.GUEST_IP}: {out.strip()[-300:]}"
    addr = ctx.console.check(f"ip -4 addr show dev {nt.IFACE}")
    assert f"inet {nt.GUEST_IP}/24" in addr, f"{nt.IFACE} after udhcpc: {addr.strip()}"


def test_ping_gateway(ctx):
    """Five pings to the gateway (slirp), five answers."""
    sent, received, times = nt.ping(ctx.console, nt.GATEWAY, "-c 5 -i 0.2 -W 2")
    assert sent == 5 and received == 5, f"ping {nt.GATEWAY}: {received} of {sent} answered"
    return [f"rtt {min(times):.2f}..{max(times):.2f} ms"]


def test_tcp_host_to_guest(ctx):
    """TRANSFER random bytes from the host to busybox nc in the guest; same sha256."""
    data = os.urandom(TRANSFER)
    want = hashlib.sha256(data).hexdigest()
    start_receiver(ctx.console, "/tmp/rx")
    start = time.monotonic()
    nt.send_all(ctx.tcp_port, data)
    digest, size = end_receiver(ctx.console, "/tmp/rx")
    seconds = time.monotonic() - start
    assert size == TRANSFER, f"the guest received {size} bytes, the host sent {TRANSFER}"
    assert digest == want, f"sha256 in the guest {digest}, sent {want}"
    ctx.console.check("rm -f /tmp/rx")
    return [f"{TRANSFER >> 20} MiB in {seconds:.2f} s"]


def test_tcp_guest_to_host(ctx):
    """TRANSFER random bytes from busybox nc in the guest to the host; same sha256."""
    want = random_file(ctx.console, "/tmp/tx", TRANSFER)
    nt.start_job(ctx.console, "tx", f"timeout 60 nc -l -p {GUEST_TCP} </tmp/tx >/dev/null")
    nt.wait_listening(ctx.console, GUEST_TCP)
    data, seconds = nt.receive_all(ctx.tcp_port)
    status = nt.end_job(ctx.console, "tx", 70)
    ctx.console.check("rm -f /tmp/tx")
    assert status == 0, f"the sending nc exited with {status}"
    assert len(data) == TRANSFER, f"the host received {len(data)} bytes, expected {TRANSFER}"
    digest = hashlib.sha256(data).hexdigest()
    assert digest == want, f"sha256 on the host {digest}, the guest's file {want}"
    return [f"{TRANSFER >> 20} MiB in {seconds:.2f} s"]


def test_link_down_up(ctx):
    """set_link off: carrier and operstate go down within LINK_TIMEOUT and pings go
    unanswered; set_link on: they come back up and pings are answered again."""
    wait_link(ctx.console, True, LINK_TIMEOUT)
    try:
        ctx.machine.monitor.command("set_link n0 off")
        down = wait_link(ctx.console, False, LINK_TIMEOUT)
        _, received, _ = nt.ping(ctx.console, nt.GATEWAY, "-c 1 -W 1")
        assert received == 0, "a ping was answered with the link down"
    finally:
        ctx.machine.monitor.command("set_link n0 on")
    up = wait_link(ctx.console, True, LINK_TIMEOUT)
    sent, received, _ = nt.ping(ctx.console, nt.GATEWAY, "-c 3 -W 2")
    assert received == sent, f"after link up: {received} of {sent} pings answered"
    return [f"carrier off after {down:.2f} s, on after {up:.2f} s"]


def blast(port, seconds, rate=HOST_UDP_RATE, stop=None):
    """Send UDP_SIZE-byte datagrams to 127.0.0.1:port at `rate` per second for `seconds`, or
    until threading.Event `stop` is set; the number sent."""
    burst = 50
    payload = bytes(UDP_SIZE)
    sent = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        start = time.monotonic()
        while time.monotonic() - start < seconds and not (stop and stop.is_set()):
            for _ in range(burst):
                sock.sendto(payload, ("127.0.0.1", port))
            sent += burst
            ahead = start + sent / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    return sent


def key_values(text):
    """{key: int} of the "key value" lines of net-bench's output."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+) (\d+)$", text, re.M)}


def counter_problems(before, after, tx_expected, rx_expected, rx_limit, tx_limit):
    """What is wrong with the counters' change over the flood: each is a sentence.

    tx_expected and rx_expected are frames the guest is known to have sent and received;
    rx_limit and tx_limit are the most it can have."""
    delta = {k: after[k] - before[k] for k in after if k in before}
    problems = [f"{k} went back from {before[k]} to {after[k]}"
                for k, d in delta.items() if d < 0]
    problems += [f"{k} is {v}, not a plausible count" for k, v in after.items() if v >= 1 << 63]
    tx_accounted = delta["tx_packets"] + delta.get("tx_dropped", 0) + delta.get("tx_errors", 0)
    if tx_accounted < tx_expected:
        problems.append(f"{tx_expected} frames sent, but tx_packets+tx_dropped+tx_errors grew "
                        f"by {tx_accounted}")
    if delta["rx_packets"] < rx_expected:
        problems.append(f"the stack took {rx_expected} frames, but rx_packets grew by "
                        f"{delta['rx_packets']}")
    if delta["rx_packets"] > rx_limit:
        problems.append(f"rx_packets grew by {delta['rx_packets']}, more than the "
                        f"{rx_limit} frames sent to the guest")
    if delta["tx_packets"] > tx_limit:
        problems.append(f"tx_packets grew by {delta['tx_packets']}, more than the "
                        f"{tx_limit} frames the guest sent")
    for way, top in (("rx", 1536), ("tx", 65536 + 1536)):
        packets, octets = delta[f"{way}_packets"], delta[f"{way}_bytes"]
        if packets and not 42 <= octets / packets <= top:
            problems.append(f"{way}_bytes grew by {octets} for {packets} packets")
    # The emulated wire corrupts nothing: any error is the driver's.
    for way in ("rx", "tx"):
        if delta.get(f"{way}_errors"):
            problems.append(f"{way}_errors grew by {delta[f'{way}_errors']}")
    # rtnl_link_stats64: rx_errors and tx_errors include these kinds.
    kinds = {"rx": ("length", "crc", "frame"),
             "tx": ("aborted", "carrier", "fifo", "heartbeat", "window")}
    for way, names in kinds.items():
        for name in names:
            part = after.get(f"{way}_{name}_errors", 0)
            if part > after.get(f"{way}_errors", 0):
                problems.append(f"{way}_{name}_errors {part} exceeds {way}_errors "
                                f"{after.get(f'{way}_errors', 0)}")
    return problems


def wait_answered(console, seconds):
    """Ping the gateway once a second until it answers; the seconds that took. QEMU queues up
    to 10,000 frames for a NIC whose RX ring is full, so after a flood the port first works
    through that backlog: on a slow (debug) kernel, seconds of it."""
    start = time.monotonic()
    while True:
        _, received, _ = nt.ping(console, nt.GATEWAY, "-c 1 -W 1")
        if received:
            return time.monotonic() - start
        assert time.monotonic() - start < seconds, \
            f"after the flood: no ping answered within {seconds} s"


def test_flood(ctx):
    """FLOOD_SECONDS of ping -A (next ping on each answer) and UDP both ways at once: the
    guest blasts full-size datagrams out, the host blasts them in. Then the counters add up
    and, once the port has worked through QEMU's backlog, pings are answered again."""
    console = ctx.console
    found, _ = console.run("command -v net-bench")
    assert found == 0, "no net-bench in the image (tests/board/net-bench.c): rebuild the image"
    before = nt.statistics(console)
    udp_before = nt.snmp(console, "Udp")
    console.check(f"ping -A -q -w {FLOOD_SECONDS} {nt.GATEWAY} >/tmp/flood.ping 2>&1 & "
                  f"net-bench udp {GUEST_UDP} {FLOOD_SECONDS} {UDP_SIZE} {nt.GATEWAY} "
                  f"{DISCARD_PORT} >/tmp/flood.udp 2>&1 &")
    nt.wait_listening(console, GUEST_UDP, "u")
    host_sent = blast(ctx.udp_port, FLOOD_SECONDS)
    console.check("wait", timeout=FLOOD_SECONDS + 30)
    out = console.check("cat /tmp/flood.ping /tmp/flood.udp; rm -f /tmp/flood.*")
    # UDP's counters before the interface's: a datagram still arriving meanwhile is then
    # counted by rx_packets (the driver counts before the stack sees it) and not by UDP only.
    udp_after = nt.snmp(console, "Udp")
    after = nt.statistics(console)

    pings = nt.PING_SENT.search(out)
    udp = key_values(out)
    assert pings, f"ping -A printed no summary: {out.strip()[-300:]}"
    assert {"sent", "received"} <= udp.keys(), f"net-bench udp printed {out.strip()[-300:]}"
    ping_sent, ping_received = int(pings.group(1)), int(pings.group(2))
    assert ping_received > 0, f"ping -A: none of {ping_sent} pings answered"
    assert udp["sent"] > 0, "net-bench sent no datagram"
    assert udp["received"] > 0, f"none of the host's {host_sent} datagrams reached net-bench"
    # Datagrams the guest's UDP took in: delivered, dropped on full buffers, no listener.
    udp_in = sum(udp_after[k] - udp_before[k] for k in ("InDatagrams", "InErrors", "NoPorts"))
    slack = 1000    # ARP, IPv6 neighbour discovery and router solicitations meanwhile
    problems = counter_problems(
        before, after, tx_expected=ping_sent + udp["sent"],
        rx_expected=ping_received + udp_in, rx_limit=ping_sent + host_sent + slack,
        tx_limit=ping_sent + udp["sent"] + slack)
    assert not problems, "counters after the flood: " + "; ".join(problems)

    recovery = wait_answered(console, DRAIN_SECONDS)
    sent, received, _ = nt.ping(console, nt.GATEWAY, "-c 3 -W 2")
    assert received == sent, f"after the flood: {received} of {sent} pings answered"
    return [f"first ping answered {recovery:.1f} s after the flood's counters were read",
            f"ping -A {ping_received}/{ping_sent}; udp out {udp['sent']}, "
            f"in {udp['received']} of {host_sent} (UDP layer took {udp_in}); "
            f"rx_packets +{after['rx_packets'] - before['rx_packets']}, "
            f"tx_packets +{after['tx_packets'] - before['tx_packets']}, "
            f"rx_dropped +{after['rx_dropped'] - before['rx_dropped']}, "
            f"tx_dropped +{after['tx_dropped'] - before['tx_dropped']}"]


def unbind_script(driver, cycles):
    """The guest's loop: unbind and bind ENET1, bring eth0 up with its address and wait for
    the carrier, `cycles` times; prints "cycles N" with the cycles done, and why it stopped."""
    sysfs = f"/sys/bus/platform/drivers/{driver}"
    net = f"/sys/class/net/{nt.IFACE}"
    # wait_until COND: poll COND every 10 ms, at most 3 s
    wait = ('w=0; until {}; do w=$((w + 1)); [ $w -lt 300 ] || break; sleep 0.01; done; {}')
    has_iface = f"[ -e {net} ]"
    has_carrier = f'[ "$(cat {net}/carrier 2>/dev/null)" = 1 ]'
    return (f"i=0; while [ $i -lt {cycles} ]; do "
            f"echo {nt.DEVICE} >{sysfs}/unbind || {{ echo unbind failed at $i; break; }}; "
            f"echo {nt.DEVICE} >{sysfs}/bind || {{ echo bind failed at $i; break; }}; "
            + wait.format(has_iface, has_iface)
            + f" || {{ echo no {nt.IFACE} after bind at $i; break; }}; "
            f"ip link set {nt.IFACE} up && ip addr replace {nt.GUEST_IP}/24 dev {nt.IFACE} "
            f"|| {{ echo {nt.IFACE} not configured at $i; break; }}; "
            + wait.format(has_carrier, has_carrier)
            + f" || {{ echo no carrier at $i; break; }}; "
            f"i=$((i + 1)); done; echo cycles $i")


def test_unbind_bind(ctx):
    """UNBIND_CYCLES unbind/bind cycles of ENET1 through its driver's sysfs files, under
    traffic: a ping loop in the guest and UNBIND_UDP_RATE datagrams a second from the host,
    which reach the port whenever it is up. Each cycle brings eth0 up with its address and
    waits for the carrier. Afterwards eth0 is back on the same driver, gets its DHCP lease
    and answers pings."""
    console = ctx.console
    driver = nt.driver_name(console)
    assert driver, f"{nt.IFACE} has no driver"
    sysfs = f"/sys/bus/platform/drivers/{driver}"
    files = console.check(f"ls {sysfs}").split()
    assert "unbind" in files and "bind" in files, (
        f"driver {driver} has no {sysfs}/unbind and bind: it does not let userspace unbind "
        f"it (suppress_bind_attrs)")
    udp_before = nt.snmp(console, "Udp")
    out = console.check(f"(while :; do ping -c 10 -i 0.01 -W 1 {nt.GATEWAY}; sleep 0.01; "
                        f"done) >/tmp/unbind.ping 2>&1 & echo pingloop=$!")
    loop = re.search(r"^pingloop=(\d+)$", out, re.M).group(1)
    stop = threading.Event()
    sender = ThreadWithResult(blast, ctx.udp_port, float("inf"), UNBIND_UDP_RATE, stop)
    start = time.monotonic()
    try:
        # about 0.2 s a cycle here, 1.3 s on the debug kernel, 2 s with the cores shared
        out = console.check(unbind_script(driver, UNBIND_CYCLES),
                            timeout=60 + 5 * UNBIND_CYCLES)
    finally:
        seconds = time.monotonic() - start
        stop.set()
        host_sent = sender.result()
        console.run(f"kill {loop}; wait {loop}", timeout=20)
    done = re.search(r"^cycles (\d+)$", out, re.M)
    assert done and int(done.group(1)) == UNBIND_CYCLES, \
        f"unbind/bind: {out.strip()[-300:]}"

    pings = console.check("grep -c '^PING ' /tmp/unbind.ping; grep -c 'bytes from' "
                          "/tmp/unbind.ping; rm -f /tmp/unbind.ping")
    runs, replies = (int(n) for n in re.findall(r"^(\d+)$", pings, re.M)[-2:])
    udp_after = nt.snmp(console, "Udp")
    udp_in = sum(udp_after[k] - udp_before[k] for k in ("InDatagrams", "InErrors", "NoPorts"))
    assert runs > 0, "the background ping loop never ran"
    assert udp_in > 0, f"none of the host's {host_sent} datagrams reached the guest"
    assert nt.driver_name(console) == driver, f"{nt.IFACE} is not on {driver} any more"
    test_dhcp(ctx)
    sent, received, _ = nt.ping(console, nt.GATEWAY, "-c 3 -W 2")
    assert received == sent, f"after the cycles: {received} of {sent} pings answered"
    leaks = leaked_objects(console, r"fec|skb|napi|phy|mdio|netdev")
    assert not leaks, f"kmemleak after the cycles: {leaks[0][:600]}"
    return [f"{UNBIND_CYCLES} cycles in {seconds:.1f} s "
            f"({seconds / UNBIND_CYCLES * 1000:.0f} ms per cycle)",
            f"traffic: {runs} ping runs, {replies} replies; {udp_in} of the host's {host_sent} "
            f"datagrams reached the guest's UDP"]


class ThreadWithResult(threading.Thread):
    """Run a function in a thread; result() joins it and returns what it returned."""

    def __init__(self, func, *args):
        super().__init__(daemon=True)
        self.func, self.args, self.value, self.error = func, args, None, None
        self.start()

    def run(self):
        try:
            self.value = self.func(*self.args)
        except Exception as err:   # handed to the caller by result()
            self.error = err

    def result(self):
        """Wait for the function to end; its return value (or its exception, raised)."""
        self.join()
        if self.error:
            raise self.error
        return self.value


# The test as the board's link partner (nettools.Wire): its MAC, the board's, the addresses.
WIRE_PEER = ("52:54:00:00:00:0d", "10.0.4.1")
WIRE_BOARD = ("52:54:00:00:00:0c", "10.0.4.2")
# Frames longer than an MTU-1500 frame may be (1518 with FCS; RCR.MAX_FL), sent from the
# wire: lengths without FCS. Over MRBR they also span several receive buffers.
OVERSIZED = (1519, 1600, 2100, 4000, 9000)
OVERSIZED_RUN = 300         # then this many 1600-byte frames, more than the RX ring holds


def junk_frame(dst_mac, src_mac, size):
    """An Ethernet frame of `size` bytes (no FCS) with a local experimental EtherType."""
    return (nt.mac_bytes(dst_mac) + nt.mac_bytes(src_mac) + b"\x88\xb5").ljust(size, b"\xa5")


def answers_arp(wire, console, tries=3):
    """Whether the board answers an ARP request from the wire within a few seconds."""
    for _ in range(tries):
        wire.send(nt.arp_request(WIRE_PEER[0], WIRE_PEER[1], WIRE_BOARD[1]))
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            frame = wire.receive(deadline - time.monotonic())
            if frame and nt.is_arp_reply(frame, WIRE_PEER[0], WIRE_BOARD[1]):
                return True
    return False


def test_oversized_frames(ctx):
    """Frames longer than the MTU allows, put on the wire by the test itself (one a length,
    then a run longer than the RX ring): each is dropped and counted once in
    rx_length_errors, none reaches the stack, and the port still answers ARP."""
    wire = nt.Wire(Path(ctx.work, "frames.sock"))
    log = Path(ctx.args.out, "console-net-frames.log")
    machine = Machine(ctx.args.board, ctx.args.kernel, ctx.args.image, log,
                      netdev=nt.stream_netdev(wire.listener.getsockname(), False),
                      mac=WIRE_BOARD[0])
    try:
        machine.start()
        wire.accept()
        console = machine.console
        console.wait_for(re.escape(READY), 60)
        console.shell_ready(20)
        setup_static(console, *WIRE_BOARD)
        assert answers_arp(wire, console), "no ARP reply before the oversized frames"
        before = nt.statistics(console)
        sizes = list(OVERSIZED) + [1600] * OVERSIZED_RUN
        for size in sizes:
            wire.send(junk_frame(WIRE_BOARD[0], WIRE_PEER[0], size))
        assert answers_arp(wire, console), "no ARP reply after the oversized frames"
        after = nt.statistics(console)
        crashes = console.crashes()
    finally:
        machine.stop()
        wire.close()
    delta = {k: after[k] - before.get(k, 0) for k in after}
    assert not crashes, f"kernel: {crashes[:3]}"
    assert delta["rx_length_errors"] == len(sizes), \
        f"rx_length_errors +{delta['rx_length_errors']} for {len(sizes)} oversized frames"
    assert delta["rx_errors"] >= len(sizes), f"rx_errors +{delta['rx_errors']}"
    # what reached the stack: the ARP requests (up to 3 a try) and nothing of the junk
    assert 1 <= delta["rx_packets"] <= 6, f"rx_packets +{delta['rx_packets']}"
    return [f"{len(sizes)} oversized frames ({min(sizes)}-{max(sizes)} bytes): "
            f"rx_length_errors +{delta['rx_length_errors']}, rx_packets +{delta['rx_packets']}"]


TESTS = [
    test_interface,
    test_dhcp,
    test_ping_gateway,
    test_tcp_host_to_guest,
    test_tcp_guest_to_host,
    test_link_down_up,
    test_flood,
    test_unbind_bind,
]


def start_pair(ctx, wire, boards):
    """Start two boards joined by unix socket `wire`: ours listens, the peer connects. Each
    goes into list `boards` before it starts, for the caller to stop."""
    args = ctx.args
    for (mac, _), (kernel, image), server, name in zip(
            PAIR, ((args.kernel, args.image), (args.peer_kernel, args.peer_image)),
            (True, False), "ab"):
        log = Path(args.out, f"console-net-pair-{name}.log")
        machine = Machine(args.board, kernel, image, log, netdev=nt.stream_netdev(wire, server),
                          mac=mac)
        boards.append(machine)
        machine.start()
        if server:
            deadline = time.monotonic() + 10
            while not wire.exists():
                if time.monotonic() > deadline:
                    raise BoardError(f"QEMU made no socket {wire} within 10 s")
                time.sleep(0.05)


def setup_static(console, mac, address):
    """Give eth0 a static address instead of DHCP (there is no DHCP server on the wire);
    check its MAC address."""
    console.check("for p in $(pidof udhcpc); do kill $p; done; "
                  f"ip -4 addr flush dev {nt.IFACE}; ip addr add {address}/24 dev {nt.IFACE}; "
                  f"ip link set {nt.IFACE} up")
    got = nt.values(console, {"mac": f"/sys/class/net/{nt.IFACE}/address"})["mac"]
    assert got == mac, f"{nt.IFACE} address {got}, QEMU gave {mac}"
    wait_link(console, True, LINK_TIMEOUT)


def transfer(sender, receiver, receiver_ip):
    """TRANSFER random bytes from one board to the other with busybox nc; same sha256. The
    seconds it took."""
    want = random_file(sender, "/tmp/tx", TRANSFER)
    start_receiver(receiver, "/tmp/rx")
    start = time.monotonic()
    sender.check(f"timeout 60 nc {receiver_ip} {GUEST_TCP} </tmp/tx >/dev/null", timeout=70)
    digest, size = end_receiver(receiver, "/tmp/rx")
    seconds = time.monotonic() - start
    sender.check("rm -f /tmp/tx")
    receiver.check("rm -f /tmp/rx")
    assert size == TRANSFER, f"{size} bytes arrived, {TRANSFER} sent"
    assert digest == want, f"sha256 {digest} arrived, {want} sent"
    return seconds


def exchange(boards):
    """On two booted boards: static addresses, pings and a transfer each way; the notes."""
    for machine in boards:
        machine.console.wait_for(re.escape(READY), 60)
        machine.console.shell_ready(20)
    ours, peer = (m.console for m in boards)
    for console, (mac, address) in zip((ours, peer), PAIR):
        setup_static(console, mac, address)
    drivers = [nt.driver_name(c) for c in (ours, peer)]
    for console, (_, target) in ((ours, PAIR[1]), (peer, PAIR[0])):
        sent, received, _ = nt.ping(console, target, "-c 3 -W 2")
        assert received == sent, f"ping {target}: {received} of {sent} answered"
    there = transfer(ours, peer, PAIR[1][1])
    back = transfer(peer, ours, PAIR[0][1])
    return [f"drivers: ours {drivers[0]}, peer {drivers[1]}",
            f"{TRANSFER >> 20} MiB ours to peer in {there:.2f} s, back in {back:.2f} s"]


def test_two_boards(ctx):
    """Two boards on one wire (a unix socket between two QEMUs), ours and a peer (another
    kernel, e.g. the C driver), static addresses: pings and a TCP transfer each way, and no
    kernel warning on either console."""
    args = ctx.args
    if not (args.peer_kernel and args.peer_image):
        raise AssertionError("no peer board: run.py needs --peer-kernel and --peer-image "
                             "(test.sh passes the c-drivers image)")
    boards, problems, notes = [], [], []
    try:
        start_pair(ctx, Path(ctx.work, "wire.sock"), boards)
        notes = exchange(boards)
    except (AssertionError, BoardError) as err:
        problems.append(str(err))
    finally:
        problems += [f"kernel warning ({name}): {line}"
                     for name, m in zip(("ours", "peer"), boards) if m.console
                     for line in m.console.crashes()[:5]]
        for machine in reversed(boards):
            machine.stop()
    assert not problems, "\n".join(problems)
    return notes
