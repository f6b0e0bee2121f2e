// "set": a set of elements. Ops: add / set-add (value = element), read /
// set-read (ok value = the whole set, as a list). A read of nil matches any
// state unless strict. Initial state: a list (default empty). Partitioned by
// op.key. State: a bitset over the elements that appear in the history.
#include <algorithm>
#include <unordered_map>

#include "checkers/model.h"

namespace faultline {
namespace {

class SetMachine : public Machine {
 public:
  size_t words = 1;
  std::vector<json> elements;
  std::vector<uint64_t> initial;       // bitset
  std::vector<uint8_t> is_read, any, impossible;
  std::vector<uint32_t> add_element;   // add ops
  std::vector<uint64_t> read_bits;     // read ops: words per op, flattened

  size_t state_words() const override { return words; }
  void Init(uint64_t* s) const override { std::copy(initial.begin(), initial.end(), s); }
  bool Step(const uint64_t* s, uint32_t i, uint64_t* next) const override {
    if (is_read[i]) {
      if (impossible[i]) return false;
      if (!any[i]) {
        const uint64_t* want = read_bits.data() + static_cast<size_t>(i) * words;
        for (size_t w = 0; w < words; ++w) {
          if (s[w] != want[w]) return false;
        }
      }
      for (size_t w = 0; w < words; ++w) next[w] = s[w];
      return true;
    }
    for (size_t w = 0; w < words; ++w) next[w] = s[w];
    uint32_t e = add_element[i];
    next[e >> 6] |= 1ull << (e & 63);
    return true;
  }
  bool Removable(uint32_t i) const override { return is_read[i] && any[i]; }
  json DescribeState(const uint64_t* s) const override {
    json out = json::array();
    for (size_t e = 0; e < elements.size(); ++e) {
      if (s[e >> 6] & (1ull << (e & 63))) out.push_back(elements[e]);
    }
    return out;
  }
};

class SetModel : public Model {
 public:
  std::string name() const override { return "set"; }
  json DefaultInitial() const override { return json::array(); }

  Result<std::unique_ptr<Machine>> Compile(const json& initial, const std::vector<ModelOp>& ops,
                                           bool strict_reads) const override {
    auto m = std::make_unique<SetMachine>();
    std::unordered_map<std::string, uint32_t> index;
    auto id = [&](const json& v) {
      auto [it, fresh] = index.emplace(v.dump(), static_cast<uint32_t>(m->elements.size()));
      if (fresh) m->elements.push_back(v);
      return it->second;
    };
    if (!initial.is_array()) return Status::Error("set: initial state must be a list");
    for (const json& e : initial) id(e);
    for (const ModelOp& op : ops) {
      if (op.f == "add" || op.f == "set-add") {
        id(op.input);
      } else if (op.f == "read" || op.f == "set-read") {
        if (!op.output.is_null()) {
          if (!op.output.is_array()) return Status::Error(DescribeModelOp(op) + ": a set read must return a list");
          for (const json& e : op.output) id(e);
        }
      } else {
        return Status::Error(DescribeModelOp(op) + ": model set has no operation :" + op.f +
                             " (it knows add, set-add, read, set-read)");
      }
    }
    m->words = std::max<size_t>(1, (m->elements.size() + 63) / 64);
    const size_t W = m->words;
    m->initial.assign(W, 0);
    for (const json& e : initial) {
      uint32_t k = id(e);
      m->initial[k >> 6] |= 1ull << (k & 63);
    }
    m->is_read.resize(ops.size());
    m->any.resize(ops.size());
    m->impossible.resize(ops.size());
    m->add_element.resize(ops.size());
    m->read_bits.assign(ops.size() * W, 0);
    for (size_t i = 0; i < ops.size(); ++i) {
      const ModelOp& op = ops[i];
      if (op.f == "add" || op.f == "set-add") {
        m->add_element[i] = id(op.input);
        continue;
      }
      m->is_read[i] = 1;
      m->any[i] = op.pending || (op.output.is_null() && !strict_reads);
      if (op.output.is_array()) {
        std::vector<uint32_t> ids;
        for (const json& e : op.output) ids.push_back(id(e));
        std::sort(ids.begin(), ids.end());
        // A set never holds duplicates: such a read matches no state.
        if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) m->impossible[i] = 1;
        for (uint32_t k : ids) m->read_bits[i * W + (k >> 6)] |= 1ull << (k & 63);
      }  // else a strict read of null: matches only the empty set
    }
    return std::unique_ptr<Machine>(std::move(m));
  }
};

const Registrar<ModelFactory> kSet("set", "set: add/set-add element, read/set-read whole set",
                                   [] { return std::unique_ptr<Model>(new SetModel()); });

}  // namespace
}  // namespace faultline
