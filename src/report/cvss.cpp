// CVSS vector strings: validation against the metric tables of CVSS 3.0/3.1
// and 4.0, a bounded scan for vectors in free text, and the CVSS 3.x base score.
// It does not compute temporal, environmental or 4.0 scores: reports only need
// a checked vector and, for 3.x, the base score to compare with a stated
// severity.
#include "secmaild/report/cvss.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace secmaild::report {

namespace {

struct MetricDef {
    std::string_view name;
    std::vector<std::string_view> values;
    bool mandatory;
};

// Tables in the order of the specifications' vector-string tables (CVSS 3.1
// Table 15, CVSS 4.0 section 7); that order is also our canonical order.
const std::vector<MetricDef>& cvss3Metrics() {
    static const std::vector<MetricDef> defs = {
        {"AV", {"N", "A", "L", "P"}, true},
        {"AC", {"L", "H"}, true},
        {"PR", {"N", "L", "H"}, true},
        {"UI", {"N", "R"}, true},
        {"S", {"U", "C"}, true},
        {"C", {"H", "L", "N"}, true},
        {"I", {"H", "L", "N"}, true},
        {"A", {"H", "L", "N"}, true},
        {"E", {"X", "U", "P", "F", "H"}, false},
        {"RL", {"X", "O", "T", "W", "U"}, false},
        {"RC", {"X", "U", "R", "C"}, false},
        {"CR", {"X", "L", "M", "H"}, false},
        {"IR", {"X", "L", "M", "H"}, false},
        {"AR", {"X", "L", "M", "H"}, false},
        {"MAV", {"X", "N", "A", "L", "P"}, false},
        {"MAC", {"X", "L", "H"}, false},
        {"MPR", {"X", "N", "L", "H"}, false},
        {"MUI", {"X", "N", "R"}, false},
        {"MS", {"X", "U", "C"}, false},
        {"MC", {"X", "N", "L", "H"}, false},
        {"MI", {"X", "N", "L", "H"}, false},
        {"MA", {"X", "N", "L", "H"}, false},
    };
    return defs;
}

const std::vector<MetricDef>& cvss4Metrics() {
    static const std::vector<MetricDef> defs = {
        {"AV", {"N", "A", "L", "P"}, true},
        {"AC", {"L", "H"}, true},
        {"AT", {"N", "P"}, true},
        {"PR", {"N", "L", "H"}, true},
        {"UI", {"N", "P", "A"}, true},
        {"VC", {"H", "L", "N"}, true},
        {"VI", {"H", "L", "N"}, true},
        {"VA", {"H", "L", "N"}, true},
        {"SC", {"H", "L", "N"}, true},
        {"SI", {"H", "L", "N"}, true},
        {"SA", {"H", "L", "N"}, true},
        {"E", {"X", "A", "P", "U"}, false},
        {"CR", {"X", "H", "M", "L"}, false},
        {"IR", {"X", "H", "M", "L"}, false},
        {"AR", {"X", "H", "M", "L"}, false},
        {"MAV", {"X", "N", "A", "L", "P"}, false},
        {"MAC", {"X", "L", "H"}, false},
        {"MAT", {"X", "N", "P"}, false},
        {"MPR", {"X", "N", "L", "H"}, false},
        {"MUI", {"X", "N", "P", "A"}, false},
        {"MVC", {"X", "H", "L", "N"}, false},
        {"MVI", {"X", "H", "L", "N"}, false},
        {"MVA", {"X", "H", "L", "N"}, false},
        {"MSC", {"X", "H", "L", "N"}, false},
        // Only the modified subsequent integrity/availability may be Safety (S).
        {"MSI", {"X", "S", "H", "L", "N"}, false},
        {"MSA", {"X", "S", "H", "L", "N"}, false},
        {"S", {"X", "N", "P"}, false},
        {"AU", {"X", "N", "Y"}, false},
        {"R", {"X", "A", "U", "I"}, false},
        {"V", {"X", "D", "C"}, false},
        {"RE", {"X", "L", "M", "H"}, false},
        {"U", {"X", "Clear", "Green", "Amber", "Red"}, false},
    };
    return defs;
}

// The value given for each metric of a table, by table index; empty if absent.
struct ParsedVector {
    std::string version;
    const std::vector<MetricDef>* defs = nullptr;
    std::vector<std::string_view> values;
};

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::optional<ParsedVector> parseVector(std::string_view text) {
    while (!text.empty() && isSpace(text.front())) text.remove_prefix(1);
    while (!text.empty() && isSpace(text.back())) text.remove_suffix(1);
    ParsedVector out;
    if (text.substr(0, 9) == "CVSS:3.0/") {
        out.version = "3.0";
        out.defs = &cvss3Metrics();
    } else if (text.substr(0, 9) == "CVSS:3.1/") {
        out.version = "3.1";
        out.defs = &cvss3Metrics();
    } else if (text.substr(0, 9) == "CVSS:4.0/") {
        out.version = "4.0";
        out.defs = &cvss4Metrics();
    } else {
        return std::nullopt;
    }
    const auto& defs = *out.defs;
    out.values.assign(defs.size(), std::string_view{});
    std::string_view rest = text.substr(9);
    // Every component is consumed once, so this loop is linear in the text.
    for (;;) {
        auto slash = rest.find('/');
        std::string_view component = rest.substr(0, slash);
        auto colon = component.find(':');
        if (colon == std::string_view::npos) return std::nullopt;
        std::string_view name = component.substr(0, colon);
        std::string_view value = component.substr(colon + 1);
        bool known = false;
        for (std::size_t i = 0; i < defs.size(); ++i) {
            if (defs[i].name != name) continue;
            if (!out.values[i].empty()) return std::nullopt;  // duplicate metric
            for (auto allowed : defs[i].values)
                if (allowed == value) known = true;
            if (!known) return std::nullopt;
            out.values[i] = value;
            break;
        }
        if (!known) return std::nullopt;
        if (slash == std::string_view::npos) break;
        rest = rest.substr(slash + 1);  // a trailing '/' leaves an empty component: rejected above
    }
    for (std::size_t i = 0; i < defs.size(); ++i)
        if (defs[i].mandatory && out.values[i].empty()) return std::nullopt;
    return out;
}

std::string canonical(const ParsedVector& p) {
    std::string out = "CVSS:" + p.version;
    for (std::size_t i = 0; i < p.defs->size(); ++i) {
        if (p.values[i].empty() || p.values[i] == "X") continue;
        out += '/';
        out += (*p.defs)[i].name;
        out += ':';
        out += p.values[i];
    }
    return out;
}

bool isVectorChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' || c == '/' ||
           c == '.';
}

