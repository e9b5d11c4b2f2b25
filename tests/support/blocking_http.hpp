#pragma once
// A blocking HTTP/1.1 client over loopback TCP, just enough to speak the Runtime API from tests
// and from the fake runtime (fake_runtime.cpp): keep-alive, Content-Length bodies.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace inflight::test {

struct http_reply {
  int status = 0;  // 0: the connection closed or failed
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::string header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() != name.size()) continue;
      bool same = true;
      for (std::size_t i = 0; i < k.size(); ++i) same = same && (k[i] | 0x20) == (name[i] | 0x20);
      if (same) return v;
    }
    return {};
  }
};

class blocking_http {
 public:
  /// Connects to "HOST:PORT" (numeric IPv4); connected() says whether it worked.
  explicit blocking_http(const std::string& address) {
    const auto colon = address.rfind(':');
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(std::atoi(address.c_str() + colon + 1)));
    inet_pton(AF_INET, address.substr(0, colon).c_str(), &a.sin_addr);
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    const int one = 1;
    if (fd_ >= 0) ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~blocking_http() {
    if (fd_ >= 0) ::close(fd_);
  }
  blocking_http(const blocking_http&) = delete;
  blocking_http& operator=(const blocking_http&) = delete;

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  /// Sends raw bytes.
  bool send_raw(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// One request and its reply.
  http_reply call(const std::string& method, const std::string& target,
                  const std::string& body = {},
                  const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n";
    for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
    if (method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    if (!send_raw(req)) return {};
    return read_reply();
  }

  /// Reads one reply (after send_raw).
  http_reply read_reply() {
    http_reply r;
    std::size_t end;
    while ((end = in_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return {};
    }
    const std::string head = in_.substr(0, end);
    in_.erase(0, end + 4);
    std::size_t pos = head.find("\r\n");
    const std::string status_line = head.substr(0, pos);
    const auto sp = status_line.find(' ');
    r.status = sp == std::string::npos ? 0 : std::atoi(status_line.c_str() + sp + 1);
    std::size_t length = 0;
    while (pos != std::string::npos && pos + 2 < head.size()) {
      const auto next = head.find("\r\n", pos + 2);
      const std::string line =
          head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string v = line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.erase(0, 1);
        r.headers.emplace_back(line.substr(0, colon), v);
      }
      pos = next;
    }
    length = static_cast<std::size_t>(std::atoll(r.header("Content-Length").c_str()));
    while (in_.size() < length) {
      if (!fill()) return {};
    }
    r.body = in_.substr(0, length);
    in_.erase(0, length);
    return r;
  }

  /// Whether the server closed the connection (reads until EOF or an error).
  bool closed_by_peer() {
    char buf[256];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return false;
    }
  }

 private:
  bool fill() {
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    in_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string in_;
};

}  // namespace inflight::test
