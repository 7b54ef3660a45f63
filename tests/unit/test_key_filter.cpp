// Tests for the reporter-key filter (pgp/key_filter.hpp). Real keys come from
// the gpg command line in throwaway GnuPG homes under /tmp/kf-XXXXXX, and the
// filtered output is imported into a fresh home to see what gpg keeps. The
// packet framing is checked with packets built here, and every input is also
// fed cut at every length. The test's own packet splitter (legacy 1/2-octet
// and new 1/2-octet lengths, all gpg writes for these keys) locates packets
// independently of the code under test.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "secmaild/pgp/key_filter.hpp"

using namespace secmaild;
using namespace secmaild::pgp;
namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeFile(const fs::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

struct CommandOutput {
    int exitCode = -1;
    std::string out;
    std::string err;
};

// Runs argv (looked up in PATH) with stdin from /dev/null; its output goes
// through files in `scratch`, so no pipe can fill up.
CommandOutput run(const std::vector<std::string>& argv, const fs::path& scratch) {
    const std::string outPath = scratch / "stdout", errPath = scratch / "stderr";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    CommandOutput result;
    if (rc != 0) {
        result.err = "cannot start " + argv[0];
        return result;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = readFile(outPath);
    result.err = readFile(errPath);
    return result;
}

// A GnuPG home under a short path (agent sockets must stay under 107 bytes);
// its agent is stopped and everything removed when it goes.
class GpgHome {
public:
    GpgHome() {
        std::string pattern = "/tmp/kf-XXXXXX";
        if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        root_ = pattern;
        fs::create_directory(home());
        fs::permissions(home(), fs::perms::owner_all, fs::perm_options::replace);
    }
    ~GpgHome() {
        (void)run({"gpgconf", "--homedir", home(), "--kill", "all"}, root_);
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    GpgHome(const GpgHome&) = delete;
    GpgHome& operator=(const GpgHome&) = delete;

    std::string home() const { return root_ / "g"; }

    // gpg in batch mode on this home; throws when it fails, as a broken
    // fixture must not pass for a filter result.
    std::string gpg(std::vector<std::string> args) const {
        std::vector<std::string> argv = {"gpg",      "--batch",      "--no-tty", "--homedir", home(), "--pinentry-mode",
                                         "loopback", "--passphrase", ""};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = run(argv, root_);
        if (r.exitCode != 0) throw std::runtime_error("gpg failed: " + r.err);
        return r.out;
    }

    std::string fingerprintOf(std::string_view uid) const {
        const std::string listing = gpg({"--with-colons", "--list-keys", std::string(uid)});
        for (std::string_view line : split(listing))
            if (line.starts_with("fpr:")) return std::string(field(line, 9));
        throw std::runtime_error("no fingerprint");
    }

    std::string writeScratch(std::string_view name, std::string_view bytes) const {
        writeFile(root_ / name, bytes);
        return root_ / name;
    }

    static std::vector<std::string_view> split(std::string_view text) {
        std::vector<std::string_view> lines;
        while (!text.empty()) {
            std::size_t nl = text.find('\n');
            lines.push_back(text.substr(0, nl));
            text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        }
        return lines;
    }

    static std::string_view field(std::string_view line, std::size_t index) {
        for (std::size_t i = 0; i < index; ++i) {
            std::size_t colon = line.find(':');
            if (colon == std::string_view::npos) return {};
            line.remove_prefix(colon + 1);
        }
        return line.substr(0, line.find(':'));
    }

private:
    fs::path root_;
};

// Two reporters' keys, made once for the whole run:
// Alice: "Alice <alice@example.org>" and "Mallory <boss@example.com>", an
// ed25519 signing primary and a cv25519 encryption subkey.
// Bob: the bare user ID "bob@example.net", ed25519 only.
struct Keys {
    GpgHome home;
    std::string aliceFpr, bobFpr;
    std::string aliceArmored, aliceBinary, bothBinary, aliceSecret, aliceSecretSubkeys;

    Keys() {
        home.gpg({"--quick-gen-key", "Alice <alice@example.org>", "ed25519", "sign", "never"});
        aliceFpr = home.fingerprintOf("alice@example.org");
        home.gpg({"--quick-add-uid", aliceFpr, "Mallory <boss@example.com>"});
        home.gpg({"--quick-add-key", aliceFpr, "cv25519", "encr", "never"});
        home.gpg({"--quick-gen-key", "bob@example.net", "ed25519", "sign", "never"});
        bobFpr = home.fingerprintOf("bob@example.net");
        aliceArmored = home.gpg({"--export", "--armor", aliceFpr});
        aliceBinary = home.gpg({"--export", aliceFpr});
        bothBinary = home.gpg({"--export", aliceFpr, bobFpr});
        aliceSecret = home.gpg({"--export-secret-keys", "--armor", aliceFpr});
        aliceSecretSubkeys = home.gpg({"--export-secret-subkeys", aliceFpr});
    }
};

const Keys& keys() {
    static Keys k;
    return k;
}

// What gpg holds after importing `binary` into a fresh home.
struct Imported {
    std::size_t primaryKeys = 0;
    std::vector<std::string> userIds;
    std::vector<std::string> subkeyCapabilities;
};

Imported importIntoFreshHome(std::string_view binary) {
    GpgHome fresh;
    fresh.gpg({"--import", fresh.writeScratch("import.pgp", binary)});
    Imported result;
    const std::string listing = fresh.gpg({"--with-colons", "--list-keys"});
    for (std::string_view line : GpgHome::split(listing)) {
        if (line.starts_with("pub:")) ++result.primaryKeys;
        if (line.starts_with("uid:")) result.userIds.emplace_back(GpgHome::field(line, 9));
        if (line.starts_with("sub:")) result.subkeyCapabilities.emplace_back(GpgHome::field(line, 11));
    }
    return result;
}

struct RawPacket {
    unsigned tag = 0;
    std::string bytes;  // header and body
};

// The test's own splitter for what gpg writes; throws on anything else.
std::vector<RawPacket> splitPackets(std::string_view data) {
    std::vector<RawPacket> packets;
    std::size_t pos = 0;
    while (pos < data.size()) {
        const auto ctb = static_cast<unsigned char>(data.at(pos));
        const auto b1 = static_cast<unsigned char>(data.at(pos + 1));
        std::size_t header = 0, length = 0;
        unsigned tag = 0;
        if ((ctb & 0xC0) == 0x80 && (ctb & 3) == 0) {
            tag = (ctb >> 2) & 0xF, header = 2, length = b1;
        } else if ((ctb & 0xC0) == 0x80 && (ctb & 3) == 1) {
            tag = (ctb >> 2) & 0xF, header = 3, length = b1 * 256u + static_cast<unsigned char>(data.at(pos + 2));
        } else if ((ctb & 0xC0) == 0xC0 && b1 < 192) {
            tag = ctb & 0x3F, header = 2, length = b1;
        } else if ((ctb & 0xC0) == 0xC0 && b1 < 224) {
            tag = ctb & 0x3F, header = 3,
            length = (b1 - 192u) * 256u + static_cast<unsigned char>(data.at(pos + 2)) + 192u;
        } else {
            throw std::runtime_error("test splitter: unexpected header");
        }
        if (pos + header + length > data.size()) throw std::runtime_error("test splitter: truncated");
        packets.push_back({tag, std::string(data.substr(pos, header + length))});
        pos += header + length;
    }
    return packets;
}

std::string join(const std::vector<RawPacket>& packets) {
    std::string out;
    for (const auto& p : packets) out += p.bytes;
    return out;
}

// A new-format packet with the shortest length encoding (1, 2 or 5 octets).
std::string packet(unsigned tag, std::string_view body) {
    std::string out(1, static_cast<char>(0xC0 | tag));
    const std::size_t n = body.size();
    if (n < 192) {
        out += static_cast<char>(n);
    } else if (n < 8384) {
        out += static_cast<char>(((n - 192) >> 8) + 192);
        out += static_cast<char>((n - 192) & 0xFF);
    } else {
        out += '\xFF';
        for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xFF);
    }
    return out + std::string(body);
}

// A legacy-format packet with length type 0, 1 or 2 (1, 2 or 4 length octets).
std::string legacyPacket(unsigned tag, std::string_view body, unsigned lengthType) {
    std::string out(1, static_cast<char>(0x80 | (tag << 2) | lengthType));
    const std::size_t octets = lengthType == 0 ? 1 : lengthType == 1 ? 2 : 4;
    for (std::size_t i = octets; i-- > 0;) out += static_cast<char>((body.size() >> (8 * i)) & 0xFF);
    return out + std::string(body);
}

// The bodies are not key material: the filter reads framing and user IDs only.
std::string fakePrimary() {
    return packet(6, "primary key");
}
std::string fakeSig(std::string_view what) {
    return packet(2, "sig over " + std::string(what));
}
std::string fakeUid(std::string_view uid) {
    return packet(13, uid);
}

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

std::string errorOf(const Result<std::vector<FilteredKey>>& r) {
    return r.ok() ? "(success)" : r.error().message;
}

}  // namespace

TEST_SUITE("key_filter") {
    TEST_CASE("filtering an armored key for the sender keeps that user ID and the subkey, and gpg imports only them") {
        const Keys& k = keys();
        auto r = keepUserIdsFor(k.aliceArmored, "alice@example.org");
        REQUIRE_MESSAGE(r.ok(), errorOf(r));
        REQUIRE(r->size() == 1);
        const FilteredKey& key = r->front();
        CHECK(key.userIdsKept == 1);
        CHECK(key.userIdsDropped == 1);
        CHECK(key.userAttributesDropped == 0);
        CHECK_FALSE(contains(key.binary, "boss@example.com"));

        Imported imported = importIntoFreshHome(key.binary);
        CHECK(imported.primaryKeys == 1);
        CHECK(imported.userIds == std::vector<std::string>{"Alice <alice@example.org>"});
        CHECK(imported.subkeyCapabilities == std::vector<std::string>{"e"});
    }

    TEST_CASE("binary input is filtered like armored input, and the other user ID can be chosen instead") {
        const Keys& k = keys();
        auto fromBinary = keepUserIdsFor(k.aliceBinary, "alice@example.org");
        auto fromArmor = keepUserIdsFor(k.aliceArmored, "alice@example.org");
        REQUIRE(fromBinary.ok());
        REQUIRE(fromArmor.ok());
        REQUIRE(fromBinary->size() == 1);
        REQUIRE(fromArmor->size() == 1);
        CHECK(fromBinary->front().binary == fromArmor->front().binary);

        auto forBoss = keepUserIdsFor(k.aliceBinary, "boss@example.com");
        REQUIRE(forBoss.ok());
        REQUIRE(forBoss->size() == 1);
        Imported imported = importIntoFreshHome(forBoss->front().binary);
        CHECK(imported.userIds == std::vector<std::string>{"Mallory <boss@example.com>"});
        CHECK(imported.subkeyCapabilities == std::vector<std::string>{"e"});
    }

    TEST_CASE("kept packets are copied verbatim: the output is the input minus the other user ID and its signature") {
        const Keys& k = keys();
        auto packets = splitPackets(k.aliceBinary);
        std::vector<RawPacket> expected;
        bool skipping = false;
        for (const auto& p : packets) {
            if (p.tag == 13) skipping = contains(p.bytes, "boss@example.com");
            if (p.tag == 14) skipping = false;
            if (!skipping) expected.push_back(p);
        }
        auto r = keepUserIdsFor(k.aliceBinary, "alice@example.org");
        REQUIRE(r.ok());
        REQUIRE(r->size() == 1);
        CHECK(r->front().binary == join(expected));
    }

    TEST_CASE("the address is compared case-insensitively") {
        auto r = keepUserIdsFor(keys().aliceArmored, "ALICE@Example.ORG");
        REQUIRE(r.ok());
        REQUIRE(r->size() == 1);
        CHECK(r->front().userIdsKept == 1);
        CHECK(contains(r->front().binary, "Alice <alice@example.org>"));
    }

    TEST_CASE("of two keys in one block only the one with the sender's bare-address user ID is returned") {
        const Keys& k = keys();
        auto r = keepUserIdsFor(k.bothBinary, "bob@example.net");
        REQUIRE_MESSAGE(r.ok(), errorOf(r));
        REQUIRE(r->size() == 1);
        CHECK(r->front().userIdsKept == 1);
        Imported imported = importIntoFreshHome(r->front().binary);
        CHECK(imported.primaryKeys == 1);
        CHECK(imported.userIds == std::vector<std::string>{"bob@example.net"});

        auto alice = keepUserIdsFor(k.bothBinary, "alice@example.org");
        REQUIRE(alice.ok());
        REQUIRE(alice->size() == 1);
        CHECK_FALSE(contains(alice->front().binary, "bob@example.net"));
    }

    TEST_CASE("a valid key block without the sender's user ID gives no keys, not a failure") {
        auto r = keepUserIdsFor(keys().bothBinary, "carol@example.org");
        REQUIRE_MESSAGE(r.ok(), errorOf(r));
        CHECK(r->empty());
        auto empty = keepUserIdsFor(keys().aliceBinary, "");
        REQUIRE(empty.ok());
        CHECK(empty->empty());
    }

    TEST_CASE("the address is the text in the last angle brackets, or the whole trimmed user ID") {
        struct Case {
            std::string_view uid;
            bool kept;
        };
        const Case cases[] = {
            {"Alice <a@b.c>", true},
            {"a@b.c", true},
            {"  a@b.c \t", true},
            {"Alice < a@b.c >", true},
            {"Alice <A@B.C>", true},
            {"a@b.c <eve@evil.example>", false},  // the name is not the address
            {"Eve <evil@x> <a@b.c>", true},       // the last brackets hold the address
            {"Eve <a@b.c.evil.example>", false},
            {"Eve <xa@b.c>", false},
            {"Eve <a@b.c", false},  // unterminated: the whole text is no address
            {"Alice", false},
            {"", false},
            {std::string_view("a@b.c\0", 6), false},
        };
        for (const auto& c : cases) {
            CAPTURE(c.uid);
            std::string data = fakePrimary() + fakeUid(c.uid) + fakeSig("uid");
            auto r = keepUserIdsFor(data, "a@b.c");
            REQUIRE(r.ok());
            CHECK(r->size() == (c.kept ? 1u : 0u));
            if (c.kept && r->size() == 1) CHECK(r->front().binary == data);
        }
    }

    TEST_CASE("user attributes and their signatures, trust and marker packets are dropped") {
        const Keys& k = keys();
        auto plain = keepUserIdsFor(k.aliceBinary, "alice@example.org");
        REQUIRE(plain.ok());
        REQUIRE(plain->size() == 1);
        std::string decorated = packet(10, "PGP");  // a marker before the key
        for (const auto& p : splitPackets(k.aliceBinary)) {
            // A photo goes between the user IDs and the subkeys (RFC 9580 §10.1.1).
            if (p.tag == 14) decorated += packet(17, "\x01 a photo") + fakeSig("photo");
            decorated += p.bytes;
            decorated += legacyPacket(12, std::string("\x00\x00", 2), 0);  // trust, as in a pubring.gpg
        }
        auto r = keepUserIdsFor(decorated, "alice@example.org");
        REQUIRE_MESSAGE(r.ok(), errorOf(r));
        REQUIRE(r->size() == 1);
        CHECK(r->front().userAttributesDropped == 1);
        CHECK(r->front().binary == plain->front().binary);
    }

    TEST_CASE("a key with 3,000 user IDs is filtered quickly to the sender's user ID, or fails at the packet limit") {
        const Keys& k = keys();
        auto packets = splitPackets(k.aliceBinary);
        std::string bossPair, rest;
        for (std::size_t i = 1; i < packets.size(); ++i) {
            if (packets[i].tag == 13 && contains(packets[i].bytes, "boss@example.com")) {
                bossPair = packets[i].bytes + packets.at(i + 1).bytes;
                ++i;
            } else {
                rest += packets[i].bytes;
            }
        }
        REQUIRE_FALSE(bossPair.empty());
        std::string big = packets[0].bytes;
        for (int i = 0; i < 3000; ++i) big += bossPair;
        big += rest;

        KeyFilterLimits limits;
        limits.maxPackets = 10000;
        const auto start = std::chrono::steady_clock::now();
        auto r = keepUserIdsFor(big, "alice@example.org", limits);
        const auto elapsed = std::chrono::steady_clock::now() - start;
        REQUIRE_MESSAGE(r.ok(), errorOf(r));
        REQUIRE(r->size() == 1);
        CHECK(r->front().userIdsKept == 1);
        CHECK(r->front().userIdsDropped == 3000);
        auto small = keepUserIdsFor(k.aliceBinary, "alice@example.org");
        REQUIRE(small.ok());
        REQUIRE(small->size() == 1);
        CHECK(r->front().binary == small->front().binary);
        CHECK(elapsed < std::chrono::milliseconds(500));

        auto limited = keepUserIdsFor(big, "alice@example.org");  // default: 5,000 packets
        REQUIRE_FALSE(limited.ok());
        CHECK(limited.error().message == "more than 5000 packets");
    }

    TEST_CASE("secret keys are refused wherever the secret packet is") {
        const Keys& k = keys();
        for (const std::string* data : {&k.aliceSecret, &k.aliceSecretSubkeys}) {
            auto r = keepUserIdsFor(*data, "alice@example.org");
            REQUIRE_FALSE(r.ok());
            CHECK(r.error().message == "secret key material is never imported");
        }
        std::string withSecretSubkey = fakePrimary() + fakeUid("a@b.c") + fakeSig("uid") + packet(7, "secret subkey");
        auto r = keepUserIdsFor(withSecretSubkey, "a@b.c");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message == "secret key material is never imported");
    }

    TEST_CASE("armor with a wrong checksum or a changed body is refused") {
        const std::string& armored = keys().aliceArmored;
        std::size_t crc = armored.find("\n=");
        REQUIRE(crc != std::string::npos);
        std::string badCrc = armored;
        badCrc[crc + 2] = badCrc[crc + 2] == 'A' ? 'B' : 'A';
        auto r = keepUserIdsFor(badCrc, "alice@example.org");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message == "armor checksum mismatch");

        std::string badBody = armored;
        std::size_t body = armored.find("\n\n") + 2;
        badBody[body + 10] = badBody[body + 10] == 'A' ? 'B' : 'A';
        auto changed = dearmor(badBody);
        REQUIRE_FALSE(changed.ok());
        CHECK(changed.error().message == "armor checksum mismatch");
    }

    TEST_CASE("armor is found after leading text, with headers, CRLF and no checksum line, and decodes to the binary") {
        const Keys& k = keys();
        CHECK(*dearmor(k.aliceArmored) == k.aliceBinary);

        std::string crlf;
        for (char c : k.aliceArmored) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
        std::string withText = "Hello,\r\nhere is my key:\r\n\r\n" + crlf;
        std::size_t afterBegin = withText.find("-----\r\n") + 7;
        withText.insert(afterBegin, "Comment: Alice's key\r\nVersion: GnuPG v2\r\n");
        CHECK(*dearmor(withText) == k.aliceBinary);

        std::string noCrc = k.aliceArmored;
        std::size_t crc = noCrc.find("\n=");
        noCrc.erase(crc + 1, 6);  // "=XXXX\n"
        auto r = dearmor(noCrc);
        REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().message));
        CHECK(*r == k.aliceBinary);
    }

    TEST_CASE("dearmor returns binary unchanged and keeps to its size limit") {
        const Keys& k = keys();
        CHECK(*dearmor(k.aliceBinary) == k.aliceBinary);
        CHECK(dearmor(k.aliceArmored, k.aliceBinary.size()).ok());
        auto over = dearmor(k.aliceArmored, k.aliceBinary.size() - 1);
        REQUIRE_FALSE(over.ok());
        CHECK(over.error().message == "larger than " + std::to_string(k.aliceBinary.size() - 1) + " bytes");
        CHECK_FALSE(dearmor(k.aliceBinary, k.aliceBinary.size() - 1).ok());

        KeyFilterLimits limits;
        limits.maxInputBytes = k.aliceArmored.size() - 1;
        auto r = keepUserIdsFor(k.aliceArmored, "alice@example.org", limits);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message == "larger than " + std::to_string(limits.maxInputBytes) + " bytes");
    }

    TEST_CASE("garbage, broken armor and non-key packets are refused") {
        const std::string begin = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n";
        const std::string end = "\n-----END PGP PUBLIC KEY BLOCK-----\n";
        struct Case {
            std::string data;
            std::string_view reason;
        };
        const Case cases[] = {
            {"", "not OpenPGP key data"},
            {"just some text about a key", "not OpenPGP key data"},
            {"x-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQ==\n-----END PGP PUBLIC KEY BLOCK-----\n",
             "not OpenPGP key data"},
            {begin + "mDME*awTtvRY" + end, "armor is not valid base64"},
            {begin + "m" + end, "armor is not valid base64"},
            {begin + "mDME\n=AAAA\nmore" + end, "armor has text after its checksum"},
            {begin + "mDMEawTtvRYJKwYBBAHaRw8BAQdA\n", "armor ends without its END line"},
            {begin + end, "not OpenPGP key data"},
            {fakeSig("nothing") + fakePrimary() + fakeUid("a@b.c"), "not OpenPGP key data"},
            {packet(1, "session key") + packet(18, "encrypted"), "not OpenPGP key data"},
            {fakePrimary() + fakeUid("a@b.c") + packet(11, "literal data"), "unexpected packet (tag 11) in a key"},
            {fakePrimary() + "\x7F" + "abc", "malformed packet header"},
            {fakePrimary() + packet(0, "reserved"), "malformed packet header"},
            {fakePrimary() + "\xCD\xE1" + std::string(2, 'x'), "partial body length in a key packet"},
            {fakePrimary() + "\xB7" + "a@b.c", "indeterminate packet length in a key packet"},
            {fakePrimary() + "\xCD\xFF\xFF\xFF\xFF\xFF" + "a@b.c", "truncated packet"},
            {fakePrimary() + "\xCD", "truncated packet"},
            {fakePrimary() + "\xCD\xC5", "truncated packet"},
            {fakePrimary() + "\xB5\x01", "truncated packet"},
            {std::string(200, '\xFF'), "truncated packet"},  // tag 63, a 5-octet length of 4 GiB
        };
        for (const auto& c : cases) {
            CAPTURE(c.data);
            auto r = keepUserIdsFor(c.data, "a@b.c");
            REQUIRE_FALSE(r.ok());
            CHECK(r.error().message == c.reason);
        }
    }

    TEST_CASE("every length encoding reads the same packets, and unknown non-critical packets are skipped") {
        const std::string longName(300, 'N');  // a 2-octet length in both formats
        const std::string uid = longName + " <a@b.c>";
        std::vector<std::string> encodings;
        for (unsigned lengthType = 0; lengthType <= 2; ++lengthType) {
            std::string uidPacket = legacyPacket(13, uid, lengthType == 0 ? 1 : lengthType);
            encodings.push_back(legacyPacket(6, "primary", lengthType) + uidPacket +
                                legacyPacket(2, "sig", lengthType) + legacyPacket(14, "subkey", lengthType) +
                                legacyPacket(2, "binding", lengthType));
        }
        std::string fiveOctet = "\xC6\xFF" + std::string("\x00\x00\x00\x07", 4) + "primary";
        encodings.push_back(fiveOctet + packet(13, uid) + packet(2, "sig") + packet(14, "subkey") +
                            packet(2, "binding"));
        for (const auto& data : encodings) {
            auto r = keepUserIdsFor(data, "a@b.c");
            REQUIRE_MESSAGE(r.ok(), errorOf(r));
            REQUIRE(r->size() == 1);
            CHECK(r->front().binary == data);
            auto withExtra = keepUserIdsFor(data + packet(60, "experimental") + packet(21, "padding"), "a@b.c");
            REQUIRE(withExtra.ok());
            REQUIRE(withExtra->size() == 1);
            CHECK(withExtra->front().binary == data);
        }
    }

    TEST_CASE("the key limit and the packet limit count what is read") {
        const Keys& k = keys();
        KeyFilterLimits oneKey;
        oneKey.maxKeys = 1;
        auto r = keepUserIdsFor(k.bothBinary, "alice@example.org", oneKey);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message == "more than 1 keys");

        const std::size_t count = splitPackets(k.aliceBinary).size();
        KeyFilterLimits exact;
        exact.maxPackets = count;
        CHECK(keepUserIdsFor(k.aliceBinary, "alice@example.org", exact).ok());
        exact.maxPackets = count - 1;
        CHECK(errorOf(keepUserIdsFor(k.aliceBinary, "alice@example.org", exact)) ==
              "more than " + std::to_string(count - 1) + " packets");
    }

    TEST_CASE("a binary key cut at any length succeeds exactly at packet boundaries and never crashes") {
        const Keys& k = keys();
        std::vector<std::size_t> boundaries;
        std::size_t offset = 0;
        for (const auto& p : splitPackets(k.aliceBinary)) boundaries.push_back(offset += p.bytes.size());
        for (std::size_t cut = 0; cut < k.aliceBinary.size(); ++cut) {
            CAPTURE(cut);
            auto r = keepUserIdsFor(std::string_view(k.aliceBinary).substr(0, cut), "alice@example.org");
            bool atBoundary = std::find(boundaries.begin(), boundaries.end(), cut) != boundaries.end();
            CHECK(r.ok() == atBoundary);
            if (cut > 0 && !atBoundary) CHECK(r.error().message == "truncated packet");
            if (r.ok())
                for (const auto& key : *r) CHECK(key.binary.size() <= cut);
        }
    }

    TEST_CASE("an armored key cut anywhere before its END line is refused, and no cut of two keys crashes") {
        const std::string& armored = keys().aliceArmored;
        const std::size_t endLine = armored.find("-----END PGP");
        REQUIRE(endLine != std::string::npos);
        for (std::size_t cut = 0; cut < armored.size(); ++cut) {
            CAPTURE(cut);
            auto r = keepUserIdsFor(std::string_view(armored).substr(0, cut), "alice@example.org");
            if (cut <= endLine + 11) CHECK_FALSE(r.ok());
            auto both = keepUserIdsFor(std::string_view(keys().bothBinary).substr(0, cut), "bob@example.net");
            if (both.ok())
                for (const auto& key : *both) CHECK(key.userIdsKept >= 1);
        }
    }
}
