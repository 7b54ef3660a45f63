// libFuzzer target for parseMessage (scan -> guard -> mimetic -> cross-check
// -> decode) and the structure scan under it. Beyond crashes, hangs and
// sanitizer reports it aborts when a promise of message.hpp / scanner.hpp
// breaks: every range ordered and inside the input, every child inside its
// parent, parents before children, and all text valid UTF-8. The first input
// byte picks tight or default limits, so the limit paths are reached with
// small inputs too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "secmaild/mime/message.hpp"
#include "secmaild/mime/scanner.hpp"
#include "secmaild/util/strings.hpp"

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

void checkScan(const secmaild::mime::Scan& scan, std::size_t size, const secmaild::mime::ScanLimits& limits) {
    require(!scan.entities.empty());
    require(scan.analysedBytes <= size);
    for (std::size_t i = 0; i < scan.entities.size(); ++i) {
        const auto& e = scan.entities[i];
        require(e.begin <= e.bodyBegin && e.bodyBegin <= e.end && e.end <= size);
        require(e.depth <= limits.maxDepth);
        if (i == 0) {
            require(e.parent == -1 && e.begin == 0);
            continue;
        }
        require(e.parent >= 0 && static_cast<std::size_t>(e.parent) < i);
        const auto& parent = scan.entities[static_cast<std::size_t>(e.parent)];
        require(e.begin >= parent.bodyBegin && e.end <= parent.end);
        require(e.depth == parent.depth + 1);
    }
    // The message itself plus at most one chain of message/rfc822 wrappers
    // past the part limit.
    require(scan.entities.size() <= limits.maxParts + limits.maxDepth + 1);
}

void checkMessage(const secmaild::mime::ParsedMessage& m, std::size_t size) {
    require(!m.parts.empty());
    require(m.parts[0].parent == -1 && m.parts[0].rawBegin == 0);
    for (std::size_t i = 0; i < m.parts.size(); ++i) {
        const auto& p = m.parts[i];
        require(p.rawBegin <= p.bodyBegin && p.bodyBegin <= p.rawEnd && p.rawEnd <= size);
        require(secmaild::isValidUtf8(p.filename));
        if (i == 0) continue;
        require(p.parent >= 0 && static_cast<std::size_t>(p.parent) < i);
        const auto& parent = m.parts[static_cast<std::size_t>(p.parent)];
        require(parent.container);
        require(p.rawBegin >= parent.bodyBegin && p.rawEnd <= parent.rawEnd);
    }
    require(secmaild::isValidUtf8(m.text));
    require(secmaild::isValidUtf8(m.subject));
    for (const auto* list : {&m.from, &m.replyTo, &m.to, &m.cc, &m.sender})
        for (const auto& a : *list) require(secmaild::isValidUtf8(a.name) && secmaild::isValidUtf8(a.address));
    require(m.bodySha256.size() == 64);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    secmaild::mime::MessageLimits limits;
    if (size > 0 && data[0] % 2 == 1) {
        limits.scan.maxDepth = 4;
        limits.scan.maxParts = 12;
        limits.scan.maxHeaderFields = 8;
        limits.scan.maxHeaderLine = 64;
        limits.scan.maxHeaderBytes = 256;
        limits.maxTextBytes = 200;
    }
    checkScan(secmaild::mime::scanMessage(input, limits.scan), size, limits.scan);
    auto message = secmaild::mime::parseMessage(input, limits);
    checkMessage(message, size);
    require(message.text.size() <= limits.maxTextBytes);
    return 0;
}
