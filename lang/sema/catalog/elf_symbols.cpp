//===- elf_symbols.cpp - function symbols and USDT notes of an ELF file
//----===//
#include "lang/sema/catalog/elf_symbols.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

namespace obs {

unsigned UsdtProbe::argumentCount() const {
  unsigned n = 0;
  bool inArg = false;
  for (char c : arguments) {
    bool space = c == ' ' || c == '\t';
    if (!space && !inArg)
      ++n;
    inArg = !space;
  }
  return n;
}

std::string ptRegsField(const std::string &regIn) {
  std::string reg = regIn;
  if (!reg.empty() && reg[0] == '%')
    reg.erase(0, 1);
  // r8..r15 in all widths: r8, r8d, r8w, r8b.
  if (reg.size() >= 2 && reg[0] == 'r' &&
      std::isdigit(static_cast<unsigned char>(reg[1]))) {
    size_t i = 1;
    while (i < reg.size() && std::isdigit(static_cast<unsigned char>(reg[i])))
      ++i;
    std::string base = reg.substr(0, i);
    int n = std::atoi(base.c_str() + 1);
    std::string rest = reg.substr(i);
    if (n >= 8 && n <= 15 &&
        (rest.empty() || rest == "d" || rest == "w" || rest == "b"))
      return base;
    return "";
  }
  static const struct {
    const char *field;
    const char *names[4];
  } legacy[] = {
      {"ax", {"rax", "eax", "ax", "al"}},  {"bx", {"rbx", "ebx", "bx", "bl"}},
      {"cx", {"rcx", "ecx", "cx", "cl"}},  {"dx", {"rdx", "edx", "dx", "dl"}},
      {"si", {"rsi", "esi", "si", "sil"}}, {"di", {"rdi", "edi", "di", "dil"}},
      {"bp", {"rbp", "ebp", "bp", "bpl"}}, {"sp", {"rsp", "esp", "sp", "spl"}},
      {"ip", {"rip", "eip", "ip", ""}},
  };
  for (const auto &r : legacy)
    for (const char *n : r.names)
      if (*n && reg == n)
        return r.field;
  return "";
}

std::vector<UsdtArgument> UsdtProbe::parseArguments(std::string &err) const {
  std::vector<UsdtArgument> out;
  size_t i = 0;
  auto fail = [&](const std::string &spec, const char *why) {
    err = "usdt " + provider + ":" + name + ": cannot read argument '" + spec +
          "': " + why;
    out.clear();
    return out;
  };
  while (i < arguments.size()) {
    while (i < arguments.size() &&
           (arguments[i] == ' ' || arguments[i] == '\t'))
      ++i;
    if (i >= arguments.size())
      break;
    size_t end = arguments.find_first_of(" \t", i);
    if (end == std::string::npos)
      end = arguments.size();
    UsdtArgument a;
    a.spec = arguments.substr(i, end - i);
    i = end;
    std::string loc = a.spec;
    if (size_t at = loc.find('@'); at != std::string::npos) {
      long sz = std::strtol(loc.c_str(), nullptr, 10);
      a.isSigned = sz < 0;
      a.size = static_cast<unsigned>(sz < 0 ? -sz : sz);
      if (a.size != 1 && a.size != 2 && a.size != 4 && a.size != 8)
        return fail(a.spec, "bad size");
      loc = loc.substr(at + 1);
    }
    if (loc.empty())
      return fail(a.spec, "no location");
    if (loc[0] == '$') {
      a.kind = UsdtArgument::Kind::Constant;
      a.value = std::strtoll(loc.c_str() + 1, nullptr, 0);
    } else if (loc[0] == '%') {
      a.kind = UsdtArgument::Kind::Register;
      a.reg = loc.substr(1);
    } else {
      // DISP(%base[,%index[,scale]]); DISP a number, a symbol or symbol+number.
      a.kind = UsdtArgument::Kind::Memory;
      size_t open = loc.find('(');
      size_t close = loc.find(')');
      if (open == std::string::npos || close == std::string::npos ||
          close < open)
        return fail(a.spec, "expected DISP(%REG)");
      std::string disp = loc.substr(0, open);
      if (!disp.empty()) {
        if (std::isdigit(static_cast<unsigned char>(disp[0])) ||
            disp[0] == '-' || disp[0] == '+') {
          a.value = std::strtoll(disp.c_str(), nullptr, 0);
        } else {
          size_t plus = disp.find_first_of("+-");
          a.symbol = disp.substr(0, plus);
          if (plus != std::string::npos)
            a.value = std::strtoll(disp.c_str() + plus, nullptr, 0);
        }
      }
      std::string inner = loc.substr(open + 1, close - open - 1);
      std::vector<std::string> parts;
      size_t p = 0;
      while (true) {
        size_t comma = inner.find(',', p);
        parts.push_back(inner.substr(
            p, comma == std::string::npos ? std::string::npos : comma - p));
        if (comma == std::string::npos)
          break;
        p = comma + 1;
      }
      if (parts.empty() || parts[0].size() < 2 || parts[0][0] != '%')
        return fail(a.spec, "expected a base register");
      a.reg = parts[0].substr(1);
      if (parts.size() > 1) {
        if (parts[1].size() < 2 || parts[1][0] != '%')
          return fail(a.spec, "expected an index register");
        a.indexReg = parts[1].substr(1);
      }
      if (parts.size() > 2)
        a.scale =
            static_cast<unsigned>(std::strtoul(parts[2].c_str(), nullptr, 10));
    }
    if (!a.reg.empty() && ptRegsField(a.reg).empty())
      return fail(a.spec, "unknown register");
    out.push_back(std::move(a));
  }
  return out;
}

namespace {

/// Closes the ELF handle and the descriptor however open() leaves.
struct ElfFile {
  int fd = -1;
  Elf *elf = nullptr;
  ~ElfFile() {
    if (elf)
      elf_end(elf);
    if (fd >= 0)
      close(fd);
  }
};

constexpr uint32_t kNoteStapsdt = 3;

void readSymbols(Elf *elf, Elf_Scn *scn, const GElf_Shdr &sh, bool dynamic,
                 std::vector<ElfSymbol> &out) {
  Elf_Data *data = elf_getdata(scn, nullptr);
  if (!data || sh.sh_entsize == 0)
    return;
  size_t count = sh.sh_size / sh.sh_entsize;
  for (size_t i = 0; i < count; ++i) {
    GElf_Sym sym;
    if (!gelf_getsym(data, static_cast<int>(i), &sym))
      continue;
    int type = GELF_ST_TYPE(sym.st_info);
    if ((type != STT_FUNC && type != STT_GNU_IFUNC) ||
        sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
      continue;
    const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
    if (!name || !*name)
      continue;
    ElfSymbol s;
    s.name = name;
    // Versioned dynamic names are plain in .dynsym; .symtab may carry
    // "name@@VER" in some toolchains: keep the bare name.
    if (auto at = s.name.find('@'); at != std::string::npos)
      s.name.resize(at);
    s.address = sym.st_value;
    s.size = sym.st_size;
    s.dynamic = dynamic;
    out.push_back(std::move(s));
  }
}

void readStapsdt(Elf *elf, Elf_Scn *scn, bool is64, uint64_t sdtBase,
                 std::vector<UsdtProbe> &out) {
  Elf_Data *data = elf_getdata(scn, nullptr);
  if (!data)
    return;
  size_t off = 0, nameOff, descOff;
  GElf_Nhdr nh;
  while ((off = gelf_getnote(data, off, &nh, &nameOff, &descOff)) > 0) {
    const char *base = static_cast<const char *>(data->d_buf);
    if (nh.n_type != kNoteStapsdt || nh.n_namesz != 8 ||
        std::memcmp(base + nameOff, "stapsdt", 8) != 0)
      continue;
    const char *desc = base + descOff;
    size_t addrSize = is64 ? 8 : 4;
    if (nh.n_descsz < 3 * addrSize + 3)
      continue;
    auto addr = [&](int i) {
      uint64_t v = 0;
      if (is64) {
        std::memcpy(&v, desc + i * 8, 8);
      } else {
        uint32_t w;
        std::memcpy(&w, desc + i * 4, 4);
        v = w;
      }
      return v;
    };
    UsdtProbe p;
    p.location = addr(0);
    p.base = addr(1);
    p.semaphore = addr(2);
    const char *s = desc + 3 * addrSize;
    const char *end = desc + nh.n_descsz;
    auto next = [&](std::string &dst) {
      const char *z = static_cast<const char *>(std::memchr(s, 0, end - s));
      if (!z)
        z = end;
      dst.assign(s, z);
      s = z < end ? z + 1 : end;
    };
    next(p.provider);
    next(p.name);
    next(p.arguments);
    // Prelinked files move .stapsdt.base; the note keeps the link-time one.
    if (sdtBase && p.base) {
      p.location += sdtBase - p.base;
      if (p.semaphore)
        p.semaphore += sdtBase - p.base;
    }
    out.push_back(std::move(p));
  }
}

/// The NT_GNU_BUILD_ID note of a .note.gnu.build-id section, in hex.
std::string readBuildId(Elf_Scn *scn) {
  Elf_Data *data = elf_getdata(scn, nullptr);
  if (!data)
    return "";
  size_t off = 0, nameOff, descOff;
  GElf_Nhdr nh;
  while ((off = gelf_getnote(data, off, &nh, &nameOff, &descOff)) > 0) {
    const char *base = static_cast<const char *>(data->d_buf);
    if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
        std::memcmp(base + nameOff, "GNU", 4) != 0)
      continue;
    std::string hex;
    for (size_t i = 0; i < nh.n_descsz; ++i) {
      char b[3];
      snprintf(b, sizeof b, "%02x", static_cast<unsigned char>(base[descOff + i]));
      hex += b;
    }
    return hex;
  }
  return "";
}

} // namespace

std::unique_ptr<ElfSymbols> ElfSymbols::open(const std::string &path,
                                             std::string &err) {
  if (elf_version(EV_CURRENT) == EV_NONE) {
    err = "libelf initialisation failed";
    return nullptr;
  }
  ElfFile f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) {
    err = "cannot open " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  f.elf = elf_begin(f.fd, ELF_C_READ_MMAP, nullptr);
  if (!f.elf || elf_kind(f.elf) != ELF_K_ELF) {
    err = path + " is not an ELF file";
    return nullptr;
  }
  GElf_Ehdr eh;
  if (!gelf_getehdr(f.elf, &eh)) {
    err = path + ": bad ELF header";
    return nullptr;
  }
  auto out = std::unique_ptr<ElfSymbols>(new ElfSymbols);
  out->path_ = path;
  out->shared_ = eh.e_type == ET_DYN;
  bool is64 = gelf_getclass(f.elf) == ELFCLASS64;

  size_t phnum = 0;
  elf_getphdrnum(f.elf, &phnum);
  for (size_t i = 0; i < phnum; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(f.elf, static_cast<int>(i), &ph) && ph.p_type == PT_LOAD)
      out->segments_.push_back({ph.p_vaddr, ph.p_offset, ph.p_filesz});
  }

