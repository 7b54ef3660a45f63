// A Runtime for tests that need the whole pipeline but no network: a config
// written into a temp dir, the shipped policy and templates, a store on disk
// and a fake clock. SMTP points at a closed port; tests read the outbox.
#pragma once

#include <fstream>
#include <memory>
#include <string>

#include "secmaild/config/config.hpp"
#include "secmaild/service/pipeline.hpp"
#include "secmaild/service/runtime.hpp"
#include "temp_dir.hpp"

namespace secmaild::testing {

class RuntimeFixture {
public:
    explicit RuntimeFixture(const std::string& policy = "personal-chatter.toml", const std::string& extra = "",
                            TimePoint start = fromUnix(1795473753))
        : clock_(start) {
        const std::filesystem::path source(SECMAILD_SOURCE_DIR);
        std::ofstream(dir_ / "secmaild.toml")
            << "[smtp]\n"
               "url = \"smtp://127.0.0.1:9\"\n"
               "tls = \"none\"\n"
               "from = \"security@example.org\"\n"
               "from_name = \"Example security team\"\n"
               "timeout = \"2s\"\n"
               "[store]\npath = \"store.db\"\n"
               "[policy]\nfile = \""
            << (source / "config/policies" / policy).string() << "\"\n[templates]\ndir = \""
            << (source / "config/templates").string() << "\"\n"
            << extra;
        auto loaded = service::loadRuntime(dir_ / "secmaild.toml", clock_);
        for (const auto& p : loaded.problems) problems_ += config::describe(p) + "\n";
        runtime_ = std::move(loaded.runtime);
    }

    bool ok() const { return runtime_ != nullptr; }
    const std::string& problems() const { return problems_; }
    service::Runtime& rt() { return *runtime_; }
    store::Store& store() { return *runtime_->store; }
    FakeClock& clock() { return clock_; }
    const TempDir& dir() const { return dir_; }

    // Stores the message as if `secmailctl ingest` read it, and processes it.
    service::Processed ingest(const std::string& raw) {
        store::IncomingMessage m;
        m.receivedAt = clock_.now();
        m.source = "stdin";
        m.raw = raw;
        auto id = runtime_->store->storeIncoming(m, clock_.now());
        lastId_ = id;
        return service::processMessage(*runtime_, id);
    }
    std::int64_t lastId() const { return lastId_; }

private:
    TempDir dir_;
    FakeClock clock_;
    std::unique_ptr<service::Runtime> runtime_;
    std::string problems_;
    std::int64_t lastId_ = 0;
};

}  // namespace secmaild::testing
