// The linearizability search: Wing & Gong's algorithm with Lowe's cache of
// visited configurations (P-compositionality, just like Porcupine), plus:
//  - ops whose outcome cannot matter (reads with unknown results) are dropped;
//  - pending ops with identical effect (same f and value) are linearized in
//    invoke order only (swapping two of them never changes legality), which
//    removes most of the blow-up from crashed writes;
//  - the cache hashes the linearized bitset incrementally (Zobrist) and
//    lives in pre-reserved memory, so the loop never allocates or calls the OS.
#include "checkers/linearizable.h"

#include <sys/sysinfo.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "checkers/model.h"
#include "checkers/search_cache.h"
#include "harness/history/history_reader.h"

namespace faultline {
namespace {

constexpr uint32_t kNone = UINT32_MAX;
constexpr size_t kMaxStatesShown = 20;

enum StopReason : int { kRunning = 0, kCancelled = 1, kTimeout = 2 };

// One client operation of the history: an invoke and its ok/info completion.
struct PairedOp {
  uint32_t invoke;     // position in the history
  uint32_t complete;   // position of the completion; kNone if never completed
  bool pending;        // info or never completed
};

uint64_t SplitMix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Machine over several independent parts (--no-partition): the state is the
// concatenation of the parts' states; an op steps only its own part.
class ProductMachine : public Machine {
 public:
  struct Part {
    json key;
    std::unique_ptr<Machine> machine;
    size_t offset;
  };
  ProductMachine(std::vector<Part> parts, std::vector<uint32_t> op_part, std::vector<uint32_t> op_local)
      : parts_(std::move(parts)), op_part_(std::move(op_part)), op_local_(std::move(op_local)) {
    words_ = 0;
    for (auto& p : parts_) words_ += p.machine->state_words();
  }
  size_t state_words() const override { return words_; }
  void Init(uint64_t* s) const override {
    for (auto& p : parts_) p.machine->Init(s + p.offset);
  }
  bool Step(const uint64_t* s, uint32_t i, uint64_t* next) const override {
    const Part& p = parts_[op_part_[i]];
    for (size_t w = 0; w < words_; ++w) next[w] = s[w];
    return p.machine->Step(s + p.offset, op_local_[i], next + p.offset);
  }
  bool Removable(uint32_t i) const override { return parts_[op_part_[i]].machine->Removable(op_local_[i]); }
  json DescribeState(const uint64_t* s) const override {
    json out = json::object();
    for (auto& p : parts_) {
      out[p.key.is_string() ? p.key.get<std::string>() : p.key.dump()] = p.machine->DescribeState(s + p.offset);
    }
    return out;
  }

 private:
  std::vector<Part> parts_;
  std::vector<uint32_t> op_part_;
  std::vector<uint32_t> op_local_;
  size_t words_;
};

// One independent search problem: a partition's ops and their machine.
struct Problem {
  json key;
  std::vector<uint32_t> ops;              // indices into the paired ops
  std::vector<ModelOp> model_ops;         // same order
  std::unique_ptr<Machine> machine;
};

struct Outcome {
  Validity valid = Validity::kValid;
  bool cancelled = false;
  std::string reason;                     // unknown: why
  // Invalid: local op indices.
  std::vector<uint32_t> best_order;
  uint32_t failing = kNone;
  std::vector<json> states_before;
  uint64_t configurations = 0;
};

// Runs searches; buffers are reused between problems (one per worker thread).
class Searcher {
 public:
  Searcher(size_t cache_bytes, MemoryBudget* budget, const std::atomic<int>* stop)
      : cache_(cache_bytes, budget), stop_(stop) {}

  Outcome Run(const Problem& p, const std::vector<PairedOp>& paired);

