// One GPGME context on one GnuPG home: the only place secmaild talks to gpg.
// Every operation is a value (Result or an outcome struct) because a message
// that cannot be decrypted or verified is normal input, not a bug. GPGME
// starts one gpg process per operation (~13 ms), so a Gpg is made once per
// worker thread and reused; it must not be used by two threads at once.
// Always: loopback pinentry (a passphrase, if any, comes from a Secret),
// offline (no keyserver or WKD lookups), never the web of trust — callers
// decide authority by fingerprint.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "secmaild/util/clock.hpp"
#include "secmaild/util/result.hpp"
#include "secmaild/util/secret.hpp"

namespace secmaild::pgp {

enum class SignatureStatus {
    Valid,       // good signature, key usable at signing time
    Bad,         // the data was changed or the signature is corrupt
    UnknownKey,  // no public key for it in this home
    Expired,     // the signature itself expired
    KeyExpired,  // the signing key has expired
    Revoked,     // the signing key is revoked
    Error,       // could not be checked (unsupported algorithm, ...)
};
// "valid", "bad", "unknown-key", "expired", "key-expired", "revoked", "error"
std::string_view signatureStatusName(SignatureStatus s);

struct Signature {
    SignatureStatus status = SignatureStatus::Error;
    // The primary key's fingerprint when the key is in the home; otherwise the
    // issuer fingerprint (or long key id) as the signature states it. Upper-case hex.
    std::string fingerprint;
    std::optional<TimePoint> created;
    std::string detail;  // GPGME's error string when not Valid, else ""
};

enum class DecryptStatus {
    Decrypted,     // it was encrypted and we read it
    NotEncrypted,  // signed-only OpenPGP data ("BEGIN PGP MESSAGE" from gpg --sign): plaintext set, signatures checked
    NoSecretKey,   // encrypted to keys we do not hold
    Corrupt,       // bad armor, truncated, modified ciphertext, not OpenPGP at all
    Unsupported,   // an algorithm or packet gpg does not support
    TooLarge,      // the plaintext passed GpgOptions::maxPlaintextBytes (e.g. a compression bomb)
    Failed,        // anything else (see detail)
};
std::string_view decryptStatusName(DecryptStatus s);  // "decrypted", "not-encrypted", "no-secret-key", ...

struct Decryption {
    DecryptStatus status = DecryptStatus::Failed;
    std::string plaintext;  // set for Decrypted and NotEncrypted
    std::vector<Signature> signatures;
    std::vector<std::string> recipientKeyIds;  // who it was encrypted to (long key ids, upper-case)
    std::string fileName;                      // the literal data packet's file name, if any
    std::string detail;                        // GPGME's error string when it failed
    bool ok() const { return status == DecryptStatus::Decrypted || status == DecryptStatus::NotEncrypted; }
};

struct Verification {
    std::vector<Signature> signatures;  // empty when nothing could be verified
    std::string plaintext;              // the signed text (clearsigned input only)
    std::string detail;                 // GPGME's error string when the operation itself failed
};

struct DetachedSignature {
    std::string armored;  // "-----BEGIN PGP SIGNATURE-----..."
    std::string micalg;   // for multipart/signed: "pgp-sha256", "pgp-sha512", ...
};

struct KeyInfo {
    std::string fingerprint;  // primary key, upper-case hex
    std::vector<std::string> userIds;
    std::vector<std::string> emails;  // lower-case addresses of the user ids
    bool hasSecret = false;
    bool canEncrypt = false;  // has a usable (not expired/revoked) encryption subkey
    bool canSign = false;
    bool revoked = false;
    bool expired = false;
    bool invalid = false;
    bool disabled = false;
    // When the key stops being usable: the earliest expiry of the primary key
    // and the subkeys that give it canEncrypt/canSign; nullopt for never.
    std::optional<TimePoint> expires;
    std::string algorithm;  // e.g. "ed25519"
};

// A key's health at `now`: "ok", "expires-soon" (within kKeyExpiryWarning),
// "expired", "revoked" or "unusable" (cannot encrypt, disabled, invalid).
std::string keyHealth(const KeyInfo& key, TimePoint now);
constexpr auto kKeyExpiryWarning = std::chrono::hours{24 * 14};

struct GpgOptions {
    // The GnuPG home; keep the path short: without /run/user/<uid> the agent's
    // sockets live in it and must fit in 107 bytes, so open() refuses homes
    // longer than 87 bytes then.
    std::filesystem::path home;
    std::shared_ptr<const Secret> passphrase;   // for a protected secret key; null: none
    std::size_t maxPlaintextBytes = 64u << 20;  // decrypted or clearsigned text (bombs stop here)
    std::size_t maxKeysInData = 100;            // keysInData() lists at most this many keys
    // Signatures whose signer is only named by a key id (bad signatures) cost
    // one key lookup each to find the primary fingerprint; at most this many
    // per operation, the rest keep the id the signature states.
    std::size_t maxSignerLookups = 8;
};

// What reading a mail needs from OpenPGP: decrypting and verifying. Gpg does
// it in this process; GpgWorker (worker.hpp) in a small child process.
class Decrypter {
public:
    virtual ~Decrypter() = default;
    // Decrypts and verifies armored or binary OpenPGP data (an armored block
    // may sit inside other text; gpg skips to it). Signed-only data, opaque or
    // clearsigned, comes back as NotEncrypted with its plaintext. plaintext is
    // empty unless ok().
    virtual Decryption decrypt(std::string_view data) = 0;
    // A detached signature over exact bytes (multipart/signed part 1, CRLF as received).
    virtual Verification verifyDetached(std::string_view signedBytes, std::string_view signature) = 0;
    // A "BEGIN PGP SIGNED MESSAGE" block; the plaintext is the signed text
    // only, and is set only when a signature was found.
    virtual Verification verifyClearsigned(std::string_view armored) = 0;
};

// Not thread-safe: one Gpg per thread. Several Gpg objects (in several
// threads) may share one home; gpg-agent serialises their key operations.
// A moved-from Gpg may only be destroyed or assigned to.
class Gpg final : public Decrypter {
public:
    // Creates the context on `home` (created with mode 0700 if missing; an
    // existing home is used as it is). Fails, naming the home and GPGME's
    // reason, when the home cannot be made or the OpenPGP engine is missing.
    // Does not start gpg: a broken home shows up in the first operation.
    static Result<Gpg> open(GpgOptions options);
    ~Gpg() override;
    Gpg(Gpg&&) noexcept;
    Gpg& operator=(Gpg&&) noexcept;
    Gpg(const Gpg&) = delete;
    Gpg& operator=(const Gpg&) = delete;

