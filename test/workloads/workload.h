/* workload.h - the start protocol and argument helpers shared by the tiny
 * workload programs that runtime tests and benchmarks trace.
 *
 * Start protocol: a tracer normally runs a workload with `obsc -c CMD`
 * (or `bpftrace -c CMD`), which starts CMD only once every probe is
 * attached, so nothing extra is needed. For tracers started separately the
 * workload can wait before working: `--wait-start` sleeps 200 ms,
 * `--wait-start=MS` sleeps MS milliseconds. `-v` prints one summary line on
 * standard output when the work is done; without it a workload prints
 * nothing. Flags may appear anywhere; the other arguments are positional. */
#ifndef OBS_WORKLOAD_H
#define OBS_WORKLOAD_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct workload_args {
  int verbose;
  long wait_ms;
  int argc;          /* positional arguments, program name excluded */
  char *argv[16];
};

static void workload_sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static unsigned long long workload_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* Sleeps until the monotonic clock reaches `deadline_ns`. */
static void workload_sleep_until(unsigned long long deadline_ns) {
  struct timespec ts = {(time_t)(deadline_ns / 1000000000ull),
                        (long)(deadline_ns % 1000000000ull)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

static void workload_usage(const char *usage) {
  fprintf(stderr, "usage: %s [--wait-start[=MS]] [-v]\n", usage);
  exit(2);
}

/* Splits flags from positional arguments, then honours --wait-start. */
static struct workload_args workload_start(int argc, char **argv, int min_pos, int max_pos,
                                           const char *usage) {
  struct workload_args a;
  memset(&a, 0, sizeof a);
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "-v") == 0)
      a.verbose = 1;
    else if (strcmp(argv[i], "--wait-start") == 0)
      a.wait_ms = 200;
    else if (strncmp(argv[i], "--wait-start=", 13) == 0)
      a.wait_ms = atol(argv[i] + 13);
    else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
      workload_usage(usage);
    else if (a.argc < 16)
      a.argv[a.argc++] = argv[i];
    else
      workload_usage(usage);
  }
  if (a.argc < min_pos || a.argc > max_pos)
    workload_usage(usage);
  if (a.wait_ms > 0)
    workload_sleep_ms(a.wait_ms);
  return a;
}

/* A non-negative decimal count, or exit 2. */
static long long workload_count(const char *s, const char *what) {
  char *end = NULL;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 0) {
    fprintf(stderr, "workload: %s must be a non-negative integer, not '%s'\n", what, s);
    exit(2);
  }
  return v;
}

#endif