 private:
  SearchCache cache_;
  const std::atomic<int>* stop_;
  // Reused buffers (sized before the loop, never inside it).
  std::vector<uint32_t> next_, prev_, node_op_, match_;
  std::vector<uint8_t> is_call_, is_pending_ret_;
  std::vector<uint64_t> zobrist_, entry_, state_, next_state_, stack_states_;
  std::vector<uint32_t> stack_nodes_, best_;
  std::vector<int32_t> sym_prev_;
};

Outcome Searcher::Run(const Problem& p, const std::vector<PairedOp>& paired) {
  Outcome out;
  const Machine& m = *p.machine;
  const size_t n = p.ops.size();
  const size_t S = m.state_words();
  if (!cache_.ok()) {
    out.valid = Validity::kUnknown;
    out.reason = "could not reserve memory for the search";
    return out;
  }

  // Events: a call and a return per kept op, in history order; returns of
  // pending ops go after everything, in invoke order.
  struct Event {
    uint64_t pos;
    uint32_t op;
    bool call;
  };
  std::vector<Event> events;
  events.reserve(2 * n);
  sym_prev_.assign(n, -1);
  std::unordered_map<std::string, int32_t> last_equivalent;
  std::vector<uint32_t> by_invoke(n);
  for (uint32_t i = 0; i < n; ++i) by_invoke[i] = i;
  std::sort(by_invoke.begin(), by_invoke.end(),
            [&](uint32_t a, uint32_t b) { return paired[p.ops[a]].invoke < paired[p.ops[b]].invoke; });
  size_t required = 0;
  for (uint32_t i : by_invoke) {
    if (m.Removable(i)) continue;
    const PairedOp& po = paired[p.ops[i]];
    events.push_back({po.invoke, i, true});
    if (po.pending) {
      events.push_back({(1ull << 40) + po.invoke, i, false});
      std::string cls = p.model_ops[i].f + '\0' + p.model_ops[i].input.dump();
      auto [it, fresh] = last_equivalent.emplace(std::move(cls), static_cast<int32_t>(i));
      if (!fresh) {
        sym_prev_[i] = it->second;
        it->second = static_cast<int32_t>(i);
      }
    } else {
      events.push_back({po.complete, i, false});
      ++required;
    }
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.pos < b.pos; });

  const size_t nodes = events.size() + 1;  // node 0 is the head
  next_.assign(nodes, 0);
  prev_.assign(nodes, 0);
  node_op_.assign(nodes, kNone);
  match_.assign(nodes, 0);
  is_call_.assign(nodes, 0);
  is_pending_ret_.assign(nodes, 0);
  std::vector<uint32_t> call_node(n, 0);
  for (size_t e = 0; e < events.size(); ++e) {
    uint32_t node = static_cast<uint32_t>(e + 1);
    node_op_[node] = events[e].op;
    is_call_[node] = events[e].call;
    if (events[e].call) {
      call_node[events[e].op] = node;
    } else {
      match_[call_node[events[e].op]] = node;
      is_pending_ret_[node] = paired[p.ops[events[e].op]].pending;
    }
    prev_[node] = node - 1;
    next_[node - 1] = node;
  }
  next_[nodes - 1] = 0;  // 0 doubles as "end of list"
  std::vector<uint8_t> linearized(n, 0);

  // Compact cache keys. Completed ops are ranked in invoke order; k is the
  // first completed op not linearized yet. Every completed op linearized
  // beyond k was invoked before k returned (the search only takes calls that
  // precede the first pending return in the list), so the linearized set is
  // exactly (k, the bits of a window of `window` ops after k, the set of
  // linearized pending ops). Keys stay small however long the history is.
  std::vector<uint32_t> rank(n, kNone);
  std::vector<uint8_t> pend(n, 0);
  std::vector<uint64_t> cpos, cret;
  size_t np = 0;
  for (uint32_t i : by_invoke) {
    if (m.Removable(i)) continue;
    const PairedOp& po = paired[p.ops[i]];
    if (po.pending) {
      pend[i] = 1;
      rank[i] = static_cast<uint32_t>(np++);
    } else {
      rank[i] = static_cast<uint32_t>(cpos.size());
      cpos.push_back(po.invoke);
      cret.push_back(po.complete);
    }
  }
  const size_t nc = cpos.size();
  size_t window = 1;
  for (size_t r = 0; r < nc; ++r) {
    size_t later = std::lower_bound(cpos.begin(), cpos.end(), cret[r]) - cpos.begin();
    window = std::max(window, later - r);
  }
  const size_t WB = (window + 63) / 64 + 1;   // window words (one spare for unaligned k)
  const size_t PB = std::max<size_t>(1, (np + 63) / 64);
  const size_t W = 1 + WB + PB + S;           // [k][window][pending][state]
  std::vector<uint64_t> cbits((nc + 63) / 64 + WB + 2, 0);
  std::vector<uint64_t> pbits(PB, 0);
  size_t k = 0;

