#pragma once
// A loopback HTTP server that misbehaves on purpose: each accepted connection runs the test's
// script (a function of the connection's socket and its index), which reads requests and writes
// whatever bytes the test wants, well-formed or not. For the protocol tests of the lambda
// runtime's client (http_client_test, lambda_test).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace inflight::test {

/// One request as the script reads it: the head and a Content-Length body.
struct scripted_request {
  std::string head;  // request line and headers, without the final CRLF CRLF
  std::string body;
  bool ok = false;  // false: the connection ended or the wait timed out first

  std::string line() const { return head.substr(0, head.find("\r\n")); }
  bool has(const std::string& text) const { return head.find(text) != std::string::npos; }
};

class scripted_server {
 public:
  using script = std::function<void(int fd, int index, scripted_server& self)>;

  explicit scripted_server(script s) : script_(std::move(s)) {
    listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listen_, 64);
    socklen_t len = sizeof a;
    ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~scripted_server() {
    stopping_ = true;
    acceptor_.join();
    for (auto& t : conns_) t.join();
    ::close(listen_);
  }
  scripted_server(const scripted_server&) = delete;
  scripted_server& operator=(const scripted_server&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int accepted() const { return accepted_.load(); }
  bool stopping() const { return stopping_.load(); }

  /// Reads one request from `fd`, waiting at most 30 s (or until the server stops).
  scripted_request read_request(int fd) {
    scripted_request r;
    std::string buf;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::size_t want = std::string::npos;
    while (std::chrono::steady_clock::now() < give_up && !stopping_) {
      const auto end = buf.find("\r\n\r\n");
      if (want == std::string::npos && end != std::string::npos) {
        r.head = buf.substr(0, end);
        const auto cl = lower(r.head).find("content-length:");
        const std::size_t length =
            cl == std::string::npos ? 0 : std::strtoul(r.head.c_str() + cl + 15, nullptr, 10);
        want = end + 4 + length;
      }
      if (want != std::string::npos && buf.size() >= want) {
        r.body = buf.substr(r.head.size() + 4, want - r.head.size() - 4);
        r.ok = true;
        return r;
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char chunk[65536];
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return r;
      buf.append(chunk, static_cast<std::size_t>(n));
    }
    return r;
  }

  /// Writes all of `bytes` to `fd` (false when the peer is gone).
  static bool write(int fd, const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// Waits until the peer closes `fd` or the server stops (for a script that holds a long poll).
  void hold(int fd) {
    while (!stopping_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) {
        char c[4096];
        if (::recv(fd, c, sizeof c, 0) <= 0) return;
      }
    }
  }

  /// A well-formed response with a Content-Length body.
  static std::string reply(int status, const std::string& body, const std::string& headers = {}) {
    return "HTTP/1.1 " + std::to_string(status) +
           " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + headers + "\r\n" +
           body;
  }

 private:
  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return s;
  }

  void accept_loop() {
    while (!stopping_) {
      pollfd p{listen_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int fd = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      const int index = accepted_++;
      conns_.emplace_back([this, fd, index] {
        script_(fd, index, *this);
        ::close(fd);
      });
    }
  }

  script script_;
  int listen_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  std::vector<std::thread> conns_;  // only the acceptor touches it until the destructor
};

}  // namespace inflight::test
