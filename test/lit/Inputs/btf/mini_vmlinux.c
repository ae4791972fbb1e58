// mini_vmlinux.c - a trimmed-down kernel for hermetic type tests.
//
// Compiled with `clang -g -target bpf -c` (see ../CMakeLists.txt), its .BTF
// section stands in for /sys/kernel/btf/vmlinux: the structs, functions and
// raw tracepoint typedefs classic bpftrace/BCC tools use, with the kernel's
// names and kinds (anonymous unions, bitfields, typedef'd structs, enums,
// function pointers) but only the members tests need. Offsets are this
// file's, not any real kernel's. Functions have bodies so that clang emits
// BTF FUNC entries for them; their bodies mean nothing.

typedef signed char s8;
typedef unsigned char u8;
typedef short s16;
typedef unsigned short u16;
typedef int s32;
typedef unsigned int u32;
typedef long long s64;
typedef unsigned long long u64;
typedef u16 __u16;
typedef u32 __u32;
typedef u64 __u64;
typedef u16 __be16;
typedef u32 __be32;
typedef _Bool bool;
typedef int pid_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;
typedef unsigned long size_t;
typedef long ssize_t;
typedef long long loff_t;
typedef unsigned short umode_t;
typedef unsigned int fmode_t;
typedef u64 sector_t;
typedef u32 dev_t;
typedef unsigned int gfp_t;
typedef u64 ktime_t;

typedef struct {
  int counter;
} atomic_t;
typedef struct {
  s64 counter;
} atomic64_t;
typedef struct {
  uid_t val;
} kuid_t;
typedef struct {
  gid_t val;
} kgid_t;

struct list_head {
  struct list_head *next, *prev;
};

struct refcount_struct {
  atomic_t refs;
};
typedef struct refcount_struct refcount_t;

//===-- files --------------------------------------------------------------===//

struct qstr {
  union {
    struct {
      u32 hash;
      u32 len;
    };
    u64 hash_len;
  };
  const unsigned char *name;
};

struct super_block;
struct inode;

struct dentry {
  unsigned int d_flags;
  struct dentry *d_parent;
  struct qstr d_name;
  struct inode *d_inode;
  unsigned char d_iname[40];
  struct super_block *d_sb;
};

struct vfsmount {
  struct dentry *mnt_root;
  struct super_block *mnt_sb;
  int mnt_flags;
};

struct path {
  struct vfsmount *mnt;
  struct dentry *dentry;
};

struct file_system_type {
  const char *name;
  int fs_flags;
};

struct super_block {
  dev_t s_dev;
  unsigned long s_blocksize;
  struct file_system_type *s_type;
  char s_id[32];
};

struct inode {
  umode_t i_mode;
  kuid_t i_uid;
  kgid_t i_gid;
  unsigned int i_flags;
  struct super_block *i_sb;
  unsigned long i_ino;
  dev_t i_rdev;
  loff_t i_size;
};

struct file;

struct file_operations {
  ssize_t (*read)(struct file *, char *, size_t, loff_t *);
  ssize_t (*write)(struct file *, const char *, size_t, loff_t *);
};

struct file {
  struct path f_path;
  struct inode *f_inode;
  const struct file_operations *f_op;
  unsigned int f_flags;
  fmode_t f_mode;
  loff_t f_pos;
  void *private_data;
};

struct open_how {
  u64 flags;
  u64 mode;
  u64 resolve;
};

struct filename {
  const char *name;
  const char *uptr;
  int refcnt;
};

//===-- processes ----------------------------------------------------------===//

struct cred {
  atomic_t usage;
  kuid_t uid;
  kgid_t gid;
  kuid_t suid;
  kgid_t sgid;
  kuid_t euid;
  kgid_t egid;
};

struct new_utsname {
  char sysname[65];
  char nodename[65];
  char release[65];
};

struct uts_namespace {
  struct new_utsname name;
};

