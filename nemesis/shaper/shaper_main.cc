// faultline-shaper: the packet shaper for nodes whose kernel has no netem.
// The packet nemesis starts it on a node (as a daemon, in the node's network
// namespace) and adds rules to the FAULTLINE-OUT chain that send the node's
// packets to other nodes (never to the controller) to NFQUEUE --queue-num N
// --queue-bypass; the shaper holds each packet and lets it go after a delay
// drawn per packet (release_schedule.h), sends duplicates through a raw socket
// with a mark the rules skip, and lets a fraction overtake. It holds at most
// --max-held packets (more are dropped and counted). On SIGTERM/SIGINT it
// lets every held packet go, writes its final counts and exits 0; if it dies,
// --queue-bypass lets traffic pass (never a blackhole).
//
//   faultline-shaper --queue 7301 --delay-ms 100 [--jitter-ms 20]
//     [--distribution uniform|normal] [--duplicate PCT] [--reorder PCT]
//     [--max-held 20000] [--mark 0xfa17] [--seed S] [--stats-file F]
//
// --stats-file gets {"state": "running"|"stopped", "received", "released",
// "duplicated", "dropped_full", "held"} when bound, every second, and at exit.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <string>
#include <vector>

#include "nemesis/shaper/nfqueue.h"
#include "nemesis/shaper/release_schedule.h"

namespace {

using faultline::shaper::NfQueue;
using faultline::shaper::QueuedPacket;
using faultline::shaper::ReleaseSchedule;
using faultline::shaper::ShaperParams;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

struct Options {
  long queue = -1;
  ShaperParams params;
  long max_held = 20000;
  unsigned long mark = 0xfa17;
  unsigned long long seed = 1;
  std::string stats_file;
};

[[noreturn]] void Usage(const std::string& error) {
  std::fprintf(stderr, "faultline-shaper: %s\n", error.c_str());
  std::exit(3);
}

double Number(const std::string& flag, const char* text, double min, double max) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text, &end);
  if (errno != 0 || end == text || *end != '\0' || !(v >= min && v <= max)) {
    Usage(flag + ": \"" + text + "\" is not a number in [" + std::to_string(min) + ", " +
          std::to_string(max) + "]");
  }
  return v;
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) Usage(flag + " needs a value");
    const char* v = argv[++i];
    if (flag == "--queue") {
      o.queue = static_cast<long>(Number(flag, v, 0, 65535));
    } else if (flag == "--delay-ms") {
      o.params.delay_ms = Number(flag, v, 0, 600000);
    } else if (flag == "--jitter-ms") {
      o.params.jitter_ms = Number(flag, v, 0, 600000);
    } else if (flag == "--distribution") {
      auto d = faultline::shaper::ParseDistribution(v);
      if (!d) Usage("--distribution: \"" + std::string(v) + "\" is not uniform or normal");
      o.params.distribution = *d;
    } else if (flag == "--duplicate") {
      o.params.duplicate = Number(flag, v, 0, 100) / 100;
    } else if (flag == "--reorder") {
      o.params.reorder = Number(flag, v, 0, 100) / 100;
    } else if (flag == "--max-held") {
      o.max_held = static_cast<long>(Number(flag, v, 1, 1e7));
    } else if (flag == "--mark") {
      o.mark = std::strtoul(v, nullptr, 0);
    } else if (flag == "--seed") {
      o.seed = std::strtoull(v, nullptr, 10);
    } else if (flag == "--stats-file") {
      o.stats_file = v;
    } else {
      Usage("unknown flag " + flag);
    }
  }
  if (o.queue < 0) Usage("--queue N is required");
  return o;
}

struct Counts {
  unsigned long long received = 0, released = 0, duplicated = 0, dropped_full = 0;
};

void WriteStats(const std::string& path, const char* state, const Counts& c, size_t held) {
  if (path.empty()) return;
  std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) return;
  std::fprintf(f,
               "{\"state\": \"%s\", \"received\": %llu, \"released\": %llu, \"duplicated\": %llu, "
               "\"dropped_full\": %llu, \"held\": %zu}\n",
               state, c.received, c.released, c.duplicated, c.dropped_full, held);
  std::fclose(f);
  std::rename(tmp.c_str(), path.c_str());
}

