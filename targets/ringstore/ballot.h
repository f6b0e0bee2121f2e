// Ballot: a totally ordered (counter, node id) pair.
//
// In paxos mode it is a CASPaxos ballot: unique per proposer because the node
// id breaks ties. In lww/eventual mode the same type is the write stamp
// (counter = wall-clock nanoseconds, node = the coordinator), so one storage
// layout serves every mode. The zero ballot (0, "") sorts before all others.
// A plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>

#include <nlohmann/json.hpp>

namespace faultline::ringstore {

struct Ballot {
  uint64_t counter = 0;
  std::string node;

  bool IsZero() const { return counter == 0 && node.empty(); }
  friend bool operator==(const Ballot& a, const Ballot& b) {
    return a.counter == b.counter && a.node == b.node;
  }
  friend bool operator<(const Ballot& a, const Ballot& b) {
    return std::tie(a.counter, a.node) < std::tie(b.counter, b.node);
  }
  friend bool operator>(const Ballot& a, const Ballot& b) { return b < a; }
  friend bool operator>=(const Ballot& a, const Ballot& b) { return !(a < b); }
};

// JSON form: [counter, "node"].
inline nlohmann::json BallotToJson(const Ballot& b) { return nlohmann::json::array({b.counter, b.node}); }
// False when `j` is not a [unsigned, string] pair.
inline bool BallotFromJson(const nlohmann::json& j, Ballot* out) {
  if (!j.is_array() || j.size() != 2 || !j[0].is_number_unsigned() || !j[1].is_string()) return false;
  out->counter = j[0].get<uint64_t>();
  out->node = j[1].get<std::string>();
  return true;
}

}  // namespace faultline::ringstore
