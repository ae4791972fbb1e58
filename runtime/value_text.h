//===- value_text.h - buf() and strftime() values as text -----------------===//
//
// Values the kernel hands over as bytes and user space renders (contract.h:
// FormatArg/KeyField kinds Buffer and Timestamp), for printf records and map
// dumps alike. No dependency on runtime/output, so map readers built alone
// (obs-codegen-test, obs-e2e) link it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/contract.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace obs {

/// `ab\x01`: bytes 0x20..0x7e as they are, others as \xNN (bpftrace's %r).
std::string escapeBufferBytes(std::string_view bytes);

/// The bytes of a buffer value of `size` bytes: a uint64 length, then at
/// most size - 8 bytes.
std::string bufferBytes(const uint8_t *p, uint32_t size);

/// strftime(fmt, nsecs) as bpftrace prints it: `nsecs` is CLOCK_MONOTONIC
/// (bpf_ktime_get_ns), turned into local wall-clock time with the boot time
/// (CLOCK_REALTIME - CLOCK_MONOTONIC, taken once); `%f` is the microseconds
/// (6 digits). An empty result prints as "(?)".
std::string formatTimestamp(std::string_view fmt, uint64_t nsecs);

/// Replaces the boot time formatTimestamp adds (ns of CLOCK_REALTIME at
/// CLOCK_MONOTONIC 0): `obsc test` sets 0, so that a replay prints the same
/// times on every machine, as its time() does (event time from the epoch).
void setTimestampBootTime(int64_t ns);

/// A Buffer value hex-escaped, or a Timestamp value formatted with its
/// format from `formats` ("(?)" without one). `p` holds `size` bytes.
std::string renderValueArg(contract::FormatArg::Kind kind, const uint8_t *p,
                           uint32_t size,
                           const std::vector<contract::PrintfSpec> *formats);

} // namespace obs
