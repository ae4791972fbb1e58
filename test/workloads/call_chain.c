/* call_chain N [HOLD_MS]: N times main -> obs_chain_a -> obs_chain_b ->
 * obs_chain_c, and for even i also main -> obs_chain_b -> obs_chain_c (a
 * second path with the same three innermost frames: ustack(3) merges
 * them), for user-stack and user-symbol tests; then sleeps HOLD_MS
 * milliseconds (default 0), so that a tracer can read the process's
 * mappings before it exits. obs_chain_c(i, fn) calls `fn` (always
 * obs_chain_callback, so usym(arg1) names it) and then
 * obs_chain_lib_leaf(i) in libobs_chain.so, a shared library, which makes
 * one getppid system call from its own frame (no libc wrapper). Everything
 * is built -O0 with frame pointers, so a user stack taken at
 * syscalls:sys_enter_getppid walks lib_leaf, c, b, [a,] main. (At a uprobe
 * on a function's entry the callee has not pushed its frame; kernels since
 * 6.x recover the caller from the return address on the stack.)
 * The binary is PIE; call_chain_nopie is the same source linked -no-pie. */
#include "workload.h"

#define OBS_CHAIN __attribute__((noinline, used))

int obs_chain_lib_leaf(int x); /* libobs_chain.so */

volatile long long obs_chain_sink;

OBS_CHAIN void obs_chain_callback(int x) { obs_chain_sink += x; }

OBS_CHAIN void obs_chain_c(int x, void (*fn)(int)) {
  fn(x);
  obs_chain_sink += obs_chain_lib_leaf(x);
}

OBS_CHAIN void obs_chain_b(int x) { obs_chain_c(x + 1, obs_chain_callback); }

OBS_CHAIN void obs_chain_a(int x) { obs_chain_b(x + 1); }

int main(int argc, char **argv) {
  struct workload_args a =
      workload_start(argc, argv, 1, 2, "call_chain N [HOLD_MS]");
  long long n = workload_count(a.argv[0], "N");
  long long hold = a.argc > 1 ? workload_count(a.argv[1], "HOLD_MS") : 0;
  for (long long i = 0; i < n; ++i) {
    obs_chain_a((int)i);
    if (i % 2 == 0) /* a second path to c: main -> b -> c */
      obs_chain_b((int)i);
  }
  workload_sleep_ms(hold);
  if (a.verbose)
    printf("call_chain: %lld calls, sink %lld\n", n, obs_chain_sink);
  return 0;
}