struct ns_common {
  unsigned int inum;
};

struct pid_namespace {
  unsigned int level;
  struct ns_common ns;
};

struct nsproxy {
  refcount_t count;
  struct uts_namespace *uts_ns;
  struct pid_namespace *pid_ns_for_children;
};

struct mm_rss_stat {
  atomic64_t count[4];
};

struct mm_struct {
  struct {
    unsigned long mmap_base;
    unsigned long task_size;
    atomic_t mm_users;
    atomic_t mm_count;
    unsigned long total_vm;
    unsigned long hiwater_rss;
    unsigned long start_code, end_code, start_data, end_data;
    unsigned long start_brk, brk, start_stack;
    unsigned long arg_start, arg_end, env_start, env_end;
    struct file *exe_file;
  };
  struct mm_rss_stat rss_stat;
};

struct sched_entity {
  u64 exec_start;
  u64 sum_exec_runtime;
  u64 vruntime;
};

struct signal_struct {
  int nr_threads;
  int group_exit_code;
  struct tty_struct *tty;
};

struct tty_struct {
  int index;
  char name[64];
};

struct css_set;

struct thread_info {
  unsigned long flags;
  u32 status;
  u32 cpu;
};

enum pid_type { PIDTYPE_PID, PIDTYPE_TGID, PIDTYPE_PGID, PIDTYPE_SID, PIDTYPE_MAX };

struct task_struct {
  struct thread_info thread_info;
  unsigned int __state;
  void *stack;
  refcount_t usage;
  unsigned int flags;
  int on_cpu;
  int prio;
  int static_prio;
  struct sched_entity se;
  unsigned int policy;
  struct mm_struct *mm;
  struct mm_struct *active_mm;
  int exit_state;
  int exit_code;
  int exit_signal;
  unsigned sched_reset_on_fork : 1;
  unsigned sched_contributes_to_load : 1;
  unsigned sched_migrated : 1;
  unsigned in_execve : 1;
  pid_t pid;
  pid_t tgid;
  struct task_struct *real_parent;
  struct task_struct *parent;
  struct list_head children;
  struct list_head sibling;
  struct task_struct *group_leader;
  u64 utime;
  u64 stime;
  u64 start_time;
  u64 start_boottime;
  const struct cred *real_cred;
  const struct cred *cred;
  char comm[16];
  struct nsproxy *nsproxy;
  struct signal_struct *signal;
  struct css_set *cgroups;
  void (*task_works)(struct task_struct *);
};

struct linux_binprm {
  struct mm_struct *mm;
  unsigned long p;
  struct file *file;
  int argc, envc;
  const char *filename;
  const char *interp;
  const char *fdpath;
};

struct pt_regs {
  unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
  unsigned long ax, cx, dx, si, di, orig_ax;
  unsigned long ip, cs, flags, sp, ss;
};

struct timespec64 {
  s64 tv_sec;
  long tv_nsec;
};

struct hrtimer {
  ktime_t _softexpires;
  int (*function)(struct hrtimer *);
  u8 state;
  u8 is_rel;
};

struct hrtimer_sleeper {
  struct hrtimer timer;
  struct task_struct *task;
};

enum hrtimer_mode { HRTIMER_MODE_ABS = 0, HRTIMER_MODE_REL = 1 };

struct kmem_cache {
  unsigned int object_size;
  unsigned int size;
  const char *name;
};

//===-- networking ----------------------------------------------------------===//

struct in_addr {
  __be32 s_addr;
};

struct in6_addr {
  union {
    u8 u6_addr8[16];
    __be16 u6_addr16[8];
    __be32 u6_addr32[4];
  } in6_u;
};

typedef unsigned short sa_family_t;

struct sockaddr {
  sa_family_t sa_family;
  char sa_data[14];
};

struct sockaddr_in {
  sa_family_t sin_family;
  __be16 sin_port;
  struct in_addr sin_addr;
  unsigned char __pad[8];
};

