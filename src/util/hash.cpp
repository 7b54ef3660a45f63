// SHA-256 and randomness through libsodium.
#include "secmaild/util/hash.hpp"

#include <sodium.h>

#include <stdexcept>
#include <vector>

namespace secmaild {

void initCrypto() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

namespace {
std::string toHex(const unsigned char* data, std::size_t n) {
    std::string out(n * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), data, n);
    out.pop_back();
    return out;
}
}  // namespace

std::string sha256Hex(std::string_view bytes) {
    initCrypto();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    return toHex(digest, sizeof digest);
}

std::string randomHex(std::size_t bytes) {
    initCrypto();
    std::vector<unsigned char> buf(bytes);
    randombytes_buf(buf.data(), buf.size());
    return toHex(buf.data(), buf.size());
}

}  // namespace secmaild
