// Loading a policy file: every key checked, every problem named with its file
// and key, nothing accepted that the model cannot enforce (unknown keys,
// anchors that are not earlier stages, zero windows, unknown time zones).
#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "secmaild/config/toml_reader.hpp"
#include "secmaild/policy/policy.hpp"
#include "secmaild/policy/versions.hpp"
#include "secmaild/util/hash.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::policy {

using config::Problem;
using config::TableReader;

const std::vector<std::string>& knownActions() {
    static const std::vector<std::string> actions{"ack", "assess", "fix", "release", "disclose", "close"};
    return actions;
}

std::vector<std::string> outOfScopeHints(const Policy& policy, std::string_view text) {
    const std::string lower = toLower(text);
    auto isWordChar = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
    auto containsWord = [&](const std::string& word) {
        for (auto at = lower.find(word); at != std::string::npos; at = lower.find(word, at + 1)) {
            bool startOk = at == 0 || !isWordChar(lower[at - 1]);
            bool endOk = at + word.size() >= lower.size() || !isWordChar(lower[at + word.size()]);
            if (startOk && endOk) return true;
        }
        return false;
    };
    std::vector<std::string> out;
    for (const auto& hint : policy.scopeHints)
        if (std::any_of(hint.words.begin(), hint.words.end(), containsWord)) out.push_back(hint.category);
    return out;
}

const Stage* Policy::stage(std::string_view n) const {
    for (const auto& s : stages)
        if (s.name == n) return &s;
    return nullptr;
}

const FieldRule* Policy::fieldRule(report::Field f) const {
    for (const auto& r : fields)
        if (r.field == f) return &r;
    return nullptr;
}

std::vector<report::FieldSpec> Policy::fieldSpecs() const {
    std::vector<report::FieldSpec> out;
    for (auto f : report::allFields()) {
        const FieldRule* rule = fieldRule(f);
        out.push_back({f, rule && !rule->aliases.empty() ? rule->aliases : report::defaultAliases(f)});
    }
    return out;
}

std::optional<Window> parseWindow(std::string_view text) {
    auto t = toLower(trim(text));
    std::size_t i = 0;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
    if (i == 0 || i > 6) return std::nullopt;
    Window w;
    w.amount = std::stoll(t.substr(0, i));
    std::string unit = trimmed(std::string_view(t).substr(i));
    if (unit == "s" || unit == "second" || unit == "seconds") {
        w.unit = Window::Unit::Seconds;
    } else if (unit == "m" || unit == "minute" || unit == "minutes") {
        w.unit = Window::Unit::Seconds;
        w.amount *= 60;
    } else if (unit == "h" || unit == "hour" || unit == "hours")
        w.unit = Window::Unit::Hours;
    else if (unit == "d" || unit == "day" || unit == "days")
        w.unit = Window::Unit::Days;
    else if (unit == "bd" || unit == "business day" || unit == "business days")
        w.unit = Window::Unit::BusinessDays;
    else
        return std::nullopt;
    return w;
}

std::string describeWindow(const Window& w) {
    const char* unit = w.unit == Window::Unit::Seconds ? "second"
                       : w.unit == Window::Unit::Hours ? "hour"
                       : w.unit == Window::Unit::Days  ? "day"
                                                       : "business day";
    return std::to_string(w.amount) + " " + unit + (w.amount == 1 ? "" : "s");
}

namespace {

// "2026-12-25" as days since the epoch; nullopt unless a real calendar date.
std::optional<std::int64_t> parseIsoDay(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    auto number = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
        int v = 0;
        for (std::size_t i = pos; i < pos + len; ++i) {
            if (text[i] < '0' || text[i] > '9') return std::nullopt;
            v = v * 10 + (text[i] - '0');
        }
        return v;
    };
    auto y = number(0, 4), m = number(5, 2), d = number(8, 2);
    if (!y || !m || !d) return std::nullopt;
    date::year_month_day ymd{date::year{*y}, date::month{static_cast<unsigned>(*m)},
                             date::day{static_cast<unsigned>(*d)}};
    if (!ymd.ok()) return std::nullopt;
    return date::sys_days{ymd}.time_since_epoch().count();
}

std::optional<unsigned> weekdayNumber(std::string_view name) {
    static const char* names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    auto n = toLower(trim(name));
    for (unsigned i = 0; i < 7; ++i)
        if (n == names[i] || (n.size() > 3 && istartsWith(n, names[i]) && n.size() <= 9)) return i + 1;
    return std::nullopt;
}

class PolicyReader {
public:
    PolicyReader(const toml::table& root, const std::filesystem::path& file, std::vector<Problem>& problems)
        : root_(root), file_(file.string()), problems_(problems) {
        policy_.file = file;
    }

