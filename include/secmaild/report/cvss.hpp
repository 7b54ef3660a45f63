// CVSS vector strings (FIRST CVSS 3.0, 3.1 and 4.0): strict validation, finding
// a vector inside free text, and the CVSS 3.x base score. Scores for 4.0 need
// FIRST's macro-vector lookup table and are deliberately not computed here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace secmaild::report {

struct CvssVector {
    std::string version;  // "3.0", "3.1" or "4.0"
    // Canonical form: the prefix, then every given metric in the order of the
    // specification's metric table, explicit "Not Defined" (X) values dropped.
    std::string vector;
};

// The vector if `text` (surrounding whitespace aside) is exactly one valid CVSS
// vector string: a "CVSS:3.0/", "CVSS:3.1/" or "CVSS:4.0/" prefix, every
// mandatory base metric exactly once, only metrics the version defines (base,
// temporal/threat, environmental, supplemental), each at most once and with a
// value the specification allows. Metrics may come in any order. Case-sensitive,
// as the specification is. Returns nullopt otherwise; never throws.
std::optional<CvssVector> parseCvssVector(std::string_view text);

// The first valid vector anywhere in `text` (e.g. "Severity: 9.8
// (CVSS:3.1/AV:N/...)."), or nullopt. Linear in the text; never throws.
std::optional<CvssVector> findCvssVector(std::string_view text);

// The CVSS 3.0/3.1 base score (0.0-10.0) per the FIRST specification, using the
// Roundup function of CVSS 3.1 Appendix A for both versions. nullopt for 4.0 or
// when `v.vector` is not a valid 3.x vector. Never throws.
std::optional<double> cvss3BaseScore(const CvssVector& v);

}  // namespace secmaild::report
