// Register models: "register" (read/write), "cas-register" (+ cas) and "kv"
// (a keyed register: read/write/cas/append, with get/put aliases as MIT
// 6.824-style key/value labs name them). All are partitioned by op.key, so a
// keyed history is one independent register per key.
//
// Values are kept as 128-bit content hashes (value_hash.h), so a state is two
// words whatever the values are, and appends extend the hash exactly.
// Conventions: read value = observed value (null on ok = unknown, matches any
// state unless strict), write value = written value, cas value =
// [expected, new], append value = the string appended.
#include <unordered_map>

#include "checkers/model.h"
#include "checkers/value_hash.h"

namespace faultline {
namespace {

enum class Kind : uint8_t { kRead, kWrite, kCas, kAppend };

struct CompiledOp {
  Kind kind;
  bool any;         // read with unknown result: matches every state
  Hash128 expect;   // read: observed value; cas: expected value
  Hash128 value;    // write/cas: new value; append: hash of the appended string
  AppendFactor factor;
};

struct HashKey {
  size_t operator()(const Hash128& h) const { return h.a ^ (h.b * 0x9E3779B97F4A7C15ULL); }
};

class RegisterMachine : public Machine {
 public:
  RegisterMachine(Hash128 initial, json initial_value, std::vector<CompiledOp> ops,
                  std::vector<json> append_strings, std::unordered_map<Hash128, json, HashKey> names)
      : initial_(initial), initial_value_(std::move(initial_value)), ops_(std::move(ops)),
        append_strings_(std::move(append_strings)), names_(std::move(names)) {}

  size_t state_words() const override { return 2; }
  void Init(uint64_t* s) const override {
    s[0] = initial_.a;
    s[1] = initial_.b;
  }
  bool Step(const uint64_t* s, uint32_t i, uint64_t* next) const override {
    const CompiledOp& op = ops_[i];
    switch (op.kind) {
      case Kind::kRead:
        if (!op.any && (s[0] != op.expect.a || s[1] != op.expect.b)) return false;
        next[0] = s[0];
        next[1] = s[1];
        return true;
      case Kind::kWrite:
        next[0] = op.value.a;
        next[1] = op.value.b;
        return true;
      case Kind::kCas:
        if (s[0] != op.expect.a || s[1] != op.expect.b) return false;
        next[0] = op.value.a;
        next[1] = op.value.b;
        return true;
      case Kind::kAppend: {
        Hash128 h = AppendHash(Hash128{s[0], s[1]}, op.value, op.factor);
        next[0] = h.a;
        next[1] = h.b;
        return true;
      }
    }
    return false;
  }
  bool Removable(uint32_t i) const override { return ops_[i].kind == Kind::kRead && ops_[i].any; }
  json DescribeState(const uint64_t* s) const override {
    auto it = names_.find(Hash128{s[0], s[1]});
    if (it != names_.end()) return it->second;
    return "(a value never seen in the history)";
  }
  std::vector<json> DescribeLinearization(const std::vector<uint32_t>& order) const override {
    // Replays exactly, so appended strings show in full.
    std::vector<json> out;
    json state = initial_value_;
    uint64_t s[2], next[2];
    Init(s);
    for (uint32_t i : order) {
      if (!Step(s, i, next)) {
        out.push_back("(op not legal here)");
        continue;
      }
      s[0] = next[0];
      s[1] = next[1];
      if (ops_[i].kind == Kind::kAppend) {
        std::string base = state.is_string() ? state.get<std::string>() : state.is_null() ? "" : state.dump();
        state = base + append_strings_[i].get<std::string>();
      } else {
        state = DescribeState(s);
      }
      out.push_back(state);
    }
    return out;
  }

 private:
  Hash128 initial_;
  json initial_value_;
  std::vector<CompiledOp> ops_;
  std::vector<json> append_strings_;
  std::unordered_map<Hash128, json, HashKey> names_;
};

class RegisterModel : public Model {
 public:
  RegisterModel(std::string name, bool cas, bool kv) : name_(std::move(name)), cas_(cas), kv_(kv) {}
  std::string name() const override { return name_; }

  Result<std::unique_ptr<Machine>> Compile(const json& initial, const std::vector<ModelOp>& ops,
                                           bool strict_reads) const override {
    std::vector<CompiledOp> out(ops.size());
    std::vector<json> appends(ops.size());
    std::unordered_map<Hash128, json, HashKey> names;
    auto name = [&](const json& v) {
      Hash128 h = HashValue(v);
      names.try_emplace(h, v);
      return h;
    };
    Hash128 init = name(initial);
    for (size_t i = 0; i < ops.size(); ++i) {
      const ModelOp& op = ops[i];
      CompiledOp& c = out[i];
      const std::string& f = op.f;
      if (f == "read" || (kv_ && f == "get")) {
        c.kind = Kind::kRead;
        c.any = op.pending || (op.output.is_null() && !strict_reads);
        c.expect = name(op.output);
      } else if (f == "write" || (kv_ && f == "put")) {
        c.kind = Kind::kWrite;
        c.value = name(op.input);
      } else if (f == "cas" && cas_) {
        if (!op.input.is_array() || op.input.size() != 2) {
          return Status::Error(DescribeModelOp(op) + ": cas value must be [expected, new]");
        }
        c.kind = Kind::kCas;
        c.expect = name(op.input[0]);
        c.value = name(op.input[1]);
      } else if (f == "append" && kv_) {
        if (!op.input.is_string()) {
          return Status::Error(DescribeModelOp(op) + ": append value must be a string");
        }
        c.kind = Kind::kAppend;
        const std::string& s = op.input.get_ref<const std::string&>();
        c.value = HashBytes(s);
        c.factor = AppendFactorFor(s.size());
        appends[i] = op.input;
      } else {
        std::string known = kv_ ? "read, write, cas, append, get, put" : cas_ ? "read, write, cas" : "read, write";
        return Status::Error(DescribeModelOp(op) + ": model " + name_ + " has no operation :" + f +
                             " (it knows " + known + ")");
      }
    }
    return std::unique_ptr<Machine>(
        new RegisterMachine(init, initial, std::move(out), std::move(appends), std::move(names)));
  }

 private:
  std::string name_;
  bool cas_;
  bool kv_;
};

const Registrar<ModelFactory> kRegister("register", "read/write register (per key if ops are keyed)", [] {
  return std::unique_ptr<Model>(new RegisterModel("register", false, false));
});
const Registrar<ModelFactory> kCasRegister("cas-register", "read/write/cas register (per key if keyed)", [] {
  return std::unique_ptr<Model>(new RegisterModel("cas-register", true, false));
});
const Registrar<ModelFactory> kKv("kv", "keyed registers: read/write/cas/append (get/put aliases)", [] {
  return std::unique_ptr<Model>(new RegisterModel("kv", true, true));
});

}  // namespace
}  // namespace faultline
