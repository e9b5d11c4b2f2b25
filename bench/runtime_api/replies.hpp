#pragma once
// What the Runtime API server writes: the reply to a /next that hands out an invocation, with the
// headers runtimes read, and the short JSON replies to everything else (202, and the real API's
// errors). Each appends to a connection's output.

#include <chrono>
#include <string>
#include <string_view>

#include "runtime_api/invocations.hpp"

namespace inflight::bench::runtime_api {

/// Appends the 200 that hands out `inv` with `body` as its event, and the client context and
/// Cognito identity headers when they are not empty.
inline void append_invocation(std::string& o, const invocation& inv, const std::string& body,
                              const std::string& function_arn, std::string_view client_context = {},
                              std::string_view cognito_identity = {}) {
  const auto deadline_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          (std::chrono::system_clock::now() + (inv.deadline - steady::now())).time_since_epoch())
          .count();
  o += "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: ";
  o += inv.id;
  o += "\r\nLambda-Runtime-Deadline-Ms: ";
  o += std::to_string(deadline_ms);
  o += "\r\nLambda-Runtime-Invoked-Function-Arn: ";
  o += function_arn;
  o += "\r\nLambda-Runtime-Trace-Id: Root=1-";
  o += inv.id.substr(0, 8);
  o += "-";
  o += inv.id.substr(24);
  o += "000000000000;Sampled=0\r\n";
  if (!inv.tenant.empty()) {
    o += "Lambda-Runtime-Aws-Tenant-Id: ";
    o += inv.tenant;
    o += "\r\n";
  }
  if (!client_context.empty()) {
    o += "Lambda-Runtime-Client-Context: ";
    o += client_context;
    o += "\r\n";
  }
  if (!cognito_identity.empty()) {
    o += "Lambda-Runtime-Cognito-Identity: ";
    o += cognito_identity;
    o += "\r\n";
  }
  o += "Content-Length: ";
  o += std::to_string(body.size());
  o += "\r\n\r\n";
  o += body;
}

/// Appends a reply with `status`: {"status":"OK"} for 202, else the real API's error body with
/// `type` and `message`; "Connection: close" when `closing`.
inline void append_reply(std::string& o, int status, std::string_view type,
                         std::string_view message, bool closing) {
  std::string body;
  if (status == 202) {
    body = "{\"status\":\"OK\"}";
  } else {
    body = "{\"errorMessage\":\"" + std::string(message) + "\",\"errorType\":\"" +
           std::string(type) + "\"}";
  }
  const char* text = status == 202   ? "Accepted"
                     : status == 400 ? "Bad Request"
                     : status == 404 ? "Not Found"
                     : status == 405 ? "Method Not Allowed"
                     : status == 410 ? "Gone"
                     : status == 413 ? "Payload Too Large"
                     : status == 431 ? "Request Header Fields Too Large"
                     : status == 501 ? "Not Implemented"
                     : status == 503 ? "Service Unavailable"
                     : status == 505 ? "HTTP Version Not Supported"
                                     : "Error";
  o += "HTTP/1.1 " + std::to_string(status) + " " + text +
       "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
       "\r\n";
  if (closing) o += "Connection: close\r\n";
  o += "\r\n" + body;
}

}  // namespace inflight::bench::runtime_api
