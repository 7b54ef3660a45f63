// libFuzzer target for the reporter-key filter: dearmor and keepUserIdsFor on
// the same bytes, for the address "a@b.c". Beyond crashes and sanitizer
// reports it aborts when a promise of key_filter.hpp breaks: output within its
// limits and never larger than the dearmored input, every returned key starts
// with a public-key packet and has a kept user ID, none holds a secret-key
// packet tag, and filtering is idempotent (the output filtered again is itself).
// Seeds: armored or binary exports from gpg (see test_key_filter.cpp).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "secmaild/pgp/key_filter.hpp"

using namespace secmaild::pgp;

namespace {

// Aborts (a finding for libFuzzer) naming the promise that broke.
void require(bool condition, const char* promise) {
    if (condition) return;
    std::fprintf(stderr, "broken promise: %s\n", promise);
    std::abort();
}

// A packet's first octet for the tag in either header format.
bool isPublicKeyHeader(unsigned char ctb) {
    return ctb == (0xC0 | 6) || (ctb & 0xFC) == (0x80 | (6 << 2));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    // Small limits, so that short inputs reach each of them.
    KeyFilterLimits limits;
    limits.maxInputBytes = 64 * 1024;
    limits.maxPackets = 64;
    limits.maxKeys = 3;

    auto binary = dearmor(input, limits.maxInputBytes);
    if (binary) {
        require(binary->size() <= limits.maxInputBytes, "dearmor output at most maxBytes");
        if (size > 0 && (data[0] & 0x80)) require(*binary == input, "binary input is returned unchanged");
    }

    auto keys = keepUserIdsFor(input, "a@b.c", limits);
    if (!keys) {
        require(!keys.error().message.empty(), "a failure has a reason");
        return 0;
    }
    require(binary.ok(), "keys only from input that dearmors");
    require(keys->size() <= limits.maxKeys, "at most maxKeys keys");
    std::size_t total = 0;
    for (const auto& key : *keys) {
        require(key.userIdsKept >= 1, "every returned key has a kept user ID");
        require(!key.binary.empty() && isPublicKeyHeader(static_cast<unsigned char>(key.binary[0])),
                "every returned key starts with a public-key packet");
        require(key.binary.size() <= binary->size(), "a key is no larger than the dearmored input");
        total += key.binary.size();

        // The output is a key block of its own: filtering it again keeps it
        // whole, with the same user IDs and nothing more to drop.
        auto again = keepUserIdsFor(key.binary, "a@b.c", limits);
        require(again.ok(), "a filtered key filters again");
        require(again->size() == 1, "a filtered key is one key");
        require(again->front().binary == key.binary, "filtering a filtered key changes nothing");
        require(again->front().userIdsKept == key.userIdsKept, "the same user IDs are kept again");
        require(again->front().userIdsDropped == 0 && again->front().userAttributesDropped == 0,
                "nothing is left to drop");
    }
    require(total <= binary->size(), "all keys together are no larger than the dearmored input");
    return 0;
}
