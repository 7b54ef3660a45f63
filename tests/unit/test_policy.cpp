// Policy files: both shipped seeds load and say what their text says; every
// kind of mistake is refused with the file and the key.
#include <doctest/doctest.h>

#include "secmaild/policy/calendar.hpp"
#include "secmaild/policy/policy.hpp"
#include "secmaild/policy/versions.hpp"

using namespace secmaild;
using namespace secmaild::policy;

namespace {
const std::filesystem::path kPolicies = std::filesystem::path(SECMAILD_SOURCE_DIR) / "config" / "policies";

Policy loadShipped(const char* name) {
    auto loaded = loadPolicy(kPolicies / name);
    for (const auto& p : loaded.problems) MESSAGE(config::describe(p));
    REQUIRE(loaded.policy);
    return *loaded.policy;
}

// A minimal valid policy, with `extra` appended.
std::string minimal(const std::string& extra = "") {
    return R"(
[policy]
name = "Test policy"
project = "Test"

[[stages]]
name = "acknowledgment"
title = "Acknowledgment"
within = "24h"
completed_by = "ack"

[fields.description]
required = true
label = "Description"
)" + extra;
}

bool hasProblem(const std::string& text, const std::string& key, const std::string& words) {
    auto loaded = parsePolicy(text, "p.toml");
    for (const auto& p : loaded.problems)
        if (p.key == key && p.message.find(words) != std::string::npos && p.file == "p.toml") return true;
    for (const auto& p : loaded.problems) MESSAGE(config::describe(p));
    return false;
}
}  // namespace

TEST_CASE("the Personal Chatter policy ships with the seed's timeline, fields and versions") {
    auto p = loadShipped("personal-chatter.toml");
    CHECK(p.project == "Personal Chatter");
    CHECK(p.contact == "security@personal-chatter.org");
    REQUIRE(p.stages.size() == 5);
    CHECK(p.stages[0].name == "acknowledgment");
    CHECK(describeWindow(p.stages[0].window) == "24 hours");
    CHECK(describeWindow(p.stages[1].window) == "72 hours");
    CHECK(describeWindow(p.stages[2].window) == "7 days");
    CHECK(describeWindow(p.stages[3].window) == "14 days");
    CHECK(p.stages[3].severities == std::vector<std::string>{"high", "critical"});
    CHECK(describeWindow(p.stages[4].window) == "30 days");
    CHECK(p.stages[4].anchor == "release");
    std::vector<report::Field> required;
    for (const auto& f : p.fields)
        if (f.required) required.push_back(f.field);
    CHECK(required == std::vector<report::Field>{report::Field::Description, report::Field::Steps,
                                                 report::Field::Impact, report::Field::Contact});
    REQUIRE(p.fieldRule(report::Field::Mitigation));
    CHECK_FALSE(p.fieldRule(report::Field::Mitigation)->required);
    CHECK(supportFor(p, "0.2.7").status == VersionSupport::Status::Supported);
    CHECK(supportFor(p, "0.1.3").status == VersionSupport::Status::Limited);
    CHECK(supportFor(p, "0.0.9").status == VersionSupport::Status::Unsupported);
    CHECK(supportFor(p, "1.0").status == VersionSupport::Status::Unknown);
    CHECK(p.rewards.size() == 4);
    CHECK(p.outOfScope.size() == 7);
}

TEST_CASE("the PersonaLab policy ships with 48 hours, 5 business days and 90 days for critical issues") {
    auto p = loadShipped("personalab.toml");
    REQUIRE(p.stages.size() == 3);
    CHECK(describeWindow(p.stages[0].window) == "48 hours");
    CHECK(p.stages[1].window.unit == Window::Unit::BusinessDays);
    CHECK(p.stages[1].window.amount == 5);
    CHECK(p.stages[2].severities == std::vector<std::string>{"critical"});
    CHECK(describeWindow(p.stages[2].window) == "90 days");
    CHECK_FALSE(p.fieldRule(report::Field::Contact));
    CHECK(p.fieldRule(report::Field::Steps)->required);
    CHECK(supportFor(p, "0.9").status == VersionSupport::Status::Unsupported);
    p.latestVersion = "1.4.2";
    CHECK(supportFor(p, "1.4.2").status == VersionSupport::Status::Supported);
    CHECK(supportFor(p, "1.3.0").status == VersionSupport::Status::Unknown);
}

TEST_CASE("a minimal policy loads") {
    CHECK(parsePolicy(minimal(), "p.toml").policy);
}

