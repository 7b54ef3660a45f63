// Gpg against the real gpg 2.2: keys are made in throwaway homes under short
// /tmp paths, messages come from the API or from the gpg command line (for
// what the API does not make: signed-only data, faked times, revocations),
// and every outcome the daemon relies on is checked, including the hostile
// ones (tampering, compression bombs, wrong passphrases).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "secmaild/pgp/gpg.hpp"
#include "secmaild/pgp/home_options.hpp"

extern char** environ;

using namespace secmaild;
using namespace secmaild::pgp;

namespace {

// A GnuPG home under /tmp/g-XXXXXX; its gpg-agent is stopped and the
// directory removed when the test ends.
class GpgHome {
public:
    GpgHome() {
        std::string pattern = "/tmp/g-XXXXXX";
        if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~GpgHome() {
        stopAgent(path_);
        // The agent removes its sockets as it exits, which can race remove_all; retry.
        for (int attempt = 0; attempt < 40 && std::filesystem::exists(path_); ++attempt) {
            std::error_code ec;
            std::filesystem::remove_all(path_, ec);
            if (ec) std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
    }
    GpgHome(const GpgHome&) = delete;
    GpgHome& operator=(const GpgHome&) = delete;
    const std::filesystem::path& path() const { return path_; }

    Gpg open(std::shared_ptr<const Secret> passphrase = nullptr, std::size_t maxPlaintext = 64u << 20) const {
        GpgOptions options;
        options.home = path_;
        options.passphrase = std::move(passphrase);
        options.maxPlaintextBytes = maxPlaintext;
        auto gpg = Gpg::open(std::move(options));
        REQUIRE_MESSAGE(gpg.ok(), (gpg.ok() ? "" : gpg.error().message));
        return std::move(gpg).value();
    }

private:
    std::filesystem::path path_;
};

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Runs the gpg command line in `home` (batch, loopback, empty passphrase),
// feeding `input` and then `zeros` zero bytes on stdin; returns stdout.
struct CliResult {
    int exitCode = -1;
    std::string out;
};
CliResult gpgCli(const std::filesystem::path& home, const std::vector<std::string>& args, std::string_view input = {},
                 std::size_t zeros = 0) {
    ::signal(SIGPIPE, SIG_IGN);
    const std::string outPath = (home / "cli-out").string();
    std::vector<std::string> all = {"gpg",      "--homedir",       home.string(), "--batch",      "--yes", "--quiet",
                                    "--no-tty", "--pinentry-mode", "loopback",    "--passphrase", ""};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);

    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, "gpg", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[0]);
    REQUIRE(rc == 0);
    auto writeAll = [&](const char* p, std::size_t n) {
        while (n > 0) {
            const ssize_t w = ::write(fds[1], p, n);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return false;
            p += w;
            n -= static_cast<std::size_t>(w);
        }
        return true;
    };
    bool writing = writeAll(input.data(), input.size());
    const std::string block(64 * 1024, '\0');
    for (std::size_t left = zeros; writing && left > 0;) {
        const std::size_t n = std::min(left, block.size());
        writing = writeAll(block.data(), n);
        left -= n;
    }
    ::close(fds[1]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    CliResult result;
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = readFile(outPath);
    std::filesystem::remove(outPath);
    return result;
}

// The long key id of a key's encryption subkey, from gpg's colon listing.
std::string encryptionSubkeyId(const std::filesystem::path& home, const std::string& fpr) {
    const auto listing = gpgCli(home, {"--with-colons", "--list-keys", fpr}).out;
    std::istringstream lines(listing);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("sub:", 0) != 0) continue;
        std::vector<std::string> fields;
        std::istringstream f(line);
        for (std::string field; std::getline(f, field, ':');) fields.push_back(field);
        if (fields.size() > 11 && fields[11].find('e') != std::string::npos) return fields[4];
    }
    return "";
}

std::string newKey(Gpg& gpg, const std::string& userId) {
    auto fpr = gpg.createKey(userId);
    REQUIRE_MESSAGE(fpr.ok(), (fpr.ok() ? "" : fpr.error().message));
    return *fpr;
}

// Makes `to` know `from`'s public key.
void give(Gpg& from, const std::string& fpr, Gpg& to) {
    auto exported = from.exportPublicKey(fpr);
    REQUIRE(exported.ok());
    auto imported = to.importKeys(*exported);
    REQUIRE(imported.ok());
}

bool isUpperHex(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); });
}

long peakRssKb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

const std::string kReport =
    "Subject: heap overflow in the parser\r\n\r\nSteps to reproduce:\r\n1. feed it \xff\x00 bytes\r\n";

}  // namespace