// A packet (or a copy to send) waiting for its release time.
struct Held {
  Clock::time_point at;
  uint64_t order;  // arrival order breaks ties: equal delays keep their order
  uint32_t id;
  bool copy;
  std::vector<uint8_t> payload;  // copies only
  bool operator>(const Held& o) const { return at != o.at ? at > o.at : order > o.order; }
};

// Sends a duplicate: the same IPv4 packet, marked so the NFQUEUE rule skips it.
void SendCopy(int raw, const std::vector<uint8_t>& packet) {
  if (packet.size() < 20) return;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  std::memcpy(&to.sin_addr, packet.data() + 16, 4);
  ::sendto(raw, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
}

}  // namespace

int main(int argc, char** argv) {
  Options o = Parse(argc, argv);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);

  NfQueue queue;
  if (std::string e = queue.Open(static_cast<uint16_t>(o.queue), static_cast<uint32_t>(o.max_held) + 1024);
      !e.empty()) {
    std::fprintf(stderr, "faultline-shaper: %s\n", e.c_str());
    return 4;
  }
  int raw = -1;
  if (o.params.duplicate > 0) {
    raw = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
    unsigned int mark = static_cast<unsigned int>(o.mark);
    if (raw < 0 || ::setsockopt(raw, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) {
      std::fprintf(stderr, "faultline-shaper: raw socket for duplicates: %s\n", std::strerror(errno));
      return 4;
    }
  }
  std::printf("faultline-shaper: queue %ld bound; delay %.1f ms, jitter %.1f ms, duplicate %.0f%%, "
              "reorder %.0f%%\n",
              o.queue, o.params.delay_ms, o.params.jitter_ms, o.params.duplicate * 100,
              o.params.reorder * 100);
  std::fflush(stdout);

  ReleaseSchedule schedule(o.params, o.seed);
  std::priority_queue<Held, std::vector<Held>, std::greater<Held>> held;
  size_t held_originals = 0;
  Counts counts;
  uint64_t order = 0;
  WriteStats(o.stats_file, "running", counts, 0);
  auto last_stats = Clock::now();
  std::vector<QueuedPacket> arrived;
  std::string error;

  while (!g_stop.load()) {
    int timeout_ms = 200;  // also how soon a signal is noticed
    if (!held.empty()) {
      auto wait = std::chrono::duration_cast<std::chrono::microseconds>(held.top().at - Clock::now());
      timeout_ms = static_cast<int>(std::clamp<long long>((wait.count() + 999) / 1000, 0, 200));
    }
    pollfd p{queue.fd(), POLLIN, 0};
    ::poll(&p, 1, timeout_ms);
    arrived.clear();
    error = queue.Receive(&arrived);
    if (!error.empty()) break;
    const auto now = Clock::now();
    for (auto& packet : arrived) {
      ++counts.received;
      if (held_originals >= static_cast<size_t>(o.max_held)) {
        queue.Verdict(packet.id, false);
        ++counts.dropped_full;
        continue;
      }
      auto release = schedule.Next();
      auto after = [&](double ms) {
        return now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(ms));
      };
      if (release.copy_delay_ms && raw >= 0) {
        held.push(Held{after(*release.copy_delay_ms), order++, 0, true, packet.payload});
      }
      held.push(Held{after(release.delay_ms), order++, packet.id, false, {}});
      ++held_originals;
    }
    while (!held.empty() && held.top().at <= Clock::now()) {
      const Held& h = held.top();
      if (h.copy) {
        SendCopy(raw, h.payload);
        ++counts.duplicated;
      } else {
        queue.Verdict(h.id, true);
        ++counts.released;
        --held_originals;
      }
      held.pop();
    }
    if (Clock::now() - last_stats > std::chrono::seconds(1)) {
      WriteStats(o.stats_file, "running", counts, held_originals);
      last_stats = Clock::now();
    }
  }
  // Stopping: every held packet goes on now (copies are not sent).
  while (!held.empty()) {
    if (!held.top().copy) {
      queue.Verdict(held.top().id, true);
      ++counts.released;
    }
    held.pop();
  }
  WriteStats(o.stats_file, "stopped", counts, 0);
  std::printf("faultline-shaper: stopped; received %llu, released %llu, duplicated %llu, dropped "
              "(queue full) %llu\n",
              counts.received, counts.released, counts.duplicated, counts.dropped_full);
  if (!error.empty()) {
    std::fprintf(stderr, "faultline-shaper: %s\n", error.c_str());
    return 4;
  }
  return 0;
}
