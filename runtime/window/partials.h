/*===- partials.h - kernel/user contract for windowed aggregations ------===*\
 *
 * The mergeable partial state the kernel keeps per key, per window slot and
 * per CPU, and the exemplar it captures. Plain C, fixed-size, no 128-bit
 * types, no unbounded loops: the BPF half includes this header as is, and
 * user space reads the same bytes back from the per-CPU maps and merges
 * them (runtime/window/windowed_map.h). docs/windows.md explains the design.
 *
 * Slots. Event time is cut into slots of length `every`, aligned to the
 * session origin: slot j covers [origin + j*every, origin + (j+1)*every).
 * Every partial starts with an obs_win_hdr whose `seq` is j + 1 (0: never
 * written). The kernel indexes its slot array by j % OBS_WIN_SLOTS(over,
 * every); when the slot it lands in holds another seq, it resets the partial
 * first (newer seq) or counts the event late (older seq), so user space never
 * has to write a slot back, only read it once its windows have closed.
 *
 * Fixed point. Slope sums use t = (ts - slot start) / 1000, in whole
 * microseconds, as an integer, and the sums Σt, Σv, Σtv, Σt², Σv² as signed
 * 128-bit integers (struct obs_s128: lo, hi words) built from 64x64->128
 * products. Nothing is rounded except t (truncated to the microsecond).
 *
\*===----------------------------------------------------------------------===*/
#ifndef OBS_RUNTIME_WINDOW_PARTIALS_H
#define OBS_RUNTIME_WINDOW_PARTIALS_H

#ifdef __bpf__
typedef unsigned long long obs_u64;
typedef long long obs_s64;
typedef unsigned int obs_u32;
#else
#include <stdint.h>
typedef uint64_t obs_u64;
typedef int64_t obs_s64;
typedef uint32_t obs_u32;
#endif

#ifndef OBS_INLINE
#ifdef __bpf__
#define OBS_INLINE static inline __attribute__((always_inline))
#else
#define OBS_INLINE static inline
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Number of slots the kernel keeps per key: the over/every slots of one
 * window, one for the window being filled while the last one is read, and
 * one of slack for the 1 ms settle delay (spec §9.3). */
#define OBS_WIN_SLOTS(over, every) ((over) / (every) + 2)

/* log2 histogram (hist): bucket 0 < 0, 1 == 0, i >= 2 [2^(i-2), 2^(i-1)). */
#define OBS_HIST_BUCKETS 66

/* Log-linear buckets (quantile). A magnitude m < 32 has bucket m; a magnitude
 * in [2^k, 2^(k+1)), k = 5..63, has bucket 32 + (k-5)*16 + the 4 bits below
 * its top bit: 16 sub-buckets of width 2^(k-4). That is 976 magnitude
 * buckets; negative values mirror below zero: bucket 976 - mag(v) for v < 0,
 * 976 + mag(v) for v >= 0, so buckets ascend with the value. */
#define OBS_QUANTILE_SUB_BITS 4
#define OBS_QUANTILE_MAG_BUCKETS 976
#define OBS_QUANTILE_BUCKETS (2 * OBS_QUANTILE_MAG_BUCKETS)

/* A signed 128-bit integer as two words, two's complement. */
struct obs_s128 {
  obs_u64 lo;
  obs_s64 hi;
};

/* Header of every partial. */
struct obs_win_hdr {
  obs_u64 seq;   /* slot number + 1; 0 = empty */
  obs_u64 count; /* events */
};

/* count, sum, avg, stats, min, max, rate(), rate(x). */
struct obs_win_scalar {
  struct obs_win_hdr h;
  obs_s64 sum;
  obs_s64 min; /* valid when h.count > 0 */
  obs_s64 max;
};

/* slope, r2, predict: least-squares sums, t in µs from the slot start. */
struct obs_win_fit {
  struct obs_win_hdr h; /* h.count is n */
  struct obs_s128 st, sv, stv, stt, svv;
};

/* hist. */
struct obs_win_hist {
  struct obs_win_scalar s;
  obs_u64 buckets[OBS_HIST_BUCKETS];
};

/* quantile: log-linear buckets plus the exact min and max (s.min, s.max). */
struct obs_win_quantile {
  struct obs_win_scalar s;
  obs_u64 buckets[OBS_QUANTILE_BUCKETS];
};

/* lhist: `struct obs_win_scalar` followed by (max - min) / step + 2 obs_u64
 * buckets; the map's value size says how many. */

/* The context of one event, for alerts (spec §10.5). Kept per key per slot:
 * the latest event, or the one at which the slot's running value crossed
 * the threshold the compiler handed down. */
struct obs_exemplar {
  obs_u64 ts; /* kernel ns */
  obs_u64 cgroup;
  obs_u32 pid, tid, ppid, uid, gid, cpu;
  obs_u32 crossed; /* 1: taken when the running value crossed the
                      threshold (frozen for the slot); 0: the latest */
  obs_u32 reserved;
  obs_s64 kstack_id; /* stack-map ids; -1 when not captured */
  obs_s64 ustack_id;
  char comm[16];
};

/* The kernel's exemplar of one key and slot (a shared hash, not per CPU):
 * `seq` is the slot's (as in the partial's header; another value: the
 * entry belongs to an older slot and is reset first), `running` the slot's
 * event count over all CPUs, added atomically while the threshold is not
 * crossed. The event that takes `running` past the threshold writes the
 * exemplar with crossed = 1 and freezes it; before that every event
 * writes it (the latest). */
struct obs_exemplar_slot {
  struct obs_exemplar ex;
  obs_u64 seq;
  obs_u64 running;
};

