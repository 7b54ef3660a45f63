// The GPGME worker process (pgp/worker.hpp) against the real worker program
// and the real gpg: every operation through the pipe gives what the same
// operation gives in-process, the passphrase never shows in the worker's
// command line or environment, limits hold across the pipe, and a worker that
// dies fails one operation as a value and is replaced for the next.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "secmaild/pgp/engine.hpp"
#include "secmaild/pgp/gpg.hpp"
#include "secmaild/pgp/protect.hpp"
#include "secmaild/pgp/worker.hpp"
#include "support/temp_dir.hpp"

using namespace secmaild;
using namespace secmaild::pgp;

namespace {

const std::string kPassphrase = "correct horse battery staple 7f3a";

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Two homes: secmaild's (a passphrase-protected key) and a researcher's, each
// holding the other's public key.
struct Homes {
    testing::TempDir dir;
    std::shared_ptr<const Secret> passphrase = std::make_shared<const Secret>(kPassphrase);
    std::optional<Gpg> ours, researcher;
    std::string ourFpr, researcherFpr;

    Homes() {
        initialise();
        ours.emplace(open(dir / "o", passphrase));
        researcher.emplace(open(dir / "r", nullptr));
        auto a = ours->createKey("secmaild <security@example.org>");
        auto b = researcher->createKey("Researcher <r@example.net>");
        REQUIRE(a.ok());
        REQUIRE(b.ok());
        ourFpr = *a;
        researcherFpr = *b;
        REQUIRE(ours->importKeys(*researcher->exportPublicKey(researcherFpr)).ok());
        REQUIRE(researcher->importKeys(*ours->exportPublicKey(ourFpr)).ok());
        REQUIRE(researcher->useSigningKey(researcherFpr).ok());
        REQUIRE(ours->useSigningKey(ourFpr).ok());
    }
    ~Homes() {
        stopAgent(dir / "o");
        stopAgent(dir / "r");
    }

    static Gpg open(const std::filesystem::path& home, std::shared_ptr<const Secret> passphrase) {
        GpgOptions o;
        o.home = home;
        o.passphrase = std::move(passphrase);
        auto g = Gpg::open(o);
        REQUIRE_MESSAGE(g.ok(), (g.ok() ? "" : g.error().message));
        return std::move(g).value();
    }

    WorkerOptions workerOptions(bool signs = true, std::size_t maxPlaintext = 64u << 20) const {
        WorkerOptions w;
        w.command = {SECMAILD_GPG_WORKER};
        w.gpg.home = dir / "o";
        w.gpg.passphrase = passphrase;
        w.gpg.maxPlaintextBytes = maxPlaintext;
        w.signingKey = signs ? ourFpr : "";
        return w;
    }

    std::unique_ptr<GpgWorker> worker(bool signs = true, std::size_t maxPlaintext = 64u << 20) const {
        auto w = GpgWorker::start(workerOptions(signs, maxPlaintext));
        REQUIRE_MESSAGE(w.ok(), (w.ok() ? "" : w.error().message));
        return std::move(w).value();
    }

    std::string toUs(const std::string& plain) {
        auto c = researcher->encrypt(plain, {ourFpr}, true);
        REQUIRE(c.ok());
        return *c;
    }
};

void checkSameSignatures(const std::vector<Signature>& a, const std::vector<Signature>& b) {
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(a[i].status == b[i].status);
        CHECK(a[i].fingerprint == b[i].fingerprint);
        CHECK(a[i].created == b[i].created);
        CHECK(a[i].detail == b[i].detail);
    }
}

}  // namespace

