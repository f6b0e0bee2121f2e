// elle_bench: the list-append checker at scale, the way a user meets it
// (issue 16's figures).
//
//   elle_bench [--string-keys | --both-keys] [TXNS] [KEYS] [DIR] [RUNS]
//   (default integer keys, 1000000 txns, 1000 keys, /tmp, 3 runs)
//
// 1. Generates a valid list-append history (max-txn-length 4, 10 processes,
//    max-writes-per-key 32 as Elle's generator) straight to
//    DIR/elle-TXNS.jsonl, and the same history with one planted G-single
//    (read skew: one txn's read of x cut back to just before a value another
//    txn appended to x and y, whose y append it still sees) to
//    DIR/elle-TXNS-gsingle.jsonl. Neither is ever held in memory. Keys are
//    integers (785); --string-keys writes them as strings ("k785", as many
//    stores and adapters do) to DIR/elle-TXNS-str[-gsingle].jsonl instead;
//    --both-keys writes both forms of the same history.
// 2. Checks each file RUNS times under strict-serializable, each run in a
//    fresh child process (so each peak RSS is that run's own): load (the
//    streaming reader into the compact form, as `faultline check --model
//    list-append FILE` does) + check. The valid one must be valid, the
//    other invalid with G-single found. Runs of the files are interleaved
//    (run 1 of each, then run 2 of each, ...) so that a side-by-side
//    comparison sees the same machine load.
// Prints each run, then a table of the medians (load, check, total seconds,
// peak RSS) of every file.
// Not a test: run by hand, figures go to the README / issue note.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "checkers/list_append.h"
#include "checkers/txn_load.h"
#include "tests/checkers/list_append_gen.h"

namespace {

using faultline::json;
using faultline::Op;
using faultline::Validity;

double PeakRssMb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // KB on Linux
}

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// JSON Lines out, the bytes HistoryWriter writes, buffered (one write per MB).
class LineFile {
 public:
  explicit LineFile(const std::string& path) : f_(std::fopen(path.c_str(), "w")) {}
  ~LineFile() { Close(); }
  bool ok() const { return f_ != nullptr; }
  void Write(const Op& op) {
    body_.clear();
    faultline::AppendOpJsonWithoutIndex(op, &body_);
    WriteBody(op.index);
  }
  // The same op with each micro-op's key k written as the string "k<k>".
  void WriteWithStringKeys(const Op& op) {
    Op copy = op;
    for (json& mop : copy.value) mop[1] = "k" + mop[1].dump();
    Write(copy);
  }
  void Close() {
    if (!f_) return;
    Flush();
    std::fclose(f_);
    f_ = nullptr;
  }

 private:
  void WriteBody(int64_t index) {
    buf_ += "{\"index\":" + std::to_string(index) + (body_.size() > 2 ? "," : "");
    buf_.append(body_, 1, std::string::npos);
    buf_ += '\n';
    if (buf_.size() > (1u << 20)) Flush();
  }
  void Flush() {
    std::fwrite(buf_.data(), 1, buf_.size(), f_);
    buf_.clear();
  }
  std::FILE* f_;
  std::string buf_, body_;
};

struct RunFigures {
  double load_s = 0, check_s = 0, rss_mb = 0;
  int good = 0;  // the verdict expected
};

// One load + check in a child process; its figures come back through a pipe.
RunFigures RunOnce(const std::string& path, Validity expect, const char* expect_type, bool verbose) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    RunFigures f;
    auto t = std::chrono::steady_clock::now();
    auto h = faultline::txn::LoadTxnHistoryFile(path, faultline::HistoryFormat::kAuto,
                                                faultline::txn::TxnModel::kListAppend);
    f.load_s = Since(t);
    if (!h.ok()) {
      std::printf("  error: %s\n", h.status().message().c_str());
    } else {
      faultline::ListAppendOptions o;
      o.consistency_models = {"strict-serializable"};
      t = std::chrono::steady_clock::now();
      auto r = faultline::CheckListAppend(*h, o);
      f.check_s = Since(t);
      if (!r.ok()) {
        std::printf("  error: %s\n", r.status().message().c_str());
      } else {
        const json& d = r->details;
        const json& types = d["anomaly-types"];
        f.good = r->valid == expect &&
                 (!expect_type || std::find(types.begin(), types.end(), expect_type) != types.end());
        if (verbose) {
          std::printf("  %s, %s txns, edges %s, anomaly types %s; phases (s): %s\n",
                      std::string(faultline::ValidityName(r->valid)).c_str(), d["txns"].dump().c_str(),
                      d.value("edges", json(0)).dump().c_str(), types.dump().c_str(), d["phases"].dump().c_str());
          if (r->valid != Validity::kValid) std::printf("%s\n", faultline::ExplainListAppend(*r).c_str());
        }
      }
    }
    f.rss_mb = PeakRssMb();
    std::fflush(stdout);
    (void)!write(fds[1], &f, sizeof f);
    _exit(0);
  }
  close(fds[1]);
  RunFigures f;
  if (read(fds[0], &f, sizeof f) != sizeof f) f = {};
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return f;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Case {
  std::string path;
  std::string label;
  Validity expect;
  const char* expect_type;  // an anomaly type the result must list, or null
  std::vector<RunFigures> runs;
};

