// Session: one command at a time, tagged S1, S2, ...; responses read through
// ResponseReader so literals are taken by their announced size.
#include "secmaild/imap/session.hpp"

#include <algorithm>
#include <charconv>

#include "secmaild/util/strings.hpp"
#include "secmaild/util/time_format.hpp"

namespace secmaild::imap {

namespace {

std::optional<std::int64_t> toNumber(std::string_view s) {
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc{} || p != s.data() + s.size() || n < 0) return std::nullopt;
    return n;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

template <class T>
CommandResult<T> failed(const CommandError& e) {
    return CommandResult<T>{std::nullopt, e};
}

}  // namespace

Session::Session(Transport& transport, std::chrono::milliseconds timeout, ReaderLimits limits)
    : transport_(transport), timeout_(timeout), reader_(limits) {}

CommandResult<Session::Exchange> Session::run(const std::string& command) {
    if (!usable_) return failed<Exchange>({"the IMAP connection is no longer usable", true});
    const std::string tag = "S" + std::to_string(++tag_);
    if (auto sent = transport_.send(tag + " " + command + "\r\n", timeout_); !sent) {
        usable_ = false;
        return failed<Exchange>({sent.error().message, true});
    }
    Exchange exchange;
    for (;;) {
        auto next = reader_.next();
        if (!next) {
            usable_ = false;
            return failed<Exchange>({next.error().message, true});
        }
        if (!*next) {
            auto bytes = transport_.receive(timeout_);
            if (!bytes) {
                usable_ = false;
                return failed<Exchange>({bytes.error().message, true});
            }
            reader_.feed(*bytes);
            continue;
        }
        Response r = std::move(**next);
        if (r.kind == Response::Kind::Continuation) {
            usable_ = false;
            return failed<Exchange>({"the IMAP server asked for data we did not offer", true});
        }
        if (r.kind == Response::Kind::Untagged) {
            if (r.status == "BYE" && command != "LOGOUT") usable_ = false;
            exchange.untagged.push_back(std::move(r));
            continue;
        }
        if (r.tag != tag) continue;  // a late reply to an abandoned command: not ours to act on
        if (r.status != "OK") {
            std::string text = headerSafe(utf8Prefix(r.text, 300));
            return failed<Exchange>({r.status + " " + text, !usable_, true});
        }
        exchange.tagged = std::move(r);
        if (!usable_ && command != "LOGOUT") return failed<Exchange>({"the IMAP server said BYE", true});
        return {std::move(exchange), std::nullopt};
    }
}

CommandResult<std::set<std::string>> Session::capability() {
    auto r = run("CAPABILITY");
    if (!r.ok()) return failed<std::set<std::string>>(*r.error);
    std::set<std::string> caps;
    for (const auto& u : r.value->untagged) {
        if (!istartsWith(u.text, "CAPABILITY ")) continue;
        for (auto word : split(std::string_view(u.text).substr(11), ' '))
            if (!word.empty()) caps.insert(upper(word));
    }
    return {caps, std::nullopt};
}

CommandResult<Selected> Session::select(const std::string& mailbox) {
    auto r = run("SELECT " + quoteMailbox(mailbox));
    if (!r.ok()) return failed<Selected>(*r.error);
    Selected s;
    bool haveValidity = false;
    for (const auto& u : r.value->untagged) {
        if (auto code = responseCode(u.text)) {
            auto parts = split(*code, ' ');
            if (parts.size() == 2 && iequals(parts[0], "UIDVALIDITY")) {
                if (auto n = toNumber(parts[1])) {
                    s.uidValidity = *n;
                    haveValidity = true;
                }
            } else if (parts.size() == 2 && iequals(parts[0], "UIDNEXT")) {
                if (auto n = toNumber(parts[1])) s.uidNext = *n;
            }
        } else {
            auto parts = split(u.text, ' ');
            if (parts.size() == 2 && iequals(parts[1], "EXISTS"))
                if (auto n = toNumber(parts[0])) s.exists = *n;
        }
    }
    if (!haveValidity) return failed<Selected>({"the IMAP server did not report UIDVALIDITY for " + mailbox, false});
    return {s, std::nullopt};
}

CommandResult<std::vector<std::int64_t>> Session::searchUidsAfter(std::int64_t after) {
    auto r = run("UID SEARCH UID " + std::to_string(after + 1) + ":*");
    if (!r.ok()) return failed<std::vector<std::int64_t>>(*r.error);
    std::vector<std::int64_t> uids;
    for (const auto& u : r.value->untagged) {
        if (!istartsWith(u.text, "SEARCH")) continue;
        for (auto word : split(std::string_view(u.text).substr(6), ' '))
            if (auto n = toNumber(word); n && *n > after) uids.push_back(*n);
    }
    // "n:*" includes the highest UID even when it is below n (RFC 3501 §6.4.8).
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
    return {uids, std::nullopt};
}

CommandResult<Fetched> Session::fetch(std::int64_t uid, std::uint64_t maxBytes) {
    auto r = run("UID FETCH " + std::to_string(uid) + " (UID RFC822.SIZE INTERNALDATE BODY.PEEK[]<0." +
                 std::to_string(maxBytes) + ">)");
    if (!r.ok()) return failed<Fetched>(*r.error);
    for (const auto& u : r.value->untagged) {
        auto space = u.text.find(' ');
        if (space == std::string::npos || !istartsWith(std::string_view(u.text).substr(space + 1), "FETCH ")) continue;
        auto tokens = tokenize(std::string_view(u.text).substr(space + 7), u.literals);
        if (!tokens || tokens->size() != 1 || tokens->front().type != Token::Type::List) continue;
        const auto& items = tokens->front().items;
        Fetched f;
        bool haveBody = false;
        for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
            const auto& name = items[i].value;
            const auto& value = items[i + 1];
            if (iequals(name, "UID")) {
                f.uid = toNumber(value.value).value_or(0);
            } else if (iequals(name, "RFC822.SIZE")) {
                f.size = static_cast<std::uint64_t>(toNumber(value.value).value_or(0));
            } else if (iequals(name, "INTERNALDATE")) {
                f.internalDate = parseImapInternalDate(value.value);
            } else if (istartsWith(name, "BODY[]")) {
                f.raw = value.type == Token::Type::Nil ? std::string{} : value.value;
                haveBody = true;
            }
        }
        if (f.uid != uid || !haveBody) continue;
        // A server that ignores the partial range still only gets maxBytes kept.
        if (f.raw.size() > maxBytes) {
            f.raw.resize(maxBytes);
            f.truncated = true;
        } else {
            f.truncated = f.size > f.raw.size() && f.raw.size() >= maxBytes;
        }
        return {std::move(f), std::nullopt};
    }
    return failed<Fetched>({"message UID " + std::to_string(uid) + " is no longer in the mailbox", false});
}

