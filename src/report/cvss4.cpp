// CVSS 4.0 scoring as FIRST's reference calculator does it: the vector falls
// into a macro vector (six equivalence classes EQ1-EQ6) whose most severe
// member has a score in FIRST's table; the vector's score is that score,
// lowered in proportion to how far the vector lies below that member. Also the
// qualitative rating of a score. It does not parse or validate vectors
// (cvss.cpp does) and has no weights of its own: everything that decides a
// score is FIRST's data below, combined as the reference combines it.
#include "secmaild/report/cvss4.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace secmaild::report {

namespace {

// The tables below are FIRST's data, copied from
// github.com/FIRSTdotorg/cvss-v4-calculator at commit c5b0d40 (cvss_lookup.js,
// max_composed.js, max_severity.js, and the *_levels of cvss_score.js). The
// same values are in RedHatProductSecurity/cvss-v4-calculator cvss40.js (the
// calculator on first.org) and RedHatProductSecurity/cvss cvss/constants4.py.

// cvss_lookup.js: the score of each of the 270 macro vectors, keyed by the
// levels of EQ1..EQ6. Sorted, for binary search.
struct MacroScore {
    std::string_view macro;
    double score;
};

constexpr std::array<MacroScore, 270> kMacroScores{{
    {"000000", 10.0}, {"000001", 9.9}, {"000010", 9.8}, {"000011", 9.5}, {"000020", 9.5}, {"000021", 9.2},
    {"000100", 10.0}, {"000101", 9.6}, {"000110", 9.3}, {"000111", 8.7}, {"000120", 9.1}, {"000121", 8.1},
    {"000200", 9.3},  {"000201", 9.0}, {"000210", 8.9}, {"000211", 8.0}, {"000220", 8.1}, {"000221", 6.8},
    {"001000", 9.8},  {"001001", 9.5}, {"001010", 9.5}, {"001011", 9.2}, {"001020", 9.0}, {"001021", 8.4},
    {"001100", 9.3},  {"001101", 9.2}, {"001110", 8.9}, {"001111", 8.1}, {"001120", 8.1}, {"001121", 6.5},
    {"001200", 8.8},  {"001201", 8.0}, {"001210", 7.8}, {"001211", 7.0}, {"001220", 6.9}, {"001221", 4.8},
    {"002001", 9.2},  {"002011", 8.2}, {"002021", 7.2}, {"002101", 7.9}, {"002111", 6.9}, {"002121", 5.0},
    {"002201", 6.9},  {"002211", 5.5}, {"002221", 2.7}, {"010000", 9.9}, {"010001", 9.7}, {"010010", 9.5},
    {"010011", 9.2},  {"010020", 9.2}, {"010021", 8.5}, {"010100", 9.5}, {"010101", 9.1}, {"010110", 9.0},
    {"010111", 8.3},  {"010120", 8.4}, {"010121", 7.1}, {"010200", 9.2}, {"010201", 8.1}, {"010210", 8.2},
    {"010211", 7.1},  {"010220", 7.2}, {"010221", 5.3}, {"011000", 9.5}, {"011001", 9.3}, {"011010", 9.2},
    {"011011", 8.5},  {"011020", 8.5}, {"011021", 7.3}, {"011100", 9.2}, {"011101", 8.2}, {"011110", 8.0},
    {"011111", 7.2},  {"011120", 7.0}, {"011121", 5.9}, {"011200", 8.4}, {"011201", 7.0}, {"011210", 7.1},
    {"011211", 5.2},  {"011220", 5.0}, {"011221", 3.0}, {"012001", 8.6}, {"012011", 7.5}, {"012021", 5.2},
    {"012101", 7.1},  {"012111", 5.2}, {"012121", 2.9}, {"012201", 6.3}, {"012211", 2.9}, {"012221", 1.7},
    {"100000", 9.8},  {"100001", 9.5}, {"100010", 9.4}, {"100011", 8.7}, {"100020", 9.1}, {"100021", 8.1},
    {"100100", 9.4},  {"100101", 8.9}, {"100110", 8.6}, {"100111", 7.4}, {"100120", 7.7}, {"100121", 6.4},
    {"100200", 8.7},  {"100201", 7.5}, {"100210", 7.4}, {"100211", 6.3}, {"100220", 6.3}, {"100221", 4.9},
    {"101000", 9.4},  {"101001", 8.9}, {"101010", 8.8}, {"101011", 7.7}, {"101020", 7.6}, {"101021", 6.7},
    {"101100", 8.6},  {"101101", 7.6}, {"101110", 7.4}, {"101111", 5.8}, {"101120", 5.9}, {"101121", 5.0},
    {"101200", 7.2},  {"101201", 5.7}, {"101210", 5.7}, {"101211", 5.2}, {"101220", 5.2}, {"101221", 2.5},
    {"102001", 8.3},  {"102011", 7.0}, {"102021", 5.4}, {"102101", 6.5}, {"102111", 5.8}, {"102121", 2.6},
    {"102201", 5.3},  {"102211", 2.1}, {"102221", 1.3}, {"110000", 9.5}, {"110001", 9.0}, {"110010", 8.8},
    {"110011", 7.6},  {"110020", 7.6}, {"110021", 7.0}, {"110100", 9.0}, {"110101", 7.7}, {"110110", 7.5},
    {"110111", 6.2},  {"110120", 6.1}, {"110121", 5.3}, {"110200", 7.7}, {"110201", 6.6}, {"110210", 6.8},
    {"110211", 5.9},  {"110220", 5.2}, {"110221", 3.0}, {"111000", 8.9}, {"111001", 7.8}, {"111010", 7.6},
    {"111011", 6.7},  {"111020", 6.2}, {"111021", 5.8}, {"111100", 7.4}, {"111101", 5.9}, {"111110", 5.7},
    {"111111", 5.7},  {"111120", 4.7}, {"111121", 2.3}, {"111200", 6.1}, {"111201", 5.2}, {"111210", 5.7},
    {"111211", 2.9},  {"111220", 2.4}, {"111221", 1.6}, {"112001", 7.1}, {"112011", 5.9}, {"112021", 3.0},
    {"112101", 5.8},  {"112111", 2.6}, {"112121", 1.5}, {"112201", 2.3}, {"112211", 1.3}, {"112221", 0.6},
    {"200000", 9.3},  {"200001", 8.7}, {"200010", 8.6}, {"200011", 7.2}, {"200020", 7.5}, {"200021", 5.8},
    {"200100", 8.6},  {"200101", 7.4}, {"200110", 7.4}, {"200111", 6.1}, {"200120", 5.6}, {"200121", 3.4},
    {"200200", 7.0},  {"200201", 5.4}, {"200210", 5.2}, {"200211", 4.0}, {"200220", 4.0}, {"200221", 2.2},
    {"201000", 8.5},  {"201001", 7.5}, {"201010", 7.4}, {"201011", 5.5}, {"201020", 6.2}, {"201021", 5.1},
    {"201100", 7.2},  {"201101", 5.7}, {"201110", 5.5}, {"201111", 4.1}, {"201120", 4.6}, {"201121", 1.9},
    {"201200", 5.3},  {"201201", 3.6}, {"201210", 3.4}, {"201211", 1.9}, {"201220", 1.9}, {"201221", 0.8},
    {"202001", 6.4},  {"202011", 5.1}, {"202021", 2.0}, {"202101", 4.7}, {"202111", 2.1}, {"202121", 1.1},
    {"202201", 2.4},  {"202211", 0.9}, {"202221", 0.4}, {"210000", 8.8}, {"210001", 7.5}, {"210010", 7.3},
    {"210011", 5.3},  {"210020", 6.0}, {"210021", 5.0}, {"210100", 7.3}, {"210101", 5.5}, {"210110", 5.9},
    {"210111", 4.0},  {"210120", 4.1}, {"210121", 2.0}, {"210200", 5.4}, {"210201", 4.3}, {"210210", 4.5},
    {"210211", 2.2},  {"210220", 2.0}, {"210221", 1.1}, {"211000", 7.5}, {"211001", 5.5}, {"211010", 5.8},
    {"211011", 4.5},  {"211020", 4.0}, {"211021", 2.1}, {"211100", 6.1}, {"211101", 5.1}, {"211110", 4.8},
    {"211111", 1.8},  {"211120", 2.0}, {"211121", 0.9}, {"211200", 4.6}, {"211201", 1.8}, {"211210", 1.7},
    {"211211", 0.7},  {"211220", 0.8}, {"211221", 0.2}, {"212001", 5.3}, {"212011", 2.4}, {"212021", 1.4},
    {"212101", 2.4},  {"212111", 1.2}, {"212121", 0.5}, {"212201", 1.0}, {"212211", 0.3}, {"212221", 0.1},
}};

static_assert(std::is_sorted(kMacroScores.begin(), kMacroScores.end(),
                             [](const MacroScore& a, const MacroScore& b) { return a.macro < b.macro; }));

// max_composed.js: the most severe vectors of each EQ level, in the reference's
// order. EQ3's are listed per EQ6 level and include the security
// requirements. EQ5's ("E:A/" ...) are left out: they only ever equal the
// vector's own E, and E enters no distance.
struct MaxVector {
    int eq;     // 1, 2, 3 (EQ3 with EQ6) or 4
    int level;  // the EQ's level
    int eq6;    // EQ6's level, for EQ3 only
    std::string_view metrics;
};

constexpr MaxVector kMaxVectors[] = {
    {1, 0, 0, "AV:N/PR:N/UI:N/"},
    {1, 1, 0, "AV:A/PR:N/UI:N/"},
    {1, 1, 0, "AV:N/PR:L/UI:N/"},
    {1, 1, 0, "AV:N/PR:N/UI:P/"},
    {1, 2, 0, "AV:P/PR:N/UI:N/"},
    {1, 2, 0, "AV:A/PR:L/UI:P/"},
    {2, 0, 0, "AC:L/AT:N/"},
    {2, 1, 0, "AC:H/AT:N/"},
    {2, 1, 0, "AC:L/AT:P/"},
    {3, 0, 0, "VC:H/VI:H/VA:H/CR:H/IR:H/AR:H/"},
    {3, 0, 1, "VC:H/VI:H/VA:L/CR:M/IR:M/AR:H/"},
    {3, 0, 1, "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M/"},
    {3, 1, 0, "VC:L/VI:H/VA:H/CR:H/IR:H/AR:H/"},
    {3, 1, 0, "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H/"},
    {3, 1, 1, "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H/"},
    {3, 1, 1, "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M/"},
    {3, 1, 1, "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M/"},
    {3, 1, 1, "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H/"},
    {3, 1, 1, "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M/"},
    {3, 2, 1, "VC:L/VI:L/VA:L/CR:H/IR:H/AR:H/"},
    {4, 0, 0, "SC:H/SI:S/SA:S/"},
    {4, 1, 0, "SC:H/SI:H/SA:H/"},
    {4, 2, 0, "SC:L/SI:L/SA:L/"},
};

// max_severity.js: the depth of each EQ level in severity steps, plus one.
constexpr int kDepthEq1[] = {1, 4, 5};
constexpr int kDepthEq2[] = {1, 2};
constexpr int kDepthEq3Eq6[3][2] = {{7, 6}, {8, 8}, {0, 10}};  // EQ3 level 2 implies EQ6 level 1
constexpr int kDepthEq4[] = {6, 5, 4};

using Macro = std::array<int, 6>;  // the levels of EQ1..EQ6

// The metrics that enter the score.
enum Metric : std::size_t { kAV, kPR, kUI, kAC, kAT, kVC, kVI, kVA, kCR, kIR, kAR, kSC, kSI, kSA, kE, kMetricCount };

// cvss_score.js's AV_levels ... AR_levels: each value's severity step, most
// severe first. The reference counts in tenths (N 0.0, A 0.1 ...); whole steps
// give the same ratios. SC shares SI/SA's scale, on which only the modified
// MSI/MSA can be S(afety).
struct MetricScale {
    std::string_view name;
    std::string_view steps;
};

constexpr std::array<MetricScale, kMetricCount> kScales{{
    {"AV", "NALP"},
    {"PR", "NLH"},
    {"UI", "NPA"},
    {"AC", "LH"},
    {"AT", "NP"},
    {"VC", "HLN"},
    {"VI", "HLN"},
    {"VA", "HLN"},
    {"CR", "HML"},
    {"IR", "HML"},
    {"AR", "HML"},
    {"SC", "SHLN"},
    {"SI", "SHLN"},
    {"SA", "SHLN"},
    {"E", "APU"},  // only for its value: E picks EQ5 and adds to no distance
}};

constexpr std::size_t kNoMetric = kMetricCount;

std::size_t metricIndex(std::string_view name) {
    for (std::size_t i = 0; i < kScales.size(); ++i)
        if (kScales[i].name == name) return i;
    return kNoMetric;
}

int severityStep(std::size_t metric, char value) {
    return static_cast<int>(kScales[metric].steps.find(value));
}

// Calls f(name, value) for each "NAME:VALUE" of a '/'-separated list.
template <typename F>
void forEachComponent(std::string_view text, F&& f) {
    while (!text.empty()) {
        auto slash = text.find('/');
        auto component = text.substr(0, slash);
        auto colon = component.find(':');
        if (colon != std::string_view::npos) f(component.substr(0, colon), component.substr(colon + 1));
        if (slash == std::string_view::npos) break;
        text.remove_prefix(slash + 1);
    }
}

// The value each metric is scored with, FIRST's m(): a modified metric (MAV
// ...) overrides its base metric, and E, CR, IR and AR, when absent (Not
// Defined), count as their most severe value, so a base vector scores as
// CVSS-B rather than lower. All values that matter here are one letter.
using Effective = std::array<char, kMetricCount>;

Effective effectiveValues(std::string_view canonicalVector) {
    Effective base{};
    Effective modified{};
    forEachComponent(canonicalVector, [&](std::string_view name, std::string_view value) {
        if (value.empty()) return;
        // No base, threat or supplemental metric name starts with 'M'.
        bool isModified = name.size() > 1 && name.front() == 'M';
        std::size_t i = metricIndex(isModified ? name.substr(1) : name);
        if (i != kNoMetric) (isModified ? modified : base)[i] = value.front();
    });
    Effective out{};
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (modified[i] != 0)
            out[i] = modified[i];
        else if (base[i] != 0)
            out[i] = base[i];
        else
            out[i] = i == kE ? 'A' : 'H';  // base metrics are mandatory: only E, CR, IR, AR get here
    }
    return out;
}

