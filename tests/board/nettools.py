# SPDX-License-Identifier: GPL-2.0
"""The host's side of the board's Ethernet port and the guest's network tools (busybox, and
/usr/bin/net-bench from net-bench.c), for net_suite.py and net_bench.py.

Every network here stays on this machine: QEMU's user network with restrict=on (slirp answers
DHCP, ARP and pings at 10.0.2.2 and drops what the guest sends anywhere else), host ports on
127.0.0.1 forwarded into the guest (hostfwd), a unix socket between two QEMUs (stream), or
one between QEMU and the test itself (Wire).
"""

import re
import socket
import struct
import time

from qemu import BoardError

IFACE = "eth0"
DEVICE = "30be0000.ethernet"        # ENET1's platform device
GUEST_IP = "10.0.2.15"              # slirp's DHCP lease
GATEWAY = "10.0.2.2"                # slirp itself
DEFAULT_MAC = "52:54:00:12:34:56"   # QEMU's NIC address when none is given
STATS = f"/sys/class/net/{IFACE}/statistics"
# busybox ping's summary lines
PING_SENT = re.compile(r"(\d+) packets transmitted, (\d+) packets received")
PING_TIME = re.compile(r"^\d+ bytes from \S+ seq=\d+ ttl=\d+ time=([\d.]+) ms$", re.M)


def free_port(kind=socket.SOCK_STREAM):
    """A port of 127.0.0.1 that nothing uses now, for QEMU to listen on (hostfwd)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def user_netdev(forwards):
    """run-qemu.sh --netdev spec: user network, restrict=on, with `forwards`, a list of
    (protocol, host port, guest port) that QEMU forwards from 127.0.0.1 into the guest."""
    rules = "".join(f",hostfwd={proto}:127.0.0.1:{host}-:{guest}"
                    for proto, host, guest in forwards)
    return f"user,restrict=on{rules}"


def stream_netdev(path, server):
    """run-qemu.sh --netdev spec: a stream on unix socket `path`, listening if `server`."""
    return (f"stream,server={'on' if server else 'off'},addr.type=unix,"
            f"addr.path={str(path).replace(',', ',,')}")


def connect(port, timeout=10):
    """A TCP connection to 127.0.0.1:port, a hostfwd port. slirp accepts it whether or not
    the guest listens (and then drops it), so wait for the guest first (wait_listening)."""
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def wait_listening(console, port, proto="t", timeout=10):
    """Wait until a guest program listens on TCP (proto "t") or UDP ("u") port `port`."""
    listening = f"netstat -ln{proto} | grep -q ':{port} '"
    # The guest counts polls, not seconds; the host waits longer, for a slow guest.
    status, _ = console.run(f"i=0; until {listening}; do i=$((i + 1)); "
                            f"[ $i -lt {timeout * 20} ] || break; sleep 0.05; done; {listening}",
                            timeout=3 * timeout + 10)
    if status != 0:
        raise BoardError(f"nothing in the guest listens on port {port} after {timeout} s")


def send_all(port, data, timeout=60):
    """Send `data` over a new connection to 127.0.0.1:port, then close it."""
    with connect(port) as sock:
        sock.settimeout(timeout)
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)


def receive_all(port, timeout=60):
    """Read a new connection to 127.0.0.1:port until the guest closes it; the bytes and the
    seconds from the first to the last byte."""
    chunks, first = [], None
    with connect(port) as sock:
        sock.settimeout(timeout)
        while True:
            data = sock.recv(1 << 20)
            if not data:
                break
            first = first or time.monotonic()
            chunks.append(data)
    return b"".join(chunks), (time.monotonic() - first) if first else 0.0


def wait_address(console, timeout=20):
    """Wait until eth0 has the DHCP lease's address (the boot asks for it in the
    background)."""
    has = f"ip -4 addr show dev {IFACE} | grep -q 'inet {GUEST_IP}/'"
    status, _ = console.run(f"i=0; until {has}; do i=$((i + 1)); [ $i -lt {timeout * 10} ] "
                            f"|| break; sleep 0.1; done; {has}", timeout=3 * timeout + 10)
    if status != 0:
        raise BoardError(f"{IFACE} has no address {GUEST_IP} {timeout} s after the boot")


def start_job(console, name, command):
    """Start a shell command in the guest's background; its exit status will be in
    /tmp/NAME.status. (The console shell forgets a background job once it has reported it
    done, so `wait PID` cannot be trusted to give the status.)"""
    status = f"/tmp/{name}.status"
    console.check(f"rm -f {status}; ({command}; echo $? >{status}.new; "
                  f"mv {status}.new {status}) &")


def end_job(console, name, timeout):
    """Wait for the job start_job named `name` to end; its exit status."""
    status = f"/tmp/{name}.status"
    out = console.check(f"i=0; until [ -e {status} ]; do i=$((i + 1)); "
                        f"[ $i -lt {timeout * 20} ] || break; sleep 0.05; done; "
                        f'echo "status=$(cat {status} 2>/dev/null || echo running)"; '
                        f"rm -f {status}", timeout=3 * timeout + 10)
    match = re.search(r"^status=(\d+)$", out, re.M)
    if not match:
        raise BoardError(f"guest job {name} still runs after {timeout} s")
    return int(match.group(1))


def values(console, paths):
    """Read files of the guest: {name: text} for {name: path}; a missing file reads None."""
    script = "; ".join(f'echo "{name}=$(cat {path} 2>/dev/null || echo "<none>")"'
                       for name, path in paths.items())
    out = console.check(script)
    found = {}
    for name in paths:
        match = re.search(rf"^{re.escape(name)}=(.*)$", out, re.M)
        if not match:
            raise AssertionError(f"reading {paths[name]} printed {out!r}")
        found[name] = None if match.group(1) == "<none>" else match.group(1).strip()
    return found


def statistics(console):
    """The interface counters of /sys/class/net/eth0/statistics as {name: int}."""
    out = console.check(f"cd {STATS} && grep -H . *; cd /")
    stats = {m.group(1): int(m.group(2))
             for m in re.finditer(r"^(\w+):(\d+)$", out, re.M)}
    if "rx_packets" not in stats or "tx_packets" not in stats:
        raise AssertionError(f"{STATS}: no rx_packets/tx_packets in {out!r}")
    return stats


def snmp(console, proto):
    """The counters of one protocol line pair of /proc/net/snmp, e.g. Udp."""
    out = console.check(f"grep '^{proto}:' /proc/net/snmp")
    rows = re.findall(rf"^{proto}:((?: \S+)+)$", out, re.M)
    if len(rows) != 2:
        raise AssertionError(f"/proc/net/snmp {proto}: {out!r}")
    return dict(zip(rows[0].split(), map(int, rows[1].split())))


def ping(console, target, args="-c 3 -W 2", timeout=60):
    """Run busybox ping; (sent, received, round-trip times in ms). Never raises on loss."""
    _, out = console.run(f"ping {args} {target}", timeout=timeout)
    counts = PING_SENT.search(out)
    if not counts:
        raise AssertionError(f"ping {args} {target} printed no summary: {out.strip()[-300:]}")
    times = [float(t) for t in PING_TIME.findall(out)]
    return int(counts.group(1)), int(counts.group(2)), times


def device_of(console):
    """The platform device name of eth0 (e.g. 30be0000.ethernet), or None."""
    out = console.check(f"readlink -f /sys/class/net/{IFACE}/device || true")
    match = re.search(r"^/sys/devices/\S*/([^/\s]+)$", out, re.M)
    return match.group(1) if match else None


def driver_name(console):
    """The name of the driver bound to eth0's device, or None."""
    out = console.check(f"readlink /sys/class/net/{IFACE}/device/driver || true")
    match = re.search(r"^\S*/drivers/([^/\s]+)$", out, re.M)
    return match.group(1) if match else None


