// XChaCha20-Poly1305 (libsodium) with a random 192-bit nonce per value: no
// nonce bookkeeping, and nonce reuse is negligible at any realistic volume.
// Layout: magic "SMS\x01" | nonce | ciphertext+tag. The magic is the
// associated data together with the column context.
#include "secmaild/store/sealer.hpp"

#include <sodium.h>

#include <cstring>
#include <stdexcept>

#include "secmaild/util/hash.hpp"

namespace secmaild::store {

namespace {

constexpr std::string_view kMagic{"SMS\x01", 4};
constexpr std::string_view kTextPrefix{"$sealed1$"};
constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;

std::string associatedData(std::string_view context) {
    std::string ad{kMagic};
    ad += context;
    return ad;
}

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Sealer::Sealer(std::string_view key) {
    initCrypto();
    if (key.size() != kKeyBytes) throw std::invalid_argument("a data key has 32 bytes");
    // [0, 32): the AEAD key as given; [32, 64): a subkey for keyedHash, so
    // one key is never used by two primitives.
    key_ = static_cast<unsigned char*>(sodium_malloc(2 * kKeyBytes));
    if (!key_) throw std::bad_alloc();
    std::memcpy(key_, key.data(), kKeyBytes);
    crypto_kdf_derive_from_key(key_ + kKeyBytes, kKeyBytes, 1, "smdedup1", key_);
    sodium_mprotect_readonly(key_);
}

Sealer::~Sealer() {
    sodium_free(key_);
}

std::string Sealer::generateKey() {
    initCrypto();
    std::string key(kKeyBytes, '\0');
    crypto_aead_xchacha20poly1305_ietf_keygen(reinterpret_cast<unsigned char*>(key.data()));
    return key;
}

bool Sealer::isSealed(std::string_view stored) {
    return stored.substr(0, kMagic.size()) == kMagic || stored.substr(0, kTextPrefix.size()) == kTextPrefix;
}

std::string Sealer::sealBinary(std::string_view plain, std::string_view context) const {
    const std::string ad = associatedData(context);
    std::string out(kMagic.size() + kNonce + plain.size() + kTag, '\0');
    std::memcpy(out.data(), kMagic.data(), kMagic.size());
    auto* nonce = reinterpret_cast<unsigned char*>(out.data() + kMagic.size());
    randombytes_buf(nonce, kNonce);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + kNonce, &written, bytes(plain), plain.size(), bytes(ad),
                                               ad.size(), nullptr, nonce, key_);
    out.resize(kMagic.size() + kNonce + written);
    return out;
}

std::string Sealer::sealText(std::string_view plain, std::string_view context) const {
    const std::string binary = sealBinary(plain, context);
    const std::size_t len = sodium_base64_ENCODED_LEN(binary.size(), sodium_base64_VARIANT_ORIGINAL);
    std::string out(kTextPrefix);
    std::string b64(len, '\0');
    sodium_bin2base64(b64.data(), len, bytes(binary), binary.size(), sodium_base64_VARIANT_ORIGINAL);
    b64.resize(std::strlen(b64.c_str()));
    return out + b64;
}

Result<std::string> Sealer::open(std::string_view stored, std::string_view context) const {
    std::string decoded;
    std::string_view binary = stored;
    if (stored.substr(0, kTextPrefix.size()) == kTextPrefix) {
        auto b64 = stored.substr(kTextPrefix.size());
        decoded.resize(b64.size());
        std::size_t n = 0;
        if (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(), b64.data(),
                              b64.size(), nullptr, &n, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
            return fail("a sealed " + std::string(context) + " value is damaged (bad base64)");
        decoded.resize(n);
        binary = decoded;
    } else if (stored.substr(0, kMagic.size()) != kMagic) {
        return std::string(stored);
    }
    if (binary.size() < kMagic.size() + kNonce + kTag)
        return fail("a sealed " + std::string(context) + " value is truncated");
    const std::string ad = associatedData(context);
    const auto* nonce = bytes(binary) + kMagic.size();
    const auto* cipher = nonce + kNonce;
    const std::size_t cipherLen = binary.size() - kMagic.size() - kNonce;
    std::string plain(cipherLen - kTag, '\0');
    unsigned long long written = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(plain.data()), &written, nullptr,
                                                   cipher, cipherLen, bytes(ad), ad.size(), nonce, key_) != 0)
        return fail("a sealed " + std::string(context) +
                    " value does not open with this data key (changed, or sealed under another key)");
    plain.resize(written);
    return plain;
}

std::string Sealer::keyedHash(std::string_view data) const {
    unsigned char digest[32];
    crypto_generichash(digest, sizeof digest, bytes(data), data.size(), key_ + kKeyBytes, kKeyBytes);
    std::string hex(sizeof digest * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), digest, sizeof digest);
    hex.pop_back();
    return hex;
}

}  // namespace secmaild::store
