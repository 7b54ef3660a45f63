// GnuPG through GPGME's C API: decrypt, verify, sign, encrypt and key
// management on one home, each outcome reported as a value. Not here: MIME
// (PGP/MIME slicing and splitting inline blocks are the caller's), trust
// decisions (callers compare primary fingerprints with their own allowlist;
// gpg's web of trust is never consulted), and network access (the context is
// offline, keys only arrive as data). GPGME's results are copied out before
// the next operation on the context, which frees them.
#include "secmaild/pgp/gpg.hpp"

#include <fcntl.h>
#include <gpgme.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cerrno>
#include <limits>
#include <map>
#include <mutex>
#include <system_error>
#include <utility>

#include "gpgme_handles.hpp"
#include "secmaild/pgp/engine.hpp"
#include "secmaild/util/strings.hpp"

extern char** environ;

namespace secmaild::pgp {

using detail::BoundedSink;
using detail::ContextPtr;
using detail::DataPtr;
using detail::KeyPtr;
using detail::readData;

namespace {

// sun_path holds 108 bytes with the NUL; the longest socket gpg-agent makes.
constexpr std::size_t kSocketPathMax = 107;
constexpr std::string_view kLongestSocketName = "/S.gpg-agent.browser";

// gpgme_strerror is not thread-safe; the _r form is.
std::string errorText(gpgme_error_t error) {
    char buffer[256];
    gpgme_strerror_r(error, buffer, sizeof buffer);
    buffer[sizeof buffer - 1] = '\0';
    return buffer;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

bool isHex(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// A v4 (40) or v5 (64) fingerprint, upper-cased; nullopt for anything else,
// so a caller's "fingerprint" can never become a gpg search by name or email.
std::optional<std::string> normaliseFingerprint(std::string_view s) {
    if ((s.size() != 40 && s.size() != 64) || !isHex(s)) return std::nullopt;
    return upper(s);
}

std::optional<TimePoint> unixTime(long seconds) {
    if (seconds <= 0) return std::nullopt;
    return fromUnix(seconds);
}

// State the GPGME callbacks reach through their hook pointer.
struct Hooks {
    std::shared_ptr<const Secret> passphrase;
    // From VALIDSIG status lines of the current operation: signing (sub)key
    // fingerprint -> primary key fingerprint, so good signatures need no lookup.
    std::map<std::string, std::string> primaryOfSigner;
};

// Loopback pinentry: gpg-agent asks us instead of a terminal. A repeated
// question means our one passphrase was wrong; answering again cannot help.
gpgme_error_t passphraseCallback(void* hook, const char* /*uidHint*/, const char* /*info*/, int prevWasBad, int fd) {
    const auto* hooks = static_cast<const Hooks*>(hook);
    if (prevWasBad) return gpg_error(GPG_ERR_BAD_PASSPHRASE);
    if (!hooks->passphrase || hooks->passphrase->empty()) return gpg_error(GPG_ERR_NO_PASSPHRASE);
    const std::string& value = hooks->passphrase->reveal();
    if (gpgme_io_writen(fd, value.data(), value.size()) != 0 || gpgme_io_writen(fd, "\n", 1) != 0)
        return gpgme_error_from_syserror();
    return 0;
}

// VALIDSIG <fpr> <date> <ts> <expire> <version> <reserved> <pk-algo> <hash-algo> <class> <primary-fpr>
gpgme_error_t statusCallback(void* hook, const char* keyword, const char* args) {
    auto* hooks = static_cast<Hooks*>(hook);
    if (!keyword || !args || std::string_view(keyword) != "VALIDSIG") return 0;
    const auto fields = split(args, ' ');
    constexpr std::size_t kMaxRemembered = 64;
    if (fields.size() >= 10 && hooks->primaryOfSigner.size() < kMaxRemembered && isHex(fields[0]) && isHex(fields[9]))
        hooks->primaryOfSigner[upper(fields[0])] = upper(fields[9]);
    return 0;
}

bool subkeyUsable(gpgme_subkey_t sub) {
    return !sub->revoked && !sub->expired && !sub->invalid && !sub->disabled;
}

bool keyUsable(gpgme_key_t key) {
    return !key->revoked && !key->expired && !key->invalid && !key->disabled;
}

// When a capability ends: never (0) if any live subkey with it never expires,
// else the latest expiry among them. Expired subkeys count, so an expired key
// still says when it expired; revoked ones do not.
long capabilityExpiry(gpgme_key_t key, bool encrypt) {
    long latest = -1;
    for (gpgme_subkey_t sub = key->subkeys; sub; sub = sub->next) {
        if (!(encrypt ? sub->can_encrypt : sub->can_sign) || sub->revoked || sub->invalid) continue;
        if (sub->expires == 0) return 0;
        latest = std::max(latest, sub->expires);
    }
    return latest;  // -1: no such subkey
}

KeyInfo keyInfo(gpgme_key_t key) {
    KeyInfo info;
    gpgme_subkey_t primary = key->subkeys;
    info.fingerprint = upper(key->fpr ? key->fpr : (primary && primary->fpr ? primary->fpr : ""));
    for (gpgme_user_id_t uid = key->uids; uid; uid = uid->next) {
        if (uid->revoked || uid->invalid) continue;
        if (uid->uid) info.userIds.emplace_back(uid->uid);
        if (uid->email && *uid->email) {
            std::string email = toLower(uid->email);
            if (std::find(info.emails.begin(), info.emails.end(), email) == info.emails.end())
                info.emails.push_back(std::move(email));
        }
    }
    info.hasSecret = key->secret != 0;
    info.revoked = key->revoked != 0;
    info.expired = key->expired != 0;
    info.invalid = key->invalid != 0;
    info.disabled = key->disabled != 0;
    for (gpgme_subkey_t sub = key->subkeys; sub; sub = sub->next) {
        if (!keyUsable(key) || !subkeyUsable(sub)) continue;
        info.canEncrypt = info.canEncrypt || sub->can_encrypt;
        info.canSign = info.canSign || sub->can_sign;
    }
    long earliest = 0;  // 0: never
    auto consider = [&earliest](long expires) {
        if (expires > 0 && (earliest == 0 || expires < earliest)) earliest = expires;
    };
    if (primary) consider(primary->expires);
    consider(capabilityExpiry(key, true));
    consider(capabilityExpiry(key, false));
    info.expires = unixTime(earliest);
    if (primary) {
        if (char* algo = gpgme_pubkey_algo_string(primary)) {
            info.algorithm = algo;
            gpgme_free(algo);
        }
    }
    return info;
}

// True when `id` (upper-case fingerprint or long key id) names the key or one
// of its subkeys.
bool keyHasId(gpgme_key_t key, const std::string& id) {
    for (gpgme_subkey_t sub = key->subkeys; sub; sub = sub->next) {
        if (sub->fpr && upper(sub->fpr) == id) return true;
        if (sub->keyid && id.size() == 16 && upper(sub->keyid) == id) return true;
    }
    return false;
}

SignatureStatus signatureStatus(gpgme_error_t status, unsigned summary) {
    const auto code = gpgme_err_code(status);
    if (code == GPG_ERR_NO_PUBKEY || (summary & GPGME_SIGSUM_KEY_MISSING)) return SignatureStatus::UnknownKey;
    if (code == GPG_ERR_BAD_SIGNATURE) return SignatureStatus::Bad;
    if (code == GPG_ERR_CERT_REVOKED || (summary & GPGME_SIGSUM_KEY_REVOKED)) return SignatureStatus::Revoked;
    if (code == GPG_ERR_SIG_EXPIRED || (summary & GPGME_SIGSUM_SIG_EXPIRED)) return SignatureStatus::Expired;
    if (code == GPG_ERR_KEY_EXPIRED || (summary & GPGME_SIGSUM_KEY_EXPIRED)) return SignatureStatus::KeyExpired;
    if (code == GPG_ERR_NO_ERROR && !(summary & GPGME_SIGSUM_SYS_ERROR)) return SignatureStatus::Valid;
    return SignatureStatus::Error;
}

DecryptStatus decryptFailure(gpgme_error_t error, const Decryption& partial, bool unsupportedAlgorithm) {
    switch (gpgme_err_code(error)) {
        case GPG_ERR_NO_SECKEY:
            return DecryptStatus::NoSecretKey;
        case GPG_ERR_NO_PASSPHRASE:
        case GPG_ERR_BAD_PASSPHRASE:
        case GPG_ERR_CANCELED:
            // No public-key recipients: only a passphrase (gpg -c) opens it, and we have none.
            // Otherwise our own key's passphrase is missing or wrong: an operator problem.
            return partial.recipientKeyIds.empty() ? DecryptStatus::NoSecretKey : DecryptStatus::Failed;
        case GPG_ERR_UNSUPPORTED_ALGORITHM:
        case GPG_ERR_UNKNOWN_ALGORITHM:
        case GPG_ERR_CIPHER_ALGO:
        case GPG_ERR_PUBKEY_ALGO:
        case GPG_ERR_DIGEST_ALGO:
        case GPG_ERR_COMPR_ALGO:
        case GPG_ERR_INV_CIPHER_MODE:
        case GPG_ERR_NOT_SUPPORTED:
        case GPG_ERR_UNKNOWN_VERSION:
            return DecryptStatus::Unsupported;
        case GPG_ERR_NO_DATA:
        case GPG_ERR_DECRYPT_FAILED:
        case GPG_ERR_CHECKSUM:
        case GPG_ERR_BAD_DATA:
        case GPG_ERR_INV_PACKET:
        case GPG_ERR_INV_ARMOR:
        case GPG_ERR_INV_DATA:
        case GPG_ERR_INV_LENGTH:
        case GPG_ERR_TRUNCATED:
        case GPG_ERR_BAD_MPI:
        case GPG_ERR_WRONG_SECKEY:
        case GPG_ERR_UNEXPECTED:
        case GPG_ERR_UNKNOWN_PACKET:
            return unsupportedAlgorithm ? DecryptStatus::Unsupported : DecryptStatus::Corrupt;
        default:
            return unsupportedAlgorithm ? DecryptStatus::Unsupported : DecryptStatus::Failed;
    }
}

struct RawSignature {
    std::string fpr;
    gpgme_error_t status = 0;
    unsigned summary = 0;
    long timestamp = 0;
};

// Copies the signature list out of the last operation's verify result.
std::vector<RawSignature> rawSignatures(gpgme_ctx_t ctx) {
    std::vector<RawSignature> out;
    gpgme_verify_result_t result = gpgme_op_verify_result(ctx);
    for (gpgme_signature_t s = result ? result->signatures : nullptr; s; s = s->next)
        out.push_back({upper(s->fpr ? s->fpr : ""), s->status, s->summary, static_cast<long>(s->timestamp)});
    return out;
}

std::string sizeDetail(std::string_view what, std::size_t limit) {
    return std::string(what) + " exceeds the limit of " + std::to_string(limit) + " bytes";
}

}  // namespace

std::string keyHealth(const KeyInfo& key, TimePoint now) {
    if (key.revoked) return "revoked";
    if (key.expired || (key.expires && *key.expires <= now)) return "expired";
    if (key.invalid || key.disabled || !key.canEncrypt) return "unusable";
    if (key.expires && *key.expires - now <= kKeyExpiryWarning) return "expires-soon";
    return "ok";
}

std::string_view signatureStatusName(SignatureStatus s) {
    switch (s) {
        case SignatureStatus::Valid:
            return "valid";
        case SignatureStatus::Bad:
            return "bad";
        case SignatureStatus::UnknownKey:
            return "unknown-key";
        case SignatureStatus::Expired:
            return "expired";
        case SignatureStatus::KeyExpired:
            return "key-expired";
        case SignatureStatus::Revoked:
            return "revoked";
        case SignatureStatus::Error:
            return "error";
    }
    return "error";
}

std::string_view decryptStatusName(DecryptStatus s) {
    switch (s) {
        case DecryptStatus::Decrypted:
            return "decrypted";
        case DecryptStatus::NotEncrypted:
            return "not-encrypted";
        case DecryptStatus::NoSecretKey:
            return "no-secret-key";
        case DecryptStatus::Corrupt:
            return "corrupt";
        case DecryptStatus::Unsupported:
            return "unsupported";
        case DecryptStatus::TooLarge:
            return "too-large";
        case DecryptStatus::Failed:
            return "failed";
    }
    return "failed";
}

struct Gpg::Impl {
    GpgOptions options;  // home made absolute
    Hooks hooks;         // before ctx: the context's callbacks point here
    ContextPtr ctx;
    std::string signer;  // primary fingerprint set by useSigningKey

    // Public keys by fingerprint, for encrypt() and findKey(): a key listing
    // is a gpg process (~5 ms), as much as the crypto of a small message.
    // Cleared by imports and key creation through this object; a change made
    // through another object (another thread's) is seen after kKeyCacheTtl.
    struct CachedKey {
        KeyPtr key;
        std::chrono::steady_clock::time_point at;
    };
    static constexpr std::chrono::minutes kKeyCacheTtl{10};
    std::map<std::string, CachedKey> keyCache;

    std::string where() const { return "GnuPG home " + options.home.string(); }

    // The public key with this primary fingerprint, cached; nullptr when absent.
    gpgme_key_t cachedKey(const std::string& fpr) {
        const auto now = std::chrono::steady_clock::now();
        auto it = keyCache.find(fpr);
        if (it != keyCache.end() && now - it->second.at < kKeyCacheTtl) return it->second.key.get();
        KeyPtr key = keyWithId(fpr, false);
        if (!key) {
            keyCache.erase(fpr);
            return nullptr;
        }
        auto& slot = keyCache[fpr];
        slot = {std::move(key), now};
        return slot.key.get();
    }

    // Keys matching hex ids or fingerprints (all keys when `ids` is empty).
    // Reading stops after `max` keys.
    Result<std::vector<KeyPtr>> keys(const std::vector<std::string>& ids, bool secret,
                                     std::size_t max = std::numeric_limits<std::size_t>::max()) {
        gpgme_ctx_t c = ctx.get();
        gpgme_set_keylist_mode(c, GPGME_KEYLIST_MODE_LOCAL | (secret ? 0 : GPGME_KEYLIST_MODE_WITH_SECRET));
        std::vector<const char*> patterns;
        for (const auto& id : ids) patterns.push_back(id.c_str());
        patterns.push_back(nullptr);
        gpgme_error_t err = ids.empty() ? gpgme_op_keylist_start(c, nullptr, secret ? 1 : 0)
                                        : gpgme_op_keylist_ext_start(c, patterns.data(), secret ? 1 : 0, 0);
        if (err) return fail(where() + ": listing keys: " + errorText(err));
        return readKeyList("listing keys", max);
    }

    // Drains the key listing started on ctx.
    Result<std::vector<KeyPtr>> readKeyList(std::string_view what, std::size_t max) {
        std::vector<KeyPtr> found;
        gpgme_error_t err = 0;
        while (true) {
            if (found.size() >= max) {
                gpgme_op_keylist_end(ctx.get());
                break;
            }
            gpgme_key_t key = nullptr;
            err = gpgme_op_keylist_next(ctx.get(), &key);
            if (err) break;
            found.emplace_back(key);
        }
        if (err && gpgme_err_code(err) != GPG_ERR_EOF)
            return fail(where() + ": " + std::string(what) + ": " + errorText(err));
        return found;
    }

    // The one key whose primary or subkey has this id; null if none (or ambiguous).
    KeyPtr keyWithId(const std::string& id, bool secret) {
        auto found = keys({id}, secret);
        if (!found) return nullptr;
        KeyPtr match;
        for (auto& key : *found) {
            if (!keyHasId(key.get(), id)) continue;
            if (match) return nullptr;
            match = std::move(key);
        }
        return match;
    }

    // Signatures of the last verify: statuses, and primary fingerprints for
    // signers in the home. Runs key listings, so call it last.
    std::vector<Signature> signatures() {
        std::vector<RawSignature> raw = rawSignatures(ctx.get());
        std::vector<Signature> out;
        std::map<std::string, std::string> looked;
        std::size_t lookups = 0;
        for (const auto& r : raw) {
            Signature sig;
            sig.status = signatureStatus(r.status, r.summary);
            sig.created = unixTime(r.timestamp);
            sig.fingerprint = r.fpr;
            if (sig.status != SignatureStatus::Valid)
                sig.detail = r.status ? errorText(r.status) : std::string(signatureStatusName(sig.status));
            if (sig.status != SignatureStatus::UnknownKey && isHex(r.fpr)) {
                if (auto it = hooks.primaryOfSigner.find(r.fpr); it != hooks.primaryOfSigner.end()) {
                    sig.fingerprint = it->second;
                } else if (auto seen = looked.find(r.fpr); seen != looked.end()) {
                    sig.fingerprint = seen->second;
                } else if (lookups < options.maxSignerLookups) {
                    ++lookups;
                    if (KeyPtr key = keyWithId(r.fpr, false); key && key->fpr) sig.fingerprint = upper(key->fpr);
                    looked[r.fpr] = sig.fingerprint;
                }
            }
            out.push_back(std::move(sig));
        }
        return out;
    }

    void beginOperation() { hooks.primaryOfSigner.clear(); }

    // gpg --verify keeping what was signed: clearsigned or opaque signed data.
    Verification verifyWithText(std::string_view data, bool& tooLarge) {
        Verification out;
        tooLarge = false;
        gpgme_error_t err = 0;
        DataPtr in = readData(data, err);
        BoundedSink sink(options.maxPlaintextBytes);
        DataPtr plain = in ? sink.open(err) : nullptr;
        if (!plain) {
            out.detail = errorText(err);
            return out;
        }
        beginOperation();
        err = gpgme_op_verify(ctx.get(), in.get(), nullptr, plain.get());
        if (sink.overflowed()) {
            tooLarge = true;
            out.detail = sizeDetail("signed text", options.maxPlaintextBytes);
            return out;
        }
        if (err) {
            out.detail = errorText(err);
            return out;
        }
        out.signatures = signatures();
        // gpg --verify also decrypts encrypted input; without a signature the
        // output is not "signed text" and is not handed out.
        if (out.signatures.empty())
            out.detail = "no signature found";
        else
            out.plaintext = std::move(sink.text());
        return out;
    }
};

Gpg::Gpg(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Gpg::~Gpg() = default;
Gpg::Gpg(Gpg&&) noexcept = default;
Gpg& Gpg::operator=(Gpg&&) noexcept = default;

const std::filesystem::path& Gpg::home() const {
    return impl_->options.home;
}

Result<Gpg> Gpg::open(GpgOptions options) {
    static std::once_flag initialised;
    std::call_once(initialised, [] { initialise(); });

    if (options.home.empty()) return fail("GnuPG home: no directory given");
    std::error_code ec;
    std::filesystem::path home = std::filesystem::absolute(options.home, ec).lexically_normal();
    if (ec) return fail("GnuPG home " + options.home.string() + ": " + ec.message());
    std::string text = home.string();
    if (text.size() > 1 && text.back() == '/') text.pop_back();
    home = text;
    options.home = home;
    const std::string where = "GnuPG home " + text;

    // gpg-agent puts its sockets in /run/user/<uid>/gnupg when that exists,
    // else in the home itself (typical for system services).
    const std::filesystem::path runUser = "/run/user/" + std::to_string(::getuid());
    if (!std::filesystem::is_directory(runUser, ec) && text.size() + kLongestSocketName.size() > kSocketPathMax)
        return fail(where + ": path too long for gpg-agent's sockets (" + std::to_string(text.size()) +
                    " bytes; at most " + std::to_string(kSocketPathMax - kLongestSocketName.size()) + ")");

    if (!std::filesystem::exists(home, ec)) {
        if (home.has_parent_path()) std::filesystem::create_directories(home.parent_path(), ec);
        if (::mkdir(text.c_str(), 0700) != 0 && errno != EEXIST)
            return fail(where + ": cannot create: " + std::error_code(errno, std::generic_category()).message());
    }
    if (!std::filesystem::is_directory(home, ec)) return fail(where + ": not a directory");

    gpgme_error_t err = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP);
    if (err) return fail(where + ": OpenPGP engine (gpg) not usable: " + errorText(err));

    auto impl = std::make_unique<Impl>();
    impl->options = std::move(options);
    impl->hooks.passphrase = impl->options.passphrase;
    gpgme_ctx_t raw = nullptr;
    if ((err = gpgme_new(&raw))) return fail(where + ": creating a GPGME context: " + errorText(err));
    impl->ctx.reset(raw);
    if ((err = gpgme_set_protocol(raw, GPGME_PROTOCOL_OpenPGP)) ||
        (err = gpgme_ctx_set_engine_info(raw, GPGME_PROTOCOL_OpenPGP, nullptr, text.c_str())) ||
        (err = gpgme_set_pinentry_mode(raw, GPGME_PINENTRY_MODE_LOOPBACK)) ||
        (err = gpgme_set_ctx_flag(raw, "full-status", "1")))
        return fail(where + ": setting up the GPGME context: " + errorText(err));
    gpgme_set_offline(raw, 1);
    gpgme_set_armor(raw, 1);
    gpgme_set_passphrase_cb(raw, &passphraseCallback, &impl->hooks);
    gpgme_set_status_cb(raw, &statusCallback, &impl->hooks);
    return Gpg(std::move(impl));
}

Decryption Gpg::decrypt(std::string_view data) {
    Impl& m = *impl_;
    Decryption out;
    gpgme_error_t err = 0;
    DataPtr in = readData(data, err);
    BoundedSink sink(m.options.maxPlaintextBytes);
    DataPtr plain = in ? sink.open(err) : nullptr;
    if (!plain) {
        out.detail = errorText(err);
        return out;
    }
    m.beginOperation();
    err = gpgme_op_decrypt_verify(m.ctx.get(), in.get(), plain.get());

    bool unsupportedAlgorithm = false;
    bool allNoSecretKey = true;
    if (gpgme_decrypt_result_t r = gpgme_op_decrypt_result(m.ctx.get())) {
        for (gpgme_recipient_t rcpt = r->recipients; rcpt; rcpt = rcpt->next) {
            if (rcpt->keyid) out.recipientKeyIds.push_back(upper(rcpt->keyid));
            allNoSecretKey = allNoSecretKey && gpgme_err_code(rcpt->status) == GPG_ERR_NO_SECKEY;
        }
        if (r->file_name) out.fileName = r->file_name;
        unsupportedAlgorithm = r->unsupported_algorithm != nullptr;
    }
    if (sink.overflowed()) {
        out.status = DecryptStatus::TooLarge;
        out.detail = sizeDetail("plaintext", m.options.maxPlaintextBytes);
        return out;
    }
    if (!err) {
        out.status = DecryptStatus::Decrypted;
        out.plaintext = std::move(sink.text());
        out.signatures = m.signatures();
        return out;
    }

    // gpg --decrypt also reads signed-only data, but GPGME then reports
    // "No data" (no decryption happened). Verify it again on its own so the
    // outcome rests on a verify that succeeded, not on a failed decrypt.
    const bool sawSignatures = !rawSignatures(m.ctx.get()).empty();
    if (gpgme_err_code(err) == GPG_ERR_NO_DATA &&
        (sawSignatures || gpgme_data_identify(in.get(), 0) == GPGME_DATA_TYPE_PGP_SIGNED)) {
        bool tooLarge = false;
        Verification v = m.verifyWithText(data, tooLarge);
        if (!v.signatures.empty()) {
            out.status = DecryptStatus::NotEncrypted;
            out.plaintext = std::move(v.plaintext);
            out.signatures = std::move(v.signatures);
            return out;
        }
        out.status = tooLarge ? DecryptStatus::TooLarge : DecryptStatus::Corrupt;
        out.detail = v.detail;
        return out;
    }
    out.status = (!out.recipientKeyIds.empty() && allNoSecretKey) ? DecryptStatus::NoSecretKey
                                                                  : decryptFailure(err, out, unsupportedAlgorithm);
    out.detail = errorText(err);
    return out;
}

Verification Gpg::verifyDetached(std::string_view signedBytes, std::string_view signature) {
    Impl& m = *impl_;
    Verification out;
    gpgme_error_t err = 0;
    DataPtr sig = readData(signature, err);
    DataPtr text = sig ? readData(signedBytes, err) : nullptr;
    if (!text) {
        out.detail = errorText(err);
        return out;
    }
    m.beginOperation();
    err = gpgme_op_verify(m.ctx.get(), sig.get(), text.get(), nullptr);
    if (err) {
        out.detail = errorText(err);
        return out;
    }
    out.signatures = m.signatures();
    if (out.signatures.empty()) out.detail = "no signature found";
    return out;
}

Verification Gpg::verifyClearsigned(std::string_view armored) {
    bool tooLarge = false;
    return impl_->verifyWithText(armored, tooLarge);
}

Status Gpg::useSigningKey(const std::string& fingerprint) {
    Impl& m = *impl_;
    auto fpr = normaliseFingerprint(fingerprint);
    if (!fpr) return fail("signing key \"" + fingerprint + "\" is not a fingerprint");
    KeyPtr key = m.keyWithId(*fpr, true);
    if (!key || !key->fpr || upper(key->fpr) != *fpr)
        return fail(m.where() + ": no secret key with primary fingerprint " + *fpr);
    if (!keyInfo(key.get()).canSign) return fail(m.where() + ": key " + *fpr + " cannot sign (expired or revoked)");
    gpgme_signers_clear(m.ctx.get());
    if (gpgme_error_t err = gpgme_signers_add(m.ctx.get(), key.get())) {
        m.signer.clear();
        return fail(m.where() + ": signing key " + *fpr + ": " + errorText(err));
    }
    m.signer = *fpr;
    return {};
}

Result<std::string> Gpg::encrypt(std::string_view plain, const std::vector<std::string>& recipientFingerprints,
                                 bool sign) {
    Impl& m = *impl_;
    if (recipientFingerprints.empty()) return fail("encrypt: no recipients");
    if (sign && m.signer.empty()) return fail("encrypt: signing requested but no signing key was set");
    std::vector<std::string> wanted;
    for (const auto& given : recipientFingerprints) {
        auto fpr = normaliseFingerprint(given);
        if (!fpr) return fail("encrypt: recipient \"" + given + "\" is not a fingerprint");
        if (std::find(wanted.begin(), wanted.end(), *fpr) == wanted.end()) wanted.push_back(*fpr);
    }
    std::vector<gpgme_key_t> recipients;
    for (const auto& fpr : wanted) {
        gpgme_key_t key = m.cachedKey(fpr);
        if (!key || !keyHasId(key, fpr)) return fail("encrypt: recipient " + fpr + ": no such key in " + m.where());
        if (!keyInfo(key).canEncrypt)
            return fail("encrypt: recipient " + fpr +
                        ": key cannot encrypt (expired, revoked or no encryption subkey)");
        recipients.push_back(key);
    }
    recipients.push_back(nullptr);

    gpgme_error_t err = 0;
    DataPtr in = readData(plain, err);
    BoundedSink sink(std::numeric_limits<std::size_t>::max());
    DataPtr out = in ? sink.open(err) : nullptr;
    if (!out) return fail("encrypt: " + errorText(err));
    m.beginOperation();
    const auto flags = static_cast<gpgme_encrypt_flags_t>(GPGME_ENCRYPT_ALWAYS_TRUST | GPGME_ENCRYPT_NO_ENCRYPT_TO);
    err = sign ? gpgme_op_encrypt_sign(m.ctx.get(), recipients.data(), flags, in.get(), out.get())
               : gpgme_op_encrypt(m.ctx.get(), recipients.data(), flags, in.get(), out.get());
    if (err) {
        std::string why = "encrypt: " + errorText(err);
        if (gpgme_encrypt_result_t r = gpgme_op_encrypt_result(m.ctx.get()); r && r->invalid_recipients)
            why += " (recipient " + upper(r->invalid_recipients->fpr ? r->invalid_recipients->fpr : "?") + ": " +
                   errorText(r->invalid_recipients->reason) + ")";
        if (gpgme_sign_result_t r = sign ? gpgme_op_sign_result(m.ctx.get()) : nullptr; r && r->invalid_signers)
            why += " (signing key " + m.signer + ": " + errorText(r->invalid_signers->reason) + ")";
        return fail(why);
    }
    return std::move(sink.text());
}

Result<DetachedSignature> Gpg::signDetached(std::string_view data) {
    Impl& m = *impl_;
    if (m.signer.empty()) return fail("sign: no signing key was set");
    gpgme_error_t err = 0;
    DataPtr in = readData(data, err);
    BoundedSink sink(std::numeric_limits<std::size_t>::max());
    DataPtr out = in ? sink.open(err) : nullptr;
    if (!out) return fail("sign: " + errorText(err));
    m.beginOperation();
    err = gpgme_op_sign(m.ctx.get(), in.get(), out.get(), GPGME_SIG_MODE_DETACH);
    gpgme_sign_result_t result = gpgme_op_sign_result(m.ctx.get());
    if (err || !result || !result->signatures) {
        std::string why = "sign: " + errorText(err);
        if (result && result->invalid_signers)
            why += " (signing key " + m.signer + ": " + errorText(result->invalid_signers->reason) + ")";
        return fail(why);
    }
    DetachedSignature sig;
    const char* hash = gpgme_hash_algo_name(result->signatures->hash_algo);
    sig.micalg = "pgp-" + toLower(hash ? hash : "unknown");
    sig.armored = std::move(sink.text());
    return sig;
}

std::vector<KeyInfo> Gpg::listKeys(bool secretOnly) {
    std::vector<KeyInfo> out;
    auto listed = impl_->keys({}, secretOnly);
    if (!listed) return out;
    for (const auto& key : *listed) out.push_back(keyInfo(key.get()));
    return out;
}

std::optional<KeyInfo> Gpg::findKey(const std::string& fingerprint, bool secret) {
    auto fpr = normaliseFingerprint(fingerprint);
    if (!fpr) return std::nullopt;
    if (!secret) {
        gpgme_key_t cached = impl_->cachedKey(*fpr);
        if (!cached) return std::nullopt;
        return keyInfo(cached);
    }
    KeyPtr key = impl_->keyWithId(*fpr, secret);
    if (!key) return std::nullopt;
    return keyInfo(key.get());
}

Result<std::vector<KeyInfo>> Gpg::keysInData(std::string_view data) {
    Impl& m = *impl_;
    gpgme_error_t err = 0;
    DataPtr in = readData(data, err);
    if (!in) return fail("reading key data: " + errorText(err));
    m.beginOperation();
    gpgme_set_keylist_mode(m.ctx.get(), GPGME_KEYLIST_MODE_LOCAL);
    if ((err = gpgme_op_keylist_from_data_start(m.ctx.get(), in.get(), 0)))
        return fail("reading key data: " + errorText(err));
    auto listed = m.readKeyList("reading key data", m.options.maxKeysInData);
    if (!listed) return listed.error();
    std::vector<KeyInfo> out;
    for (const auto& key : *listed) out.push_back(keyInfo(key.get()));
    return out;
}

Result<std::vector<std::string>> Gpg::importKeys(std::string_view data) {
    Impl& m = *impl_;
    m.keyCache.clear();
    gpgme_error_t err = 0;
    DataPtr in = readData(data, err);
    if (!in) return fail("importing keys: " + errorText(err));
    m.beginOperation();
    if ((err = gpgme_op_import(m.ctx.get(), in.get()))) return fail("importing keys: " + errorText(err));
    gpgme_import_result_t result = gpgme_op_import_result(m.ctx.get());
    if (!result || result->considered == 0) return fail("importing keys: no OpenPGP keys in the data");
    std::vector<std::string> reported;
    std::string firstError;
    for (gpgme_import_status_t st = result->imports; st; st = st->next) {
        if (st->result) {
            if (firstError.empty()) firstError = errorText(st->result);
        } else if (st->fpr && isHex(st->fpr)) {
            reported.push_back(upper(st->fpr));
        }
    }
    // A bare revocation certificate counts as considered but names no key.
    if (reported.empty() && !firstError.empty()) return fail("importing keys: " + firstError);
    if (reported.empty()) return std::vector<std::string>{};
    // gpg names primary keys here; one listing makes sure of it (and maps a subkey if ever named).
    auto listed = m.keys(reported, false);
    std::vector<std::string> fprs;
    for (const auto& fpr : reported) {
        std::string primary = fpr;
        if (listed) {
            for (const auto& key : *listed)
                if (key->fpr && keyHasId(key.get(), fpr)) primary = upper(key->fpr);
        }
        if (std::find(fprs.begin(), fprs.end(), primary) == fprs.end()) fprs.push_back(std::move(primary));
    }
    return fprs;
}

Result<std::string> Gpg::exportPublicKey(const std::string& fingerprint) {
    Impl& m = *impl_;
    auto fpr = normaliseFingerprint(fingerprint);
    if (!fpr) return fail("export: \"" + fingerprint + "\" is not a fingerprint");
    BoundedSink sink(std::numeric_limits<std::size_t>::max());
    gpgme_error_t err = 0;
    DataPtr out = sink.open(err);
    if (!out) return fail("export: " + errorText(err));
    m.beginOperation();
    if ((err = gpgme_op_export(m.ctx.get(), fpr->c_str(), GPGME_EXPORT_MODE_MINIMAL, out.get())))
        return fail("export " + *fpr + ": " + errorText(err));
    if (sink.text().empty()) return fail("export: no public key " + *fpr + " in " + m.where());
    return std::move(sink.text());
}

Result<std::string> Gpg::createKey(const std::string& userId, const std::string& algorithm,
                                   std::optional<std::chrono::seconds> expiry) {
    Impl& m = *impl_;
    m.keyCache.clear();
    if (trim(userId).empty()) return fail("create key: empty user id");
    if (std::any_of(userId.begin(), userId.end(), [](char c) { return c >= 0 && c < 0x20; }) ||
        userId.find('\x7f') != std::string::npos)
        return fail("create key: the user id contains control characters");
    if (expiry && expiry->count() <= 0) return fail("create key: the expiry must be in the future");
    const bool withPassphrase = m.options.passphrase && !m.options.passphrase->empty();
    unsigned flags = withPassphrase ? 0u : GPGME_CREATE_NOPASSWD;
    if (!expiry) flags |= GPGME_CREATE_NOEXPIRE;
    const auto expires = expiry ? static_cast<unsigned long>(expiry->count()) : 0ul;

    m.beginOperation();
    gpgme_error_t err = gpgme_op_createkey(m.ctx.get(), userId.c_str(), algorithm.c_str(), 0, expires, nullptr, flags);
    gpgme_genkey_result_t result = err ? nullptr : gpgme_op_genkey_result(m.ctx.get());
    if (err || !result || !result->fpr)
        return fail("create key \"" + userId + "\" (" + algorithm + ") in " + m.where() + ": " + errorText(err));
    const std::string fpr = upper(result->fpr);

    // Some algorithms ("rsa3072", "ed25519") make a primary key that only signs.
    KeyPtr key = m.keyWithId(fpr, true);
    if (!key) return fail("create key: the new key " + fpr + " is not in " + m.where());
    if (!keyInfo(key.get()).canEncrypt) {
        const std::string primaryAlgo = keyInfo(key.get()).algorithm;
        const std::string subAlgo = primaryAlgo.rfind("rsa", 0) == 0 ? primaryAlgo : "cv25519";
        if ((err =
                 gpgme_op_createsubkey(m.ctx.get(), key.get(), subAlgo.c_str(), 0, expires, flags | GPGME_CREATE_ENCR)))
            return fail("create key " + fpr + ": adding a " + subAlgo + " encryption subkey: " + errorText(err));
    }
    // gpg stores whether a key's self-signatures verified only for signatures
    // it checked before writing the key, never for those it has just made: so
    // every later gpg process re-verified this key's two self-signatures each
    // time it loaded the key (twice per decrypt, once per signature: 4.4 ms of
    // CPU in a 12 ms decrypt here). Re-certifying the user id makes gpg read,
    // check and rewrite the key with those results kept. The key is not
    // published yet, so its new self-signature changes nothing for anyone.
    if ((err = gpgme_op_set_uid_flag(m.ctx.get(), key.get(), userId.c_str(), "primary", nullptr)))
        return fail("create key " + fpr + ": certifying its user id: " + errorText(err));
    return fpr;
}

void stopAgent(const std::filesystem::path& home) {
    std::string homeText = home.string();
    char arg0[] = "gpgconf", arg1[] = "--homedir", arg3[] = "--kill", arg4[] = "all";
    char* argv[] = {arg0, arg1, homeText.data(), arg3, arg4, nullptr};
    posix_spawn_file_actions_t actions;
    if (posix_spawn_file_actions_init(&actions) != 0) return;
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, "gpgconf", &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return;
    int status = 0;
    // ECHILD (a process-wide reaper got it first) is fine: the agent is told either way.
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

}  // namespace secmaild::pgp
