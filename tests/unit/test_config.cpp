// The config loader: the shipped example is valid, defaults fill the rest,
// and each documented mistake is reported with the file and the key.
#include <doctest/doctest.h>

#include "secmaild/config/config.hpp"

using namespace secmaild;
using namespace secmaild::config;

namespace {
const std::string kMinimal = R"(
[imap]
url = "imaps://imap.example.org/INBOX"
user = "security@example.org"
password_file = "imap.pw"

[smtp]
url = "smtps://smtp.example.org"
from = "security@example.org"

[policy]
file = "policies/p.toml"
)";

bool hasProblem(const std::string& text, const std::string& key, const std::string& words) {
    auto r = parseConfig(text, "/etc/secmaild/secmaild.toml");
    for (const auto& p : r.problems)
        if (p.key == key && p.message.find(words) != std::string::npos && p.file == "/etc/secmaild/secmaild.toml")
            return true;
    for (const auto& p : r.problems) MESSAGE(describe(p));
    return false;
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}
}  // namespace

TEST_CASE("the shipped example config is valid") {
    auto r = loadConfig(std::filesystem::path(SECMAILD_SOURCE_DIR) / "config" / "secmaild.toml");
    for (const auto& p : r.problems) MESSAGE(describe(p));
    REQUIRE(r.config);
    CHECK(r.config->imap->mailbox == "INBOX");
    CHECK(r.config->answers.perSenderPerHour == 5);
}

TEST_CASE("a minimal config gets the documented defaults and resolves paths against its directory") {
    auto r = parseConfig(kMinimal, "/etc/secmaild/secmaild.toml");
    REQUIRE(r.config);
    const auto& c = *r.config;
    CHECK(c.imap->pollInterval == std::chrono::seconds{60});
    CHECK(c.imap->mark == MarkMode::Keyword);
    CHECK(c.imap->keyword == "$SecmaildFiled");
    CHECK(c.imap->tls == TlsMode::Required);
    CHECK(c.imap->tlsVerify);
    CHECK(c.imap->password.file == "/etc/secmaild/imap.pw");
    CHECK(c.policyFile == "/etc/secmaild/policies/p.toml");
    CHECK(c.templatesDir == "/etc/secmaild/templates");
    CHECK(c.storePath == "/var/lib/secmaild/secmaild.db");
    CHECK(c.limits.maxDepth == 30);
    CHECK(c.ownAddresses() == std::vector<std::string>{"security@example.org"});
}

TEST_CASE("passwords and the passphrase may come from systemd credentials, named by a plain file name") {
    auto credentials = replace(kMinimal, "password_file = \"imap.pw\"", "password_credential = \"secmaild_imap-password\"");
    auto r = parseConfig(credentials + "[gpg]\npassphrase_credential = \"secmaild_gpg-passphrase\"\n",
                         "/etc/secmaild/secmaild.toml");
    for (const auto& p : r.problems) MESSAGE(describe(p));
    REQUIRE(r.config);
    CHECK(r.config->imap->password.credential == "secmaild_imap-password");
    CHECK(r.config->imap->password.file.empty());
    CHECK(r.config->gpg->passphrase.credential == "secmaild_gpg-passphrase");
    CHECK(hasProblem(replace(kMinimal, "password_file = \"imap.pw\"", "password_credential = \"../../etc/shadow\""),
                     "imap.password_credential", "credential name"));
    CHECK(hasProblem(replace(kMinimal, "password_file = \"imap.pw\"", ""), "imap.password_file", "password_credential"));
}

TEST_CASE("the mailbox is the path of the IMAP URL") {
    auto r = parseConfig(replace(kMinimal, "/INBOX\"", "/Security%20Reports\""), "c.toml");
    REQUIRE(r.config);
    CHECK(r.config->imap->mailbox == "Security Reports");
}

