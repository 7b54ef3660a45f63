// OpenPGP mail made by real clients, for integration tests: throwaway GnuPG identities (the gpg
// command line), PGP/MIME mail composed by real mutt (gpgme backend) on a pseudo-terminal, inline
// PGP blocks made by gpg, and decryption/verification with gpg to check what secmaild sends.
// Nothing OpenPGP-related is built by hand here. Needs gpg, gpgconf, mutt and util-linux's
// `script` in PATH. Not a PGP library: no key management beyond what tests need, no parsing of
// the MIME that mutt writes.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "secmaild/util/result.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::testing {

struct GpgIdentity {
    std::filesystem::path home;  // GNUPGHOME
    std::string name;
    std::string email;
    std::string fingerprint;  // of the primary (signing) key, 40 upper-case hex digits
};

// A fresh GnuPG home at `home` (created with mode 0700; it must not hold a keyring yet) with an
// ed25519 signing primary key and a cv25519 encryption subkey for "name <email>", no passphrase,
// no expiry. gpg-agent puts its sockets in the home and socket paths are limited to 107 bytes:
// keep `home` short (e.g. /tmp/pm-XXXXXX/alice); a path too long for them is an error here.
// Call stopAgent() when done. Errors carry gpg's output; throws only std::bad_alloc.
Result<GpgIdentity> makeGpgIdentity(const std::filesystem::path& home, const std::string& name,
                                    const std::string& email);

// The identity's public key (primary + subkey), ASCII-armored.
Result<std::string> exportPublicKey(const GpgIdentity& who);

// Imports armored public keys into `into`'s keyring and certifies each imported key with a
// local (non-exportable) signature by `into`, so the key is fully valid there: gpg then
// encrypts to it in batch mode and mutt uses it without asking.
Status importPublicKey(const GpgIdentity& into, const std::string& armored);

enum class MuttCrypto { None, Sign, Encrypt, SignEncrypt };

struct MuttMail {
    // Recipients, comma-separated ("a@x.org" or "Name <a@x.org>").
    std::string to;
    std::string subject;  // UTF-8; mutt encodes it (RFC 2047) when needed
    std::string body;     // UTF-8 text, '\n' line ends
    // Files attached as they are; mutt picks the type from /etc/mime.types or their content.
    std::vector<std::filesystem::path> attachments;
    MuttCrypto crypto = MuttCrypto::SignEncrypt;
    // Attaches the sender's public key with mutt's own <attach-key> (application/pgp-keys).
    bool attachPublicKey = false;
    // More header fields ("In-Reply-To", "<id@x>"), written into the draft mutt reads; mutt
    // keeps unknown ones. A "Cc" here is a recipient too (its key is checked for Encrypt).
    std::vector<std::pair<std::string, std::string>> extraHeaders;
    // mutt is killed at this deadline (it waits on its terminal for anything unexpected).
    std::chrono::milliseconds timeout{30'000};
    // Skips the check that every recipient has exactly one valid encryption key in from.home,
    // so that a test can see the timeout itself work. Leave false.
    bool skipKeyCheck = false;
};

// Composes and "sends" the mail with real mutt 2.x: gpgme backend (crypt_use_gpgme), PGP/MIME
// (multipart/encrypted, multipart/signed with micalg), signing as from.fingerprint, encrypting
// to the recipients' keys in from.home (not to the sender: pgp_self_encrypt=no). mutt runs on a
// pseudo-terminal under `script`, because in batch mode without one it sends in clear whatever
// the crypt settings. Its $sendmail is a capture script; the result is the exact bytes mutt
// handed to it ('\n' line ends, as for a local sendmail: see toCrlf()). Inline PGP is not
// offered: mutt's gpgme backend always writes PGP/MIME (inline needs its classic pgp_*_command
// backend); make inline mail with gpgArmor() + plainMessage().
// Fails (with mutt's screen, escape sequences removed) when a recipient has no valid key in
// from.home (checked before mutt starts: mutt would prompt for one forever), an attachment is
// missing, mutt exits without sending, or mail.timeout passes. Throws only std::bad_alloc.
Result<std::string> muttCompose(const GpgIdentity& from, const MuttMail& mail);

// Inline PGP made by the gpg command line, as the armored text gpg writes ('\n' line ends).
enum class InlineKind {
    EncryptSign,  // gpg --encrypt --sign --armor: BEGIN PGP MESSAGE
    Encrypt,      // gpg --encrypt --armor
    ClearSign,    // gpg --clearsign: BEGIN PGP SIGNED MESSAGE, the text readable
    Sign,         // gpg --sign --armor: BEGIN PGP MESSAGE, but only signed (not encrypted)
};
// `recipientFingerprint` is the key to encrypt to (its public key must be valid in from.home,
// see importPublicKey); "" for ClearSign and Sign. Signs as from.fingerprint.
Result<std::string> gpgArmor(const GpgIdentity& from, const std::string& recipientFingerprint, const std::string& plain,
                             InlineKind kind);

// A complete RFC 5322 message with CRLF line ends around a text body: From ("fromName"
// <fromAddr>), To, Subject, Date (now), Message-ID (random, @ the sender's domain),
// MIME-Version, Content-Type text/plain; charset=utf-8, Content-Transfer-Encoding 8bit, then
// `extraHeaders` as given. A non-ASCII subject or name is RFC 2047-encoded; the body's line ends
// become CRLF. Header values are not checked: a test may need broken ones.
std::string plainMessage(const std::string& fromName, const std::string& fromAddr, const std::string& to,
                         const std::string& subject, const std::string& body,
                         const std::vector<std::pair<std::string, std::string>>& extraHeaders = {});

// Bare '\n' line ends become "\r\n" (existing "\r\n" stay), for handing mutt's output to SMTP.
using secmaild::toCrlf;  // util/strings.hpp

// What gpg made of an OpenPGP message or signature.
struct GpgResult {
    std::string plaintext;          // the decrypted or signed content ("" for a detached signature)
    bool decrypted = false;         // gpg decrypted it (DECRYPTION_OKAY)
    bool goodSignature = false;     // a good signature (GOODSIG + VALIDSIG) was found
    std::string signerFingerprint;  // primary key fingerprint of the good signature's key
    std::string status;             // gpg's --status-file lines, for failure messages
};

// Decrypts and/or verifies `data` (armored, binary, or a whole mail with one armored block in
// it) as `as`, with `gpg --decrypt`. Fails when gpg produced no plaintext (not for us, no
// OpenPGP data, corrupt); a bad or unknown signature is not a failure: goodSignature is false.
Result<GpgResult> gpgDecrypt(const GpgIdentity& as, const std::string& armoredOrBinary);

// Verifies a detached signature over exactly `signedBytes` (for multipart/signed: the first
// part as it is on the wire, with CRLF line ends) with `gpg --verify`. Fails only when gpg
// did not run; a bad signature gives goodSignature false.
Result<GpgResult> gpgVerifyDetached(const GpgIdentity& as, const std::string& signedBytes,
                                    const std::string& signature);

// Stops the identity's gpg-agent (and any other GnuPG daemon of that home).
void stopAgent(const GpgIdentity& who);

}  // namespace secmaild::testing