TEST_CASE("a report encrypted and signed by us decrypts for the researcher with a valid signature by our key") {
    GpgHome usHome, themHome;
    Gpg us = usHome.open();
    Gpg them = themHome.open();
    const std::string ourFpr = newKey(us, "Security Team <Security@Example.ORG>");
    const std::string theirFpr = newKey(them, "Researcher <r@example.net>");
    give(us, ourFpr, them);
    give(them, theirFpr, us);

    REQUIRE(us.useSigningKey(ourFpr).ok());
    auto armored = us.encrypt(kReport, {theirFpr}, true);
    REQUIRE_MESSAGE(armored.ok(), (armored.ok() ? "" : armored.error().message));
    CHECK(armored->rfind("-----BEGIN PGP MESSAGE-----", 0) == 0);

    Decryption d = them.decrypt(*armored);
    CHECK(d.status == DecryptStatus::Decrypted);
    CHECK(d.ok());
    CHECK(d.plaintext == kReport);
    CHECK(d.detail.empty());
    REQUIRE(d.signatures.size() == 1);
    CHECK(d.signatures[0].status == SignatureStatus::Valid);
    CHECK(d.signatures[0].fingerprint == ourFpr);
    CHECK(d.signatures[0].detail.empty());
    REQUIRE(d.signatures[0].created.has_value());
    CHECK(std::chrono::abs(*d.signatures[0].created - SystemClock().now()) < std::chrono::minutes(5));
    CHECK(d.recipientKeyIds == std::vector<std::string>{encryptionSubkeyId(themHome.path(), theirFpr)});

    // We cannot read what we sent: it is encrypted to the researcher only.
    CHECK(us.decrypt(*armored).status == DecryptStatus::NoSecretKey);

    // Unsigned encryption carries no signature.
    auto unsigned_ = us.encrypt("plain", {theirFpr}, false);
    REQUIRE(unsigned_.ok());
    Decryption u = them.decrypt(*unsigned_);
    CHECK(u.status == DecryptStatus::Decrypted);
    CHECK(u.plaintext == "plain");
    CHECK(u.signatures.empty());
}

TEST_CASE("a signature by a key that is not in the home is UnknownKey and names the signer's fingerprint") {
    GpgHome usHome, themHome;
    Gpg us = usHome.open();
    Gpg them = themHome.open();
    const std::string ourFpr = newKey(us, "Team <team@example.org>");
    const std::string theirFpr = newKey(them, "R <r@example.net>");
    give(them, theirFpr, us);  // they do not get our key
    REQUIRE(us.useSigningKey(ourFpr).ok());
    auto armored = us.encrypt("hello", {theirFpr}, true);
    REQUIRE(armored.ok());

    Decryption d = them.decrypt(*armored);
    CHECK(d.status == DecryptStatus::Decrypted);
    REQUIRE(d.signatures.size() == 1);
    CHECK(d.signatures[0].status == SignatureStatus::UnknownKey);
    CHECK(d.signatures[0].fingerprint == ourFpr);
    CHECK(d.signatures[0].detail == "No public key");
}

TEST_CASE("a clearsigned text verifies, and is Bad once one character of the text changes") {
    GpgHome signerHome, readerHome;
    Gpg signer = signerHome.open();
    Gpg reader = readerHome.open();
    const std::string fpr = newKey(signer, "Signer <s@example.net>");
    give(signer, fpr, reader);
    const std::string text = "The fix is in 2.4.1.\nThanks!\n";
    const auto clear = gpgCli(signerHome.path(), {"-u", fpr, "--clearsign"}, text);
    REQUIRE(clear.exitCode == 0);
    REQUIRE(clear.out.find("-----BEGIN PGP SIGNED MESSAGE-----") != std::string::npos);

    Verification good = reader.verifyClearsigned(clear.out);
    REQUIRE(good.signatures.size() == 1);
    CHECK(good.signatures[0].status == SignatureStatus::Valid);
    CHECK(good.signatures[0].fingerprint == fpr);
    CHECK(good.plaintext == text);
    CHECK(good.detail.empty());

    std::string tampered = clear.out;
    tampered.replace(tampered.find("2.4.1"), 5, "2.4.2");
    Verification bad = reader.verifyClearsigned(tampered);
    REQUIRE(bad.signatures.size() == 1);
    CHECK(bad.signatures[0].status == SignatureStatus::Bad);
    CHECK(bad.signatures[0].detail == "Bad signature");
    // gpg names a bad signature's key by its long id only; the home maps it to the primary.
    CHECK(bad.signatures[0].fingerprint == fpr);

    // Not a signed message at all.
    Verification none = reader.verifyClearsigned("just text\n");
    CHECK(none.signatures.empty());
    CHECK(none.plaintext.empty());
    CHECK_FALSE(none.detail.empty());
}

TEST_CASE("a signature made by a signing subkey names the primary fingerprint, good or bad") {
    GpgHome signerHome, readerHome;
    Gpg signer = signerHome.open();
    const std::string fpr = newKey(signer, "Signer <s@example.net>");
    REQUIRE(gpgCli(signerHome.path(), {"--quick-add-key", fpr, "ed25519", "sign"}).exitCode == 0);
    Gpg reader = readerHome.open();
    give(signer, fpr, reader);
    const std::string text = "signed by the subkey\n";
    const auto clear = gpgCli(signerHome.path(), {"-u", fpr, "--clearsign"}, text);  // gpg picks the newest subkey
    REQUIRE(clear.exitCode == 0);

    Verification good = reader.verifyClearsigned(clear.out);
    REQUIRE(good.signatures.size() == 1);
    CHECK(good.signatures[0].status == SignatureStatus::Valid);
    CHECK(good.signatures[0].fingerprint == fpr);

    std::string tampered = clear.out;
    tampered.replace(tampered.find("subkey"), 6, "SUBKEY");
    Verification bad = reader.verifyClearsigned(tampered);
    REQUIRE(bad.signatures.size() == 1);
    CHECK(bad.signatures[0].status == SignatureStatus::Bad);
    CHECK(bad.signatures[0].fingerprint == fpr);

    // A good signature needs no key lookup: gpg's VALIDSIG line names the primary.
    // Without lookups a bad signature keeps the subkey's long id, as gpg states it.
    GpgOptions noLookups;
    noLookups.home = readerHome.path();
    noLookups.maxSignerLookups = 0;
    auto limited = Gpg::open(noLookups);
    REQUIRE(limited.ok());
    Verification goodUnlooked = limited->verifyClearsigned(clear.out);
    REQUIRE(goodUnlooked.signatures.size() == 1);
    CHECK(goodUnlooked.signatures[0].fingerprint == fpr);
    Verification unmapped = limited->verifyClearsigned(tampered);
    REQUIRE(unmapped.signatures.size() == 1);
    CHECK(unmapped.signatures[0].status == SignatureStatus::Bad);
    CHECK(unmapped.signatures[0].fingerprint.size() == 16);
    CHECK(isUpperHex(unmapped.signatures[0].fingerprint));
    CHECK(fpr.find(unmapped.signatures[0].fingerprint) == std::string::npos);  // a subkey, not the primary
}