TEST_CASE("a report decrypted by the worker is what the daemon's own context reads") {
    Homes h;
    auto worker = h.worker();
    const std::string plain = "Steps to reproduce:\n1. send \xff\x00 bytes\n";  // binary-safe over the pipe
    auto cipher = h.toUs(plain);
    auto remote = worker->decrypt(cipher);
    auto local = h.ours->decrypt(cipher);
    CHECK(remote.status == DecryptStatus::Decrypted);
    CHECK(remote.plaintext == plain);
    CHECK(remote.status == local.status);
    CHECK(remote.plaintext == local.plaintext);
    CHECK(remote.recipientKeyIds == local.recipientKeyIds);
    CHECK(remote.fileName == local.fileName);
    checkSameSignatures(remote.signatures, local.signatures);
    REQUIRE(remote.signatures.size() == 1);
    CHECK(remote.signatures[0].status == SignatureStatus::Valid);
    CHECK(remote.signatures[0].fingerprint == h.researcherFpr);
    CHECK(worker->failures() == 0);
}

TEST_CASE("failures come back through the worker as the same values") {
    Homes h;
    auto worker = h.worker();
    auto garbage = worker->decrypt("-----BEGIN PGP MESSAGE-----\n\nnot base64 at all\n-----END PGP MESSAGE-----\n");
    auto local = h.ours->decrypt("-----BEGIN PGP MESSAGE-----\n\nnot base64 at all\n-----END PGP MESSAGE-----\n");
    CHECK(garbage.status == local.status);
    CHECK_FALSE(garbage.ok());
    CHECK(garbage.detail == local.detail);
    CHECK(worker->failures() == 0);  // bad data is not a worker failure

    // Encrypted to someone else: no secret key, and who it was for.
    auto other = h.researcher->encrypt("for me only", {h.researcherFpr}, false);
    REQUIRE(other.ok());
    auto notOurs = worker->decrypt(*other);
    CHECK(notOurs.status == DecryptStatus::NoSecretKey);
    CHECK(notOurs.recipientKeyIds == h.ours->decrypt(*other).recipientKeyIds);
}

TEST_CASE("the plaintext limit holds in the worker") {
    Homes h;
    auto worker = h.worker(false, 1000);
    auto big = worker->decrypt(h.toUs(std::string(5000, 'a')));
    CHECK(big.status == DecryptStatus::TooLarge);
    CHECK(big.plaintext.empty());
    auto small = worker->decrypt(h.toUs(std::string(500, 'a')));
    CHECK(small.status == DecryptStatus::Decrypted);
}

TEST_CASE("detached and clearsigned signatures verify through the worker") {
    Homes h;
    auto worker = h.worker(false);
    const std::string data = "Content-Type: text/plain\r\n\r\nsigned part\r\n";
    auto sig = h.researcher->signDetached(data);
    REQUIRE(sig.ok());
    auto remote = worker->verifyDetached(data, sig->armored);
    REQUIRE(remote.signatures.size() == 1);
    CHECK(remote.signatures[0].status == SignatureStatus::Valid);
    checkSameSignatures(remote.signatures, h.ours->verifyDetached(data, sig->armored).signatures);
    auto tampered = worker->verifyDetached(data + "x", sig->armored);
    REQUIRE(tampered.signatures.size() == 1);
    CHECK(tampered.signatures[0].status == SignatureStatus::Bad);

    // A clearsigned block made by the gpg command line in the researcher's home.
    const auto in = h.dir / "cs.txt";
    std::ofstream(in) << "clearsigned text\n";
    const std::string cmd = "gpg --homedir " + (h.dir / "r").string() +
                            " --batch --yes --quiet --pinentry-mode loopback --passphrase '' --clearsign -o " +
                            (h.dir / "cs.asc").string() + " " + in.string() + " 2>/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    const auto armored = readFile(h.dir / "cs.asc");
    auto clear = worker->verifyClearsigned(armored);
    auto localClear = h.ours->verifyClearsigned(armored);
    CHECK(clear.plaintext == localClear.plaintext);
    CHECK(clear.plaintext.find("clearsigned text") != std::string::npos);
    checkSameSignatures(clear.signatures, localClear.signatures);
    REQUIRE(clear.signatures.size() == 1);
    CHECK(clear.signatures[0].fingerprint == h.researcherFpr);
}

