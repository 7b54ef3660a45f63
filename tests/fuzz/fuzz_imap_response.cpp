// libFuzzer target for reading IMAP server responses: ResponseReader,
// tokenize and responseCode, and Session::fetch on top of them. The input
// gives the reader's limits, the server's bytes, and the sizes of the pieces
// they arrive in. Beyond crashes and sanitizer reports it aborts when a
// promise breaks: the same responses whether the bytes come whole or in
// pieces, no literal or literal count over its limit, no line end left
// inside a response's text, and tokens that refer only to real literals.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "secmaild/imap/response.hpp"
#include "secmaild/imap/session.hpp"
#include "secmaild/imap/transport.hpp"

using namespace secmaild;
using namespace secmaild::imap;

namespace {

// Aborts (a finding for libFuzzer) naming the promise that broke.
void require(bool condition, const char* promise) {
    if (condition) return;
    std::fprintf(stderr, "broken promise: %s\n", promise);
    std::abort();
}

struct Outcome {
    std::vector<Response> responses;
    bool failed = false;
};

// Feeds the stream in the given pieces (cycling through `pieces`; whole if
// empty), taking out every complete response after each feed.
Outcome read(std::string_view stream, const std::vector<std::size_t>& pieces, ReaderLimits limits) {
    ResponseReader reader(limits);
    Outcome out;
    std::size_t pos = 0, k = 0;
    while (pos < stream.size() && !out.failed) {
        std::size_t n = pieces.empty() ? stream.size() : pieces[k++ % pieces.size()];
        n = std::min(n, stream.size() - pos);
        reader.feed(stream.substr(pos, n));
        pos += n;
        for (;;) {
            auto next = reader.next();
            if (!next) {
                out.failed = true;
                break;
            }
            if (!*next) break;
            out.responses.push_back(std::move(**next));
        }
    }
    return out;
}

std::size_t checkTokens(const std::vector<Token>& tokens, std::size_t depth) {
    require(depth <= 65, "tokens nest at most 64 lists deep");
    std::size_t count = 0;
    for (const auto& t : tokens) {
        ++count;
        if (t.type == Token::Type::List)
            count += checkTokens(t.items, depth + 1);
        else
            require(t.items.empty(), "only lists have items");
    }
    return count;
}

void checkResponse(const Response& r, ReaderLimits limits) {
    require(r.text.find('\n') == std::string::npos, "no LF in a response's text");
    require(r.literals.size() <= limits.maxLiterals, "at most maxLiterals literals");
    for (const auto& l : r.literals) require(l.size() <= limits.maxLiteralBytes, "literals at most maxLiteralBytes");
    // Lines between literals are bounded, and each literal adds one marker.
    require(r.text.size() <= (r.literals.size() + 1) * limits.maxLineBytes + r.literals.size() * 24,
            "lines at most maxLineBytes");
    require(r.status.empty() || r.status == "OK" || r.status == "NO" || r.status == "BAD" || r.status == "BYE" ||
                r.status == "PREAUTH",
            "status is empty or a status word");
    require(r.kind == Response::Kind::Tagged || r.tag.empty(), "only tagged responses have a tag");

    auto tokens = tokenize(r.text, r.literals);
    if (tokens) require(checkTokens(*tokens, 1) <= 100000, "at most 100,000 tokens");
    // Without its literals the same text must not read past the vector.
    (void)tokenize(r.text, {});
    (void)responseCode(r.text);
}

// A server that says whatever the fuzzer says, in the fuzzer's pieces, then hangs up.
class FuzzTransport final : public Transport {
public:
    FuzzTransport(std::string_view stream, const std::vector<std::size_t>& pieces) : stream_(stream), pieces_(pieces) {}
    Status send(std::string_view, std::chrono::milliseconds) override { return {}; }
    Result<std::string> receive(std::chrono::milliseconds) override {
        if (stream_.empty()) return fail("closed");
        std::size_t n = pieces_.empty() ? stream_.size() : pieces_[k_++ % pieces_.size()];
        n = std::min(n, stream_.size());
        std::string out(stream_.substr(0, n));
        stream_.remove_prefix(n);
        return out;
    }
    Failure lastFailure() const override { return Failure::Closed; }

private:
    std::string_view stream_;
    const std::vector<std::size_t>& pieces_;
    std::size_t k_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    // Small limits so that every limit is reached by short inputs.
    ReaderLimits limits;
    limits.maxLineBytes = in.ConsumeIntegralInRange<std::size_t>(1, 512);
    limits.maxLiteralBytes = in.ConsumeIntegralInRange<std::size_t>(0, 4096);
    limits.maxLiterals = in.ConsumeIntegralInRange<std::size_t>(0, 8);
    std::string stream = in.ConsumeBytesAsString(in.ConsumeIntegralInRange<std::size_t>(0, in.remaining_bytes()));
    std::vector<std::size_t> pieces;
    for (auto b : in.ConsumeRemainingBytes<std::uint8_t>()) pieces.push_back(b % 64 + 1);

    Outcome whole = read(stream, {}, limits);
    for (const auto& r : whole.responses) checkResponse(r, limits);

    // The server's bytes may be split anywhere: pieces, and one byte at a time.
    static const std::vector<std::size_t> kOneByte = {1};
    const std::vector<std::size_t>* splits[] = {&pieces, &kOneByte};
    for (const auto* split : splits) {
        Outcome other = read(stream, *split, limits);
        require(other.failed == whole.failed, "pieces or whole: the same error or none");
        require(other.responses.size() == whole.responses.size(), "pieces or whole: as many responses");
        for (std::size_t i = 0; i < whole.responses.size(); ++i) {
            const auto& a = whole.responses[i];
            const auto& b = other.responses[i];
            require(a.kind == b.kind && a.tag == b.tag && a.status == b.status && a.text == b.text &&
                        a.literals == b.literals,
                    "pieces or whole: the same responses");
        }
    }

    // The stream as free text for the tokenizer, with a couple of literals.
    auto tokens = tokenize(stream, {"lit0", std::string()});
    if (tokens) require(checkTokens(*tokens, 1) <= 100000, "at most 100,000 tokens");

    // A FETCH answered by this server: never a crash, and any message it
    // returns is the one asked for, at most maxBytes of it (session.hpp).
    FuzzTransport transport(stream, pieces);
    Session session(transport, std::chrono::milliseconds{1000}, limits);
    auto fetched = session.fetch(1, 64);
    if (fetched.ok()) require(fetched.value->uid == 1, "fetch returns the UID asked for");
    if (fetched.ok()) require(fetched.value->raw.size() <= 64, "fetch returns at most maxBytes");
    session.logout();
    return 0;
}