struct sockaddr_in6 {
  unsigned short sin6_family;
  __be16 sin6_port;
  __be32 sin6_flowinfo;
  struct in6_addr sin6_addr;
  __u32 sin6_scope_id;
};

struct net_device {
  char name[16];
  int ifindex;
  unsigned int mtu;
};

typedef u32 __portpair;
typedef u64 __addrpair;

struct sock_common {
  union {
    __addrpair skc_addrpair;
    struct {
      __be32 skc_daddr;
      __be32 skc_rcv_saddr;
    };
  };
  union {
    unsigned int skc_hash;
    __u16 skc_u16hashes[2];
  };
  union {
    __portpair skc_portpair;
    struct {
      __be16 skc_dport;
      __u16 skc_num;
    };
  };
  unsigned short skc_family;
  volatile unsigned char skc_state;
  unsigned char skc_reuse : 4;
  unsigned char skc_reuseport : 1;
  unsigned char skc_ipv6only : 1;
  int skc_bound_dev_if;
  struct in6_addr skc_v6_daddr;
  struct in6_addr skc_v6_rcv_saddr;
};

enum sock_type { SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3 };

struct sock {
  struct sock_common __sk_common;
  int sk_rcvbuf;
  int sk_sndbuf;
  int sk_wmem_queued;
  u16 sk_type;
  u16 sk_protocol;
  long sk_rcvtimeo;
  struct socket *sk_socket;
};

struct socket {
  short type;
  unsigned long flags;
  struct file *file;
  struct sock *sk;
};

struct inet_sock {
  struct sock sk;
  __be32 inet_saddr;
  __be16 inet_sport;
};

struct inet_connection_sock {
  struct inet_sock icsk_inet;
  u8 icsk_ca_state : 5;
  u8 icsk_retransmits;
};

struct tcp_sock {
  struct inet_connection_sock inet_conn;
  u32 srtt_us;
  u32 mdev_us;
  u32 snd_cwnd;
  u32 snd_una;
  u32 rcv_nxt;
  u32 total_retrans;
  u64 bytes_received;
  u64 bytes_acked;
};

struct sk_buff {
  union {
    struct {
      struct sk_buff *next;
      struct sk_buff *prev;
    };
  };
  struct sock *sk;
  ktime_t tstamp;
  struct net_device *dev;
  unsigned int len, data_len;
  u16 mac_len, hdr_len;
  __be16 protocol;
  u16 transport_header;
  u16 network_header;
  unsigned char *head, *data;
};

struct iov_iter {
  u8 iter_type;
  size_t count;
};

struct msghdr {
  void *msg_name;
  int msg_namelen;
  struct iov_iter msg_iter;
  unsigned int msg_flags;
};

//===-- block I/O ---------------------------------------------------------===//

struct gendisk {
  int major;
  int first_minor;
  int minors;
  char disk_name[32];
};

struct block_device {
  dev_t bd_dev;
  struct gendisk *bd_disk;
};

struct request_queue {
  struct gendisk *disk;
  unsigned long queue_flags;
};

struct bvec_iter {
  sector_t bi_sector;
  unsigned int bi_size;
};

struct bio {
  struct bio *bi_next;
  struct block_device *bi_bdev;
  unsigned int bi_opf;
  struct bvec_iter bi_iter;
};

struct request {
  struct request_queue *q;
  unsigned int cmd_flags;
  unsigned int __data_len;
  sector_t __sector;
  struct bio *bio;
  struct bio *biotail;
  u64 start_time_ns;
  u64 io_start_time_ns;
  struct block_device *part;
};

//===-- raw tracepoints: typedef void (*btf_trace_NAME)(void *__data, ...) -===//

typedef void (*btf_trace_sched_switch)(void *, bool, struct task_struct *,
                                       struct task_struct *, unsigned int);
