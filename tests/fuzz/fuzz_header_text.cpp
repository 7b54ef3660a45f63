// libFuzzer target for the MIME text decoders: toUtf8, decodeHeaderText,
// encodeHeaderText and parseHeaderValue. Beyond crashes and sanitizer reports it
// aborts when a promise in their headers breaks: valid UTF-8 out, encoder lines
// of at most 78 characters with every line break a fold, and round-tripping.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "secmaild/mime/charset.hpp"
#include "secmaild/mime/encoded_words.hpp"
#include "secmaild/mime/header_params.hpp"
#include "secmaild/util/strings.hpp"

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

void checkEncoded(std::string_view encoded, std::size_t firstLineUsed) {
    std::size_t lineStart = 0;
    bool first = true;
    for (;;) {
        std::size_t end = encoded.find("\r\n", lineStart);
        std::string_view line = encoded.substr(lineStart, end == std::string_view::npos ? end : end - lineStart);
        require(line.find('\r') == std::string_view::npos && line.find('\n') == std::string_view::npos);
        if (first) {
            require(line.empty() || firstLineUsed + line.size() <= secmaild::mime::kMaxHeaderLine);
        } else {
            require(!line.empty() && line[0] == ' ' && line.size() <= secmaild::mime::kMaxHeaderLine);
        }
        if (end == std::string_view::npos) return;
        lineStart = end + 2;
        first = false;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    using namespace secmaild::mime;

    // First line: a charset label for toUtf8; the rest: the bytes.
    std::size_t nl = input.find('\n');
    std::string_view label = nl == std::string_view::npos ? std::string_view() : input.substr(0, nl);
    std::string_view bytes = nl == std::string_view::npos ? input : input.substr(nl + 1);
    require(secmaild::isValidUtf8(toUtf8(bytes, label).text));

    std::string decoded = decodeHeaderText(input, 64);
    require(secmaild::isValidUtf8(decoded));
    for (char c : decoded) require(c == '\t' || static_cast<unsigned char>(c) >= 0x20);

    std::size_t firstLineUsed = size == 0 ? 0 : data[0] % 90;
    std::string encoded = encodeHeaderText(input, firstLineUsed);
    checkEncoded(encoded, firstLineUsed);
    // The decoder stops decoding after kDefaultMaxEncodedWords words (a bound
    // on hostile headers); an input of up to 16 KB encodes to far fewer.
    if (size <= 16384) require(decodeHeaderText(encoded) == secmaild::headerSafe(input));

    HeaderValue v = parseHeaderValue(input, {.maxParams = 20, .maxContinuations = 10});
    require(v.params.size() <= 20);
    for (const auto& [name, value] : v.params) {
        require(secmaild::isValidUtf8(name));
        if (name != "boundary") require(secmaild::isValidUtf8(value));
    }
    return 0;
}
