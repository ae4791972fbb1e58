// usdt_sample.c - a small program for hermetic uprobe and usdt tests: known
// function symbols and two SystemTap SDT probes (with semaphores, as
// _SDT_HAS_SEMAPHORES makes every probe of the file use one).
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

unsigned short obs_sample_tick_semaphore __attribute__((unused, section(".probes")));
unsigned short obs_sample_start_semaphore __attribute__((unused, section(".probes")));

__attribute__((noinline)) int obs_sample_read_line(int fd, long n) {
  DTRACE_PROBE2(obs_sample, start, fd, n);
  return fd + (int)n;
}

__attribute__((noinline)) int obs_sample_read_block(int fd) { return fd * 2; }

__attribute__((noinline)) long obs_sample_write(const char *s, long len) {
  if (obs_sample_tick_semaphore)
    DTRACE_PROBE3(obs_sample, tick, s, len, 7);
  return len;
}

int main(int argc, char **argv) {
  return obs_sample_read_line(argc, 1) + obs_sample_read_block(argc) +
         (int)obs_sample_write(argv[0], 3);
}
