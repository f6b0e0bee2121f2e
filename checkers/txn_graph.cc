#include "checkers/txn_graph.h"

#include <algorithm>
#include <chrono>

#include "harness/core/huge_pages.h"

namespace faultline {

const char* EdgeName(uint8_t bit) {
  switch (bit) {
    case kEdgeWW: return "ww";
    case kEdgeWR: return "wr";
    case kEdgeRW: return "rw";
    case kEdgeProcess: return "process";
    case kEdgeRealtime: return "realtime";
  }
  return "?";
}

TxnGraph TxnGraphBuilder::Build() {
  TxnGraph g;
  g.n_ = n_;
  AssignHuge(&g.offset_, static_cast<size_t>(n_) + 1, 0u);
  for (const Edge& e : edges_) ++g.offset_[e.from + 1];
  for (uint32_t u = 0; u < n_; ++u) g.offset_[u + 1] += g.offset_[u];
  // A counting sort by source straight into the final arrays (no array of
  // pairs beside them: at millions of edges, first touching memory is much
  // of the cost).
  std::vector<uint32_t> fill(g.offset_.begin(), g.offset_.end() - 1);
  AssignHuge(&g.to_, edges_.size(), 0u);
  AssignHuge(&g.mask_, edges_.size(), uint8_t{0});
  for (const Edge& e : edges_) {
    uint32_t at = fill[e.from]++;
    g.to_[at] = e.to;
    g.mask_[at] = e.bits;
  }
  edges_.clear();
  edges_.shrink_to_fit();
  // Per node: sort by target and merge the masks of parallel edges,
  // compacting in place (the write position never passes the read one).
  std::vector<std::pair<uint32_t, uint8_t>> out;
  uint32_t w = 0;
  for (uint32_t u = 0; u < n_; ++u) {
    uint32_t begin = g.offset_[u], end = g.offset_[u + 1];
    out.clear();
    for (uint32_t i = begin; i < end; ++i) out.push_back({g.to_[i], g.mask_[i]});
    std::sort(out.begin(), out.end());
    g.offset_[u] = w;
    for (const auto& [to, bits] : out) {
      if (w > g.offset_[u] && g.to_[w - 1] == to) {
        g.mask_[w - 1] |= bits;
      } else {
        g.to_[w] = to;
        g.mask_[w] = bits;
        ++w;
      }
    }
  }
  g.offset_[n_] = w;
  g.to_.resize(w);
  g.mask_.resize(w);
  return g;
}

namespace {

// Data severity 0..4 (G0, G1c, G-single, G-nonadjacent, G2-item) and order
// level 0..2 (data only, process, realtime) of a cycle.
std::pair<int, int> Levels(const std::vector<CycleStep>& steps) {
  size_t rw = 0, n = steps.size();
  bool wr = false, proc = false, rt = false, adjacent = false;
  for (size_t i = 0; i < n; ++i) {
    uint8_t t = steps[i].type;
    rw += t == kEdgeRW;
    wr |= t == kEdgeWR;
    proc |= t == kEdgeProcess;
    rt |= t == kEdgeRealtime;
    adjacent |= t == kEdgeRW && steps[(i + 1) % n].type == kEdgeRW;
  }
  int d = rw == 0 ? (wr ? 1 : 0) : rw == 1 ? 2 : adjacent ? 4 : 3;
  int o = rt ? 2 : proc ? 1 : 0;
  return {d, o};
}

// Preferred reading of an edge with several reasons: the least severe.
uint8_t Pick(uint8_t m) {
  for (uint8_t b : {kEdgeWW, kEdgeWR, kEdgeProcess, kEdgeRealtime, kEdgeRW}) {
    if (m & b) return b;
  }
  return 0;
}

class Searcher {
 public:
  Searcher(const TxnGraph& g, const CycleSearchOptions& o)
      : g_(g), options_(o), start_(std::chrono::steady_clock::now()) {
    size_t n = g.size();
    AssignHuge(&index_, n, -1);
    AssignHuge(&low_, n, 0);
    AssignHuge(&on_stack_, n, uint8_t{0});
    AssignHuge(&comp_, n, kNone);
    AssignHuge(&stamp_, 2 * n, 0u);
    AssignHuge(&parent_, 2 * n, 0u);
    AssignHuge(&ptype_, 2 * n, uint8_t{0});
  }

  CycleSearchResult Run() {
    CycleSearchResult result;
    std::vector<uint32_t> all(g_.size());
    for (uint32_t u = 0; u < g_.size(); ++u) all[u] = u;
    std::vector<std::vector<uint32_t>> comps;
    Tarjan(all, 0xFF, kNone, &comps);
    for (uint32_t u : all) index_[u] = -1;
    for (uint32_t c = 0; c < comps.size(); ++c) {
      for (uint32_t u : comps[c]) comp_[u] = c;
    }
    result.components = comps.size();
    for (uint32_t c = 0; c < comps.size() && !aborted_; ++c) SearchComponent(c, comps[c], &result);
    if (aborted_) {
      result.complete = false;
      result.why = why_;
    }
    return result;
  }

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;

