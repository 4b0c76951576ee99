// SPDX-License-Identifier: GPL-2.0
/*
 * net-bench: the guest's end of the network benchmark (tests/board/net_bench.py) and of the
 * UDP flood of the board_net suite (tests/board/net_suite.py).
 *
 *   net-bench sink PORT
 *	Accepts one TCP connection on PORT and reads it to its end.
 *   net-bench source PORT BYTES
 *	Accepts one TCP connection on PORT, writes BYTES to it, closes its sending half and
 *	waits for the peer to close.
 *   net-bench udp PORT SECONDS SIZE ADDR DPORT
 *	For SECONDS, sends SIZE-byte datagrams to ADDR:DPORT as fast as the socket takes them
 *	and counts the datagrams that arrive on UDP PORT meanwhile. Under QEMU's user network
 *	with restrict=on, slirp drops every datagram the guest sends (but DHCP's), so ADDR
 *	10.0.2.2 is a sink inside QEMU: the frames cross the MAC and go nowhere.
 *
 * The TCP modes only listen: the host reaches them through QEMU's hostfwd. Each mode prints
 * "ready" once its socket is open, then "key value" lines: for TCP, bytes, the time from the
 * first to the last byte (seconds), the process's CPU time (cpu_s, getrusage) and the whole
 * guest's busy CPU time over the same span (busy_s, /proc/stat, every CPU, interrupts and
 * softirqs included); for UDP, sent, send_errors, received.
 *
 * Built static at image build time by scripts/mkrootfs.sh into /usr/bin/net-bench.
 * Limitation: one connection per run, IPv4 only; busy_s has /proc/stat's 10 ms resolution.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Large reads and writes; socket buffers are left to TCP's autotuning, which setting
 * SO_RCVBUF or SO_SNDBUF would turn off (and which gave the higher rates here). */
#define BUF_SIZE	(1 << 20)

static char buf[BUF_SIZE];

/* die: print what failed and why, then exit 1 */
static void die(const char *what)
{
	fprintf(stderr, "net-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* now_s: CLOCK_MONOTONIC in seconds */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* cpu_s: user plus system time of this process so far */
static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* busy_s: the busy time of every CPU together, from the "cpu" line of /proc/stat: user,
 * nice, system, irq, softirq and steal (idle and iowait are not busy; guest and guest_nice
 * are already in user and nice), in seconds */
static double busy_s(void)
{
	unsigned long long v[8] = { 0 };
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");
	unsigned long long busy = 0;
	int i, n;

	if (!f)
		die("/proc/stat");
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 8) {
		errno = EINVAL;
		die("/proc/stat cpu line");
	}
	for (i = 0; i < 8; i++)
		if (i != 3 && i != 4)
			busy += v[i];
	return (double)busy / hz;
}

/* listen_on: a socket of type listening (TCP) or bound (UDP) on PORT, any address */
static int listen_on(int type, int port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1;
	int fd = socket(AF_INET, type, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("bind");
	if (type == SOCK_STREAM && listen(fd, 1) < 0)
		die("listen");
	printf("ready\n");
	fflush(stdout);
	return fd;
}

/* accept_one: the first connection to listening socket fd, which is then closed */
static int accept_one(int fd)
{
	int conn = accept(fd, NULL, NULL);

	if (conn < 0)
		die("accept");
	close(fd);
	return conn;
}

/* report: the figures of a TCP transfer of bytes that began at t0, cpu0, busy0 */
static void report(unsigned long long bytes, double t0, double cpu0, double busy0)
{
	printf("bytes %llu\nseconds %.6f\ncpu_s %.3f\nbusy_s %.3f\n", bytes, now_s() - t0,
	       cpu_s() - cpu0, busy_s() - busy0);
}

/* sink: read one connection to its end */
static void sink(int port)
{
	int conn = accept_one(listen_on(SOCK_STREAM, port));
	unsigned long long bytes = 0;
	double t0 = 0, cpu0 = 0, busy0 = 0;
	ssize_t n;

	/* The clocks start at the first byte, not at accept: the peer may connect early. */
	while ((n = read(conn, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("read");
		}
		if (!bytes) {
			t0 = now_s();
			cpu0 = cpu_s();
			busy0 = busy_s();
		}
		bytes += n;
	}
	report(bytes, t0, cpu0, busy0);
	close(conn);
}

/* source: write total bytes to one connection, then wait for the peer to close it */
static void source(int port, unsigned long long total)
{
	int conn = accept_one(listen_on(SOCK_STREAM, port));
	unsigned long long bytes = 0;
	double t0, cpu0, busy0;
	ssize_t n;
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 131 + (i >> 8));
	t0 = now_s();
	cpu0 = cpu_s();
	busy0 = busy_s();
	while (bytes < total) {
		size_t chunk = total - bytes < sizeof(buf) ? total - bytes : sizeof(buf);

		n = write(conn, buf, chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		bytes += n;
	}
	shutdown(conn, SHUT_WR);
	/* The last byte has left when the peer, having read it, closes its half. */
	while ((n = read(conn, buf, sizeof(buf))) != 0)
		if (n < 0 && errno != EINTR)
			die("read");
	report(bytes, t0, cpu0, busy0);
	close(conn);
}

/* udp: for seconds, send size-byte datagrams to addr:dport as fast as the socket takes them,
 * while counting the datagrams that arrive on port */
static void udp(int port, double seconds, size_t size, const char *addr, int dport)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(dport) };
	unsigned long long sent = 0, errors = 0, received = 0;
	int fd = listen_on(SOCK_DGRAM, port);
	double end;

	if (!inet_aton(addr, &to.sin_addr)) {
		errno = EINVAL;
		die(addr);
	}
	if (size > sizeof(buf) / 2)
		size = sizeof(buf) / 2;
	memset(buf, 0x5a, size);
	end = now_s() + seconds;
	while (now_s() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };

		if (poll(&pfd, 1, 10) < 0 && errno != EINTR)
			die("poll");
		while (recv(fd, buf + size, sizeof(buf) - size, MSG_DONTWAIT) >= 0)
			received++;
		if (!(pfd.revents & POLLOUT))
			continue;
		if (sendto(fd, buf, size, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) >= 0)
			sent++;
		else if (errno != EAGAIN && errno != EINTR)
			errors++;	/* e.g. ENOBUFS: the queue to the MAC is full */
	}
	printf("sent %llu\nsend_errors %llu\nreceived %llu\n", sent, errors, received);
	close(fd);
}

/* usage: print the synopsis and exit 2 */
static void usage(void)
{
	fprintf(stderr, "usage: net-bench sink PORT\n"
			"       net-bench source PORT BYTES\n"
			"       net-bench udp PORT SECONDS SIZE ADDR DPORT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "sink"))
		sink(atoi(argv[2]));
	else if (argc == 4 && !strcmp(argv[1], "source"))
		source(atoi(argv[2]), strtoull(argv[3], NULL, 0));
	else if (argc == 7 && !strcmp(argv[1], "udp") && atof(argv[3]) > 0 && atol(argv[4]) > 0)
		udp(atoi(argv[2]), atof(argv[3]), atol(argv[4]), argv[5], atoi(argv[6]));
	else
		usage();
	return 0;
}
