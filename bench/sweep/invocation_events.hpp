#pragma once
// --event_format=invocation: each event of the --event file is an invocation as a client makes
// it, {"payload": ..., "clientContext": {...}, "cognitoIdentity": {...}} (the last two optional),
// split into the payload and the two headers' values, one line of JSON each, as LMI hands them to
// the runtime (Lambda-Runtime-Client-Context, Lambda-Runtime-Cognito-Identity). The payload keeps
// its keys' order.

#include <nlohmann/json.hpp>
#include <string>

#include "point/spec.hpp"
#include "sweep/flag_values.hpp"

namespace inflight::bench::detail {

/// Splits every event of `e` in place. Throws usage_error (naming --event=`file`, the event and
/// the valid form) for an event that is not such an object.
inline void split_invocations(exec_spec& e, const std::string& file) {
  const std::string valid =
      "; valid with --event_format=invocation: {\"payload\": ..., \"clientContext\": {...}, "
      "\"cognitoIdentity\": {...}}, the last two optional";
  e.client_contexts.assign(e.events.size(), std::string());
  e.cognito_identities.assign(e.events.size(), std::string());
  for (std::size_t i = 0; i < e.events.size(); ++i) {
    const std::string where = e.events.size() == 1 ? "the event" : "event " + std::to_string(i + 1);
    const auto doc = nlohmann::ordered_json::parse(e.events[i], nullptr, false);
    if (!doc.is_object() || !doc.contains("payload")) {
      usage("event", file, where + " is not an object with a \"payload\"" + valid);
    }
    for (const auto& [key, value] : doc.items()) {
      if (key == "payload") continue;
      if (key != "clientContext" && key != "cognitoIdentity") {
        usage("event", file, where + " has the key \"" + key + "\"" + valid);
      }
      if (!value.is_object())
        usage("event", file, where + ": " + key + " is not an object" + valid);
      // ASCII only, so a header value never holds a byte HTTP forbids.
      (key == "clientContext" ? e.client_contexts : e.cognito_identities)[i] =
          value.dump(-1, ' ', true);
    }
    e.events[i] = doc["payload"].dump(-1, ' ', false);
  }
}

}  // namespace inflight::bench::detail