std::string uidSet(std::vector<std::int64_t> uids) {
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
    std::string out;
    for (std::size_t i = 0; i < uids.size();) {
        std::size_t j = i;
        while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += std::to_string(uids[i]);
        if (j > i) out += ":" + std::to_string(uids[j]);
        i = j + 1;
    }
    return out;
}

CommandResult<bool> Session::addKeyword(std::int64_t uid, const std::string& keyword) {
    return addKeyword(std::vector<std::int64_t>{uid}, keyword);
}

CommandResult<bool> Session::move(std::int64_t uid, const std::string& folder) {
    return move(std::vector<std::int64_t>{uid}, folder);
}

CommandResult<bool> Session::addKeyword(const std::vector<std::int64_t>& uids, const std::string& keyword) {
    auto r = run("UID STORE " + uidSet(uids) + " +FLAGS.SILENT (" + keyword + ")");
    if (!r.ok()) return failed<bool>(*r.error);
    return {true, std::nullopt};
}

CommandResult<bool> Session::move(const std::vector<std::int64_t>& uids, const std::string& folder) {
    const std::string set = uidSet(uids);
    auto r = run("UID MOVE " + set + " " + quoteMailbox(folder));
    if (!r.ok()) return failed<bool>(*r.error);
    // A MOVE of a vanished UID also says OK; COPYUID shows something moved.
    auto hasCopyUid = [](const Response& resp) {
        auto code = responseCode(resp.text);
        return code && istartsWith(*code, "COPYUID ");
    };
    bool moved =
        hasCopyUid(r.value->tagged) || std::any_of(r.value->untagged.begin(), r.value->untagged.end(), hasCopyUid);
    if (!moved) return failed<bool>({"message UID " + set + " was not moved (no longer there?)", false});
    return {true, std::nullopt};
}

