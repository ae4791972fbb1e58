/* libobs_chain.so: the shared-library end of call_chain (see call_chain.c).
 * obs_chain_lib_leaf makes the getppid system call itself, with its own
 * frame set up, so a stack taken at sys_enter_getppid starts here and
 * unwinds through obs_chain_c, b, a and main. */
#include <sys/syscall.h>
#include <unistd.h>

__attribute__((noinline, used)) int obs_chain_lib_leaf(int x) {
  long r;
#if defined(__x86_64__)
  __asm__ volatile("syscall"
                   : "=a"(r)
                   : "0"((long)SYS_getppid)
                   : "rcx", "r11", "memory");
#else
  r = syscall(SYS_getppid);
#endif
  return (int)(x * 3 + (r > 0));
}
