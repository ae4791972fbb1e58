/* usdt_probe N: fires the USDT probe obs_workload:tick N times with
 * arguments (i, i % 5, "tick") for i in [0, N), then obs_workload:done once
 * with (N). Provider and names are fixed: tests attach to
 * usdt:PATH:obs_workload:tick. */
#include "workload.h"

#include <sys/sdt.h>

int main(int argc, char **argv) {
  struct workload_args a = workload_start(argc, argv, 1, 1, "usdt_probe N");
  long long n = workload_count(a.argv[0], "N");
  static const char label[] = "tick";
  for (long long i = 0; i < n; ++i) {
    long long seq = i;
    int mod = (int)(i % 5);
    STAP_PROBE3(obs_workload, tick, seq, mod, label);
  }
  STAP_PROBE1(obs_workload, done, n);
  if (a.verbose)
    printf("usdt_probe: %lld ticks\n", n);
  return 0;
}
