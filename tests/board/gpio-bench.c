// SPDX-License-Identifier: GPL-2.0
/*
 * gpio-bench: GPIO character device (uAPI v2) figures for tests/board/bench.py.
 *
 *   gpio-bench setget CHIP LINE COUNT
 *	Requests LINE as an output, sets it COUNT times (alternating levels), then reads it
 *	COUNT times; prints "sets_per_s N" and "gets_per_s N".
 *   gpio-bench echo CHIP IN OUT COUNT
 *	Requests IN for both edges and OUT as an output, prints "ready", then copies the level
 *	of each of COUNT edge events on IN to OUT. Prints the time from the kernel's event
 *	timestamp to the end of the set ioctl as "event_to_set_us p50 X p99 Y".
 *
 * Built static at image build time by scripts/mkrootfs.sh into /usr/bin/gpio-bench.
 * Limitation: one line per request; no batching, no debounce, no realtime scheduling.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* die: print what failed and why, then exit 1 */
static void die(const char *what)
{
	fprintf(stderr, "gpio-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* now_ns: CLOCK_MONOTONIC, the clock the kernel stamps edge events with by default */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* request_line: a line request fd for one line of the open chip with the given flags */
static int request_line(int chip, unsigned int line, uint64_t flags)
{
	struct gpio_v2_line_request req;

	memset(&req, 0, sizeof(req));
	req.offsets[0] = line;
	req.num_lines = 1;
	req.config.flags = flags;
	snprintf(req.consumer, sizeof(req.consumer), "gpio-bench");
	if (ioctl(chip, GPIO_V2_GET_LINE_IOCTL, &req) < 0)
		die("GPIO_V2_GET_LINE_IOCTL");
	return req.fd;
}

/* set_value: drive the single line of request fd to level */
static void set_value(int fd, int level)
{
	struct gpio_v2_line_values values = { .bits = level ? 1 : 0, .mask = 1 };

	if (ioctl(fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &values) < 0)
		die("GPIO_V2_LINE_SET_VALUES_IOCTL");
}

/* get_value: the level of the single line of request fd */
static int get_value(int fd)
{
	struct gpio_v2_line_values values = { .mask = 1 };

	if (ioctl(fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &values) < 0)
		die("GPIO_V2_LINE_GET_VALUES_IOCTL");
	return values.bits & 1;
}

/* per_second: operations per second for count operations in ns nanoseconds */
static double per_second(long count, uint64_t ns)
{
	return ns ? count * 1e9 / ns : 0;
}

/* setget: the sets/s and gets/s figures */
static void setget(int chip, unsigned int line, long count)
{
	int fd = request_line(chip, line, GPIO_V2_LINE_FLAG_OUTPUT);
	uint64_t start, sets, gets;
	long i;

	start = now_ns();
	for (i = 0; i < count; i++)
		set_value(fd, i & 1);
	sets = now_ns() - start;

	start = now_ns();
	for (i = 0; i < count; i++)
		get_value(fd);
	gets = now_ns() - start;

	printf("sets_per_s %.0f\ngets_per_s %.0f\n", per_second(count, sets),
	       per_second(count, gets));
	close(fd);
}

/* compare_u64: qsort order for latencies */
static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* echo: copy each edge of in to out, then print the event-to-set latencies */
static void echo(int chip, unsigned int in, unsigned int out, long count)
{
	int in_fd = request_line(chip, in, GPIO_V2_LINE_FLAG_INPUT |
				 GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING);
	int out_fd = request_line(chip, out, GPIO_V2_LINE_FLAG_OUTPUT);
	uint64_t *lat = calloc(count, sizeof(*lat));
	struct gpio_v2_line_event event;
	long i;

	if (!lat)
		die("calloc");
	printf("ready\n");
	fflush(stdout);
	for (i = 0; i < count; i++) {
		if (read(in_fd, &event, sizeof(event)) != sizeof(event))
			die("read edge event");
		set_value(out_fd, event.id == GPIO_V2_LINE_EVENT_RISING_EDGE);
		lat[i] = now_ns() - event.timestamp_ns;
	}
	qsort(lat, count, sizeof(*lat), compare_u64);
	printf("event_to_set_us p50 %.1f p99 %.1f\n", lat[count / 2] / 1e3,
	       lat[(count * 99) / 100] / 1e3);
	free(lat);
	close(in_fd);
	close(out_fd);
}

/* usage: print the synopsis and exit 2 */
static void usage(void)
{
	fprintf(stderr, "usage: gpio-bench setget CHIP LINE COUNT\n"
			"       gpio-bench echo CHIP IN OUT COUNT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int chip;

	if (argc < 5)
		usage();
	chip = open(argv[2], O_RDWR | O_CLOEXEC);
	if (chip < 0)
		die(argv[2]);
	if (!strcmp(argv[1], "setget") && argc == 5)
		setget(chip, atoi(argv[3]), atol(argv[4]));
	else if (!strcmp(argv[1], "echo") && argc == 6 && atol(argv[5]) > 0)
		echo(chip, atoi(argv[3]), atoi(argv[4]), atol(argv[5]));
	else
		usage();
	close(chip);
	return 0;
}
