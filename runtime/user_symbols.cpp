//===- user_symbols.cpp - user-space addresses as function+offset ---------===//

#include "runtime/user_symbols.h"

#include "lang/sema/catalog/elf_symbols.h"
#include "runtime/loader.h"
#include "runtime/window/partials.h"

#include <bpf/bpf.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cxxabi.h>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <unordered_map>

namespace obs {

std::vector<UserMapping> parseProcMaps(std::string_view text) {
  // 55d0c8a2d000-55d0c8a2e000 r-xp 00001000 08:01 1234   /usr/bin/true
  std::vector<UserMapping> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos)
      eol = text.size();
    std::string line(text.substr(pos, eol - pos));
    pos = eol + 1;
    unsigned long long start, end, off, inode;
    unsigned major, minor;
    char perms[8] = {};
    int consumed = 0;
    if (sscanf(line.c_str(), "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end,
               perms, &off, &major, &minor, &inode, &consumed) < 7)
      continue;
    UserMapping m;
    m.start = start;
    m.end = end;
    m.fileOffset = off;
    m.dev = (uint64_t(major) << 32) | minor;
    m.inode = inode;
    m.exec = perms[2] == 'x';
    if (consumed > 0 && size_t(consumed) <= line.size())
      m.path = line.substr(size_t(consumed));
    while (!m.path.empty() && (m.path.back() == ' ' || m.path.back() == '\r'))
      m.path.pop_back();
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(),
            [](const UserMapping &a, const UserMapping &b) {
              return a.start < b.start;
            });
  return out;
}

namespace {

std::string hexAddress(uint64_t a) {
  // As bpftrace prints an unknown address (an ostream'd void *).
  if (!a)
    return "0";
  char buf[32];
  snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(a));
  return buf;
}

std::string demangle(const std::string &name) {
  if (name.compare(0, 2, "_Z") != 0)
    return name;
  int status = 0;
  char *d = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  if (!d)
    return name;
  std::string out = status == 0 ? std::string(d) : name;
  free(d);
  return out;
}

/// The separate debug file of a stripped ELF file (its .symtab), found by
/// build ID as gdb and bcc find it: /usr/lib/debug/.build-id/ab/cdef.debug.
std::unique_ptr<ElfSymbols> debugFileOf(const ElfSymbols &elf) {
  bool hasSymtab = std::any_of(elf.functions().begin(), elf.functions().end(),
                               [](const ElfSymbol &s) { return !s.dynamic; });
  const std::string &id = elf.buildId();
  if (hasSymtab || id.size() < 3)
    return nullptr;
  std::string err;
  return ElfSymbols::open("/usr/lib/debug/.build-id/" + id.substr(0, 2) + "/" +
                              id.substr(2) + ".debug",
                          err);
}

/// One ELF file's functions by address.
struct Binary {
  std::unique_ptr<ElfSymbols> elf;   ///< null when unreadable
  std::unique_ptr<ElfSymbols> debug; ///< its debug file's symbols, if stripped
  struct Fn {
    uint64_t address, size;
    const ElfSymbol *sym;
  };
  std::vector<Fn> byAddress;

  explicit Binary(std::unique_ptr<ElfSymbols> e) : elf(std::move(e)) {
    if (!elf)
      return;
    debug = debugFileOf(*elf);
    for (const ElfSymbols *f : {elf.get(), debug.get()})
      if (f)
        for (const ElfSymbol &s : f->functions())
          byAddress.push_back({s.address, s.size, &s});
    // Aliases at one address: the .symtab name, then the one with the fewest
    // leading underscores (getpid before __getpid), then by name.
    auto underscores = [](const std::string &n) {
      return n.find_first_not_of('_');
    };
    std::sort(byAddress.begin(), byAddress.end(),
              [&](const Fn &a, const Fn &b) {
                if (a.address != b.address)
                  return a.address < b.address;
                if (a.sym->dynamic != b.sym->dynamic)
                  return !a.sym->dynamic;
                if (underscores(a.sym->name) != underscores(b.sym->name))
                  return underscores(a.sym->name) < underscores(b.sym->name);
                return a.sym->name < b.sym->name;
              });
  }

