// Seeded randomized differential test: the linearizability checker against a
// brute-force checker that tries every order of the ops (every subset of the
// info/pending ones) with its own, independent reference models on JSON
// states. Small histories, valid and invalid, with info and never-completed
// ops. A mismatch prints the seed and the history; FAULTLINE_TEST_SEED=N
// replays one seed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <random>

#include "checkers/linearizable.h"

namespace faultline {
namespace {

struct RefOp {
  std::string f;
  json key;
  json input, output;
  bool pending;
  size_t invoke, complete;  // positions; complete = SIZE_MAX when pending
};

// The reference semantics, written independently of checkers/*_model.cc.
std::optional<json> RefStep(const std::string& model, const json& state, const RefOp& op) {
  bool unknown = op.pending || op.output.is_null();
  if (model == "cas-register" || model == "kv") {
    json key = op.key.is_null() ? json("") : op.key;
    std::string k = key.dump();
    json cur = state.contains(k) ? state[k] : json(nullptr);
    json next = state;
    if (op.f == "read") {
      if (!unknown && cur != op.output) return std::nullopt;
      return next;
    }
    if (op.f == "write") {
      next[k] = op.input;
      return next;
    }
    if (op.f == "cas") {
      if (cur != op.input[0]) return std::nullopt;
      next[k] = op.input[1];
      return next;
    }
    if (op.f == "append") {
      next[k] = (cur.is_null() ? std::string() : cur.get<std::string>()) + op.input.get<std::string>();
      return next;
    }
  } else if (model == "mutex") {
    if (op.f == "acquire") return state == json(false) ? std::optional<json>(true) : std::nullopt;
    return state == json(true) ? std::optional<json>(false) : std::nullopt;
  } else if (model == "counter") {
    if (op.f == "add") return json(state.get<int64_t>() + op.input.get<int64_t>());
    if (!unknown && state != op.output) return std::nullopt;
    return state;
  } else if (model == "set") {
    if (op.f == "add") {
      std::vector<int64_t> s = state.get<std::vector<int64_t>>();
      if (std::find(s.begin(), s.end(), op.input.get<int64_t>()) == s.end()) s.push_back(op.input.get<int64_t>());
      std::sort(s.begin(), s.end());
      return json(s);
    }
    if (unknown) return state;
    std::vector<int64_t> r = op.output.get<std::vector<int64_t>>();
    std::sort(r.begin(), r.end());
    if (json(r) != state) return std::nullopt;
    return state;
  } else if (model == "fifo-queue") {
    if (op.f == "enqueue") {
      json next = state;
      next.push_back(op.input);
      return next;
    }
    if (state.empty()) return std::nullopt;
    if (!unknown && state[0] != op.output) return std::nullopt;
    json next = json::array();
    for (size_t i = 1; i < state.size(); ++i) next.push_back(state[i]);
    return next;
  }
  ADD_FAILURE() << "no reference for " << model << " " << op.f;
  return std::nullopt;
}

bool BruteForce(const std::string& model, const json& state, const std::vector<RefOp>& ops,
                std::vector<uint8_t>& used) {
  bool all_ok_used = true;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (!used[i] && !ops[i].pending) all_ok_used = false;
  }
  if (all_ok_used) return true;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (used[i]) continue;
    bool ready = true;  // every op that completed before i was invoked is placed
    for (size_t j = 0; j < ops.size() && ready; ++j) {
      if (!used[j] && j != i && !ops[j].pending && ops[j].complete < ops[i].invoke) ready = false;
    }
    if (!ready) continue;
    auto next = RefStep(model, state, ops[i]);
    if (!next) continue;
    used[i] = 1;
    bool found = BruteForce(model, *next, ops, used);
    used[i] = 0;
    if (found) return true;
  }
  return false;
}

struct Generated {
  History history;
  std::vector<RefOp> ops;  // fail ops excluded
};

json RandomValue(std::mt19937_64& rng, const std::string& model, const std::string& f, bool output) {
  auto pick = [&](int n) { return static_cast<int64_t>(rng() % n); };
  static const char* kStrings[] = {"a", "ab", "b", "ba", "abc"};
  if (model == "kv") {  // string values, so appends always apply to strings
    if (f == "cas") return json::array({kStrings[pick(3)], kStrings[pick(3)]});
    if (f == "append") return std::string(1, static_cast<char>('a' + pick(3)));
    return json(kStrings[pick(output ? 5 : 3)]);
  }
  if (model == "cas-register") {
    if (f == "cas") return json::array({pick(3), pick(3)});
    return pick(3);
  }
  if (model == "counter") return f == "add" ? json(1 + pick(2)) : json(pick(5));
  if (model == "set") {
    if (f == "add") return pick(4);
    json s = json::array();
    for (int64_t e = 0; e < 4; ++e) {
      if (pick(2)) s.push_back(e);
    }
    return s;
  }
  if (model == "fifo-queue") return pick(3);
  return nullptr;
}

