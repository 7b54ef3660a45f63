// OpenPGP test mail from real clients (see pgp_mail.hpp): gpg for keys, inline blocks,
// decryption and verification; mutt on a pseudo-terminal for PGP/MIME. Every tool runs through
// the harness's runCommand (a deadline, its own process group, no shell); only mutt needs a
// shell, inside `script`, to get a terminal. gpg reports through --status-file, never through
// its human-readable messages. Input and output go through files in a scratch directory because
// runCommand gives the child no stdin.
#include "pgp_mail.hpp"

#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "harness_util.hpp"
#include "process.hpp"
#include "secmaild/util/clock.hpp"
#include "secmaild/util/strings.hpp"
#include "secmaild/util/time_format.hpp"

namespace secmaild::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// One gpg run; generous, since a cold gpg-agent start is part of the first operation.
constexpr std::chrono::milliseconds kGpgTimeout{60'000};
// gpg-agent's longest socket name in the home, plus the path's terminating NUL, must fit
// sockaddr_un.sun_path (108 bytes).
constexpr std::size_t kSunPathSize = 108;
constexpr std::string_view kLongestSocket = "/S.gpg-agent.browser";
// Bytes of mutt's screen kept in an error message.
constexpr std::size_t kScreenTail = 3000;

// A directory under /tmp removed with its contents on destruction.
class ScratchDir {
public:
    static Result<ScratchDir> make() {
        std::string pattern = "/tmp/pgpm.XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) return fail("mkdtemp: " + std::string(std::strerror(errno)));
        return ScratchDir(pattern);
    }
    ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
    ScratchDir& operator=(ScratchDir&&) = delete;
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    ~ScratchDir() {
        std::error_code ec;
        if (!path_.empty()) fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    explicit ScratchDir(fs::path p) : path_(std::move(p)) {}
    fs::path path_;
};

std::string describe(const CommandResult& r) {
    std::string s = r.timedOut ? "timed out" : "exit code " + std::to_string(r.exitCode);
    if (!r.err.empty()) s += "\n" + r.err;
    if (!r.out.empty()) s += "\n" + r.out;
    return s;
}

CommandResult runGpg(const fs::path& home, std::vector<std::string> args,
                     std::chrono::milliseconds timeout = kGpgTimeout) {
    std::vector<std::string> argv{"gpg", "--homedir", home.string(), "--batch", "--no-tty"};
    argv.insert(argv.end(), std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
    CommandOptions options;
    options.timeout = timeout;
    options.unsetEnv.push_back("GNUPGHOME");
    return runCommand(argv, options);
}

// The argument lists of the status lines "[GNUPG:] KEYWORD args..." with this keyword.
std::vector<std::vector<std::string>> statusLines(const std::string& status, std::string_view keyword) {
    std::vector<std::vector<std::string>> found;
    for (std::string_view line : splitLines(status)) {
        constexpr std::string_view prefix = "[GNUPG:] ";
        if (line.substr(0, prefix.size()) != prefix) continue;
        line.remove_prefix(prefix.size());
        std::vector<std::string> words;
        for (std::string_view w : split(line, ' '))
            if (!w.empty()) words.emplace_back(w);
        if (!words.empty() && words.front() == keyword) {
            words.erase(words.begin());
            found.push_back(std::move(words));
        }
    }
    return found;
}

bool hasStatus(const std::string& status, std::string_view keyword) {
    return !statusLines(status, keyword).empty();
}

// Fills the signature fields of `r` from gpg's status lines.
void readSignature(GpgResult& r) {
    const auto valid = statusLines(r.status, "VALIDSIG");
    r.goodSignature = hasStatus(r.status, "GOODSIG") && !valid.empty() && !hasStatus(r.status, "BADSIG") &&
                      !hasStatus(r.status, "ERRSIG");
    // VALIDSIG <signing key fpr> <date> <ts> <expire> <version> <reserved> <algo> <hash> <class> <primary fpr>
    if (r.goodSignature) r.signerFingerprint = valid.front().size() >= 10 ? valid.front()[9] : valid.front()[0];
}

bool hasControlChar(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f) return true;
    return false;
}

// A single-quoted POSIX shell word.
std::string shellQuote(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

// A double-quoted muttrc string: backslash, quote, and the characters mutt expands in one.
std::string muttQuote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\' || c == '$' || c == '`') out += '\\';
        out += c;
    }
    return out + "\"";
}

// What a terminal would have shown, roughly: a cursor move to another line becomes a line
// break, other escape sequences and control characters a space, runs of blanks one.
std::string screenText(std::string_view raw) {
    std::string out;
    const auto blank = [&out](char b) {
        if (b == '\n' && !out.empty() && out.back() == ' ') out.pop_back();
        if (out.empty() || (out.back() != ' ' && out.back() != '\n')) out += b;
    };
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(raw[i]);
        if (c == 0x1b) {
            char final = 0;
            if (i + 1 < raw.size() && raw[i + 1] == '[') {
                i += 2;
                while (i < raw.size() && !(raw[i] >= 0x40 && raw[i] <= 0x7e)) ++i;
                if (i < raw.size()) final = raw[i];
            } else if (i + 1 < raw.size() && (raw[i + 1] == '(' || raw[i + 1] == ')')) {
                i += 2;
            } else {
                ++i;
            }
            // CSI H: cursor position, CSI B: cursor down (curses' ways to reach the next line).
            blank(final == 'H' || final == 'B' ? '\n' : ' ');
        } else if (c == '\n') {
            out += '\n';
        } else if (c < 0x20 || c == 0x7f) {
            blank(' ');
        } else if (c != ' ' || out.empty() || (out.back() != ' ' && out.back() != '\n')) {
            out += static_cast<char>(c);
        }
    }
    if (out.size() > kScreenTail) out = "..." + out.substr(out.size() - kScreenTail);
    return out;
}

// The bare addresses of a comma-separated list ("a@x", "Name <a@x>").
std::vector<std::string> addressesOf(std::string_view list) {
    std::vector<std::string> out;
    for (std::string_view item : split(list, ',')) {
        item = trim(item);
        const auto open = item.rfind('<');
        const auto close = item.rfind('>');
        if (open != item.npos && close != item.npos && close > open) item = item.substr(open + 1, close - open - 1);
        item = trim(item);
        if (!item.empty()) out.emplace_back(item);
    }
    return out;
}

// mutt (gpgme) takes a recipient's key without asking only when exactly one key with full or
// ultimate validity on a user ID with that address can encrypt; otherwise it opens a key menu
// and waits for a key press that never comes.
Status checkRecipientKey(const GpgIdentity& from, const std::string& address) {
    const auto listed = runGpg(from.home, {"--with-colons", "--list-keys", "--", "<" + address + ">"});
    std::size_t usable = 0;
    bool keyUsable = false;
    bool counted = false;
    for (std::string_view line : splitLines(listed.out)) {
        const auto f = split(line, ':');
        if (f.empty()) continue;
        if (f[0] == "pub") {
            const std::string_view validity = f.size() > 1 ? f[1] : "";
            const std::string_view caps = f.size() > 11 ? f[11] : "";
            keyUsable = validity.find_first_of("idre") == validity.npos && caps.find('E') != caps.npos &&
                        caps.find('D') == caps.npos;
            counted = false;
        } else if (f[0] == "uid" && keyUsable && !counted && f.size() > 9) {
            const bool valid = f[1] == "f" || f[1] == "u";
            if (valid && icontains(f[9], "<" + address + ">")) {
                ++usable;
                counted = true;
            }
        }
    }
    if (usable == 1) return {};
    return fail("mutt would prompt for a key: " + std::to_string(usable) + " fully valid encryption keys for <" +
                address + "> in " + from.home.string() + " (import exactly one with importPublicKey)");
}

std::string cryptSettings(MuttCrypto crypto) {
    const bool sign = crypto == MuttCrypto::Sign || crypto == MuttCrypto::SignEncrypt;
    const bool encrypt = crypto == MuttCrypto::Encrypt || crypto == MuttCrypto::SignEncrypt;
    return std::string("set crypt_autosign=") + (sign ? "yes" : "no") +
           "\nset crypt_autoencrypt=" + (encrypt ? "yes" : "no") + "\n";
}

std::string muttrc(const GpgIdentity& from, const MuttMail& mail, const fs::path& dir) {
    const auto at = from.email.rfind('@');
    const std::string domain = at == std::string::npos ? "localhost" : from.email.substr(at + 1);
    std::string rc;
    rc += "set sendmail=" + muttQuote((dir / "sendmail").string()) + "\n";
    rc += "set use_from=yes\nset from=" + muttQuote(from.email) + "\nset realname=" + muttQuote(from.name) + "\n";
    rc += "set hostname=" + muttQuote(domain) + "\n";
    rc += "set charset=\"utf-8\"\nset send_charset=\"utf-8\"\n";
    // Files and folders inside the scratch directory, nothing from $HOME or /var/mail.
    const std::string d = dir.string();
    rc += "set folder=" + muttQuote(d) + " spoolfile=" + muttQuote(d + "/spool") + " mbox=" + muttQuote(d + "/mbox") +
          " tmpdir=" + muttQuote(d) + " header_cache=\"\" mailcap_path=\"\"\n";
    rc += "set copy=no record=\"\" postpone=no recall=no\n";
    // The OpenPGP side: gpgme, PGP/MIME only, sign as the sender, no encryption to self.
    rc += "set crypt_use_gpgme=yes crypt_autopgp=yes crypt_autosmime=no smime_is_default=no\n";
    rc += "set pgp_default_key=" + muttQuote(from.fingerprint) + " pgp_sign_as=" + muttQuote(from.fingerprint) + "\n";
    rc += "set pgp_self_encrypt=no pgp_autoinline=no pgp_replyinline=no pgp_mime_auto=yes\n";
    rc += "set crypt_opportunistic_encrypt=no crypt_protected_headers_write=no\n";
    rc += cryptSettings(mail.crypto);
    // No question mutt could wait on: the draft is taken as it is (editor `true`), nothing
    // aborts for being unmodified or lacking a subject or attachment, messages do not pause.
    rc += "set editor=\"true\" edit_headers=yes autoedit=yes abort_unmodified=no abort_nosubject=no\n";
    rc += "set abort_noattach=no send_multipart_alternative=no sleep_time=0 wait_key=no beep=no\n";
    // mutt runs send2-hook when the compose menu opens and again after the (no-op) editor. The
    // pushed keys unhook it first, so the <attach-key> edit cannot fire it once more (that loops
    // forever), then send. <attach-key> always opens its key menu: <select-entry> picks the key.
    std::string keys = "<enter-command>unhook send2-hook<enter>";
    if (mail.attachPublicKey) keys += "<attach-key>" + from.fingerprint + "<enter><select-entry>";
    keys += "<send-message>";
    rc += "send2-hook . 'push \"" + keys + "\"'\n";
    return rc;
}

Result<std::string> draft(const MuttMail& mail) {
    if (hasControlChar(mail.to) || hasControlChar(mail.subject)) return fail("control character in To or Subject");
    std::string d = "To: " + mail.to + "\nSubject: " + mail.subject + "\n";
    for (const auto& [name, value] : mail.extraHeaders) {
        if (name.empty() || hasControlChar(name) || name.find(':') != name.npos || hasControlChar(value))
            return fail("unusable header field: " + name);
        d += name + ": " + value + "\n";
    }
    return d + "\n" + mail.body;
}

void killLeftovers(const fs::path& rc) {
    ProcessMatch match;
    match.cmdlineContains.push_back(rc.string());
    for (int pid : findProcesses(match)) terminateProcess(pid, 2s);
}

// RFC 2047 "B" encoded words of at most 45 raw bytes each (76 characters), not splitting a
// UTF-8 sequence; plain ASCII is returned as it is.
std::string encodeWords(std::string_view text) {
    bool ascii = true;
    for (unsigned char c : text) ascii = ascii && c < 0x80;
    if (ascii) return std::string(text);
    static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t n = std::min<std::size_t>(45, text.size() - pos);
        while (pos + n < text.size() && n > 1 && (static_cast<unsigned char>(text[pos + n]) & 0xc0) == 0x80) --n;
        const std::string_view chunk = text.substr(pos, n);
        pos += n;
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?";
        for (std::size_t i = 0; i < chunk.size(); i += 3) {
            unsigned v = static_cast<unsigned char>(chunk[i]) << 16;
            if (i + 1 < chunk.size()) v |= static_cast<unsigned char>(chunk[i + 1]) << 8;
            if (i + 2 < chunk.size()) v |= static_cast<unsigned char>(chunk[i + 2]);
            out += b64[(v >> 18) & 63];
            out += b64[(v >> 12) & 63];
            out += i + 1 < chunk.size() ? b64[(v >> 6) & 63] : '=';
            out += i + 2 < chunk.size() ? b64[v & 63] : '=';
        }
        out += "?=";
    }
    return out;
}

std::string mailbox(const std::string& name, const std::string& addr) {
    if (name.empty()) return addr;
    bool plain = true;
    for (unsigned char c : name) plain = plain && (isAsciiAlnum(static_cast<char>(c)) || c == ' ');
    if (plain) return name + " <" + addr + ">";
    bool ascii = true;
    for (unsigned char c : name) ascii = ascii && c < 0x80;
    if (!ascii) return encodeWords(name) + " <" + addr + ">";
    std::string quoted = "\"";
    for (char c : name) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += c;
    }
    return quoted + "\" <" + addr + ">";
}

}  // namespace

Result<GpgIdentity> makeGpgIdentity(const fs::path& home, const std::string& name, const std::string& email) {
    const fs::path abs = fs::absolute(home);
    if (abs.string().size() + kLongestSocket.size() + 1 > kSunPathSize)
        return fail("GnuPG home path too long for gpg-agent's sockets (keep it under " +
                    std::to_string(kSunPathSize - kLongestSocket.size() - 1) + " bytes): " + abs.string());
    if (fs::exists(abs / "pubring.kbx")) return fail("GnuPG home already has a keyring: " + abs.string());
    if (auto st = makeDir(abs, fs::perms::owner_all); !st) return st.error();

    GpgIdentity id{abs, name, email, ""};
    const std::string uid = name.empty() ? email : name + " <" + email + ">";
    const fs::path status = abs / "gen-key.status";
    const auto gen = runGpg(abs, {"--passphrase", "", "--status-file", status.string(), "--quick-gen-key", uid,
                                  "ed25519", "sign", "never"});
    const auto created = statusLines(readFile(status), "KEY_CREATED");
    std::error_code ec;
    fs::remove(status, ec);
    if (!gen.ok() || created.empty() || created.front().size() < 2)
        return fail("gpg --quick-gen-key failed: " + describe(gen));
    id.fingerprint = created.front()[1];

    const auto sub = runGpg(abs, {"--passphrase", "", "--quick-add-key", id.fingerprint, "cv25519", "encr", "never"});
    if (!sub.ok()) return fail("gpg --quick-add-key failed: " + describe(sub));
    return id;
}

Result<std::string> exportPublicKey(const GpgIdentity& who) {
    const auto r = runGpg(who.home, {"--armor", "--export", who.fingerprint});
    if (!r.ok() || r.out.find("BEGIN PGP PUBLIC KEY BLOCK") == std::string::npos)
        return fail("gpg --export " + who.fingerprint + " failed: " + describe(r));
    return r.out;
}

Status importPublicKey(const GpgIdentity& into, const std::string& armored) {
    auto scratch = ScratchDir::make();
    if (!scratch) return scratch.error();
    const fs::path key = scratch->path() / "key.asc";
    const fs::path status = scratch->path() / "status";
    if (auto st = writeFile(key, armored); !st) return st;
    const auto r = runGpg(into.home, {"--status-file", status.string(), "--import", key.string()});
    const auto imported = statusLines(readFile(status), "IMPORT_OK");
    if (!r.ok() || imported.empty()) return fail("gpg --import failed: " + describe(r));
    for (const auto& words : imported) {
        if (words.size() < 2 || words[1] == into.fingerprint) continue;
        const auto sign =
            runGpg(into.home, {"--yes", "--default-key", into.fingerprint, "--quick-lsign-key", words[1]});
        if (!sign.ok()) return fail("gpg --quick-lsign-key " + words[1] + " failed: " + describe(sign));
    }
    return {};
}

Result<std::string> muttCompose(const GpgIdentity& from, const MuttMail& mail) {
    auto text = draft(mail);
    if (!text) return text.error();
    std::vector<std::string> recipients = addressesOf(mail.to);
    for (const auto& [name, value] : mail.extraHeaders)
        if (iequals(name, "Cc")) {
            const auto more = addressesOf(value);
            recipients.insert(recipients.end(), more.begin(), more.end());
        }
    if (recipients.empty()) return fail("no recipient");
    for (const auto& a : mail.attachments) {
        std::error_code ec;
        if (!fs::is_regular_file(a, ec)) return fail("attachment is not a file: " + a.string());
    }
    const bool encrypt = mail.crypto == MuttCrypto::Encrypt || mail.crypto == MuttCrypto::SignEncrypt;
    if (encrypt && !mail.skipKeyCheck)
        for (const auto& r : recipients)
            if (auto st = checkRecipientKey(from, r); !st) return st.error();

    auto scratch = ScratchDir::make();
    if (!scratch) return scratch.error();
    const fs::path dir = scratch->path();
    const fs::path rcFile = dir / "muttrc";
    const fs::path draftFile = dir / "draft";
    const fs::path sent = dir / "sent.eml";
    if (auto st =
            writeFile(dir / "sendmail", "#!/bin/sh\nexec cat > " + shellQuote(sent.string()) + "\n", fs::perms(0755));
        !st)
        return st.error();
    if (auto st = writeFile(rcFile, muttrc(from, mail, dir)); !st) return st.error();
    if (auto st = writeFile(draftFile, *text); !st) return st.error();
    if (auto st = makeDir(dir / "home", fs::perms::owner_all); !st) return st.error();

    // -n: no system muttrc; -H: headers and body from the draft; -a: attachments.
    std::string command = "exec mutt -n -F " + shellQuote(rcFile.string()) + " -H " + shellQuote(draftFile.string());
    if (!mail.attachments.empty()) {
        command += " -a";
        for (const auto& a : mail.attachments) command += " " + shellQuote(fs::absolute(a).string());
    }
    CommandOptions options;
    options.timeout = mail.timeout;
    options.setEnv = {"GNUPGHOME=" + from.home.string(), "HOME=" + (dir / "home").string(), "TERM=vt100",
                      "SHELL=/bin/sh", "LC_ALL=C.UTF-8"};
    options.unsetEnv.insert(options.unsetEnv.end(),
                            {"MAIL", "MAILCAP", "MUTT", "EMAIL", "REPLYTO", "EDITOR", "VISUAL"});
    // script: -q no banner, -e mutt's exit code, -c the command; the typescript goes nowhere.
    const auto r = runCommand({"script", "-qec", command, "/dev/null"}, options);
    if (r.timedOut) {
        // The pty's hangup normally ends mutt once script is killed; make sure.
        killLeftovers(rcFile);
        return fail("mutt did not finish within " + std::to_string(mail.timeout.count()) + " ms; its screen:\n" +
                    screenText(r.out));
    }
    std::string message = readFile(sent);
    if (r.exitCode != 0 || message.empty())
        return fail("mutt sent nothing (exit code " + std::to_string(r.exitCode) + "); its screen:\n" +
                    screenText(r.out) + r.err);
    return message;
}

Result<std::string> gpgArmor(const GpgIdentity& from, const std::string& recipientFingerprint, const std::string& plain,
                             InlineKind kind) {
    const bool encrypt = kind == InlineKind::EncryptSign || kind == InlineKind::Encrypt;
    if (encrypt == recipientFingerprint.empty())
        return fail(encrypt ? "encryption needs a recipient fingerprint" : "a recipient is only for encryption");
    auto scratch = ScratchDir::make();
    if (!scratch) return scratch.error();
    const fs::path in = scratch->path() / "plain";
    const fs::path out = scratch->path() / "out.asc";
    if (auto st = writeFile(in, plain); !st) return st.error();

    std::vector<std::string> args{"--armor", "--local-user", from.fingerprint, "--output", out.string()};
    if (encrypt) args.insert(args.end(), {"--recipient", recipientFingerprint, "--encrypt"});
    if (kind == InlineKind::EncryptSign || kind == InlineKind::Sign) args.emplace_back("--sign");
    if (kind == InlineKind::ClearSign) args.emplace_back("--clearsign");
    args.push_back(in.string());
    const auto r = runGpg(from.home, std::move(args));
    std::string armored = readFile(out);
    if (!r.ok() || armored.empty()) return fail("gpg failed: " + describe(r));
    return armored;
}

std::string plainMessage(const std::string& fromName, const std::string& fromAddr, const std::string& to,
                         const std::string& subject, const std::string& body,
                         const std::vector<std::pair<std::string, std::string>>& extraHeaders) {
    const auto at = fromAddr.rfind('@');
    const std::string domain = at == std::string::npos ? "localhost" : fromAddr.substr(at + 1);
    std::random_device rd;
    char id[40];
    std::snprintf(id, sizeof id, "%08x%08x", rd(), rd());
    const TimePoint now = SystemClock().now();

    std::string m = "From: " + mailbox(fromName, fromAddr) + "\r\n";
    m += "To: " + to + "\r\n";
    m += "Subject: " + encodeWords(subject) + "\r\n";
    m += "Date: " + formatRfc5322(now) + "\r\n";
    m += "Message-ID: <" + std::string(id) + "." + std::to_string(toUnix(now)) + "@" + domain + ">\r\n";
    m += "MIME-Version: 1.0\r\n";
    m += "Content-Type: text/plain; charset=utf-8\r\n";
    m += "Content-Transfer-Encoding: 8bit\r\n";
    for (const auto& [name, value] : extraHeaders) m += name + ": " + value + "\r\n";
    return m + "\r\n" + toCrlf(body);
}

Result<GpgResult> gpgDecrypt(const GpgIdentity& as, const std::string& armoredOrBinary) {
    auto scratch = ScratchDir::make();
    if (!scratch) return scratch.error();
    const fs::path in = scratch->path() / "in";
    const fs::path out = scratch->path() / "out";
    const fs::path status = scratch->path() / "status";
    if (auto st = writeFile(in, armoredOrBinary); !st) return st.error();
    const auto r =
        runGpg(as.home, {"--status-file", status.string(), "--output", out.string(), "--decrypt", in.string()});
    GpgResult result;
    result.status = readFile(status);
    result.plaintext = readFile(out);
    result.decrypted = hasStatus(result.status, "DECRYPTION_OKAY");
    readSignature(result);
    // exit 1 is a bad signature over readable content; anything else non-zero is no content.
    const bool produced = hasStatus(result.status, "PLAINTEXT") || result.decrypted || result.goodSignature;
    if (r.timedOut || !(r.exitCode == 0 || r.exitCode == 1) || !produced ||
        hasStatus(result.status, "DECRYPTION_FAILED"))
        return fail("gpg --decrypt failed: " + describe(r) + "\n" + result.status);
    return result;
}

Result<GpgResult> gpgVerifyDetached(const GpgIdentity& as, const std::string& signedBytes,
                                    const std::string& signature) {
    auto scratch = ScratchDir::make();
    if (!scratch) return scratch.error();
    const fs::path data = scratch->path() / "data";
    const fs::path sig = scratch->path() / "sig.asc";
    const fs::path status = scratch->path() / "status";
    if (auto st = writeFile(data, signedBytes); !st) return st.error();
    if (auto st = writeFile(sig, signature); !st) return st.error();
    const auto r = runGpg(as.home, {"--status-file", status.string(), "--verify", sig.string(), data.string()});
    if (r.timedOut || r.exitCode < 0) return fail("gpg --verify did not run: " + describe(r));
    GpgResult result;
    result.status = readFile(status);
    readSignature(result);
    return result;
}

void stopAgent(const GpgIdentity& who) {
    CommandOptions options;
    options.timeout = 10s;
    (void)runCommand({"gpgconf", "--homedir", who.home.string(), "--kill", "all"}, options);
}

}  // namespace secmaild::testing
