// IMAP commands after login, on one connection (RFC 3501 with MOVE, RFC
// 6851): SELECT, UID SEARCH, UID FETCH with BODY.PEEK[] (never sets \Seen),
// UID STORE of a keyword, UID MOVE. Every command waits at most the
// configured timeout for each server response. Expected failures (NO, a
// vanished message, a dropped connection) are Results; nothing here knows
// about the store or the policy.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "secmaild/imap/response.hpp"
#include "secmaild/imap/transport.hpp"
#include "secmaild/util/clock.hpp"

namespace secmaild::imap {

struct Selected {
    std::int64_t uidValidity = 0;
    std::int64_t uidNext = 0;
    std::int64_t exists = 0;
};

struct Fetched {
    std::int64_t uid = 0;
    std::string raw;
    std::optional<TimePoint> internalDate;
    std::uint64_t size = 0;  // RFC822.SIZE as the server reports it
    bool truncated = false;  // only the first maxBytes were fetched
};

// A command's failure: the server said NO/BAD, or the connection broke
// (then the session is unusable).
struct CommandError {
    std::string message;
    bool connectionLost = false;
    bool refused = false;  // the server answered NO or BAD
};

template <class T>
struct CommandResult {
    std::optional<T> value;
    std::optional<CommandError> error;
    bool ok() const { return value.has_value(); }
};

class Session {
public:
    Session(Transport& transport, std::chrono::milliseconds timeout, ReaderLimits limits = {});

    CommandResult<std::set<std::string>> capability();
    CommandResult<Selected> select(const std::string& mailbox);
    // UIDs greater than `after`, ascending.
    CommandResult<std::vector<std::int64_t>> searchUidsAfter(std::int64_t after);
    // The message, at most `maxBytes` of it. A UID that no longer exists
    // gives an error with connectionLost = false.
    CommandResult<Fetched> fetch(std::int64_t uid, std::uint64_t maxBytes);
    CommandResult<bool> addKeyword(std::int64_t uid, const std::string& keyword);
    CommandResult<bool> move(std::int64_t uid, const std::string& folder);
    // The same for many messages in one command (a UID set). A move succeeds
    // when the server reports COPYUID for it, i.e. moved at least one.
    CommandResult<bool> addKeyword(const std::vector<std::int64_t>& uids, const std::string& keyword);
    CommandResult<bool> move(const std::vector<std::int64_t>& uids, const std::string& folder);
    // Creates the folder unless LIST shows it exists.
    CommandResult<bool> ensureFolder(const std::string& folder);
    void logout();

    bool usable() const { return usable_; }

private:
    struct Exchange {
        std::vector<Response> untagged;
        Response tagged;
    };
    CommandResult<Exchange> run(const std::string& command);

    Transport& transport_;
    std::chrono::milliseconds timeout_;
    ResponseReader reader_;
    unsigned tag_ = 0;
    bool usable_ = true;
};

// "1:3,7,9:10": a compact UID set for commands (the UIDs need not be sorted).
std::string uidSet(std::vector<std::int64_t> uids);

// Mailbox names as IMAP wants them: a quoted string in modified UTF-7
// (RFC 3501 §5.1.3).
std::string quoteMailbox(const std::string& utf8Name);
std::string encodeModifiedUtf7(const std::string& utf8Name);

}  // namespace secmaild::imap
