// Config loading: toml++ parses, TableReader checks each key's type and range
// and remembers which keys it was asked about, so whatever is left over is
// reported as unknown. All problems are collected, not just the first.
#include "secmaild/config/config.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "secmaild/config/toml_reader.hpp"
#include "secmaild/util/duration.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::config {

std::string describe(const Problem& p) {
    std::string out = p.file + ": ";
    if (!p.key.empty()) out += p.key + ": ";
    return out + p.message;
}

std::vector<std::string> Config::ownAddresses() const {
    std::vector<std::string> out{toLower(smtp.from)};
    for (const auto& a : answers.ownAddresses) out.push_back(toLower(a));
    return out;
}

namespace {

struct UrlParts {
    std::string scheme, host, path;
    bool hasCredentials = false;
};

std::optional<UrlParts> parseUrl(const std::string& url) {
    std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> h(curl_url(), curl_url_cleanup);
    if (!h || curl_url_set(h.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return std::nullopt;
    auto get = [&](CURLUPart part, unsigned flags = 0) -> std::optional<std::string> {
        char* value = nullptr;
        if (curl_url_get(h.get(), part, &value, flags) != CURLUE_OK) return std::nullopt;
        std::string out{value};
        curl_free(value);
        return out;
    };
    UrlParts parts;
    parts.scheme = toLower(get(CURLUPART_SCHEME).value_or(""));
    parts.host = get(CURLUPART_HOST).value_or("");
    parts.path = get(CURLUPART_PATH, CURLU_URLDECODE).value_or("");
    parts.hasCredentials = get(CURLUPART_USER).has_value() || get(CURLUPART_PASSWORD).has_value();
    return parts;
}

bool isLoopbackHost(std::string_view host) {
    return host == "localhost" || istartsWith(host, "127.") || host == "[::1]" || host == "::1";
}

bool isFingerprint(std::string_view s) {
    return s.size() == 40 && std::all_of(s.begin(), s.end(), [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)); });
}

std::string toUpper(std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return s;
}

bool looksLikeAddress(std::string_view a) {
    auto at = a.find('@');
    return at != std::string_view::npos && at > 0 && at + 1 < a.size() &&
           a.find('@', at + 1) == std::string_view::npos && a.find_first_of(" \t\r\n<>,;\"") == std::string_view::npos;
}

// A systemd credential name: a file name in $CREDENTIALS_DIRECTORY.
constexpr const char* kCredentialNameRule =
    "must be a systemd credential name (letters, digits, '.', '_', '-'; no '/'), e.g. \"secmaild_imap-password\"";
bool validCredentialName(std::string_view name) {
    if (name.empty() || name.size() > 255 || name == "." || name == "..") return false;
    return std::all_of(name.begin(), name.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-';
    });
}

