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
  uint32_t shape = it->second;
  if (prevStrings_.size() <= shape)
    prevStrings_.resize(shape + 1);
  std::vector<std::string> &strings = prevStrings_[shape];
  strings.resize(ev.args.size());
  put<uint32_t>(rec_, shape);
  put<uint64_t>(rec_, ev.ts);
  const ReplayEvent &p = prev_;
  uint16_t changed = uint16_t(
      (ev.cpu != p.cpu) << 0 | (ev.pid != p.pid) << 1 | (ev.tid != p.tid) << 2 |
      (ev.ppid != p.ppid) << 3 | (ev.uid != p.uid) << 4 |
      (ev.gid != p.gid) << 5 | (ev.cgroup != p.cgroup) << 6 |
      (ev.hasRetval != p.hasRetval || ev.retval != p.retval) << 7 |
      (ev.comm != p.comm) << 8);
  put<uint16_t>(rec_, changed);
  uint32_t scalars[] = {ev.cpu, ev.pid, ev.tid, ev.ppid, ev.uid, ev.gid};
  for (int i = 0; i < 6; ++i)
    if (changed >> i & 1)
      put<uint32_t>(rec_, scalars[i]);
  if (changed >> 6 & 1)
    put<uint64_t>(rec_, ev.cgroup);
  if (changed >> 7 & 1) {
    put<uint8_t>(rec_, ev.hasRetval);
    put<int64_t>(rec_, ev.retval);
  }
  if (changed >> 8 & 1)
    putStr(rec_, ev.comm);
  for (size_t k = 0; k < ev.args.size(); ++k) {
    const ReplayValue &v = ev.args[k].value;
    switch (v.kind) {
    case ReplayValue::Kind::Int: put<int64_t>(rec_, v.i); break;
    case ReplayValue::Kind::String:
      if (v.s == strings[k] && !v.s.empty()) {
        put<uint32_t>(rec_, UINT32_MAX); // the previous event's
      } else {
        putStr(rec_, v.s);
        strings[k] = v.s;
      }
      break;
    case ReplayValue::Kind::IntArray:
      put<uint32_t>(rec_, uint32_t(v.array.size()));
      for (int64_t x : v.array)
        put<int64_t>(rec_, x);
      break;
    }
  }
  prev_.cpu = ev.cpu;
  prev_.pid = ev.pid;
  prev_.tid = ev.tid;
  prev_.ppid = ev.ppid;
  prev_.uid = ev.uid;
  prev_.gid = ev.gid;
  prev_.cgroup = ev.cgroup;
  prev_.hasRetval = ev.hasRetval;
  prev_.retval = ev.retval;
  if (changed >> 8 & 1)
    prev_.comm = ev.comm;
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
    last_ = nullptr;
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
    s.strings.resize(s.names.size());
    shapes_.push_back(std::move(s));
    return true;
  }
  if (tag != 'E')
    return error = std::string("unknown record '") + tag + "'", false;
  uint32_t id = c.get<uint32_t>();
  if (!c.ok || id >= shapes_.size())
    return error = "an event of an undefined shape", false;
  const Shape &s = shapes_[id];
  // ev as the last record left it, of this shape: its strings marked
  // "the previous one" are already there (the reader's callers pass the
  // same event each time and do not change it).
  bool kept =
      last_ == &ev && ev.shape == s.id && ev.args.size() == s.names.size();
  bool commKept = last_ == &ev;
  last_ = &ev;
  if (!kept) {
    ev.shape = 0;
    ev.probe = s.probe;
    ev.args.resize(s.names.size());
    for (size_t k = 0; k < s.names.size(); ++k)
      ev.args[k].name = s.names[k];
  }
  ev.watermarkOnly = false;
  ev.positionalArgs = s.positional;
  ev.ts = c.get<uint64_t>();
  uint16_t changed = c.get<uint16_t>();
  ReplayEvent &p = prev_;
  if (changed & 0x3f) {
    if (changed & 1)
      p.cpu = c.get<uint32_t>();
    if (changed >> 1 & 1)
      p.pid = c.get<uint32_t>();
    if (changed >> 2 & 1)
      p.tid = c.get<uint32_t>();
    if (changed >> 3 & 1)
      p.ppid = c.get<uint32_t>();
    if (changed >> 4 & 1)
      p.uid = c.get<uint32_t>();
    if (changed >> 5 & 1)
      p.gid = c.get<uint32_t>();
  }
  if (changed >> 6 & 1)
    p.cgroup = c.get<uint64_t>();
  if (changed >> 7 & 1) {
    p.hasRetval = c.get<uint8_t>() != 0;
    p.retval = c.get<int64_t>();
  }
  if (changed >> 8 & 1)
    c.str(p.comm);
  ev.cpu = p.cpu;
  ev.pid = p.pid;
  ev.tid = p.tid;
  ev.ppid = p.ppid;
  ev.uid = p.uid;
  ev.gid = p.gid;
  ev.cgroup = p.cgroup;
  ev.hasRetval = p.hasRetval;
  ev.retval = p.retval;
  if ((changed >> 8 & 1) || !commKept)
    ev.comm = p.comm;
  Shape &sh = shapes_[id];
  for (size_t k = 0; c.ok && k < sh.kinds.size(); ++k) {
    ReplayValue &v = ev.args[k].value;
    // Kept: the value is of this kind already, its other members empty.
    if (!kept) {
      v.kind = ReplayValue::Kind(sh.kinds[k]);
      v.s.clear();
      v.array.clear();
    }
    v.i = 0;
    switch (v.kind) {
    case ReplayValue::Kind::Int:
      v.i = c.get<int64_t>();
      break;
    case ReplayValue::Kind::String: {
      uint32_t n = 0;
      if (size_t(c.e - c.p) >= 4)
        std::memcpy(&n, c.p, 4);
      if (n == UINT32_MAX) {
        c.p += 4;
        if (!kept)
          v.s = sh.strings[k];
      } else {
        c.str(v.s);
        sh.strings[k] = v.s;
      }
      break;
    }
    case ReplayValue::Kind::IntArray: {
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
  for (std::vector<std::string> *st : {&ev.kstack, &ev.ustack}) {
    uint16_t n = c.get<uint16_t>();
    if (!c.ok)
      break;
    if (n == 0 && st->empty())
      continue; // the usual event: no stacks
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