TEST_CASE("an answer protected by the worker is signed by our key and readable by the reporter") {
    Homes h;
    auto worker = h.worker();
    const std::string rendered =
        "From: security@example.org\r\nTo: r@example.net\r\nSubject: [SEC-1] received\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nWe received your report.\r\n";
    Protection p;
    p.sign = true;
    p.encryptTo = {h.researcherFpr};
    auto wire = worker->protect(rendered, p);
    REQUIRE_MESSAGE(wire.ok(), (wire.ok() ? "" : wire.error().message));
    CHECK(wire->find("multipart/encrypted") != std::string::npos);
    CHECK(wire->find("We received your report") == std::string::npos);
    auto begin = wire->find("-----BEGIN PGP MESSAGE-----");
    auto end = wire->find("-----END PGP MESSAGE-----");
    REQUIRE(begin != std::string::npos);
    REQUIRE(end != std::string::npos);
    auto read = h.researcher->decrypt(wire->substr(begin, end + 25 - begin));
    CHECK(read.status == DecryptStatus::Decrypted);
    CHECK(read.plaintext.find("We received your report.") != std::string::npos);
    REQUIRE(read.signatures.size() == 1);
    CHECK(read.signatures[0].status == SignatureStatus::Valid);
    CHECK(read.signatures[0].fingerprint == h.ourFpr);

    // To a key that is not in the home: refused with gpg's reason, nothing in clear.
    p.encryptTo = {std::string(40, 'A')};
    auto refused = worker->protect(rendered, p);
    CHECK_FALSE(refused.ok());
    CHECK(worker->failures() == 0);
}

TEST_CASE("the passphrase reaches the worker through the pipe only") {
    Homes h;
    auto worker = h.worker();
    // It can use the protected key (decrypting needs it)...
    CHECK(worker->decrypt(h.toUs("needs the secret key")).status == DecryptStatus::Decrypted);
    // ...and neither its command line nor its environment holds it.
    const auto proc = std::filesystem::path("/proc") / std::to_string(worker->pid());
    auto cmdline = readFile(proc / "cmdline");
    auto environment = readFile(proc / "environ");
    CHECK(cmdline.find("secmaild-gpg-worker") != std::string::npos);
    CHECK(cmdline.find(kPassphrase) == std::string::npos);
    CHECK(environment.find(kPassphrase) == std::string::npos);
}

TEST_CASE("a worker killed mid-life fails one operation and is replaced for the next") {
    Homes h;
    auto worker = h.worker();
    const auto first = worker->pid();
    REQUIRE(::kill(first, SIGKILL) == 0);
    auto lost = worker->decrypt(h.toUs("one"));
    CHECK(lost.status == DecryptStatus::Failed);
    CHECK(lost.detail.find("worker") != std::string::npos);
    CHECK(worker->failures() == 1);
    // The dead one was reaped, not left as a zombie.
    CHECK(::waitpid(first, nullptr, WNOHANG) == -1);
    auto again = worker->decrypt(h.toUs("two"));
    CHECK(again.status == DecryptStatus::Decrypted);
    CHECK(again.plaintext == "two");
    CHECK(worker->pid() != first);
    CHECK(worker->failures() == 1);
}

TEST_CASE("a worker that cannot start says why") {
    Homes h;
    auto noKey = h.workerOptions();
    noKey.signingKey = std::string(40, 'B');
    auto refused = GpgWorker::start(noKey);
    REQUIRE_FALSE(refused.ok());
    CHECK_FALSE(refused.error().message.empty());

    auto noProgram = h.workerOptions();
    noProgram.command = {"/nonexistent/secmaild-gpg-worker"};
    auto missing = GpgWorker::start(noProgram);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("/nonexistent/secmaild-gpg-worker") != std::string::npos);
}
