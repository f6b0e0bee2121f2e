// Consistency models for transactional checkers (list-append, rw-register):
// which anomalies each model forbids, after Adya's PL levels and Elle.
//
// Anomaly names are Elle's: G0 (write cycle), G1a (aborted read), G1b
// (intermediate read), G1c (cycle of ww/wr), G-single (cycle with exactly one
// rw), G-nonadjacent (rw edges, none adjacent), G2-item (any cycle with rw),
// each cycle kind also as "-process" (uses a per-process order edge) and
// "-realtime" (uses a real-time order edge); plus the non-cycle anomalies
// internal, duplicate-elements, incompatible-order and garbage-read (a read
// of a value no txn wrote), which no model allows (the store did not behave
// as lists or registers at all), and dirty-update (a committed append after
// a failed one in a key's version order), which every model forbidding G1a
// forbids, as in Elle.
//
// A model forbids a set of anomalies; model A is stronger than B when A's set
// contains B's. Models that forbid "-process" or "-realtime" anomalies need
// those orders in the graph (needs_process / needs_realtime).
// Pure data and functions; safe from any thread.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "harness/core/status.h"

namespace faultline {

struct ConsistencyModel {
  std::string name;
  std::set<std::string> forbids;
  bool needs_process = false;
  bool needs_realtime = false;
};

// Every known model, weakest first (read-uncommitted ... strict-serializable).
const std::vector<ConsistencyModel>& AllConsistencyModels();

// "a,b,c" -> the models (aliases: "strong-serializable" = strict-serializable,
// "session-serializable" = strong-session-serializable). Error names the
// unknown word and lists the known names; an empty list is an error too.
Result<std::vector<const ConsistencyModel*>> ParseConsistencyModels(const std::string& csv);

// Names of all models, comma-separated (for usage text).
std::string ConsistencyModelNames();

// Verdict of a set of found anomaly types against models.
struct ModelVerdict {
  std::vector<std::string> violated;          // requested models forbidding a found anomaly
  std::vector<std::string> weakest_violated;  // of all known models: violated, with no weaker violated one
  std::vector<std::string> strongest_satisfied;  // of all known models that were checkable: not violated,
                                                 // with no stronger such model
};

// `checked_process` / `checked_realtime`: whether those orders were in the graph
// (a model needing an order that was not checked is never "satisfied").
ModelVerdict JudgeModels(const std::set<std::string>& found,
                         const std::vector<const ConsistencyModel*>& requested, bool checked_process,
                         bool checked_realtime);

}  // namespace faultline
