// FinalReads: the final phase most workloads want (Jepsen's final reads) —
// every client thread reads each of `keys` in turn (op `f`, value null) until
// one of its reads of that key completes ok, retrying every `retry_s` seconds,
// at most `attempts` reads per key and thread. A thread whose reads all fail or time out simply stops;
// the checker then decides what a missing final read means (the set checker
// says unknown when a set was never read).
// Thread safety: like every generator, owned by one scheduler thread.
#pragma once

#include <string>
#include <vector>

#include "harness/run/generator.h"

namespace faultline {

GenPtr FinalReads(const std::string& f, const std::vector<json>& keys, int attempts = 20,
                  double retry_s = 0.5);

}  // namespace faultline
