//===- catalog.cpp - what can be probed on this machine, with which types -===//
//
// tracefs, kprobe lists and ELF resolution here; BTF in btf_source.cpp.
//
//===----------------------------------------------------------------------===//
#include "lang/sema/catalog/catalog.h"

#include "lang/sema/catalog/btf_source.h"

#include <cerrno>
#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

namespace obs {

namespace {

bool isDir(const std::string &p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool isFile(const std::string &p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// Names in a directory (no dot entries), sorted; only subdirectories when
/// `dirsOnly`.
std::vector<std::string> listDir(const std::string &dir, bool dirsOnly) {
  std::vector<std::string> out;
  DIR *d = ::opendir(dir.c_str());
  if (!d)
    return out;
  while (struct dirent *e = ::readdir(d)) {
    if (e->d_name[0] == '.')
      continue;
    if (dirsOnly) {
      bool sub = e->d_type == DT_DIR;
      if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK)
        sub = isDir(dir + "/" + e->d_name);
      if (!sub)
        continue;
    }
    out.push_back(e->d_name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

bool readFile(const std::string &path, std::string &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

bool startsWith(const std::string &s, const char *p) {
  return s.compare(0, std::strlen(p), p) == 0;
}

/// Drops `const`/`volatile` words from a C type spelling.
std::string stripQualifiers(std::string t) {
  for (const char *q : {"const ", "volatile ", " const", " volatile"}) {
    size_t pos;
    while ((pos = t.find(q)) != std::string::npos)
      t.erase(pos, std::strlen(q));
  }
  return trim(t);
}

/// Byte size of a C base type spelled in a format file, 0 when unknown.
unsigned baseTypeSize(const std::string &t) {
  static const std::map<std::string, unsigned> sizes = {
      {"char", 1},
      {"signed char", 1},
      {"unsigned char", 1},
      {"bool", 1},
      {"_Bool", 1},
      {"short", 2},
      {"unsigned short", 2},
      {"int", 4},
      {"unsigned int", 4},
      {"unsigned", 4},
      {"long", 8},
      {"unsigned long", 8},
      {"long long", 8},
      {"unsigned long long", 8},
      {"u8", 1},
      {"s8", 1},
      {"__u8", 1},
      {"__s8", 1},
      {"u16", 2},
      {"s16", 2},
      {"__u16", 2},
      {"__s16", 2},
      {"u32", 4},
      {"s32", 4},
      {"__u32", 4},
      {"__s32", 4},
      {"u64", 8},
      {"s64", 8},
      {"__u64", 8},
      {"__s64", 8},
      {"pid_t", 4},
      {"uid_t", 4},
      {"gid_t", 4},
      {"size_t", 8},
      {"ssize_t", 8},
      {"loff_t", 8},
      {"dev_t", 4},
      {"sector_t", 8},
      {"gfp_t", 4},
      {"umode_t", 2},
      {"__be16", 2},
      {"__be32", 4},
      {"__le16", 2},
      {"__le32", 4},
      {"ino_t", 8}};
  auto it = sizes.find(t);
  return it == sizes.end() ? 0 : it->second;
}

bool isCharType(const std::string &t) {
  return t == "char" || t == "signed char" || t == "unsigned char";
}

const std::vector<std::string> &standardLibraryDirs() {
  static const std::vector<std::string> dirs = {"/lib/x86_64-linux-gnu",
                                                "/usr/lib/x86_64-linux-gnu",
                                                "/lib64",
                                                "/usr/lib64",
                                                "/lib",
                                                "/usr/lib",
                                                "/usr/local/lib"};
  return dirs;
}

bool isElf(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in && std::memcmp(magic, "\177ELF", 4) == 0;
}

} // namespace

ProbeCatalog::ProbeCatalog(TypeTable &types, CatalogOptions options)
    : types_(types), options_(std::move(options)) {}

ProbeCatalog::~ProbeCatalog() = default;

//===-- tracefs -----------------------------------------------------------===//

const std::string &ProbeCatalog::tracefsDir() {
  if (tracefsProbed_)
    return tracefsDir_;
  tracefsProbed_ = true;
  if (!options_.tracefsDir.empty()) {
    if (isDir(options_.tracefsDir + "/events"))
      tracefsDir_ = options_.tracefsDir;
    else
      tracefsError_ = options_.tracefsDir + " has no events/ directory";
    return tracefsDir_;
  }
  for (const char *d : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"})
    if (isDir(std::string(d) + "/events")) {
      tracefsDir_ = d;
      return tracefsDir_;
    }
  if (::geteuid() == 0 &&
      ::mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr) == 0 &&
      isDir("/sys/kernel/tracing/events")) {
    tracefsDir_ = "/sys/kernel/tracing";
    return tracefsDir_;
  }
  // Mounted but unreadable is the usual case for a user without root.
  if (::access("/sys/kernel/tracing", F_OK) == 0 &&
      ::access("/sys/kernel/tracing", R_OK | X_OK) != 0 && errno == EACCES) {
    tracefsError_ = "permission denied reading /sys/kernel/tracing; run as root, or "
                    "pass --tracefs DIR with a copy of its events/ format files";
    return tracefsDir_;
  }
  tracefsError_ = "tracefs is not mounted (tried /sys/kernel/tracing and "
                  "/sys/kernel/debug/tracing)";
  return tracefsDir_;
}

std::vector<std::string> ProbeCatalog::tracepointCategories() {
  if (!categories_) {
    const std::string &root = tracefsDir();
    categories_ = root.empty() ? std::vector<std::string>{}
                               : listDir(root + "/events", true);
  }
  return *categories_;
}

std::vector<std::string>
ProbeCatalog::tracepointEvents(const std::string &category) {
  auto it = eventsByCategory_.find(category);
  if (it != eventsByCategory_.end())
    return it->second;
  std::vector<std::string> events;
  const std::string &root = tracefsDir();
  if (!root.empty() && category.find('/') == std::string::npos &&
      category != "..")
    events = listDir(root + "/events/" + category, true);
  eventsByCategory_[category] = events;
  return events;
}

bool ProbeCatalog::hasTracepoint(const std::string &category,
                                 const std::string &event) {
  const std::string &root = tracefsDir();
  return !root.empty() && category.find('/') == std::string::npos &&
         event.find('/') == std::string::npos &&
         isFile(root + "/events/" + category + "/" + event + "/format");
}

std::vector<TracepointName>
ProbeCatalog::matchTracepoints(const std::string &catPattern,
                               const std::string &eventPattern) {
  std::vector<TracepointName> out;
  std::vector<std::string> cats;
  if (hasWildcard(catPattern))
    cats = wildcardFilter(catPattern, tracepointCategories());
  else
    cats.push_back(catPattern);
  for (const std::string &c : cats) {
    if (!hasWildcard(eventPattern)) {
      if (hasTracepoint(c, eventPattern))
        out.push_back({c, eventPattern});
      continue;
    }
    for (const std::string &e :
         wildcardFilter(eventPattern, tracepointEvents(c)))
      out.push_back({c, e});
  }
  return out;
}

const Type *ProbeCatalog::tracepointArgs(const std::string &category,
                                         const std::string &event,
                                         std::string &err) {
  TracepointName key{category, event};
  if (auto it = tracepointArgs_.find(key); it != tracepointArgs_.end())
    return it->second;
  const std::string &root = tracefsDir();
  if (root.empty()) {
    err = tracefsError_;
    return nullptr;
  }
  if (category.find('/') != std::string::npos ||
      event.find('/') != std::string::npos) {
    err = "bad tracepoint name '" + category + ":" + event + "'";
    return nullptr;
  }
  std::string text;
  if (!readFile(root + "/events/" + category + "/" + event + "/format", text)) {
    err = "tracepoint '" + category + ":" + event + "' does not exist";
    return nullptr;
  }
  const Type *t = parseFormat(category, event, text, err);
  if (t)
    tracepointArgs_[key] = t;
  return t;
}

const Type *ProbeCatalog::parseFormat(const std::string &category,
                                      const std::string &event,
                                      const std::string &text,
                                      std::string &err) {
  std::string recName = "args of " + category + ":" + event;
  if (const Type *existing = types_.record(recName);
      existing && (existing->size || !existing->fields.empty()))
    return existing;
  std::vector<Field> fields;
  uint32_t recordSize = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (!startsWith(line, "field:"))
      continue;
    // field:DECL;	offset:N;	size:N;	signed:N;
    std::string decl;
    long offset = -1, size = -1, isSigned = 0;
    std::istringstream parts(line);
    std::string part;
    while (std::getline(parts, part, ';')) {
      part = trim(part);
      if (startsWith(part, "field:"))
        decl = trim(part.substr(6));
      else if (startsWith(part, "offset:"))
        offset = std::strtol(part.c_str() + 7, nullptr, 10);
      else if (startsWith(part, "size:"))
        size = std::strtol(part.c_str() + 5, nullptr, 10);
      else if (startsWith(part, "signed:"))
        isSigned = std::strtol(part.c_str() + 7, nullptr, 10);
    }
    if (decl.empty() || offset < 0 || size < 0) {
      err = "malformed field line in format of " + category + ":" + event +
            ": " + line;
      return nullptr;
    }
    recordSize = std::max<uint32_t>(recordSize, offset + size);
    std::string name;
    const Type *ft = formatFieldType(decl, size, isSigned != 0, name);
    if (name.empty()) {
      err = "cannot read field '" + decl + "' in format of " + category + ":" +
            event;
      return nullptr;
    }
    if (startsWith(name, "common_"))
      continue;
    Field f;
    f.name = name;
    f.type = ft;
    f.offset = static_cast<uint32_t>(offset);
    fields.push_back(std::move(f));
  }
  if (recordSize == 0) {
    err = "format of " + category + ":" + event + " has no fields";
    return nullptr;
  }
  Type *rec = types_.createRecord(recName);
  if (!rec)
    return types_.record(recName);
  rec->fields = std::move(fields);
  rec->size = recordSize;
  return rec;
}

const Type *ProbeCatalog::formatFieldType(const std::string &declIn,
                                          uint32_t size, bool isSigned,
                                          std::string &name) {
  std::string decl = trim(declIn);
  // Split "TYPE NAME[DIMS]" into the parts.
  std::string dims;
  if (!decl.empty() && decl.back() == ']') {
    size_t open = decl.rfind('[');
    // "__data_loc char[] filename" ends in a name, not brackets; only a
    // bracket right after an identifier is the field's own dimension.
    if (open != std::string::npos && open > 0 &&
        (std::isalnum(static_cast<unsigned char>(decl[open - 1])) ||
         decl[open - 1] == '_')) {
      dims = decl.substr(open + 1, decl.size() - open - 2);
      decl.resize(open);
    }
  }
  size_t end = decl.size();
  size_t begin = end;
  while (begin > 0 &&
         (std::isalnum(static_cast<unsigned char>(decl[begin - 1])) ||
          decl[begin - 1] == '_'))
    --begin;
  name = decl.substr(begin, end - begin);
  std::string type = stripQualifiers(decl.substr(0, begin));

  if (startsWith(type, "__data_loc")) {
    std::string elem = stripQualifiers(type.substr(10));
    if (elem.size() >= 2 && elem.compare(elem.size() - 2, 2, "[]") == 0)
      elem = trim(elem.substr(0, elem.size() - 2));
    return isCharType(elem) ? types_.string(0) : types_.buffer(0);
  }

  if (!type.empty() && type.back() == '*') {
    std::string pointee = stripQualifiers(type.substr(0, type.size() - 1));
    if (!pointee.empty() &&
        pointee.back() == '*') // T **: a pointer to a pointer
      return types_.pointer(types_.pointer(types_.voidType()));
    if (isCharType(pointee))
      return types_.pointer(types_.integer(8, pointee != "unsigned char"));
    if (startsWith(pointee, "struct ") || startsWith(pointee, "union ")) {
      const Type *r = hasBtf() ? btf_->typeByName(pointee) : nullptr;
      return types_.pointer(r ? r : types_.voidType());
    }
    if (unsigned n = baseTypeSize(pointee))
      return types_.pointer(types_.integer(
          n * 8, !startsWith(pointee, "u") && !startsWith(pointee, "__u") &&
                     pointee.find("unsigned") == std::string::npos));
    return types_.pointer(types_.voidType());
  }

  if (!dims.empty() || type.find('[') != std::string::npos) {
    unsigned n = 0;
    if (!dims.empty() && std::isdigit(static_cast<unsigned char>(dims[0])))
      n = static_cast<unsigned>(std::strtoul(dims.c_str(), nullptr, 10));
    unsigned elemSize = n ? size / n : baseTypeSize(type);
    if (!elemSize)
      elemSize = 1;
    if (!n)
      n = size / elemSize;
    if (isCharType(type) && elemSize == 1)
      return types_.string(n);
    if (elemSize == 1 || elemSize == 2 || elemSize == 4 || elemSize == 8)
      return types_.array(types_.integer(elemSize * 8, isSigned), n);
    return types_.array(types_.integer(8, false), size);
  }

  if (size == 1 || size == 2 || size == 4 || size == 8)
    return types_.integer(size * 8, isSigned);
  if ((startsWith(type, "struct ") || startsWith(type, "union ")) && hasBtf())
    if (const Type *r = btf_->typeByName(type); r && r->size == size)
      return r;
  return types_.array(types_.integer(8, false), size);
}

//===-- BTF ---------------------------------------------------------------===//

BtfSource *ProbeCatalog::btf() {
  if (!btfProbed_) {
    btfProbed_ = true;
    if (options_.btfPath.empty())
      btfError_ = "no BTF configured";
    else
      btf_ = BtfSource::load(types_, options_.btfPath, btfError_);
  }
  return btf_.get();
}

bool ProbeCatalog::hasBtf() { return btf() != nullptr; }

const std::string &ProbeCatalog::btfError() {
  btf();
  return btfError_;
}

const Type *ProbeCatalog::btfType(const std::string &name) {
  return btf() ? btf_->typeByName(name) : nullptr;
}

const std::vector<std::string> &ProbeCatalog::kernelFunctions() {
  static const std::vector<std::string> none;
  return btf() ? btf_->functionNames() : none;
}

bool ProbeCatalog::hasKernelFunction(const std::string &name) {
  return btf() && btf_->hasFunction(name);
}

std::vector<std::string>
ProbeCatalog::matchKernelFunctions(const std::string &pattern) {
  return wildcardFilter(pattern, kernelFunctions());
}

std::optional<FunctionSignature>
ProbeCatalog::kernelFunction(const std::string &name, std::string &err) {
  if (!btf()) {
    err = btfError_;
    return std::nullopt;
  }
  return btf_->function(name, err);
}

const std::vector<std::string> &ProbeCatalog::rawTracepoints() {
  static const std::vector<std::string> none;
  return btf() ? btf_->rawTracepointNames() : none;
}

std::vector<std::string>
ProbeCatalog::matchRawTracepoints(const std::string &pattern) {
  return wildcardFilter(pattern, rawTracepoints());
}

std::optional<FunctionSignature>
ProbeCatalog::rawTracepoint(const std::string &name, std::string &err) {
  if (!btf()) {
    err = btfError_;
    return std::nullopt;
  }
  return btf_->rawTracepoint(name, err);
}

//===-- kprobes -----------------------------------------------------------===//

const std::vector<std::string> &ProbeCatalog::availableFilterFunctions() {
  if (!filterFunctions_) {
    filterFunctions_.emplace();
    const std::string &root = tracefsDir();
    std::ifstream in(root.empty() ? std::string()
                                  : root + "/available_filter_functions");
    std::string line;
    while (in && std::getline(in, line)) {
      // "vfs_read" or "ext4_foo [ext4]"
      size_t sp = line.find_first_of(" \t");
      if (sp != std::string::npos)
        line.resize(sp);
      if (!line.empty())
        filterFunctions_->push_back(line);
    }
    std::sort(filterFunctions_->begin(), filterFunctions_->end());
    filterFunctions_->erase(
        std::unique(filterFunctions_->begin(), filterFunctions_->end()),
        filterFunctions_->end());
  }
  return *filterFunctions_;
}

std::vector<std::string>
ProbeCatalog::matchKprobeFunctions(const std::string &pattern) {
  const auto &avail = availableFilterFunctions();
  return wildcardFilter(pattern, avail.empty() ? kernelFunctions() : avail);
}

//===-- uprobes -----------------------------------------------------------===//

std::string ProbeCatalog::resolveBinary(const std::string &name,
                                        std::string &err) {
  if (name.empty()) {
    err = "empty binary name";
    return "";
  }
  if (name.find('/') != std::string::npos) {
    char buf[PATH_MAX];
    if (!::realpath(name.c_str(), buf) || !isFile(buf)) {
      err = "binary '" + name + "' does not exist";
      return "";
    }
    return buf;
  }
  bool library =
      startsWith(name, "lib") || name.find(".so") != std::string::npos;
  if (library) {
    const auto &dirs = options_.libraryDirs.empty() ? standardLibraryDirs()
                                                    : options_.libraryDirs;
    for (const std::string &dir : dirs) {
      // Exact file name first, then NAME.so, then the shortest NAME.so.*
      // that is ELF (libc.so is a linker script; libc.so.6 is the library).
      std::string best;
      for (const std::string &cand :
           {dir + "/" + name, dir + "/" + name + ".so"})
        if (isFile(cand) && isElf(cand)) {
          best = cand;
          break;
        }
      if (best.empty())
        for (const std::string &e : listDir(dir, false))
          if (startsWith(e, (name + ".so.").c_str()) && isElf(dir + "/" + e) &&
              (best.empty() || dir.size() + 1 + e.size() < best.size()))
            best = dir + "/" + e;
      if (!best.empty()) {
        char buf[PATH_MAX];
        return ::realpath(best.c_str(), buf) ? std::string(buf) : best;
      }
    }
  }
  if (const char *path = std::getenv("PATH")) {
    std::istringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      std::string cand = (dir.empty() ? "." : dir) + "/" + name;
      if (isFile(cand) && ::access(cand.c_str(), X_OK) == 0) {
        char buf[PATH_MAX];
        return ::realpath(cand.c_str(), buf) ? std::string(buf) : cand;
      }
    }
  }
  err = library ? "library '" + name + "' not found in the library directories"
                : "binary '" + name + "' not found in PATH";
  return "";
}

const ElfSymbols *ProbeCatalog::elf(const std::string &pathOrName,
                                    std::string &err) {
  std::string path = resolveBinary(pathOrName, err);
  if (path.empty())
    return nullptr;
  auto it = elfs_.find(path);
  if (it == elfs_.end()) {
    auto e = ElfSymbols::open(path, err);
    if (!e)
      return nullptr;
    it = elfs_.emplace(path, std::move(e)).first;
  }
  return it->second.get();
}

std::optional<ElfSymbol> ProbeCatalog::symbol(const std::string &binary,
                                              const std::string &name,
                                              std::string &err) {
  const ElfSymbols *e = elf(binary, err);
  if (!e)
    return std::nullopt;
  if (const ElfSymbol *s = e->find(name))
    return *s;
  err = "function '" + name + "' not found in " + e->path();
  return std::nullopt;
}

std::vector<std::string> ProbeCatalog::matchUprobeFunctions(
    const std::string &binary, const std::string &pattern, std::string &err) {
  std::vector<std::string> out;
  const ElfSymbols *e = elf(binary, err);
  if (!e)
    return out;
  bool wild = hasWildcard(pattern);
  for (const ElfSymbol &s : e->functions())
    if ((wild ? wildcardMatch(pattern, s.name) : s.name == pattern) &&
        (out.empty() || out.back() != s.name))
      out.push_back(s.name);
  return out;
}

const std::vector<UsdtProbe> *
ProbeCatalog::usdtProbes(const std::string &binary, std::string &err) {
  const ElfSymbols *e = elf(binary, err);
  return e ? &e->usdt() : nullptr;
}

//===-- kallsyms ----------------------------------------------------------===//

KernelSymbols &ProbeCatalog::kernelSymbols() {
  if (!kallsyms_)
    kallsyms_ = std::make_unique<KernelSymbols>(options_.kallsymsPath);
  return *kallsyms_;
}

} // namespace obs
