// The pre-mimetic guard: counts Content-Type lines and measures folded runs
// in one pass over the lines (memchr), independent of any MIME reading.
#include "secmaild/mime/mimetic_guard.hpp"

#include <cstring>

#include "secmaild/util/strings.hpp"

namespace secmaild::mime {

namespace {
bool startsContentType(std::string_view line) {
    if (!istartsWith(line, "content-type")) return false;
    auto rest = line.substr(12);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    return !rest.empty() && rest.front() == ':';
}
}  // namespace

MimeticGuardVerdict checkForMimetic(std::string_view bytes, const MimeticGuardLimits& limits) {
    std::size_t contentTypes = 0;
    std::size_t run = 0;
    double squares = 0;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        const void* nl = std::memchr(bytes.data() + pos, '\n', bytes.size() - pos);
        std::size_t end = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data()) : bytes.size();
        auto line = bytes.substr(pos, end - pos);
        bool continuation = !line.empty() && (line.front() == ' ' || line.front() == '\t');
        if (!continuation) {
            squares += static_cast<double>(run) * static_cast<double>(run);
            run = 0;
        }
        run += line.size();
        if (run > limits.maxFoldedRun)
            return {false, "a header-like line (with its continuations) is longer than " +
                               std::to_string(limits.maxFoldedRun) + " bytes"};
        if (squares > limits.maxFoldedRunSquares) return {false, "too many very long lines to parse safely"};
        if (startsContentType(line) && ++contentTypes > limits.maxContentTypeLines)
            return {false, "more than " + std::to_string(limits.maxContentTypeLines) + " Content-Type lines"};
        pos = nl ? end + 1 : bytes.size();
    }
    return {};
}

}  // namespace secmaild::mime
