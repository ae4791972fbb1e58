//===- key_table.h - interning fixed-size map keys into dense ids ----------===//
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
    slots_.assign(64, kEmpty);
  }

  uint32_t keySize() const { return keySize_; }
  uint32_t size() const { return count_; }
  const uint8_t *bytes(KeyId id) const { return bytes_.data() + size_t(id) * keySize_; }

  /// The id of `key` (keySize bytes), interned on first sight.
  KeyId intern(const void *key) {
    if (keySize_ == 0) {
      count_ = 1;
      return 0;
    }
    uint64_t h = hash(key);
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      uint32_t id = slots_[i];
      if (id == kEmpty)
        return insert(key, i);
      if (std::memcmp(bytes(id), key, keySize_) == 0)
        return id;
    }
  }

  /// The id of `key` if it was interned, else UINT32_MAX.
  KeyId find(const void *key) const {
    if (keySize_ == 0)
      return count_ ? 0 : kEmpty;
    uint64_t h = hash(key);
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      uint32_t id = slots_[i];
      if (id == kEmpty)
        return kEmpty;
      if (std::memcmp(bytes(id), key, keySize_) == 0)
        return id;
    }
  }

  static constexpr uint32_t kEmpty = UINT32_MAX;

private:
  uint64_t hash(const void *key) const {
    const auto *p = static_cast<const uint8_t *>(key);
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ keySize_;
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
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 29);
  }

  KeyId insert(const void *key, size_t at) {
    KeyId id = count_++;
    bytes_.insert(bytes_.end(), static_cast<const uint8_t *>(key),
                  static_cast<const uint8_t *>(key) + keySize_);
    slots_[at] = id;
    if (size_t(count_) * 2 > slots_.size())
      rehash();
    return id;
  }

  void rehash() {
    std::vector<uint32_t> n(slots_.size() * 2, kEmpty);
    size_t mask = n.size() - 1;
    for (KeyId id = 0; id < count_; ++id) {
      size_t i = hash(bytes(id)) & mask;
      while (n[i] != kEmpty)
        i = (i + 1) & mask;
      n[i] = id;
    }
    slots_.swap(n);
  }

  uint32_t keySize_;
  uint32_t count_ = 0;
  std::vector<uint8_t> bytes_;
  std::vector<uint32_t> slots_;
};

} // namespace obs::window
