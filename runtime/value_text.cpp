//===- value_text.cpp - buf() and strftime() values as text ---------------===//

#include "runtime/value_text.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace obs {

std::string escapeBufferBytes(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char tmp[8];
      std::snprintf(tmp, sizeof tmp, "\\x%02x", c);
      out += tmp;
    }
  }
  return out;
}

std::string bufferBytes(const uint8_t *p, uint32_t size) {
  if (size < contract::kBufferHeader)
    return {};
  uint64_t len;
  std::memcpy(&len, p, 8);
  len = std::min<uint64_t>(len, size - contract::kBufferHeader);
  return std::string(
      reinterpret_cast<const char *>(p + contract::kBufferHeader), len);
}

namespace {
bool gFixedBoot = false;
timespec gBoot{};
} // namespace

void setTimestampBootTime(int64_t ns) {
  gFixedBoot = true;
  gBoot = timespec{time_t(ns / 1000000000), long(ns % 1000000000)};
}

std::string formatTimestamp(std::string_view fmt, uint64_t nsecs) {
  // The boot time on the wall clock, once per run, as bpftrace does.
  static const timespec liveBoot = [] {
    timespec rt{}, mono{};
    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    int64_t ns = (int64_t(rt.tv_sec) - mono.tv_sec) * 1000000000 +
                 (rt.tv_nsec - mono.tv_nsec);
    return timespec{time_t(ns / 1000000000), long(ns % 1000000000)};
  }();
  const timespec &boot = gFixedBoot ? gBoot : liveBoot;
  uint64_t ns = nsecs % 1000000000 + uint64_t(boot.tv_nsec);
  time_t sec =
      time_t(nsecs / 1000000000) + boot.tv_sec + time_t(ns / 1000000000);
  ns %= 1000000000;
  // %f: microseconds, 6 digits (bpftrace's extension); %% stays for strftime.
  std::string f;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] == '%' && i + 1 < fmt.size() && fmt[i + 1] == 'f') {
      char us[16];
      std::snprintf(us, sizeof us, "%06llu",
                    static_cast<unsigned long long>(ns / 1000));
      f += us;
      ++i;
    } else if (fmt[i] == '%' && i + 1 < fmt.size()) {
      f += fmt.substr(i, 2);
      ++i;
    } else {
      f += fmt[i];
    }
  }
  tm local{};
  localtime_r(&sec, &local);
  char out[512];
  size_t n = f.empty() ? 0 : std::strftime(out, sizeof out, f.c_str(), &local);
  if (n == 0)
    return "(?)";
  return std::string(out, n);
}

std::string renderValueArg(contract::FormatArg::Kind kind, const uint8_t *p,
                           uint32_t size,
                           const std::vector<contract::PrintfSpec> *formats) {
  if (kind == contract::FormatArg::Kind::Buffer)
    return escapeBufferBytes(bufferBytes(p, size));
  if (kind == contract::FormatArg::Kind::Timestamp && size >= 16) {
    uint64_t id, ns;
    std::memcpy(&id, p, 8);
    std::memcpy(&ns, p + 8, 8);
    if (formats && id < formats->size())
      return formatTimestamp((*formats)[id].format, ns);
    return "(?)";
  }
  return {};
}

} // namespace obs