Macro macroVector(const Effective& m) {
    bool avN = m[kAV] == 'N', prN = m[kPR] == 'N', uiN = m[kUI] == 'N';
    bool vcH = m[kVC] == 'H', viH = m[kVI] == 'H', vaH = m[kVA] == 'H';
    Macro macro{};
    if (avN && prN && uiN)
        macro[0] = 0;
    else if ((avN || prN || uiN) && m[kAV] != 'P')
        macro[0] = 1;
    else
        macro[0] = 2;
    macro[1] = m[kAC] == 'L' && m[kAT] == 'N' ? 0 : 1;
    if (vcH && viH)
        macro[2] = 0;
    else if (vcH || viH || vaH)
        macro[2] = 1;
    else
        macro[2] = 2;
    if (m[kSI] == 'S' || m[kSA] == 'S')
        macro[3] = 0;
    else if (m[kSC] == 'H' || m[kSI] == 'H' || m[kSA] == 'H')
        macro[3] = 1;
    else
        macro[3] = 2;
    macro[4] = m[kE] == 'A' ? 0 : m[kE] == 'P' ? 1 : 2;
    macro[5] = (m[kCR] == 'H' && vcH) || (m[kIR] == 'H' && viH) || (m[kAR] == 'H' && vaH) ? 0 : 1;
    return macro;
}

