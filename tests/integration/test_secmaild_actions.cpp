// The policy enforced end to end, in real time: personal-chatter's policy
// compressed to seconds (assessment within 8 s, repeats every 3 s, the
// second level 4 s after the deadline), the daemon running against the test
// Dovecot and Postfix, maintainers' commands written and signed by real mutt.
// A report nobody assesses produces the warning, the missed-window mail and
// the second-level mail in the maintainers' mailboxes; an unsigned command
// from a maintainer's address is refused; a signed #assess stops the alerts
// and the reporter gets the status mail; a replayed signature is refused; a
// #reply reaches the reporter.
#include <doctest/doctest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "pgp_fixture.hpp"

extern char** environ;

using namespace secmaild;
using namespace secmaild::testing;
using namespace secmaild::testing::e2e;

namespace {

std::string readText(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void replaceOnce(std::string& text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, "the shipped policy no longer has: " << from);
    text.replace(at, from.size(), to);
}

// personal-chatter.toml with its assessment window and escalation in seconds.
std::filesystem::path drillPolicy(const TempDir& dir) {
    auto text = readText(std::filesystem::path(SECMAILD_SOURCE_DIR) / "config/policies/personal-chatter.toml");
    replaceOnce(text, "within = \"72h\"", "within = \"8s\"");
    replaceOnce(text, "repeat_every = \"24h\"", "repeat_every = \"3s\"");
    replaceOnce(text, "addresses = [\"security@personal-chatter.org\"]\nafter = \"0h\"",
                "addresses = [\"" + kLead + "\"]\nafter = \"0h\"");
    replaceOnce(text, "addresses = [\"security@personal-chatter.org\"]\nafter = \"48h\"",
                "addresses = [\"" + kOther + "\"]\nafter = \"4s\"");
    auto path = dir / "drill.toml";
    std::ofstream(path) << text;
    return path;
}

class Daemon {
public:
    explicit Daemon(const std::filesystem::path& config) {
        std::string c = config.string();
        const char* argv[] = {SECMAILD_BINARY, "--config", c.c_str(), nullptr};
        REQUIRE(posix_spawn(&pid_, SECMAILD_BINARY, nullptr, nullptr, const_cast<char**>(argv), environ) == 0);
    }
    ~Daemon() {
        ::kill(pid_, SIGTERM);
        int status = 0;
        for (int i = 0; i < 200; ++i) {
            if (::waitpid(pid_, &status, WNOHANG) == pid_) return;
            std::this_thread::sleep_for(50ms);
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
    }
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

private:
    pid_t pid_ = 0;
};

std::vector<std::string> subjectsIn(Fixture& f, const std::string& user) {
    std::vector<std::string> out;
    for (const auto& m : f.inbox(user)) out.push_back(m.subject);
    return out;
}

std::size_t countStartingWith(const std::vector<std::string>& subjects, const std::string& prefix) {
    return static_cast<std::size_t>(
        std::count_if(subjects.begin(), subjects.end(), [&](const auto& s) { return s.rfind(prefix, 0) == 0; }));
}

// Waits until `user` has a mail whose subject starts with `prefix`.
bool waitForSubject(Fixture& f, const std::string& user, const std::string& prefix,
                    std::chrono::seconds timeout = 40s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (countStartingWith(subjectsIn(f, user), prefix) > 0) return true;
        std::this_thread::sleep_for(250ms);
    }
    return false;
}

}  // namespace

