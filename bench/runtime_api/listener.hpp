#pragma once
// Where the Runtime API server listens: a TCP socket on 127.0.0.1 at a port the kernel picks,
// non-blocking and closed on exec, and room for the connections it will take.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <system_error>

namespace inflight::bench::runtime_api {

/// Raises the process's soft RLIMIT_NOFILE to its hard limit: every connection is a descriptor,
/// and 16 vCPUs x 64 per vCPU is 1024 of them, Debian's default soft limit.
inline void raise_open_file_limit() noexcept {
  rlimit l{};
  if (::getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur < l.rlim_max) {
    l.rlim_cur = l.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &l);
  }
}

/// A listening socket on 127.0.0.1 (backlog 1024) and, in `port`, the port it got. Throws
/// std::system_error naming the call that failed.
inline int listen_on_loopback(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  auto fail = [fd](const char* what) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    throw std::system_error(err, std::generic_category(),
                            std::string("runtime API server: ") + what);
  };
  if (fd < 0) fail("socket");
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fail("bind");
  if (::listen(fd, 1024) != 0) fail("listen");
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

}  // namespace inflight::bench::runtime_api
