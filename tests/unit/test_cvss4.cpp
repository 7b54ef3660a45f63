// CVSS 4.0 scores and the qualitative rating. No expected score is derived
// here: each comes from a test suite that is checked against FIRST's
// calculator, named above its table: RedHatProductSecurity/cvss (tests/
// vectors_simple4, vectors_threat4, vectors_security4, vectors_supplemental4,
// test_cvss4.py) and pandatix/go-cvss (40/cvss40_test.go, TestScore).
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "secmaild/report/cvss4.hpp"

using secmaild::report::cvss3BaseScore;
using secmaild::report::cvss4Score;
using secmaild::report::CvssRating;
using secmaild::report::cvssRating;
using secmaild::report::cvssRatingName;
using secmaild::report::cvssScore;
using secmaild::report::CvssVector;
using secmaild::report::parseCvssVector;

namespace {

struct Known {
    const char* vector;
    double score;
};

double score4(const std::string& vector) {
    CAPTURE(vector);
    auto parsed = parseCvssVector(vector);
    REQUIRE(parsed);
    auto s = cvss4Score(*parsed);
    REQUIRE(s);
    return *s;
}

template <std::size_t N>
void checkScores(const std::array<Known, N>& known) {
    for (const auto& k : known) {
        CAPTURE(k.vector);
        CHECK(score4(k.vector) == doctest::Approx(k.score));
    }
}

// Steps `choice` to the next combination of the metrics' values, the first
// metric fastest; false after the last one.
template <std::size_t N>
bool advance(std::array<std::size_t, N>& choice, const std::array<std::pair<const char*, const char*>, N>& metrics) {
    for (std::size_t i = 0; i < N; ++i) {
        if (++choice[i] < std::string_view(metrics[i].second).size()) return true;
        choice[i] = 0;
    }
    return false;
}

}  // namespace