TEST_CASE("a compressed policy on real servers: escalations, refused and signed commands, status mail, reply") {
    TempDir policyDir;
    PgpFixture p("", drillPolicy(policyDir));
    Fixture& f = p.f_;
    const std::string id = "SEC-2026-0001";
    f.deliver(plainMessage("Jane Researcher", kResearcher, kSecurity, "XSS in chat titles", kComplete));
    Daemon daemon(f.config());

    // Nobody assesses it: the warning, the missed-window mail and its repeats
    // go to the first level, then the second level is told.
    REQUIRE_MESSAGE(waitForSubject(f, kOther, "[" + id + "] ESCALATED: "), f.env().logs());
    auto lead = subjectsIn(f, kLead);
    CHECK(countStartingWith(lead, "[" + id + "] New security report") == 1);
    CHECK(countStartingWith(lead, "[" + id + "] Due soon: Preliminary assessment") == 1);
    CHECK(countStartingWith(lead, "[" + id + "] MISSED: Preliminary assessment") == 1);
    // The escalation is encrypted to the lead's key: readable by them alone.
    bool readEscalation = false;
    auto leadMails = f.env().fetchAll(kLead);
    REQUIRE(leadMails);
    for (const auto& raw : *leadMails) {
        if (mime::parseMessage(raw).subject.rfind("[" + id + "] MISSED", 0) != 0) continue;
        auto inner = p.decryptMail(p.lead_, raw);
        CHECK(inner.goodSignature);
        readEscalation = inner.plaintext.find("#assess") != std::string::npos;
    }
    CHECK_MESSAGE(readEscalation, "the missed-window mail names the command that moves the report on");

    // An unsigned command from the lead's address is refused, and the answer
    // goes to that (configured) address.
    f.deliver(plainMessage("Lea Lead", kLead, kSecurity, "Re: [" + id + "] MISSED", "#assess severity=high\n"),
              kLead);
    REQUIRE_MESSAGE(waitForSubject(f, kLead, "[" + id + "] Refused: your commands"), f.env().logs());
    CHECK(f.ctlJson("show " + id)["severity"].is_null());

    // A signed #assess (mutt, PGP/MIME) is done: stage complete, status mail to the reporter.
    MuttMail assess;
    assess.to = kSecurity;
    assess.subject = "Re: [" + id + "] MISSED: Preliminary assessment";
    assess.body = "Looked at it.\n\n#assess severity=high\n";
    assess.crypto = MuttCrypto::Sign;
    const std::string signedAssess = p.mutt(assess, p.lead_);
    f.deliver(signedAssess, kLead);
    REQUIRE_MESSAGE(waitForSubject(f, kLead, "[" + id + "] Done: your commands"), f.env().logs());
    auto shown = f.ctlJson("show " + id);
    CHECK(shown["severity"] == "high");
    bool assessed = false;
    for (const auto& s : shown["timeline"])
        if (s["stage"] == "assessment") assessed = s["state"] == "done";
    CHECK(assessed);
    auto researcher = p.rawInbox(kResearcher, 2);  // the acknowledgment, then the status mail
    REQUIRE(researcher.size() == 2);
    auto status = p.verifyMail(p.researcher_, researcher[1]);  // signed by our key; the reporter has no key here
    CHECK(status.goodSignature);
    CHECK(status.plaintext.find("severity high") != std::string::npos);

    // The alerts stop: no more mails about the assessment, though repeats
    // every 3 seconds would have come by now.
    const auto leadBefore = subjectsIn(f, kLead).size();
    const auto otherBefore = subjectsIn(f, kOther).size();
    std::this_thread::sleep_for(8s);
    CHECK(subjectsIn(f, kLead).size() == leadBefore);
    CHECK(subjectsIn(f, kOther).size() == otherBefore);

    // The same signed mail again (a new Message-ID, as a list archive or a Cc
    // would hand it on): the signature is spent.
    std::string replay = std::regex_replace(signedAssess, std::regex("Message-ID: <[^>]*>", std::regex::icase),
                                            "Message-ID: <replayed-1@example.org>");
    REQUIRE(replay != signedAssess);
    // Waits until the lead has n refusals about the report; returns how many came.
    auto waitForRefusals = [&](std::size_t n) {
        const auto until = std::chrono::steady_clock::now() + 40s;
        while (countStartingWith(subjectsIn(f, kLead), "[" + id + "] Refused") < n &&
               std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(250ms);
        return countStartingWith(subjectsIn(f, kLead), "[" + id + "] Refused");
    };
    const auto refusedBefore = countStartingWith(subjectsIn(f, kLead), "[" + id + "] Refused");
    f.deliver(replay, kLead);
    CHECK(waitForRefusals(refusedBefore + 1) == refusedBefore + 1);
    bool sawReplay = false;
    auto afterReplay = f.ctlJson("show " + id);
    for (const auto& a : afterReplay["audit"])
        if (a["event"] == "command.refused" && a["detail"]["reason"].get<std::string>().find("already been used") !=
                                                   std::string::npos)
            sawReplay = true;
    CHECK(sawReplay);

    // Signed by the lead, but From another maintainer's address: refused, and
    // the answer goes to the signing key's address, not to the From line.
    const std::regex fromLine("\nFrom: [^\r\n]*");
    MuttMail fix = assess;
    fix.body = "#fix\n";
    auto mismatched = std::regex_replace(p.mutt(fix, p.lead_), fromLine, "\nFrom: Max <" + kOther + ">",
                                         std::regex_constants::format_first_only);
    f.deliver(mismatched, kOther);
    CHECK(waitForRefusals(refusedBefore + 2) == refusedBefore + 2);
    CHECK(countStartingWith(subjectsIn(f, kOther), "[" + id + "] Refused") == 0);
    // Signed by a key without authority (the researcher's), From the lead's address.
    MuttMail forged = assess;
    forged.body = "#close reason=\"forged\"\n";
    auto forgedMail = std::regex_replace(p.mutt(forged, p.researcher_), fromLine, "\nFrom: Lea Lead <" + kLead + ">",
                                         std::regex_constants::format_first_only);
    f.deliver(forgedMail, kLead);
    CHECK(waitForRefusals(refusedBefore + 3) == refusedBefore + 3);
    auto afterForgery = f.ctlJson("show " + id);
    CHECK(afterForgery["state"] != "closed");
    std::vector<std::string> reasons;
    for (const auto& a : afterForgery["audit"])
        if (a["event"] == "command.refused") reasons.push_back(a["detail"]["reason"].get<std::string>());
    CHECK(std::any_of(reasons.begin(), reasons.end(),
                      [](const auto& r) { return r.find("is not an address of the signing key") != std::string::npos; }));
    CHECK(std::any_of(reasons.begin(), reasons.end(),
                      [](const auto& r) { return r.find("unknown key") != std::string::npos; }));

    // A signed #reply reaches the reporter, threaded with the report.
    MuttMail reply;
    reply.to = kSecurity;
    reply.subject = "Re: [" + id + "] Done";
    reply.body = "#reply\nThank you, Jane: which browser did you use? (marker Heron77)\n#end\n";
    reply.crypto = MuttCrypto::Sign;
    f.deliver(p.mutt(reply, p.lead_), kLead);
    auto third = p.rawInbox(kResearcher, 3);
    REQUIRE(third.size() == 3);
    auto replied = p.verifyMail(p.researcher_, third[2]);
    CHECK(replied.plaintext.find("which browser did you use? (marker Heron77)") != std::string::npos);
    CHECK(mime::parseMessage(third[2]).subject.find(id) != std::string::npos);
}
