// Tests of the OpenPGP test-mail support (tests/support/pgp_mail): real mutt and gpg produce
// PGP/MIME and inline PGP mail, checked by decrypting and verifying with gpg as the recipient.
// A missing tool fails these tests; they never skip.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "harness_util.hpp"
#include "pgp_mail.hpp"
#include "process.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace secmaild::testing;

namespace {

template <class T>
std::string errorText(const secmaild::Result<T>& r) {
    return r.ok() ? std::string() : r.error().message;
}

// A reporter and the security team, each knowing the other's public key, in a short /tmp path
// (gpg-agent sockets). Agents are stopped and the homes removed at the end.
class Pair {
public:
    Pair() {
        std::string pattern = "/tmp/pm-XXXXXX";
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        root_ = pattern;
        reporter = make("reporter", "Rita Reporter", "rita@researcher.test");
        team = make("team", "Security Team", "security@example.org");
        link(reporter, team);
        link(team, reporter);
    }
    ~Pair() {
        stopAgent(reporter);
        stopAgent(team);
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    Pair(const Pair&) = delete;
    Pair& operator=(const Pair&) = delete;

    const fs::path& root() const { return root_; }
    // A file in the test directory with this content.
    fs::path file(const std::string& name, const std::string& content) const {
        const fs::path p = root_ / name;
        REQUIRE(writeFile(p, content).ok());
        return p;
    }

    GpgIdentity reporter;
    GpgIdentity team;

private:
    GpgIdentity make(const std::string& dir, const std::string& name, const std::string& email) {
        auto id = makeGpgIdentity(root_ / dir, name, email);
        REQUIRE_MESSAGE(id.ok(), errorText(id));
        CHECK(id->fingerprint.size() == 40);
        return *id;
    }
    static void link(const GpgIdentity& into, const GpgIdentity& of) {
        auto key = exportPublicKey(of);
        REQUIRE_MESSAGE(key.ok(), errorText(key));
        const auto st = importPublicKey(into, *key);
        REQUIRE_MESSAGE(st.ok(), errorText(st));
    }
    fs::path root_;
};

bool contains(const std::string& s, const std::string& what) {
    return s.find(what) != std::string::npos;
}

// The value of boundary="..." in the message's first header block.
std::string boundaryOf(const std::string& raw) {
    const auto headerEnd = raw.find("\n\n");
    const auto at = raw.find("boundary=\"");
    if (at == std::string::npos || at > headerEnd) return "";
    const auto start = at + 10;
    return raw.substr(start, raw.find('"', start) - start);
}

// The parts of a multipart body as they are between the delimiter lines ('\n' line ends; the
// line end before a delimiter belongs to the delimiter, RFC 2046 §5.1.1).
std::vector<std::string> partsOf(const std::string& raw, const std::string& boundary) {
    std::vector<std::string> parts;
    const std::string delimiter = "\n--" + boundary;
    auto pos = raw.find(delimiter);
    while (pos != std::string::npos) {
        const auto lineEnd = raw.find('\n', pos + 1);
        if (lineEnd == std::string::npos || raw.compare(pos + delimiter.size(), 2, "--") == 0) break;
        const auto next = raw.find(delimiter, lineEnd);
        if (next == std::string::npos) break;
        parts.push_back(raw.substr(lineEnd + 1, next - lineEnd - 1));
        pos = next;
    }
    return parts;
}

std::string bodyOf(const std::string& part) {
    const auto blank = part.find("\n\n");
    return blank == std::string::npos ? "" : part.substr(blank + 2);
}

std::vector<int> leftoverMutts() {
    ProcessMatch match;
    match.cmdlinePrefixes.push_back("mutt -n -F /tmp/pgpm.");
    return findProcesses(match);
}

}  // namespace

TEST_CASE(
    "a signed and encrypted PGP/MIME mail from mutt decrypts for the recipient to the body, the "
    "attachment and a good signature by the sender") {
    Pair p;
    MuttMail mail;
    mail.to = p.team.email;
    mail.subject = "Heap overflow in the parser";
    mail.body = "Hello,\nthe marker BODY-7f3a is in this report.\n";
    mail.attachments.push_back(p.file("poc.txt", "ATTACHMENT-91c2 proof of concept\n"));
    mail.extraHeaders = {{"X-Report-Id", "R-17"}};
    mail.crypto = MuttCrypto::SignEncrypt;

    const auto raw = muttCompose(p.reporter, mail);
    REQUIRE_MESSAGE(raw.ok(), errorText(raw));
    CHECK(contains(*raw, "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\""));
    CHECK(contains(*raw, "Content-Type: application/pgp-encrypted"));
    CHECK(contains(*raw, "-----BEGIN PGP MESSAGE-----"));
    CHECK(contains(*raw, "To: security@example.org"));
    CHECK(contains(*raw, "X-Report-Id: R-17"));
    CHECK_FALSE(contains(*raw, "BODY-7f3a"));
    CHECK_FALSE(contains(*raw, "ATTACHMENT-91c2"));

    const auto inner = gpgDecrypt(p.team, *raw);
    REQUIRE_MESSAGE(inner.ok(), errorText(inner));
    CHECK(inner->decrypted);
    CHECK(inner->goodSignature);
    CHECK(inner->signerFingerprint == p.reporter.fingerprint);
    CHECK(contains(inner->plaintext, "Content-Type: multipart/mixed"));
    CHECK(contains(inner->plaintext, "BODY-7f3a"));
    CHECK(contains(inner->plaintext, "filename=\"poc.txt\""));
    CHECK(contains(inner->plaintext, "ATTACHMENT-91c2 proof of concept"));

    // pgp_self_encrypt=no: only the recipient can read it.
    CHECK_FALSE(gpgDecrypt(p.reporter, *raw).ok());
}

TEST_CASE(
    "a signed-only PGP/MIME mail from mutt is multipart/signed with micalg and its detached "
    "signature verifies over the first part with CRLF line ends") {
    Pair p;
    MuttMail mail;
    mail.to = p.team.email;
    mail.subject = "Signed only";
    mail.body = "Readable text SIGNED-55d0.\n";
    mail.crypto = MuttCrypto::Sign;

    const auto raw = muttCompose(p.reporter, mail);
    REQUIRE_MESSAGE(raw.ok(), errorText(raw));
    CHECK(contains(*raw, "Content-Type: multipart/signed; micalg=pgp-sha"));
    CHECK(contains(*raw, "protocol=\"application/pgp-signature\""));
    CHECK(contains(*raw, "SIGNED-55d0"));

    const auto parts = partsOf(*raw, boundaryOf(*raw));
    REQUIRE(parts.size() == 2);
    CHECK(contains(parts[1], "Content-Type: application/pgp-signature"));
    const auto verified = gpgVerifyDetached(p.team, toCrlf(parts[0]), bodyOf(parts[1]));
    REQUIRE_MESSAGE(verified.ok(), errorText(verified));
    CHECK(verified->goodSignature);
    CHECK(verified->signerFingerprint == p.reporter.fingerprint);

    // The same signature over altered content is bad: the check above is a real one.
    std::string altered = toCrlf(parts[0]);
    altered.replace(altered.find("SIGNED-55d0"), 11, "SIGNED-55d1");
    const auto tampered = gpgVerifyDetached(p.team, altered, bodyOf(parts[1]));
    REQUIRE(tampered.ok());
    CHECK_FALSE(tampered->goodSignature);
}

TEST_CASE(
    "an encrypted-only mutt mail with the sender's key attached decrypts to an application/pgp-keys "
    "part and carries no signature") {
    Pair p;
    MuttMail mail;
    mail.to = "Security Team <" + p.team.email + ">";
    mail.subject = "Key attached";
    mail.body = "My key is attached.\n";
    mail.crypto = MuttCrypto::Encrypt;
    mail.attachPublicKey = true;

    const auto raw = muttCompose(p.reporter, mail);
    REQUIRE_MESSAGE(raw.ok(), errorText(raw));
    CHECK(contains(*raw, "multipart/encrypted"));
    const auto inner = gpgDecrypt(p.team, *raw);
    REQUIRE_MESSAGE(inner.ok(), errorText(inner));
    CHECK(inner->decrypted);
    CHECK_FALSE(inner->goodSignature);
    CHECK(contains(inner->plaintext, "Content-Type: application/pgp-keys"));
    CHECK(contains(inner->plaintext, "-----BEGIN PGP PUBLIC KEY BLOCK-----"));
}

TEST_CASE("a mutt mail without crypto is plain text") {
    Pair p;
    MuttMail mail;
    mail.to = p.team.email;
    mail.subject = "Plain";
    mail.body = "Nothing secret PLAIN-0b1e.\n";
    mail.crypto = MuttCrypto::None;
    const auto raw = muttCompose(p.reporter, mail);
    REQUIRE_MESSAGE(raw.ok(), errorText(raw));
    CHECK(contains(*raw, "PLAIN-0b1e"));
    CHECK_FALSE(contains(*raw, "multipart/encrypted"));
    CHECK_FALSE(contains(*raw, "multipart/signed"));
    CHECK_FALSE(contains(*raw, "BEGIN PGP"));
}

TEST_CASE(
    "an inline signed and encrypted block made by gpg, in a plain message, decrypts with a good "
    "signature") {
    Pair p;
    const auto block = gpgArmor(p.reporter, p.team.fingerprint, "Inline secret INLINE-4411\n", InlineKind::EncryptSign);
    REQUIRE_MESSAGE(block.ok(), errorText(block));
    CHECK(contains(*block, "-----BEGIN PGP MESSAGE-----"));
    CHECK_FALSE(contains(*block, "INLINE-4411"));

    const std::string message =
        plainMessage(p.reporter.name, p.reporter.email, p.team.email, "Inline report", "Hi,\n\n" + *block + "\nRita\n");
    CHECK(contains(message, "Content-Type: text/plain; charset=utf-8\r\n"));
    CHECK(contains(message, "\r\n-----BEGIN PGP MESSAGE-----\r\n"));
    const auto inner = gpgDecrypt(p.team, message);
    REQUIRE_MESSAGE(inner.ok(), errorText(inner));
    CHECK(inner->decrypted);
    CHECK(inner->goodSignature);
    CHECK(inner->signerFingerprint == p.reporter.fingerprint);
    CHECK(inner->plaintext == "Inline secret INLINE-4411\n");

    const auto encryptOnly = gpgArmor(p.reporter, p.team.fingerprint, "No signature\n", InlineKind::Encrypt);
    REQUIRE_MESSAGE(encryptOnly.ok(), errorText(encryptOnly));
    const auto plain = gpgDecrypt(p.team, *encryptOnly);
    REQUIRE_MESSAGE(plain.ok(), errorText(plain));
    CHECK(plain->decrypted);
    CHECK_FALSE(plain->goodSignature);
}

TEST_CASE("an inline clear-signed text verifies, stays readable, and fails verification once altered") {
    Pair p;
    const auto block = gpgArmor(p.reporter, "", "Clear text CLEAR-2c7e\n", InlineKind::ClearSign);
    REQUIRE_MESSAGE(block.ok(), errorText(block));
    CHECK(contains(*block, "-----BEGIN PGP SIGNED MESSAGE-----"));
    CHECK(contains(*block, "Clear text CLEAR-2c7e"));

    const std::string message = plainMessage(p.reporter.name, p.reporter.email, p.team.email, "Signed report", *block);
    const auto verified = gpgDecrypt(p.team, message);
    REQUIRE_MESSAGE(verified.ok(), errorText(verified));
    CHECK_FALSE(verified->decrypted);
    CHECK(verified->goodSignature);
    CHECK(verified->signerFingerprint == p.reporter.fingerprint);
    CHECK(contains(verified->plaintext, "Clear text CLEAR-2c7e"));

    std::string altered = message;
    altered.replace(altered.find("CLEAR-2c7e"), 10, "CLEAR-2c7f");
    const auto bad = gpgDecrypt(p.team, altered);
    REQUIRE_MESSAGE(bad.ok(), errorText(bad));
    CHECK_FALSE(bad->goodSignature);

    const auto signedOnly = gpgArmor(p.reporter, "", "Opaque signed\n", InlineKind::Sign);
    REQUIRE_MESSAGE(signedOnly.ok(), errorText(signedOnly));
    CHECK(contains(*signedOnly, "-----BEGIN PGP MESSAGE-----"));
    const auto opened = gpgDecrypt(p.team, *signedOnly);
    REQUIRE_MESSAGE(opened.ok(), errorText(opened));
    CHECK_FALSE(opened->decrypted);
    CHECK(opened->goodSignature);
    CHECK(opened->plaintext == "Opaque signed\n");
}

TEST_CASE("a plain message has CRLF line ends, encoded non-ASCII subject and the given extra headers") {
    const std::string m = plainMessage("Rita Reporter", "rita@researcher.test", "security@example.org", "Überlauf",
                                       "line one\nline two\n", {{"In-Reply-To", "<a@b>"}});
    CHECK(contains(m, "From: Rita Reporter <rita@researcher.test>\r\n"));
    CHECK(contains(m, "Subject: =?UTF-8?B?w5xiZXJsYXVm?=\r\n"));
    CHECK(contains(m, "In-Reply-To: <a@b>\r\n"));
    CHECK(contains(m, "Message-ID: <"));
    CHECK(contains(m, "@researcher.test>\r\n"));
    CHECK(contains(m, "\r\n\r\nline one\r\nline two\r\n"));
    std::size_t bareLf = 0;
    for (std::size_t i = 0; i < m.size(); ++i)
        if (m[i] == '\n' && (i == 0 || m[i - 1] != '\r')) ++bareLf;
    CHECK(bareLf == 0);
}

TEST_CASE(
    "encrypting to a recipient whose key is missing fails at once, and mutt itself is stopped at "
    "the timeout instead of hanging") {
    Pair p;
    MuttMail mail;
    mail.to = "nokey@elsewhere.test";
    mail.subject = "No key";
    mail.body = "text\n";
    mail.crypto = MuttCrypto::SignEncrypt;

    auto start = std::chrono::steady_clock::now();
    const auto checked = muttCompose(p.reporter, mail);
    REQUIRE_FALSE(checked.ok());
    CHECK(contains(checked.error().message, "nokey@elsewhere.test"));
    CHECK(std::chrono::steady_clock::now() - start < 5s);

    mail.skipKeyCheck = true;
    mail.timeout = 3s;
    start = std::chrono::steady_clock::now();
    const auto hung = muttCompose(p.reporter, mail);
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(hung.ok());
    CHECK(contains(hung.error().message, "did not finish"));
    CHECK(took >= 3s);
    CHECK(took < 15s);
    CHECK(leftoverMutts().empty());
}
