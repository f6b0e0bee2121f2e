#include "checkers/checker.h"

#include <exception>

namespace faultline {

json ValidityToJson(Validity v) {
  switch (v) {
    case Validity::kValid: return true;
    case Validity::kInvalid: return false;
    case Validity::kUnknown: return "unknown";
  }
  return "unknown";
}

std::string_view ValidityName(Validity v) {
  switch (v) {
    case Validity::kValid: return "valid";
    case Validity::kInvalid: return "invalid";
    case Validity::kUnknown: return "unknown";
  }
  return "unknown";
}

Validity Merge(Validity a, Validity b) {
  if (a == Validity::kInvalid || b == Validity::kInvalid) return Validity::kInvalid;
  if (a == Validity::kUnknown || b == Validity::kUnknown) return Validity::kUnknown;
  return Validity::kValid;
}

CheckResult ComposeChecker::Check(const TestInfo& test, const History& history) {
  CheckResult out;
  out.valid = Validity::kValid;
  for (auto& checker : checkers_) {
    CheckResult r;
    try {
      r = checker->Check(test, history);
    } catch (const std::exception& e) {
      r.valid = Validity::kUnknown;
      r.details = {{"error", std::string("checker threw: ") + e.what()}};
    }
    json d = r.details.is_object() ? r.details : json{{"details", r.details}};
    d["valid"] = ValidityToJson(r.valid);
    out.details[checker->name()] = d;
    out.valid = Merge(out.valid, r.valid);
  }
  return out;
}

}  // namespace faultline
