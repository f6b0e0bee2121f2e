// Checker: history -> verdict. `valid` is true, false or unknown; a checker
// that runs out of time or memory, or throws, answers unknown — never true.
// Compose runs several checkers and merges verdicts with priority
// invalid > unknown > valid. Checkers are stateless between calls and may be
// called from any thread.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "harness/core/op.h"

namespace faultline {

enum class Validity { kValid, kInvalid, kUnknown };

// true / false / "unknown", as in results.json.
json ValidityToJson(Validity v);
std::string_view ValidityName(Validity v);  // "valid" / "invalid" / "unknown"
// Merge with priority invalid > unknown > valid.
Validity Merge(Validity a, Validity b);

struct CheckResult {
  Validity valid = Validity::kUnknown;
  json details = json::object();  // checker-specific; "valid" is added on output
};

// What a checker may want to know about the run besides the history.
struct TestInfo {
  json spec = json::object();  // the test spec (test.json)
  std::string run_dir;         // empty when checking a bare history file
};

class Checker {
 public:
  virtual ~Checker() = default;
  virtual std::string name() const = 0;
  virtual CheckResult Check(const TestInfo& test, const History& history) = 0;
};

// Runs each checker (a throwing one yields unknown with the error text) and
// returns {valid: merged, details: {name: {valid, ...}, ...}}.
class ComposeChecker : public Checker {
 public:
  explicit ComposeChecker(std::vector<std::unique_ptr<Checker>> checkers)
      : checkers_(std::move(checkers)) {}
  std::string name() const override { return "compose"; }
  CheckResult Check(const TestInfo& test, const History& history) override;

 private:
  std::vector<std::unique_ptr<Checker>> checkers_;
};

}  // namespace faultline