TEST_CASE("base vectors score as FIRST's calculator scores them") {
    // RedHatProductSecurity/cvss tests/vectors_simple4 (every 90th line).
    checkScores(std::array<Known, 12>{{
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:H/VA:L/SC:N/SI:H/SA:L", 9.2},
        {"CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:A/VC:L/VI:L/VA:N/SC:N/SI:N/SA:H", 4.6},
        {"CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:P/VC:N/VI:L/VA:L/SC:N/SI:L/SA:L", 2.1},
        {"CVSS:4.0/AV:N/AC:H/AT:P/PR:H/UI:A/VC:L/VI:H/VA:H/SC:H/SI:H/SA:L", 7.1},
        {"CVSS:4.0/AV:A/AC:L/AT:P/PR:N/UI:P/VC:N/VI:H/VA:N/SC:L/SI:N/SA:L", 5.9},
        {"CVSS:4.0/AV:A/AC:H/AT:N/PR:H/UI:N/VC:H/VI:N/VA:L/SC:N/SI:N/SA:N", 5.8},
        {"CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:N/VI:H/VA:H/SC:L/SI:L/SA:N", 7.0},
        {"CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:A/VC:L/VI:L/VA:L/SC:H/SI:L/SA:L", 2.1},
        {"CVSS:4.0/AV:L/AC:H/AT:P/PR:N/UI:N/VC:N/VI:L/VA:L/SC:L/SI:L/SA:N", 2.1},
        {"CVSS:4.0/AV:P/AC:L/AT:N/PR:L/UI:P/VC:H/VI:N/VA:H/SC:H/SI:H/SA:N", 7.0},
        {"CVSS:4.0/AV:P/AC:L/AT:P/PR:H/UI:N/VC:N/VI:L/VA:L/SC:L/SI:N/SA:L", 1.0},
        {"CVSS:4.0/AV:P/AC:H/AT:P/PR:N/UI:N/VC:N/VI:H/VA:L/SC:L/SI:N/SA:L", 4.3},
    }});
    // pandatix/go-cvss TestScore ("full-system-no-subsequent", "no-system-full-subsequent",
    // "smol", "clement-b") and RedHatProductSecurity/cvss test_json_schema_high_va.
    checkScores(std::array<Known, 5>{{
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H", 7.9},
        {"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 1.0},
        {"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:P/VC:N/VI:H/VA:H/SC:N/SI:L/SA:L", 5.2},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", 8.7},
    }});
}

TEST_CASE("the most severe vector scores 10.0 and metric order does not matter") {
    // go-cvss "full-impact".
    CHECK(score4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H") == doctest::Approx(10.0));
    CHECK(score4("CVSS:4.0/SA:H/SI:H/SC:H/VA:H/VI:H/VC:H/UI:N/PR:N/AT:N/AC:L/AV:N") == doctest::Approx(10.0));
}

TEST_CASE("a score that is exactly halfway between two tenths rounds up, despite floating point") {
    // RedHatProductSecurity/cvss tests/vectors_simple4. Exactly these land on
    // x.x5, which floating point computes as 5.6499999999999995 and
    // 4.949999999999999; FIRST's calculator before its October 2024 rounding
    // fix printed 5.6 and 4.9.
    checkScores(std::array<Known, 3>{{
        {"CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:A/VC:N/VI:H/VA:L/SC:N/SI:N/SA:L", 5.7},
        {"CVSS:4.0/AV:L/AC:L/AT:P/PR:N/UI:A/VC:N/VI:N/VA:L/SC:H/SI:H/SA:H", 5.0},
        {"CVSS:4.0/AV:L/AC:H/AT:P/PR:N/UI:A/VC:L/VI:H/VA:N/SC:L/SI:N/SA:L", 5.7},
    }});
}

TEST_CASE("no impact on the vulnerable or subsequent system scores 0.0, whatever else is set") {
    // go-cvss "no-impact"; RedHatProductSecurity/cvss vectors_threat4 and vectors_security4.
    CHECK(score4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N") == doctest::Approx(0.0));
    CHECK(score4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:P") == doctest::Approx(0.0));
    CHECK(score4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/CR:L/IR:M/AR:H") ==
          doctest::Approx(0.0));
    // go-cvss "issue-292-case-3" and "-case-4": the base impacts are not None,
    // but the modified ones that replace them are.
    CHECK(score4("CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:P/VC:H/VI:N/VA:L/SC:H/SI:N/SA:L/E:X/CR:M/IR:H/AR:H/MAV:N/MAC:X/"
                 "MAT:N/MPR:N/MUI:A/MVC:N/MVI:X/MVA:N/MSC:N/MSI:X/MSA:N") == doctest::Approx(0.0));
    CHECK(score4("CVSS:4.0/AV:A/AC:L/AT:P/PR:L/UI:N/VC:N/VI:H/VA:L/SC:N/SI:N/SA:L/E:P/CR:X/IR:L/AR:M/MAV:X/MAC:X/"
                 "MAT:N/MPR:L/MUI:X/MVC:X/MVI:N/MVA:N/MSC:X/MSI:N/MSA:N/S:P/AU:X/R:A/V:X/RE:M/U:Clear") ==
          doctest::Approx(0.0));
}

TEST_CASE("Exploit Maturity lowers the score from Attacked to POC to Unreported") {
    // RedHatProductSecurity/cvss tests/vectors_threat4.
    const std::string base = "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H";
    CHECK(score4(base + "/E:A") == doctest::Approx(7.3));
    CHECK(score4(base + "/E:P") == doctest::Approx(5.9));
    CHECK(score4(base + "/E:U") == doctest::Approx(4.1));
    // Not Defined is the worst case, Attacked, whether omitted or given as X.
    CHECK(score4(base) == doctest::Approx(7.3));
    CHECK(score4(base + "/E:X") == doctest::Approx(7.3));
    // go-cvss "with-t".
    CHECK(score4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U") == doctest::Approx(9.1));
}

TEST_CASE("lower security requirements lower the score of high impacts") {
    // RedHatProductSecurity/cvss tests/vectors_security4.
    const std::string base = "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H";
    checkScores(std::array<Known, 6>{{
        {"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:H/IR:H/AR:H", 7.3},
        {"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:H/IR:H/AR:M", 7.2},
        {"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:H/IR:M/AR:L", 7.1},
        {"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:M/IR:M/AR:M", 5.5},
        {"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:L/IR:L/AR:H", 7.1},
        {"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:L/IR:L/AR:L", 5.4},
    }});
    // Not Defined counts as High.
    CHECK(score4(base + "/CR:X/IR:X/AR:X") == doctest::Approx(7.3));
    // RedHatProductSecurity/cvss test_json_schema_high_va_low_ar: 8.7 without AR.
    CHECK(score4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N/AR:L") == doctest::Approx(7.9));
    // go-cvss "reg-deptheq3eq6".
    CHECK(score4("CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:N/VC:N/VI:N/VA:H/SC:H/SI:H/SA:H/CR:L/IR:L/AR:L") ==
          doctest::Approx(5.8));
}

TEST_CASE("modified base metrics replace the base metrics they modify") {
    // go-cvss "with-e" (Safety on the subsequent system) and "clement-bte".
    CHECK(score4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/MVI:L/MSA:S") ==
          doctest::Approx(9.8));
    CHECK(score4("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:P/VC:N/VI:H/VA:H/SC:N/SI:L/SA:L/E:P/CR:H/IR:M/AR:H/MAV:A/MAT:P/"
                 "MPR:N/MVI:H/MVA:N/MSI:H/MSA:N/S:N/V:C/U:Amber") == doctest::Approx(4.7));
    // go-cvss "issue-292-case-1" and "-case-2", RedHatProductSecurity/cvss
    // test_json_schema_high_msi: modified impacts raise a no-impact base vector.
    CHECK(score4("CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:P/CR:X/IR:M/AR:X/MAV:N/MAC:H/"
                 "MAT:X/MPR:L/MUI:X/MVC:L/MVI:N/MVA:H/MSC:L/MSI:S/MSA:S") == doctest::Approx(7.4));
    CHECK(score4("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:X/CR:H/IR:M/AR:L/MAV:P/MAC:H/"
                 "MAT:X/MPR:N/MUI:P/MVC:N/MVI:H/MVA:N/MSC:N/MSI:X/MSA:S/S:P/AU:X/R:A/V:X/RE:M/U:Amber") ==
          doctest::Approx(5.4));
    CHECK(score4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/MSI:H") == doctest::Approx(7.7));
    // A modification to another value scores as a base vector with that value.
    CHECK(score4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:H/VA:L/SC:N/SI:H/SA:L/MAV:P/MUI:A/MVC:H") ==
          doctest::Approx(score4("CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:A/VC:H/VI:H/VA:L/SC:N/SI:H/SA:L")));
}

TEST_CASE("supplemental metrics do not change the score") {
    // RedHatProductSecurity/cvss tests/vectors_supplemental4.
    CHECK(score4("CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/S:N/AU:N/R:A/V:D/RE:L/U:Clear") ==
          doctest::Approx(7.3));
    CHECK(score4("CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/S:P/AU:Y/R:I/V:C/RE:H/U:Red") ==
          doctest::Approx(7.3));
    CHECK(score4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/S:P/AU:Y/R:I/V:C/RE:H/U:Red") ==
          doctest::Approx(0.0));
}

TEST_CASE("base vectors from all over the metric space score on the one-decimal scale from 0.0 to 10.0") {
    // Every 29th of the 104,976 combinations (29 is prime to every metric's
    // number of values, so each metric takes all its values against varied
    // others); a macro vector missing from the table would show up as nullopt.
    // All of them were checked against FIRST's calculator when this was written.
    constexpr std::size_t kStride = 29;
    const std::array<std::pair<const char*, const char*>, 11> metrics{{
        {"AV", "NALP"},
        {"AC", "LH"},
        {"AT", "NP"},
        {"PR", "NLH"},
        {"UI", "NPA"},
        {"VC", "HLN"},
        {"VI", "HLN"},
        {"VA", "HLN"},
        {"SC", "HLN"},
        {"SI", "HLN"},
        {"SA", "HLN"},
    }};
    std::array<std::size_t, 11> choice{};
    std::size_t index = 0;
    std::size_t count = 0;
    std::size_t failures = 0;
    do {
        if (index++ % kStride != 0) continue;
        std::string vector = "CVSS:4.0";
        for (std::size_t i = 0; i < metrics.size(); ++i)
            vector += std::string("/") + metrics[i].first + ":" + metrics[i].second[choice[i]];
        auto parsed = parseCvssVector(vector);
        auto s = parsed ? cvss4Score(*parsed) : std::nullopt;
        bool ok = s && *s >= 0.0 && *s <= 10.0 && std::fabs(*s * 10.0 - std::round(*s * 10.0)) < 1e-9;
        if (!ok && failures++ < 5) FAIL_CHECK(vector);
        ++count;
    } while (advance(choice, metrics));
    CHECK(index == 104976);
    CHECK(count == 104976 / kStride + 1);
    CHECK(failures == 0);
}

TEST_CASE("no CVSS 4.0 score is given for a 3.x vector or an invalid vector") {
    auto v31 = parseCvssVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    REQUIRE(v31);
    CHECK_FALSE(cvss4Score(*v31));
    CHECK_FALSE(cvss4Score(CvssVector{"4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N"}));
    CHECK_FALSE(cvss4Score(CvssVector{"4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N"}));
    CHECK_FALSE(cvss4Score(CvssVector{"4.0", ""}));
    CHECK_FALSE(cvss4Score(CvssVector{"4.0", std::string(10000, '/')}));
}

TEST_CASE("cvssScore scores each version with its own method") {
    auto v31 = parseCvssVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    REQUIRE(v31);
    REQUIRE(cvssScore(*v31));
    CHECK(*cvssScore(*v31) == doctest::Approx(*cvss3BaseScore(*v31)));
    CHECK(*cvssScore(*v31) == doctest::Approx(9.8));
    auto v40 = parseCvssVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
    REQUIRE(v40);
    REQUIRE(cvssScore(*v40));
    CHECK(*cvssScore(*v40) == doctest::Approx(9.3));
    CHECK_FALSE(cvssScore(CvssVector{"3.1", "CVSS:3.1/AV:N"}));
    CHECK_FALSE(cvssScore(CvssVector{"4.0", "not a vector"}));
}

TEST_CASE("ratings follow FIRST's bands, inclusive at both ends") {
    CHECK(cvssRating(0.0) == CvssRating::None);
    CHECK(cvssRating(0.1) == CvssRating::Low);
    CHECK(cvssRating(3.9) == CvssRating::Low);
    CHECK(cvssRating(4.0) == CvssRating::Medium);
    CHECK(cvssRating(6.9) == CvssRating::Medium);
    CHECK(cvssRating(7.0) == CvssRating::High);
    CHECK(cvssRating(8.9) == CvssRating::High);
    CHECK(cvssRating(9.0) == CvssRating::Critical);
    CHECK(cvssRating(10.0) == CvssRating::Critical);
}

TEST_CASE("a value between two bands takes the lower one; out-of-range values take the nearest end") {
    CHECK(cvssRating(0.05) == CvssRating::None);
    CHECK(cvssRating(3.95) == CvssRating::Low);
    CHECK(cvssRating(8.99) == CvssRating::High);
    CHECK(cvssRating(-1.0) == CvssRating::None);
    CHECK(cvssRating(std::numeric_limits<double>::quiet_NaN()) == CvssRating::None);
    CHECK(cvssRating(10.5) == CvssRating::Critical);
}

TEST_CASE("rating names are lowercase") {
    CHECK(cvssRatingName(CvssRating::None) == "none");
    CHECK(cvssRatingName(CvssRating::Low) == "low");
    CHECK(cvssRatingName(CvssRating::Medium) == "medium");
    CHECK(cvssRatingName(CvssRating::High) == "high");
    CHECK(cvssRatingName(CvssRating::Critical) == "critical");
}

TEST_CASE("full vectors with every metric group rate as the reference rates them") {
    // RedHatProductSecurity/cvss tests/test_cvss4.py test_severity (metrics in
    // its order, not the specification's).
    const std::array<std::pair<const char*, const char*>, 11> rated{{
        {"CVSS:4.0/AV:L/AC:H/AT:P/PR:N/UI:P/VC:H/VI:N/VA:N/SC:N/SI:N/AU:N/SA:N/S:P/R:A/V:D/RE:L/U:Red/MAV:L/MAC:L/"
         "MAT:N/MPR:L/MUI:A/MVC:L/MVI:N/MVA:H/MSC:H/MSI:L/MSA:N/CR:H/IR:L/AR:L/E:P",
         "low"},
        {"CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:P/VC:N/VI:L/VA:L/SC:H/SI:N/AU:Y/SA:N/S:N/R:I/V:C/RE:M/U:Amber/MAV:L/MAC:H/"
         "MAT:P/MPR:N/MUI:P/MVC:L/MVI:N/MVA:H/MSC:H/MSI:H/MSA:S/CR:M/IR:M/AR:M/E:A",
         "high"},
        {"CVSS:4.0/AV:N/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:L/SI:N/AU:Y/SA:L/S:P/R:U/V:D/RE:M/U:Red/MAV:N/MAC:H/"
         "MAT:P/MPR:H/MUI:P/MVC:L/MVI:H/MVA:L/MSC:N/MSI:H/MSA:H/CR:L/IR:H/AR:M/E:U",
         "low"},
        {"CVSS:4.0/AV:A/AC:H/AT:N/PR:N/UI:A/VC:L/VI:L/VA:N/SC:N/SI:H/AU:N/SA:L/S:P/R:U/V:D/RE:H/U:Clear/MAV:A/MAC:L/"
         "MAT:N/MPR:N/MUI:P/MVC:N/MVI:L/MVA:L/MSC:H/MSI:N/MSA:L/CR:M/IR:M/AR:L/E:U",
         "low"},
        {"CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:A/VC:H/VI:H/VA:N/SC:H/SI:N/AU:Y/SA:N/S:N/R:I/V:C/RE:L/U:Green/MAV:L/MAC:L/"
         "MAT:N/MPR:H/MUI:P/MVC:L/MVI:L/MVA:N/MSC:H/MSI:H/MSA:S/CR:H/IR:H/AR:H/E:P",
         "medium"},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:H/SC:H/SI:L/AU:Y/SA:H/S:N/R:U/V:C/RE:M/U:Amber/MAV:L/MAC:H/"
         "MAT:N/MPR:H/MUI:N/MVC:N/MVI:L/MVA:N/MSC:L/MSI:S/MSA:H/CR:H/IR:M/AR:M/E:A",
         "medium"},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:L/SI:L/SA:L", "medium"},
        {"CVSS:4.0/AV:A/AC:H/AT:P/PR:N/UI:P/VC:N/VI:L/VA:N/SC:H/SI:H/AU:N/SA:N/S:N/R:A/V:C/RE:M/U:Green/MAV:L/MAC:L/"
         "MAT:P/MPR:L/MUI:A/MVC:N/MVI:L/MVA:H/MSC:L/MSI:N/MSA:S/CR:L/IR:L/AR:M/E:P",
         "low"},
        {"CVSS:4.0/AV:A/AC:H/AT:N/PR:H/UI:A/VC:H/VI:N/VA:H/SC:L/SI:N/AU:N/SA:H/S:P/R:I/V:D/RE:M/U:Red/MAV:N/MAC:L/"
         "MAT:N/MPR:N/MUI:N/MVC:H/MVI:H/MVA:H/MSC:H/MSI:S/MSA:S/CR:H/IR:H/AR:H/E:U",
         "critical"},
        {"CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:P/VC:L/VI:N/VA:H/SC:L/SI:N/AU:Y/SA:H/S:P/R:I/V:D/RE:H/U:Green/MAV:A/MAC:L/"
         "MAT:N/MPR:N/MUI:A/MVC:L/MVI:H/MVA:H/MSC:N/MSI:H/MSA:L/CR:L/IR:H/AR:L/E:U",
         "medium"},
        {"CVSS:4.0/AV:L/AC:H/AT:N/PR:N/UI:N/VC:L/VI:N/VA:H/SC:L/SI:H/AU:N/SA:H/S:P/R:U/V:C/RE:H/U:Red/MAV:L/MAC:L/"
         "MAT:P/MPR:L/MUI:P/MVC:N/MVI:N/MVA:N/MSC:N/MSI:N/MSA:N/CR:H/IR:H/AR:H/E:P",
         "none"},
    }};
    for (const auto& [vector, rating] : rated) {
        CAPTURE(vector);
        CHECK(cvssRatingName(cvssRating(score4(vector))) == rating);
    }
}
