//===- key_table.h - interning fixed-size map keys into dense ids
//----------===//
//
// The per-event path looks a key up by its bytes (as the kernel would hash
// it) and gets a dense KeyId that indexes the slot arrays. Open addressing
// over a power-of-two table, keys stored back to back; no allocation except
// when the table grows.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/window/window_types.h"

#include <cstring>
#include <vector>

namespace obs::window {

class KeyTable {
public:
  explicit KeyTable(uint32_t keySize) : keySize_(keySize) {
    slots_.assign(64, Entry{0, kEmpty});
  }

  uint32_t keySize() const { return keySize_; }
  uint32_t size() const { return count_; }
  const uint8_t *bytes(KeyId id) const {
    return bytes_.data() + size_t(id) * keySize_;
  }

  /// The id of `key` (keySize bytes), interned on first sight.
  KeyId intern(const void *key) {
    if (keySize_ == 0) {
      count_ = 1;
      return 0;
    }
    uint64_t tag, h = hash(key, tag);
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Entry &e = slots_[i];
      if (e.id == kEmpty)
        return insert(key, tag, i);
      if (e.tag == tag &&
          (keySize_ <= 8 || std::memcmp(bytes(e.id), key, keySize_) == 0))
        return e.id;
    }
  }

  /// The id of `key` if it was interned, else kEmpty.
  KeyId find(const void *key) const {
    if (keySize_ == 0)
      return count_ ? 0 : kEmpty;
    uint64_t tag, h = hash(key, tag);
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Entry &e = slots_[i];
      if (e.id == kEmpty)
        return kEmpty;
      if (e.tag == tag &&
          (keySize_ <= 8 || std::memcmp(bytes(e.id), key, keySize_) == 0))
        return e.id;
    }
  }

  static constexpr uint32_t kEmpty = UINT32_MAX;

private:
  /// A table slot: the key itself when it fits in 8 bytes (so a lookup
  /// touches one cache line), else its hash as a filter before memcmp.
  struct Entry {
    uint64_t tag;
    uint32_t id;
  };

  uint64_t hash(const void *key, uint64_t &tag) const {
    const auto *p = static_cast<const uint8_t *>(key);
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ keySize_;
    if (keySize_ <= 8) {
      uint64_t w = 0;
      std::memcpy(&w, p, keySize_);
      tag = w;
      h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
      h ^= h >> 31;
    } else {
      uint32_t i = 0;
      for (; i + 8 <= keySize_; i += 8) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 31;
      }
      if (i < keySize_) {
        uint64_t w = 0;
        std::memcpy(&w, p + i, keySize_ - i);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 31;
      }
    }
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 29;
    if (keySize_ > 8)
      tag = h;
    return h;
  }

  KeyId insert(const void *key, uint64_t tag, size_t at) {
    KeyId id = count_++;
    bytes_.insert(bytes_.end(), static_cast<const uint8_t *>(key),
                  static_cast<const uint8_t *>(key) + keySize_);
    slots_[at] = Entry{tag, id};
    if (size_t(count_) * 2 > slots_.size())
      rehash();
    return id;
  }

  void rehash() {
    std::vector<Entry> n(slots_.size() * 2, Entry{0, kEmpty});
    size_t mask = n.size() - 1;
    for (const Entry &e : slots_) {
      if (e.id == kEmpty)
        continue;
      uint64_t tag;
      size_t i = hash(bytes(e.id), tag) & mask;
      while (n[i].id != kEmpty)
        i = (i + 1) & mask;
      n[i] = e;
    }
    slots_.swap(n);
  }

  uint32_t keySize_;
  uint32_t count_ = 0;
  std::vector<uint8_t> bytes_;
  std::vector<Entry> slots_;
};

} // namespace obs::window
