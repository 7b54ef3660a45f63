// CVSS vector validation, search in free text, and CVSS 3.x base scores. The
// expected scores are derived by hand from the FIRST 3.1 formulas (weights of
// section 7.4, Roundup of Appendix A); the derivation is in each comment.
#include <doctest/doctest.h>

#include "secmaild/report/cvss.hpp"

using secmaild::report::cvss3BaseScore;
using secmaild::report::CvssVector;
using secmaild::report::findCvssVector;
using secmaild::report::parseCvssVector;

namespace {

double score(const char* vector) {
    auto parsed = parseCvssVector(vector);
    REQUIRE(parsed);
    auto s = cvss3BaseScore(*parsed);
    REQUIRE(s);
    return *s;
}

}  // namespace

TEST_CASE("a complete CVSS 3.1 base vector is accepted and its version recorded") {
    auto v = parseCvssVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    REQUIRE(v);
    CHECK(v->version == "3.1");
    CHECK(v->vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
}

TEST_CASE("a CVSS 3.0 vector is accepted as version 3.0") {
    auto v = parseCvssVector("CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:C/C:N/I:L/A:N");
    REQUIRE(v);
    CHECK(v->version == "3.0");
}

TEST_CASE("metrics in any order are put in the specification's order, surrounding space dropped") {
    auto v = parseCvssVector("  CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N\n");
    REQUIRE(v);
    CHECK(v->vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
}

TEST_CASE("temporal and environmental metrics are kept, explicit Not Defined values dropped") {
    auto v = parseCvssVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/RC:C/E:P/RL:X/MAV:L/CR:H");
    REQUIRE(v);
    CHECK(v->vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RC:C/CR:H/MAV:L");
}

TEST_CASE("a vector missing a mandatory base metric is rejected") {
    CHECK_FALSE(parseCvssVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"));                    // no A
    CHECK_FALSE(parseCvssVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H"));                    // no S
    CHECK_FALSE(parseCvssVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N"));  // no SA
}

TEST_CASE("a metric given twice is rejected, even with the same value") {
    CHECK_FALSE(parseCvssVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:N"));
    CHECK_FALSE(parseCvssVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/E:F"));
}

TEST_CASE("a value the specification does not allow is rejected") {
    CHECK_FALSE(parseCvssVector("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));  // X is not a base value
    CHECK_FALSE(parseCvssVector("CVSS:3.1/AV:N/AC:M/PR:N/UI:N/S:U/C:H/I:H/A:H"));  // AC:M is CVSS 2
    CHECK_FALSE(parseCvssVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:HIGH"));
    CHECK_FALSE(parseCvssVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:h"));  // values are case-sensitive
}

TEST_CASE("unknown metrics, empty components and wrong prefixes are rejected") {
    CHECK_FALSE(parseCvssVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/Au:N"));
    CHECK_FALSE(parseCvssVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/"));
    CHECK_FALSE(parseCvssVector("CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
    CHECK_FALSE(parseCvssVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A"));
    CHECK_FALSE(parseCvssVector("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
    CHECK_FALSE(parseCvssVector("CVSS:2.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
    CHECK_FALSE(parseCvssVector("cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
    CHECK_FALSE(parseCvssVector(""));
    CHECK_FALSE(parseCvssVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H extra"));
}

TEST_CASE("a complete CVSS 4.0 base vector is accepted with threat and supplemental metrics") {
    auto v = parseCvssVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:Amber/E:A/AU:Y");
    REQUIRE(v);
    CHECK(v->version == "4.0");
    CHECK(v->vector == "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/AU:Y/U:Amber");
}

TEST_CASE("CVSS 4.0 allows Safety only for the modified subsequent-system metrics") {
    CHECK(parseCvssVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSI:S/MSA:S"));
    CHECK_FALSE(parseCvssVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N"));
    CHECK_FALSE(parseCvssVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSC:S"));
}

TEST_CASE("CVSS 3 metrics are not valid in a 4.0 vector and vice versa") {
    // 4.0's S is Safety (X/N/P), so the 3.x scope value U is invalid; C is unknown.
    CHECK_FALSE(parseCvssVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:U"));
    CHECK_FALSE(parseCvssVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/C:H"));
    CHECK_FALSE(parseCvssVector("CVSS:3.1/AV:N/AC:L/AT:N/PR:N/UI:N/S:U/C:H/I:H/A:H"));
    CHECK_FALSE(parseCvssVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:P/S:U/C:H/I:H/A:H"));  // UI:P is 4.0 only
}

TEST_CASE("a vector is found inside a sentence, without its closing punctuation") {
    auto v = findCvssVector("I rate it 9.8 (CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H).");
    REQUIRE(v);
    CHECK(v->vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    auto w = findCvssVector("Vector: CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H.\nNext line");
    REQUIRE(w);
    CHECK(w->vector == "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H");
}

TEST_CASE("an invalid vector is skipped and the next valid one is found") {
    auto v =
        findCvssVector("CVSS:3.1/AV:N/AC:L then later CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
    REQUIRE(v);
    CHECK(v->version == "4.0");
}

TEST_CASE("text without a valid vector has none") {
    CHECK_FALSE(findCvssVector("CVSS score is 9.8, severity critical"));
    CHECK_FALSE(findCvssVector(""));
    CHECK_FALSE(findCvssVector(std::string(100000, 'C') + "CVSS:" + std::string(100000, '/')));
}

TEST_CASE("base score of a network, no-privilege, full-impact vulnerability is 9.8") {
    // ISS = 1-(0.44^3) = 0.914816; Impact = 6.42*ISS = 5.87312;
    // Exploitability = 8.22*0.85*0.77*0.85*0.85 = 3.88704; Roundup(9.76016) = 9.8.
    CHECK(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") == doctest::Approx(9.8));
}

TEST_CASE("base score of a reflected XSS with changed scope is 6.1") {
    // ISS = 1-0.78*0.78 = 0.3916; Impact = 7.52*(0.3916-0.029) - 3.25*(0.3716)^15 = 2.72675;
    // Exploitability = 8.22*0.85*0.77*0.85*0.62 = 2.83526; Roundup(1.08*5.56201 = 6.00697) = 6.1.
    CHECK(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N") == doctest::Approx(6.1));
}

TEST_CASE("base score of a local privilege escalation is 7.8") {
    // Impact = 5.87312; Exploitability = 8.22*0.55*0.77*0.62*0.85 = 1.83458; Roundup(7.70770) = 7.8.
    CHECK(score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H") == doctest::Approx(7.8));
}

TEST_CASE("base score of a high-complexity confidentiality-only issue is 5.9") {
    // Impact = 6.42*0.56 = 3.5952; Exploitability = 8.22*0.85*0.44*0.85*0.85 = 2.22117; Roundup(5.81637) = 5.9.
    CHECK(score("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N") == doctest::Approx(5.9));
}

TEST_CASE("a changed scope raises the weight of low privileges to 0.68") {
    // Impact = 2.72675 (as for 6.1); Exploitability = 8.22*0.85*0.77*0.68*0.85 = 3.10963;
    // Roundup(1.08*5.83638 = 6.30329) = 6.4. With the unchanged weight 0.62 it would be lower.
    CHECK(score("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N") == doctest::Approx(6.4));
    // Exploitability = 8.22*0.85*0.77*0.68*0.62 = 2.26820; Roundup(1.08*4.99495 = 5.39455) = 5.4.
    CHECK(score("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N") == doctest::Approx(5.4));
}

TEST_CASE("a changed-scope score is capped at 10.0") {
    // Impact = 7.52*0.885816 - 3.25*0.894816^15 = 6.04777; 1.08*(6.04777+3.88704) = 10.73 -> min 10.
    CHECK(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H") == doctest::Approx(10.0));
}

TEST_CASE("a vulnerability with no impact scores 0.0") {
    CHECK(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N") == doctest::Approx(0.0));
    CHECK(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N") == doctest::Approx(0.0));
}

TEST_CASE("CVSS 3.0 vectors score with the same base formula") {
    CHECK(score("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") == doctest::Approx(9.8));
}

TEST_CASE("temporal metrics do not change the base score") {
    CHECK(score("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N/E:U/RL:O/RC:U") == doctest::Approx(5.9));
}

TEST_CASE("no base score is computed for CVSS 4.0 or for an invalid vector") {
    auto v4 = parseCvssVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
    REQUIRE(v4);
    CHECK_FALSE(cvss3BaseScore(*v4));
    CHECK_FALSE(cvss3BaseScore(CvssVector{"3.1", "CVSS:3.1/AV:N"}));
    CHECK_FALSE(cvss3BaseScore(CvssVector{"3.1", "not a vector"}));
}
