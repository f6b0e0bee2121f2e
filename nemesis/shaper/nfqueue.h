// NfQueue: one NFQUEUE queue of the kernel (iptables -j NFQUEUE --queue-num N)
// over a raw netfilter netlink socket, without libnetfilter_queue: the shaper
// runs on the nodes, and a binary that needs only libc deploys to any node
// (no library to install there).
//
// Open binds the queue for IPv4 in copy-packet mode (the payload is needed
// to send duplicates; the kernel completes partial checksums before copying)
// with fail-open (a full kernel queue accepts rather than drops: a slow
// shaper must never blackhole a node). The kernel holds each packet until a
// verdict names its id. Not thread-safe; one owner.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace faultline::shaper {

struct QueuedPacket {
  uint32_t id = 0;
  std::vector<uint8_t> payload;  // the IPv4 packet, header included
};

class NfQueue {
 public:
  NfQueue() = default;
  ~NfQueue();
  NfQueue(const NfQueue&) = delete;
  NfQueue& operator=(const NfQueue&) = delete;

  // Binds queue `queue_num` with a kernel queue of up to `kernel_max_len`
  // packets. Returns "" or the error ("nfqueue: bind queue 7301: Operation
  // not permitted").
  std::string Open(uint16_t queue_num, uint32_t kernel_max_len);
  int fd() const { return fd_; }
  // Reads every message waiting (non-blocking) and appends the packets.
  // Returns "" or an error (ENOBUFS, the kernel dropped messages, is not one:
  // those packets were accepted by fail-open or dropped by the kernel).
  std::string Receive(std::vector<QueuedPacket>* out);
  // Lets packet `id` go on (accept) or drops it.
  std::string Verdict(uint32_t id, bool accept);

 private:
  std::string Send(const std::vector<uint8_t>& message, bool want_ack);
  int fd_ = -1;
  uint16_t queue_ = 0;
  uint32_t seq_ = 0;
};

}  // namespace faultline::shaper
