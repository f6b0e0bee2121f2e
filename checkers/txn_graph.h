// TxnGraph: the dependency graph of a transactional history (Elle's idea),
// and the search for its cycles, classified by kind.
//
// Nodes are transactions 0..n-1; an edge carries a mask of why it exists:
// ww (write-write: the next version), wr (write-read: a read saw the write),
// rw (read-write: anti-dependency, the write follows the version read),
// process (the same process ran them in that order), realtime (the first
// completed before the second was invoked). Build it with TxnGraphBuilder;
// the graph is then immutable.
//
// FindCycles: Tarjan's strongly connected components of the whole graph,
// then inside each component, in order of severity, a search restricted to
// the edge types of each kind (ww only: G0; ww+wr: G1c; one rw: G-single; rw
// edges never adjacent: G-nonadjacent; any rw: G2-item; each first over data
// edges, then with process, then realtime edges too). A kind is skipped when a
// cycle already found in that component is at least as severe in both the
// data and the order dimension (any model forbidding the skipped kind forbids
// the found one too: Elle's lattice is closed that way, as
// tests/checkers/consistency_lattice_test.cc checks). When realtime order is
// searched, a process step whose edge is also realtime is named realtime
// (so the cycle is "-realtime", as Elle names it). Each search is a
// BFS, so each cycle is the shortest through its start. Searches are complete:
// if a component holds a cycle of a kind, a cycle of that kind or a more
// severe one is reported, unless the step budget or deadline ran out (then
// `complete` is false and says why).
// Not thread-safe while building; a built graph may be searched from several
// threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/core/huge_pages.h"

namespace faultline {

enum EdgeBits : uint8_t {
  kEdgeWW = 1,
  kEdgeWR = 2,
  kEdgeRW = 4,
  kEdgeProcess = 8,
  kEdgeRealtime = 16,
};

// "ww" / "wr" / "rw" / "process" / "realtime" for a single bit.
const char* EdgeName(uint8_t bit);

class TxnGraph {
 public:
  uint32_t size() const { return n_; }
  size_t edge_count() const { return to_.size(); }
  // Out-edges of u: targets and masks in [begin(u), end(u)).
  uint32_t begin(uint32_t u) const { return offset_[u]; }
  uint32_t end(uint32_t u) const { return offset_[u + 1]; }
  uint32_t target(uint32_t e) const { return to_[e]; }
  uint8_t mask(uint32_t e) const { return mask_[e]; }
  // Approximate bytes held.
  size_t bytes() const { return offset_.size() * 4 + to_.size() * 5; }

 private:
  friend class TxnGraphBuilder;
  uint32_t n_ = 0;
  std::vector<uint32_t> offset_;
  std::vector<uint32_t> to_;
  std::vector<uint8_t> mask_;
};

class TxnGraphBuilder {
 public:
  explicit TxnGraphBuilder(uint32_t n) : n_(n) {}
  // Adds from -> to with `bits`; self-edges are ignored (a transaction does
  // not depend on itself). Duplicates are merged by Build.
  void Add(uint32_t from, uint32_t to, uint8_t bits) {
    if (from != to) edges_.push_back({from, to, bits});
  }
  size_t pending() const { return edges_.size(); }
  void Reserve(size_t edges) { ReserveHuge(&edges_, edges); }
  // Consumes the builder.
  TxnGraph Build();

 private:
  struct Edge {
    uint32_t from, to;
    uint8_t bits;
  };
  uint32_t n_;
  std::vector<Edge> edges_;
};

struct CycleStep {
  uint32_t from = 0, to = 0;
  uint8_t type = 0;  // one EdgeBits bit: why this step holds
};

struct FoundCycle {
  std::string kind;  // e.g. "G-single-realtime"
  std::vector<CycleStep> steps;  // steps[i].to == steps[i+1].from, last.to == first.from
};

// The kind of a cycle from its steps' types (Elle's names, see consistency_models.h).
std::string ClassifyCycle(const std::vector<CycleStep>& steps);

struct CycleSearchOptions {
  bool process = false;   // search the "-process" kinds (graph has process edges)
  bool realtime = false;  // search the "-realtime" kinds (graph has realtime edges)
  uint64_t max_steps = 2'000'000'000;  // BFS edge visits before giving up
  double deadline_s = 0;  // seconds of steady clock from the call; 0 = none
};

struct CycleSearchResult {
  std::vector<FoundCycle> cycles;
  size_t components = 0;   // strongly connected components with more than one txn
  bool complete = true;    // false: a limit was hit; `why` says which
  std::string why;
};

CycleSearchResult FindCycles(const TxnGraph& graph, const CycleSearchOptions& options);

}  // namespace faultline