std::optional<double> macroScore(const Macro& macro) {
    std::array<char, 6> key{};
    for (std::size_t i = 0; i < macro.size(); ++i) {
        if (macro[i] < 0 || macro[i] > 9) return std::nullopt;
        key[i] = static_cast<char>('0' + macro[i]);
    }
    std::string_view k(key.data(), key.size());
    auto it = std::lower_bound(kMacroScores.begin(), kMacroScores.end(), k,
                               [](const MacroScore& e, std::string_view wanted) { return e.macro < wanted; });
    if (it == kMacroScores.end() || it->macro != k) return std::nullopt;
    return it->score;
}

std::optional<double> stepDown(Macro macro, std::size_t eqIndex) {
    ++macro[eqIndex];
    return macroScore(macro);
}

// EQ3 and EQ6 step down together: 00 to the higher of 01 and 10, 01 and 10 to
// 11, 11 to 21, and 21 is the lowest.
std::optional<double> stepDownEq3Eq6(const Macro& macro) {
    if (macro[2] == 0 && macro[5] == 0) {
        auto viaEq6 = stepDown(macro, 5);
        auto viaEq3 = stepDown(macro, 2);
        if (!viaEq6 || !viaEq3) return std::nullopt;
        return std::max(*viaEq6, *viaEq3);
    }
    if (macro[2] == 1 && macro[5] == 0) return stepDown(macro, 5);
    return stepDown(macro, 2);
}