TEST_CASE("a detached signature covers the exact bytes, CRLF included, and names a pgp- micalg") {
    GpgHome signerHome, readerHome, strangerHome;
    Gpg signer = signerHome.open();
    Gpg reader = readerHome.open();
    Gpg stranger = strangerHome.open();
    const std::string fpr = newKey(signer, "Signer <s@example.org>");
    give(signer, fpr, reader);
    CHECK_FALSE(signer.signDetached("x").ok());  // no signing key chosen yet
    REQUIRE(signer.useSigningKey(fpr).ok());

    const std::string part = "Content-Type: text/plain; charset=us-ascii\r\n\r\nAcknowledged.\r\n";
    auto sig = signer.signDetached(part);
    REQUIRE(sig.ok());
    CHECK(sig->armored.rfind("-----BEGIN PGP SIGNATURE-----", 0) == 0);
    CHECK(sig->micalg.rfind("pgp-sha", 0) == 0);
    CHECK(sig->micalg == "pgp-sha256");  // gpg 2.2 hashes ed25519 signatures with SHA256

    Verification v = reader.verifyDetached(part, sig->armored);
    REQUIRE(v.signatures.size() == 1);
    CHECK(v.signatures[0].status == SignatureStatus::Valid);
    CHECK(v.signatures[0].fingerprint == fpr);

    std::string changed = part;
    changed[changed.size() - 2] = '\n';  // CRLF -> LFLF, one byte
    Verification bad = reader.verifyDetached(changed, sig->armored);
    REQUIRE(bad.signatures.size() == 1);
    CHECK(bad.signatures[0].status == SignatureStatus::Bad);

    Verification unknown = stranger.verifyDetached(part, sig->armored);
    REQUIRE(unknown.signatures.size() == 1);
    CHECK(unknown.signatures[0].status == SignatureStatus::UnknownKey);
    CHECK(unknown.signatures[0].fingerprint == fpr);

    Verification garbage = reader.verifyDetached(part, "not a signature");
    CHECK(garbage.signatures.empty());
    CHECK_FALSE(garbage.detail.empty());
}

TEST_CASE("a message encrypted to someone else's key is NoSecretKey and names the recipient key id") {
    GpgHome usHome, otherHome;
    Gpg us = usHome.open();
    Gpg other = otherHome.open();
    newKey(us, "Us <us@example.org>");
    const std::string otherFpr = newKey(other, "Other <o@example.net>");
    auto armored = other.encrypt("for other eyes", {otherFpr}, false);
    REQUIRE(armored.ok());

    Decryption d = us.decrypt(*armored);
    CHECK(d.status == DecryptStatus::NoSecretKey);
    CHECK_FALSE(d.ok());
    CHECK(d.plaintext.empty());
    CHECK(d.detail == "No secret key");
    const std::string subkeyId = encryptionSubkeyId(otherHome.path(), otherFpr);
    REQUIRE(subkeyId.size() == 16);
    CHECK(d.recipientKeyIds == std::vector<std::string>{subkeyId});
}

TEST_CASE("flipped, truncated, garbled and non-OpenPGP input is Corrupt and yields no plaintext") {
    GpgHome home;
    Gpg gpg = home.open();
    const std::string fpr = newKey(gpg, "Us <us@example.org>");
    auto armored = gpg.encrypt("the secret report text", {fpr}, false);
    REQUIRE(armored.ok());
    REQUIRE(gpg.decrypt(*armored).status == DecryptStatus::Decrypted);
    const std::string binary = gpgCli(home.path(), {"--dearmor"}, *armored).out;
    REQUIRE(binary.size() > 20);

    std::string lastByteFlipped = binary;
    lastByteFlipped.back() ^= 0x01;
    std::string base64Changed = *armored;
    const std::size_t body = base64Changed.find("\n\n") + 10;
    base64Changed[body] = base64Changed[body] == 'A' ? 'B' : 'A';
    const std::string garbageArmor =
        "-----BEGIN PGP MESSAGE-----\n\nthis is not base64 at all!\n-----END PGP MESSAGE-----\n";

    const std::vector<std::pair<std::string, std::string>> cases = {
        {"one bit flipped in the encrypted data", lastByteFlipped},
        {"one base64 character changed", base64Changed},
        {"garbage inside the armor", garbageArmor},
        {"binary truncated to half", binary.substr(0, binary.size() / 2)},
        {"armor truncated to half", armored->substr(0, armored->size() / 2)},
        {"plain text", "Hello, I found a bug.\n"},
        {"empty input", ""},
    };
    for (const auto& [name, input] : cases) {
        CAPTURE(name);
        Decryption d = gpg.decrypt(input);
        CHECK(decryptStatusName(d.status) == "corrupt");
        CHECK(d.plaintext.empty());
        CHECK(d.signatures.empty());
        CHECK_FALSE(d.detail.empty());
    }
}

