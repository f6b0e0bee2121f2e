// "counter": an integer. Ops: add / counter-add / increment (value = delta,
// null = 1), read / counter-read (ok value = the count; nil matches any state
// unless strict). Initial state: a number (default 0). Partitioned by op.key.
// State: one word.
#include "checkers/model.h"

namespace faultline {
namespace {

class CounterMachine : public Machine {
 public:
  int64_t initial = 0;
  std::vector<uint8_t> is_read, any;
  std::vector<int64_t> value;

  size_t state_words() const override { return 1; }
  void Init(uint64_t* s) const override { s[0] = static_cast<uint64_t>(initial); }
  bool Step(const uint64_t* s, uint32_t i, uint64_t* next) const override {
    int64_t v = static_cast<int64_t>(s[0]);
    if (is_read[i]) {
      if (!any[i] && v != value[i]) return false;
      next[0] = s[0];
      return true;
    }
    next[0] = static_cast<uint64_t>(v + value[i]);
    return true;
  }
  bool Removable(uint32_t i) const override { return is_read[i] && any[i]; }
  json DescribeState(const uint64_t* s) const override { return static_cast<int64_t>(s[0]); }
};

class CounterModel : public Model {
 public:
  std::string name() const override { return "counter"; }
  json DefaultInitial() const override { return 0; }

  Result<std::unique_ptr<Machine>> Compile(const json& initial, const std::vector<ModelOp>& ops,
                                           bool strict_reads) const override {
    auto m = std::make_unique<CounterMachine>();
    if (!initial.is_number_integer()) return Status::Error("counter: initial state must be an integer");
    m->initial = initial.get<int64_t>();
    for (const ModelOp& op : ops) {
      if (op.f == "add" || op.f == "counter-add" || op.f == "increment") {
        if (!op.input.is_null() && !op.input.is_number_integer()) {
          return Status::Error(DescribeModelOp(op) + ": delta must be an integer");
        }
        m->is_read.push_back(0);
        m->any.push_back(0);
        m->value.push_back(op.input.is_null() ? 1 : op.input.get<int64_t>());
      } else if (op.f == "read" || op.f == "counter-read") {
        bool any = op.pending || (op.output.is_null() && !strict_reads);
        if (!any && !op.output.is_number_integer()) {
          return Status::Error(DescribeModelOp(op) + ": a counter read must return an integer");
        }
        m->is_read.push_back(1);
        m->any.push_back(any);
        m->value.push_back(any ? 0 : op.output.get<int64_t>());
      } else {
        return Status::Error(DescribeModelOp(op) + ": model counter has no operation :" + op.f +
                             " (it knows add, counter-add, increment, read, counter-read)");
      }
    }
    return std::unique_ptr<Machine>(std::move(m));
  }
};

const Registrar<ModelFactory> kCounter("counter", "counter: add/counter-add delta, read/counter-read",
                                       [] { return std::unique_ptr<Model>(new CounterModel()); });

}  // namespace
}  // namespace faultline