  bool Tick() {
    if (aborted_) return false;
    if (++steps_ > options_.max_steps) {
      aborted_ = true;
      why_ = "cycle search step limit (" + std::to_string(options_.max_steps) + " edge visits) reached";
      return false;
    }
    if ((steps_ & 0xFFFFF) == 0 && options_.deadline_s > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() > options_.deadline_s) {
      aborted_ = true;
      why_ = "time limit reached during the cycle search";
      return false;
    }
    return true;
  }

  bool In(uint32_t v, uint32_t comp) const { return comp == kNone || comp_[v] == comp; }

  // Iterative Tarjan over `nodes` (restricted to component `comp`, kNone =
  // all) and edges whose mask meets `allowed`; appends components larger
  // than one node. Leaves index_ set for `nodes` (callers reset it).
  void Tarjan(const std::vector<uint32_t>& nodes, uint8_t allowed, uint32_t comp,
              std::vector<std::vector<uint32_t>>* out) {
    int32_t counter = 0;
    std::vector<std::pair<uint32_t, uint32_t>> call;
    std::vector<uint32_t> stack;
    for (uint32_t root : nodes) {
      if (index_[root] != -1) continue;
      auto push = [&](uint32_t v) {
        index_[v] = low_[v] = counter++;
        stack.push_back(v);
        on_stack_[v] = 1;
        call.push_back({v, g_.begin(v)});
      };
      push(root);
      while (!call.empty()) {
        uint32_t u = call.back().first;
        uint32_t e = call.back().second;
        if (e < g_.end(u)) {
          call.back().second = e + 1;
          uint32_t v = g_.target(e);
          if (!(g_.mask(e) & allowed) || !In(v, comp)) continue;
          if (index_[v] == -1) {
            push(v);
          } else if (on_stack_[v]) {
            low_[u] = std::min(low_[u], index_[v]);
          }
          continue;
        }
        if (low_[u] == index_[u]) {
          std::vector<uint32_t> members;
          uint32_t w;
          do {
            w = stack.back();
            stack.pop_back();
            on_stack_[w] = 0;
            members.push_back(w);
          } while (w != u);
          if (members.size() > 1) out->push_back(std::move(members));
        }
        call.pop_back();
        if (!call.empty()) {
          uint32_t p = call.back().first;
          low_[p] = std::min(low_[p], low_[u]);
        }
      }
    }
  }

  // Shortest path src -> dst (dst may equal src: a cycle) over edges meeting
  // `allowed` inside `comp`; appends its steps. False when none (or aborted).
  bool Bfs(uint32_t src, uint32_t dst, uint8_t allowed, uint32_t comp, std::vector<CycleStep>* steps) {
    ++cur_;
    std::vector<uint32_t>& queue = queue_;
    queue.clear();
    queue.push_back(src);
    stamp_[src] = cur_;
    for (size_t qi = 0; qi < queue.size(); ++qi) {
      uint32_t u = queue[qi];
      for (uint32_t e = g_.begin(u); e < g_.end(u); ++e) {
        if (!Tick()) return false;
        uint8_t m = g_.mask(e) & allowed;
        uint32_t v = g_.target(e);
        if (!m || !In(v, comp)) continue;
        if (v == dst) {
          std::vector<CycleStep> rev;
          rev.push_back({u, v, Pick(m)});
          for (uint32_t x = u; x != src; x = parent_[x]) rev.push_back({parent_[x], x, ptype_[x]});
          steps->insert(steps->end(), rev.rbegin(), rev.rend());
          return true;
        }
        if (stamp_[v] == cur_) continue;
        stamp_[v] = cur_;
        parent_[v] = u;
        ptype_[v] = Pick(m);
        queue.push_back(v);
      }
    }
    return false;
  }

  // Shortest path (b, after rw) -> (a, not after rw) where no two rw steps
  // are adjacent; `dep` are the non-rw edge types allowed.
  bool NonadjacentBfs(uint32_t b, uint32_t a, uint8_t dep, uint32_t comp, std::vector<CycleStep>* steps) {
    ++cur_;
    queue_.clear();
    uint32_t start = b * 2 + 1, goal = a * 2;
    queue_.push_back(start);
    stamp_[start] = cur_;
    for (size_t qi = 0; qi < queue_.size(); ++qi) {
      uint32_t s = queue_[qi];
      uint32_t u = s / 2;
      bool after_rw = s & 1;
      for (uint32_t e = g_.begin(u); e < g_.end(u); ++e) {
        if (!Tick()) return false;
        uint32_t v = g_.target(e);
        if (!In(v, comp)) continue;
        uint8_t m = g_.mask(e);
        for (int take_rw = 0; take_rw < 2; ++take_rw) {
          uint8_t type;
          if (!take_rw) {
            if (!(m & dep)) continue;
            type = Pick(m & dep);
          } else {
            if (!(m & kEdgeRW) || after_rw) continue;
            type = kEdgeRW;
          }
          uint32_t t = v * 2 + static_cast<uint32_t>(take_rw);
          if (stamp_[t] == cur_) continue;
          stamp_[t] = cur_;
          parent_[t] = s;
          ptype_[t] = type;
          if (t == goal) {
            std::vector<CycleStep> rev;
            for (uint32_t x = t; x != start; x = parent_[x]) rev.push_back({parent_[x] / 2, x / 2, ptype_[x]});
            steps->insert(steps->end(), rev.rbegin(), rev.rend());
            return true;
          }
          queue_.push_back(t);
        }
      }
    }
    return false;
  }

