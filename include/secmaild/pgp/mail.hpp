// OpenPGP in mail: finds every OpenPGP object in a parsed message — PGP/MIME
// (RFC 3156 multipart/encrypted and multipart/signed), inline armored blocks
// in text parts, encrypted attachments, attached public keys — has GPGME
// decrypt or verify each, and says what the message's report text is.
//
// The EFAIL rule lives here: when anything was encrypted, only what came out
// of the decryption is the report's text; clear text around it is returned
// apart, as unauthenticated, and is never joined to it. Decrypted MIME is
// parsed again (same guards, same limits), so an encrypted report with its
// own parts and attachments reads like a clear one.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "secmaild/mime/message.hpp"
#include "secmaild/pgp/gpg.hpp"

namespace secmaild::pgp {

struct MailLimits {
    mime::MessageLimits message;
    std::size_t maxObjects = 16;  // OpenPGP objects handled in one message
    std::size_t maxNesting = 3;   // encryption inside decrypted content
};

struct Layer {
    enum class Kind { MimeEncrypted, MimeSigned, InlineEncrypted, InlineSigned, EncryptedAttachment };
    Kind kind = Kind::MimeEncrypted;
    std::string part;  // MIME path of the part it was found in ("" for the message)
    bool encrypted = false;
    std::optional<DecryptStatus> decryption;  // for encrypted layers
    std::string detail;                       // why it failed, in GPGME's words or ours
    std::vector<Signature> signatures;
    std::vector<std::string> recipientKeyIds;
    std::size_t depth = 0;  // 0: in the message as received; 1: inside a decrypted part ...
};
std::string_view layerKindName(Layer::Kind k);  // "pgp-mime-encrypted", "pgp-mime-signed", "inline-encrypted", ...

struct FoundKey {
    std::string data;  // armored or binary key material, as attached
    bool insideEncryption = false;
    std::string part;
};

struct MailSecurity {
    std::vector<Layer> layers;
    bool encrypted = false;        // at least one encrypted layer
    bool allDecrypted = false;     // every encrypted layer was read
    bool signedContent = false;    // at least one layer carried signatures
    // The text a report is read from: the decrypted text when anything was
    // encrypted, otherwise the message's text with clearsigned blocks
    // replaced by what they sign.
    std::string reportText;
    // Clear text that came beside encrypted parts ("" when none): kept for a
    // human, marked unauthenticated, never part of reportText.
    std::string unauthenticatedText;
    // The text covered by valid-or-not signatures, in order (for commands).
    std::string signedText;
    // RFC 9788-style Subject from inside the encryption (never sent out in clear).
    std::optional<std::string> protectedSubject;
    // Parts that came out of decryption (attachments inside), paths "e1.2" ...
    std::vector<mime::Part> decryptedParts;
    std::vector<FoundKey> keys;
    std::vector<std::string> problems;
    bool limitHit = false;

    bool hasOpenPgp() const { return !layers.empty(); }
    // Every signature of every layer.
    std::vector<Signature> signatures() const;
};

// `gpg` may be null (OpenPGP off): encrypted layers are then recorded as not
// decrypted with that reason. Never throws for any input (bad_alloc aside).
MailSecurity readOpenPgp(std::string_view raw, const mime::ParsedMessage& parsed, Decrypter* gpg,
                         const MailLimits& limits = {});

}  // namespace secmaild::pgp
