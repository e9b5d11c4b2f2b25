#pragma once
// One runtime connection of the Runtime API server (server.hpp): its socket, its input parsed
// from an offset (never re-copied per request), the replies waiting for it, and the state that
// decides whether it is read, parsed, or closed. The server routes the requests; this owns the
// bytes and their bounds.

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime_api/http_request.hpp"

namespace inflight::bench::runtime_api {

/// Bounds every connection shares.
struct connection_limits {
  std::size_t max_output = std::size_t(1) << 20;  ///< replies waiting before input stops
  std::size_t ahead_of_poll = 65536;  ///< input a connection parked on /next may send ahead
  std::size_t read_per_wakeup = std::size_t(1) << 20;  ///< bytes read per readiness event
  int requests_per_wakeup = 64;                        ///< requests parsed per round
};

class connection {
 public:
  /// What read() saw.
  enum class read_result { more, drained, ended };
  /// What next() found.
  enum class next_result { request, none, bad, later };

  explicit connection(int fd) : fd_(fd) {}

  int fd() const { return fd_; }
  std::string& out() { return out_; }
  std::size_t pending_out() const { return out_.size() - out_sent_; }
  std::size_t unparsed() const { return in_.size() - in_pos_; }
  /// Bytes held: input not yet dropped and output not yet sent.
  std::size_t held() const { return in_.size() + out_.size(); }

  bool polling = false;            ///< parked on /next
  bool eof = false;                ///< the peer shut its side: nothing more is read
  bool broken = false;             ///< a bad request or Connection: close: nothing more parsed
  bool queued = false;             ///< parseable input waits for the server's next round
  bool stalled = false;            ///< parsing stopped until its replies drain
  bool close_after_write = false;  ///< closes once its replies are out
  bool lingering = false;          ///< replies out, its side shut: input is read and dropped
  std::size_t accounted = 0;       ///< held() as the server last counted it
  std::uint32_t watched = 0;       ///< the epoll events it is watched for now

  /// Whether reading more is allowed now.
  bool wants_input(const connection_limits& l) const {
    return !eof && !broken && !queued && pending_out() < l.max_output &&
           (!polling || unparsed() < l.ahead_of_poll);
  }
  /// The epoll events it should be watched for now.
  std::uint32_t interest(const connection_limits& l) const {
    if (lingering) return EPOLLIN | EPOLLRDHUP;
    return (wants_input(l) ? EPOLLIN | EPOLLRDHUP : 0u) | (pending_out() != 0 ? EPOLLOUT : 0u);
  }

  /// Its replies are all out and it is to close: shuts its side instead, so that input still
  /// unread does not turn the close into a reset that would drop the last replies before the
  /// peer read them. False when it can close at once (the peer's side is shut already).
  bool linger() {
    if (eof) return false;
    ::shutdown(fd_, SHUT_WR);
    lingering = true;
    in_.clear();
    in_pos_ = 0;
    return true;
  }
  /// While lingering: reads and drops what arrives; false once the peer has shut its side.
  bool drop_input() {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n > 0) continue;
      if (n < 0 && errno == EINTR) continue;
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
  }

  /// One read of at most 64 KiB; `ended` (and eof) at end of file or an error.
  read_result read() {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n > 0) {
        in_.append(buf, static_cast<std::size_t>(n));
        return static_cast<std::size_t>(n) < sizeof buf ? read_result::drained : read_result::more;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return read_result::drained;
      eof = true;  // closed, or an error: what it sent is still served, then it closes
      close_after_write = true;
      return read_result::ended;
    }
  }

  /// The next request into `out`, unless it is parked, broken, its replies back up, or
  /// `budget` requests were taken this round (`later`). On `bad`, status() and reason() say
  /// what to answer; the connection is broken from then on.
  next_result next(http_request& out, const connection_limits& l, int& budget) {
    if (polling || broken || unparsed() == 0) return next_result::none;
    if (pending_out() >= l.max_output) {
      stalled = true;  // resumes once its replies drain
      return next_result::none;
    }
    if (budget == 0) return next_result::later;
    const auto r = parser_.parse(std::string_view(in_).substr(in_pos_));
    if (r == request_parser::result::incomplete) return next_result::none;
    if (r == request_parser::result::bad) {
      broken = true;
      close_after_write = true;
      return next_result::bad;
    }
    --budget;
    out = std::move(parser_.request());
    in_pos_ += parser_.consumed();
    parser_.reset();
    if (!out.keep_alive) {
      broken = true;  // nothing after a close is parsed
      close_after_write = true;
    }
    return next_result::request;
  }
  int status() const { return parser_.status(); }
  const std::string& reason() const { return parser_.reason(); }
  const std::string& target() { return parser_.request().target; }

  /// Drops parsed input: at once when all of it was, else once 64 KiB or more was; frees a
  /// buffer grown past 1 MiB (a 6 MB body must not stay held by an idle connection).
  void compact() {
    if (in_pos_ == in_.size()) {
      in_.clear();
      in_pos_ = 0;
      if (in_.capacity() > (std::size_t(1) << 20)) std::string().swap(in_);
    } else if (in_pos_ >= 65536) {
      in_.erase(0, in_pos_);
      in_pos_ = 0;
    }
  }

  /// Sends what it can without blocking; false when the peer is gone. Frees the output buffer
  /// once sent (and a capacity grown past 1 MiB).
  bool flush() {
    while (out_sent_ < out_.size()) {
      const ssize_t n = ::send(fd_, out_.data() + out_sent_, out_.size() - out_sent_, MSG_NOSIGNAL);
      if (n > 0) {
        out_sent_ += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
    out_.clear();
    out_sent_ = 0;
    if (out_.capacity() > (std::size_t(1) << 20)) std::string().swap(out_);
    return true;
  }

 private:
  int fd_;
  std::string in_, out_;
  std::size_t in_pos_ = 0, out_sent_ = 0;
  request_parser parser_;
};

}  // namespace inflight::bench::runtime_api