  zobrist_.resize(n);
  for (size_t i = 0; i < n; ++i) zobrist_[i] = SplitMix(i * 0x2545F4914F6CDD1DULL + 17);
  entry_.assign(W, 0);
  state_.assign(S, 0);
  next_state_.assign(S, 0);
  stack_states_.assign((events.size() / 2 + 1) * S, 0);
  stack_nodes_.assign(events.size() / 2 + 1, 0);
  best_.assign(events.size() / 2 + 1, 0);
  cache_.Reset(W);

  m.Init(state_.data());
  uint64_t zob = 0;
  auto state_hash = [&](const uint64_t* s) {
    uint64_t h = 0x51ED270B27A3C1F5ULL;
    for (size_t w = 0; w < S; ++w) h = SplitMix(h ^ s[w]);
    return h;
  };
  auto put_entry = [&](const uint64_t* s) {
    entry_[0] = k;
    size_t q = k >> 6, sh = k & 63;
    for (size_t w = 0; w < WB; ++w) {
      entry_[1 + w] = sh ? (cbits[q + w] >> sh) | (cbits[q + w + 1] << (64 - sh)) : cbits[q + w];
    }
    std::copy(pbits.begin(), pbits.end(), entry_.begin() + 1 + WB);
    std::copy(s, s + S, entry_.begin() + 1 + WB + PB);
  };
  // Marks op `op` linearized or not (the flip is its own inverse).
  auto flip = [&](uint32_t op) {
    uint32_t r = rank[op];
    if (pend[op]) {
      pbits[r >> 6] ^= 1ull << (r & 63);
      return;
    }
    cbits[r >> 6] ^= 1ull << (r & 63);
    if (cbits[r >> 6] & (1ull << (r & 63))) {
      while (k < nc && (cbits[k >> 6] & (1ull << (k & 63)))) ++k;
    } else if (r < k) {
      k = r;
    }
  };
  put_entry(state_.data());
  cache_.Insert(zob ^ state_hash(state_.data()), entry_.data());

  size_t depth = 0, best_depth = 0, valid_prefix = 0;
  uint64_t iterations = 0;
  uint32_t cur = next_[0];
  auto lift = [&](uint32_t c) {
    uint32_t r = match_[c];
    next_[prev_[c]] = next_[c];
    if (next_[c]) prev_[next_[c]] = prev_[c];
    next_[prev_[r]] = next_[r];
    if (next_[r]) prev_[next_[r]] = prev_[r];
  };
  auto unlift = [&](uint32_t c) {
    uint32_t r = match_[c];
    next_[prev_[r]] = r;
    if (next_[r]) prev_[next_[r]] = r;
    next_[prev_[c]] = c;
    if (next_[c]) prev_[next_[c]] = c;
  };

