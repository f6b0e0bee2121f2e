// Interrupts: SIGINT/SIGTERM handling for long-running commands (`test`).
//
// While an InterruptGuard lives, SIGINT and SIGTERM only increment a counter
// (the first means "stop generating, heal, save, check what was recorded";
// the second "skip checking, but still heal and tear down"); the previous
// handlers are restored when it is destroyed. The counter is process-wide
// state by nature (signals are); reading it is async-signal-safe and
// thread-safe. Only one guard at a time.
#pragma once

namespace faultline {

class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // Signals received since this guard was made.
  static int Count();
};

}  // namespace faultline