TEST_CASE("a session key packet with an unknown public-key algorithm is Unsupported") {
    GpgHome home;
    Gpg gpg = home.open();
    const std::string fpr = newKey(gpg, "Us <us@example.org>");
    auto armored = gpg.encrypt("x", {fpr}, false);
    REQUIRE(armored.ok());
    std::string binary = gpgCli(home.path(), {"--dearmor"}, *armored).out;
    // Old-format public-key encrypted session key packet with a one-byte length:
    // tag byte, length, version 3, 8-byte key id, then the algorithm.
    REQUIRE(binary.size() > 12);
    REQUIRE(static_cast<unsigned char>(binary[0]) == 0x84);
    REQUIRE(binary[2] == 3);
    binary[11] = 99;
    Decryption d = gpg.decrypt(binary);
    CHECK(d.status == DecryptStatus::Unsupported);
    CHECK(d.detail == "Invalid public key algorithm");
    CHECK(d.plaintext.empty());
}

TEST_CASE("signed-only OpenPGP data is NotEncrypted with its plaintext and checked signature") {
    GpgHome signerHome, readerHome;
    Gpg signer = signerHome.open();
    Gpg reader = readerHome.open();
    const std::string fpr = newKey(signer, "Signer <s@example.net>");
    give(signer, fpr, reader);
    const std::string text = "Version 1.2 is affected.\n";

    const auto opaque = gpgCli(signerHome.path(), {"-u", fpr, "--sign", "--armor"}, text);
    REQUIRE(opaque.exitCode == 0);
    REQUIRE(opaque.out.rfind("-----BEGIN PGP MESSAGE-----", 0) == 0);
    Decryption d = reader.decrypt("Intro text the sender wrote.\n\n" + opaque.out);
    CHECK(d.status == DecryptStatus::NotEncrypted);
    CHECK(d.ok());
    CHECK(d.plaintext == text);
    REQUIRE(d.signatures.size() == 1);
    CHECK(d.signatures[0].status == SignatureStatus::Valid);
    CHECK(d.signatures[0].fingerprint == fpr);
    CHECK(d.recipientKeyIds.empty());

    const auto clear = gpgCli(signerHome.path(), {"-u", fpr, "--clearsign"}, text);
    Decryption c = reader.decrypt(clear.out);
    CHECK(c.status == DecryptStatus::NotEncrypted);
    CHECK(c.plaintext == text);
    REQUIRE(c.signatures.size() == 1);
    CHECK(c.signatures[0].status == SignatureStatus::Valid);

    // Signed-only data whose signature does not match still reports the signature as Bad.
    std::string tampered = clear.out;
    tampered.replace(tampered.find("1.2"), 3, "1.3");
    Decryption t = reader.decrypt(tampered);
    CHECK(t.status == DecryptStatus::NotEncrypted);
    REQUIRE(t.signatures.size() == 1);
    CHECK(t.signatures[0].status == SignatureStatus::Bad);
}

TEST_CASE("a compression bomb stops at maxPlaintextBytes, quickly and without the memory, and the context recovers") {
    GpgHome home;
    constexpr std::size_t kLimit = 1u << 20;
    Gpg gpg = home.open(nullptr, kLimit);
    const std::string fpr = newKey(gpg, "Us <us@example.org>");
    constexpr std::size_t kExpanded = 48u << 20;
    const auto bomb = gpgCli(home.path(), {"--compress-level", "9", "-r", fpr, "--encrypt"}, {}, kExpanded);
    REQUIRE(bomb.exitCode == 0);
    CHECK(bomb.out.size() < kExpanded / 100);  // it is a bomb: >100:1

    const long rssBefore = peakRssKb();
    const auto start = std::chrono::steady_clock::now();
    Decryption d = gpg.decrypt(bomb.out);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(d.status == DecryptStatus::TooLarge);
    CHECK(d.plaintext.empty());
    CHECK(d.detail.find(std::to_string(kLimit)) != std::string::npos);
    CHECK(elapsed < std::chrono::seconds(3));
    CHECK(peakRssKb() - rssBefore < static_cast<long>(kExpanded / 1024 / 2));

    // Just under the limit is fine, and the same context still works after the abort.
    const std::string fits(kLimit, 'a');
    auto ok = gpg.encrypt(fits, {fpr}, false);
    REQUIRE(ok.ok());
    Decryption after = gpg.decrypt(*ok);
    CHECK(after.status == DecryptStatus::Decrypted);
    CHECK(after.plaintext.size() == kLimit);
    auto over = gpg.encrypt(fits + "b", {fpr}, false);
    REQUIRE(over.ok());
    CHECK(gpg.decrypt(*over).status == DecryptStatus::TooLarge);
}

