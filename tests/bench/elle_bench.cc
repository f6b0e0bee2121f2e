// elle_bench: the list-append checker at scale (issue 16's figures).
//
//   elle_bench [TXNS] [KEYS] [OUT.jsonl]   (default 1000000 txns, 1000 keys)
//
// With OUT.jsonl the valid history is also written there, for timing
// `faultline check --model list-append OUT.jsonl` end to end.
// 1. A generated valid list-append history (max-txn-length 4, 10 processes,
//    max-writes-per-key 32 as Elle's generator) checked under
//    strict-serializable: must be valid.
// 2. The same history with one planted G-single (read skew: one txn's read of
//    x cut back to just before a value another txn appended to x and y, whose
//    y append it still sees): must be invalid with G-single found.
// Prints the time of each step and the peak RSS (getrusage) after each.
// Not a test: run by hand, figures go to the README / issue note.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "checkers/list_append.h"
#include "tests/checkers/list_append_gen.h"

namespace {

using faultline::CheckListAppend;
using faultline::CheckResult;
using faultline::History;
using faultline::json;
using faultline::ListAppendOptions;
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

int Run(const History& h, const char* label, Validity expect, const char* expect_type) {
  ListAppendOptions o;
  o.consistency_models = {"strict-serializable"};
  double before = PeakRssMb();
  auto t = std::chrono::steady_clock::now();
  auto r = CheckListAppend(h, o);
  double s = Since(t);
  if (!r.ok()) {
    std::printf("%s: error %s\n", label, r.status().message().c_str());
    return 1;
  }
  const json& d = r->details;
  std::printf("%s: %s in %.2f s (edges %s, anomaly types %s), peak RSS %.0f MB (+%.0f MB over the history)\n"
              "  phases (s): %s\n", label,
              r->valid == Validity::kValid ? "valid" : r->valid == Validity::kInvalid ? "invalid" : "unknown", s,
              d.value("edges", json(0)).dump().c_str(), d["anomaly-types"].dump().c_str(), PeakRssMb(),
              PeakRssMb() - before, d["phases"].dump().c_str());
  bool good = r->valid == expect;
  if (expect_type) {
    good &= d["anomaly-types"].is_array() &&
            std::find(d["anomaly-types"].begin(), d["anomaly-types"].end(), expect_type) != d["anomaly-types"].end();
  }
  if (!good) std::printf("%s: UNEXPECTED\n", label);
  if (r->valid != Validity::kValid) std::printf("%s\n", faultline::ExplainListAppend(*r).c_str());
  return good ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  faultline::testing::ListAppendGenOptions g;
  g.seed = 16;
  g.txns = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  g.keys = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000;
  g.processes = 10;
  g.max_txn_length = 4;
  g.max_writes_per_key = 32;
  std::printf("elle_bench: %zu txns, %zu keys, max-txn-length %zu, max-writes-per-key %zu, %zu processes, seed %llu\n",
              g.txns, g.keys, g.max_txn_length, g.max_writes_per_key, g.processes,
              static_cast<unsigned long long>(g.seed));
  auto t = std::chrono::steady_clock::now();
  History h = faultline::testing::GenerateListAppend(g);
  std::printf("generated %zu events in %.2f s, peak RSS %.0f MB\n", h.size(), Since(t), PeakRssMb());
  if (argc > 3) {
    std::FILE* out = std::fopen(argv[3], "w");
    if (!out) {
      std::printf("cannot write %s\n", argv[3]);
      return 1;
    }
    for (const Op& op : h) std::fprintf(out, "%s\n", faultline::OpToJson(op).dump().c_str());
    std::fclose(out);
    std::printf("wrote %s\n", argv[3]);
  }
  int bad = Run(h, "valid history", Validity::kValid, nullptr);
  if (!faultline::testing::PlantGSingle(&h)) {
    std::printf("could not plant a G-single\n");
    return 1;
  }
  bad += Run(h, "planted G-single", Validity::kInvalid, "G-single");
  return bad ? 1 : 0;
}