    const std::filesystem::path& home() const;  // absolute

    // Fingerprints below are 40 (or 64) hex digits in any case; anything else
    // (a name, an email, a short key id) is refused rather than searched for.
    // None of these throw; failures are in the returned value.

    Decryption decrypt(std::string_view data) override;
    Verification verifyDetached(std::string_view signedBytes, std::string_view signature) override;
    Verification verifyClearsigned(std::string_view armored) override;

    // The key that signs from now on: a primary fingerprint whose secret key
    // is in this home and can sign. signDetached() and encrypt(..., true)
    // fail until this succeeded.
    Status useSigningKey(const std::string& fingerprint);
    // Armored. Encrypts to every recipient fingerprint (trusting them: the
    // caller chose them by fingerprint), signed with the signing key if `sign`.
    // Fails naming the first recipient that is missing or cannot encrypt.
    Result<std::string> encrypt(std::string_view plain, const std::vector<std::string>& recipientFingerprints,
                                bool sign);
    Result<DetachedSignature> signDetached(std::string_view data);

    // Keys in the home (public, or only those with a secret part); empty if
    // gpg cannot list them.
    std::vector<KeyInfo> listKeys(bool secretOnly = false);
    // The key with this primary (or subkey) fingerprint; nullopt if none.
    std::optional<KeyInfo> findKey(const std::string& fingerprint, bool secret = false);
    // The keys in armored or binary key data, without importing them; at most
    // GpgOptions::maxKeysInData. Secret key blocks show hasSecret.
    Result<std::vector<KeyInfo>> keysInData(std::string_view data);
    // Imports key data; returns the primary fingerprints it held (new or already
    // known). A bare revocation certificate is applied and returns an empty list.
    // Fails when the data holds no OpenPGP key material. Secret keys in the data
    // are imported too: check keysInData() first for untrusted input.
    Result<std::vector<std::string>> importKeys(std::string_view data);
    Result<std::string> exportPublicKey(const std::string& fingerprint);  // armored
    // A new key pair without a passphrase, unless the options carry one;
    // returns its fingerprint. algorithm "future-default" (ed25519 +
    // cv25519); one whose primary only signs ("ed25519", "rsa3072") gets an
    // encryption subkey added. expiry nullopt = never. The user id must be
    // new in the home and free of control characters.
    Result<std::string> createKey(const std::string& userId, const std::string& algorithm = "future-default",
                                  std::optional<std::chrono::seconds> expiry = std::nullopt);

private:
    struct Impl;
    explicit Gpg(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Stops the gpg-agent (and other daemons) of a GnuPG home (gpgconf --kill all);
// waits for gpgconf, ignores every failure.
void stopAgent(const std::filesystem::path& home);

}  // namespace secmaild::pgp
