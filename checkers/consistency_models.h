// Consistency models for transactional checkers (list-append, rw-register):
// which anomalies each model forbids, following Elle's lattice
// (elle/consistency_model.clj): a graph of models (a model implies the
// weaker ones it points to), the anomalies each model directly proscribes,
// and a graph of anomalies (an anomaly implies others: G0 implies G1c, a
// process cycle implies a realtime one, lost-update implies G2-item, ...).
// A model forbids an anomaly when it, or a model it implies, directly
// proscribes that anomaly or one the anomaly implies.
//
// Anomaly names are Elle's: G0 (write cycle), G1a (aborted read), G1b
// (intermediate read), G1c (cycle of ww/wr), G-single (cycle with exactly one
// rw), G-nonadjacent (rw edges, none adjacent), G2-item (any cycle with rw),
// each cycle kind also as "-process" (uses a per-process order edge) and
// "-realtime" (uses a real-time order edge). The cycles faultline finds are
// over single keys, so its G-single and G-nonadjacent are Elle's
// G-single-item and G-nonadjacent-item (which imply G2-item). Non-cycle
// anomalies: internal (a read disagrees with the txn's own earlier reads or
// writes), future-read (a txn reads a value it only writes later),
// lost-update (two committed txns read the same version of a key and both
// write it), dirty-update (a committed write after an aborted one),
// duplicate-elements, incompatible-order (two reads of a key no one version
// order explains); and garbage-read (a read of a value no txn wrote), which
// Elle's lattice does not name and which faultline forbids from
// read-uncommitted up: the store did not behave as lists or registers.
//
// Pure data and functions; safe from any thread.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "harness/core/status.h"

namespace faultline {

struct ConsistencyModel {
  std::string name;
  std::set<std::string> forbids;  // every anomaly name (the closure above)
  std::vector<std::string> implies;  // every weaker model (transitively), by name
  bool needs_process = false;   // forbids some "-process" anomaly
  bool needs_realtime = false;  // forbids some "-realtime" anomaly
};

// Every known model (those forbidding at least one anomaly), weakest first:
// a model comes after every model it implies.
const std::vector<ConsistencyModel>& AllConsistencyModels();

// The anomalies `anomaly` implies, itself included (Elle's implied-anomalies,
// transitively). Unknown names imply only themselves.
std::set<std::string> ImpliedAnomalies(const std::string& anomaly);

// "a,b,c" -> the models. Aliases as Elle's: strong-serializable =
// strict-serializable, conflict-serializable = serializable, the PL-n names
// (PL-1, PL-2, PL-2.99, PL-3, PL-SI, PL-SS, PL-CS, PL-2+, PL-FCV, PL-MSR, PL-2L,
// PL-3U), and session-serializable = strong-session-serializable. Error
// names the unknown word and lists the known names; an empty list is an
// error too.
Result<std::vector<const ConsistencyModel*>> ParseConsistencyModels(const std::string& csv);

// Names of all models, comma-separated (for usage text).
std::string ConsistencyModelNames();

// Verdict of a set of found anomaly types against models.
struct ModelVerdict {
  std::vector<std::string> violated;          // requested models forbidding a found anomaly
  std::vector<std::string> weakest_violated;  // of all known models: violated, implying no other violated one
  std::vector<std::string> strongest_satisfied;  // of all known models that were checkable: not violated,
                                                 // implied by no other such model
};

// `checked_process` / `checked_realtime`: whether those orders were in the graph
// (a model needing an order that was not checked is never "satisfied").
ModelVerdict JudgeModels(const std::set<std::string>& found,
                         const std::vector<const ConsistencyModel*>& requested, bool checked_process,
                         bool checked_realtime);

}  // namespace faultline
