// "multi-register": a map of registers changed by transactions (Knossos'
// multi-register). An op has f "txn" and a value that is a list of micro-ops
// [:read k v] / [:write k v] ("r"/"w" accepted), applied in order; reads
// inside a transaction see its earlier writes. A read of nil matches any
// value unless strict. Initial state: a map, e.g. {"x":0,"y":0}; keys not in
// it start as null. Transactions span keys, so this model is not partitioned.
// State: two hash words (value_hash.h) per key.
#include <unordered_map>

#include "checkers/model.h"
#include "checkers/value_hash.h"

namespace faultline {
namespace {

struct Micro {
  uint32_t key;
  bool write;
  bool any;  // read with unknown value
  Hash128 value;
};

struct HashKey {
  size_t operator()(const Hash128& h) const { return h.a ^ (h.b * 0x9E3779B97F4A7C15ULL); }
};

class MultiRegisterMachine : public Machine {
 public:
  std::vector<std::string> keys;
  std::vector<Hash128> initial;
  std::vector<uint32_t> begin;  // ops' micro-op ranges: [begin[i], begin[i+1])
  std::vector<Micro> micros;
  std::vector<uint8_t> removable;
  std::unordered_map<Hash128, json, HashKey> names;

  size_t state_words() const override { return keys.empty() ? 1 : 2 * keys.size(); }
  void Init(uint64_t* s) const override {
    s[0] = 0;
    for (size_t k = 0; k < keys.size(); ++k) {
      s[2 * k] = initial[k].a;
      s[2 * k + 1] = initial[k].b;
    }
  }
  bool Step(const uint64_t* s, uint32_t i, uint64_t* next) const override {
    size_t w = state_words();
    for (size_t j = 0; j < w; ++j) next[j] = s[j];
    for (uint32_t m = begin[i]; m < begin[i + 1]; ++m) {
      const Micro& mo = micros[m];
      uint64_t* slot = next + 2 * mo.key;
      if (mo.write) {
        slot[0] = mo.value.a;
        slot[1] = mo.value.b;
      } else if (!mo.any && (slot[0] != mo.value.a || slot[1] != mo.value.b)) {
        return false;
      }
    }
    return true;
  }
  bool Removable(uint32_t i) const override { return removable[i]; }
  json DescribeState(const uint64_t* s) const override {
    json out = json::object();
    for (size_t k = 0; k < keys.size(); ++k) {
      auto it = names.find(Hash128{s[2 * k], s[2 * k + 1]});
      out[keys[k]] = it == names.end() ? json("?") : it->second;
    }
    return out;
  }
};

class MultiRegisterModel : public Model {
 public:
  std::string name() const override { return "multi-register"; }
  json DefaultInitial() const override { return json::object(); }
  json PartitionKey(const Op&) const override { return nullptr; }

  Result<std::unique_ptr<Machine>> Compile(const json& initial, const std::vector<ModelOp>& ops,
                                           bool strict_reads) const override {
    auto m = std::make_unique<MultiRegisterMachine>();
    std::unordered_map<std::string, uint32_t> key_index;
    auto key_of = [&](const json& k) {
      std::string name = k.is_string() ? k.get<std::string>() : k.dump();
      auto [it, fresh] = key_index.emplace(name, static_cast<uint32_t>(m->keys.size()));
      if (fresh) {
        m->keys.push_back(name);
        m->initial.push_back(kNullHash);
      }
      return it->second;
    };
    auto hash = [&](const json& v) {
      Hash128 h = HashValue(v);
      m->names.try_emplace(h, v);
      return h;
    };
    hash(nullptr);
    if (!initial.is_object() && !initial.is_null()) {
      return Status::Error("multi-register: initial state must be a map like {\"x\":0,\"y\":0}");
    }
    if (initial.is_object()) {
      for (auto it = initial.begin(); it != initial.end(); ++it) {
        uint32_t k = key_of(json(it.key()));
        m->initial[k] = hash(it.value());
      }
    }
    for (const ModelOp& op : ops) {
      if (op.f != "txn") {
        return Status::Error(DescribeModelOp(op) + ": model multi-register has no operation :" + op.f +
                             " (it knows txn)");
      }
      const json& v = op.pending ? op.input : op.output.is_null() ? op.input : op.output;
      if (!v.is_array()) return Status::Error(DescribeModelOp(op) + ": txn value must be a list of [f k v] micro-ops");
      m->begin.push_back(static_cast<uint32_t>(m->micros.size()));
      bool only_free_reads = true;
      for (const json& mo : v) {
        if (!mo.is_array() || mo.size() != 3 || !mo[0].is_string()) {
          return Status::Error(DescribeModelOp(op) + ": micro-op " + mo.dump() + " is not [read|write key value]");
        }
        std::string f = mo[0].get<std::string>();
        Micro micro;
        micro.key = key_of(mo[1]);
        if (f == "read" || f == "r") {
          micro.write = false;
          micro.any = op.pending || (mo[2].is_null() && !strict_reads);
        } else if (f == "write" || f == "w") {
          micro.write = true;
          micro.any = false;
        } else {
          return Status::Error(DescribeModelOp(op) + ": unknown micro-op :" + f + " (expected read or write)");
        }
        if (micro.write || !micro.any) only_free_reads = false;
        micro.value = hash(mo[2]);
        m->micros.push_back(micro);
      }
      m->removable.push_back(only_free_reads);
    }
    m->begin.push_back(static_cast<uint32_t>(m->micros.size()));
    return std::unique_ptr<Machine>(std::move(m));
  }
};

const Registrar<ModelFactory> kMultiRegister(
    "multi-register", "map of registers changed by :txn of [:read k v]/[:write k v] micro-ops",
    [] { return std::unique_ptr<Model>(new MultiRegisterModel()); });

}  // namespace
}  // namespace faultline
