// "mutex": a lock (Knossos' mutex). Ops: acquire (legal only when free) and
// release (legal only when held). Initial state: false/"free" (default) or
// true/"held". Partitioned by op.key. State: one word (0 free, 1 held).
#include "checkers/model.h"

namespace faultline {
namespace {

class MutexMachine : public Machine {
 public:
  uint64_t initial = 0;
  std::vector<uint8_t> acquire;

  size_t state_words() const override { return 1; }
  void Init(uint64_t* s) const override { s[0] = initial; }
  bool Step(const uint64_t* s, uint32_t i, uint64_t* next) const override {
    if (acquire[i] ? s[0] != 0 : s[0] != 1) return false;
    next[0] = acquire[i] ? 1 : 0;
    return true;
  }
  json DescribeState(const uint64_t* s) const override { return s[0] ? "held" : "free"; }
};

class MutexModel : public Model {
 public:
  std::string name() const override { return "mutex"; }
  json DefaultInitial() const override { return false; }

  Result<std::unique_ptr<Machine>> Compile(const json& initial, const std::vector<ModelOp>& ops,
                                           bool) const override {
    auto m = std::make_unique<MutexMachine>();
    if (initial == json(true) || initial == json("held") || initial == json(1)) {
      m->initial = 1;
    } else if (!(initial == json(false) || initial == json("free") || initial == json(0))) {
      return Status::Error("mutex: initial state must be false/\"free\" or true/\"held\"");
    }
    for (const ModelOp& op : ops) {
      if (op.f == "acquire" || op.f == "lock") {
        m->acquire.push_back(1);
      } else if (op.f == "release" || op.f == "unlock") {
        m->acquire.push_back(0);
      } else {
        return Status::Error(DescribeModelOp(op) + ": model mutex has no operation :" + op.f +
                             " (it knows acquire, release)");
      }
    }
    return std::unique_ptr<Machine>(std::move(m));
  }
};

const Registrar<ModelFactory> kMutex("mutex", "lock: acquire when free, release when held",
                                     [] { return std::unique_ptr<Model>(new MutexModel()); });

}  // namespace
}  // namespace faultline