Generated Generate(uint64_t seed, const std::string& model) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> fs;
  if (model == "cas-register") fs = {"read", "write", "cas"};
  if (model == "kv") fs = {"read", "write", "cas", "append"};
  if (model == "mutex") fs = {"acquire", "release"};
  if (model == "counter") fs = {"add", "read"};
  if (model == "set") fs = {"add", "read"};
  if (model == "fifo-queue") fs = {"enqueue", "dequeue"};
  int processes = 2 + rng() % 3;
  int total = 2 + rng() % 6;
  Generated g;
  struct Open {
    bool open = false;
    size_t pos;
    Op op;
  };
  std::vector<Open> open(processes);
  std::vector<int64_t> proc_id(processes);
  for (int p = 0; p < processes; ++p) proc_id[p] = p;
  int64_t next_proc = processes;
  int invoked = 0;
  while (true) {
    int p = rng() % processes;
    bool any_open = false;
    for (auto& o : open) any_open |= o.open;
    if (invoked >= total && !any_open) break;
    if (invoked >= total && !open[p].open) continue;
    if (!open[p].open) {
      Op op;
      op.type = OpType::kInvoke;
      op.process = proc_id[p];
      op.f = fs[rng() % fs.size()];
      if (model == "kv") op.key = (rng() % 2) ? "x" : "y";
      bool reads = op.f == "read" || op.f == "dequeue" || op.f == "acquire" || op.f == "release";
      op.value = reads ? json(nullptr) : RandomValue(rng, model, op.f, false);
      open[p] = {true, g.history.size(), op};
      g.history.push_back(op);
      ++invoked;
      continue;
    }
    // Complete (or, at the very end, maybe leave open).
    Op done = open[p].op;
    int roll = rng() % 10;
    done.type = roll < 6 ? OpType::kOk : roll < 8 ? OpType::kInfo : OpType::kFail;
    if (invoked >= total && rng() % 4 == 0) {  // never completes
      RefOp r{done.f, done.key, done.value, nullptr, true, open[p].pos, SIZE_MAX};
      g.ops.push_back(r);
      open[p].open = false;
      continue;
    }
    if (done.type == OpType::kOk && (done.f == "read" || done.f == "dequeue")) {
      done.value = RandomValue(rng, model, done.f, true);
    }
    size_t pos = g.history.size();
    g.history.push_back(done);
    open[p].open = false;
    if (done.type == OpType::kInfo) proc_id[p] = next_proc++;  // a crashed process never invokes again
    if (done.type == OpType::kFail) continue;
    const Op& inv = g.history[open[p].pos];
    g.ops.push_back(RefOp{inv.f, inv.key, inv.value.is_null() ? done.value : inv.value,
                          done.type == OpType::kOk ? done.value : json(nullptr), done.type == OpType::kInfo,
                          open[p].pos, done.type == OpType::kInfo ? SIZE_MAX : pos});
  }
  for (size_t i = 0; i < g.history.size(); ++i) g.history[i].index = static_cast<int64_t>(i);
  return g;
}

json InitialFor(const std::string& model) {
  if (model == "mutex") return false;
  if (model == "counter") return 0;
  if (model == "set" || model == "fifo-queue") return json::array();
  return json::object();  // registers: key -> value, missing = null
}

std::string Dump(const History& h) {
  std::string s;
  for (const Op& op : h) s += "    " + OpToJson(op).dump() + "\n";
  return s;
}

TEST(DifferentialTest, AgreesWithBruteForceOnRandomHistories) {
  const char* env = std::getenv("FAULTLINE_TEST_SEED");
  uint64_t first = env ? std::strtoull(env, nullptr, 10) : 1;
  int count = env ? 1 : 400;
  const std::vector<std::string> models = {"cas-register", "kv", "mutex", "counter", "set", "fifo-queue"};
  int valid = 0, invalid = 0, with_info = 0;
  for (const std::string& model : models) {
    for (uint64_t seed = first; seed < first + count; ++seed) {
      Generated g = Generate(seed, model);
      std::vector<uint8_t> used(g.ops.size(), 0);
      bool expected = BruteForce(model, InitialFor(model), g.ops, used);
      LinearizableOptions options;
      options.model = model;
      if (model == "cas-register" || model == "kv") options.initial = nullptr;
      else options.initial = InitialFor(model);
      auto r = CheckLinearizable(g.history, options);
      ASSERT_TRUE(r.ok()) << "seed " << seed << " model " << model << ": " << r.status().message();
      Validity want = expected ? Validity::kValid : Validity::kInvalid;
      ASSERT_EQ(r->valid, want) << "model " << model << ", failing seed " << seed
                                << " (replay: FAULTLINE_TEST_SEED=" << seed << ")\n" << Dump(g.history);
      (expected ? valid : invalid)++;
      for (const auto& op : g.ops) {
        if (op.pending) {
          ++with_info;
          break;
        }
      }
    }
  }
  // The generator must exercise both verdicts and pending ops, or the test proves little.
  if (!env) {
    EXPECT_GT(valid, 300);
    EXPECT_GT(invalid, 300);
    EXPECT_GT(with_info, 300);
  }
  std::printf("differential: %d valid, %d invalid, %d with info/pending ops\n", valid, invalid, with_info);
}

}  // namespace
}  // namespace faultline