  // ---- the search loop: no allocation, no system calls ----
  bool success = false, failed = false;
  while (true) {
    if ((++iterations & 0xFFF) == 0) {
      int stop = stop_->load(std::memory_order_relaxed);
      if (stop != kRunning) {
        out.valid = Validity::kUnknown;
        out.cancelled = stop == kCancelled;
        out.reason = stop == kTimeout ? "time limit reached" : "cancelled";
        break;
      }
    }
    if (cur == 0 || is_pending_ret_[cur]) {  // every completed op is linearized
      success = true;
      break;
    }
    if (is_call_[cur]) {
      uint32_t op = node_op_[cur];
      int32_t sp = sym_prev_[op];
      if ((sp < 0 || linearized[sp]) && m.Step(state_.data(), op, next_state_.data())) {
        size_t old_k = k;
        flip(op);
        uint64_t nz = zob ^ zobrist_[op];
        put_entry(next_state_.data());
        auto r = cache_.Insert(nz ^ state_hash(next_state_.data()), entry_.data());
        if (r == SearchCache::InsertResult::kNew) {
          stack_nodes_[depth] = cur;
          std::copy(state_.begin(), state_.end(), stack_states_.begin() + depth * S);
          ++depth;
          state_.swap(next_state_);
          zob = nz;
          linearized[op] = 1;
          lift(cur);
          if (depth > best_depth) {
            for (size_t d = valid_prefix; d < depth; ++d) best_[d] = node_op_[stack_nodes_[d]];
            valid_prefix = best_depth = depth;
          }
          cur = next_[0];
          continue;
        }
        flip(op);
        k = old_k;
        if (r == SearchCache::InsertResult::kFull) {
          out.valid = Validity::kUnknown;
          out.reason = "memory limit reached";
          break;
        }
      }
      cur = next_[cur];
      continue;
    }
    // A return whose op is not linearized yet: backtrack.
    if (depth == 0) {
      failed = true;
      break;
    }
    --depth;
    if (valid_prefix > depth) valid_prefix = depth;
    uint32_t c = stack_nodes_[depth];
    uint32_t op = node_op_[c];
    std::copy(stack_states_.begin() + depth * S, stack_states_.begin() + (depth + 1) * S, state_.begin());
    flip(op);
    zob ^= zobrist_[op];
    linearized[op] = 0;
    unlift(c);
    cur = next_[c];
  }
  // ---- end of the search loop ----
  out.configurations = cache_.size();
  if (success) {
    out.valid = Validity::kValid;
    return out;
  }
  if (!failed) return out;

  out.valid = Validity::kInvalid;
  out.best_order.assign(best_.begin(), best_.begin() + best_depth);
  std::vector<uint8_t> in_best(n, 0);
  for (uint32_t op : out.best_order) in_best[op] = 1;
  // The op that cannot be linearized: the first to complete among those the
  // deepest partial linearization could not place.
  uint64_t best_ret = UINT64_MAX;
  for (uint32_t i = 0; i < n; ++i) {
    const PairedOp& po = paired[p.ops[i]];
    if (in_best[i] || po.pending || m.Removable(i)) continue;
    if (po.complete < best_ret) {
      best_ret = po.complete;
      out.failing = i;
    }
  }
  if (out.failing == kNone) return out;
  // States the search reached where the failing op had to be placed: every op
  // that completed before it linearized, it not, and it illegal.
  std::vector<uint32_t> required_ranks;
  for (uint32_t i = 0; i < n; ++i) {
    const PairedOp& po = paired[p.ops[i]];
    if (rank[i] != kNone && !pend[i] && po.complete < best_ret) required_ranks.push_back(rank[i]);
  }
  std::sort(required_ranks.begin(), required_ranks.end());
  auto linearized_in = [&](const uint64_t* ent, uint32_t r) {
    if (r < ent[0]) return true;
    size_t d = r - ent[0];
    return d < WB * 64 && (ent[1 + (d >> 6)] & (1ull << (d & 63))) != 0;
  };
  const uint32_t f = out.failing;
  std::vector<std::vector<uint64_t>> seen;
  std::vector<uint64_t> scratch(S);
  for (int pass = 0; pass < 2 && out.states_before.empty(); ++pass) {
    for (size_t e = 0; e < cache_.size() && seen.size() < kMaxStatesShown; ++e) {
      const uint64_t* ent = cache_.entry(e);
      if (linearized_in(ent, rank[f])) continue;
      bool ok = true;
      auto from = std::lower_bound(required_ranks.begin(), required_ranks.end(), static_cast<uint32_t>(ent[0]));
      for (auto it = from; it != required_ranks.end() && ok; ++it) ok = linearized_in(ent, *it);
      if (!ok) continue;
      const uint64_t* st_words = ent + 1 + WB + PB;
      if (pass == 0 && m.Step(st_words, f, scratch.data())) continue;
      std::vector<uint64_t> st(st_words, st_words + S);
      if (std::find(seen.begin(), seen.end(), st) != seen.end()) continue;
      seen.push_back(st);
      out.states_before.push_back(m.DescribeState(st.data()));
    }
  }
  return out;
}

std::string KeyText(const json& key) { return key.is_string() ? key.get<std::string>() : key.dump(); }

size_t DefaultMemoryLimit() {
  struct sysinfo si;
  if (sysinfo(&si) == 0) return static_cast<size_t>(si.totalram) * si.mem_unit / 4 * 3;
  return size_t{4} << 30;
}

}  // namespace