typedef void (*btf_trace_sched_wakeup)(void *, struct task_struct *);
typedef void (*btf_trace_sched_wakeup_new)(void *, struct task_struct *);
typedef void (*btf_trace_sched_process_fork)(void *, struct task_struct *,
                                             struct task_struct *);
typedef void (*btf_trace_sched_process_exec)(void *, struct task_struct *, pid_t,
                                             struct linux_binprm *);
typedef void (*btf_trace_sched_process_exit)(void *, struct task_struct *);
typedef void (*btf_trace_sys_enter)(void *, struct pt_regs *, long);
typedef void (*btf_trace_sys_exit)(void *, struct pt_regs *, long);
typedef void (*btf_trace_block_rq_issue)(void *, struct request *);
typedef void (*btf_trace_block_rq_complete)(void *, struct request *, u8, unsigned int);
typedef void (*btf_trace_tcp_retransmit_skb)(void *, const struct sock *,
                                             const struct sk_buff *);
typedef void (*btf_trace_inet_sock_set_state)(void *, const struct sock *, const int,
                                              const int);
typedef void (*btf_trace_kfree_skb)(void *, struct sk_buff *, void *, int);

// Globals make clang emit the typedefs.
btf_trace_sched_switch __obs_btf_trace_sched_switch;
btf_trace_sched_wakeup __obs_btf_trace_sched_wakeup;
btf_trace_sched_wakeup_new __obs_btf_trace_sched_wakeup_new;
btf_trace_sched_process_fork __obs_btf_trace_sched_process_fork;
btf_trace_sched_process_exec __obs_btf_trace_sched_process_exec;
btf_trace_sched_process_exit __obs_btf_trace_sched_process_exit;
btf_trace_sys_enter __obs_btf_trace_sys_enter;
btf_trace_sys_exit __obs_btf_trace_sys_exit;
btf_trace_block_rq_issue __obs_btf_trace_block_rq_issue;
btf_trace_block_rq_complete __obs_btf_trace_block_rq_complete;
btf_trace_tcp_retransmit_skb __obs_btf_trace_tcp_retransmit_skb;
btf_trace_inet_sock_set_state __obs_btf_trace_inet_sock_set_state;
btf_trace_kfree_skb __obs_btf_trace_kfree_skb;

// Clang emits a struct reached only through pointers as a forward
// declaration; embedding every struct by value here keeps their members.
struct obs_mini_anchor {
  s8 a; u8 b; s16 c; u16 d; s32 e; u32 f; s64 g; u64 h; bool i; pid_t j;
  uid_t k; gid_t l; size_t m; ssize_t n; loff_t o; umode_t p; fmode_t q;
  sector_t r; dev_t s; gfp_t t; ktime_t u; enum pid_type v; enum sock_type w;
  enum hrtimer_mode x; __u64 y; __be32 z;
  struct list_head s_list_head;
  struct refcount_struct s_refcount_struct;
  struct qstr s_qstr;
  struct dentry s_dentry;
  struct vfsmount s_vfsmount;
  struct path s_path;
  struct file_system_type s_file_system_type;
  struct super_block s_super_block;
  struct inode s_inode;
  struct file_operations s_file_operations;
  struct file s_file;
  struct open_how s_open_how;
  struct filename s_filename;
  struct cred s_cred;
  struct new_utsname s_new_utsname;
  struct uts_namespace s_uts_namespace;
  struct ns_common s_ns_common;
  struct pid_namespace s_pid_namespace;
  struct nsproxy s_nsproxy;
  struct mm_rss_stat s_mm_rss_stat;
  struct mm_struct s_mm_struct;
  struct sched_entity s_sched_entity;
  struct signal_struct s_signal_struct;
  struct tty_struct s_tty_struct;
  struct thread_info s_thread_info;
  struct task_struct s_task_struct;
  struct linux_binprm s_linux_binprm;
  struct pt_regs s_pt_regs;
  struct timespec64 s_timespec64;
  struct hrtimer s_hrtimer;
  struct hrtimer_sleeper s_hrtimer_sleeper;
  struct kmem_cache s_kmem_cache;
  struct in_addr s_in_addr;
  struct in6_addr s_in6_addr;
  struct sockaddr s_sockaddr;
  struct sockaddr_in s_sockaddr_in;
  struct sockaddr_in6 s_sockaddr_in6;
  struct net_device s_net_device;
  struct sock_common s_sock_common;
  struct sock s_sock;
  struct socket s_socket;
  struct inet_sock s_inet_sock;
  struct inet_connection_sock s_inet_connection_sock;
  struct tcp_sock s_tcp_sock;
  struct sk_buff s_sk_buff;
  struct iov_iter s_iov_iter;
  struct msghdr s_msghdr;
  struct gendisk s_gendisk;
  struct block_device s_block_device;
  struct request_queue s_request_queue;
  struct bvec_iter s_bvec_iter;
  struct bio s_bio;
  struct request s_request;
};
struct obs_mini_anchor __obs_mini_anchor;

