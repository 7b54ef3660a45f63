// Whether bytes are safe to hand to mimetic, decided by one linear pass that
// does not trust any reading of the structure (so a parser differential
// cannot smuggle a bomb past it). Measured costs behind the two bounds
// (libraries.md §5-6 and our own probe): mimetic's parser recurses once per
// nesting level and overflowed an 8 MB stack at ~60,000 levels; its header
// parsing is super-linear in the unfolded field length (1 MB folded: 0.4 s),
// while long body lines and many fields are cheap.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace secmaild::mime {

struct MimeticGuardLimits {
    // Every nesting level needs a Content-Type line (two levels per line in a
    // multipart/digest), so this bounds mimetic's recursion under any reading.
    std::size_t maxContentTypeLines = 1000;
    // A line plus the whitespace-led lines after it is the longest header
    // field mimetic could ever unfold, wherever it thinks a header starts.
    // Long body lines are common (unwrapped HTML, base64) and cheap as body,
    // so the bound is a cost budget: one run of at most 1 MB (0.4 s), and the
    // sum of squared run lengths at most what one 1.6 MB run would cost (~1 s).
    std::size_t maxFoldedRun = 1u << 20;
    double maxFoldedRunSquares = 2.5e12;
};

struct MimeticGuardVerdict {
    bool safe = true;
    std::string reason;  // why not, in plain words
};

MimeticGuardVerdict checkForMimetic(std::string_view bytes, const MimeticGuardLimits& limits = {});

}  // namespace secmaild::mime
