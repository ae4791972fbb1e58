//===- test_command.cpp - obsc test: replay a script on the host ----------===//
//
// The loop of spec §15: events from a file (or `-` for standard input) or a
// synthetic stream; for each, event time is observed first (windows closing
// at or before it print before its probe output), then the probe bodies
// run. BEGIN runs before the first event, END after the last, then the
// session ends at the last event's ts (file) or the end of the last phase
// (stream). Nothing reads a clock: the same events give the same bytes.
//
//===----------------------------------------------------------------------===//
#include "tools/obsc/test_command.h"

#include "codegen/host/host_program.h"
#include "lang/sema/catalog/catalog.h"
#include "runtime/output/printer.h"
#include "runtime/replay/event_binary.h"
#include "runtime/replay/event_pipe.h"
#include "runtime/replay/events.h"
#include "runtime/replay/stream.h"
#include "runtime/value_text.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace obs {
namespace {

/// A regular file mapped for reading (the reader then copies nothing);
/// empty when the file is not one (a pipe) or cannot be mapped.
class MappedFile {
public:
  explicit MappedFile(const std::string &path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      void *p = mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (p != MAP_FAILED) {
        madvise(p, size_t(st.st_size), MADV_SEQUENTIAL);
        data_ = static_cast<const char *>(p);
        size_ = size_t(st.st_size);
      }
    }
    ::close(fd);
  }
  ~MappedFile() {
    if (data_)
      munmap(const_cast<char *>(data_), size_);
  }
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  bool mapped() const { return data_ != nullptr; }
  std::string_view data() const { return {data_, size_}; }

private:
  const char *data_ = nullptr;
  size_t size_ = 0;
};

} // namespace

int runTest(Compilation &c, std::ostream &out) {
  const Options &o = c.options;
  if (o.events.empty() == o.stream.empty()) {
    std::cerr << "obsc: error: 'obsc test' needs exactly one of --events EVENTS and --stream SPEC\n";
    return 2;
  }
  std::unique_ptr<output::OutputFormat> printer = output::makeOutput(o.format, out, std::cerr);
  // strftime() of event times: from the epoch, as time() is in replay, so
  // that a rule pack's test prints the same on every machine.
  setTimestampBootTime(0);
  HostProgramOptions ho;
  ho.verbose = o.verbose;
  ho.pid = o.pid;
  std::string ir;
  bool dumpIr = std::find(o.dumps.begin(), o.dumps.end(), "ir") != o.dumps.end();
  if (dumpIr)
    ho.dumpIr = &ir;
  std::string error;
  auto program = HostProgram::create(*c.sema, *c.catalog, *printer, ho, error);
  if (dumpIr) {
    // `obsc test --dump=ir`: the host module (probe bodies, alert
    // conditions and bodies), then stop.
    out << ir;
    return program ? 0 : 1;
  }
  if (!program) {
    if (c.diags.hasErrors())
      c.diags.print(std::cerr, c.sources);
    if (!error.empty())
      std::cerr << "obsc: error: " << error << "\n";
    return 1;
  }

  replay::Stream stream;
  std::ifstream file;
  std::istream *in = nullptr;
  std::unique_ptr<MappedFile> mapped;
  if (!o.stream.empty()) {
    replay::StreamOptions so;
    so.defaultProbe = program->defaultProbe();
    if (!replay::parseStream(o.stream, so, stream, error)) {
      std::cerr << error << "\n";
      return 2;
    }
  } else if (o.events == "-") {
    in = &std::cin;
  } else {
    file.open(o.events, std::ios::binary);
    if (!file) {
      std::cerr << "obsc: error: cannot read events file '" << o.events << "'\n";
      return 1;
    }
    in = &file;
    mapped = std::make_unique<MappedFile>(o.events);
  }

  // -o EVENTS: the events replayed are also written, as JSON lines or, for
  // a FILE.obsb, in the binary form: a stream or a file converted.
  std::ofstream saveFile;
  std::unique_ptr<replay::BinaryEventWriter> saveBinary;
  if (!o.output.empty()) {
    saveFile.open(o.output, std::ios::binary | std::ios::trunc);
    if (!saveFile) {
      std::cerr << "obsc: error: cannot write events file '" << o.output << "'\n";
      return 1;
    }
    if (replay::isBinaryEventsPath(o.output))
      saveBinary = std::make_unique<replay::BinaryEventWriter>(saveFile);
  }
  auto save = [&](const replay::ReplayEvent &e) {
    if (saveBinary)
      saveBinary->write(e);
    else
      saveFile << replay::formatEventLine(e) << "\n";
  };

  auto t0 = std::chrono::steady_clock::now();
  window::TimeEngine &engine = program->engine();
  uint64_t events = 0, skipped = 0, lastTs = 0;
  replay::ReplayEvent ev;
  bool saving = saveFile.is_open();
  auto step = [&](const replay::ReplayEvent &e) {
    if (saving)
      save(e);
    uint64_t ts = engine.originNs() + e.ts;
    lastTs = std::max(lastTs, e.ts);
    if (e.watermarkOnly) {
      engine.advanceIdle(ts);
      return;
    }
    engine.observe(0, ts);
    if (program->run(e))
      ++events;
    else
      ++skipped;
  };
  program->begin();
  uint64_t endNs = 0;
  int status = 0;
  if (in) {
    replay::EventReader reader = mapped && mapped->mapped()
                                     ? replay::EventReader(mapped->data())
                                     : replay::EventReader(*in);
    // JSON lines are parsed on a thread of their own (events in file
    // order); the binary form decodes faster than a pipe hands events over.
    bool binary = mapped && mapped->mapped() &&
                  mapped->data().substr(0, replay::kBinaryEventsMagic.size()) ==
                      replay::kBinaryEventsMagic;
    if (!binary && std::thread::hardware_concurrency() > 1) {
      replay::EventPipe pipe(reader);
      const replay::ReplayEvent *e;
      while (!program->exited() && (e = pipe.next()))
        step(*e);
    } else {
      while (!program->exited() && reader.next(ev))
        step(ev);
    }
    if (!reader.error().empty()) {
      std::cerr << "obsc: error: " << o.events << ": " << reader.error() << "\n";
      status = 1;
    }
    endNs = lastTs;
  } else {
    // Generated in the loop: a pipe costs more than generating (measured).
    replay::StreamGenerator gen(stream);
    const replay::ReplayEvent *e;
    while (!program->exited() && (e = gen.next()))
      step(*e);
    endNs = program->exited() ? lastTs : gen.endNs();
  }
  if (saveFile.is_open()) {
    // The end of the session, so that the file replays the same windows.
    if (endNs > lastTs || (!in && endNs)) {
      replay::ReplayEvent wm;
      wm.watermarkOnly = true;
      wm.ts = endNs;
      save(wm);
    }
    saveFile.flush();
    if (!saveFile) {
      std::cerr << "obsc: error: cannot write events file '" << o.output << "'\n";
      status = 1;
    }
  }
  program->end(endNs);
  out.flush();
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (skipped)
    std::cerr << "obsc: skipped " << skipped << (skipped == 1 ? " event" : " events")
              << " that no probe matches\n";
  if (o.verbose) {
    std::cerr << "obsc: replayed " << events << " events in " << output::formatNumber(secs * 1e3)
              << " ms (" << output::formatNumber(secs > 0 ? events / secs : 0) << " events/s)\n";
    if (program->zeroedReads())
      std::cerr << "obsc: " << program->zeroedReads()
                << " probe reads of memory the events do not give read zeros\n";
  }
  return status;
}

} // namespace obs