TEST_CASE("signatures by an expired key, past their own expiry, or by a revoked key say so") {
    GpgHome signerHome, readerHome;
    Gpg signer = signerHome.open();
    Gpg reader = readerHome.open();
    const std::string text = "signed long ago\n";
    const std::vector<std::string> in2020 = {"--faked-system-time", "20200101T000000"};
    auto cli = [&](std::vector<std::string> args, std::string_view input = {}) {
        std::vector<std::string> all = in2020;
        all.insert(all.end(), args.begin(), args.end());
        return gpgCli(signerHome.path(), all, input);
    };
    REQUIRE(cli({"--quick-gen-key", "Old <old@example.org>", "future-default", "default", "1d"}).exitCode == 0);
    REQUIRE(cli({"--quick-gen-key", "Short <short@example.org>", "future-default", "default", "never"}).exitCode == 0);
    std::string oldFpr, shortFpr;
    for (const auto& k : signer.listKeys()) (k.emails.front() == "old@example.org" ? oldFpr : shortFpr) = k.fingerprint;
    REQUIRE(isUpperHex(oldFpr));
    REQUIRE(isUpperHex(shortFpr));
    const auto byOld = cli({"-u", oldFpr, "--sign", "--armor"}, text);
    const auto shortLived = cli({"-u", shortFpr, "--default-sig-expire", "1d", "--sign", "--armor"}, text);
    REQUIRE(byOld.exitCode == 0);
    REQUIRE(shortLived.exitCode == 0);
    give(signer, oldFpr, reader);
    give(signer, shortFpr, reader);

    Verification expiredKey = reader.verifyClearsigned(byOld.out);
    REQUIRE(expiredKey.signatures.size() == 1);
    CHECK(expiredKey.signatures[0].status == SignatureStatus::KeyExpired);
    CHECK(expiredKey.signatures[0].fingerprint == oldFpr);
    REQUIRE(expiredKey.signatures[0].created.has_value());
    const TimePoint signedAt = *expiredKey.signatures[0].created;
    CHECK(signedAt >= fromUnix(1577836800));  // the faked clock runs on from there
    CHECK(signedAt < fromUnix(1577836800 + 600));

    auto info = reader.findKey(oldFpr);
    REQUIRE(info.has_value());
    CHECK(info->expired);
    CHECK_FALSE(info->canEncrypt);
    CHECK_FALSE(info->canSign);
    REQUIRE(info->expires.has_value());
    CHECK(*info->expires >= fromUnix(1577836800 + 86400));
    CHECK(*info->expires <= signedAt + std::chrono::days(1));
    CHECK_FALSE(reader.encrypt("x", {oldFpr}, false).ok());

    Verification expiredSig = reader.verifyClearsigned(shortLived.out);
    REQUIRE(expiredSig.signatures.size() == 1);
    CHECK(expiredSig.signatures[0].status == SignatureStatus::Expired);
    CHECK(expiredSig.signatures[0].fingerprint == shortFpr);

    // Revoked: sign first, then the reader learns of the revocation certificate
    // gpg left in openpgp-revocs.d when the key was made.
    const std::string revFpr = newKey(signer, "Revoked <rev@example.org>");
    REQUIRE(signer.useSigningKey(revFpr).ok());
    auto sig = signer.signDetached(text);
    REQUIRE(sig.ok());
    give(signer, revFpr, reader);
    REQUIRE(reader.verifyDetached(text, sig->armored).signatures.at(0).status == SignatureStatus::Valid);
    std::string revocation = readFile(signerHome.path() / "openpgp-revocs.d" / (revFpr + ".rev"));
    const auto colon = revocation.find(":-----BEGIN PGP PUBLIC KEY BLOCK-----");
    REQUIRE(colon != std::string::npos);
    revocation.erase(colon, 1);  // gpg guards the certificate against accidental import
    auto imported = reader.importKeys(revocation);
    REQUIRE_MESSAGE(imported.ok(), (imported.ok() ? "" : imported.error().message));
    CHECK(imported->empty());  // gpg names no key for a bare revocation certificate

    Verification revoked = reader.verifyDetached(text, sig->armored);
    REQUIRE(revoked.signatures.size() == 1);
    CHECK(revoked.signatures[0].status == SignatureStatus::Revoked);
    CHECK(revoked.signatures[0].fingerprint == revFpr);
    auto revInfo = reader.findKey(revFpr);
    REQUIRE(revInfo.has_value());
    CHECK(revInfo->revoked);
    CHECK_FALSE(revInfo->canEncrypt);
}

TEST_CASE("createKey makes an ed25519 key that signs and encrypts, with the expiry asked for") {
    GpgHome home;
    Gpg gpg = home.open();
    const auto now = SystemClock().now();
    auto forever = gpg.createKey("Security Team <Security@Example.ORG>");
    REQUIRE(forever.ok());
    CHECK(isUpperHex(*forever));
    CHECK(forever->size() == 40);
    auto info = gpg.findKey(*forever, true);
    REQUIRE(info.has_value());
    CHECK(info->fingerprint == *forever);
    CHECK(info->hasSecret);
    CHECK(info->canEncrypt);
    CHECK(info->canSign);
    CHECK_FALSE(info->expires.has_value());
    CHECK(info->algorithm == "ed25519");
    CHECK(info->emails == std::vector<std::string>{"security@example.org"});
    CHECK(info->userIds == std::vector<std::string>{"Security Team <Security@Example.ORG>"});

    auto yearly = gpg.createKey("Yearly <y@example.org>", "future-default", std::chrono::hours(24 * 365));
    REQUIRE(yearly.ok());
    auto y = gpg.findKey(*yearly);
    REQUIRE(y.has_value());
    CHECK(y->hasSecret);  // a public listing still says a secret part is here
    CHECK(y->canEncrypt);
    REQUIRE(y->expires.has_value());
    CHECK(std::chrono::abs(*y->expires - (now + std::chrono::hours(24 * 365))) < std::chrono::minutes(5));

    // An algorithm whose primary key only signs gets an encryption subkey added.
    auto signOnly = gpg.createKey("Ed <ed@example.org>", "ed25519");
    REQUIRE_MESSAGE(signOnly.ok(), (signOnly.ok() ? "" : signOnly.error().message));
    auto e = gpg.findKey(*signOnly);
    REQUIRE(e.has_value());
    CHECK(e->canEncrypt);
    CHECK(e->canSign);

    CHECK(gpg.listKeys(true).size() == 3);
    CHECK_FALSE(gpg.createKey("Bad\nName <b@example.org>").ok());
    CHECK_FALSE(gpg.createKey("").ok());
}

