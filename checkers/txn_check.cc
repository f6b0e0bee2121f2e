#include "checkers/txn_check.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "checkers/consistency_models.h"

namespace faultline {
namespace txn {
namespace {

std::string JoinModels(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

std::string ListText(const int64_t* e, size_t n) {
  std::string out = "[";
  auto add = [&](size_t i) {
    if (out.size() > 1) out += ' ';
    out += std::to_string(e[i]);
  };
  if (n <= 10) {
    for (size_t i = 0; i < n; ++i) add(i);
  } else {
    for (size_t i = 0; i < 3; ++i) add(i);
    out += " ...";
    for (size_t i = n - 3; i < n; ++i) add(i);
  }
  out += "]";
  if (n > 10) out += " (" + std::to_string(n) + " elements)";
  return out;
}


Result<CheckResult> TxnCheck::Run() {
  auto t0 = std::chrono::steady_clock::now();
  auto models = ParseConsistencyModels(JoinModels(o_.consistency_models));
  if (!models.ok()) return models.status();
  bool need_process = false, need_realtime = false;
  for (auto* m : *models) {
    need_process |= m->needs_process;
    need_realtime |= m->needs_realtime;
  }
  CheckResult result;
  json& d = result.details;
  // Seconds per phase, for the benchmark and for users of big histories.
  json phases = json::object();
  auto mark = [&, last = t0](const char* phase) mutable {
    auto now = std::chrono::steady_clock::now();
    phases[phase] = std::chrono::duration<double>(now - last).count();
    last = now;
  };
  Status s = IndexWriters();
  if (!s.ok()) return s;
  mark("index");
  TxnGraphBuilder builder(static_cast<uint32_t>(txns_.size()));
  builder.Reserve(mops_.size() * 2 + (need_realtime ? txns_.size() * 6 : 0) + (need_process ? txns_.size() : 0));
  Infer(&builder);
  if (need_process) ProcessEdges(&builder);
  if (need_realtime) RealtimeEdges(&builder);
  mark("edges");
  size_t limit_mb = o_.memory_limit_mb;
  if (limit_mb == 0) limit_mb = static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) / 1024 * sysconf(_SC_PAGESIZE) / 1024 * 3 / 4;
  size_t graph_bytes = builder.pending() * 22 + txns_.size() * 40;
  std::string unknown_reason;
  CycleSearchResult cycles;
  if (graph_bytes > (limit_mb << 20)) {
    unknown_reason = "memory limit: the dependency graph needs about " + std::to_string(graph_bytes >> 20) +
                     " MB, over the limit of " + std::to_string(limit_mb) + " MB";
  } else {
    TxnGraph graph = builder.Build();
    mark("graph");
    d["edges"] = graph.edge_count();
    CycleSearchOptions co;
    co.process = need_process;
    co.realtime = need_realtime;
    co.max_steps = o_.max_search_steps;
    if (o_.time_limit_s > 0) {
      double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      co.deadline_s = std::max(0.001, o_.time_limit_s - spent);
    }
    cycles = FindCycles(graph, co);
    if (!cycles.complete) unknown_reason = cycles.why;
    for (auto& c : cycles.cycles) AddCycle(c);
    mark("cycles");
  }
  d["phases"] = phases;
  std::set<std::string> found;
  for (auto it = counts_.begin(); it != counts_.end(); ++it) found.insert(it.key());
  ModelVerdict verdict = JudgeModels(found, *models, need_process, need_realtime);
  if (!verdict.violated.empty()) {
    result.valid = Validity::kInvalid;
  } else if (!unknown_reason.empty()) {
    result.valid = Validity::kUnknown;
  } else {
    result.valid = Validity::kValid;
  }
  d["model"] = model();
  json names = json::array();
  for (auto* m : *models) names.push_back(m->name);
  d["consistency-models"] = names;
  d["txns"] = {{"ok", th_.ok}, {"info", th_.info}, {"fail", th_.fail}};
  d["keys"] = key_json_.size();
  d["anomaly-types"] = json(std::vector<std::string>(found.begin(), found.end()));
  d["anomaly-counts"] = counts_;
  d["anomalies"] = anomalies_;
  d["not"] = verdict.violated;
  d["weakest-violated"] = verdict.weakest_violated;
  d["strongest-satisfied"] = verdict.strongest_satisfied;
  d["cycle-components"] = cycles.components;
  if (result.valid == Validity::kUnknown) d["reason"] = unknown_reason;
  else if (!unknown_reason.empty()) d["incomplete"] = unknown_reason;
  d["elapsed_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

Status TxnCheck::IndexWriters() {
  size_t appends = 0;
  for (const Mop& m : mops_) appends += m.append;
  writers_.Reserve(appends);
  for (uint32_t id = 0; id < txns_.size(); ++id) {
    const Txn& t = txns_[id];
    for (uint32_t i = t.mop_begin; i < t.mop_end; ++i) {
      const Mop& m = mops_[i];
      if (!m.append) continue;
      WriterMap::Slot* s = writers_.Find(m.key, m.value);
      if (s->txn != kNoTxn) {
        return Status::Error(th_.Where(t.completed ? t.complete_at : t.invoke_at) + ": value " + std::to_string(m.value) + " written to key " +
                             KeyText(m.key) + " twice (also by " + Name(s->txn) +
                             "); " + model() + " needs unique written values per key");
      }
      bool last = true;
      for (uint32_t j = i + 1; j < t.mop_end; ++j) last &= !(mops_[j].append && mops_[j].key == m.key);
      *s = WriterMap::Slot{m.value, m.key, id, last};
    }
  }
  return Status::Ok();
}

void TxnCheck::ProcessEdges(TxnGraphBuilder* b) {
  std::unordered_map<int64_t, uint32_t> last;
  for (uint32_t id = 0; id < txns_.size(); ++id) {
    if (txns_[id].type == OpType::kFail) continue;
    auto [it, fresh] = last.try_emplace(txns_[id].process, id);
    if (!fresh) {
      b->Add(it->second, id, kEdgeProcess);
      it->second = id;
    }
  }
}

// Realtime: an edge from every txn in the frontier (completed, and not yet
// known to precede another completed txn) to each txn invoked after; this
// is the transitive reduction up to concurrency, O(n * concurrency).
void TxnCheck::RealtimeEdges(TxnGraphBuilder* b) {
  // A frontier entry's sequence number says when it completed; a txn's
  // predecessors are the entries present at its invocation, so at its
  // completion exactly the entries no newer than that count leave.
  struct Entry {
    uint32_t txn;
    uint64_t seq;
  };
  std::vector<Entry> frontier, next;
  std::vector<uint64_t> seq_at_invoke(txns_.size(), 0);
  uint64_t seq = 0;
  for (auto [id, completes] : events_) {
    if (txns_[id].type == OpType::kFail) continue;
    if (!completes) {
      for (const Entry& f : frontier) b->Add(f.txn, id, kEdgeRealtime);
      seq_at_invoke[id] = seq;
      continue;
    }
    if (txns_[id].type != OpType::kOk) continue;
    next.clear();
    for (const Entry& f : frontier) {
      if (f.seq > seq_at_invoke[id]) next.push_back(f);
    }
    next.push_back({id, ++seq});
    frontier.swap(next);
  }
}

std::string TxnCheck::Name(uint32_t id) const {
  const Txn& t = txns_[id];
  return "T" + std::to_string(t.completed ? t.complete_index : t.invoke_index);
}
std::string TxnCheck::KeyText(uint32_t k) const {
  const json& j = key_json_[k];
  return j.is_string() ? j.get<std::string>() : j.dump();
}

json TxnCheck::TxnJson(uint32_t id) const {
  const Txn& t = txns_[id];
  return {{"name", Name(id)}, {"index", t.completed ? t.complete_index : t.invoke_index}, {"process", t.process},
          {"type", std::string(OpTypeName(t.type))}, {"value", th_.TxnValue(id)}};
}

void TxnCheck::Report(const std::string& type, std::vector<uint32_t> ids, const std::string& why) {
  size_t n = counts_[type].is_number() ? counts_[type].get<size_t>() : 0;
  counts_[type] = n + 1;
  if (n >= o_.max_reported) return;
  json txns = json::array();
  for (uint32_t id : ids) txns.push_back(TxnJson(id));
  anomalies_[type].push_back({{"txns", txns}, {"why", why}});
}

std::string TxnCheck::ReadText(const Mop& m) const {
  if (m.null_read) return "nil";
  if (th_.model == TxnModel::kListAppend) return ListText(pool_.data() + m.begin, m.len);
  return std::to_string(m.value);
}

void TxnCheck::ReportLostUpdates(std::vector<ReadThenWrite> c) {
  // The same version: same key, both nil or neither, same value (registers)
  // or same elements (lists).
  auto less = [&](const ReadThenWrite& x, const ReadThenWrite& y) {
    const Mop& a = mops_[x.mop];
    const Mop& b = mops_[y.mop];
    if (a.key != b.key) return a.key < b.key;
    if (a.null_read != b.null_read) return a.null_read;
    if (a.value != b.value) return a.value < b.value;
    if (a.len != b.len) return a.len < b.len;
    return std::lexicographical_compare(pool_.begin() + a.begin, pool_.begin() + a.begin + a.len,
                                        pool_.begin() + b.begin, pool_.begin() + b.begin + b.len);
  };
  std::sort(c.begin(), c.end(), [&](const ReadThenWrite& x, const ReadThenWrite& y) {
    return less(x, y) || (!less(y, x) && x.txn < y.txn);
  });
  for (size_t i = 0; i < c.size();) {
    size_t j = i + 1;
    while (j < c.size() && !less(c[i], c[j])) ++j;
    if (j - i >= 2) {
      const Mop& r = mops_[c[i].mop];
      std::vector<uint32_t> ids;
      std::string names;
      for (size_t k = i; k < j; ++k) {
        if (k - i < 8) ids.push_back(c[k].txn);
        if (k - i < 6) names += (k == i ? "" : j - i == 2 ? " and " : ", ") + Name(c[k].txn);
      }
      if (j - i > 6) names += " and " + std::to_string(j - i - 6) + " more";
      Report("lost-update", ids,
             "key " + KeyText(r.key) + ": " + names + (j - i == 2 ? " both" : " all") + " read " + KeyText(r.key) +
                 " = " + ReadText(r) +
                 " and each then wrote " + KeyText(r.key) + ", so all but one of their updates were lost");
    }
    i = j;
  }
}

std::pair<std::string, json> TxnCheck::WhyStep(const CycleStep& s) const {
  const Txn& a = txns_[s.from];
  const Txn& b = txns_[s.to];
  std::string A = Name(s.from), B = Name(s.to), arrow = " " + std::string(EdgeName(s.type)) + "→ ";
  if (s.type == kEdgeProcess) {
    return {A + " and " + B + " ran on process " + std::to_string(a.process) + ", " + A + " first, so " + A + arrow + B,
            nullptr};
  }
  if (s.type == kEdgeRealtime) {
    return {A + " completed (event " + std::to_string(a.complete_index) + ") before " + B +
                " was invoked (event " + std::to_string(b.invoke_index) + "), so " + A + arrow + B,
            nullptr};
  }
  auto why = WhyData(s);
  if (why.first.empty()) why.first = A + arrow + B;
  return why;
}

void TxnCheck::AddCycle(const FoundCycle& c) {
  size_t n = counts_[c.kind].is_number() ? counts_[c.kind].get<size_t>() : 0;
  counts_[c.kind] = n + 1;
  if (n >= o_.max_reported) return;
  json txns = json::array(), steps = json::array();
  for (const CycleStep& s : c.steps) {
    txns.push_back(TxnJson(s.from));
    auto [why, key] = WhyStep(s);
    json step = {{"from", Name(s.from)}, {"to", Name(s.to)}, {"type", EdgeName(s.type)}, {"why", why}};
    if (!key.is_null()) step["key"] = key;
    steps.push_back(step);
  }
  anomalies_[c.kind].push_back({{"txns", txns}, {"steps", steps}});
}

}  // namespace txn

std::string ExplainTxnCheck(const CheckResult& r) {
  const json& d = r.details;
  std::string out;
  auto line = [&](const std::string& s) { out += (out.empty() ? "" : "\n") + s; };
  auto join = [](const json& a) {
    std::string s;
    if (!a.is_array()) return s;
    for (const auto& x : a) s += (s.empty() ? "" : ", ") + x.get<std::string>();
    return s;
  };
  if (d.contains("reason")) line("unknown: " + d["reason"].get<std::string>());
  if (!d.contains("anomaly-types") || d["anomaly-types"].empty()) return out;
  std::string types;
  for (const auto& t : d["anomaly-types"]) {
    std::string name = t.get<std::string>();
    types += (types.empty() ? "" : ", ") + name + " (" + std::to_string(d["anomaly-counts"][name].get<size_t>()) + ")";
  }
  line("anomaly types: " + types);
  if (!d["not"].empty()) line("violates: " + join(d["not"]));
  if (!d["weakest-violated"].empty()) line("weakest model violated: " + join(d["weakest-violated"]));
  if (!d["strongest-satisfied"].empty()) line("strongest models it may satisfy: " + join(d["strongest-satisfied"]));
  for (auto it = d["anomalies"].begin(); it != d["anomalies"].end(); ++it) {
    for (const auto& a : it.value()) {
      if (a.contains("steps")) {
        line(it.key() + ": a cycle of " + std::to_string(a["steps"].size()) + " transactions");
        for (const auto& t : a["txns"]) {
          line("  " + t["name"].get<std::string>() + " = process " + t["process"].dump() + ", " +
               t["type"].get<std::string>() + ": " + t["value"].dump());
        }
        for (const auto& s : a["steps"]) line("  " + s["why"].get<std::string>());
      } else {
        line(it.key() + ": " + a["why"].get<std::string>());
      }
    }
  }
  return out;
}

}  // namespace faultline
