#include "targets/etcd_gateway_call.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdlib>

namespace faultline {
namespace {

// Closes the socket on every return path.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Waits until `fd` is ready for `events` or `deadline` passes.
bool WaitFor(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

}  // namespace

Result<GatewayAnswer> EtcdGatewayPost(const std::string& address, int port, const std::string& path,
                                      const std::string& body, std::chrono::milliseconds connect_timeout,
                                      std::chrono::milliseconds read_timeout, bool* sent) {
  *sent = false;
  const std::string where = address + ":" + std::to_string(port) + path;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) {
    return Status::Error(where + ": not a numeric IPv4 address");
  }
  Fd s;
  s.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s.fd < 0) return Status::Error(where + ": socket: " + std::strerror(errno));
  auto deadline = std::chrono::steady_clock::now() + connect_timeout;
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    if (errno != EINPROGRESS) return Status::Error(where + ": connect: " + std::strerror(errno));
    if (!WaitFor(s.fd, POLLOUT, deadline)) return Status::Error(where + ": connect: timed out");
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return Status::Error(where + ": connect: " + std::strerror(err));
  }
  const std::string request = "POST " + path + " HTTP/1.0\r\nHost: " + address + ":" + std::to_string(port) +
                              "\r\nContent-Type: application/json\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  deadline = std::chrono::steady_clock::now() + read_timeout;
  for (size_t off = 0; off < request.size();) {
    if (!WaitFor(s.fd, POLLOUT, deadline)) return Status::Error(where + ": send: timed out");
    ssize_t n = ::send(s.fd, request.data() + off, request.size() - off, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return Status::Error(where + ": send: " + std::strerror(errno));
    *sent = true;
    off += static_cast<size_t>(n);
  }
  std::string reply;
  char buf[8192];
  for (;;) {
    if (!WaitFor(s.fd, POLLIN, deadline)) return Status::Error(where + ": no complete answer in time");
    ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) return Status::Error(where + ": recv: " + std::strerror(errno));
    if (n == 0) break;
    reply.append(buf, static_cast<size_t>(n));
    if (reply.size() > (8u << 20)) return Status::Error(where + ": answer larger than 8 MiB");
  }
  // "HTTP/1.x NNN reason\r\n...headers...\r\n\r\nbody"
  size_t head_end = reply.find("\r\n\r\n");
  if (reply.compare(0, 5, "HTTP/") != 0 || head_end == std::string::npos || reply.size() < 12) {
    return Status::Error(where + ": not an HTTP answer (" + reply.substr(0, 80) + ")");
  }
  GatewayAnswer a;
  a.status = std::atoi(reply.c_str() + reply.find(' ') + 1);
  a.body = reply.substr(head_end + 4);
  return a;
}

}  // namespace faultline