void readEndpoint(TableReader& r, Endpoint& e, const std::filesystem::path& base,
                  std::initializer_list<std::string_view> schemes, std::string_view secureScheme,
                  bool passwordRequired) {
    if (auto url = r.string("url", true)) {
        auto parts = parseUrl(*url);
        bool schemeOk = parts && std::find(schemes.begin(), schemes.end(), parts->scheme) != schemes.end();
        if (!parts || parts->host.empty()) {
            r.problem("url", "'" + *url + "' is not a URL");
        } else if (!schemeOk) {
            std::string list;
            for (auto s : schemes) list += (list.empty() ? "" : " or ") + std::string(s) + "://";
            r.problem("url", "must start with " + list);
        } else if (parts->hasCredentials) {
            r.problem("url", "must not contain a user name or password; use user and password_file");
        } else {
            e.url = *url;
            e.host = parts->host;
        }
    }
    if (auto user = r.string("user")) e.user = *user;
    if (auto name = r.string("password_credential")) {
        if (validCredentialName(*name))
            e.password.credential = *name;
        else
            r.problem("password_credential", kCredentialNameRule);
    }
    if (auto p = r.path("password_file", base)) e.password.file = *p;
    if (!e.password.configured() && (passwordRequired || !e.user.empty()))
        r.problem("password_file", std::string(passwordRequired ? "is required" : "is required when user is set") +
                                       " (or password_credential, under systemd)");
    if (auto tls = r.string("tls")) {
        if (*tls == "required")
            e.tls = TlsMode::Required;
        else if (*tls == "none")
            e.tls = TlsMode::None;
        else
            r.problem("tls", "must be \"required\" or \"none\"");
    }
    if (auto v = r.boolean("tls_verify")) e.tlsVerify = *v;
    if (auto p = r.path("ca_file", base)) e.caFile = *p;
    if (auto t = r.duration("timeout", std::chrono::seconds{1})) e.timeout = *t;
    auto parts = e.url.empty() ? std::nullopt : parseUrl(e.url);
    if (parts && e.tls == TlsMode::None) {
        if (parts->scheme == secureScheme)
            r.problem("tls", "is \"none\" but the url uses " + std::string(secureScheme) + "://");
        else if (!isLoopbackHost(parts->host))
            r.problem("tls",
                      "\"none\" is only allowed for a server on this machine (127.0.0.1, ::1, localhost): "
                      "it would send the password in clear");
    }
}

}  // namespace

