/* mem_grow MB SECONDS: grows its resident memory by MB mebibytes at a
 * steady rate over SECONDS seconds (pages touched in 100 steps a second,
 * paced against the monotonic clock), then exits. Memory is one anonymous
 * mapping, so rss_stat events come from this process's faults only. */
#include "workload.h"

#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
  struct workload_args a = workload_start(argc, argv, 2, 2, "mem_grow MB SECONDS");
  long long mb = workload_count(a.argv[0], "MB");
  long long seconds = workload_count(a.argv[1], "SECONDS");
  size_t bytes = (size_t)mb << 20;
  long page = sysconf(_SC_PAGESIZE);
  if (bytes == 0)
    return 0;
  char *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    perror("mem_grow: mmap");
    return 1;
  }
  long long steps = seconds > 0 ? seconds * 100 : 1;
  size_t pages = bytes / (size_t)page, touched = 0;
  unsigned long long start = workload_now_ns();
  for (long long s = 1; s <= steps; ++s) {
    size_t goal = (size_t)((unsigned long long)pages * (unsigned long long)s / (unsigned long long)steps);
    for (; touched < goal; ++touched)
      mem[touched * (size_t)page] = 1;
    if (seconds > 0)
      workload_sleep_until(start + (unsigned long long)s * 10000000ull);
  }
  if (a.verbose)
    printf("mem_grow: %zu pages in %lld s\n", touched, seconds);
  munmap(mem, bytes);
  return 0;
}