TEST_CASE("config mistakes are reported with the file and the key") {
    CHECK(hasProblem(kMinimal + "[extra]\nx = 1\n", "extra", "unknown key"));
    CHECK(hasProblem(replace(kMinimal, "[smtp]", "[smtp]\nport = 25"), "smtp.port", "unknown key"));
    CHECK(hasProblem(replace(kMinimal, "user = \"security@example.org\"\n", ""), "imap.user", "required"));
    CHECK(hasProblem(replace(kMinimal, "imaps://imap.example.org", "imaps://me:secret@imap.example.org"), "imap.url",
                     "must not contain a user name or password"));
    CHECK(hasProblem(replace(kMinimal, "imaps://imap.example.org", "pop3://imap.example.org"), "imap.url",
                     "must start with"));
    CHECK(hasProblem(replace(kMinimal, "[imap]", "[imap]\ntls = \"none\""), "imap.tls", "imaps://"));
    CHECK(hasProblem(replace(replace(kMinimal, "imaps://imap.example.org", "imap://imap.example.org"), "[imap]",
                             "[imap]\ntls = \"none\""),
                     "imap.tls", "only allowed for a server on this machine"));
    CHECK(hasProblem(replace(kMinimal, "[imap]", "[imap]\npoll_interval = \"soon\""), "imap.poll_interval",
                     "not a duration"));
    CHECK(hasProblem(replace(kMinimal, "[imap]", "[imap]\nmark = \"delete\""), "imap.mark", "keyword"));
    CHECK(hasProblem(replace(kMinimal, "[imap]", "[imap]\nkeyword = \"\\\\Seen\""), "imap.keyword", "IMAP keyword"));
    CHECK(hasProblem(replace(kMinimal, "[imap]", "[imap]\nmove_to = \"Filed/*\""), "imap.move_to", "wildcards"));
    CHECK(hasProblem(replace(kMinimal, "from = \"security@example.org\"", "from = \"Security <s@x>\""), "smtp.from",
                     "plain address"));
    CHECK(hasProblem(kMinimal + "[limits]\nmax_depth = 0\n", "limits.max_depth", "between"));
    CHECK(hasProblem(kMinimal + "[limits]\nmax_message_size = \"lots\"\n", "limits.max_message_size", "size in bytes"));
    CHECK(
        hasProblem(kMinimal + "[answers]\nper_sender_per_hour = \"five\"\n", "answers.per_sender_per_hour", "integer"));
    CHECK(hasProblem(kMinimal + "[log]\nlevel = \"chatty\"\n", "log.level", "one of"));
    CHECK(hasProblem(replace(kMinimal, "[policy]\nfile = \"policies/p.toml\"\n", ""), "policy", "required"));
}

TEST_CASE("sizes are written in bytes or with K, M and G") {
    auto r = parseConfig(kMinimal + "[limits]\nmax_message_size = \"20M\"\nmax_header_line = 2000\n", "c.toml");
    REQUIRE(r.config);
    CHECK(r.config->limits.maxMessageBytes == 20u << 20);
    CHECK(r.config->limits.maxHeaderLine == 2000);
}

TEST_CASE("a TOML syntax error names the line") {
    auto r = parseConfig("[imap\nurl = 1", "bad.toml");
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].file == "bad.toml");
    CHECK(r.problems[0].message.find("line 1") != std::string::npos);
}

TEST_CASE("a missing config file is reported, not thrown") {
    auto r = loadConfig("/nonexistent/secmaild.toml");
    REQUIRE(r.problems.size() == 1);
    CHECK_FALSE(r.config);
}

TEST_CASE("without an [imap] section secmaild takes mail only through ingest") {
    auto r = parseConfig(kMinimal.substr(kMinimal.find("[smtp]")), "c.toml");
    REQUIRE(r.config);
    CHECK_FALSE(r.config->imap);
}

TEST_CASE("without [gpg] OpenPGP is off and the store is not encrypted; with it, both are on by default") {
    auto off = parseConfig(kMinimal, "/etc/secmaild/secmaild.toml");
    REQUIRE(off.config);
    CHECK_FALSE(off.config->gpg);
    CHECK_FALSE(off.config->atRest.encrypt);
    auto on = parseConfig(kMinimal + "[store]\npath = \"/var/lib/s/s.db\"\n[gpg]\n", "/etc/secmaild/secmaild.toml");
    REQUIRE(on.config);
    REQUIRE(on.config->gpg);
    CHECK(on.config->gpg->home == "/var/lib/s/gnupg");
    CHECK(on.config->gpg->signAnswers);
    CHECK(on.config->gpg->encryptAnswers);
    CHECK(on.config->atRest.encrypt);
    CHECK(on.config->atRest.archiveRecipients == std::vector<std::string>{"maintainers"});
}

TEST_CASE("OpenPGP settings that cannot work are reported with their key") {
    CHECK(hasProblem(kMinimal + "[store]\nencrypt = true\n", "store", "needs a [gpg] section"));
    CHECK(hasProblem(kMinimal + "[gpg]\nhome = \"/" + std::string(90, 'x') + "\"\n", "gpg.home", "80 characters"));
    CHECK(hasProblem(kMinimal + "[gpg]\nkey = \"ABCD\"\n", "gpg.key", "40-hex fingerprint"));
    CHECK(hasProblem(kMinimal + "[gpg]\n[store]\narchive_recipients = [\"bob\"]\n", "store.archive_recipients",
                     "neither"));
    CHECK(hasProblem(kMinimal + "[notify]\nmaintainers = [\"not an address\"]\n", "notify.maintainers",
                     "not a plain address"));
    CHECK(hasProblem(kMinimal + "[maintainers]\n", "maintainers.keys", "required"));
    CHECK(hasProblem(kMinimal + "[gpg]\npassphrase = \"inline\"\n", "gpg.passphrase", "unknown"));
}
