// OpenPGP start-up with real gpg: our key is found by address, the
// maintainers' keys file is the list of authority, and the store's data key
// is created once, unwrapped at every start, re-wrapped when the recipients
// change, and readable by a maintainer's own key.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "../support/temp_dir.hpp"
#include "secmaild/config/config.hpp"
#include "secmaild/service/openpgp.hpp"

using namespace secmaild;

namespace {

const TimePoint kNow = fromUnix(1'790'000'000);

struct Homes {
    testing::TempDir dir;
    std::string leadFingerprint;
    Homes() {
        // The maintainer makes a key in a home of their own; we only get the public half.
        auto lead = pgp::Gpg::open({dir / "l", nullptr});
        REQUIRE(lead);
        auto fpr = lead->createKey("Lea Lead <lead@example.org>");
        REQUIRE(fpr);
        leadFingerprint = *fpr;
        auto exported = lead->exportPublicKey(*fpr);
        REQUIRE(exported);
        std::ofstream(dir / "maintainers.asc") << *exported;
    }
    ~Homes() {
        for (auto home : {"g", "l"}) pgp::stopAgent(dir / home);
    }
    config::Config config(bool withMaintainers) {
        std::string text =
            "[smtp]\nurl = \"smtp://127.0.0.1\"\ntls = \"none\"\nfrom = \"security@example.org\"\n"
            "[store]\npath = \"s.db\"\n[policy]\nfile = \"p.toml\"\n[gpg]\nhome = \"" +
            (dir / "g").string() + "\"\n";
        if (withMaintainers) text += "[maintainers]\nkeys = \"maintainers.asc\"\n";
        auto r = config::parseConfig(text, dir / "secmaild.toml");
        REQUIRE(r.config);
        return *r.config;
    }
};

}  // namespace

TEST_CASE("without our key the start fails with what to do; with it, the maintainers' keys carry authority") {
    Homes h;
    std::vector<config::Problem> problems;
    auto c = h.config(true);
    CHECK_FALSE(service::setUpOpenPgp(c, service::OpenPgpUse::Run, problems));
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].key == "gpg.home");
    CHECK(problems[0].message.find("key init") != std::string::npos);

    auto made = service::createOurKey(c, std::nullopt);
    REQUIRE(made);
    CHECK(made->canSign);
    CHECK(made->canEncrypt);
    CHECK_FALSE(made->expires);
    CHECK_FALSE(service::createOurKey(c, std::nullopt));  // never a second one silently

    problems.clear();
    auto o = service::setUpOpenPgp(c, service::OpenPgpUse::Run, problems);
    for (const auto& p : problems) MESSAGE(config::describe(p));
    REQUIRE(o);
    CHECK(o->ourKey.fingerprint == made->fingerprint);
    REQUIRE(o->maintainerKeys.size() == 1);
    CHECK(o->isMaintainerKey(h.leadFingerprint));
    CHECK_FALSE(o->isMaintainerKey(made->fingerprint));
    CHECK(o->maintainerKeyFor("LEAD@example.org") == h.leadFingerprint);
    CHECK_FALSE(o->maintainerKeyFor("someone@example.org"));
    CHECK(o->senderGpg);
}

