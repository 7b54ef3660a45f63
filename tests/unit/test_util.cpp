// Shared helpers: header-safe strings, UTF-8 repair, durations, secrets,
// timestamps.
#include <doctest/doctest.h>

#include <atomic>
#include <fstream>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "../support/temp_dir.hpp"
#include "secmaild/util/duration.hpp"
#include "secmaild/util/secret.hpp"
#include "secmaild/util/strings.hpp"
#include "secmaild/util/time_format.hpp"
#include "secmaild/util/writer_first_lock.hpp"

using namespace secmaild;

TEST_CASE("headerSafe removes line breaks and control characters and collapses blanks") {
    CHECK(headerSafe("a\r\nBcc: x") == "a Bcc: x");
    CHECK(headerSafe("  lead\t\ttrail  ") == "lead trail");
    CHECK(headerSafe(std::string("nul\0byte", 8)) == "nul byte");
    CHECK(headerSafe("c1\xc2\x85next") == "c1 next");  // U+0085 NEXT LINE
    CHECK(headerSafe("ok \xc3\xa9") == "ok \xc3\xa9");
}

TEST_CASE("invalid UTF-8 becomes U+FFFD and valid UTF-8 is untouched") {
    CHECK(sanitizeUtf8("caf\xc3\xa9") == "caf\xc3\xa9");
    CHECK(sanitizeUtf8("bad\xff") == "bad\xef\xbf\xbd");
    CHECK(sanitizeUtf8("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
    CHECK(isValidUtf8("\xf0\x9f\x98\x80"));
    CHECK_FALSE(isValidUtf8("\xc0\xaf"));  // overlong
}

TEST_CASE("a UTF-8 prefix never cuts a character") {
    CHECK(utf8Prefix("\xc3\xa9\xc3\xa9", 3) == "\xc3\xa9");
    CHECK(utf8Prefix("abc", 10) == "abc");
}

TEST_CASE("lines split on LF with an optional CR") {
    auto lines = splitLines("a\r\nb\nc");
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "a");
    CHECK(lines[1] == "b");
    CHECK(lines[2] == "c");
}

TEST_CASE("durations have one number and one unit") {
    CHECK(*parseDuration("90s") == std::chrono::seconds{90});
    CHECK(*parseDuration("15m") == std::chrono::seconds{900});
    CHECK(*parseDuration("24h") == std::chrono::seconds{86400});
    CHECK(*parseDuration("7d") == std::chrono::seconds{604800});
    CHECK(*parseDuration("30") == std::chrono::seconds{30});
    CHECK_FALSE(parseDuration("soon"));
    CHECK_FALSE(parseDuration("5 parsecs"));
    CHECK_FALSE(parseDuration("-5s"));
    CHECK_FALSE(parseDuration("99999999999999999999s"));
    CHECK(formatDuration(std::chrono::seconds{3661}) == "1h1m1s");
}

TEST_CASE("a secret is read from the first line of its file and never from an empty one") {
    testing::TempDir dir;
    {
        std::ofstream(dir / "pw") << "s3cret\r\nsecond line\n";
        std::ofstream(dir / "empty") << "\n";
    }
    auto s = readSecretFile(dir / "pw");
    REQUIRE(s);
    CHECK(s->reveal() == "s3cret");
    auto moved = std::move(s).value();
    CHECK(moved.reveal() == "s3cret");
    auto empty = readSecretFile(dir / "empty");
    REQUIRE_FALSE(empty);
    CHECK(empty.error().message.find("empty") != std::string::npos);
    auto missing = readSecretFile(dir / "none");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find((dir / "none").string()) != std::string::npos);
}

TEST_CASE("a secret comes from the systemd credential when the service has it, else from its file") {
    testing::TempDir dir;
    std::filesystem::create_directory(dir / "creds");
    {
        std::ofstream(dir / "creds" / "secmaild_imap-password") << "from-systemd\n";
        std::ofstream(dir / "pw") << "from-file\n";
    }
    const std::string creds = (dir / "creds").string();
    SecretSource both{"secmaild_imap-password", dir / "pw"};
    CHECK(readSecret(both, creds.c_str())->reveal() == "from-systemd");
    CHECK(readSecret(both, nullptr)->reveal() == "from-file");  // secmailctl by hand
    SecretSource otherCredential{"secmaild_smtp-password", dir / "pw"};
    CHECK(readSecret(otherCredential, creds.c_str())->reveal() == "from-file");

    SecretSource credentialOnly{"secmaild_smtp-password", {}};
    auto missing = readSecret(credentialOnly, creds.c_str());
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find(creds) != std::string::npos);
    CHECK(missing.error().message.find("LoadCredential=") != std::string::npos);
    auto noSystemd = readSecret(credentialOnly, nullptr);
    REQUIRE_FALSE(noSystemd);
    CHECK(noSystemd.error().message.find("CREDENTIALS_DIRECTORY is not set") != std::string::npos);
    CHECK_FALSE(readSecret(SecretSource{}, creds.c_str()));
    // Under systemd with neither the credential nor a readable file, the credential is named first.
    auto neither = readSecret(SecretSource{"secmaild_smtp-password", dir / "unreadable"}, creds.c_str());
    REQUIRE_FALSE(neither);
    CHECK(neither.error().message.starts_with("the credential secmaild_smtp-password is not in " + creds));
    CHECK(neither.error().message.find((dir / "unreadable").string()) != std::string::npos);
}

