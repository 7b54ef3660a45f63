// Outgoing PGP/MIME: a rendered mail (mime::renderMail's output: header
// block, one text/plain body) becomes RFC 3156 multipart/signed, or
// multipart/encrypted holding one signed-and-encrypted OpenPGP message. The
// header fields that describe the content move inside; From, To, Subject and
// the threading fields stay outside (they must: the SMTP path reads them).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "secmaild/pgp/gpg.hpp"
#include "secmaild/util/result.hpp"

namespace secmaild::pgp {

struct Protection {
    bool sign = false;
    std::vector<std::string> encryptTo;  // fingerprints; empty: not encrypted
    bool any() const { return sign || !encryptTo.empty(); }
};

// {"sign":true,"encrypt_to":["FPR"]}; an empty or unreadable text is "nothing".
std::string protectionJson(const Protection& p);
Protection protectionFromJson(std::string_view json);

// Fails (with GPGME's reason) when a key is missing or unusable; then nothing
// should be sent in clear instead — the caller retries or records the failure.
Result<std::string> protectMail(std::string_view rendered, const Protection& protection, Gpg& gpg);

}  // namespace secmaild::pgp