// CVSS 3.1 Appendix A: round up to one decimal using an integer intermediate so
// that floating-point noise (4.000000000000001) does not round up to 4.1.
double roundup(double value) {
    auto intInput = static_cast<std::int64_t>(std::llround(value * 100000.0));
    if (intInput % 10000 == 0) return static_cast<double>(intInput) / 100000.0;
    return static_cast<double>(intInput / 10000 + 1) / 10.0;
}

}  // namespace

std::optional<CvssVector> parseCvssVector(std::string_view text) {
    auto parsed = parseVector(text);
    if (!parsed) return std::nullopt;
    return CvssVector{parsed->version, canonical(*parsed)};
}

std::optional<CvssVector> findCvssVector(std::string_view text) {
    // The longest valid vector (4.0 with every metric) is under 200 bytes.
    constexpr std::size_t maxToken = 256;
    std::size_t pos = 0;
    std::size_t runEnd = 0;  // end of the run of vector characters around pos
    while ((pos = text.find("CVSS:", pos)) != std::string_view::npos) {
        // Each character is scanned once for the run end, however many
        // "CVSS:" a run holds, so the search stays linear.
        if (runEnd <= pos) {
            runEnd = pos;
            while (runEnd < text.size() && isVectorChar(text[runEnd])) ++runEnd;
        }
        std::string_view token = text.substr(pos, std::min(runEnd - pos, maxToken));
        // A vector that ends a sentence or a path keeps its punctuation outside.
        while (!token.empty() && (token.back() == '.' || token.back() == '/' || token.back() == ':'))
            token.remove_suffix(1);
        if (auto v = parseCvssVector(token)) return v;
        pos += 5;
    }
    return std::nullopt;
}

std::optional<double> cvss3BaseScore(const CvssVector& v) {
    auto parsed = parseVector(v.vector);
    if (!parsed || parsed->version == "4.0") return std::nullopt;
    // Indices follow cvss3Metrics(): AV AC PR UI S C I A.
    const auto& m = parsed->values;
    bool changed = m[4] == "C";
    double av = m[0] == "N" ? 0.85 : m[0] == "A" ? 0.62 : m[0] == "L" ? 0.55 : 0.2;
    double ac = m[1] == "L" ? 0.77 : 0.44;
    double pr = m[2] == "N" ? 0.85 : m[2] == "L" ? (changed ? 0.68 : 0.62) : (changed ? 0.5 : 0.27);
    double ui = m[3] == "N" ? 0.85 : 0.62;
    auto cia = [](std::string_view x) { return x == "H" ? 0.56 : x == "L" ? 0.22 : 0.0; };
    double iss = 1.0 - (1.0 - cia(m[5])) * (1.0 - cia(m[6])) * (1.0 - cia(m[7]));
    double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
    double exploitability = 8.22 * av * ac * pr * ui;
    if (impact <= 0) return 0.0;
    if (changed) return roundup(std::min(1.08 * (impact + exploitability), 10.0));
    return roundup(std::min(impact + exploitability, 10.0));
}

}  // namespace secmaild::report
