// CVSS 4.0 scores by FIRST's macro-vector method, the qualitative severity
// rating that CVSS 3.x and 4.0 share, and one entry point that scores either
// version. Parsing and the 3.x formula live in cvss.hpp; this does not score
// CVSS 2 or turn a score back into a vector.
#pragma once

#include <optional>
#include <string_view>

#include "secmaild/report/cvss.hpp"

namespace secmaild::report {

// FIRST's qualitative severity rating scale (CVSS 3.1 section 5, CVSS 4.0
// section 6).
enum class CvssRating { None, Low, Medium, High, Critical };

// The CVSS 4.0 score (0.0-10.0, one decimal) of `v.vector` as FIRST's reference
// calculator computes it: CVSS-B for a base vector, CVSS-BT/BE/BTE when it also
// carries Exploit Maturity, security requirements (CR/IR/AR) or modified base
// metrics. Supplemental metrics do not change the score. nullopt when
// `v.vector` is not a valid 4.0 vector (a 3.x vector included). Never throws.
std::optional<double> cvss4Score(const CvssVector& v);

// The rating of a score: 0.0 None, 0.1-3.9 Low, 4.0-6.9 Medium, 7.0-8.9 High,
// 9.0-10.0 Critical. A value between two bands (0.05, 3.95) takes the lower
// one; negative values and NaN rate None, values above 10.0 Critical. Never
// throws.
CvssRating cvssRating(double score);

// "none", "low", "medium", "high" or "critical". Never throws.
std::string_view cvssRatingName(CvssRating rating);

// The 3.0/3.1 base score (cvss3BaseScore) or the 4.0 score (cvss4Score),
// whichever version `v.vector` is; nullopt if it is not a valid vector.
// Never throws.
std::optional<double> cvssScore(const CvssVector& v);

}  // namespace secmaild::report