// How many severity steps the vector lies below the most severe vector of its
// macro vector, for EQ1, EQ2, EQ3+EQ6 and EQ4. Like the reference, it measures
// from the first max vector of the level that is nowhere less severe than the
// vector (the last one, should none be). The choice does not change the
// result: the max vectors of a level all have the same total of steps.
std::array<int, 4> severityDistances(const Effective& m, const Macro& macro) {
    std::array<int, 4> distance{};
    std::array<bool, 4> settled{};
    for (const auto& max : kMaxVectors) {
        auto group = static_cast<std::size_t>(max.eq - 1);
        if (settled[group] || max.level != macro[max.eq == 4 ? 3 : group] || (max.eq == 3 && max.eq6 != macro[5]))
            continue;
        int steps = 0;
        bool lessSevere = false;
        forEachComponent(max.metrics, [&](std::string_view name, std::string_view value) {
            std::size_t i = metricIndex(name);
            if (i == kNoMetric) return;  // cannot happen: the names are the table's
            int d = severityStep(i, m[i]) - severityStep(i, value.front());
            lessSevere = lessSevere || d < 0;
            steps += d;
        });
        distance[group] = steps;
        settled[group] = !lessSevere;
    }
    return distance;
}

// Round half up to one decimal as FIRST's calculator does since its October
// 2024 fix (RedHatProductSecurity/cvss-v4-calculator cvss40.js at d1eafe0,
// roundToDecimalPlaces; FIRSTdotorg's c5b0d40 predates the fix): the nudge
// makes halves that floating point computes a hair low (8.6 - 7.15 =
// 1.4499999999999993) round up, as exact arithmetic would. Exact scores are
// multiples of 1/504000 (tenths, depths up to 10, a mean of up to five), so
// none but a half itself lies within the nudge below a half.
double roundScore(double value) {
    constexpr double kNudge = 1e-6;
    return std::round((value + kNudge) * 10.0) / 10.0;
}

}  // namespace

