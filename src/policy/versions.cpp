// Version patterns. Deliberately small: dotted numbers, "x" wildcards, one
// comparison operator, or "latest"; anything else is refused by the loader.
#include "secmaild/policy/versions.hpp"

#include <cctype>
#include <vector>

#include "secmaild/util/strings.hpp"

namespace secmaild::policy {

namespace {

std::vector<long> numbers(std::string_view v) {
    std::vector<long> out;
    std::size_t i = 0;
    if (!v.empty() && (v[0] == 'v' || v[0] == 'V')) ++i;
    while (i < v.size() && out.size() < 8) {
        if (!std::isdigit(static_cast<unsigned char>(v[i]))) break;
        long n = 0;
        while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i])) && n < 1000000000)
            n = n * 10 + (v[i++] - '0');
        out.push_back(n);
        if (i < v.size() && v[i] == '.' && i + 1 < v.size() && std::isdigit(static_cast<unsigned char>(v[i + 1])))
            ++i;
        else
            break;
    }
    return out;
}

bool isDotted(std::string_view v, bool allowWildcard) {
    v = trim(v);
    if (v.empty()) return false;
    bool lastWasDot = true;
    for (std::size_t i = 0; i < v.size(); ++i) {
        char c = v[i];
        if (std::isdigit(static_cast<unsigned char>(c))) {
            lastWasDot = false;
        } else if (c == '.' && !lastWasDot) {
            lastWasDot = true;
        } else if (allowWildcard && (c == 'x' || c == '*') && lastWasDot && i + 1 == v.size()) {
            lastWasDot = false;
        } else {
            return false;
        }
    }
    return !lastWasDot;
}

struct Comparison {
    std::string op;
    std::string version;
};

std::optional<Comparison> splitComparison(std::string_view pattern) {
    auto p = trim(pattern);
    for (const char* op : {"<=", ">=", "<", ">", "="}) {
        if (p.substr(0, std::char_traits<char>::length(op)) == op) {
            auto rest = trim(p.substr(std::char_traits<char>::length(op)));
            if (!isDotted(rest, false)) return std::nullopt;
            return Comparison{op, std::string(rest)};
        }
    }
    return std::nullopt;
}

bool matches(const Policy& policy, const VersionRule& rule, std::string_view version) {
    auto pattern = trim(rule.match);
    if (iequals(pattern, "latest"))
        return !policy.latestVersion.empty() && compareVersions(version, policy.latestVersion) == 0;
    if (auto c = splitComparison(pattern)) {
        int cmp = compareVersions(version, c->version);
        if (c->op == "<") return cmp < 0;
        if (c->op == "<=") return cmp <= 0;
        if (c->op == ">") return cmp > 0;
        if (c->op == ">=") return cmp >= 0;
        return cmp == 0;
    }
    if (pattern.back() == 'x' || pattern.back() == '*') {
        auto prefix = numbers(pattern.substr(0, pattern.size() - 1));
        auto have = numbers(version);
        if (have.size() < prefix.size()) return false;
        for (std::size_t i = 0; i < prefix.size(); ++i)
            if (have[i] != prefix[i]) return false;
        return true;
    }
    return compareVersions(version, pattern) == 0;
}

}  // namespace

bool isValidVersionMatch(std::string_view pattern) {
    auto p = trim(pattern);
    if (iequals(p, "latest")) return true;
    if (!p.empty() && (p[0] == '<' || p[0] == '>' || p[0] == '=')) return splitComparison(p).has_value();
    return isDotted(p, true);
}

int compareVersions(std::string_view a, std::string_view b) {
    auto x = numbers(trim(a));
    auto y = numbers(trim(b));
    std::size_t n = std::max(x.size(), y.size());
    for (std::size_t i = 0; i < n; ++i) {
        long p = i < x.size() ? x[i] : 0;
        long q = i < y.size() ? y[i] : 0;
        if (p != q) return p < q ? -1 : 1;
    }
    return 0;
}

VersionSupport supportFor(const Policy& policy, std::string_view version) {
    VersionSupport out;
    if (numbers(trim(version)).empty()) return out;
    for (const auto& rule : policy.versions) {
        if (!matches(policy, rule, version)) continue;
        out.rule = &rule;
        switch (rule.support) {
            case VersionRule::Support::Supported:
                out.status = VersionSupport::Status::Supported;
                break;
            case VersionRule::Support::Limited:
                out.status = VersionSupport::Status::Limited;
                break;
            case VersionRule::Support::Unsupported:
                out.status = VersionSupport::Status::Unsupported;
                break;
        }
        return out;
    }
    return out;
}

std::string_view statusName(VersionSupport::Status s) {
    switch (s) {
        case VersionSupport::Status::Supported:
            return "supported";
        case VersionSupport::Status::Limited:
            return "limited";
        case VersionSupport::Status::Unsupported:
            return "unsupported";
        case VersionSupport::Status::Unknown:
            break;
    }
    return "unknown";
}

}  // namespace secmaild::policy