namespace {

// gpg's own count of the self-signatures it read while listing `fpr`, and of
// those whose check came from the stored result ("sig_cache: total=N cached=M").
std::pair<int, int> selfSignatureChecks(const std::filesystem::path& home, const std::string& fpr) {
    const auto log = home / "memstat.log";
    gpgCli(home, {"--log-file", log.string(), "--debug", "memstat", "--list-keys", fpr});
    const std::string text = readFile(log);
    std::filesystem::remove(log);
    int total = -1, cached = -1;
    if (auto at = text.find("sig_cache: "); at != std::string::npos)
        std::sscanf(text.c_str() + at, "sig_cache: total=%d cached=%d", &total, &cached);
    return {total, cached};
}

}  // namespace

TEST_CASE("createKey leaves the key with its self-signature checks stored, so gpg does not redo them per use") {
    // Without this every gpg process re-verified the new key's self-signatures
    // whenever it loaded the key: twice per decrypt, once per signature.
    GpgHome home;
    Gpg gpg = home.open();
    for (const char* algorithm : {"future-default", "ed25519"}) {
        CAPTURE(algorithm);
        auto fpr = gpg.createKey(std::string("Checks <checks-") + algorithm + "@example.org>", algorithm);
        REQUIRE_MESSAGE(fpr.ok(), (fpr.ok() ? "" : fpr.error().message));
        const auto [total, cached] = selfSignatureChecks(home.path(), *fpr);
        CHECK(total >= 2);  // the user id's and the encryption subkey's
        CHECK(cached == total);
        auto info = gpg.findKey(*fpr, true);
        REQUIRE(info.has_value());
        CHECK(info->canSign);
        CHECK(info->canEncrypt);
    }
    // With a passphrase the re-certification signs through loopback pinentry.
    GpgHome protectedHome;
    Gpg withPassphrase = protectedHome.open(std::make_shared<const Secret>(std::string("correct horse")));
    auto fpr = withPassphrase.createKey("Protected <protected@example.org>");
    REQUIRE_MESSAGE(fpr.ok(), (fpr.ok() ? "" : fpr.error().message));
    const auto [total, cached] = selfSignatureChecks(protectedHome.path(), *fpr);
    CHECK(total >= 2);
    CHECK(cached == total);
}

TEST_CASE("keysInData lists the keys in key data without importing them, at most maxKeysInData") {
    GpgHome ownerHome, readerHome;
    Gpg owner = ownerHome.open();
    const std::string a = newKey(owner, "A <A@Example.net>");
    const std::string b = newKey(owner, "B <b@example.net>");
    auto exportedA = owner.exportPublicKey(a);
    auto exportedB = owner.exportPublicKey(b);
    REQUIRE(exportedA.ok());
    REQUIRE(exportedB.ok());
    const std::string both = *exportedA + *exportedB;

    GpgOptions options;
    options.home = readerHome.path();
    options.maxKeysInData = 1;
    auto limited = Gpg::open(options);
    REQUIRE(limited.ok());
    Gpg reader = readerHome.open();

    auto listed = reader.keysInData(both);
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 2);
    CHECK((*listed)[0].fingerprint == a);
    CHECK((*listed)[0].emails == std::vector<std::string>{"a@example.net"});
    CHECK((*listed)[0].canEncrypt);
    CHECK_FALSE((*listed)[0].hasSecret);
    CHECK((*listed)[1].fingerprint == b);
    CHECK(reader.listKeys().empty());
    CHECK_FALSE(reader.findKey(a).has_value());

    auto one = limited->keysInData(both);
    REQUIRE(one.ok());
    CHECK(one->size() == 1);
    // The context is usable after a listing stopped early.
    CHECK(limited->keysInData(*exportedB).value().size() == 1);

    // Secret key data is recognised as such, and not imported either.
    const auto secret = gpgCli(ownerHome.path(), {"--armor", "--export-secret-keys", a});
    REQUIRE(secret.exitCode == 0);
    auto secretListed = reader.keysInData(secret.out);
    REQUIRE(secretListed.ok());
    REQUIRE(secretListed->size() == 1);
    CHECK((*secretListed)[0].fingerprint == a);
    CHECK((*secretListed)[0].hasSecret);
    CHECK(reader.listKeys().empty());

    auto garbage = reader.keysInData("no keys here");
    CHECK((!garbage.ok() || garbage->empty()));
}

