/* syscall_loop N [getppid|openat|write]: makes exactly N calls of one system
 * call, then exits. getppid (the default) is one sys_enter_getppid per
 * iteration; openat opens /dev/null and closes it (N openat, N close); write
 * writes one byte to /dev/null. Calls go through syscall(2) so that no libc
 * caching can hide one. */
#include "workload.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
  struct workload_args a =
      workload_start(argc, argv, 1, 2, "syscall_loop N [getppid|openat|write]");
  long long n = workload_count(a.argv[0], "N");
  const char *which = a.argc > 1 ? a.argv[1] : "getppid";
  if (strcmp(which, "getppid") == 0) {
    for (long long i = 0; i < n; ++i)
      syscall(SYS_getppid);
  } else if (strcmp(which, "openat") == 0) {
    for (long long i = 0; i < n; ++i) {
      long fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
      if (fd >= 0)
        syscall(SYS_close, fd);
    }
  } else if (strcmp(which, "write") == 0) {
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0)
      return 1;
    for (long long i = 0; i < n; ++i)
      syscall(SYS_write, fd, "x", 1);
    close(fd);
  } else {
    workload_usage("syscall_loop N [getppid|openat|write]");
  }
  if (a.verbose)
    printf("syscall_loop: %lld %s calls\n", n, which);
  return 0;
}