TEST_CASE("timestamps are written in RFC 5322 and ISO 8601, and IMAP dates are read") {
    auto t = fromUnix(1795473753);  // 2026-11-23T22:42:33Z
    CHECK(formatRfc5322(t) == "Mon, 23 Nov 2026 22:42:33 +0000");
    CHECK(formatIsoUtc(t) == "2026-11-23T22:42:33Z");
    CHECK(parseIsoUtc("2026-11-23T22:42:33Z") == t);
    CHECK(parseImapInternalDate("23-Nov-2026 23:42:33 +0100") == t);
    CHECK(parseImapInternalDate(" 3-Nov-2026 00:00:00 +0000") == fromUnix(1793664000));
    CHECK_FALSE(parseImapInternalDate("yesterday"));
}

TEST_CASE("ISO 8601 timestamps read back as the same instant across leap days, month ends and midnights") {
    CHECK(formatIsoUtc(fromUnix(0)) == "1970-01-01T00:00:00Z");
    CHECK(formatIsoUtc(fromUnix(951868799)) == "2000-02-29T23:59:59Z");
    CHECK(formatIsoUtc(fromUnix(4107542400)) == "2100-03-01T00:00:00Z");  // 2100 is not a leap year
    // Every 754,369 s (8.7 days: the hours and minutes come round) over 60 years, read back by HH date's parser.
    for (std::int64_t s = 0; s < 60LL * 366 * 86400; s += 754369)
        CHECK(parseIsoUtc(formatIsoUtc(fromUnix(s))) == fromUnix(s));
}

TEST_CASE("toCrlf turns bare LF into CRLF and leaves CRLF alone") {
    CHECK(toCrlf("a\nb\r\nc\n") == "a\r\nb\r\nc\r\n");
    CHECK(toCrlf("\n\n") == "\r\n\r\n");
    CHECK(toCrlf("no break") == "no break");
    CHECK(toCrlf("lone\rcr") == "lone\rcr");
}

TEST_CASE("base64Digit reads the RFC 4648 alphabet and nothing else") {
    CHECK(base64Digit('A') == 0);
    CHECK(base64Digit('z') == 51);
    CHECK(base64Digit('9') == 61);
    CHECK(base64Digit('+') == 62);
    CHECK(base64Digit('/') == 63);
    CHECK(base64Digit('=') == -1);
    CHECK(base64Digit('-') == -1);
}

TEST_CASE("WriterFirstLock: a writer excludes everyone, readers share, and a waiting writer gets in past busy readers") {
    secmaild::WriterFirstLock lock;
    std::atomic<int> readersInside{0}, writersInside{0}, overlapSeen{0}, violations{0};
    std::atomic<bool> writerDone{false};
    std::atomic<int> capped{0};
    // Readers that always overlap: each takes the lock again right away, so
    // with a reader-preferring lock (glibc's std::shared_mutex) a writer
    // waits until they stop, here at their iteration cap.
    std::vector<std::thread> readers;
    for (int r = 0; r < 3; ++r)
        readers.emplace_back([&] {
            int i = 0;
            for (; i < 20000 && !writerDone; ++i) {
                std::shared_lock shared(lock);
                if (writersInside != 0) ++violations;
                if (++readersInside > 1) ++overlapSeen;
                std::this_thread::sleep_for(std::chrono::microseconds(200));
                --readersInside;
            }
            if (i == 20000) ++capped;
        });
    while (overlapSeen == 0) std::this_thread::yield();
    {
        std::unique_lock exclusive(lock);
        if (readersInside != 0) ++violations;
        ++writersInside;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        --writersInside;
        writerDone = true;
    }
    for (auto& t : readers) t.join();
    CHECK(violations == 0);
    CHECK(overlapSeen > 0);  // readers did share the lock
    CHECK(capped == 0);      // the writer got in while the readers were still busy
}