  // One cycle of data severity `d` (or worse-named but found by that search)
  // using edges `extra` besides the data ones, inside component c.
  bool Search(int d, uint8_t extra, uint32_t c, const std::vector<uint32_t>& nodes, std::vector<CycleStep>* steps) {
    if (d <= 1) {
      uint8_t mask = static_cast<uint8_t>(kEdgeWW | (d == 1 ? kEdgeWR : 0) | extra);
      std::vector<std::vector<uint32_t>> sub;
      Tarjan(nodes, mask, c, &sub);
      for (uint32_t u : nodes) index_[u] = -1;
      if (sub.empty()) return false;
      return Bfs(sub[0][0], sub[0][0], mask, c, steps);
    }
    uint8_t dep = static_cast<uint8_t>(kEdgeWW | kEdgeWR | extra);
    for (uint32_t u : nodes) {
      for (uint32_t e = g_.begin(u); e < g_.end(u); ++e) {
        uint32_t v = g_.target(e);
        if (!(g_.mask(e) & kEdgeRW) || comp_[v] != c) continue;
        steps->clear();
        steps->push_back({u, v, kEdgeRW});
        bool found = d == 2   ? Bfs(v, u, dep, c, steps)
                     : d == 3 ? NonadjacentBfs(v, u, dep, c, steps)
                              : Bfs(v, u, static_cast<uint8_t>(dep | kEdgeRW), c, steps);
        if (found) return true;
        if (aborted_) return false;
      }
    }
    steps->clear();
    return false;
  }

  // A process step whose edge is also a realtime one is named realtime, as
  // Elle names such cycles when realtime order is checked.
  void PreferRealtime(std::vector<CycleStep>* steps) const {
    for (CycleStep& s : *steps) {
      if (s.type != kEdgeProcess) continue;
      uint32_t lo = g_.begin(s.from), hi = g_.end(s.from);
      while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g_.target(mid) < s.to) lo = mid + 1;
        else hi = mid;
      }
      if (lo < g_.end(s.from) && g_.target(lo) == s.to && (g_.mask(lo) & kEdgeRealtime)) s.type = kEdgeRealtime;
    }
  }

  void SearchComponent(uint32_t c, const std::vector<uint32_t>& nodes, CycleSearchResult* result) {
    std::vector<std::pair<int, int>> found;
    std::vector<std::string> kinds;
    for (int o = 0; o <= 2; ++o) {
      if (o == 1 && !options_.process) continue;
      if (o == 2 && !options_.realtime) continue;
      uint8_t extra = static_cast<uint8_t>((o >= 1 && options_.process ? kEdgeProcess : 0) |
                                           (o == 2 ? kEdgeRealtime : 0));
      for (int d = 0; d <= 4; ++d) {
        bool covered = false;
        for (auto [fd, fo] : found) covered |= fd <= d && fo <= o;
        if (covered) continue;
        std::vector<CycleStep> steps;
        bool ok = Search(d, extra, c, nodes, &steps);
        if (aborted_) return;
        if (!ok) continue;
        found.push_back(Levels(steps));
        if (options_.realtime) PreferRealtime(&steps);
        std::string kind = ClassifyCycle(steps);
        if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) continue;
        kinds.push_back(kind);
        result->cycles.push_back({kind, std::move(steps)});
      }
    }
  }

  const TxnGraph& g_;
  CycleSearchOptions options_;
  std::chrono::steady_clock::time_point start_;
  std::vector<int32_t> index_, low_;
  std::vector<uint8_t> on_stack_;
  std::vector<uint32_t> comp_;
  std::vector<uint32_t> stamp_, parent_;
  std::vector<uint8_t> ptype_;
  std::vector<uint32_t> queue_;
  uint32_t cur_ = 0;
  uint64_t steps_ = 0;
  bool aborted_ = false;
  std::string why_;
};

}  // namespace

std::string ClassifyCycle(const std::vector<CycleStep>& steps) {
  static const char* kData[] = {"G0", "G1c", "G-single", "G-nonadjacent", "G2-item"};
  static const char* kOrder[] = {"", "-process", "-realtime"};
  auto [d, o] = Levels(steps);
  return std::string(kData[d]) + kOrder[o];
}

CycleSearchResult FindCycles(const TxnGraph& graph, const CycleSearchOptions& options) {
  Searcher s(graph, options);
  return s.Run();
}

}  // namespace faultline
