// A project's security policy as secmaild enforces it: the response stages
// with their windows, the fields a report must carry, the supported
// versions, and what the policy says besides (scope, rewards, disclosure
// terms) for the mails that quote it. Loaded from TOML (config/policies/);
// every problem is reported with the file and key. Pure data: no clock, no IO
// beyond reading the file.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "secmaild/config/config.hpp"
#include "secmaild/report/fields.hpp"

namespace secmaild::policy {

struct Window {
    // Seconds: "90s", "10 minutes" — for drills and tests, where a policy is
    // compressed to run in real time.
    enum class Unit { Seconds, Hours, Days, BusinessDays };
    Unit unit = Unit::Hours;
    std::int64_t amount = 0;
};
// "24h", "72 hours", "7d", "14 days", "5bd", "5 business days"; also "30s",
// "10m", "10 minutes" (kept as seconds).
std::optional<Window> parseWindow(std::string_view text);
std::string describeWindow(const Window& w);  // "24 hours", "5 business days"

struct Stage {
    std::string name;   // "acknowledgment"
    std::string title;  // "Initial acknowledgment of your report"
    Window window;
    std::string anchor = "receipt";       // "receipt" or an earlier stage's name
    std::string completedBy;              // the action that completes it: "ack", "assess", ...
    std::vector<std::string> severities;  // only for these severities; empty: always
    std::string note;                     // a qualifier from the policy text, shown with the date
};

struct FieldRule {
    report::Field field;
    bool required = false;
    std::string label;  // how the policy names it
    std::string guide;  // one line telling the reporter what to give
    std::vector<std::string> aliases;
};

struct VersionRule {
    enum class Support { Supported, Limited, Unsupported };
    std::string match;  // "0.2.x", "< 0.1", ">= 1.0", "1.4.2", "latest"
    Support support = Support::Supported;
    std::string note;
};

// Words in a report that suggest an out-of-scope category: a hint to a human
// in the maintainers' notice, never an automatic rejection.
struct ScopeHint {
    std::string category;            // as in scope.out
    std::vector<std::string> words;  // lower-case
};

struct Reward {
    std::string severity;
    std::string reward;
};

// Who hears about a window, and when (README, "Escalation"): a warning at a
// fraction of the window, the missed-window mail at the deadline, repeats
// while it stays missed, further levels after their grace time.
struct EscalationLevel {
    std::string name;                    // "maintainers", "project lead"
    std::vector<std::string> addresses;  // lower-case
    Window after;                        // after the deadline (the first level: usually 0h)
};

struct Escalation {
    double warnAt = 0.75;               // fraction of the window; 0: no warning
    std::optional<Window> repeatEvery;  // while missed; unset: no repeats
    std::vector<EscalationLevel> levels;
    // Remind the first level when the reporter has heard nothing this long
    // (a policy that promises updates throughout).
    std::optional<Window> reporterRemindAfter;
};

struct Policy {
    std::filesystem::path file;
    std::string name;
    std::string project;
    std::string contact;
    std::string reportPrefix = "SEC";
    std::string timezone = "UTC";
    std::vector<unsigned> workingDays{1, 2, 3, 4, 5};  // ISO: Monday 1 .. Sunday 7
    // Days off besides the weekend, as days since 1970-01-01 in the policy's
    // time zone (written "2026-12-25" in the file); business days skip them.
    std::vector<std::int64_t> holidays;
    bool autoAckCompletes = true;                      // the automatic acknowledgment performs the "ack" action
    std::string source;                                // where the policy text comes from
    // SHA-256 of the policy file's text: deadlines planned under another text
    // are recomputed (store::Store::adoptPlanPolicy).
    std::string digest;
    std::vector<Stage> stages;
    std::vector<FieldRule> fields;
    std::vector<VersionRule> versions;
    std::string latestVersion;  // what "latest" means, when the admin keeps it current
    std::vector<std::string> inScope, outOfScope;
    std::vector<ScopeHint> scopeHints;
    std::vector<Reward> rewards;
    std::vector<std::string> recognition;
    std::vector<std::string> disclosureTerms;
    Escalation escalation;

    const Stage* stage(std::string_view name) const;
    const FieldRule* fieldRule(report::Field f) const;
    std::vector<report::FieldSpec> fieldSpecs() const;
};

struct PolicyLoad {
    std::optional<Policy> policy;
    std::vector<config::Problem> problems;
};

PolicyLoad loadPolicy(const std::filesystem::path& file);
PolicyLoad parsePolicy(std::string_view text, const std::filesystem::path& file);

// The out-of-scope categories whose words appear in `text` (whole words,
// ignoring case), in policy order. Linear in the text per word; never throws.
std::vector<std::string> outOfScopeHints(const Policy& policy, std::string_view text);

// The actions a stage can be completed by.
const std::vector<std::string>& knownActions();

}  // namespace secmaild::policy
