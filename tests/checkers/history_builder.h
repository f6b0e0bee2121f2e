// HistoryBuilder: hand-built histories for checker and report tests.
// Times are given in milliseconds and stored as nanoseconds; history()
// returns the ops sorted by time. A completion
// copies f/key/node from its process's open invocation. Not thread-safe.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/core/op.h"

namespace faultline::testing {

class HistoryBuilder {
 public:
  HistoryBuilder& Invoke(int64_t process, std::string f, json value, double t_ms, json key = nullptr,
                         std::string node = "") {
    Op op;
    op.type = OpType::kInvoke;
    op.process = process;
    op.f = std::move(f);
    op.value = std::move(value);
    op.key = std::move(key);
    op.node = std::move(node);
    op.time = static_cast<int64_t>(t_ms * 1e6);
    open_[process] = op;
    return Push(op);
  }
  HistoryBuilder& Ok(int64_t process, double t_ms, std::optional<json> value = std::nullopt) {
    return Complete(process, OpType::kOk, t_ms, std::move(value));
  }
  HistoryBuilder& Fail(int64_t process, double t_ms, std::string error = "") {
    Complete(process, OpType::kFail, t_ms, std::nullopt);
    h_.back().error = std::move(error);
    return *this;
  }
  HistoryBuilder& Info(int64_t process, double t_ms) { return Complete(process, OpType::kInfo, t_ms, std::nullopt); }
  // An op invoked and completed at once.
  HistoryBuilder& OkOp(int64_t process, std::string f, json value, double t0, double t1, json key = nullptr,
                       std::string node = "") {
    Invoke(process, std::move(f), value, t0, std::move(key), std::move(node));
    return Ok(process, t1);
  }
  // A nemesis record (process "nemesis").
  HistoryBuilder& Nemesis(OpType type, std::string f, json value, double t_ms) {
    Op op;
    op.type = type;
    op.process = kNemesisProcess;
    op.f = std::move(f);
    op.value = std::move(value);
    op.time = static_cast<int64_t>(t_ms * 1e6);
    return Push(op);
  }
  // start-X (invoke + info with {"nodes": nodes}) at t_ms .. t_ms+1.
  HistoryBuilder& StartFault(const std::string& fault, std::vector<std::string> nodes, double t_ms) {
    Nemesis(OpType::kInvoke, "start-" + fault, nullptr, t_ms);
    return Nemesis(OpType::kInfo, "start-" + fault, json{{"nodes", nodes}}, t_ms + 1);
  }
  HistoryBuilder& StopFault(const std::string& fault, double t_ms) {
    Nemesis(OpType::kInvoke, "stop-" + fault, nullptr, t_ms);
    return Nemesis(OpType::kInfo, "stop-" + fault, nullptr, t_ms + 1);
  }
  // The ops in time order (stable; as a real recorder appends them), indexed
  // 0, 1, 2, ... — so builder calls need not be in time order.
  History history() const {
    History h = h_;
    std::stable_sort(h.begin(), h.end(), [](const Op& a, const Op& b) { return a.time < b.time; });
    for (size_t i = 0; i < h.size(); ++i) h[i].index = static_cast<int64_t>(i);
    return h;
  }

 private:
  HistoryBuilder& Complete(int64_t process, OpType type, double t_ms, std::optional<json> value) {
    Op op = open_.at(process);
    open_.erase(process);
    op.type = type;
    if (value) op.value = std::move(*value);  // else keep the invoke's value
    op.time = static_cast<int64_t>(t_ms * 1e6);
    return Push(op);
  }
  HistoryBuilder& Push(Op op) {
    op.index = static_cast<int64_t>(h_.size());
    h_.push_back(std::move(op));
    return *this;
  }
  History h_;
  std::map<int64_t, Op> open_;
};

}  // namespace faultline::testing