  /// The function holding virtual address `va`.
  const Fn *find(uint64_t va) const {
    auto it =
        std::upper_bound(byAddress.begin(), byAddress.end(), va,
                         [](uint64_t v, const Fn &f) { return v < f.address; });
    if (it == byAddress.begin())
      return nullptr;
    --it;
    // Step back to the first alias at this address (the preferred name).
    while (it != byAddress.begin() && std::prev(it)->address == it->address)
      --it;
    // A sized symbol must contain the address; an unsized one (hand-written
    // assembly) takes everything up to the next symbol.
    for (auto j = it; j != byAddress.end() && j->address == it->address; ++j)
      if (j->size == 0 || va < j->address + j->size)
        return &*j;
    return nullptr;
  }
};

struct Process {
  std::vector<UserMapping> maps;
  bool read = false;
  bool gone = false;     ///< a read failed: the process exited unseen
  uint64_t lastRead = 0; ///< monotonic ns of the last read
};

uint64_t nowNs() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

bool readProcMaps(uint32_t pid, std::vector<UserMapping> &out) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
  if (!in)
    return false;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.empty())
    return false; // a zombie: its memory is gone
  out = parseProcMaps(text);
  return true;
}

} // namespace

struct UserSymbolizer::Impl {
  std::mutex mu;
  std::unordered_map<uint32_t, Process> procs;
  std::map<std::string, std::unique_ptr<Binary>>
      binaries; // by dev:inode or path

  Binary &binary(uint32_t pid, const UserMapping &m) {
    std::string key =
        m.inode ? std::to_string(m.dev) + ":" + std::to_string(m.inode)
                : m.path;
    auto it = binaries.find(key);
    if (it != binaries.end())
      return *it->second;
    // The file the process mapped: its path here, else (another mount
    // namespace, a deleted or replaced file) the process's view of it. A
    // candidate whose inode is not the mapping's is the wrong file (a
    // container's /usr/lib/libc.so.6 is not ours); it is used only when
    // nothing better opens.
    char range[64];
    snprintf(range, sizeof range, "/%llx-%llx",
             static_cast<unsigned long long>(m.start),
             static_cast<unsigned long long>(m.end));
    std::string proc = "/proc/" + std::to_string(pid);
    std::vector<std::string> paths = {m.path};
    if (pid)
      paths.insert(paths.end(),
                   {proc + "/root" + m.path, proc + "/map_files" + range});
    std::unique_ptr<ElfSymbols> elf, fallback;
    for (const std::string &path : paths) {
      struct stat st;
      if (stat(path.c_str(), &st) != 0)
        continue;
      std::string err;
      auto e = ElfSymbols::open(path, err);
      if (!e)
        continue;
      if (!m.inode || st.st_ino == m.inode) {
        elf = std::move(e);
        break;
      }
      if (!fallback)
        fallback = std::move(e);
    }
    if (!elf)
      elf = std::move(fallback);
    auto &slot = binaries[key];
    slot = std::make_unique<Binary>(std::move(elf));
    return *slot;
  }

  const UserMapping *mappingOf(const Process &p, uint64_t addr) {
    auto it = std::upper_bound(
        p.maps.begin(), p.maps.end(), addr,
        [](uint64_t a, const UserMapping &m) { return a < m.start; });
    if (it == p.maps.begin())
      return nullptr;
    --it;
    return addr < it->end ? &*it : nullptr;
  }
};

UserSymbolizer::UserSymbolizer() : impl_(std::make_unique<Impl>()) {}
UserSymbolizer::~UserSymbolizer() = default;

bool UserSymbolizer::snapshot(uint32_t pid) {
  std::lock_guard<std::mutex> l(impl_->mu);
  Process &p = impl_->procs[pid];
  if (p.read || p.gone)
    return p.read;
  p.read = readProcMaps(pid, p.maps);
  p.gone = !p.read;
  p.lastRead = nowNs();
  return p.read;
}

void UserSymbolizer::setMappings(uint32_t pid, std::vector<UserMapping> maps) {
  std::lock_guard<std::mutex> l(impl_->mu);
  std::sort(maps.begin(), maps.end(),
            [](const UserMapping &a, const UserMapping &b) {
              return a.start < b.start;
            });
  Process &p = impl_->procs[pid];
  p.maps = std::move(maps);
  p.read = true;
}