TEST_CASE("importKeys returns primary fingerprints for new and known keys; exportPublicKey round-trips") {
    GpgHome ownerHome, readerHome;
    Gpg owner = ownerHome.open();
    Gpg reader = readerHome.open();
    const std::string fpr = newKey(owner, "Owner <owner@example.org>");
    auto exported = owner.exportPublicKey(fpr);
    REQUIRE(exported.ok());
    CHECK(exported->rfind("-----BEGIN PGP PUBLIC KEY BLOCK-----", 0) == 0);
    CHECK(exported->find("PRIVATE") == std::string::npos);

    auto first = reader.importKeys(*exported);
    REQUIRE(first.ok());
    CHECK(*first == std::vector<std::string>{fpr});
    auto again = reader.importKeys(*exported);
    REQUIRE(again.ok());
    CHECK(*again == std::vector<std::string>{fpr});

    auto info = reader.findKey(fpr);
    REQUIRE(info.has_value());
    CHECK_FALSE(info->hasSecret);
    CHECK(info->canEncrypt);
    CHECK_FALSE(reader.findKey(fpr, true).has_value());
    CHECK(reader.listKeys(true).empty());

    auto reexported = reader.exportPublicKey(fpr);
    REQUIRE(reexported.ok());
    GpgHome thirdHome;
    Gpg third = thirdHome.open();
    CHECK(third.importKeys(*reexported).value() == std::vector<std::string>{fpr});

    CHECK_FALSE(reader.importKeys("not a key").ok());
    CHECK_FALSE(reader.exportPublicKey(std::string(40, 'A')).ok());
    CHECK_FALSE(reader.exportPublicKey("owner@example.org").ok());
    CHECK_FALSE(reader.findKey("owner@example.org").has_value());
}

TEST_CASE("a passphrase-protected key works with the right passphrase and fails cleanly with a wrong or no one") {
    GpgHome home;
    // The agent's default key derivation costs ~0.5 s per use on a loaded VM;
    // the minimum count keeps this test quick and changes nothing under test.
    std::ofstream(home.path() / "gpg-agent.conf") << "s2k-count 65536\n";
    std::string fpr, message;
    {
        Gpg maker = home.open(std::make_shared<const Secret>("correct horse"));
        fpr = newKey(maker, "Protected <p@example.org>");
        auto armored = maker.encrypt("behind a passphrase", {fpr}, false);
        REQUIRE(armored.ok());
        message = *armored;
    }
    stopAgent(home.path());  // forget the cached passphrase

    const auto start = std::chrono::steady_clock::now();
    Gpg wrong = home.open(std::make_shared<const Secret>("wrong horse"));
    Decryption w = wrong.decrypt(message);
    CHECK(w.status == DecryptStatus::Failed);
    CHECK(w.detail == "Bad passphrase");
    CHECK(w.plaintext.empty());
    Gpg none = home.open();
    Decryption n = none.decrypt(message);
    CHECK(n.status == DecryptStatus::Failed);
    CHECK(n.detail == "No passphrase given");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));

    Gpg right = home.open(std::make_shared<const Secret>("correct horse"));
    Decryption r = right.decrypt(message);
    CHECK(r.status == DecryptStatus::Decrypted);
    CHECK(r.plaintext == "behind a passphrase");
    REQUIRE(right.useSigningKey(fpr).ok());
    CHECK(right.signDetached("data").ok());
}

TEST_CASE("two Gpg objects on one home decrypt in two threads at once") {
    GpgHome home;
    Gpg maker = home.open();
    const std::string fpr = newKey(maker, "Us <us@example.org>");
    constexpr int kMessages = 6;
    std::vector<std::string> messages;
    for (int i = 0; i < kMessages; ++i) {
        auto armored = maker.encrypt("message " + std::to_string(i), {fpr}, false);
        REQUIRE(armored.ok());
        messages.push_back(*armored);
    }
    std::vector<int> good(2, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
        threads.emplace_back([&, t] {
            auto gpg = Gpg::open(GpgOptions{home.path(), nullptr});
            if (!gpg) return;
            for (int i = 0; i < kMessages; ++i) {
                Decryption d = gpg->decrypt(messages[static_cast<std::size_t>(i)]);
                if (d.status == DecryptStatus::Decrypted && d.plaintext == "message " + std::to_string(i))
                    ++good[static_cast<std::size_t>(t)];
            }
        });
    }
    for (auto& t : threads) t.join();
    CHECK(good[0] == kMessages);
    CHECK(good[1] == kMessages);
}

TEST_CASE("encrypt names the recipient it cannot use and refuses to sign without a signing key") {
    GpgHome home;
    Gpg gpg = home.open();
    const std::string fpr = newKey(gpg, "Us <us@example.org>");
    const std::string missing(40, 'C');

    auto unknown = gpg.encrypt("x", {fpr, missing}, false);
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().message.find(missing) != std::string::npos);
    auto byEmail = gpg.encrypt("x", {"us@example.org"}, false);
    REQUIRE_FALSE(byEmail.ok());
    CHECK(byEmail.error().message.find("not a fingerprint") != std::string::npos);
    CHECK_FALSE(gpg.encrypt("x", {}, false).ok());
    auto unsignedOk = gpg.encrypt("x", {fpr}, false);
    CHECK(unsignedOk.ok());
    auto noSigner = gpg.encrypt("x", {fpr}, true);
    REQUIRE_FALSE(noSigner.ok());
    CHECK(noSigner.error().message.find("signing") != std::string::npos);

    // Lower-case fingerprints are the same fingerprints.
    std::string lower = fpr;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return static_cast<char>(std::tolower(c)); });
    CHECK(gpg.useSigningKey(lower).ok());
    CHECK(gpg.encrypt("x", {lower}, true).ok());

    // A public key without its secret part cannot become the signing key.
    GpgHome otherHome;
    Gpg other = otherHome.open();
    const std::string otherFpr = newKey(other, "Other <o@example.org>");
    give(other, otherFpr, gpg);
    CHECK_FALSE(gpg.useSigningKey(otherFpr).ok());
    CHECK_FALSE(gpg.useSigningKey("Us").ok());
}

