// Content hashes and random tokens (libsodium).
#pragma once

#include <string>
#include <string_view>

namespace secmaild {

// Lower-case hex SHA-256 of the bytes.
std::string sha256Hex(std::string_view bytes);
// `bytes` random bytes as lower-case hex (for Message-IDs and file names).
std::string randomHex(std::size_t bytes);
// Must run once before any other libsodium use; safe to call repeatedly.
void initCrypto();

}  // namespace secmaild