    Policy read() {
        TableReader top(&root_, "", file_, problems_);
        readHeader(top);
        readStages(top);
        readEscalation(top);
        readFields(top);
        readVersions(top);
        readScope(top);
        readRewards(top);
        readDisclosure(top);
        top.rejectUnknownKeys();
        return std::move(policy_);
    }

private:
    void readHeader(TableReader& top) {
        const toml::table* t = top.table("policy", true);
        TableReader r(t, "policy", file_, problems_);
        if (auto v = r.string("name", true)) policy_.name = *v;
        if (auto v = r.string("project", true)) policy_.project = *v;
        if (auto v = r.string("contact")) policy_.contact = *v;
        if (auto v = r.string("source")) policy_.source = *v;
        if (auto v = r.string("report_prefix")) {
            bool ok = !v->empty() && v->size() <= 12 && std::all_of(v->begin(), v->end(), [](char c) {
                return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            });
            if (ok)
                policy_.reportPrefix = *v;
            else
                r.problem("report_prefix", "must be 1 to 12 capital letters or digits, such as SEC");
        }
        if (auto v = r.string("timezone")) {
            try {
                date::locate_zone(*v);
                policy_.timezone = *v;
            } catch (const std::exception&) {
                r.problem("timezone", "unknown time zone '" + *v + "' (use a name such as UTC or Europe/Berlin)");
            }
        }
        if (auto days = r.stringList("working_days")) {
            std::vector<unsigned> numbers;
            for (const auto& d : *days) {
                auto n = weekdayNumber(d);
                if (!n)
                    r.problem("working_days", "'" + d + "' is not a day of the week (mon .. sun)");
                else if (std::find(numbers.begin(), numbers.end(), *n) == numbers.end())
                    numbers.push_back(*n);
            }
            if (days->empty()) r.problem("working_days", "must name at least one day");
            if (!numbers.empty()) {
                std::sort(numbers.begin(), numbers.end());
                policy_.workingDays = numbers;
            }
        }
        if (auto list = r.stringList("holidays")) {
            for (const auto& d : *list) {
                auto day = parseIsoDay(d);
                if (!day)
                    r.problem("holidays", "'" + d + "' is not a date written as YYYY-MM-DD");
                else
                    policy_.holidays.push_back(*day);
            }
            std::sort(policy_.holidays.begin(), policy_.holidays.end());
        }
        if (auto v = r.boolean("auto_ack_completes")) policy_.autoAckCompletes = *v;
        if (auto v = r.string("latest_version")) policy_.latestVersion = *v;
        r.rejectUnknownKeys();
    }

