// Model: the sequential specification a linearizability search checks a
// history against (Porcupine's idea: a handful of required parts, the rest
// optional).
//
// A Model turns the operations of one independent part of a history into a
// Machine. A Machine works on compact states — a fixed number of 64-bit words
// chosen at compile time — so the search can copy, hash and compare states
// without allocating. Models are registered by name (ModelRegistry) at the
// bottom of their .cc file. Models and Machines are immutable after creation
// and safe to use from several threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/core/op.h"
#include "harness/core/registry.h"
#include "harness/core/status.h"

namespace faultline {

// One operation as a model sees it (an invoke and its completion, if any).
struct ModelOp {
  std::string f;
  json input;            // the invoke's value (the completion's when the invoke has none)
  json output;           // the ok completion's value; null when pending
  bool pending = false;  // info or never completed: outcome unknown, may take effect any time
  const Op* invoke = nullptr;  // for error messages; valid during Compile only
};

class Machine {
 public:
  virtual ~Machine() = default;
  // Number of 64-bit words in a state (at least 1).
  virtual size_t state_words() const = 0;
  // Writes the initial state.
  virtual void Init(uint64_t* state) const = 0;
  // Applies op `i` (index into the ops given to Compile) to `state`. Returns
  // false when the op is not legal in that state; else writes the next state
  // to `next` (which never aliases `state`). Must not allocate or block.
  virtual bool Step(const uint64_t* state, uint32_t i, uint64_t* next) const = 0;
  // Optional: true when op `i` is legal in every state and never changes it
  // (a read whose result is unknown): the search may drop it.
  virtual bool Removable(uint32_t i) const { return false; }
  // A readable form of a state, for explanations.
  virtual json DescribeState(const uint64_t* state) const = 0;
  // Optional: the states after each op of a linearization `order`, from the
  // initial state. The default steps compact states and describes them;
  // models whose compact state loses detail (hashed strings) replay exactly.
  virtual std::vector<json> DescribeLinearization(const std::vector<uint32_t>& order) const;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual std::string name() const = 0;
  // Initial state used when the caller gives none (null).
  virtual json DefaultInitial() const { return nullptr; }
  // Optional (P-compositionality): ops with different keys are independent
  // and checked separately. Default: op.key (null = everything together).
  virtual json PartitionKey(const Op& invoke) const { return invoke.key; }
  // Compiles `ops` (all from one partition). `initial` is never null here
  // unless the model's default is null. Error: an op the model does not know
  // or a malformed value; the message names the op ("process 3 :cas ...").
  virtual Result<std::unique_ptr<Machine>> Compile(const json& initial, const std::vector<ModelOp>& ops,
                                                   bool strict_reads) const = 0;
};

using ModelFactory = std::function<std::unique_ptr<Model>()>;
using ModelRegistry = Registry<ModelFactory>;

// The model registered as `name`; error lists the known names.
Result<std::unique_ptr<Model>> MakeModel(const std::string& name);

// Helpers for models.
// "process 3 :cas [1,4] (event 17)" — names an op in error messages.
std::string DescribeModelOp(const ModelOp& op);
// A readable op form for explanations: {"f":..., "value":...}.
json ModelOpJson(const ModelOp& op);

}  // namespace faultline
