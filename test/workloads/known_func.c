/* known_func N: calls obs_target_function(i % 7) for i in [0, N), for
 * uprobe and uretprobe tests. The function returns x * 10 + 3, so over N
 * calls the argument and return value distributions are known exactly:
 * arg0 == k for ceil((N - k) / 7) calls, retval == 10k + 3 for the same. It
 * is kept out of line and out of interprocedural optimisation so that every
 * call enters the symbol and sees its real argument. */
#include "workload.h"

#if defined(__clang__)
#define OBS_TARGET __attribute__((noinline, used, optnone))
#else
#define OBS_TARGET __attribute__((noinline, noipa, used))
#endif

OBS_TARGET int obs_target_function(int x) {
  __asm__ volatile("" ::: "memory");
  return x * 10 + 3;
}

volatile long long obs_known_func_sink;

int main(int argc, char **argv) {
  struct workload_args a = workload_start(argc, argv, 1, 1, "known_func N");
  long long n = workload_count(a.argv[0], "N");
  long long total = 0;
  for (long long i = 0; i < n; ++i)
    total += obs_target_function((int)(i % 7));
  obs_known_func_sink = total;
  if (a.verbose)
    printf("known_func: %lld calls, sum of results %lld\n", n, total);
  return 0;
}