TEST_CASE("key init and the daemon's start give the home its gpg options; a check changes nothing") {
    Homes h;
    auto c = h.config(false);
    const auto conf = h.dir / "g" / "gpg.conf";
    auto text = [&] {
        std::ifstream in(conf, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    REQUIRE(service::createOurKey(c, std::nullopt));
    CHECK(text().find("\nno-random-seed-file\n") != std::string::npos);

    // A gpg.conf of the admin's own, as in a home made by hand.
    std::ofstream(conf, std::ios::trunc) << "keyid-format long\n";
    std::vector<config::Problem> problems;
    CHECK(service::setUpOpenPgp(c, service::OpenPgpUse::Check, problems));
    CHECK(text() == "keyid-format long\n");
    CHECK(service::setUpOpenPgp(c, service::OpenPgpUse::Run, problems));
    for (const auto& p : problems) MESSAGE(config::describe(p));
    CHECK(problems.empty());
    CHECK(text().rfind("keyid-format long\n# Added by secmaild", 0) == 0);
    CHECK(text().find("\nno-random-seed-file\n") != std::string::npos);
}

TEST_CASE("the data key is wrapped once, re-wrapped when a maintainer joins, and opens with the maintainer's key") {
    Homes h;
    auto alone = h.config(false);
    REQUIRE(service::createOurKey(alone, std::nullopt));
    std::vector<config::Problem> problems;
    std::string sealed;
    {
        auto o = service::setUpOpenPgp(alone, service::OpenPgpUse::Run, problems);
        REQUIRE(o);
        auto store = store::Store::open(h.dir / "s.db");
        service::unlockStore(alone, *o, store, true, kNow, problems);
        REQUIRE(problems.empty());
        REQUIRE(store.canUnseal());
        auto wrapped = store.wrappedDataKey();
        REQUIRE(wrapped);
        CHECK(wrapped->recipients == std::vector<std::string>{o->ourKey.fingerprint});
        sealed = store.sealer()->sealText("report words", "c");
    }
    // A maintainer joins: the next start wraps the same data key to both.
    auto joined = h.config(true);
    auto o = service::setUpOpenPgp(joined, service::OpenPgpUse::Run, problems);
    REQUIRE(o);
    auto store = store::Store::open(h.dir / "s.db");
    service::unlockStore(joined, *o, store, true, kNow + std::chrono::hours{1}, problems);
    REQUIRE(problems.empty());
    auto wrapped = store.wrappedDataKey();
    REQUIRE(wrapped);
    CHECK(wrapped->recipients.size() == 2);
    CHECK(wrapped->wrappedAt == kNow + std::chrono::hours{1});
    CHECK(store.sealer()->open(sealed, "c").value() == "report words");

    // The maintainer, with only their own home, unwraps it.
    auto c = h.config(true);
    c.gpg->home = h.dir / "l";
    std::vector<config::Problem> readProblems;
    auto reader = service::setUpOpenPgp(c, service::OpenPgpUse::Read, readProblems);
    REQUIRE(reader);
    auto copy = store::Store::open(h.dir / "s.db");
    service::unlockStore(c, *reader, copy, false, kNow, readProblems);
    REQUIRE(copy.canUnseal());
    CHECK(copy.sealer()->open(sealed, "c").value() == "report words");
}

TEST_CASE("a store encrypted at rest does not open without a key that unwraps it") {
    Homes h;
    auto c = h.config(false);
    REQUIRE(service::createOurKey(c, std::nullopt));
    std::vector<config::Problem> problems;
    {
        auto o = service::setUpOpenPgp(c, service::OpenPgpUse::Run, problems);
        REQUIRE(o);
        auto store = store::Store::open(h.dir / "s.db");
        service::unlockStore(c, *o, store, true, kNow, problems);
        REQUIRE(problems.empty());
    }
    // The maintainer was never a recipient here.
    c.gpg->home = h.dir / "l";
    auto reader = service::setUpOpenPgp(c, service::OpenPgpUse::Read, problems);
    REQUIRE(reader);
    problems.clear();
    auto store = store::Store::open(h.dir / "s.db");
    service::unlockStore(c, *reader, store, false, kNow, problems);
    CHECK_FALSE(store.canUnseal());
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].message.find("cannot be unwrapped") != std::string::npos);
}

TEST_CASE("a maintainers' keys file holding a secret key is refused, not imported") {
    Homes h;
    auto c = h.config(true);
    REQUIRE(service::createOurKey(c, std::nullopt));
    const std::string cmd = "gpg --homedir " + (h.dir / "l").string() +
                            " --batch --pinentry-mode loopback --passphrase '' --armor --export-secret-keys " +
                            h.leadFingerprint + " > " + (h.dir / "maintainers.asc").string() + " 2>/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    std::vector<config::Problem> problems;
    service::setUpOpenPgp(c, service::OpenPgpUse::Check, problems);
    bool refused = false;
    for (const auto& p : problems) refused |= p.message.find("secret key material") != std::string::npos;
    CHECK(refused);
    problems.clear();
    CHECK_FALSE(service::setUpOpenPgp(c, service::OpenPgpUse::Run, problems).value_or(service::OpenPgp{}).isMaintainerKey(
        h.leadFingerprint));
}
