// elle_bench: the list-append checker at scale, the way a user meets it
// (issue 16's figures).
//
//   elle_bench [TXNS] [KEYS] [DIR] [RUNS]   (default 1000000 txns, 1000 keys, /tmp, 3 runs)
//
// 1. Generates a valid list-append history (max-txn-length 4, 10 processes,
//    max-writes-per-key 32 as Elle's generator) straight to
//    DIR/elle-TXNS.jsonl, and the same history with one planted G-single
//    (read skew: one txn's read of x cut back to just before a value another
//    txn appended to x and y, whose y append it still sees) to
//    DIR/elle-TXNS-gsingle.jsonl. Neither is ever held in memory.
// 2. Checks each file RUNS times under strict-serializable, each run in a
//    fresh child process (so each peak RSS is that run's own): load (the
//    streaming reader into the compact form, as `faultline check --model
//    list-append FILE` does) + check. The valid one must be valid, the
//    other invalid with G-single found.
// Prints each run and the medians (load, check, total seconds, peak RSS).
// Not a test: run by hand, figures go to the README / issue note.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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
    buf_ += "{\"index\":" + std::to_string(op.index) + (body_.size() > 2 ? "," : "");
    buf_.append(body_, 1, std::string::npos);
    buf_ += '\n';
    if (buf_.size() > (1u << 20)) Flush();
  }
  void Close() {
    if (!f_) return;
    Flush();
    std::fclose(f_);
    f_ = nullptr;
  }

 private:
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

int Measure(const std::string& path, const char* label, Validity expect, const char* expect_type, int runs) {
  std::vector<double> load, check, total, rss;
  int bad = 0;
  for (int i = 0; i < runs; ++i) {
    RunFigures f = RunOnce(path, expect, expect_type, i == 0);
    std::printf("  %s run %d: load %.2f s + check %.2f s = %.2f s, peak RSS %.0f MB%s\n", label, i + 1, f.load_s,
                f.check_s, f.load_s + f.check_s, f.rss_mb, f.good ? "" : "  UNEXPECTED");
    std::fflush(stdout);
    bad += !f.good;
    load.push_back(f.load_s);
    check.push_back(f.check_s);
    total.push_back(f.load_s + f.check_s);
    rss.push_back(f.rss_mb);
  }
  std::printf("%s: median of %d: load %.2f s, check %.2f s, total %.2f s, peak RSS %.0f MB\n", label, runs,
              Median(load), Median(check), Median(total), Median(rss));
  std::fflush(stdout);
  return bad;
}

}  // namespace

int main(int argc, char** argv) {
  faultline::testing::ListAppendGenOptions g;
  g.seed = 16;
  g.txns = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  g.keys = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000;
  std::string dir = argc > 3 ? argv[3] : "/tmp";
  int runs = argc > 4 ? std::atoi(argv[4]) : 3;
  g.processes = 10;
  g.max_txn_length = 4;
  g.max_writes_per_key = 32;
  std::printf("elle_bench: %zu txns, %zu keys, max-txn-length %zu, max-writes-per-key %zu, %zu processes, seed %llu\n",
              g.txns, g.keys, g.max_txn_length, g.max_writes_per_key, g.processes,
              static_cast<unsigned long long>(g.seed));
  std::string valid = dir + "/elle-" + std::to_string(g.txns) + ".jsonl";
  std::string planted = dir + "/elle-" + std::to_string(g.txns) + "-gsingle.jsonl";
  {
    auto t = std::chrono::steady_clock::now();
    LineFile a(valid), b(planted);
    if (!a.ok() || !b.ok()) {
      std::printf("cannot write %s or %s\n", valid.c_str(), planted.c_str());
      return 1;
    }
    faultline::testing::GSinglePlanter planter(g.txns / 2);
    faultline::testing::GenerateListAppendTo(g, [&](Op&& op) {
      a.Write(op);
      planter.Offer(&op);
      b.Write(op);
    });
    if (!planter.planted()) {
      std::printf("could not plant a G-single\n");
      return 1;
    }
    std::printf("wrote %s and %s in %.1f s (generator peak RSS %.0f MB); planted: %s\n", valid.c_str(),
                planted.c_str(), Since(t), PeakRssMb(), planter.what().c_str());
    std::fflush(stdout);
  }
  int bad = Measure(valid, "valid history", Validity::kValid, nullptr, runs);
  bad += Measure(planted, "planted G-single", Validity::kInvalid, "G-single", runs);
  std::printf("end to end: faultline check --model list-append %s\n", valid.c_str());
  return bad ? 1 : 0;
}
