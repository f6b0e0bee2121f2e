#include "checkers/set_checker.h"

#include <algorithm>
#include <map>
#include <set>

#include "checkers/op_pairs.h"

namespace faultline {
namespace {

constexpr size_t kMaxListedElements = 100;  // elements listed per category in details

struct Add {
  OpType outcome = OpType::kInvoke;  // kInvoke = never completed
  size_t invoke = 0;
  size_t completion = 0;
  int64_t op_index = -1;
};

struct Read {
  size_t invoke = 0;
  size_t completion = 0;
  int64_t op_index = -1;
  std::set<json> elements;
};

struct KeyState {
  std::map<json, Add> adds;  // element -> its (first) add
  std::vector<Read> reads;   // ok reads, in invocation order
};

// A listed category: total count plus the first kMaxListedElements entries.
struct Listing {
  int64_t count = 0;
  json entries = json::array();
  void Add(json entry) {
    ++count;
    if (entries.size() < kMaxListedElements) entries.push_back(std::move(entry));
  }
};

class SetChecker : public Checker {
 public:
  explicit SetChecker(SetOptions options) : options_(options) {}
  std::string name() const override { return "set"; }

  CheckResult Check(const TestInfo&, const History& history) override {
    PairedOps paired = PairClientOps(history);
    std::map<json, KeyState> keys;
    Listing duplicate_adds, duplicated, malformed;
    for (const OpPair& p : paired.pairs) {
      const Op& inv = history[p.invoke];
      const Op* done = p.completion ? &history[*p.completion] : nullptr;
      if (inv.f == "set-add") {
        KeyState& ks = keys[inv.key];
        Add a;
        a.outcome = done ? done->type : OpType::kInvoke;
        a.invoke = p.invoke;
        a.completion = p.completion.value_or(history.size());
        a.op_index = inv.index;
        if (!ks.adds.emplace(inv.value, a).second) {
          duplicate_adds.Add({{"key", inv.key}, {"element", inv.value}, {"index", inv.index}});
        }
      } else if (inv.f == "set-read" && done != nullptr && done->is_ok()) {
        if (!done->value.is_array()) {
          malformed.Add({{"index", done->index}, {"reason", "ok set-read value is not a list"}});
          continue;
        }
        Read r;
        r.invoke = p.invoke;
        r.completion = *p.completion;
        r.op_index = done->index;
        for (const json& e : done->value) {
          if (!r.elements.insert(e).second) {
            duplicated.Add({{"key", inv.key}, {"element", e}, {"read_index", done->index}});
          }
        }
        keys[inv.key].reads.push_back(std::move(r));
      }
    }

    Listing lost, unexpected, recovered, stale, unread;
    int64_t attempts = 0, acknowledged = 0, ok_count = 0;
    json never_read = json::array();
    for (auto& [key, ks] : keys) {
      for (const auto& [e, a] : ks.adds) {
        ++attempts;
        if (a.outcome == OpType::kOk) ++acknowledged;
      }
      // Unexpected: in any ok read but never (successfully possibly) added.
      std::set<json> reported;
      for (const Read& r : ks.reads) {
        for (const json& e : r.elements) {
          auto it = ks.adds.find(e);
          const char* why = nullptr;
          if (it == ks.adds.end()) why = "never added";
          else if (it->second.outcome == OpType::kFail) why = "its add failed";
          if (why != nullptr && reported.insert(e).second) {
            unexpected.Add({{"key", key}, {"element", e}, {"read_index", r.op_index}, {"reason", why}});
          }
        }
      }
      if (ks.reads.empty()) {
        if (!ks.adds.empty()) never_read.push_back(key);
        continue;
      }
      const Read& final_read = *std::max_element(
          ks.reads.begin(), ks.reads.end(),
          [](const Read& a, const Read& b) { return a.completion < b.completion; });
      for (const auto& [e, a] : ks.adds) {
        bool present = final_read.elements.count(e) > 0;
        if (a.outcome == OpType::kOk) {
          if (present) {
            ++ok_count;
          } else if (a.completion > final_read.invoke) {
            // Acknowledged only after the final read began: that read may
            // legitimately miss it (a run stopped before its final reads).
            unread.Add({{"key", key}, {"element", e}, {"add_index", a.op_index},
                        {"final_read_index", final_read.op_index}});
          } else {
            lost.Add({{"key", key}, {"element", e}, {"add_index", a.op_index},
                      {"final_read_index", final_read.op_index}});
          }
        } else if (present && (a.outcome == OpType::kInfo || a.outcome == OpType::kInvoke)) {
          recovered.Add({{"key", key}, {"element", e}, {"add_index", a.op_index}});
        }
      }
      if (options_.linearizable) FindStale(key, ks, &stale);
    }

    CheckResult result;
    json& d = result.details;
    d["keys"] = keys.size();
    d["attempt_count"] = attempts;
    d["acknowledged_count"] = acknowledged;
    d["ok_count"] = ok_count;
    auto put = [&](const char* name, const Listing& l) {
      d[std::string(name) + "_count"] = l.count;
      d[name] = l.entries;
    };
    put("lost", lost);
    put("unexpected", unexpected);
    put("recovered", recovered);
    put("duplicated", duplicated);
    put("unread", unread);
    if (options_.linearizable) put("stale", stale);
    if (duplicate_adds.count > 0) put("duplicate_adds", duplicate_adds);
    if (malformed.count > 0) put("malformed", malformed);
    if (!never_read.empty()) d["never_read"] = never_read;

    std::vector<std::string> problems;
    if (lost.count) problems.push_back(std::to_string(lost.count) + " lost");
    if (unexpected.count) problems.push_back(std::to_string(unexpected.count) + " unexpected");
    if (duplicated.count) problems.push_back(std::to_string(duplicated.count) + " duplicated");
    if (stale.count) problems.push_back(std::to_string(stale.count) + " stale");
    if (!problems.empty()) {
      std::string msg;
      for (const auto& p : problems) msg += (msg.empty() ? "" : ", ") + p;
      result.valid = Validity::kInvalid;
      d["error"] = msg + " element(s)";
    } else if (keys.empty()) {
      result.valid = Validity::kUnknown;
      d["error"] = "no set-add or set-read operations in the history";
    } else if (!never_read.empty() || malformed.count > 0) {
      result.valid = Validity::kUnknown;
      d["error"] = !never_read.empty() ? "set was never read (key(s) " + never_read.dump() + ")"
                                       : "malformed set-read results";
    } else if (unread.count > 0) {
      result.valid = Validity::kUnknown;
      d["error"] = std::to_string(unread.count) +
                   " acknowledged add(s) completed after the final read began (no final read "
                   "after them: were the final reads skipped?)";
    } else {
      result.valid = Validity::kValid;
    }
    return result;
  }

 private:
  // Stale: an ok read missing an element whose ok add completed before the
  // read was invoked. Each (element, read) pair is one entry.
  static void FindStale(const json& key, const KeyState& ks, Listing* stale) {
    std::vector<std::pair<size_t, const json*>> done;  // (add completion pos, element)
    for (const auto& [e, a] : ks.adds) {
      if (a.outcome == OpType::kOk) done.emplace_back(a.completion, &e);
    }
    std::sort(done.begin(), done.end());
    for (const Read& r : ks.reads) {
      for (const auto& [completed_at, e] : done) {
        if (completed_at >= r.invoke) break;
        if (!r.elements.count(*e)) {
          stale->Add({{"key", key}, {"element", *e}, {"read_index", r.op_index}});
        }
      }
    }
  }

  SetOptions options_;
};

}  // namespace

std::unique_ptr<Checker> MakeSetChecker(const SetOptions& options) {
  return std::make_unique<SetChecker>(options);
}

}  // namespace faultline