class Wire:
    """The far end of the board's Ethernet cable, played by the test: a unix socket that QEMU's
    stream back-end connects to (stream_netdev(path, server=False)). Frames travel as QEMU's
    stream format has them: a 4-byte big-endian length, then the frame without its FCS."""

    def __init__(self, path):
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(1)
        self.conn = None
        self.buf = b""

    def accept(self, timeout=20):
        """Wait for QEMU to connect."""
        self.listener.settimeout(timeout)
        self.conn, _ = self.listener.accept()

    def send(self, frame):
        """Put one frame on the wire towards the board."""
        self.conn.sendall(struct.pack(">I", len(frame)) + frame)

    def receive(self, timeout):
        """The next frame the board sent, or None after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 4:
                size = struct.unpack(">I", self.buf[:4])[0]
                if len(self.buf) >= 4 + size:
                    frame, self.buf = self.buf[4:4 + size], self.buf[4 + size:]
                    return frame
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.conn.settimeout(left)
            try:
                data = self.conn.recv(65536)
            except socket.timeout:
                return None
            if not data:
                return None
            self.buf += data

    def close(self):
        """Close both sockets."""
        for sock in (self.conn, self.listener):
            if sock:
                sock.close()


def mac_bytes(mac):
    """b'...' of a MAC address written aa:bb:cc:dd:ee:ff."""
    return bytes(int(part, 16) for part in mac.split(":"))


def arp_request(src_mac, src_ip, target_ip):
    """A broadcast ARP request (who has target_ip, tell src_ip) as an Ethernet frame."""
    ip = socket.inet_aton
    return (b"\xff" * 6 + mac_bytes(src_mac) + b"\x08\x06"
            + struct.pack(">HHBBH", 1, 0x0800, 6, 4, 1)
            + mac_bytes(src_mac) + ip(src_ip) + b"\x00" * 6 + ip(target_ip)).ljust(60, b"\x00")


def is_arp_reply(frame, to_mac, from_ip):
    """Whether `frame` is an ARP reply to to_mac saying where from_ip is."""
    return (len(frame) >= 42 and frame[0:6] == mac_bytes(to_mac) and frame[12:14] == b"\x08\x06"
            and struct.unpack(">H", frame[20:22])[0] == 2
            and frame[28:32] == socket.inet_aton(from_ip))
