// bench/sweep/invocation_events.hpp: --event_format=invocation's events split into the payload
// and the two headers' values.
#include "sweep/invocation_events.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sweep/options.hpp"

namespace {

using inflight::bench::exec_spec;
using inflight::bench::usage_error;
using inflight::bench::detail::split_invocations;
using ::testing::HasSubstr;

TEST(InvocationEvents, SplitsThePayloadFromItsHeaders) {
  exec_spec e;
  e.events = {R"({"payload": {"z": 1, "a": [2]}, "clientContext": {"custom": {"k": "é"}},)"
              R"( "cognitoIdentity": {"cognitoIdentityId": "id-1"}})",
              R"({"payload": "text"})"};
  split_invocations(e, "events.jsonl");
  EXPECT_EQ(e.events[0], R"({"z":1,"a":[2]})") << "the payload keeps its keys' order";
  EXPECT_EQ(e.client_contexts[0], R"({"custom":{"k":"\u00e9"}})") << "ASCII for a header";
  EXPECT_EQ(e.cognito_identities[0], R"({"cognitoIdentityId":"id-1"})");
  EXPECT_EQ(e.events[1], R"("text")");
  EXPECT_EQ(e.client_contexts[1], "");
  EXPECT_EQ(e.cognito_identities[1], "");
}

TEST(InvocationEvents, AnythingElseIsOneLineNamingTheEvent) {
  for (const auto& [event, says] : std::vector<std::pair<std::string, std::string>>{
           {R"([1])", "event 2 is not an object with a \"payload\""},
           {R"({"body": 1})", "event 2 is not an object with a \"payload\""},
           {R"({"payload": 1, "headers": {}})", "event 2 has the key \"headers\""},
           {R"({"payload": 1, "clientContext": "x"})", "event 2: clientContext is not an object"},
       }) {
    exec_spec e;
    e.events = {R"({"payload": 0})", event};
    try {
      split_invocations(e, "ev.jsonl");
      ADD_FAILURE() << event << " was taken";
    } catch (const usage_error& err) {
      EXPECT_THAT(err.what(), HasSubstr("--event=ev.jsonl: " + says)) << err.what();
      EXPECT_THAT(err.what(), HasSubstr("valid with --event_format=invocation"));
    }
  }
}

}  // namespace
