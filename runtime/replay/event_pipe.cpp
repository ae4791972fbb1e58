//===- event_pipe.cpp - reading events on a thread of their own -----------===//

#include "runtime/replay/event_pipe.h"

namespace obs::replay {

EventPipe::EventPipe(Source source) : source_(std::move(source)) {
  thread_ = std::thread([this] { produce(); });
}

EventPipe::~EventPipe() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  emptied_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void EventPipe::produce() {
  for (size_t b = 0;; b = (b + 1) % kBatches) {
    Batch &bt = batches_[b];
    {
      std::unique_lock<std::mutex> lock(mu_);
      emptied_.wait(lock, [&] { return stop_ || !bt.full; });
      if (stop_)
        return;
    }
    // The batch is ours until it is marked full.
    size_t n = 0;
    bool more = true;
    while (n < kBatch && (more = source_(bt.events[n])))
      ++n;
    {
      std::lock_guard<std::mutex> lock(mu_);
      bt.count = n;
      bt.last = !more;
      bt.full = true;
    }
    filled_.notify_one();
    if (!more)
      return;
  }
}

const ReplayEvent *EventPipe::next() {
  for (;;) {
    if (cur_ && pos_ < cur_->count)
      return &cur_->events[pos_++];
    if (done_)
      return nullptr;
    if (cur_) {
      bool last = cur_->last;
      {
        std::lock_guard<std::mutex> lock(mu_);
        cur_->full = false;
      }
      emptied_.notify_one();
      cur_ = nullptr;
      at_ = (at_ + 1) % kBatches;
      if (last) {
        done_ = true;
        thread_.join(); // so that the reader's error() may be read
        return nullptr;
      }
    }
    Batch &bt = batches_[at_];
    std::unique_lock<std::mutex> lock(mu_);
    filled_.wait(lock, [&] { return bt.full; });
    cur_ = &bt;
    pos_ = 0;
  }
}

} // namespace obs::replay