    void readStages(TableReader& top) {
        auto n = top.node("stages");
        if (!n) {
            top.problem("stages", "at least one [[stages]] entry is required");
            return;
        }
        auto arr = n->as_array();
        if (!arr || !arr->is_array_of_tables()) {
            top.problem("stages", "must be written as [[stages]] entries");
            return;
        }
        std::set<std::string> names{"receipt"};
        std::size_t index = 0;
        for (const auto& el : *arr) {
            std::string prefix = "stages[" + std::to_string(index++) + "]";
            TableReader r(el.as_table(), prefix, file_, problems_);
            Stage s;
            if (auto v = r.string("name", true)) {
                bool ok = !v->empty() && std::all_of(v->begin(), v->end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
                });
                if (!ok)
                    r.problem("name", "must be lower-case letters, digits, - or _");
                else if (names.count(*v))
                    r.problem("name", "'" + *v + "' is used twice (or is the reserved 'receipt')");
                s.name = *v;
            }
            if (auto v = r.string("title", true)) s.title = *v;
            if (auto v = r.string("within", true)) {
                auto w = parseWindow(*v);
                if (!w)
                    r.problem("within", "'" + *v + "' is not a window (examples: 24h, 7d, 5bd)");
                else if (w->amount <= 0)
                    r.problem("within", "must be longer than zero");
                else
                    s.window = *w;
            }
            if (auto v = r.string("from")) {
                if (!names.count(*v))
                    r.problem("from", "'" + *v + "' is not 'receipt' or the name of an earlier stage");
                else
                    s.anchor = *v;
            }
            if (auto v = r.string("completed_by", true)) {
                const auto& actions = knownActions();
                if (std::find(actions.begin(), actions.end(), *v) == actions.end())
                    r.problem("completed_by",
                              "'" + *v + "' is not an action (ack, assess, fix, release, disclose, close)");
                else
                    s.completedBy = *v;
            }
            if (auto v = r.stringList("severity")) {
                static const std::set<std::string> severities{"low", "medium", "high", "critical"};
                for (const auto& sv : *v) {
                    if (!severities.count(sv))
                        r.problem("severity", "'" + sv + "' is not low, medium, high or critical");
                    else
                        s.severities.push_back(sv);
                }
            }
            if (auto v = r.string("note")) s.note = *v;
            r.rejectUnknownKeys();
            if (!s.name.empty()) names.insert(s.name);
            policy_.stages.push_back(std::move(s));
        }
    }

    std::optional<Window> positiveWindow(TableReader& r, std::string_view key, bool allowZero) {
        auto v = r.string(key);
        if (!v) return std::nullopt;
        auto w = parseWindow(*v);
        if (!w) {
            r.problem(key, "'" + *v + "' is not a window (examples: 24h, 7d, 5bd)");
            return std::nullopt;
        }
        if (w->amount < 0 || (!allowZero && w->amount == 0)) {
            r.problem(key, allowZero ? "must not be negative" : "must be longer than zero");
            return std::nullopt;
        }
        return w;
    }

    void readEscalation(TableReader& top) {
        if (const toml::table* t = top.table("reporter_updates")) {
            TableReader r(t, "reporter_updates", file_, problems_);
            policy_.escalation.reporterRemindAfter = positiveWindow(r, "remind_after", false);
            r.rejectUnknownKeys();
        }
        const toml::table* t = top.table("escalation");
        if (!t) return;
        TableReader r(t, "escalation", file_, problems_);
        auto& e = policy_.escalation;
        if (auto n = r.node("warn_at")) {
            auto v = n->value<double>();
            if (!v || *v < 0 || *v >= 1)
                r.problem("warn_at", "must be a fraction of the window from 0 (no warning) up to, not including, 1");
            else
                e.warnAt = *v;
        }
        e.repeatEvery = positiveWindow(r, "repeat_every", false);
        auto levels = r.node("levels");
        auto arr = levels ? levels->as_array() : nullptr;
        if (!arr || !arr->is_array_of_tables() || arr->empty()) {
            r.problem("levels", "at least one [[escalation.levels]] entry with addresses is required");
        } else {
            std::size_t index = 0;
            for (const auto& el : *arr) {
                TableReader l(el.as_table(), "escalation.levels[" + std::to_string(index) + "]", file_, problems_);
                EscalationLevel level;
                if (auto v = l.string("name", true)) level.name = *v;
                if (auto list = l.stringList("addresses")) {
                    for (const auto& a : *list) {
                        auto at = a.find('@');
                        if (at == std::string::npos || at == 0 || at + 1 == a.size() ||
                            a.find_first_of(" \t\r\n<>,;\"") != std::string::npos)
                            l.problem("addresses", "'" + a + "' is not a plain address");
                        else
                            level.addresses.push_back(toLower(a));
                    }
                }
                if (level.addresses.empty() && !l.node("addresses"))
                    l.problem("addresses", "an escalation level needs at least one address");
                else if (level.addresses.empty())
                    l.problem("addresses", "must name at least one address");
                if (auto w = positiveWindow(l, "after", true)) level.after = *w;
                if (index > 0 && !e.levels.empty() && level.after.amount == 0)
                    l.problem("after", "a later level needs a grace time after the deadline (e.g. 48h)");
                l.rejectUnknownKeys();
                e.levels.push_back(std::move(level));
                ++index;
            }
        }
        r.rejectUnknownKeys();
    }

    void readFields(TableReader& top) {
        const toml::table* t = top.table("fields", true);
        if (!t) return;
        TableReader fields(t, "fields", file_, problems_);
        for (auto f : report::allFields()) {
            std::string key{report::fieldKey(f)};
            const toml::table* ft = fields.table(key);
            if (!ft) continue;
            TableReader r(ft, "fields." + key, file_, problems_);
            FieldRule rule;
            rule.field = f;
            if (auto v = r.boolean("required")) rule.required = *v;
            if (auto v = r.string("label", true)) rule.label = *v;
            if (auto v = r.string("guide")) rule.guide = *v;
            if (auto v = r.stringList("aliases")) {
                for (const auto& a : *v) {
                    if (trim(a).empty())
                        r.problem("aliases", "an alias is empty");
                    else
                        rule.aliases.push_back(toLower(trim(a)));
                }
            }
            r.rejectUnknownKeys();
            policy_.fields.push_back(std::move(rule));
        }
        fields.rejectUnknownKeys();
        bool anyRequired =
            std::any_of(policy_.fields.begin(), policy_.fields.end(), [](auto& r) { return r.required; });
        if (!anyRequired) top.problem("fields", "no field is required; name at least one with required = true");
    }

    void readVersions(TableReader& top) {
        auto n = top.node("versions");
        if (!n) return;
        auto arr = n->as_array();
        if (!arr || !arr->is_array_of_tables()) {
            top.problem("versions", "must be written as [[versions]] entries");
            return;
        }
        std::size_t index = 0;
        for (const auto& el : *arr) {
            TableReader r(el.as_table(), "versions[" + std::to_string(index++) + "]", file_, problems_);
            VersionRule rule;
            if (auto v = r.string("match", true)) {
                if (!isValidVersionMatch(*v))
                    r.problem("match",
                              "'" + *v + "' is not a version pattern (examples: 0.2.x, < 0.1, >= 1.0, 1.4.2, latest)");
                rule.match = *v;
            }
            if (auto v = r.string("support", true)) {
                if (*v == "supported")
                    rule.support = VersionRule::Support::Supported;
                else if (*v == "limited")
                    rule.support = VersionRule::Support::Limited;
                else if (*v == "unsupported")
                    rule.support = VersionRule::Support::Unsupported;
                else
                    r.problem("support", "must be supported, limited or unsupported");
            }
            if (auto v = r.string("note")) rule.note = *v;
            r.rejectUnknownKeys();
            policy_.versions.push_back(std::move(rule));
        }
    }

    void readScope(TableReader& top) {
        const toml::table* t = top.table("scope");
        if (!t) return;
        TableReader r(t, "scope", file_, problems_);
        if (auto v = r.stringList("in")) policy_.inScope = *v;
        if (auto v = r.stringList("out")) policy_.outOfScope = *v;
        // [scope.hints] "Out-of-scope category" = ["words", "that suggest it"]
        if (const toml::table* hints = r.table("hints")) {
            TableReader h(hints, "scope.hints", file_, problems_);
            for (const auto& [key, node] : *hints) {
                const std::string category(key.str());
                auto words = h.stringList(category);
                const auto& out = policy_.outOfScope;
                if (std::find(out.begin(), out.end(), category) == out.end()) {
                    h.problem(category, "is not one of the categories in scope.out");
                    continue;
                }
                if (!words || words->empty()) {
                    h.problem(category, "needs a list of words that suggest the category");
                    continue;
                }
                ScopeHint hint{category, {}};
                for (const auto& w : *words)
                    if (!trim(w).empty()) hint.words.push_back(toLower(trim(w)));
                policy_.scopeHints.push_back(std::move(hint));
            }
        }
        r.rejectUnknownKeys();
    }

    void readRewards(TableReader& top) {
        const toml::table* t = top.table("rewards");
        if (!t) return;
        TableReader r(t, "rewards", file_, problems_);
        if (auto v = r.stringList("recognition")) policy_.recognition = *v;
        if (auto n = r.node("bounty")) {
            auto arr = n->as_array();
            if (!arr || !arr->is_array_of_tables()) {
                r.problem("bounty", "must be written as [[rewards.bounty]] entries");
            } else {
                std::size_t index = 0;
                for (const auto& el : *arr) {
                    TableReader b(el.as_table(), "rewards.bounty[" + std::to_string(index++) + "]", file_, problems_);
                    Reward reward;
                    if (auto v = b.string("severity", true)) reward.severity = *v;
                    if (auto v = b.string("reward", true)) reward.reward = *v;
                    b.rejectUnknownKeys();
                    policy_.rewards.push_back(std::move(reward));
                }
            }
        }
        r.rejectUnknownKeys();
    }

    void readDisclosure(TableReader& top) {
        const toml::table* t = top.table("disclosure");
        if (!t) return;
        TableReader r(t, "disclosure", file_, problems_);
        if (auto v = r.stringList("terms")) policy_.disclosureTerms = *v;
        r.rejectUnknownKeys();
    }

    const toml::table& root_;
    std::string file_;
    std::vector<Problem>& problems_;
    Policy policy_;
};

}  // namespace

PolicyLoad parsePolicy(std::string_view text, const std::filesystem::path& file) {
    PolicyLoad result;
    auto root = config::parseToml(text, file.string(), result.problems);
    if (!root) return result;
    Policy p = PolicyReader(*root, file, result.problems).read();
    p.digest = sha256Hex(text);
    if (result.problems.empty()) result.policy = std::move(p);
    return result;
}

PolicyLoad loadPolicy(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::error_code ec;
    if (!in || !std::filesystem::is_regular_file(file, ec)) {
        PolicyLoad r;
        r.problems.push_back({file.string(), "", "cannot be read (no such file, or not a regular file)"});
        return r;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parsePolicy(text.str(), file);
}

}  // namespace secmaild::policy
