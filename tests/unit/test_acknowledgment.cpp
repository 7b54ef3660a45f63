// The answer context: built from policy and metadata only, with the stage the
// acknowledgment itself completes shown as done, and the version verdict
// taken from the policy's own table.
#include <doctest/doctest.h>

#include "../support/runtime_fixture.hpp"
#include "secmaild/answer/acknowledgment.hpp"

using namespace secmaild;

namespace {
answer::ReportSummary summary() {
    answer::ReportSummary s;
    s.id = "SEC-2026-0007";
    s.receivedAt = fromUnix(1795473753);  // Mon 23 Nov 2026 22:42:33 UTC
    s.present = {report::Field::Description, report::Field::Contact};
    return s;
}
}  // namespace

TEST_CASE("the acknowledgment context marks the stage it completes as done now") {
    testing::RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto ctx = answer::answerContext(f.rt().policy, f.rt().calendar, summary(), true);
    CHECK(ctx["timeline"][0]["done_now"] == true);
    CHECK(ctx["timeline"][1]["done_now"] == false);
    CHECK(ctx["timeline"][1]["due"] == "Thu 26 Nov 2026 22:42 UTC");
    auto later = answer::answerContext(f.rt().policy, f.rt().calendar, summary(), false);
    CHECK(later["timeline"][0]["done_now"] == false);
    CHECK(later["timeline"][0]["has_due"] == true);
}

TEST_CASE("missing fields are the required ones the report lacks, in policy order") {
    testing::RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto ctx = answer::answerContext(f.rt().policy, f.rt().calendar, summary(), true);
    REQUIRE(ctx["missing"].size() == 2);
    CHECK(ctx["missing"][0]["key"] == "steps");
    CHECK(ctx["missing"][1]["key"] == "impact");
    CHECK(ctx["complete"] == false);
    bool mitigationOptional = false;
    for (const auto& o : ctx["optional_missing"]) mitigationOptional |= o["key"] == "mitigation";
    CHECK(mitigationOptional);
}

TEST_CASE("under PersonaLab a version before 1.0 is unsupported and an unknown latest is checked by hand") {
    testing::RuntimeFixture f("personalab.toml");
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto s = summary();
    s.versionNumber = "0.9.1";
    auto ctx = answer::answerContext(f.rt().policy, f.rt().calendar, s, true);
    CHECK(ctx["version_unsupported"] == true);
    CHECK(ctx["version_rule"] == "< 1.0");
    s.versionNumber = "2.1";
    ctx = answer::answerContext(f.rt().policy, f.rt().calendar, s, true);
    CHECK(ctx["version_unknown"] == true);
    CHECK(ctx["timeline"][1]["due"] == "Mon 30 Nov 2026 22:42 UTC");
}

TEST_CASE("the context carries no text from the report, only policy wording, dates and the id") {
    testing::RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto s = summary();
    s.versionNumber = "0.2.9-secret-build";
    auto dump = answer::answerContext(f.rt().policy, f.rt().calendar, s, true).dump();
    CHECK(dump.find("secret-build") == std::string::npos);
    CHECK(dump.find("0.2.9") == std::string::npos);
    CHECK(dump.find("0.2.x") != std::string::npos);
}
