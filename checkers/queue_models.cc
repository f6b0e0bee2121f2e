// Queue models. Ops: enqueue (value = element) and dequeue (ok value = the
// element removed; nil = unknown unless strict). Initial state: a list
// (default empty). Partitioned by op.key.
//  - "fifo-queue": dequeue removes the head and must return it. A pending
//    dequeue removes the head (whatever it is). State: [length, ids...],
//    sized for every enqueue of the partition.
//  - "unordered-queue": dequeue removes any one copy of the returned element.
//    A pending dequeue is dropped: removing an element never makes a later op
//    legal, so "it did not happen" is always the most permissive choice. An
//    ok dequeue with an unknown element is rejected as input (it would need
//    a non-deterministic model). State: a count per element.
#include <unordered_map>

#include "checkers/model.h"

namespace faultline {
namespace {

struct Interner {
  std::unordered_map<std::string, uint32_t> index;
  std::vector<json> values;
  uint32_t Id(const json& v) {
    auto [it, fresh] = index.emplace(v.dump(), static_cast<uint32_t>(values.size()));
    if (fresh) values.push_back(v);
    return it->second;
  }
};

enum class QOp : uint8_t { kEnqueue, kDequeue, kDequeueAny };

class FifoMachine : public Machine {
 public:
  std::vector<json> values;
  std::vector<uint32_t> initial;
  std::vector<QOp> kind;
  std::vector<uint32_t> element;
  size_t capacity = 0;

  size_t state_words() const override { return 1 + capacity; }
  void Init(uint64_t* s) const override {
    for (size_t w = 0; w < 1 + capacity; ++w) s[w] = 0;
    s[0] = initial.size();
    for (size_t k = 0; k < initial.size(); ++k) s[1 + k] = initial[k];
  }
  bool Step(const uint64_t* s, uint32_t i, uint64_t* next) const override {
    size_t len = s[0];
    if (kind[i] == QOp::kEnqueue) {
      if (len >= capacity) return false;  // cannot happen: capacity counts every enqueue
      for (size_t w = 0; w < 1 + capacity; ++w) next[w] = s[w];
      next[1 + len] = element[i];
      next[0] = len + 1;
      return true;
    }
    if (len == 0) return false;
    if (kind[i] == QOp::kDequeue && s[1] != element[i]) return false;
    next[0] = len - 1;
    for (size_t k = 1; k < len; ++k) next[k] = s[k + 1];
    for (size_t w = len; w < 1 + capacity; ++w) next[w] = 0;
    return true;
  }
  json DescribeState(const uint64_t* s) const override {
    json out = json::array();
    for (size_t k = 0; k < s[0]; ++k) out.push_back(values[s[1 + k]]);
    return out;
  }
};

class UnorderedMachine : public Machine {
 public:
  std::vector<json> values;
  std::vector<uint64_t> initial;  // counts
  std::vector<QOp> kind;
  std::vector<uint32_t> element;
  std::vector<uint8_t> removable;

  size_t state_words() const override { return std::max<size_t>(1, values.size()); }
  void Init(uint64_t* s) const override {
    s[0] = 0;
    for (size_t k = 0; k < initial.size(); ++k) s[k] = initial[k];
  }
  bool Step(const uint64_t* s, uint32_t i, uint64_t* next) const override {
    size_t w = state_words();
    uint32_t e = element[i];
    if (kind[i] == QOp::kDequeue && s[e] == 0) return false;
    for (size_t k = 0; k < w; ++k) next[k] = s[k];
    if (kind[i] == QOp::kEnqueue) {
      ++next[e];
    } else if (kind[i] == QOp::kDequeue) {
      --next[e];
    }
    return true;
  }
  bool Removable(uint32_t i) const override { return removable[i]; }
  json DescribeState(const uint64_t* s) const override {
    json out = json::array();
    for (size_t k = 0; k < values.size(); ++k) {
      for (uint64_t c = 0; c < s[k]; ++c) out.push_back(values[k]);
    }
    return out;
  }
};

class QueueModel : public Model {
 public:
  explicit QueueModel(bool fifo) : fifo_(fifo) {}
  std::string name() const override { return fifo_ ? "fifo-queue" : "unordered-queue"; }
  json DefaultInitial() const override { return json::array(); }

  Result<std::unique_ptr<Machine>> Compile(const json& initial, const std::vector<ModelOp>& ops,
                                           bool strict_reads) const override {
    if (!initial.is_array()) return Status::Error(name() + ": initial state must be a list");
    Interner in;
    std::vector<uint32_t> init;
    for (const json& e : initial) init.push_back(in.Id(e));
    std::vector<QOp> kind;
    std::vector<uint32_t> element;
    std::vector<uint8_t> removable;
    size_t enqueues = 0;
    for (const ModelOp& op : ops) {
      if (op.f == "enqueue") {
        kind.push_back(QOp::kEnqueue);
        element.push_back(in.Id(op.input));
        removable.push_back(0);
        ++enqueues;
      } else if (op.f == "dequeue") {
        bool unknown = op.pending || (op.output.is_null() && !strict_reads);
        if (!fifo_ && unknown && !op.pending) {
          return Status::Error(DescribeModelOp(op) + ": unordered-queue needs the dequeued element (got nil)");
        }
        kind.push_back(unknown ? QOp::kDequeueAny : QOp::kDequeue);
        element.push_back(unknown ? 0 : in.Id(op.output));
        removable.push_back(!fifo_ && op.pending);
      } else {
        return Status::Error(DescribeModelOp(op) + ": model " + name() + " has no operation :" + op.f +
                             " (it knows enqueue, dequeue)");
      }
    }
    if (fifo_) {
      auto m = std::make_unique<FifoMachine>();
      m->values = std::move(in.values);
      m->initial = std::move(init);
      m->kind = std::move(kind);
      m->element = std::move(element);
      m->capacity = std::max<size_t>(1, m->initial.size() + enqueues);
      return std::unique_ptr<Machine>(std::move(m));
    }
    auto m = std::make_unique<UnorderedMachine>();
    m->values = std::move(in.values);
    m->initial.assign(m->values.size(), 0);
    for (uint32_t e : init) ++m->initial[e];
    m->kind = std::move(kind);
    m->element = std::move(element);
    m->removable = std::move(removable);
    return std::unique_ptr<Machine>(std::move(m));
  }

 private:
  bool fifo_;
};

const Registrar<ModelFactory> kFifo("fifo-queue", "FIFO queue: enqueue, dequeue returns the head",
                                    [] { return std::unique_ptr<Model>(new QueueModel(true)); });
const Registrar<ModelFactory> kUnordered("unordered-queue", "queue without order: dequeue returns any element",
                                         [] { return std::unique_ptr<Model>(new QueueModel(false)); });

}  // namespace
}  // namespace faultline
