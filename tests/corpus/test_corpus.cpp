// Every message of the public corpus (../shared/corpus/public: real messages
// from public test suites, read in place, never copied into this repository)
// goes through the whole pipeline. Each must end as a processed record with
// a known outcome; delivery and read reports must never be answered; no
// answer may carry text from the message.
#include <doctest/doctest.h>

#include <algorithm>

#include <fstream>
#include <sstream>

#include "../support/runtime_fixture.hpp"
#include "secmaild/mime/message.hpp"
#include "secmaild/report/outcome.hpp"
#include "secmaild/util/strings.hpp"

using namespace secmaild;

namespace {

std::vector<std::filesystem::path> corpusFiles(const std::filesystem::path& root) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
        if (!entry.is_regular_file()) continue;
        auto rel = std::filesystem::relative(entry.path(), root).string();
        auto name = entry.path().filename().string();
        if (rel.rfind("keys/", 0) == 0 || name == "SOURCES.md" || name == ".gitattributes") continue;
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string readFile(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("every message of the public corpus ends as a stored record with a known outcome") {
    const std::filesystem::path root(SECMAILD_CORPUS_DIR);
    if (!std::filesystem::is_directory(root)) {
        MESSAGE("skipped: the public corpus is not at " << root.string() << " (../shared is absent)");
        return;
    }
    auto files = corpusFiles(root);
    CHECK(files.size() >= 100);
    testing::RuntimeFixture f("personal-chatter.toml", "[answers]\nper_sender_per_hour = 1000\n");
    REQUIRE_MESSAGE(f.ok(), f.problems());
    std::map<std::string, int> outcomes;
    for (const auto& file : files) {
        CAPTURE(file.string());
        const std::string raw = readFile(file);
        auto result = f.ingest(raw);
        auto row = f.store().message(f.lastId());
        REQUIRE(row);
        CHECK(row->state == "processed");
        REQUIRE(row->outcome);
        CHECK(report::outcomeFromName(*row->outcome).has_value());
        CHECK(f.store().rawMessage(f.lastId()) == raw);
        ++outcomes[*row->outcome];

        auto parsed = mime::parseMessage(raw);
        const auto& top = parsed.parts.front().contentType;
        if (top == "multipart/report" || top == "message/delivery-status" ||
            top == "message/disposition-notification") {
            CHECK_MESSAGE(!result.answerQueued, "a delivery or read report was answered");
        }
        // An answer never quotes the message: no line of its text longer than
        // 30 characters may appear in what we send.
        for (const auto& answerItem : f.store().outboxForMessage(f.lastId())) {
            auto answer = mime::parseMessage(answerItem.raw).text;
            for (auto line : splitLines(parsed.text)) {
                auto t = trim(line);
                if (t.size() < 30) continue;
                CHECK_MESSAGE(answer.find(std::string(t)) == std::string::npos,
                              "an answer contains a line of the message: " << std::string(t));
            }
        }
    }
    std::ostringstream summary;
    for (const auto& [outcome, count] : outcomes) summary << outcome << "=" << count << " ";
    MESSAGE("corpus: " << files.size() << " messages: " << summary.str());
}
