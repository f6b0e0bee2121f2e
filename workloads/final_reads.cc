#include "workloads/final_reads.h"

namespace faultline {

GenPtr FinalReads(const std::string& f, const std::vector<json>& keys, int attempts,
                  double retry_s) {
  std::vector<GenPtr> per_key;
  for (const json& key : keys) {
    Op op;
    op.f = f;
    op.key = key;
    // Repeat re-emits the same read without advancing; UntilOk stops at the
    // first ok; Delay spaces the retries; Limit bounds them.
    per_key.push_back(Limit(attempts, UntilOk(Delay(retry_s, Repeat(Emit(op))))));
  }
  return EachThread(Seq(std::move(per_key)));
}

}  // namespace faultline
