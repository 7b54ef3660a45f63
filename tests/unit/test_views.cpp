// secmailctl's views: the JSON keys other tools rely on (README, "JSON
// output") and the text rendering of the same data.
#include <doctest/doctest.h>

#include "../support/runtime_fixture.hpp"
#include "secmaild/ctl/views.hpp"

using namespace secmaild;

namespace {
const std::string kReport =
    "From: Jane <jane@researcher.example>\r\nSubject: XSS\r\nMessage-ID: <v1@researcher.example>\r\n\r\n"
    "Description: first line of the description\r\nsecond line of the description\r\n\r\n"
    "Steps to reproduce:\r\n1. open\r\n2. click\r\n\r\nImpact: an attacker can read mail.\r\n";

void requireKeys(const nlohmann::json& j, std::initializer_list<const char*> keys) {
    for (const char* k : keys) {
        CAPTURE(k);
        CHECK(j.contains(k));
    }
}
}  // namespace

TEST_CASE("the JSON of list, show and messages has every documented key") {
    testing::RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    f.ingest(kReport);
    auto list = ctl::listReports(f.rt());
    REQUIRE(list["reports"].size() == 1);
    requireKeys(list["reports"][0], {"id", "state", "reporter", "reporter_name", "subject", "received_at",
                                     "fields_present", "fields_missing", "next_due"});
    auto show = ctl::showReport(f.rt(), "SEC-2026-0001");
    REQUIRE(show);
    requireKeys(*show,
                {"id", "state", "reporter", "reporter_name", "reply_to", "subject", "received_at", "policy", "fields",
                 "fields_present", "fields_missing", "timeline", "next_due", "messages", "answers", "audit"});
    requireKeys((*show)["fields"][0], {"name", "value", "how", "source_message", "updated_at"});
    requireKeys((*show)["timeline"][0], {"stage", "title", "state", "due", "completed_at", "conditional"});
    requireKeys((*show)["answers"][0], {"id", "kind", "recipient", "message_id", "state", "attempts", "created_at",
                                        "next_attempt_at", "sent_at", "last_error"});
    requireKeys((*show)["audit"][0], {"at", "actor", "event", "message", "detail"});
    CHECK((*show)["audit"][0]["detail"].is_object());
    auto messages = ctl::listMessages(f.rt());
    REQUIRE(messages["messages"].size() == 1);
    requireKeys(
        messages["messages"][0],
        {"id", "message_id", "sender", "sender_name", "subject", "received_at", "stored_at", "source", "mailbox", "uid",
         "size", "state", "outcome", "outcome_reason", "flags", "problems", "report_id", "duplicate_of", "answers"});
    CHECK(messages["messages"][0]["answers"].size() == 1);
    CHECK_FALSE(ctl::showReport(f.rt(), "SEC-2026-9999"));
}

TEST_CASE("show as text prints every line of every field value intact") {
    testing::RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    f.ingest(kReport);
    auto text = ctl::reportAsText(*ctl::showReport(f.rt(), "SEC-2026-0001"));
    CHECK(text.find("    first line of the description\n    second line of the description\n") != std::string::npos);
    CHECK(text.find("    1. open\n    2. click\n") != std::string::npos);
    CHECK(text.find("    an attacker can read mail.\n") != std::string::npos);
    CHECK(ctl::reportsAsText(ctl::listReports(f.rt())).find("SEC-2026-0001") != std::string::npos);
    CHECK(ctl::messagesAsText(ctl::listMessages(f.rt())).find("new-report") != std::string::npos);
}
