/* write_bytes COUNT SIZE[,SIZE...] FILE: writes COUNT blocks to FILE
 * (created or truncated), block i being SIZES[i % number of sizes] bytes, one
 * write(2) each; so `write_bytes 10 1,100 /dev/null` makes five 1-byte and
 * five 100-byte writes. A size may be 0. Exits 1 on a short write. */
#include "workload.h"

#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *usage = "write_bytes COUNT SIZE[,SIZE...] FILE";
  struct workload_args a = workload_start(argc, argv, 3, 3, usage);
  long long count = workload_count(a.argv[0], "COUNT");
  long long sizes[64];
  int nsizes = 0;
  long long largest = 0;
  for (char *tok = strtok(a.argv[1], ","); tok; tok = strtok(NULL, ",")) {
    if (nsizes == 64)
      workload_usage(usage);
    sizes[nsizes] = workload_count(tok, "SIZE");
    if (sizes[nsizes] > largest)
      largest = sizes[nsizes];
    ++nsizes;
  }
  if (nsizes == 0)
    workload_usage(usage);
  char *block = calloc(1, (size_t)largest + 1);
  int fd = open(a.argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!block || fd < 0) {
    perror("write_bytes");
    return 1;
  }
  long long total = 0;
  for (long long i = 0; i < count; ++i) {
    long long size = sizes[i % nsizes];
    ssize_t w = write(fd, block, (size_t)size);
    if (w != (ssize_t)size) {
      perror("write_bytes: short write");
      return 1;
    }
    total += w;
  }
  close(fd);
  if (a.verbose)
    printf("write_bytes: %lld writes, %lld bytes\n", count, total);
  return 0;
}