// Runs every case `runs` times, interleaved; prints each run, then the
// medians side by side. Returns how many runs gave an unexpected verdict.
int Measure(std::vector<Case>* cases, int runs) {
  int bad = 0;
  for (int i = 0; i < runs; ++i) {
    for (Case& c : *cases) {
      RunFigures f = RunOnce(c.path, c.expect, c.expect_type, i == 0);
      std::printf("  %s run %d: load %.2f s + check %.2f s = %.2f s, peak RSS %.0f MB%s\n", c.label.c_str(), i + 1,
                  f.load_s, f.check_s, f.load_s + f.check_s, f.rss_mb, f.good ? "" : "  UNEXPECTED");
      std::fflush(stdout);
      bad += !f.good;
      c.runs.push_back(f);
    }
  }
  std::printf("\nmedians of %d runs:\n%-34s %8s %8s %8s %12s\n", runs, "history", "load s", "check s", "total s",
              "peak RSS MB");
  for (const Case& c : *cases) {
    std::vector<double> load, check, total, rss;
    for (const RunFigures& f : c.runs) {
      load.push_back(f.load_s);
      check.push_back(f.check_s);
      total.push_back(f.load_s + f.check_s);
      rss.push_back(f.rss_mb);
    }
    std::printf("%-34s %8.2f %8.2f %8.2f %12.0f\n", c.label.c_str(), Median(load), Median(check), Median(total),
                Median(rss));
  }
  std::fflush(stdout);
  return bad;
}

}  // namespace

int main(int argc, char** argv) {
  bool int_keys = true, string_keys = false;
  int first = 1;
  if (argc > 1 && std::string(argv[1]) == "--string-keys") {
    int_keys = false;
    string_keys = true;
    ++first;
  } else if (argc > 1 && std::string(argv[1]) == "--both-keys") {
    string_keys = true;
    ++first;
  }
  auto arg = [&](int i) -> const char* { return first + i < argc ? argv[first + i] : nullptr; };
  faultline::testing::ListAppendGenOptions g;
  g.seed = 16;
  g.txns = arg(0) ? std::strtoull(arg(0), nullptr, 10) : 1000000;
  g.keys = arg(1) ? std::strtoull(arg(1), nullptr, 10) : 1000;
  std::string dir = arg(2) ? arg(2) : "/tmp";
  int runs = arg(3) ? std::atoi(arg(3)) : 3;
  if (g.txns == 0 || g.keys == 0 || runs <= 0 || (arg(0) && arg(0)[0] == '-')) {
    std::printf("usage: elle_bench [--string-keys | --both-keys] [TXNS] [KEYS] [DIR] [RUNS]\n");
    return 3;
  }
  g.processes = 10;
  g.max_txn_length = 4;
  g.max_writes_per_key = 32;
  std::printf("elle_bench: %zu txns, %zu keys (%s), max-txn-length %zu, max-writes-per-key %zu, %zu processes, seed %llu\n",
              g.txns, g.keys, int_keys && string_keys ? "integers and strings" : int_keys ? "integers" : "strings",
              g.max_txn_length, g.max_writes_per_key, g.processes, static_cast<unsigned long long>(g.seed));
  std::string base = dir + "/elle-" + std::to_string(g.txns);
  std::vector<Case> valid, planted;
  if (int_keys) {
    valid.push_back({base + ".jsonl", "valid, integer keys", Validity::kValid, nullptr, {}});
    planted.push_back({base + "-gsingle.jsonl", "planted G-single, integer keys", Validity::kInvalid, "G-single", {}});
  }
  if (string_keys) {
    valid.push_back({base + "-str.jsonl", "valid, string keys", Validity::kValid, nullptr, {}});
    planted.push_back(
        {base + "-str-gsingle.jsonl", "planted G-single, string keys", Validity::kInvalid, "G-single", {}});
  }
  {
    auto t = std::chrono::steady_clock::now();
    // Files 0 and 1: valid and planted with integer keys; 2 and 3 with strings.
    std::vector<std::unique_ptr<LineFile>> files(4);
    for (size_t i = 0; i < valid.size(); ++i) {
      size_t slot = valid[i].path.find("-str") == std::string::npos ? 0 : 2;
      files[slot] = std::make_unique<LineFile>(valid[i].path);
      files[slot + 1] = std::make_unique<LineFile>(planted[i].path);
      if (!files[slot]->ok() || !files[slot + 1]->ok()) {
        std::printf("cannot write %s or %s\n", valid[i].path.c_str(), planted[i].path.c_str());
        return 1;
      }
    }
    auto write = [&](size_t slot, const Op& op) {
      if (!files[slot]) return;
      if (slot >= 2) {
        files[slot]->WriteWithStringKeys(op);
      } else {
        files[slot]->Write(op);
      }
    };
    faultline::testing::GSinglePlanter planter(g.txns / 2);
    faultline::testing::GenerateListAppendTo(g, [&](Op&& op) {
      write(0, op);
      write(2, op);
      planter.Offer(&op);
      write(1, op);
      write(3, op);
    });
    if (!planter.planted()) {
      std::printf("could not plant a G-single\n");
      return 1;
    }
    for (auto& f : files) {
      if (f) f->Close();
    }
    std::printf("wrote");
    for (size_t i = 0; i < valid.size(); ++i) std::printf(" %s %s", valid[i].path.c_str(), planted[i].path.c_str());
    std::printf(" in %.1f s (generator peak RSS %.0f MB); planted: %s\n", Since(t), PeakRssMb(),
                planter.what().c_str());
    std::fflush(stdout);
  }
  int bad = Measure(&valid, runs);
  bad += Measure(&planted, runs);
  std::printf("end to end: faultline check --model list-append %s\n", valid.back().path.c_str());
  return bad ? 1 : 0;
}