bool UserSymbolizer::known(uint32_t pid) const {
  std::lock_guard<std::mutex> l(impl_->mu);
  auto it = impl_->procs.find(pid);
  return it != impl_->procs.end() && it->second.read;
}

UserSymbol UserSymbolizer::resolve(uint32_t pid, uint64_t addr) {
  UserSymbol out;
  if (!pid)
    return out;
  std::lock_guard<std::mutex> l(impl_->mu);
  Process &p = impl_->procs[pid];
  if (!p.read && !p.gone) {
    p.read = readProcMaps(pid, p.maps);
    p.gone = !p.read;
    p.lastRead = nowNs();
  }
  const UserMapping *m = impl_->mappingOf(p, addr);
  // Not mapped when last read: read again if the process still lives (a
  // library mapped since), at most every 100 ms per process.
  if (!m && !p.gone && nowNs() - p.lastRead > 100000000ull) {
    std::vector<UserMapping> fresh;
    p.lastRead = nowNs();
    if (readProcMaps(pid, fresh)) {
      p.maps = std::move(fresh);
      p.read = true;
      m = impl_->mappingOf(p, addr);
    }
  }
  if (!m || m->path.empty())
    return out;
  out.module = m->path;
  if (m->path[0] != '/') // [vdso], [heap], [stack]: no file to read
    return out;
  Binary &b = impl_->binary(pid, *m);
  if (!b.elf)
    return out;
  uint64_t va = 0;
  if (!b.elf->addressOfFileOffset(addr - m->start + m->fileOffset, va))
    return out;
  if (const Binary::Fn *f = b.find(va)) {
    out.name = demangle(f->sym->name);
    out.offset = va - f->address;
  }
  return out;
}

std::string UserSymbolizer::text(uint32_t pid, uint64_t addr, bool offset,
                                 bool module) {
  UserSymbol s = resolve(pid, addr);
  if (s.name.empty())
    return hexAddress(addr) + (module ? " ([unknown])" : "");
  std::string t = s.name;
  if (offset)
    t += "+" + std::to_string(s.offset);
  if (module)
    t += " (" + s.module + ")";
  return t;
}

UserSymbolizer &userSymbolizer() {
  static UserSymbolizer s;
  return s;
}

void snapshotMapPids(const Loader &loader) {
  using K = contract::KeyField::Kind;
  static std::set<uint32_t> seen; // pids already snapshotted (or found gone)
  for (const contract::MapSpec &m : loader.spec().maps) {
    if (m.isArray)
      continue;
    // Alert exemplars: their ustack is printed when the window closes,
    // often after the process exited.
    if (!m.exemplarMap.empty())
      if (int efd = loader.mapFd(m.exemplarMap); efd >= 0) {
        std::vector<uint8_t> key(m.keySize), next(m.keySize);
        obs_exemplar_slot slot;
        const void *prev = nullptr;
        while (bpf_map_get_next_key(efd, prev, next.data()) == 0) {
          key.swap(next);
          prev = key.data();
          if (bpf_map_lookup_elem(efd, key.data(), &slot) == 0 &&
              slot.ex.ustack_id >= 0 && slot.ex.pid &&
              seen.insert(slot.ex.pid).second)
            userSymbolizer().snapshot(slot.ex.pid);
        }
      }
    std::vector<uint32_t> offsets;
    for (const contract::KeyField &f : m.key)
      if ((f.kind == K::UStack || f.kind == K::USym) && f.size >= 16)
        offsets.push_back(f.offset + 8);
    if (offsets.empty())
      continue;
    int fd = loader.mapFd(m.bpfName);
    if (fd < 0)
      continue;
    std::vector<uint8_t> key(m.keySize), next(m.keySize);
    const void *prev = nullptr;
    while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
      key.swap(next);
      prev = key.data();
      for (uint32_t off : offsets) {
        uint64_t pid = 0;
        if (off + 8 <= key.size())
          std::copy(key.begin() + off, key.begin() + off + 8,
                    reinterpret_cast<uint8_t *>(&pid));
        if (pid && pid <= UINT32_MAX && seen.insert(uint32_t(pid)).second)
          userSymbolizer().snapshot(uint32_t(pid));
      }
    }
  }
}

} // namespace obs
