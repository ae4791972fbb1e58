//===- elf_symbols.cpp - function symbols and USDT notes of an ELF file
//----===//
#include "lang/sema/catalog/elf_symbols.h"

#include <algorithm>
#include <cerrno>
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

} // namespace obs