/* The layout is the contract: both halves must agree on these sizes. */
#ifdef __cplusplus
#define OBS_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define OBS_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif
OBS_STATIC_ASSERT(sizeof(struct obs_win_scalar) == 40, "obs_win_scalar layout");
OBS_STATIC_ASSERT(sizeof(struct obs_win_fit) == 96, "obs_win_fit layout");
OBS_STATIC_ASSERT(sizeof(struct obs_win_hist) == 568, "obs_win_hist layout");
OBS_STATIC_ASSERT(sizeof(struct obs_win_quantile) == 15656,
                  "obs_win_quantile layout");
OBS_STATIC_ASSERT(sizeof(struct obs_exemplar) == 80, "obs_exemplar layout");
OBS_STATIC_ASSERT(sizeof(struct obs_exemplar_slot) == 96, "obs_exemplar_slot layout");

/*===-- Helpers shared by both halves (BPF-safe: no 128-bit, no libcalls) ===*/

OBS_INLINE void obs_s128_add(struct obs_s128 *a, obs_u64 lo, obs_s64 hi) {
  obs_u64 r = a->lo + lo;
  a->hi = (obs_s64)((obs_u64)a->hi + (obs_u64)hi + (r < lo ? 1 : 0));
  a->lo = r;
}

/* a += x, sign-extended. */
OBS_INLINE void obs_s128_add_s64(struct obs_s128 *a, obs_s64 x) {
  obs_s128_add(a, (obs_u64)x, x < 0 ? -1 : 0);
}

/* a += x * y, the full 128-bit product, from 32-bit halves. */
OBS_INLINE void obs_s128_add_mul(struct obs_s128 *a, obs_s64 x, obs_s64 y) {
  int neg = (x < 0) != (y < 0);
  obs_u64 ux = x < 0 ? (obs_u64)0 - (obs_u64)x : (obs_u64)x;
  obs_u64 uy = y < 0 ? (obs_u64)0 - (obs_u64)y : (obs_u64)y;
  obs_u64 x0 = ux & 0xffffffffULL, x1 = ux >> 32;
  obs_u64 y0 = uy & 0xffffffffULL, y1 = uy >> 32;
  obs_u64 p00 = x0 * y0, p01 = x0 * y1, p10 = x1 * y0, p11 = x1 * y1;
  obs_u64 mid = (p00 >> 32) + (p01 & 0xffffffffULL) + (p10 & 0xffffffffULL);
  obs_u64 lo = (p00 & 0xffffffffULL) | (mid << 32);
  obs_u64 hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  if (neg) { /* two's complement negate of (hi, lo) */
    lo = ~lo + 1;
    hi = ~hi + (lo == 0 ? 1 : 0);
  }
  obs_s128_add(a, lo, (obs_s64)hi);
}

/* Index of the top set bit of a non-zero value (0..63), branch-only. */
OBS_INLINE unsigned obs_ilog2(obs_u64 v) {
  unsigned r = 0;
  if (v >> 32) {
    v >>= 32;
    r += 32;
  }
  if (v >> 16) {
    v >>= 16;
    r += 16;
  }
  if (v >> 8) {
    v >>= 8;
    r += 8;
  }
  if (v >> 4) {
    v >>= 4;
    r += 4;
  }
  if (v >> 2) {
    v >>= 2;
    r += 2;
  }
  if (v >> 1) {
    r += 1;
  }
  return r;
}

OBS_INLINE unsigned obs_log2_bucket(obs_s64 v) {
  if (v < 0)
    return 0;
  if (v == 0)
    return 1;
  return obs_ilog2((obs_u64)v) + 2;
}

OBS_INLINE obs_u32 obs_lhist_bucket(obs_s64 v, obs_s64 min, obs_s64 max,
                                    obs_s64 step) {
  if (v < min)
    return 0;
  if (v >= max)
    return (obs_u32)((max - min) / step) + 1;
  return (obs_u32)((v - min) / step) + 1;
}

/* Bucket of a magnitude, 0 .. OBS_QUANTILE_MAG_BUCKETS - 1. */
OBS_INLINE obs_u32 obs_quantile_mag_bucket(obs_u64 m) {
  if (m < 32)
    return (obs_u32)m;
  unsigned k = obs_ilog2(m);
  obs_u32 sub = (obs_u32)(m >> (k - OBS_QUANTILE_SUB_BITS)) & 15;
  return 32 + (k - 5) * 16 + sub;
}

OBS_INLINE obs_u32 obs_quantile_bucket(obs_s64 v) {
  if (v < 0)
    return OBS_QUANTILE_MAG_BUCKETS -
           obs_quantile_mag_bucket((obs_u64)0 - (obs_u64)v);
  return OBS_QUANTILE_MAG_BUCKETS + obs_quantile_mag_bucket((obs_u64)v);
}

/* Folds one event into a scalar partial whose header is already current. */
OBS_INLINE void obs_win_scalar_add(struct obs_win_scalar *p, obs_s64 v) {
  if (p->h.count == 0 || v < p->min)
    p->min = v;
  if (p->h.count == 0 || v > p->max)
    p->max = v;
  p->h.count += 1;
  p->sum =
      (obs_s64)((obs_u64)p->sum + (obs_u64)v); /* wraps, as in the kernel */
}

/* Folds one event (t_us from the slot start, value v) into a fit partial. */
OBS_INLINE void obs_win_fit_add(struct obs_win_fit *p, obs_s64 t_us,
                                obs_s64 v) {
  p->h.count += 1;
  obs_s128_add_s64(&p->st, t_us);
  obs_s128_add_s64(&p->sv, v);
  obs_s128_add_mul(&p->stv, t_us, v);
  obs_s128_add_mul(&p->stt, t_us, t_us);
  obs_s128_add_mul(&p->svv, v, v);
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* OBS_RUNTIME_WINDOW_PARTIALS_H */