TEST_CASE("open creates a missing home with mode 0700 and refuses one too long for the agent's sockets") {
    GpgHome parent;
    const auto nested = parent.path() / "a" / "gnupg";
    auto gpg = Gpg::open(GpgOptions{nested, nullptr});
    REQUIRE(gpg.ok());
    CHECK(gpg->home() == nested);
    struct stat st {};
    REQUIRE(::stat(nested.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0700);
    CHECK(gpg->listKeys().empty());

    std::ofstream(parent.path() / "file") << "x";
    auto notDir = Gpg::open(GpgOptions{parent.path() / "file", nullptr});
    REQUIRE_FALSE(notDir.ok());
    CHECK(notDir.error().message.find((parent.path() / "file").string()) != std::string::npos);
    CHECK_FALSE(Gpg::open(GpgOptions{}).ok());

    if (!std::filesystem::exists("/run/user/" + std::to_string(::getuid()))) {
        const auto tooLong = parent.path() / std::string(100, 'h');
        auto refused = Gpg::open(GpgOptions{tooLong, nullptr});
        REQUIRE_FALSE(refused.ok());
        CHECK(refused.error().message.find("too long") != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(tooLong));
    }
}

TEST_CASE("ensureHomeOptions adds no-random-seed-file to gpg.conf once, keeping what the admin wrote") {
    GpgHome home;
    const auto conf = home.path() / "gpg.conf";
    auto fresh = ensureHomeOptions(home.path());
    REQUIRE_MESSAGE(fresh.ok(), (fresh.ok() ? "" : fresh.error().message));
    CHECK(*fresh);
    const auto written = readFile(conf);
    CHECK(written.find("\nno-random-seed-file\n") != std::string::npos);
    struct stat st {};
    REQUIRE(::stat(conf.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    auto again = ensureHomeOptions(home.path());
    REQUIRE(again.ok());
    CHECK_FALSE(*again);
    CHECK(readFile(conf) == written);
    CHECK_FALSE(std::filesystem::exists(home.path() / "gpg.conf.secmaild-new"));

    // An admin's file without a final newline, its mode kept; a commented-out
    // option does not count.
    std::ofstream(conf, std::ios::trunc) << "keyid-format long\n# no-random-seed-file\nwith-fingerprint";
    ::chmod(conf.c_str(), 0640);
    auto appended = ensureHomeOptions(home.path());
    REQUIRE(appended.ok());
    CHECK(*appended);
    const auto text = readFile(conf);
    CHECK(text.rfind("keyid-format long\n# no-random-seed-file\nwith-fingerprint\n# Added by secmaild", 0) == 0);
    CHECK(text.size() >= 20);
    CHECK(text.substr(text.size() - 20) == "no-random-seed-file\n");
    REQUIRE(::stat(conf.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);

    // Present already, indented: unchanged.
    std::ofstream(conf, std::ios::trunc) << "  no-random-seed-file\n";
    auto present = ensureHomeOptions(home.path());
    REQUIRE(present.ok());
    CHECK_FALSE(*present);
    CHECK(readFile(conf) == "  no-random-seed-file\n");

    // A link is the admin's to change; a missing home is an error, not a new directory.
    std::filesystem::remove(conf);
    std::filesystem::create_symlink("/dev/null", conf);
    auto link = ensureHomeOptions(home.path());
    REQUIRE_FALSE(link.ok());
    CHECK(link.error().message.find("not a regular file") != std::string::npos);
    auto missing = ensureHomeOptions(home.path() / "absent");
    REQUIRE_FALSE(missing.ok());
    CHECK_FALSE(std::filesystem::exists(home.path() / "absent"));
}

TEST_CASE("with the home's options gpg leaves random_seed alone, so parallel encryptions do not queue on its lock") {
    // Control: a plain home gets a random_seed from an encryption, and that
    // file's lock is what parallel gpg processes waited on.
    auto encryptOnce = [](const GpgHome& home) {
        Gpg gpg = home.open();
        const auto fpr = newKey(gpg, "Seed <seed@example.org>");
        std::filesystem::remove(home.path() / "random_seed");
        auto sealed = gpg.encrypt("text", {fpr}, false);
        REQUIRE_MESSAGE(sealed.ok(), (sealed.ok() ? "" : sealed.error().message));
        return std::filesystem::exists(home.path() / "random_seed");
    };
    GpgHome plain;
    CHECK(encryptOnce(plain));
    GpgHome tuned;
    REQUIRE(ensureHomeOptions(tuned.path()).ok());
    CHECK_FALSE(encryptOnce(tuned));
}

TEST_CASE("status names are the stable strings stored and logged") {
    CHECK(signatureStatusName(SignatureStatus::Valid) == "valid");
    CHECK(signatureStatusName(SignatureStatus::UnknownKey) == "unknown-key");
    CHECK(signatureStatusName(SignatureStatus::KeyExpired) == "key-expired");
    CHECK(signatureStatusName(SignatureStatus::Revoked) == "revoked");
    CHECK(decryptStatusName(DecryptStatus::NotEncrypted) == "not-encrypted");
    CHECK(decryptStatusName(DecryptStatus::NoSecretKey) == "no-secret-key");
    CHECK(decryptStatusName(DecryptStatus::TooLarge) == "too-large");
}
