/* fork_loop N [RATE]: forks N children that exit at once, reaping each one;
 * with RATE, forks are paced at RATE per second (against the monotonic
 * clock, so the rate does not drift). Exits 1 if a fork fails. */
#include "workload.h"

#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  struct workload_args a = workload_start(argc, argv, 1, 2, "fork_loop N [RATE]");
  long long n = workload_count(a.argv[0], "N");
  long long rate = a.argc > 1 ? workload_count(a.argv[1], "RATE") : 0;
  unsigned long long start = workload_now_ns();
  for (long long i = 0; i < n; ++i) {
    if (rate > 0)
      workload_sleep_until(start + (unsigned long long)(i * 1000000000ll / rate));
    pid_t child = fork();
    if (child < 0) {
      perror("fork_loop: fork");
      return 1;
    }
    if (child == 0)
      _exit(0);
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
    }
  }
  if (a.verbose)
    printf("fork_loop: %lld children\n", n);
  return 0;
}
