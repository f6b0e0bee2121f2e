#include "nemesis/shaper/nfqueue.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace faultline::shaper {

namespace {

// Builds one nfnetlink message: nlmsghdr + nfgenmsg + attributes.
class Message {
 public:
  Message(uint16_t type, uint16_t flags, uint16_t queue, uint32_t seq) {
    bytes_.resize(NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfgenmsg)));
    auto* h = reinterpret_cast<nlmsghdr*>(bytes_.data());
    h->nlmsg_type = static_cast<uint16_t>((NFNL_SUBSYS_QUEUE << 8) | type);
    h->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
    h->nlmsg_seq = seq;
    auto* g = reinterpret_cast<nfgenmsg*>(bytes_.data() + NLMSG_HDRLEN);
    g->nfgen_family = AF_UNSPEC;
    g->version = NFNETLINK_V0;
    g->res_id = htons(queue);
  }
  template <typename T>
  void Attr(uint16_t type, const T& value) {
    size_t at = bytes_.size();
    bytes_.resize(at + NLA_ALIGN(NLA_HDRLEN + sizeof(T)), 0);
    auto* a = reinterpret_cast<nlattr*>(bytes_.data() + at);
    a->nla_type = type;
    a->nla_len = static_cast<uint16_t>(NLA_HDRLEN + sizeof(T));
    std::memcpy(bytes_.data() + at + NLA_HDRLEN, &value, sizeof(T));
  }
  std::vector<uint8_t> Done() {
    reinterpret_cast<nlmsghdr*>(bytes_.data())->nlmsg_len = static_cast<uint32_t>(bytes_.size());
    return bytes_;
  }

 private:
  std::vector<uint8_t> bytes_;
};

std::string Errno(const std::string& what) { return "nfqueue: " + what + ": " + std::strerror(errno); }

}  // namespace

NfQueue::~NfQueue() {
  if (fd_ >= 0) ::close(fd_);  // the kernel unbinds the queue with the socket
}

std::string NfQueue::Send(const std::vector<uint8_t>& message, bool want_ack) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_, message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0) {
    return Errno("send");
  }
  if (!want_ack) return "";
  // The ack is an NLMSG_ERROR with error 0 (or the errno, negated).
  alignas(nlmsghdr) uint8_t buf[8192];
  while (true) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("ack");
    }
    // int, not size_t: NLMSG_NEXT subtracts the ALIGNED length, so after a
    // last message of unaligned length the count goes negative.
    int len = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type != NLMSG_ERROR) continue;
      int error = -reinterpret_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
      if (error == 0) return "";
      errno = error;
      return Errno("bind queue " + std::to_string(queue_));
    }
  }
}

std::string NfQueue::Open(uint16_t queue_num, uint32_t kernel_max_len) {
  queue_ = queue_num;
  fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (fd_ < 0) return Errno("socket");
  int rcvbuf = 8 << 20;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);  // root: beyond rmem_max
  int one = 1;
  ::setsockopt(fd_, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) < 0) return Errno("bind");

  Message bind(NFQNL_MSG_CONFIG, NLM_F_ACK, queue_num, ++seq_);
  nfqnl_msg_config_cmd cmd{};
  cmd.command = NFQNL_CFG_CMD_BIND;
  cmd.pf = htons(AF_INET);
  bind.Attr(NFQA_CFG_CMD, cmd);
  if (std::string e = Send(bind.Done(), true); !e.empty()) return e;

  Message params(NFQNL_MSG_CONFIG, NLM_F_ACK, queue_num, ++seq_);
  nfqnl_msg_config_params p{};
  p.copy_range = htonl(0xffff);
  p.copy_mode = NFQNL_COPY_PACKET;
  params.Attr(NFQA_CFG_PARAMS, p);
  params.Attr(NFQA_CFG_QUEUE_MAXLEN, htonl(kernel_max_len));
  params.Attr(NFQA_CFG_MASK, htonl(NFQA_CFG_F_FAIL_OPEN));
  params.Attr(NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_FAIL_OPEN));
  return Send(params.Done(), true);
}

std::string NfQueue::Receive(std::vector<QueuedPacket>* out) {
  alignas(nlmsghdr) static uint8_t buf[1 << 17];
  while (true) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return "";
      return Errno("receive");
    }
    // int, not size_t: NLMSG_NEXT subtracts the ALIGNED length, so after a
    // last packet of unaligned length the count goes negative (a size_t
    // wrapped to a huge value and read past the buffer: found on real nodes).
    int len = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if ((h->nlmsg_type & 0xff) != NFQNL_MSG_PACKET || (h->nlmsg_type >> 8) != NFNL_SUBSYS_QUEUE) {
        continue;
      }
      QueuedPacket packet;
      bool have_id = false;
      const size_t header = NLMSG_ALIGN(sizeof(nfgenmsg));
      auto* attr = reinterpret_cast<nlattr*>(static_cast<uint8_t*>(NLMSG_DATA(h)) + header);
      int left = static_cast<int>(h->nlmsg_len) - static_cast<int>(NLMSG_HDRLEN + header);
      while (left >= static_cast<int>(NLA_HDRLEN) && attr->nla_len >= NLA_HDRLEN &&
             attr->nla_len <= left) {
        const uint8_t* data = reinterpret_cast<const uint8_t*>(attr) + NLA_HDRLEN;
        const size_t len = attr->nla_len - NLA_HDRLEN;
        switch (attr->nla_type & NLA_TYPE_MASK) {
          case NFQA_PACKET_HDR:
            if (len >= sizeof(nfqnl_msg_packet_hdr)) {
              nfqnl_msg_packet_hdr ph;
              std::memcpy(&ph, data, sizeof ph);
              packet.id = ntohl(ph.packet_id);
              have_id = true;
            }
            break;
          case NFQA_PAYLOAD:
            packet.payload.assign(data, data + len);
            break;
        }
        left -= NLA_ALIGN(attr->nla_len);
        attr = reinterpret_cast<nlattr*>(reinterpret_cast<uint8_t*>(attr) + NLA_ALIGN(attr->nla_len));
      }
      if (have_id) out->push_back(std::move(packet));
    }
  }
}

std::string NfQueue::Verdict(uint32_t id, bool accept) {
  Message m(NFQNL_MSG_VERDICT, 0, queue_, ++seq_);
  nfqnl_msg_verdict_hdr v{};
  v.verdict = htonl(accept ? NF_ACCEPT : NF_DROP);
  v.id = htonl(id);
  m.Attr(NFQA_VERDICT_HDR, v);
  return Send(m.Done(), false);
}

}  // namespace faultline::shaper
