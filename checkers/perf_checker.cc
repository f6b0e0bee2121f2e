#include "checkers/perf_checker.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "checkers/op_pairs.h"

namespace faultline {

json SummarizeLatencies(std::vector<double>& values) {
  if (values.empty()) return {{"count", 0}};
  std::sort(values.begin(), values.end());
  auto rank = [&](double q) {
    // Nearest rank: the smallest value with at least q of the data <= it.
    size_t r = static_cast<size_t>(std::ceil(q * static_cast<double>(values.size())));
    return values[std::clamp<size_t>(r, 1, values.size()) - 1];
  };
  double sum = 0;
  for (double v : values) sum += v;
  return {{"count", values.size()},
          {"mean", sum / static_cast<double>(values.size())},
          {"p50", rank(0.50)},
          {"p95", rank(0.95)},
          {"p99", rank(0.99)},
          {"max", values.back()}};
}

namespace {

class PerfChecker : public Checker {
 public:
  explicit PerfChecker(PerfOptions options) : options_(options) {
    if (!(options_.bucket_s > 0)) options_.bucket_s = 1.0;
  }
  std::string name() const override { return "perf"; }

  CheckResult Check(const TestInfo&, const History& history) override {
    PairedOps paired = PairClientOps(history);
    std::vector<double> all;
    std::map<std::string, std::vector<double>> by_f;
    std::map<std::string, std::map<std::string, std::vector<double>>> by_f_type;
    std::map<std::string, int64_t> count_by_f;
    struct Bucket { int64_t ok = 0, fail = 0, info = 0; };
    std::map<int64_t, Bucket> buckets;
    const double bucket_ns = options_.bucket_s * 1e9;
    int64_t last_completion = 0, ok_total = 0;

    for (const OpPair& p : paired.pairs) {
      if (!p.completion) continue;
      const Op& inv = history[p.invoke];
      const Op& done = history[*p.completion];
      double ms = static_cast<double>(done.time - inv.time) / 1e6;
      all.push_back(ms);
      by_f[inv.f].push_back(ms);
      by_f_type[inv.f][std::string(OpTypeName(done.type))].push_back(ms);
      ++count_by_f[inv.f];
      last_completion = std::max(last_completion, done.time);
      Bucket& b = buckets[static_cast<int64_t>(std::floor(static_cast<double>(done.time) / bucket_ns))];
      if (done.is_ok()) { ++b.ok; ++ok_total; }
      else if (done.is_fail()) ++b.fail;
      else ++b.info;
    }

    CheckResult r;
    if (paired.pairs.empty()) {
      r.valid = Validity::kUnknown;
      r.details["error"] = "no client operations in the history";
      return r;
    }
    r.valid = Validity::kValid;
    json lat = {{"all", SummarizeLatencies(all)}, {"by_f", json::object()}};
    for (auto& [f, v] : by_f) {
      json s = SummarizeLatencies(v);
      for (auto& [type, tv] : by_f_type[f]) s[type] = SummarizeLatencies(tv);
      lat["by_f"][f] = s;
    }
    r.details["latency_ms"] = lat;

    double duration_s = static_cast<double>(last_completion) / 1e9;
    auto rate = [&](int64_t n) { return duration_s > 0 ? static_cast<double>(n) / duration_s : 0.0; };
    json tp = {{"bucket_s", options_.bucket_s},
               {"duration_s", duration_s},
               {"ops_per_s", rate(static_cast<int64_t>(all.size()))},
               {"ok_per_s", rate(ok_total)},
               {"by_f", json::object()},
               {"buckets", json::array()}};
    for (const auto& [f, n] : count_by_f) tp["by_f"][f] = rate(n);
    if (!buckets.empty()) {
      int64_t first = std::min<int64_t>(0, buckets.begin()->first);
      for (int64_t k = first; k <= buckets.rbegin()->first; ++k) {
        auto it = buckets.find(k);
        Bucket b = it == buckets.end() ? Bucket{} : it->second;
        tp["buckets"].push_back({{"t", static_cast<double>(k) * options_.bucket_s},
                                 {"ok", b.ok}, {"fail", b.fail}, {"info", b.info}});
      }
    }
    r.details["throughput"] = tp;
    if (paired.malformed > 0) r.details["malformed_ops"] = paired.malformed;
    return r;
  }

 private:
  PerfOptions options_;
};

}  // namespace

std::unique_ptr<Checker> MakePerfChecker(const PerfOptions& options) {
  return std::make_unique<PerfChecker>(options);
}

}  // namespace faultline