//===-- kernel functions -----------------------------------------------------===//

// The kernel's own wrapper: same parameters as the tracepoint, with names.
void __bpf_trace_sched_switch(void *__data, bool preempt, struct task_struct *prev,
                              struct task_struct *next, unsigned int prev_state) {}

ssize_t vfs_read(struct file *file, char *buf, size_t count, loff_t *pos) { return 0; }
ssize_t vfs_write(struct file *file, const char *buf, size_t count, loff_t *pos) { return 0; }
int vfs_open(const struct path *path, struct file *file) { return 0; }
int vfs_fsync(struct file *file, int datasync) { return 0; }
int vfs_unlink(struct inode *dir, struct dentry *dentry, struct inode **delegated) { return 0; }
long do_sys_openat2(int dfd, const char *filename, struct open_how *how) { return 0; }
struct file *do_filp_open(int dfd, struct filename *pathname, const void *op) { return 0; }
int tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len) { return 0; }
int tcp_v6_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len) { return 0; }
int tcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size) { return 0; }
int tcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags, int *addr_len) { return 0; }
void tcp_close(struct sock *sk, long timeout) {}
void tcp_set_state(struct sock *sk, int state) {}
int tcp_rcv_established(struct sock *sk, struct sk_buff *skb) { return 0; }
struct sock *inet_csk_accept(struct sock *sk, int flags, int *err, bool kern) { return 0; }
int ip_output(void *net, struct sock *sk, struct sk_buff *skb) { return 0; }
int do_nanosleep(struct hrtimer_sleeper *t, enum hrtimer_mode mode) { return 0; }
void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfpflags) { return 0; }
void kmem_cache_free(struct kmem_cache *s, void *x) {}
void *__kmalloc(size_t size, gfp_t flags) { return 0; }
void kfree(const void *objp) {}
void blk_account_io_start(struct request *req) {}
void blk_account_io_done(struct request *req, u64 now) {}
void blk_mq_start_request(struct request *rq) {}
void submit_bio(struct bio *bio) {}
void schedule(void) {}
void wake_up_new_task(struct task_struct *p) {}
void do_exit(long code) {}
int security_bprm_check(struct linux_binprm *bprm) { return 0; }
int bprm_execve(struct linux_binprm *bprm) { return 0; }
long __x64_sys_openat(const struct pt_regs *regs) { return 0; }
long __x64_sys_read(const struct pt_regs *regs) { return 0; }
long __x64_sys_write(const struct pt_regs *regs) { return 0; }
int __x64_sys_execve(const struct pt_regs *regs) { return 0; }
int handle_mm_fault(void *vma, unsigned long address, unsigned int flags, struct pt_regs *regs) { return 0; }
int __kmalloc_node(size_t size, gfp_t flags, int node) { return 0; }