LoadResult parseConfig(std::string_view text, const std::filesystem::path& file) {
    LoadResult result;
    auto& problems = result.problems;
    const std::string fileName = file.string();
    const auto base = file.has_parent_path() ? file.parent_path() : std::filesystem::path{"."};

    auto parsed = parseToml(text, fileName, problems);
    if (!parsed) return result;
    const toml::table& root = *parsed;

    Config c;
    c.file = file;
    TableReader top(&root, "", fileName, problems);
    auto section = [&](std::string_view name, bool required) { return top.table(name, required); };

    if (auto t = section("imap", false)) {
        TableReader r(t, "imap", fileName, problems);
        Imap imap;
        readEndpoint(r, imap, base, {"imap", "imaps"}, "imaps", true);
        if (r.node("user") == nullptr) r.problem("user", "is required");
        auto parts = imap.url.empty() ? std::nullopt : parseUrl(imap.url);
        if (parts) {
            std::string mailbox{trim(parts->path)};
            while (!mailbox.empty() && mailbox.front() == '/') mailbox.erase(0, 1);
            while (!mailbox.empty() && mailbox.back() == '/') mailbox.pop_back();
            if (!mailbox.empty()) imap.mailbox = mailbox;
            if (imap.mailbox.find_first_of("\r\n\"\\") != std::string::npos)
                r.problem("url", "the mailbox name contains a character we cannot send");
        }
        if (auto d = r.duration("poll_interval", std::chrono::seconds{1})) imap.pollInterval = *d;
        if (auto m = r.string("mark")) {
            if (*m == "keyword")
                imap.mark = MarkMode::Keyword;
            else if (*m == "move")
                imap.mark = MarkMode::Move;
            else
                r.problem("mark", "must be \"keyword\" or \"move\"");
        }
        if (auto k = r.string("keyword")) {
            // An IMAP atom: no specials, no backslash (system flags are not ours to set).
            bool ok = !k->empty() && k->size() <= 64 && k->find_first_of(" ()[]{}%*\"\\\r\n\t") == std::string::npos;
            if (ok)
                imap.keyword = *k;
            else
                r.problem("keyword", "must be an IMAP keyword such as $SecmaildFiled (no spaces, brackets or \\)");
        }
        if (auto f = r.string("move_to")) {
            if (f->empty() || f->find_first_of("\r\n\"\\%*") != std::string::npos)
                r.problem("move_to",
                          "must be a folder name without quotes, backslashes, wildcards (% *) or line breaks");
            else
                imap.moveTo = *f;
        }
        if (auto b = r.integer("fetch_batch", 1, 10000)) imap.fetchBatch = static_cast<int>(*b);
        r.rejectUnknownKeys();
        c.imap = std::move(imap);
    }

    if (auto t = section("smtp", true)) {
        TableReader r(t, "smtp", fileName, problems);
        readEndpoint(r, c.smtp, base, {"smtp", "smtps"}, "smtps", false);
        if (auto from = r.string("from", true)) {
            if (looksLikeAddress(*from))
                c.smtp.from = *from;
            else
                r.problem("from", "'" + *from + "' is not a plain address such as security@example.org");
        }
        if (auto n = r.string("from_name")) {
            if (n->find_first_of("\r\n") != std::string::npos)
                r.problem("from_name", "must be one line");
            else
                c.smtp.fromName = *n;
        }
        if (auto d = r.duration("retry_base", std::chrono::seconds{0})) c.smtp.retryBase = *d;
        if (auto d = r.duration("retry_max", std::chrono::seconds{1})) c.smtp.retryMax = *d;
        if (auto d = r.duration("give_up_after", std::chrono::seconds{60})) c.smtp.giveUpAfter = *d;
        r.rejectUnknownKeys();
    }

    c.storePath = "/var/lib/secmaild/secmaild.db";
    bool encryptSet = false;
    if (auto t = section("store", false)) {
        TableReader r(t, "store", fileName, problems);
        if (auto p = r.path("path", base, true)) c.storePath = *p;
        if (auto v = r.boolean("encrypt")) {
            c.atRest.encrypt = *v;
            encryptSet = true;
        }
        if (auto list = r.stringList("archive_recipients")) {
            c.atRest.archiveRecipients.clear();
            for (const auto& a : *list) {
                if (a == "maintainers" || isFingerprint(a))
                    c.atRest.archiveRecipients.push_back(a == "maintainers" ? a : toUpper(a));
                else
                    r.problem("archive_recipients", "'" + a + "' is neither \"maintainers\" nor a 40-hex fingerprint");
            }
        }
        r.rejectUnknownKeys();
    }

    if (auto t = section("gpg", false)) {
        TableReader r(t, "gpg", fileName, problems);
        Gpg g;
        const auto storeDir = c.storePath.has_parent_path() ? c.storePath.parent_path() : base;
        g.home = storeDir / "gnupg";
        if (auto p = r.path("home", base)) g.home = *p;
        // gpg-agent's socket lives in the home: a unix socket path has 107 bytes.
        if (g.home.string().size() > 80)
            r.problem("home", "the path is longer than 80 characters; gpg-agent's socket would not fit");
        if (auto name = r.string("passphrase_credential")) {
            if (validCredentialName(*name))
                g.passphrase.credential = *name;
            else
                r.problem("passphrase_credential", kCredentialNameRule);
        }
        if (auto p = r.path("passphrase_file", base)) g.passphrase.file = *p;
        if (auto k = r.string("key")) {
            if (isFingerprint(*k))
                g.keyFingerprint = toUpper(*k);
            else
                r.problem("key", "must be the key's 40-hex fingerprint");
        }
        if (auto v = r.boolean("sign_answers")) g.signAnswers = *v;
        if (auto v = r.boolean("encrypt_answers")) g.encryptAnswers = *v;
        if (auto v = r.integer("workers", 0, 16)) g.workers = static_cast<int>(*v);
        if (auto u = r.string("key_url")) {
            if (u->find_first_of(" \t\r\n") != std::string::npos)
                r.problem("key_url", "must be a URL without spaces");
            else
                g.keyUrl = *u;
        }
        r.rejectUnknownKeys();
        c.gpg = std::move(g);
    }
    if (!c.gpg) {
        if (encryptSet && c.atRest.encrypt)
            top.problem("store", "encrypt = true needs a [gpg] section: the data key is wrapped to secmaild's key");
        c.atRest.encrypt = false;
    }

    if (auto t = section("maintainers", false)) {
        TableReader r(t, "maintainers", fileName, problems);
        if (auto p = r.path("keys", base, true)) c.maintainers.keysFile = *p;
        if (auto d = r.duration("command_max_age", std::chrono::seconds{60})) c.maintainers.commandMaxAge = *d;
        r.rejectUnknownKeys();
    }

    if (auto t = section("notify", false)) {
        TableReader r(t, "notify", fileName, problems);
        if (auto list = r.stringList("maintainers")) {
            for (const auto& a : *list) {
                if (looksLikeAddress(a))
                    c.notify.maintainers.push_back(toLower(a));
                else
                    r.problem("maintainers", "'" + a + "' is not a plain address");
            }
        }
        r.rejectUnknownKeys();
    }

    if (auto t = section("policy", true)) {
        TableReader r(t, "policy", fileName, problems);
        if (auto p = r.path("file", base, true)) c.policyFile = *p;
        r.rejectUnknownKeys();
    }

    c.templatesDir = base / "templates";
    if (auto t = section("templates", false)) {
        TableReader r(t, "templates", fileName, problems);
        if (auto p = r.path("dir", base, true)) c.templatesDir = *p;
        r.rejectUnknownKeys();
    }

    if (auto t = section("limits", false)) {
        TableReader r(t, "limits", fileName, problems);
        auto& l = c.limits;
        if (auto v = r.size("max_message_size", 64 << 10, 1ull << 30)) l.maxMessageBytes = *v;
        if (auto v = r.size("max_header_size", 4 << 10, 64ull << 20)) l.maxHeaderBytes = *v;
        if (auto v = r.size("max_header_line", 998, 16ull << 20)) l.maxHeaderLine = *v;
        if (auto v = r.integer("max_depth", 1, 1000)) l.maxDepth = static_cast<std::uint64_t>(*v);
        if (auto v = r.integer("max_parts", 1, 100000)) l.maxParts = static_cast<std::uint64_t>(*v);
        if (auto v = r.size("max_text_size", 4 << 10, 256ull << 20)) l.maxTextBytes = *v;
        r.rejectUnknownKeys();
    }

    if (auto t = section("answers", false)) {
        TableReader r(t, "answers", fileName, problems);
        if (auto v = r.integer("per_sender_per_hour", 0, 1000)) c.answers.perSenderPerHour = static_cast<int>(*v);
        if (auto list = r.stringList("own_addresses")) {
            for (const auto& a : *list) {
                if (looksLikeAddress(a))
                    c.answers.ownAddresses.push_back(toLower(a));
                else
                    r.problem("own_addresses", "'" + a + "' is not a plain address");
            }
        }
        if (auto v = r.string("reply_to")) {
            if (*v == "reply-to")
                c.answers.replyAddress = ReplyAddress::ReplyTo;
            else if (*v == "from")
                c.answers.replyAddress = ReplyAddress::From;
            else
                r.problem("reply_to", "must be \"reply-to\" or \"from\"");
        }
        r.rejectUnknownKeys();
    }

    if (auto t = section("log", false)) {
        TableReader r(t, "log", fileName, problems);
        if (auto v = r.string("level")) {
            static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
            if (levels.count(*v))
                c.logLevel = *v;
            else
                r.problem("level", "must be one of trace, debug, info, warn, error, critical, off");
        }
        r.rejectUnknownKeys();
    }

    if (auto t = section("metrics", false)) {
        TableReader r(t, "metrics", fileName, problems);
        if (auto p = r.path("textfile", base)) {
            if (p->extension() != ".prom")
                r.problem("textfile", "must end in .prom (node_exporter's textfile collector reads only those)");
            else
                c.metricsFile = *p;
        }
        r.rejectUnknownKeys();
    }

    top.rejectUnknownKeys();
    if (problems.empty()) result.config = std::move(c);
    return result;
}

LoadResult loadConfig(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        LoadResult r;
        r.problems.push_back({file.string(), "", "no such file (or not a regular file)"});
        return r;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        LoadResult r;
        r.problems.push_back({file.string(), "", "cannot be read"});
        return r;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parseConfig(text.str(), file);
}

}  // namespace secmaild::config
