// Reporter keys arrive as attachments or Autocrypt headers: untrusted bytes.
// Before anything of them reaches the GnuPG home, this bounded OpenPGP packet
// filter (RFC 4880 / RFC 9580 framing only, no cryptography) keeps, for each
// public key, the primary key, its direct signatures, the user IDs whose
// address is the sender's (with their certifications) and the subkeys with
// their binding signatures; it drops every other user ID, user attributes
// (photos), and refuses secret keys. gpg 2.2 through GPGME 1.18 has no
// import filter, so this is ours; it is small, and fuzzed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "secmaild/util/result.hpp"

namespace secmaild::pgp {

struct KeyFilterLimits {
    std::size_t maxInputBytes = 1u << 20;  // armored or binary key data
    std::size_t maxPackets = 5000;         // packets read before giving up
    std::size_t maxKeys = 10;              // primary keys in one block
};

struct FilteredKey {
    std::string binary;  // the transferable public key, only the kept packets
    std::size_t userIdsKept = 0;
    std::size_t userIdsDropped = 0;
    std::size_t userAttributesDropped = 0;
};

// Armored ("-----BEGIN PGP PUBLIC KEY BLOCK-----") or binary key data in;
// the public keys with at least one user ID for `email` out (compared
// case-insensitively, ASCII only, on the address inside the last "<...>" of
// "Name <addr>", or on a bare address). Each key keeps its primary key and
// direct signatures, the matching user IDs with their signatures, and every
// subkey with its signatures; other user IDs, user attributes and trust
// packets are dropped. Kept packets are copied verbatim, so each `binary` is
// at most the size of the dearmored input.
// A well-formed key block in which no user ID matches gives an empty vector.
// Fails (never throws, except std::bad_alloc) with a plain-words reason for
// malformed data ("not OpenPGP key data", "truncated packet", "armor checksum
// mismatch", ...), any secret key packet ("secret key material is never
// imported"), or a limit hit ("more than N packets", "more than N keys",
// "larger than N bytes").
Result<std::vector<FilteredKey>> keepUserIdsFor(std::string_view keyData, std::string_view email,
                                                const KeyFilterLimits& limits = {});

// Removes ASCII armor (RFC 4880 §6: headers, base64, CRC-24 checked when present)
// from the first "-----BEGIN PGP ...-----" block; text before it is skipped,
// later blocks are ignored. Binary input (first byte with bit 7 set) is returned
// unchanged. Fails with a plain-words reason when there is no armor, the base64
// or the checksum is bad, the END line is missing, or the output would pass maxBytes.
Result<std::string> dearmor(std::string_view data, std::size_t maxBytes = 1u << 20);

}  // namespace secmaild::pgp
