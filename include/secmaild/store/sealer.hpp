// Records at rest: each sensitive value in the store (raw messages, their
// text, attachments, report fields, subjects, queued answers) is sealed with
// XChaCha20-Poly1305 under one random data key, so a copied database file
// reveals none of it. The data key itself is wrapped with OpenPGP (see
// service/data_key.hpp); this class only holds the unwrapped key and never
// touches gpg, so sealing costs microseconds, not a gpg process.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "secmaild/util/result.hpp"

namespace secmaild::store {

class Sealer {
public:
    static constexpr std::size_t kKeyBytes = 32;
    // The key bytes are copied into locked, wiped memory.
    explicit Sealer(std::string_view key);
    ~Sealer();
    Sealer(const Sealer&) = delete;
    Sealer& operator=(const Sealer&) = delete;

    static std::string generateKey();  // kKeyBytes random bytes

    // `context` names the column ("messages.raw"): a sealed value moved to
    // another column does not open. Binary form for BLOB columns; the text
    // form ("$sealed1$" + base64) for TEXT columns.
    std::string sealBinary(std::string_view plain, std::string_view context) const;
    std::string sealText(std::string_view plain, std::string_view context) const;
    // Opens either form. A value that is not sealed (written while encryption
    // was off) is returned as it is. Fails when the value was changed or
    // sealed under another key or context.
    Result<std::string> open(std::string_view stored, std::string_view context) const;

    // A keyed hash (hex) for duplicate detection without a plain content hash
    // on disk: knowing a message does not let one confirm it is stored.
    std::string keyedHash(std::string_view bytes) const;

    static bool isSealed(std::string_view stored);

private:
    unsigned char* key_;  // sodium_malloc'd, kKeyBytes
};

}  // namespace secmaild::store