// Builds the report of an op for details.
static json PairedOpJson(const History& h, const PairedOp& po) {
  const Op& inv = h[po.invoke];
  json j = json::object();
  j["index"] = inv.index;
  j["process"] = inv.is_nemesis() ? json("nemesis") : json(inv.process);
  j["f"] = inv.f;
  if (!inv.key.is_null()) j["key"] = inv.key;
  j["invoke_position"] = po.invoke;
  j["invoke_time"] = inv.time;
  if (po.complete != kNone) {
    const Op& c = h[po.complete];
    j["completion_index"] = c.index;
    j["complete_position"] = po.complete;
    j["complete_time"] = c.time;
    j["type"] = std::string(OpTypeName(c.type));
    j["value"] = c.is_ok() ? c.value : (inv.value.is_null() ? c.value : inv.value);
  } else {
    j["type"] = "pending";
    j["value"] = inv.value;
  }
  return j;
}

static std::string OpPhrase(const json& op) {
  std::string s = "process " + (op["process"].is_string() ? op["process"].get<std::string>()
                                                           : std::to_string(op["process"].get<int64_t>()));
  s += "'s :" + op["f"].get<std::string>();
  if (op.contains("key")) s += " of key " + KeyText(op["key"]);
  s += " " + op["value"].dump();
  std::string type = op["type"].get<std::string>();
  if (type != "ok") s += " (" + type + ")";
  s += " (event " + std::to_string(op["index"].get<int64_t>());
  if (op.contains("completion_index")) s += "-" + std::to_string(op["completion_index"].get<int64_t>());
  s += ")";
  return s;
}

