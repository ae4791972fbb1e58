//===- event_binary.cpp - the binary events format ------------------------===//

#include "runtime/replay/event_binary.h"

#include <cstring>

namespace obs::replay {

bool isBinaryEventsPath(std::string_view path) {
  return path.size() > 5 && path.substr(path.size() - 5) == ".obsb";
}

namespace {

template <typename T> void put(std::string &out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}
void putStr(std::string &out, std::string_view s) {
  put<uint32_t>(out, uint32_t(s.size()));
  out.append(s);
}

/// A cursor over one record's body.
struct Cursor {
  const char *p, *e;
  bool ok = true;
  template <typename T> T get() {
    T v{};
    if (size_t(e - p) < sizeof(T)) {
      ok = false;
      return v;
    }
    std::memcpy(&v, p, sizeof(T));
    p += sizeof(T);
    return v;
  }
  void str(std::string &out) {
    uint32_t n = get<uint32_t>();
    if (!ok || size_t(e - p) < n) {
      ok = false;
      return;
    }
    out.assign(p, n);
    p += n;
  }
};

} // namespace

BinaryEventWriter::BinaryEventWriter(std::ostream &out) : out_(out) {
  out_.write(kBinaryEventsMagic.data(),
             std::streamsize(kBinaryEventsMagic.size()));
}

void BinaryEventWriter::write(const ReplayEvent &ev) {
  auto emit = [&](char tag) {
    out_.put(tag);
    uint32_t n = uint32_t(rec_.size());
    out_.write(reinterpret_cast<const char *>(&n), 4);
    out_.write(rec_.data(), std::streamsize(rec_.size()));
  };
  rec_.clear();
  if (ev.watermarkOnly) {
    put<uint64_t>(rec_, ev.ts);
    emit('W');
    return;
  }
  key_.clear();
  putStr(key_, ev.probe);
  put<uint8_t>(key_, ev.positionalArgs);
  put<uint16_t>(key_, uint16_t(ev.args.size()));
  for (const ReplayArg &a : ev.args) {
    putStr(key_, a.name);
    put<uint8_t>(key_, uint8_t(a.value.kind));
  }
  auto [it, added] = shapes_.emplace(key_, uint32_t(shapes_.size()));
  if (added) {
    put<uint32_t>(rec_, it->second);
    rec_ += key_;
    emit('S');
    rec_.clear();
  }
  put<uint32_t>(rec_, it->second);
  put<uint64_t>(rec_, ev.ts);
  for (uint32_t v : {ev.cpu, ev.pid, ev.tid, ev.ppid, ev.uid, ev.gid})
    put<uint32_t>(rec_, v);
  put<uint64_t>(rec_, ev.cgroup);
  put<uint8_t>(rec_, ev.hasRetval);
  put<int64_t>(rec_, ev.retval);
  putStr(rec_, ev.comm);
  for (const ReplayArg &a : ev.args) {
    switch (a.value.kind) {
    case ReplayValue::Kind::Int: put<int64_t>(rec_, a.value.i); break;
    case ReplayValue::Kind::String: putStr(rec_, a.value.s); break;
    case ReplayValue::Kind::IntArray:
      put<uint32_t>(rec_, uint32_t(a.value.array.size()));
      for (int64_t x : a.value.array)
        put<int64_t>(rec_, x);
      break;
    }
  }
  for (const auto *st : {&ev.kstack, &ev.ustack}) {
    put<uint16_t>(rec_, uint16_t(st->size()));
    for (const std::string &f : *st)
      putStr(rec_, f);
  }
  emit('E');
}

bool BinaryEventDecoder::decode(char tag, std::string_view body,
                                ReplayEvent &ev, bool &isEvent,
                                std::string &error) {
  Cursor c{body.data(), body.data() + body.size()};
  isEvent = false;
  if (tag == 'W') {
    uint64_t ts = c.get<uint64_t>();
    if (!c.ok)
      return error = "truncated watermark record", false;
    ev.reset();
    ev.watermarkOnly = true;
    ev.ts = ts;
    isEvent = true;
    return true;
  }
  if (tag == 'S') {
    uint32_t id = c.get<uint32_t>();
    Shape s;
    c.str(s.probe);
    s.positional = c.get<uint8_t>() != 0;
    uint16_t n = c.get<uint16_t>();
    for (uint16_t i = 0; c.ok && i < n; ++i) {
      s.names.emplace_back();
      c.str(s.names.back());
      s.kinds.push_back(c.get<uint8_t>());
      if (s.kinds.back() > uint8_t(ReplayValue::Kind::IntArray))
        c.ok = false;
    }
    if (!c.ok || id != shapes_.size())
      return error = "malformed shape record", false;
    s.id = newEventShape();
    shapes_.push_back(std::move(s));
    return true;
  }
  if (tag != 'E')
    return error = std::string("unknown record '") + tag + "'", false;
  uint32_t id = c.get<uint32_t>();
  if (!c.ok || id >= shapes_.size())
    return error = "an event of an undefined shape", false;
  const Shape &s = shapes_[id];
  if (ev.shape != s.id || ev.args.size() != s.names.size()) {
    ev.shape = 0;
    ev.probe = s.probe;
    ev.args.resize(s.names.size());
    for (size_t k = 0; k < s.names.size(); ++k)
      ev.args[k].name = s.names[k];
  }
  ev.watermarkOnly = false;
  ev.positionalArgs = s.positional;
  ev.ts = c.get<uint64_t>();
  ev.cpu = c.get<uint32_t>();
  ev.pid = c.get<uint32_t>();
  ev.tid = c.get<uint32_t>();
  ev.ppid = c.get<uint32_t>();
  ev.uid = c.get<uint32_t>();
  ev.gid = c.get<uint32_t>();
  ev.cgroup = c.get<uint64_t>();
  ev.hasRetval = c.get<uint8_t>() != 0;
  ev.retval = c.get<int64_t>();
  c.str(ev.comm);
  for (size_t k = 0; c.ok && k < s.kinds.size(); ++k) {
    ReplayValue &v = ev.args[k].value;
    v.kind = ReplayValue::Kind(s.kinds[k]);
    v.i = 0;
    switch (v.kind) {
    case ReplayValue::Kind::Int:
      v.s.clear();
      v.array.clear();
      v.i = c.get<int64_t>();
      break;
    case ReplayValue::Kind::String:
      v.array.clear();
      c.str(v.s);
      break;
    case ReplayValue::Kind::IntArray: {
      v.s.clear();
      uint32_t n = c.get<uint32_t>();
      if (!c.ok || size_t(c.e - c.p) / 8 < n) {
        c.ok = false;
        break;
      }
      v.array.resize(n);
      for (uint32_t i = 0; i < n; ++i)
        v.array[i] = c.get<int64_t>();
      break;
    }
    }
  }
  for (auto *st : {&ev.kstack, &ev.ustack}) {
    uint16_t n = c.get<uint16_t>();
    if (!c.ok)
      break;
    st->resize(n);
    for (uint16_t i = 0; c.ok && i < n; ++i)
      c.str((*st)[i]);
  }
  if (!c.ok || c.p != c.e)
    return error = "malformed event record", false;
  ev.shape = s.id;
  isEvent = true;
  return true;
}

} // namespace obs::replay