TEST_CASE("policy mistakes are refused with the file and key named") {
    CHECK(hasProblem("surprise = 1\n" + minimal(), "surprise", "unknown key"));
    CHECK(hasProblem(minimal("[fields.steps]\nrequired = true\nlabel = \"S\"\ncolour = \"red\"\n"),
                     "fields.steps.colour", "unknown key"));
    CHECK(hasProblem(minimal("[[stages]]\nname = \"x\"\ntitle = \"X\"\nwithin = \"0h\"\ncompleted_by = \"fix\"\n"),
                     "stages[1].within", "longer than zero"));
    CHECK(hasProblem(minimal("[[stages]]\nname = \"x\"\ntitle = \"X\"\nwithin = \"-3d\"\ncompleted_by = \"fix\"\n"),
                     "stages[1].within", "not a window"));
    CHECK(hasProblem(minimal("[[stages]]\nname = \"x\"\ntitle = \"X\"\nwithin = \"3d\"\nfrom = \"later\"\n"
                             "completed_by = \"fix\"\n"),
                     "stages[1].from", "earlier stage"));
    CHECK(hasProblem(minimal("[[stages]]\nname = \"acknowledgment\"\ntitle = \"X\"\nwithin = \"3d\"\n"
                             "completed_by = \"fix\"\n"),
                     "stages[1].name", "used twice"));
    CHECK(hasProblem(minimal("[[stages]]\nname = \"x\"\ntitle = \"X\"\nwithin = \"3d\"\ncompleted_by = \"dance\"\n"),
                     "stages[1].completed_by", "not an action"));
    CHECK(hasProblem(minimal("[[versions]]\nmatch = \"banana\"\nsupport = \"supported\"\n"), "versions[0].match",
                     "not a version pattern"));
    CHECK(hasProblem(minimal("[[versions]]\nmatch = \"1.x\"\nsupport = \"maybe\"\n"), "versions[0].support",
                     "supported, limited or unsupported"));
    CHECK(hasProblem("[policy]\nname = \"n\"\nproject = \"p\"\ntimezone = \"Mars/Olympus\"\n", "policy.timezone",
                     "unknown time zone"));
    CHECK(hasProblem("[policy]\nname = \"n\"\nproject = \"p\"\nworking_days = [\"funday\"]\n", "policy.working_days",
                     "not a day"));
    CHECK(hasProblem("[policy]\nname = \"n\"\nproject = \"p\"\nreport_prefix = \"sec-\"\n", "policy.report_prefix",
                     "capital letters"));
    CHECK(hasProblem("[policy]\nname = \"n\"\nproject = \"p\"\n", "stages", "at least one"));
}

TEST_CASE("a policy with a TOML syntax error names the line") {
    auto loaded = parsePolicy("[policy\nname = 1\n", "broken.toml");
    REQUIRE(loaded.problems.size() == 1);
    CHECK(loaded.problems[0].file == "broken.toml");
    CHECK(loaded.problems[0].message.find("line 1") != std::string::npos);
}

TEST_CASE("a missing policy file is a problem naming the file") {
    auto loaded = loadPolicy("/nonexistent/policy.toml");
    REQUIRE(loaded.problems.size() == 1);
    CHECK(loaded.problems[0].file == "/nonexistent/policy.toml");
}

TEST_CASE("windows are written in hours, days or business days") {
    CHECK(parseWindow("24h")->unit == Window::Unit::Hours);
    CHECK(parseWindow("72 hours")->amount == 72);
    CHECK(parseWindow("7d")->unit == Window::Unit::Days);
    CHECK(parseWindow("5bd")->unit == Window::Unit::BusinessDays);
    CHECK(parseWindow("5 business days")->amount == 5);
    CHECK_FALSE(parseWindow("soon"));
    CHECK_FALSE(parseWindow("5 fortnights"));
    CHECK_FALSE(parseWindow(""));
}

TEST_CASE("drill windows in seconds and minutes are kept as seconds and counted exactly") {
    CHECK(parseWindow("30s")->unit == Window::Unit::Seconds);
    CHECK(parseWindow("10 minutes")->amount == 600);
    CHECK(parseWindow("2m")->amount == 120);
    CHECK(describeWindow(*parseWindow("90s")) == "90 seconds");
    Policy policy;
    auto calendar = Calendar::forPolicy(policy);
    REQUIRE(calendar);
    const auto anchor = fromUnix(1795473753);
    CHECK(calendar->due(anchor, *parseWindow("8s")) == anchor + std::chrono::seconds{8});
}

TEST_CASE("version patterns compare numerically, not as text") {
    CHECK(compareVersions("0.10", "0.9") > 0);
    CHECK(compareVersions("v1.2.3", "1.2.3") == 0);
    CHECK(compareVersions("1.2", "1.2.0") == 0);
    CHECK(compareVersions("1.2.3-rc1", "1.2.3") == 0);
    CHECK(isValidVersionMatch("0.2.x"));
    CHECK(isValidVersionMatch("< 0.1"));
    CHECK(isValidVersionMatch(">= 2"));
    CHECK(isValidVersionMatch("latest"));
    CHECK_FALSE(isValidVersionMatch("x.2"));
    CHECK_FALSE(isValidVersionMatch("< banana"));
}

