//===- event_pipe.h - reading events on a thread of their own -------------===//
//
// `obsc test` on a machine with more than one CPU: a thread reads and
// parses the file (EventReader), or generates the stream, into batches
// while the replay loop runs the events of the batch before, so the
// command takes about the longer of the two, not their sum. Events come
// out in order, so the output is the same as reading them in the loop.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/replay/events.h"

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace obs::replay {

class EventPipe {
public:
  /// Fills the event it is given (one it filled before, or a fresh one);
  /// false at the end.
  using Source = std::function<bool(ReplayEvent &)>;
  /// Starts calling `source` on a thread.
  explicit EventPipe(Source source);
  /// Starts reading `reader` (which must outlive the pipe) on a thread.
  explicit EventPipe(EventReader &reader)
      : EventPipe([&reader](ReplayEvent &ev) { return reader.next(ev); }) {}
  /// Stops the thread (at the end of a batch) if it still runs.
  ~EventPipe();
  EventPipe(const EventPipe &) = delete;
  EventPipe &operator=(const EventPipe &) = delete;

  /// The next event, or null at the end (of the file or stream) or at a
  /// malformed line (then the reader's error() says which, once this
  /// returned null).
  /// Valid until the next call.
  const ReplayEvent *next();

  /// Events per batch and batches in flight.
  static constexpr size_t kBatch = 1024, kBatches = 8;

private:
  struct Batch {
    std::vector<ReplayEvent> events = std::vector<ReplayEvent>(kBatch);
    size_t count = 0;
    bool full = false; ///< filled, not yet consumed
    bool last = false; ///< the reader's end (or error) is after it
  };
  void produce();

  Source source_;
  std::vector<Batch> batches_ = std::vector<Batch>(kBatches);
  std::mutex mu_;
  std::condition_variable filled_, emptied_;
  bool stop_ = false;
  Batch *cur_ = nullptr;    ///< the batch being consumed
  size_t pos_ = 0, at_ = 0; ///< next event in it; its index in batches_
  bool done_ = false;
  std::thread thread_;
};

} // namespace obs::replay
