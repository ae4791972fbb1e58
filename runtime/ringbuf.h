//===- ringbuf.h - draining the events ring buffer ------------------------===//
//
// One consumer for the obs_events ring buffer: each poll drains every record
// that is ready (a batch per wake-up) and hands it to a handler with its
// decoded header. Failed reserves on the BPF side are counted in obs_lost
// (per CPU); lost() sums them so the caller can report them.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/contract.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

struct ring_buffer;

namespace obs {

class EventStream {
public:
  /// Return false to stop the current batch (e.g. after exit()).
  using Handler =
      std::function<bool(const contract::EventHeader &h, const uint8_t *data, size_t size)>;

  EventStream() = default;
  ~EventStream();
  EventStream(const EventStream &) = delete;
  EventStream &operator=(const EventStream &) = delete;

  /// `eventsFd`: the ring buffer; `lostFd`: the per-CPU lost counter (or -1).
  bool open(int eventsFd, int lostFd, Handler handler, std::string &error);
  /// Waits up to `timeoutMs` and drains what is ready. Returns the number of
  /// records handled, or a negative errno (-EINTR on a signal).
  int poll(int timeoutMs);
  /// Drains what is ready without waiting.
  int drain();
  /// Reserves that failed in the kernel, summed over CPUs.
  uint64_t lost() const;
  /// Frees the consumer (it holds the ring buffer map mapped); idempotent.
  void close();
  /// Records handled so far.
  uint64_t received() const { return received_; }

private:
  static int onRecord(void *self, void *data, size_t size);
  ring_buffer *rb_ = nullptr;
  int lostFd_ = -1;
  Handler handler_;
  uint64_t received_ = 0;
  bool stopped_ = false;
};

/// Formats a Printf record with its PrintfSpec (C conversions; integers are
/// 64-bit in the record whatever the length modifier).
std::string formatPrintf(const contract::PrintfSpec &spec, const uint8_t *record, size_t size);

} // namespace obs
