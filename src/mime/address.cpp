// Address lists (RFC 5322 §3.4) by a small bounded parser of our own.
// mimetic's parser was tried first and dropped on evidence (tests in
// test_address.cpp): it throws std::length_error on a group without members
// ("undisclosed-recipients:"), silently joins words ("<john smith@example.org>"
// became johnsmith@example.org: an answer to a mailbox nobody wrote), and
// keeps quotes around display names.
#include "secmaild/mime/address.hpp"

#include "secmaild/mime/encoded_words.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::mime {

namespace {

constexpr std::size_t kMaxAddressFieldBytes = 16u << 10;
constexpr std::size_t kMaxAddresses = 200;
constexpr int kMaxCommentDepth = 20;

bool isWsp(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Splits at top-level commas and group markers (outside quotes, comments and
// angle brackets), dropping group names ("team: a, b;" gives "a", "b").
std::vector<std::string> splitUnits(std::string_view v) {
    std::vector<std::string> units;
    std::string current;
    bool quoted = false, angle = false;
    int comment = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        char c = v[i];
        if (quoted) {
            current.push_back(c);
            if (c == '\\' && i + 1 < v.size())
                current.push_back(v[++i]);
            else if (c == '"')
                quoted = false;
            continue;
        }
        if (comment > 0) {
            current.push_back(c);
            if (c == '\\' && i + 1 < v.size())
                current.push_back(v[++i]);
            else if (c == '(' && comment < kMaxCommentDepth)
                ++comment;
            else if (c == ')')
                --comment;
            continue;
        }
        if (angle) {
            current.push_back(c);
            if (c == '>') angle = false;
            continue;
        }
        switch (c) {
            case '"':
                quoted = true;
                current.push_back(c);
                break;
            case '(':
                comment = 1;
                current.push_back(c);
                break;
            case '<':
                angle = true;
                current.push_back(c);
                break;
            case ',':
            case ';':
                units.push_back(std::move(current));
                current.clear();
                break;
            case ':':
                // A group's display name ends here; its members follow.
                current.clear();
                break;
            default:
                current.push_back(c);
        }
        if (units.size() > kMaxAddresses) break;
    }
    units.push_back(std::move(current));
    return units;
}

// Removes comments, returning the text outside them; `comments` gets their text.
std::string stripComments(std::string_view s, std::string* comments = nullptr) {
    std::string out;
    bool quoted = false;
    int depth = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (depth > 0) {
            if (c == '\\' && i + 1 < s.size()) {
                if (comments) comments->push_back(s[i + 1]);
                ++i;
            } else if (c == '(' && depth < kMaxCommentDepth) {
                ++depth;
            } else if (c == ')') {
                --depth;
                if (depth == 0 && comments) comments->push_back(' ');
            } else if (comments) {
                comments->push_back(c);
            }
            continue;
        }
        if (!quoted && c == '(') {
            depth = 1;
            out.push_back(' ');
            continue;
        }
        if (c == '"') quoted = !quoted;
        if (quoted && c == '\\' && i + 1 < s.size()) {
            out.push_back(c);
            out.push_back(s[++i]);
            continue;
        }
        out.push_back(c);
    }
    return out;
}

// A display name: quoted strings unquoted, encoded words decoded, one line.
std::string displayName(std::string_view phrase) {
    std::string out;
    bool quoted = false;
    for (std::size_t i = 0; i < phrase.size(); ++i) {
        char c = phrase[i];
        if (c == '"') {
            quoted = !quoted;
            continue;
        }
        if (quoted && c == '\\' && i + 1 < phrase.size()) c = phrase[++i];
        out.push_back(c);
    }
    return headerSafe(decodeHeaderText(trim(out)));
}

// An addr-spec as written: no blanks inside (RFC 5322 allows folding white
// space only around the dots, which nobody sends; joining words would invent
// an address).
std::optional<std::string> addrSpec(std::string_view s) {
    auto t = trim(s);
    if (t.empty()) return std::nullopt;
    for (char c : t)
        if (isWsp(c)) return std::nullopt;
    std::string address(t);
    auto at = address.rfind('@');
    if (at == std::string::npos) return std::nullopt;
    address = address.substr(0, at) + "@" + toLower(address.substr(at + 1));
    if (!isUsableAddress(address)) return std::nullopt;
    return address;
}

std::optional<Address> parseUnit(std::string_view unit) {
    std::string commentText;
    std::string clean = stripComments(unit, &commentText);
    // The angle address starts at the first '<' outside a quoted display name.
    std::size_t open = std::string::npos;
    bool quoted = false;
    for (std::size_t i = 0; i < clean.size() && open == std::string::npos; ++i) {
        if (clean[i] == '\\' && quoted)
            ++i;
        else if (clean[i] == '"')
            quoted = !quoted;
        else if (clean[i] == '<' && !quoted)
            open = i;
    }
    if (open != std::string::npos) {
        auto close = clean.find('>', open);
        if (close == std::string::npos) return std::nullopt;
        std::string_view inside = std::string_view(clean).substr(open + 1, close - open - 1);
        inside = trim(inside);
        // An obsolete source route "@a,@b:user@host" keeps only the mailbox.
        if (!inside.empty() && inside.front() == '@') {
            auto colon = inside.find(':');
            if (colon == std::string_view::npos) return std::nullopt;
            inside = inside.substr(colon + 1);
        }
        auto address = addrSpec(inside);
        if (!address) return std::nullopt;
        return Address{displayName(std::string_view(clean).substr(0, open)), *address};
    }
    auto address = addrSpec(clean);
    if (!address) return std::nullopt;
    // "jane@example.org (Jane Doe)": the comment is the only name there is.
    return Address{headerSafe(decodeHeaderText(trim(commentText))), *address};
}

}  // namespace

