//===- ringbuf.cpp - draining the events ring buffer ----------------------===//

#include "runtime/ringbuf.h"
#include "runtime/maps.h"
#include "runtime/symbols.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <vector>

namespace obs {

EventStream::~EventStream() { close(); }

void EventStream::close() {
  if (rb_)
    ring_buffer__free(rb_);
  rb_ = nullptr;
}

int EventStream::onRecord(void *ctx, void *data, size_t size) {
  auto *self = static_cast<EventStream *>(ctx);
  if (size < sizeof(contract::EventHeader))
    return 0;
  contract::EventHeader h;
  memcpy(&h, data, sizeof h);
  ++self->received_;
  if (!self->handler_(h, static_cast<const uint8_t *>(data), size)) {
    self->stopped_ = true;
    // Stop this batch (libbpf stops only on a negative value, having
    // consumed this record); the rest stays in the ring buffer.
    return -ECANCELED;
  }
  return 0;
}

bool EventStream::open(int eventsFd, int lostFd, Handler handler, std::string &error) {
  handler_ = std::move(handler);
  lostFd_ = lostFd;
  rb_ = ring_buffer__new(eventsFd, &EventStream::onRecord, this, nullptr);
  if (!rb_) {
    error = std::string("cannot open the events ring buffer: ") + strerror(errno);
    return false;
  }
  return true;
}

int EventStream::poll(int timeoutMs) {
  uint64_t before = received_;
  int n = ring_buffer__poll(rb_, timeoutMs);
  if (n < 0 && n != -EINTR && !stopped_)
    return n;
  if (n == -EINTR)
    return n;
  return int(received_ - before);
}

int EventStream::drain() {
  uint64_t before = received_;
  int n = ring_buffer__consume(rb_);
  if (n < 0 && !stopped_)
    return n;
  return int(received_ - before);
}

uint64_t EventStream::lost() const { return readCounter(lostFd_, 0); }

std::string formatPrintf(const contract::PrintfSpec &spec, const uint8_t *rec, size_t size) {
  std::string out;
  const std::string &f = spec.format;
  size_t arg = 0;
  char buf[512];
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      out += f[i];
      continue;
    }
    if (i + 1 < f.size() && f[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    // %[flags][width][.precision][length]conv
    size_t j = i + 1;
    std::string flags;
    while (j < f.size() && strchr("-+ #0123456789.*", f[j]))
      flags += f[j++];
    while (j < f.size() && strchr("hlLqjzt", f[j]))
      ++j;
    if (j >= f.size())
      break;
    char conv = f[j];
    i = j;
    if (arg >= spec.args.size()) {
      out += "<missing>";
      continue;
    }
    const contract::FormatArg &a = spec.args[arg++];
    if (a.offset + a.size > size) {
      out += "<truncated>";
      continue;
    }
    const uint8_t *p = rec + a.offset;
    std::string fmt = "%" + flags;
    if (a.kind == contract::FormatArg::Kind::KSym || a.kind == contract::FormatArg::Kind::Inet) {
      snprintf(buf, sizeof buf, (fmt + "s").c_str(), renderSymbolicArg(a, p).c_str());
      out += buf;
      continue;
    }
    if (a.kind == contract::FormatArg::Kind::String || conv == 's') {
      std::string s;
      if (a.kind == contract::FormatArg::Kind::String)
        s.assign(reinterpret_cast<const char *>(p), strnlen(reinterpret_cast<const char *>(p), a.size));
      else {
        int64_t v;
        memcpy(&v, p, 8);
        s = std::to_string(v);
      }
      snprintf(buf, sizeof buf, (fmt + "s").c_str(), s.c_str());
      out += buf;
      continue;
    }
    uint64_t v;
    memcpy(&v, p, 8);
    switch (conv) {
    case 'd':
    case 'i':
      snprintf(buf, sizeof buf, (fmt + PRId64).c_str(), int64_t(v));
      break;
    case 'u':
    case 'x':
    case 'X':
    case 'o':
      snprintf(buf, sizeof buf, (fmt + "ll" + conv).c_str(), (unsigned long long)v);
      break;
    case 'c':
      snprintf(buf, sizeof buf, (fmt + "c").c_str(), int(v));
      break;
    case 'p':
      snprintf(buf, sizeof buf, "0x%" PRIx64, v);
      break;
    default:
      snprintf(buf, sizeof buf, "%" PRId64, int64_t(v));
    }
    out += buf;
  }
  return out;
}

} // namespace obs