TEST_CASE("holidays are dates in the policy file; anything else is refused with the key") {
    auto loaded = parsePolicy(
        minimal("").replace(minimal("").find("project = \"Test\""), 16,
                            "project = \"Test\"\nholidays = [\"2026-12-25\", \"2026-01-01\"]"),
        "p.toml");
    REQUIRE(loaded.policy);
    REQUIRE(loaded.policy->holidays.size() == 2);
    CHECK(loaded.policy->holidays[0] < loaded.policy->holidays[1]);  // kept sorted
    CHECK(loaded.policy->holidays[1] - loaded.policy->holidays[0] == 358);
    CHECK(hasProblem("[policy]\nname = \"n\"\nproject = \"p\"\nholidays = [\"2026-02-30\"]\n", "policy.holidays",
                     "not a date"));
    CHECK(hasProblem("[policy]\nname = \"n\"\nproject = \"p\"\nholidays = [\"25.12.2026\"]\n", "policy.holidays",
                     "YYYY-MM-DD"));
}

TEST_CASE("escalation settings that cannot work are refused with the key named") {
    const std::string level = "\n[[escalation.levels]]\nname = \"team\"\naddresses = [\"team@example.org\"]\n";
    CHECK(hasProblem(minimal("[escalation]\nwarn_at = 1.5\n" + level), "escalation.warn_at", "fraction"));
    CHECK(hasProblem(minimal("[escalation]\nrepeat_every = \"0h\"\n" + level), "escalation.repeat_every",
                     "longer than zero"));
    CHECK(hasProblem(minimal("[escalation]\n"), "escalation.levels", "at least one"));
    CHECK(hasProblem(minimal("[escalation]\n[[escalation.levels]]\nname = \"team\"\naddresses = []\n"),
                     "escalation.levels[0].addresses", "at least one address"));
    CHECK(hasProblem(minimal("[escalation]\n[[escalation.levels]]\nname = \"team\"\n"),
                     "escalation.levels[0].addresses", "needs at least one address"));
    CHECK(hasProblem(minimal("[escalation]\n[[escalation.levels]]\nname = \"t\"\naddresses = [\"not-an-address\"]\n"),
                     "escalation.levels[0].addresses", "not a plain address"));
    CHECK(hasProblem(minimal("[escalation]\n" + level + level), "escalation.levels[1].after", "grace time"));
    CHECK(hasProblem(minimal("[escalation]\nfrequency = 3\n" + level), "escalation.frequency", "unknown"));
    CHECK(hasProblem(minimal("[reporter_updates]\nremind_after = \"-3d\"\n"), "reporter_updates.remind_after", ""));
}

TEST_CASE("both shipped policies escalate to a first level at the deadline and a second two days later") {
    for (const char* name : {"personal-chatter.toml", "personalab.toml"}) {
        auto p = loadShipped(name);
        CHECK(p.escalation.warnAt == doctest::Approx(0.75));
        REQUIRE(p.escalation.repeatEvery);
        CHECK(describeWindow(*p.escalation.repeatEvery) == "24 hours");
        REQUIRE(p.escalation.levels.size() == 2);
        CHECK(p.escalation.levels[0].after.amount == 0);
        CHECK(describeWindow(p.escalation.levels[1].after) == "48 hours");
    }
    CHECK(loadShipped("personalab.toml").escalation.reporterRemindAfter.has_value());
    CHECK_FALSE(loadShipped("personal-chatter.toml").escalation.reporterRemindAfter.has_value());
}

TEST_CASE("scope hints: whole words of an out-of-scope category suggest it; unknown categories are refused") {
    auto loaded = loadPolicy(std::filesystem::path(SECMAILD_SOURCE_DIR) / "config/policies/personal-chatter.toml");
    REQUIRE(loaded.policy);
    const auto& p = *loaded.policy;
    CHECK(outOfScopeHints(p, "The server falls over: a Denial of Service.") ==
          std::vector<std::string>{"Denial of service (DoS) attacks"});
    CHECK(outOfScopeHints(p, "Send a DoS packet") == std::vector<std::string>{"Denial of service (DoS) attacks"});
    CHECK(outOfScopeHints(p, "Windows documents and dosage").empty());  // not whole words
    CHECK(outOfScopeHints(p, "Stored XSS in chat titles").empty());
    CHECK(outOfScopeHints(p, "phishing plus physical access").size() == 2);

    auto bad = parsePolicy(R"([policy]
name = "x"
project = "x"
[[stages]]
name = "acknowledgment"
within = "24h"
completed_by = "ack"
[scope]
out = ["Denial of service"]
[scope.hints]
"Spam" = ["spam"]
"Denial of service" = []
)",
                           "p.toml");
    bool unknown = false, empty = false;
    for (const auto& pr : bad.problems) {
        unknown = unknown || (pr.key == "scope.hints.Spam" && pr.message.find("not one of the categories") != std::string::npos);
        empty = empty || pr.message.find("needs a list of words") != std::string::npos;
    }
    CHECK(unknown);
    CHECK(empty);
}
