// Where a MailEnv keeps its files, and the configuration texts of its Dovecot and Postfix.
// Pure functions of the layout and the settings: nothing here starts a process or writes a
// file. Internal to the test harness (mail_env.cpp is the only user).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "mail_env.hpp"

namespace secmaild::testing {

// Every path of one environment, derived from its (absolute, normalised) root.
struct ServerLayout {
    explicit ServerLayout(const std::filesystem::path& rootDir);
    std::filesystem::path homeOf(const std::string& address) const { return home / address; }

    std::filesystem::path root, stateFile, spool, home;
    std::filesystem::path dovecotDir, dovecotConf, dovecotUsers, dovecotBaseDir, dovecotStateDir, dovecotLog,
        dovecotStartLog, dovecotPidFile, lmtpSocket;
    // Postfix's queue and data directories lie beside its config directory, not inside it:
    // `postfix check` wants the config directory to hold only root-owned files.
    std::filesystem::path postfixDir, postfixConfigDir, postfixQueue, postfixData, postfixLog, postfixStartLog,
        postfixPidFile, postfixMailboxes, postfixHeldRecipients;
};

struct ServerSettings {
    std::string instance;
    int imapPort = 0;
    int smtpPort = 0;
    unsigned mailUid = 0;
    unsigned mailGid = 0;
    std::size_t messageSizeLimit = 0;
    std::vector<MailUser> users;
};

// Dovecot's instance name for a root: the same in every process that looks at that root.
std::string instanceNameFor(const std::filesystem::path& root);

// The distinct domains of the users, in first-seen order.
std::vector<std::string> domainsOf(const std::vector<MailUser>& users);

std::string dovecotConfig(const ServerLayout& layout, const ServerSettings& settings);
std::string dovecotUsersFile(const ServerLayout& layout, const ServerSettings& settings);
std::string postfixMainCf(const ServerLayout& layout, const ServerSettings& settings);
std::string postfixMasterCf(const ServerSettings& settings);
std::string postfixMailboxes(const ServerSettings& settings);
std::string postfixHeldRecipients(const ServerSettings& settings);

}  // namespace secmaild::testing
