// secmaild end to end with OpenPGP on (tests/integration): secmaild's key
// from `secmailctl key init`, a researcher and a maintainer (the lead) with
// their own GnuPG homes, each side holding the other's public key, and the
// lead's key as the maintainers' keys file.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "pgp_mail.hpp"
#include "secmaild_fixture.hpp"

namespace secmaild::testing::e2e {

class PgpFixture {
public:
    explicit PgpFixture(const std::string& extraConfig = "", std::filesystem::path policy = {})
        : f_(config() + extraConfig, std::move(policy)) {
        auto made = f_.secmailctl("key init");
        REQUIRE_MESSAGE(made.ok(), made.err);
        auto ours = f_.secmailctl("key export");
        REQUIRE_MESSAGE(ours.ok(), ours.err);
        ourKey_ = ours.out;
        researcher_ = identity("r", "Jane Researcher", kResearcher);
        lead_ = identity("l", "Lea Lead", kLead);
        REQUIRE(importPublicKey(researcher_, ourKey_));
        REQUIRE(importPublicKey(lead_, ourKey_));
        auto leadKey = exportPublicKey(lead_);
        REQUIRE(leadKey);
        std::ofstream(f_.dir() / "maintainers.asc") << *leadKey;
        auto check = f_.secmaild({"--check-config"});
        REQUIRE_MESSAGE(check.ok(), (check.err + check.out));
        auto listed = f_.ctlJson("maintainers");
        REQUIRE(listed["keys"].size() == 1);
        CHECK(listed["keys"][0]["fingerprint"] == lead_.fingerprint);
        ourFingerprint_ = fingerprintOf(ourKey_);
        REQUIRE(ourFingerprint_.size() == 40);
    }
    ~PgpFixture() {
        stopAgent(researcher_);
        stopAgent(lead_);
        GpgIdentity ours{f_.dir() / "g", "", "", ""};
        stopAgent(ours);
    }

    static std::string config() {
        return "[gpg]\nhome = \"g\"\nkey_url = \"https://example.org/.well-known/security.asc\"\n"
               "[maintainers]\nkeys = \"maintainers.asc\"\n[notify]\nmaintainers = [\"" +
               kLead + "\"]\n";
    }

    GpgIdentity identity(const std::string& dir, const std::string& name, const std::string& email) {
        auto id = makeGpgIdentity(f_.dir() / dir, name, email);
        REQUIRE_MESSAGE(id, (id ? "" : id.error().message));
        return *id;
    }

    // The fingerprint of the one key in armored key data (via gpg --show-keys).
    std::string fingerprintOf(const std::string& armored) {
        std::ofstream(f_.dir() / "k.asc") << armored;
        auto r = runCommand({"gpg", "--batch", "--with-colons", "--show-keys", (f_.dir() / "k.asc").string()}, {});
        for (auto line : splitLines(r.out))
            if (line.substr(0, 4) == "fpr:") return std::string(split(line, ':').at(9));
        return "";
    }

    std::string mutt(const MuttMail& mail, const GpgIdentity& from) {
        auto raw = muttCompose(from, mail);
        REQUIRE_MESSAGE(raw, (raw ? "" : raw.error().message));
        return toCrlf(*raw);
    }

    // The one mail in `user`'s inbox of this kind (by subject prefix).
    std::vector<std::string> rawInbox(const std::string& user, std::size_t n) {
        CHECK_MESSAGE(f_.env().waitForMessages(user, n, 30s), f_.env().logs());
        auto all = f_.env().fetchAll(user);
        REQUIRE(all);
        return *all;
    }

    // Decrypts a multipart/encrypted mail as `who`.
    GpgResult decryptMail(const GpgIdentity& who, const std::string& raw) {
        auto parsed = mime::parseMessage(raw);
        REQUIRE(parsed.parts.size() >= 3);
        CHECK(parsed.parts[0].contentType == "multipart/encrypted");
        auto result = gpgDecrypt(who, parsed.parts[2].decoded);
        REQUIRE_MESSAGE(result, (result ? "" : result.error().message));
        return *result;
    }

    // Verifies a multipart/signed mail as `who`; returns the signed part's text.
    GpgResult verifyMail(const GpgIdentity& who, const std::string& raw) {
        auto parsed = mime::parseMessage(raw);
        REQUIRE(parsed.parts.size() >= 3);
        CHECK(parsed.parts[0].contentType == "multipart/signed");
        const auto& first = parsed.parts[1];
        auto result = gpgVerifyDetached(who, raw.substr(first.rawBegin, first.rawEnd - first.rawBegin),
                                        parsed.parts[2].decoded);
        REQUIRE_MESSAGE(result, (result ? "" : result.error().message));
        result->plaintext = mime::parseMessage(raw.substr(first.rawBegin, first.rawEnd - first.rawBegin)).text;
        return *result;
    }

    Fixture f_;
    std::string ourKey_;
    std::string ourFingerprint_;
    GpgIdentity researcher_;
    GpgIdentity lead_;
};

}  // namespace secmaild::testing::e2e
