#include "harness/run/interrupts.h"

#include <atomic>
#include <csignal>

namespace faultline {

namespace {
// The one place a signal handler may write to.
std::atomic<int> g_interrupts{0};
struct sigaction g_old_int, g_old_term;

extern "C" void OnInterrupt(int) { g_interrupts.fetch_add(1); }
}  // namespace

InterruptGuard::InterruptGuard() {
  g_interrupts.store(0);
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
}

int InterruptGuard::Count() { return g_interrupts.load(); }

}  // namespace faultline