bool isUsableAddress(std::string_view address) {
    if (address.size() > 254) return false;
    auto at = address.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= address.size()) return false;
    auto local = address.substr(0, at);
    auto domain = address.substr(at + 1);
    if (local.size() > 64) return false;
    for (char c : address) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 32 || u == 127 || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';' || c == '\\' ||
            c == '[' || c == ']' || c == ':')
            return false;
    }
    if (local.find('"') != std::string_view::npos) return false;
    if (local.find('@') != std::string_view::npos) return false;
    if (local.front() == '.' || local.back() == '.') return false;
    if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string_view::npos) return false;
    for (char c : domain) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                  static_cast<unsigned char>(c) >= 0x80;
        if (!ok) return false;
    }
    return isValidUtf8(address);
}

std::string normalizeForCompare(std::string_view address) {
    return toLower(address);
}

std::vector<Address> parseAddressList(std::string_view headerValue) {
    std::vector<Address> out;
    auto value = utf8Prefix(headerValue, kMaxAddressFieldBytes);
    for (const auto& unit : splitUnits(value)) {
        if (out.size() >= kMaxAddresses) break;
        if (trim(unit).empty()) continue;
        if (auto a = parseUnit(unit)) out.push_back(std::move(*a));
    }
    return out;
}

std::optional<std::string> parseReturnPath(std::string_view headerValue) {
    const std::string clean = stripComments(headerValue);  // trim() returns a view into it
    auto v = trim(clean);
    if (v.empty()) return std::nullopt;
    if (v.front() == '<') {
        auto close = v.find('>');
        if (close == std::string_view::npos) return std::nullopt;
        auto inside = trim(v.substr(1, close - 1));
        if (inside.empty()) return std::string{};
        if (inside.front() == '@') {
            auto colon = inside.find(':');
            if (colon == std::string_view::npos) return std::nullopt;
            inside = inside.substr(colon + 1);
        }
        return addrSpec(inside);
    }
    return addrSpec(v);
}

}  // namespace secmaild::mime
