//===- windowed_map.h - slots of one windowed map, merged at close
//---------===//
//
// A WindowedMap holds the partial state of one map: a ring of slots (one per
// `every` of event time), each with one merged partial per key (user space
// merges CPUs as it reads them), the latest exemplar per key, and the loss
// seen while the slot was open. Closing the window that ends at slot
// boundary m merges slots m-k .. m-1 (k = over/every), computes the
// function per key, and frees slot m-k, which no later window needs.
//
// The accumulate path is per event: one cached slot check, one array index,
// no allocation once the key and slot arrays have grown to size.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/window/key_table.h"
#include "runtime/window/window_types.h"

#include <vector>

namespace obs::window {

class WindowedMap {
public:
  WindowedMap(MapId id, WindowSpec spec, uint64_t originNs);

  const WindowSpec &spec() const { return spec_; }
  KeyTable &keys() { return keys_; }
  const KeyTable &keys() const { return keys_; }

  /// Folds one event (kernel time ts, value v) into the key's slot. Returns
  /// false when the event was late for every window it belongs to (then it
  /// is counted, not added).
  bool accumulate(KeyId key, uint64_t ts, int64_t v,
                  const obs_exemplar *ex = nullptr) {
    if (ts - curStart_ >= step_ || !cur_) [[unlikely]] {
      if (!selectSlot(ts))
        return false;
    }
    Slot &s = *cur_;
    if (key >= s.cells.size()) [[unlikely]]
      growSlot(s, key);
    Cell &c = s.cells[key];
    if (c.count == 0) [[unlikely]]
      touch(s, c, key);
    c.count += 1;
    c.sum = int64_t(uint64_t(c.sum) + uint64_t(v)); // wraps, as the kernel
    c.min = v < c.min ? v : c.min;
    c.max = v > c.max ? v : c.max;
    if (fit_)
      s.fits[key].add(static_cast<int64_t>((ts - curStart_) / 1000), v);
    if (nbuckets_)
      bucketAdd(c, v);
    if (ex)
      exemplarAdd(s, c, key, *ex);
    if (curLate_) [[unlikely]]
      lateInOpen(1);
    return true;
  }

  /// Merges one kernel partial of one CPU (the live path). `partial` points
  /// to the map's value layout in partials.h (obs_win_scalar, obs_win_fit,
  /// obs_win_hist, obs_win_quantile, or scalar + lhist buckets); its
  /// header's seq names the slot.
  void mergeKernelPartial(KeyId key, const void *partial,
                          const obs_exemplar *ex = nullptr);

  /// Loss at kernel time ts: counted in the slot holding ts if one of its
  /// windows is open, otherwise in the next window to close.
  void addLoss(LossKind kind, uint64_t ts, uint64_t n);

  /// Boundary (ns from the origin) at which the next window ends.
  uint64_t nextCloseNs() const { return uint64_t(nextM_) * step_; }

  /// Closes the next window. Returns false (and fills nothing) when that
  /// window starts before the origin and so is not formed.
  bool closeNext(WindowResult &out);

  /// The windows still open at `endNs` (from the origin) that started
  /// before it, closed and marked partial; the map accepts no more events.
  void closePartial(uint64_t endNs, std::vector<WindowResult> &out);

  /// No slot holds events or loss.
  bool quiet() const { return live_ == 0; }
  /// On a quiet map, moves past every window ending at or before `relNs`
  /// (from the origin) at once: they are all empty. last() becomes the
  /// last of them.
  void skipQuietTo(uint64_t relNs);

  uint64_t lateTotal() const { return lateTotal_; }
  const WindowResult &last() const { return last_; }
  WindowResult &last() { return last_; }

private:
  struct Cell {
    uint64_t count = 0;
    int64_t sum = 0;
    int64_t min = INT64_MAX, max = INT64_MIN;
    uint32_t block = UINT32_MAX; ///< bucket block in pool_, if any
    uint8_t exemplar = 0;        ///< 0 none, 1 latest, 2 crossed (frozen)
  };
  struct Slot {
    int64_t seq = -1; ///< slot number, -1 when free
    std::vector<Cell> cells;
    std::vector<FitSums> fits;
    std::vector<obs_exemplar> exemplars;
    std::vector<KeyId> touched;
    LossCounts lost;
  };

  bool selectSlot(uint64_t ts);
  Slot *slotFor(int64_t seq);
  void growSlot(Slot &s, KeyId key);
  void touch(Slot &s, Cell &c, KeyId key);
  void bucketAdd(Cell &c, int64_t v);
  void exemplarAdd(Slot &s, Cell &c, KeyId key, const obs_exemplar &ex);
  void lateInOpen(uint64_t n);
  uint32_t allocBlock();
  void freeSlot(Slot &s);
  void buildResult(int64_t m, bool partial, WindowResult &out);
  bool isLate(int64_t seq) const;   ///< some closed window holds seq
  bool isClosed(int64_t seq) const; ///< every window holding seq closed

  MapId id_;
  WindowSpec spec_;
  uint64_t origin_;
  uint64_t step_;
  int64_t k_;
  bool fit_;
  uint32_t nbuckets_;
  KeyTable keys_;
  std::vector<Slot> ring_;
  int64_t nextM_ = 1; ///< the next window to close ends at nextM_ * step
  uint32_t live_ = 0; ///< slots in use
  bool finished_ = false;

  // The slot of the last event: [curStart_, curStart_ + step_) in kernel ns.
  Slot *cur_ = nullptr;
  uint64_t curStart_ = 0;
  bool curLate_ = false;

  std::vector<uint64_t> pool_; ///< bucket blocks, nbuckets_ each
  std::vector<uint32_t> freeBlocks_;
  uint64_t lateTotal_ = 0;

  // Scratch for merging hopping windows.
  std::vector<Cell> mcells_;
  std::vector<FitSums> mfits_;
  std::vector<int64_t> mex_; ///< slot of the chosen exemplar per key, -1 none
  std::vector<KeyId> mtouched_;
  WindowResult last_;
};

} // namespace obs::window
