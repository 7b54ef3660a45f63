// A throwaway mail system for integration tests, the demo and the benchmark: Dovecot (IMAP and
// LMTP) and Postfix (SMTP, delivering into Dovecot over LMTP), both from the Debian packages,
// listening on ephemeral 127.0.0.1 ports, with every file under one root directory. Nothing
// under /etc is written; neither server reads /etc/dovecot or Postfix's main.cf and master.cf
// there (Postfix still reads its packaged /etc/postfix/dynamicmaps.cf). Needs root: the
// Maildirs belong to the system user `mail`, Postfix runs as `postfix`. The clients used here
// (the curl command line) are independent of secmaild's own IMAP and SMTP code, so a test can
// check one with the other. Not thread-safe: one thread drives one MailEnv.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "secmaild/util/result.hpp"

namespace secmaild::testing {

struct MailUser {
    std::string address;   // local@domain; stored lower-cased; letters, digits and ._+- only
    std::string password;  // printable ASCII without spaces or ':'
    // Mail to this user waits in Postfix's hold queue until releaseHeld(): the benchmark keeps
    // the delivery of secmaild's answers off the cores it measures.
    bool held = false;
};

struct MailEnvOptions {
    // How long start() and startSmtp() wait for a server to greet.
    std::chrono::milliseconds startTimeout{15'000};
    // Deadline of one client command (a curl run) and of stopping a server.
    std::chrono::milliseconds commandTimeout{300'000};
    std::chrono::milliseconds stopTimeout{10'000};
    // Postfix's message_size_limit (Dovecot sets none).
    std::size_t messageSizeLimit = 100u << 20;
    // Attempts with fresh ports when another process took a port between probing and binding.
    int portAttempts = 3;
};

// What the SMTP client (curl) saw for one session.
struct SmtpOutcome {
    int curlExitCode = -1;        // 0: every message accepted; 7: no connection; 55: a command refused
    std::vector<int> replyCodes;  // the last SMTP reply code of each attempted message (0: none)
    std::size_t accepted = 0;     // messages the server accepted (250 after DATA)
    std::string diagnostics;      // curl's error output
    bool ok() const { return curlExitCode == 0; }
    int lastReplyCode() const { return replyCodes.empty() ? 0 : replyCodes.back(); }
    bool permanentFailure() const { return lastReplyCode() >= 500 && lastReplyCode() < 600; }
};

class MailEnv {
public:
    // Starts Dovecot and Postfix under `root` (created if missing; it and its parents must be
    // searchable by others, /tmp is fine) for `users`. Every domain of a user is a virtual
    // mailbox domain that Postfix delivers to Dovecot over LMTP; mail to any other domain, or
    // to an unknown user of a served domain, is refused with a 5xx reply. Servers left running
    // in `root` by an earlier crashed run are stopped first. Returns an error with the servers'
    // log tails when one does not come up. Throws only std::bad_alloc.
    static Result<std::unique_ptr<MailEnv>> start(const std::filesystem::path& root, std::vector<MailUser> users,
                                                  MailEnvOptions options = {});
    // The environment that start() left running in `root` (read from its state file); the
    // returned object does not stop the servers when destroyed (call stop()).
    static Result<std::unique_ptr<MailEnv>> attach(const std::filesystem::path& root, MailEnvOptions options = {});

    // Stops both servers unless release() was called or the object came from attach().
    ~MailEnv();
    MailEnv(const MailEnv&) = delete;
    MailEnv& operator=(const MailEnv&) = delete;

    // Leaves the servers running after this object is gone (for the secmail-testenv tool).
    void release() { owned_ = false; }
    // Stops Postfix, then Dovecot, and kills any process of this environment still alive.
    // Returns an error naming the processes that survived.
    Status stop();

    int imapPort() const { return imapPort_; }
    int smtpPort() const { return smtpPort_; }
    std::string imapUrl(std::string_view mailbox = "INBOX") const;  // imap://127.0.0.1:PORT/INBOX
    std::string smtpUrl() const;                                    // smtp://127.0.0.1:PORT
    std::filesystem::path root() const { return root_; }
    const std::vector<MailUser>& users() const { return users_; }
    // Dovecot's instance_name; its processes are titled "dovecot-<instance>/<service>".
    const std::string& instanceName() const { return instance_; }

    // Stops Postfix and waits until its port refuses connections. Mail already accepted stays
    // in the queue and is delivered after startSmtp().
    Status stopSmtp();
    // Starts Postfix again on the same port and waits for its greeting.
    Status startSmtp();

    // Lets Postfix deliver the mail it holds for held users (postsuper -H, then a queue run).
    Status releaseHeld();
    // Messages in Postfix's hold queue.
    std::size_t heldCount() const;

    // Sends through Postfix with the curl command line, all messages in one SMTP session (one
    // process, one connection). The messages are written to files under root() first, and sent
    // as they are (curl does the dot-stuffing; use CRLF line ends). Submission only: call
    // waitForMessages() to see them delivered.
    SmtpOutcome send(const std::string& from, const std::string& to, const std::vector<std::string>& rawMessages);
    // The same with messages already in files (secmail-testenv send).
    SmtpOutcome sendFiles(const std::string& from, const std::string& to,
                          const std::vector<std::filesystem::path>& files);
    // send() as a Status; the error carries curl's exit code, the reply code and its message.
    Status deliver(const std::string& from, const std::string& to, const std::string& rawMessage);
    Status deliverMany(const std::string& from, const std::string& to, const std::vector<std::string>& rawMessages);

    // Mailbox names below are IMAP names with '/' as the hierarchy separator ("Archive/2024");
    // ASCII only (no modified UTF-7 here), no leading '.' or '/', no "..".

    // Messages in `user`'s mailbox as files in its Maildir (new/ and cur/), without IMAP; 0 for
    // an unknown user or mailbox.
    std::size_t messageCount(const std::string& user, std::string_view mailbox = "INBOX") const;
    // Polls the Maildir until it holds at least n messages; false at the timeout.
    bool waitForMessages(const std::string& user, std::size_t n, std::chrono::milliseconds timeout,
                         std::string_view mailbox = "INBOX") const;

    // Every message of the mailbox in UID order, read over IMAP with the curl command line (one
    // connection). curl fetches with `UID FETCH n BODY[]`, which SETS \Seen on each message:
    // use flags() before this when a test checks \Seen.
    Result<std::vector<std::string>> fetchAll(const std::string& user, std::string_view mailbox = "INBOX");
    // The FLAGS of each message in UID order (e.g. "\Seen \Answered"), read with
    // `UID FETCH 1:* (FLAGS)`, which does not change them.
    Result<std::vector<std::string>> flags(const std::string& user, std::string_view mailbox = "INBOX");
    // Puts a message with exactly these bytes into the Maildir (tmp/ then rename to new/), for
    // tests that need headers no MTA would pass unchanged. Creates the mailbox directory.
    Status appendToMaildir(const std::string& user, const std::string& rawMessage, std::string_view mailbox = "INBOX");

    // The tails of Dovecot's and Postfix's logs, for failure messages.
    std::string logs(std::size_t linesEach = 40) const;

    // Live processes of the environment in `root`: Dovecot's (by instance name or config path)
    // and Postfix's (by their MAIL_CONFIG). Works after the MailEnv is gone.
    static std::vector<int> runningProcesses(const std::filesystem::path& root);

private:
    MailEnv() = default;
    Status writeConfig();
    Status startDovecot();
    Status startPostfix();
    Status stopDovecot();
    Status stopPostfix();
    Status saveState() const;
    Result<std::string> curlImap(const std::string& user, std::string_view mailbox, const std::string& command);
    const MailUser* findUser(const std::string& address) const;
    std::filesystem::path maildir(const std::string& user, std::string_view mailbox) const;
    std::filesystem::path scratchDir(std::string_view what);
    std::string postfixLogTail(std::size_t lines) const;
    std::string dovecotLogTail(std::size_t lines) const;

    std::filesystem::path root_;
    std::vector<MailUser> users_;
    MailEnvOptions options_;
    std::string instance_;
    int imapPort_ = 0;
    int smtpPort_ = 0;
    unsigned mailUid_ = 0;
    unsigned mailGid_ = 0;
    unsigned scratchCounter_ = 0;
    bool owned_ = true;
};

}  // namespace secmaild::testing
