// The daemon's configuration (TOML): what each section means, its defaults,
// and the loader that reports every problem with its file and key. The
// loader checks this file only; the files it names (policy, templates,
// password files) are checked by service/config_check.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "secmaild/util/secret.hpp"

namespace secmaild::config {

struct Problem {
    std::string file;
    std::string key;  // "imap.url"; empty for a problem with the whole file
    std::string message;
};
std::string describe(const Problem& p);  // "FILE: imap.url: message"

enum class TlsMode { Required, None };
enum class MarkMode { Keyword, Move };

struct Endpoint {
    std::string url;   // scheme://host[:port][/path], no credentials
    std::string host;  // parsed from url
    std::string user;
    SecretSource password;  // password_credential / password_file; neither: no authentication
    TlsMode tls = TlsMode::Required;
    bool tlsVerify = true;
    std::filesystem::path caFile;
    std::chrono::seconds timeout{30};
};

struct Imap : Endpoint {
    std::string mailbox = "INBOX";  // the URL's path
    std::chrono::seconds pollInterval{60};
    MarkMode mark = MarkMode::Keyword;
    std::string keyword = "$SecmaildFiled";
    std::string moveTo = "Filed";
    int fetchBatch = 100;
};

struct Smtp : Endpoint {
    std::string from;      // our address: envelope sender and From
    std::string fromName;  // display name in From
    std::chrono::seconds retryBase{60};
    std::chrono::seconds retryMax{3600};
    std::chrono::seconds giveUpAfter{5 * 86400};
};

// Bounds on what one message may cost. Dovecot's message-parser uses 100
// nested parts and 10,000 parts; ours are tighter because report mail is
// simple and every limit hit is flagged for a human.
struct Limits {
    // Room for a 40 MB attachment in base64 (about 55 MB on the wire).
    std::uint64_t maxMessageBytes = 64ull << 20;
    std::uint64_t maxHeaderBytes = 1ull << 20;  // one header block
    std::uint64_t maxHeaderLine = 64ull << 10;  // one (unfolded) header field
    std::uint64_t maxDepth = 30;
    std::uint64_t maxParts = 500;
    std::uint64_t maxTextBytes = 4ull << 20;  // text analysed for report fields
};

enum class ReplyAddress { ReplyTo, From };

struct Answers {
    int perSenderPerHour = 5;
    std::vector<std::string> ownAddresses;  // besides smtp.from; lower-case
    ReplyAddress replyAddress = ReplyAddress::ReplyTo;
};

// secmaild's own OpenPGP identity. Without this section OpenPGP is off:
// encrypted reports are stored and flagged but not read, answers go out
// unsigned, and the store is not encrypted at rest.
struct Gpg {
    std::filesystem::path home;            // default: "gnupg" beside the store
    SecretSource passphrase;  // passphrase_credential / passphrase_file; neither: the key has none
    std::string keyFingerprint;            // empty: the secret key whose user ID is smtp.from
    bool signAnswers = true;
    bool encryptAnswers = true;  // to a reporter whose key is known
    std::string keyUrl;          // where reporters fetch our public key (said when we cannot decrypt)
    // GPGME worker processes per busy thread (decrypting ahead of filing;
    // signing answers ahead of sending); 0: GPGME in the daemon's own threads.
    int workers = 2;
};

struct Maintainers {
    // One armored file with the maintainers' public keys: the only keys that
    // carry authority, and the keys maintainer mail is encrypted to.
    std::filesystem::path keysFile;
    // A signed mail command whose signature is older than this (measured
    // against the mail's arrival) is refused: a signed mail seen in a Cc or
    // an archive cannot be replayed later.
    std::chrono::seconds commandMaxAge = std::chrono::hours{72};
};

struct Notify {
    std::vector<std::string> maintainers;  // lower-case addresses told of each new report
};

// Envelope encryption of the store (needs [gpg]): who can unwrap the data key.
struct AtRest {
    bool encrypt = true;
    // Fingerprints, or "maintainers" for every key in the maintainers' keys file.
    std::vector<std::string> archiveRecipients{"maintainers"};
};

struct Config {
    std::filesystem::path file;
    std::optional<Imap> imap;  // absent: messages arrive only through `secmailctl ingest`
    Smtp smtp;
    std::filesystem::path storePath;
    std::filesystem::path policyFile;
    std::filesystem::path templatesDir;
    Limits limits;
    Answers answers;
    std::optional<Gpg> gpg;
    Maintainers maintainers;
    Notify notify;
    AtRest atRest;
    std::string logLevel = "info";
    // Prometheus text exposition, rewritten after each pass, for
    // node_exporter's textfile collector; empty: none.
    std::filesystem::path metricsFile;

    // smtp.from plus answers.own_addresses, lower-case: mail from these is ours.
    std::vector<std::string> ownAddresses() const;
};

struct LoadResult {
    std::optional<Config> config;  // set when there are no problems
    std::vector<Problem> problems;
};

// Reads and validates the config file. Relative paths inside it are resolved
// against the directory of the file. Never throws for bad input.
LoadResult loadConfig(const std::filesystem::path& file);
// The same, from text (tests); `file` is used for messages and relative paths.
LoadResult parseConfig(std::string_view text, const std::filesystem::path& file);

}  // namespace secmaild::config
