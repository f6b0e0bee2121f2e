#include "targets/ringstore/coordinator.h"

#include <time.h>

namespace faultline::ringstore {

std::unique_ptr<Coordinator> MakeCoordinator(const NodeContext& ctx) {
  switch (ctx.config->mode) {
    case Mode::kPaxos: return MakePaxosCoordinator(ctx);
    case Mode::kLww: return MakeLwwCoordinator(ctx);
    case Mode::kEventual: return MakeEventualCoordinator(ctx);
  }
  return nullptr;
}

uint64_t WallClockNanos() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace faultline::ringstore