Result<CheckResult> CheckLinearizable(const History& history, const LinearizableOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  auto model_or = MakeModel(options.model);
  if (!model_or.ok()) return model_or.status();
  std::unique_ptr<Model> model = std::move(*model_or);
  json initial = options.initial.is_null() ? model->DefaultInitial() : options.initial;
  Status valid_history = ValidateHistory(history, {}, "history");
  if (!valid_history.ok()) return valid_history;

  // Pair invokes with completions; drop fails; ignore the nemesis.
  std::vector<PairedOp> paired;
  size_t client_ops = 0;
  {
    std::unordered_map<int64_t, uint32_t> open;
    std::vector<uint32_t> slot_of;  // paired index per open invoke
    for (size_t i = 0; i < history.size(); ++i) {
      const Op& op = history[i];
      if (op.is_nemesis()) continue;
      if (op.is_invoke()) {
        ++client_ops;
        open[op.process] = static_cast<uint32_t>(paired.size());
        paired.push_back({static_cast<uint32_t>(i), kNone, true});
        continue;
      }
      auto it = open.find(op.process);
      if (it == open.end()) continue;  // excluded by validation
      PairedOp& po = paired[it->second];
      open.erase(it);
      po.complete = static_cast<uint32_t>(i);
      po.pending = op.is_info();
      if (op.is_fail()) po.invoke = kNone;  // marked for removal
    }
    paired.erase(std::remove_if(paired.begin(), paired.end(), [](const PairedOp& p) { return p.invoke == kNone; }),
                 paired.end());
  }

  // Partition by key (P-compositionality).
  std::vector<Problem> problems;
  {
    std::unordered_map<std::string, size_t> index;
    for (uint32_t i = 0; i < paired.size(); ++i) {
      json key = options.partition ? model->PartitionKey(history[paired[i].invoke]) : json();
      // Strings (the usual keys) map as themselves; other keys by their JSON text.
      std::string k = key.is_string() ? "s" + key.get_ref<const std::string&>() : "j" + key.dump();
      auto [it, fresh] = index.try_emplace(std::move(k), problems.size());
      if (fresh) {
        problems.emplace_back();
        problems.back().key = key;
      }
      problems[it->second].ops.push_back(i);
    }
  }
  auto model_op = [&](uint32_t pi) {
    const PairedOp& po = paired[pi];
    const Op& inv = history[po.invoke];
    ModelOp mo;
    mo.f = inv.f;
    mo.pending = po.pending;
    mo.invoke = &inv;
    if (po.complete != kNone) {
      const Op& c = history[po.complete];
      mo.input = inv.value.is_null() ? c.value : inv.value;
      if (c.is_ok()) mo.output = c.value;
    } else {
      mo.input = inv.value;
    }
    return mo;
  };

  // Compile machines (in the workers, see below) and search.
  size_t limit = options.memory_limit_mb ? options.memory_limit_mb << 20 : DefaultMemoryLimit();
  MemoryBudget budget(limit);
  std::atomic<int> stop{kRunning};
  std::atomic<size_t> next_problem{0};
  std::vector<size_t> order(problems.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return problems[a].ops.size() > problems[b].ops.size(); });

  std::mutex mu;
  Status compile_error;
  bool have_invalid = false;
  size_t invalid_problem = 0;
  Outcome invalid_outcome;
  std::string unknown_reason;
  uint64_t configurations = 0;
  size_t finished = 0;  // problems whose search ran to a verdict

  auto compile = [&](Problem& pr) -> Status {
    pr.model_ops.reserve(pr.ops.size());
    for (uint32_t pi : pr.ops) pr.model_ops.push_back(model_op(pi));
    if (options.partition) {
      auto m = model->Compile(initial, pr.model_ops, options.strict_reads);
      if (!m.ok()) return m.status();
      pr.machine = std::move(*m);
      return Status::Ok();
    }
    // One search over every key: a product of per-key machines.
    std::unordered_map<std::string, size_t> part_of;
    std::vector<std::vector<uint32_t>> part_ops;
    std::vector<json> part_keys;
    std::vector<uint32_t> op_part(pr.ops.size()), op_local(pr.ops.size());
    for (uint32_t i = 0; i < pr.ops.size(); ++i) {
      json key = model->PartitionKey(history[paired[pr.ops[i]].invoke]);
      auto [it, fresh] = part_of.emplace(key.dump(), part_ops.size());
      if (fresh) {
        part_ops.emplace_back();
        part_keys.push_back(key);
      }
      op_part[i] = static_cast<uint32_t>(it->second);
      op_local[i] = static_cast<uint32_t>(part_ops[it->second].size());
      part_ops[it->second].push_back(i);
    }
    std::vector<ProductMachine::Part> parts;
    size_t offset = 0;
    for (size_t k = 0; k < part_ops.size(); ++k) {
      std::vector<ModelOp> mops;
      for (uint32_t i : part_ops[k]) mops.push_back(pr.model_ops[i]);
      auto m = model->Compile(initial, mops, options.strict_reads);
      if (!m.ok()) return m.status();
      size_t w = (*m)->state_words();
      parts.push_back({part_keys[k], std::move(*m), offset});
      offset += w;
    }
    pr.machine = std::make_unique<ProductMachine>(std::move(parts), std::move(op_part), std::move(op_local));
    return Status::Ok();
  };

  unsigned threads = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(),
                                                      static_cast<unsigned>(problems.size())));
  auto worker = [&]() {
    Searcher searcher(limit + (64u << 20), &budget, &stop);
    while (true) {
      size_t k = next_problem.fetch_add(1);
      if (k >= order.size() || stop.load() != kRunning) return;
      Problem& pr = problems[order[k]];
      Status s = compile(pr);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (compile_error.ok()) compile_error = s;
        stop.store(kCancelled);
        return;
      }
      Outcome o = searcher.Run(pr, paired);
      std::lock_guard<std::mutex> lock(mu);
      configurations += o.configurations;
      if (o.valid != Validity::kUnknown) ++finished;
      if (o.valid == Validity::kInvalid && !have_invalid) {
        have_invalid = true;
        invalid_problem = order[k];
        invalid_outcome = std::move(o);
        stop.store(kCancelled);  // first violation cancels the rest
      } else if (o.valid == Validity::kUnknown && !o.cancelled && unknown_reason.empty()) {
        unknown_reason = o.reason + (problems.size() > 1 ? " (key " + KeyText(pr.key) + ")" : "");
      }
      // Release what is no longer needed early (large histories).
      if (o.valid != Validity::kInvalid) {
        pr.model_ops.clear();
        pr.model_ops.shrink_to_fit();
        pr.machine.reset();
      }
    }
  };

  std::mutex timer_mu;
  std::condition_variable timer_cv;
  bool done = false;
  std::thread timer;
  if (options.time_limit_s > 0) {
    timer = std::thread([&] {
      std::unique_lock<std::mutex> lock(timer_mu);
      auto deadline = t0 + std::chrono::duration<double>(options.time_limit_s);
      if (!timer_cv.wait_until(lock, deadline, [&] { return done; })) {
        int expected = kRunning;
        stop.compare_exchange_strong(expected, kTimeout);
      }
    });
  }
  {
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
  }
  if (timer.joinable()) {
    {
      std::lock_guard<std::mutex> lock(timer_mu);
      done = true;
    }
    timer_cv.notify_all();
    timer.join();
  }
  if (!compile_error.ok()) return compile_error;

  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CheckResult result;
  json& d = result.details;
  d["model"] = model->name();
  d["ops"] = client_ops;
  d["partitions"] = problems.size();
  d["configurations"] = configurations;
  d["elapsed_s"] = elapsed;
  if (have_invalid) {
    result.valid = Validity::kInvalid;
    const Problem& pr = problems[invalid_problem];
    const Outcome& o = invalid_outcome;
    json failure = json::object();
    failure["key"] = pr.key;
    std::vector<json> states = pr.machine->DescribeLinearization(o.best_order);
    json lin = json::array();
    for (size_t i = 0; i < o.best_order.size(); ++i) {
      lin.push_back({{"op", PairedOpJson(history, paired[pr.ops[o.best_order[i]]])}, {"state", states[i]}});
    }
    failure["linearized"] = lin;
    if (o.failing != kNone) {
      const PairedOp& fp = paired[pr.ops[o.failing]];
      json fop = PairedOpJson(history, fp);
      failure["op"] = fop;
      failure["states_before"] = o.states_before;
      json concurrent = json::array();
      uint64_t from = fp.invoke;
      for (uint32_t i = 0; i < pr.ops.size(); ++i) {
        const PairedOp& po = paired[pr.ops[i]];
        if (i == o.failing) continue;
        uint64_t ret = po.complete == kNone || po.pending ? UINT64_MAX : po.complete;
        if (po.invoke < fp.complete && ret > fp.invoke) {
          concurrent.push_back(PairedOpJson(history, po));
          from = std::min<uint64_t>(from, po.invoke);
        }
      }
      failure["concurrent"] = concurrent;
      size_t shown = std::min<size_t>(o.best_order.size(), 10);
      for (size_t i = o.best_order.size() - shown; i < o.best_order.size(); ++i) {
        from = std::min<uint64_t>(from, paired[pr.ops[o.best_order[i]]].invoke);
      }
      failure["window"] = {{"from", from}, {"to", fp.complete}};
      std::string states_text;
      for (size_t i = 0; i < o.states_before.size(); ++i) {
        states_text += (i ? ", " : "") + o.states_before[i].dump();
      }
      failure["message"] = OpPhrase(fop) + " cannot be linearized" +
                           (states_text.empty() ? std::string()
                                                : ": it is not legal in any state the model could be in when it "
                                                  "had to take effect (" + states_text + ")");
    } else {
      failure["message"] = "no linearization exists";
    }
    d["failure"] = failure;
  } else if (finished < problems.size()) {  // some search hit a limit or never started
    result.valid = Validity::kUnknown;
    d["reason"] = unknown_reason.empty() ? "time limit reached" : unknown_reason;
    if (d["reason"].get<std::string>().rfind("time limit", 0) == 0 && options.time_limit_s > 0) {
      d["reason"] = "time limit of " + json(options.time_limit_s).dump() + " s reached" +
                    (problems.size() > 1 && !unknown_reason.empty()
                         ? unknown_reason.substr(std::string("time limit reached").size())
                         : "");
    }
  } else {
    result.valid = Validity::kValid;
  }
  return result;
}