CommandResult<bool> Session::ensureFolder(const std::string& folder) {
    auto list = run("LIST \"\" " + quoteMailbox(folder));
    if (!list.ok()) return failed<bool>(*list.error);
    for (const auto& u : list.value->untagged)
        if (istartsWith(u.text, "LIST ")) return {true, std::nullopt};
    auto created = run("CREATE " + quoteMailbox(folder));
    if (!created.ok()) return failed<bool>(*created.error);
    return {true, std::nullopt};
}

void Session::logout() {
    if (!usable_) return;
    auto saved = timeout_;
    timeout_ = std::min(timeout_, std::chrono::milliseconds{2000});
    (void)run("LOGOUT");
    timeout_ = saved;
    usable_ = false;
}

std::string encodeModifiedUtf7(const std::string& name) {
    static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
    std::string out;
    std::vector<std::uint16_t> pending;
    auto flush = [&] {
        if (pending.empty()) return;
        out.push_back('&');
        std::uint32_t bits = 0;
        int count = 0;
        for (auto unit : pending) {
            for (int shift = 8; shift >= 0; shift -= 8) {
                bits = (bits << 8) | ((unit >> shift) & 0xff);
                count += 8;
                while (count >= 6) {
                    count -= 6;
                    out.push_back(alphabet[(bits >> count) & 0x3f]);
                }
            }
        }
        if (count > 0) out.push_back(alphabet[(bits << (6 - count)) & 0x3f]);
        out.push_back('-');
        pending.clear();
    };
    std::string valid = sanitizeUtf8(name);
    for (std::size_t i = 0; i < valid.size();) {
        auto c = static_cast<unsigned char>(valid[i]);
        if (c >= 0x20 && c < 0x7f) {
            flush();
            if (c == '&')
                out += "&-";
            else
                out.push_back(static_cast<char>(c));
            ++i;
            continue;
        }
        std::uint32_t cp;
        int len;
        if (c < 0x80) {
            cp = c;
            len = 1;
        } else if (c < 0xe0) {
            cp = c & 0x1f;
            len = 2;
        } else if (c < 0xf0) {
            cp = c & 0x0f;
            len = 3;
        } else {
            cp = c & 0x07;
            len = 4;
        }
        for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(valid[i + k]) & 0x3f);
        i += static_cast<std::size_t>(len);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            pending.push_back(static_cast<std::uint16_t>(0xd800 + (cp >> 10)));
            pending.push_back(static_cast<std::uint16_t>(0xdc00 + (cp & 0x3ff)));
        } else {
            pending.push_back(static_cast<std::uint16_t>(cp));
        }
    }
    flush();
    return out;
}

std::string quoteMailbox(const std::string& utf8Name) {
    std::string encoded = encodeModifiedUtf7(utf8Name);
    std::string out = "\"";
    // Modified UTF-7 has already turned every control character (CR and LF
    // included) into base64, so only the quoted-string specials remain.
    for (char c : encoded) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out + "\"";
}

}  // namespace secmaild::imap
