// Reading ahead: while the processing thread files one message, reader
// threads parse and decrypt the next ones, each through its own GPGME worker
// process (OpenPgp::readers), so decryption uses the other core. Only the
// pure part moves (parsing, decrypting, verifying); filing, key imports and
// everything that touches the store stay on the processing thread, in arrival
// order. The store is read on the processing thread too: the readers get the
// raw bytes, never a connection.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "secmaild/mime/message.hpp"
#include "secmaild/pgp/mail.hpp"
#include "secmaild/service/runtime.hpp"

namespace secmaild::service {

struct ReadMessage {
    mime::ParsedMessage parsed;
    pgp::MailSecurity security;
    std::uint64_t keyImports = 0;  // OpenPgp::keyImports when it was read
    std::exception_ptr failure;    // a bug while reading: rethrown where the message is processed
    bool workerFailed = false;     // the GPGME worker died meanwhile: read it again in the daemon
};

// Limits of the read-ahead window: messages and raw bytes in flight.
struct ReadAheadLimits {
    std::size_t perReader = 2;
    std::uint64_t maxBytes = 64u << 20;
};

class ReadAhead {
public:
    // Reads nothing ahead (take() returns nullopt) when the runtime has no readers.
    ReadAhead(Runtime& runtime, std::vector<std::int64_t> ids, ReadAheadLimits limits = {});
    // Waits for the reads in flight.
    ~ReadAhead();
    ReadAhead(const ReadAhead&) = delete;
    ReadAhead& operator=(const ReadAhead&) = delete;

    // The read of ids[i], waiting for it; queues the following ones first.
    // nullopt when reading ahead is off. Call with increasing i, on the
    // thread that owns the runtime's store.
    std::optional<ReadMessage> take(std::size_t i);

private:
    struct Job {
        std::size_t index = 0;
        std::string raw;
        std::uint64_t keyImports = 0;
    };
    void fill(std::size_t from);
    void serve(pgp::GpgWorker& worker);

    Runtime& rt_;
    std::vector<std::int64_t> ids_;
    ReadAheadLimits limits_;
    std::size_t window_ = 0;
    std::size_t next_ = 0;  // the next index to queue
    std::uint64_t bytesInFlight_ = 0;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Job> jobs_;
    std::map<std::size_t, std::pair<ReadMessage, std::uint64_t>> done_;  // with its raw size
    bool closing_ = false;
    std::vector<std::thread> readers_;
};

// The MIME limits of the config.
mime::MessageLimits messageLimits(const config::Limits& limits);

// Parses and reads the OpenPGP of one message with `decrypter` (null: OpenPGP off).
ReadMessage readMessage(const Runtime& runtime, std::string_view raw, pgp::Decrypter* decrypter);

}  // namespace secmaild::service