namespace {

class LinearizableChecker : public Checker {
 public:
  explicit LinearizableChecker(LinearizableOptions options) : options_(std::move(options)) {}
  std::string name() const override { return "linearizable"; }
  CheckResult Check(const TestInfo&, const History& history) override {
    auto r = CheckLinearizable(history, options_);
    if (r.ok()) return *r;
    CheckResult out;
    out.valid = Validity::kUnknown;
    out.details = {{"error", r.status().message()}};
    return out;
  }

 private:
  LinearizableOptions options_;
};

}  // namespace

Result<std::unique_ptr<Checker>> MakeLinearizableChecker(const LinearizableOptions& options) {
  auto model = MakeModel(options.model);
  if (!model.ok()) return model.status();
  return std::unique_ptr<Checker>(new LinearizableChecker(options));
}

std::string ExplainLinearizable(const CheckResult& result) {
  const json& d = result.details;
  if (result.valid == Validity::kValid) return "";
  if (result.valid == Validity::kUnknown) {
    if (d.contains("reason")) return "unknown: " + d["reason"].get<std::string>();
    if (d.contains("error")) return "unknown: " + d["error"].get<std::string>();
    return "unknown";
  }
  if (!d.contains("failure")) return "not linearizable";
  const json& f = d["failure"];
  std::string s = f.value("message", std::string("not linearizable"));
  const json& lin = f["linearized"];
  if (!f["key"].is_null()) s = "key " + KeyText(f["key"]) + ": " + s;
  s += "\n  longest linearizable prefix: " + std::to_string(lin.size()) + " ops";
  size_t shown = std::min<size_t>(lin.size(), 5);
  if (shown) s += "; the last " + std::to_string(shown) + ":";
  for (size_t i = lin.size() - shown; i < lin.size(); ++i) {
    s += "\n    " + OpPhrase(lin[i]["op"]) + " -> state " + lin[i]["state"].dump();
  }
  if (f.contains("concurrent")) {
    s += "\n  concurrent with it: " + std::to_string(f["concurrent"].size()) + " ops";
    size_t c = std::min<size_t>(f["concurrent"].size(), 5);
    for (size_t i = 0; i < c; ++i) s += "\n    " + OpPhrase(f["concurrent"][i]);
    if (f["concurrent"].size() > c) s += "\n    ...";
  }
  return s;
}

}  // namespace faultline
