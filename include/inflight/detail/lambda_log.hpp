#pragma once
// The C++ runtime's own log lines, as LMI's runtimes write theirs: with AWS_LAMBDA_LOG_FORMAT=json
// (what LMI sets: it supports JSON only) each is one JSON object with Lambda's keys, timestamp,
// level and message; otherwise text, "inflight::lambda: LINE". At init it reports the worker pool
// it made (the event runtime_worker_pool_initializing, as aws-lambda-java-libs#646 and
// aws-lambda-rust-runtime#1167 write it), at DEBUG: only when AWS_LAMBDA_LOG_LEVEL is DEBUG or
// TRACE. The lines go to the user's sink, or to stderr through a writer thread that never blocks a
// worker (log_writer.hpp).

#include <strings.h>  // strcasecmp

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "log_writer.hpp"
#include "runtime_text.hpp"

namespace inflight::lambda::detail {

/// The format and level the environment asks for: AWS_LAMBDA_LOG_FORMAT (JSON, any case) and
/// AWS_LAMBDA_LOG_LEVEL (DEBUG or TRACE let DEBUG lines through).
struct log_settings {
  bool json = false;
  bool debug = false;
  static log_settings from_env() {
    auto is = [](const char* name, const char* value) {
      const char* v = std::getenv(name);
      return v != nullptr && ::strcasecmp(v, value) == 0;
    };
    return {is("AWS_LAMBDA_LOG_FORMAT", "json"),
            is("AWS_LAMBDA_LOG_LEVEL", "debug") || is("AWS_LAMBDA_LOG_LEVEL", "trace")};
  }
};

/// `t` as Lambda's JSON logs write it: 2026-12-01T14:16:32.746Z.
inline std::string log_timestamp(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t s = static_cast<std::time_t>(ms.count() / 1000);
  std::tm utc{};
  gmtime_r(&s, &utc);
  char buf[96];  // room for any int the compiler cannot rule out
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms.count() % 1000));
  return buf;
}

/// One JSON log line: `message_json` is already JSON (a string or an object).
inline std::string json_log_line(std::chrono::system_clock::time_point t, std::string_view level,
                                 std::string_view message_json) {
  return "{\"timestamp\":\"" + log_timestamp(t) + "\",\"level\":\"" + std::string(level) +
         "\",\"message\":" + std::string(message_json) + "}";
}

/// Where the runtime's own lines go: the user's sink gets each as plain text (no newline); without
/// one, stderr gets it in the environment's format. A throwing sink is ignored, and a line with
/// no memory for it is lost: a diagnostic must not end a slot.
class logger {
 public:
  explicit logger(std::function<void(std::string_view)> sink,
                  log_settings settings = log_settings::from_env())
      : sink_(std::move(sink)), settings_(settings) {}

  /// A diagnostic (something went wrong, and the runtime goes on or gives up): level WARN.
  void operator()(const std::string& line) noexcept {
    write("WARN", line, [&] { return "\"" + ::inflight::detail::json_escape(line) + "\""; });
  }

  /// runtime_worker_pool_initializing: `workers` threads serving `concurrency` slots; DEBUG.
  void worker_pool(std::size_t workers, std::size_t concurrency) noexcept {
    if (!settings_.debug) return;
    try {
      const std::string n = std::to_string(workers), c = std::to_string(concurrency);
      write("DEBUG",
            "runtime_worker_pool_initializing workerCount=" + n +
                " executionEnvironmentMaxConcurrency=" + c,
            [&] {
              return "{\"event\":\"runtime_worker_pool_initializing\",\"workerCount\":" + n +
                     ",\"executionEnvironmentMaxConcurrency\":" + c + "}";
            });
    } catch (...) {
    }
  }

 private:
  // `json_message` makes the message as JSON, for the JSON format only.
  template <class JsonMessage>
  void write(std::string_view level, const std::string& text, JsonMessage json_message) noexcept {
    try {
      if (sink_) {
        sink_(text);
      } else if (settings_.json) {
        stderr_.write(json_log_line(std::chrono::system_clock::now(), level, json_message()));
      } else {
        stderr_.write("inflight::lambda: " +
                      (level == "WARN" ? std::string() : std::string(level) + " ") + text);
      }
    } catch (...) {
    }
  }

  std::function<void(std::string_view)> sink_;
  log_settings settings_;
  ::inflight::detail::log_writer stderr_;
};

}  // namespace inflight::lambda::detail
