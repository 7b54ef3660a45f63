// libFuzzer target for the report-field extractor and the CVSS parser. Any
// byte string must be handled without crashing, and the results must keep
// their promises: values valid UTF-8, trimmed, non-empty, within the cap, at
// most one per field in allFields() order; CVSS canonical forms re-parse to
// themselves and 3.x scores lie in [0, 10].
//
// Build: clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined \
//   -Iinclude tests/fuzz/fuzz_fields.cpp src/report/*.cpp src/util/strings.cpp -lcmark
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "secmaild/report/cvss.hpp"
#include "secmaild/report/fields.hpp"
#include "secmaild/util/strings.hpp"

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

void checkFields(std::string_view text, const secmaild::report::ExtractOptions& options) {
    using namespace secmaild::report;
    auto found = extractFields(text, defaultFieldSpecs(), options);
    int previous = -1;
    for (const auto& f : found) {
        require(static_cast<int>(f.field) > previous);  // once each, in order
        previous = static_cast<int>(f.field);
        require(!f.value.empty() && f.value.size() <= options.maxFieldBytes);
        require(secmaild::isValidUtf8(f.value));
        require(secmaild::trim(f.value).size() == f.value.size());
        require(f.how == "label" || f.how == "heading" || f.how == "bold" || f.how == "numbered" || f.how == "text");
    }
}

void checkCvss(std::string_view text) {
    using namespace secmaild::report;
    for (auto v : {parseCvssVector(text), findCvssVector(text)}) {
        if (!v) continue;
        auto again = parseCvssVector(v->vector);
        require(again && again->vector == v->vector && again->version == v->version);
        auto score = cvss3BaseScore(*v);
        require(score.has_value() == (v->version != "4.0"));
        if (score) require(*score >= 0.0 && *score <= 10.0);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // The first byte picks small limits now and then, so that the cuts are exercised.
    secmaild::report::ExtractOptions options;
    options.maxTextBytes = 1u << 16;
    options.markdownChunkBytes = 1024;
    if (data[0] & 1) options.maxFieldBytes = 1 + data[0] % 64;
    if (data[0] & 2) options.maxTextBytes = 1 + data[0] % 200;
    if (data[0] & 4) options.productNames = {"Personal Chatter", "x"};
    std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    checkFields(text, options);
    checkCvss(text);
    if (auto v = secmaild::report::versionNumber(text)) require(!v->empty() && text.find(*v) != std::string_view::npos);
    return 0;
}
