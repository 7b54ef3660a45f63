// Encryption at rest: sealed values open only with their key and in their
// column; a store written with a data key holds none of the plaintext on
// disk; without the key a reader sees a placeholder, never ciphertext as text.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "../support/temp_dir.hpp"
#include "secmaild/store/store.hpp"

using namespace secmaild;
using namespace secmaild::store;

namespace {

const TimePoint kNow = fromUnix(1'790'000'100);

std::string fileBytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Everything SQLite wrote: the database and its write-ahead log.
std::string onDisk(const std::filesystem::path& db) {
    return fileBytes(db) + fileBytes(db.string() + "-wal");
}

IncomingMessage incoming(std::string raw) {
    IncomingMessage m;
    m.receivedAt = kNow;
    m.source = "stdin";
    m.raw = std::move(raw);
    return m;
}

// Files one message with a report, a field, an attachment and an answer.
std::int64_t fileEverything(Store& store, const std::string& secret) {
    auto id = store.storeIncoming(incoming("Subject: " + secret + "\r\n\r\nbody " + secret + "\r\n"), kNow);
    Transaction tx(store.db());
    MessageVerdict v;
    v.outcome = "new-report";
    v.subject = "subject " + secret;
    v.senderName = "name " + secret;
    v.text = "text " + secret;
    v.unauthenticatedText = "clear " + secret;
    v.bodySha256 = std::string(64, 'a');
    MessagePart part;
    part.index = 0;
    part.filename = "file-" + secret + ".txt";
    part.sha256 = "sha-" + secret;
    part.attachment = true;
    part.data = "attachment " + secret;
    v.parts.push_back(part);
    ReportRow r{"SEC-2026-0001", "new", "a@b.c", "reporter " + secret, "a@b.c", "report " + secret, kNow, id, "p",
                kNow, kNow, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
    store.insertReport(r);
    v.reportId = r.id;
    store.recordVerdict(id, v, kNow);
    store.setField(r.id, {"description", "field " + secret, "label", id, kNow});
    OutboxItem o;
    o.createdAt = kNow;
    o.kind = "acknowledgment";
    o.reportId = r.id;
    o.recipient = "a@b.c";
    o.envelopeFrom = "s@x.y";
    o.messageId = "<m@x.y>";
    o.raw = "Subject: [SEC-2026-0001] Re: " + secret + "\r\n\r\nthanks\r\n";
    o.nextAttemptAt = kNow;
    store.enqueue(o);
    tx.commit();
    return id;
}

}  // namespace

TEST_CASE("a sealed value opens with its key and context, and with nothing else") {
    Sealer sealer(Sealer::generateKey());
    Sealer other(Sealer::generateKey());
    for (bool text : {false, true}) {
        auto sealed = text ? sealer.sealText("secret words", "messages.subject")
                           : sealer.sealBinary("secret words", "messages.subject");
        CHECK(Sealer::isSealed(sealed));
        CHECK(sealed.find("secret") == std::string::npos);
        CHECK(sealer.open(sealed, "messages.subject").value() == "secret words");
        CHECK_FALSE(sealer.open(sealed, "reports.subject").ok());
        CHECK_FALSE(other.open(sealed, "messages.subject").ok());
    }
    auto sealed = sealer.sealBinary("secret words", "c");
    sealed[sealed.size() / 2] ^= 1;
    CHECK_FALSE(sealer.open(sealed, "c").ok());
    CHECK_FALSE(sealer.open(sealed.substr(0, 10), "c").ok());
    // Two seals of the same value differ (random nonce): equal texts are not visible as equal.
    CHECK(sealer.sealBinary("x", "c") != sealer.sealBinary("x", "c"));
    // A value written while encryption was off reads back as it is.
    CHECK(sealer.open("plain value", "c").value() == "plain value");
}

TEST_CASE("a store written with a data key holds none of the report's words on disk, and reads them back") {
    testing::TempDir dir;
    const std::string secret = "Zebra7Overflow";
    auto sealer = std::make_shared<const Sealer>(Sealer::generateKey());
    std::int64_t id;
    {
        auto store = Store::open(dir / "s.db");
        store.setSealer(sealer);
        id = fileEverything(store, secret);
        CHECK(store.rawMessage(id).find("body " + secret) != std::string::npos);
        CHECK(store.message(id)->subject == "subject " + secret);
        CHECK(store.messageText(id) == "text " + secret);
        CHECK(store.unauthenticatedText(id) == "clear " + secret);
        CHECK(store.parts(id).at(0).filename == "file-" + secret + ".txt");
        CHECK(store.partData(id, 0) == "attachment " + secret);
        CHECK(store.report("SEC-2026-0001")->subject == "report " + secret);
        CHECK(store.fields("SEC-2026-0001").at(0).value == "field " + secret);
        CHECK(store.dueOutbox(kNow).at(0).raw.find(secret) != std::string::npos);
        CHECK_FALSE(store.hasUnsealedRecords());
        store.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    CHECK(onDisk(dir / "s.db").find(secret) == std::string::npos);

    // Without the key (secmailctl run by someone who cannot unwrap it).
    auto reader = Store::open(dir / "s.db");
    CHECK(reader.message(id)->subject == Store::kSealedPlaceholder);
    CHECK(reader.fields("SEC-2026-0001").at(0).value == Store::kSealedPlaceholder);
    CHECK(reader.message(id)->sender == std::nullopt);  // addresses were not part of the verdict here

    // With another key: damage is an error, not garbage.
    reader.setSealer(std::make_shared<const Sealer>(Sealer::generateKey()));
    CHECK_THROWS_AS(reader.messageText(id), StoreError);
}

TEST_CASE("duplicates are still found when content hashes are keyed") {
    testing::TempDir dir;
    auto store = Store::open(dir / "s.db");
    store.setSealer(std::make_shared<const Sealer>(Sealer::generateKey()));
    auto first = store.storeIncoming(incoming("same bytes"), kNow);
    auto second = store.storeIncoming(incoming("same bytes"), kNow);
    CHECK(store.message(first)->rawSha256.rfind(Store::kKeyedHashPrefix, 0) == 0);
    CHECK(store.message(first)->rawSha256 == store.message(second)->rawSha256);
    MessageVerdict v;
    v.outcome = "new-report";
    store.recordVerdict(first, v, kNow);
    CHECK(store.findDuplicate(second, store.message(second)->rawSha256, std::nullopt, std::nullopt) == first);
    CHECK(store.rawMessage(second) == "same bytes");
}

TEST_CASE("records written while encryption was off are sealed later, hashes included") {
    testing::TempDir dir;
    const std::string secret = "Quokka42Injection";
    auto store = Store::open(dir / "s.db");
    auto id = fileEverything(store, secret);
    auto sealer = std::make_shared<const Sealer>(Sealer::generateKey());
    store.setSealer(sealer);
    CHECK(store.hasUnsealedRecords());
    CHECK(store.sealExistingRecords() > 0);
    CHECK_FALSE(store.hasUnsealedRecords());
    CHECK(store.sealExistingRecords() == 0);
    store.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    store.db().exec("VACUUM");
    CHECK(onDisk(dir / "s.db").find(secret) == std::string::npos);
    CHECK(store.messageText(id) == "text " + secret);
    CHECK(store.rawMessage(id).find("body " + secret) != std::string::npos);
    CHECK(store.message(id)->rawSha256.rfind(Store::kKeyedHashPrefix, 0) == 0);
}