  size_t shstrndx = 0;
  elf_getshdrstrndx(f.elf, &shstrndx);
  Elf_Scn *notes = nullptr;
  uint64_t sdtBase = 0;
  for (Elf_Scn *scn = elf_nextscn(f.elf, nullptr); scn;
       scn = elf_nextscn(f.elf, scn)) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh))
      continue;
    const char *name = elf_strptr(f.elf, shstrndx, sh.sh_name);
    if (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM)
      readSymbols(f.elf, scn, sh, sh.sh_type == SHT_DYNSYM, out->functions_);
    else if (name && sh.sh_type == SHT_NOTE &&
             std::strcmp(name, ".note.stapsdt") == 0)
      notes = scn;
    else if (name && sh.sh_type == SHT_NOTE &&
             std::strcmp(name, ".note.gnu.build-id") == 0)
      out->buildId_ = readBuildId(scn);
    else if (name && std::strcmp(name, ".stapsdt.base") == 0)
      sdtBase = sh.sh_addr;
  }
  if (notes)
    readStapsdt(f.elf, notes, is64, sdtBase, out->usdt_);

  auto &fns = out->functions_;
  std::sort(fns.begin(), fns.end(), [](const ElfSymbol &a, const ElfSymbol &b) {
    if (a.name != b.name)
      return a.name < b.name;
    if (a.address != b.address)
      return a.address < b.address;
    return !a.dynamic && b.dynamic; // prefer the .symtab entry (has a size)
  });
  fns.erase(std::unique(fns.begin(), fns.end(),
                        [](const ElfSymbol &a, const ElfSymbol &b) {
                          return a.name == b.name && a.address == b.address;
                        }),
            fns.end());
  for (ElfSymbol &s : fns)
    s.fileOffset = out->fileOffsetOf(s.address);
  for (UsdtProbe &p : out->usdt_)
    p.fileOffset = out->fileOffsetOf(p.location);
  return out;
}

const ElfSymbol *ElfSymbols::find(const std::string &name) const {
  auto it = std::lower_bound(
      functions_.begin(), functions_.end(), name,
      [](const ElfSymbol &s, const std::string &n) { return s.name < n; });
  return it != functions_.end() && it->name == name ? &*it : nullptr;
}

uint64_t ElfSymbols::fileOffsetOf(uint64_t address) const {
  for (const Segment &s : segments_)
    if (address >= s.vaddr && address < s.vaddr + s.filesz)
      return address - s.vaddr + s.offset;
  return address;
}

bool ElfSymbols::addressOfFileOffset(uint64_t offset, uint64_t &address) const {
  for (const Segment &s : segments_)
    if (offset >= s.offset && offset < s.offset + s.filesz) {
      address = offset - s.offset + s.vaddr;
      return true;
    }
  return false;
}

} // namespace obs