std::optional<double> cvss4Score(const CvssVector& v) {
    auto parsed = parseCvssVector(v.vector);
    if (!parsed || parsed->version != "4.0") return std::nullopt;
    Effective m = effectiveValues(parsed->vector);

    if (m[kVC] == 'N' && m[kVI] == 'N' && m[kVA] == 'N' && m[kSC] == 'N' && m[kSI] == 'N' && m[kSA] == 'N') return 0.0;

    Macro macro = macroVector(m);
    auto highest = macroScore(macro);
    if (!highest) return std::nullopt;  // every reachable macro vector is in the table

    // The score drops from the macro vector's towards the next lower macro
    // vector of each EQ, by the share of that EQ's depth the vector lies below
    // the top; the mean of those drops is taken over the EQs that have a lower
    // macro vector. EQ5 (Exploit Maturity) has depth one and never drops.
    auto distance = severityDistances(m, macro);
    std::array<std::optional<double>, 5> lower = {stepDown(macro, 0), stepDown(macro, 1), stepDownEq3Eq6(macro),
                                                  stepDown(macro, 3), stepDown(macro, 4)};
    std::array<double, 5> share = {
        static_cast<double>(distance[0]) / kDepthEq1[macro[0]],
        static_cast<double>(distance[1]) / kDepthEq2[macro[1]],
        static_cast<double>(distance[2]) / kDepthEq3Eq6[macro[2]][macro[5]],
        static_cast<double>(distance[3]) / kDepthEq4[macro[3]],
        0.0,
    };
    double drop = 0.0;
    int lowerCount = 0;
    for (std::size_t i = 0; i < lower.size(); ++i) {
        if (!lower[i]) continue;
        drop += (*highest - *lower[i]) * share[i];
        ++lowerCount;
    }
    double score = *highest - (lowerCount == 0 ? 0.0 : drop / lowerCount);
    return roundScore(std::clamp(score, 0.0, 10.0));
}

CvssRating cvssRating(double score) {
    if (!(score >= 0.1)) return CvssRating::None;  // NaN included
    if (score < 4.0) return CvssRating::Low;
    if (score < 7.0) return CvssRating::Medium;
    if (score < 9.0) return CvssRating::High;
    return CvssRating::Critical;
}

std::string_view cvssRatingName(CvssRating rating) {
    switch (rating) {
        case CvssRating::None:
            return "none";
        case CvssRating::Low:
            return "low";
        case CvssRating::Medium:
            return "medium";
        case CvssRating::High:
            return "high";
        case CvssRating::Critical:
            return "critical";
    }
    return "none";
}

std::optional<double> cvssScore(const CvssVector& v) {
    if (auto score = cvss3BaseScore(v)) return score;
    return cvss4Score(v);
}

}  // namespace secmaild::report
