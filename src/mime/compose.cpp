// Outgoing mail rendering. Header values pass through headerSafe (which drops
// CR, LF and other controls) before encoding, so no value from anywhere can
// start a new header line.
#include "secmaild/mime/compose.hpp"

#include <date/date.h>

#include "secmaild/mime/encoded_words.hpp"
#include "secmaild/util/hash.hpp"
#include "secmaild/util/strings.hpp"
#include "secmaild/util/time_format.hpp"

namespace secmaild::mime {

namespace {

constexpr std::size_t kMaxReferences = 20;

bool isAtext(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-/=?^_`{|}~ ").find(c) != std::string_view::npos;
}

void appendHeader(std::string& out, std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
}

// Folds a list of tokens (msg-ids) so no line exceeds 78 characters.
std::string foldTokens(std::size_t firstLineUsed, const std::vector<std::string>& tokens) {
    std::string out;
    std::size_t line = firstLineUsed;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (i > 0 && line + 1 + tokens[i].size() > 78) {
            out += "\r\n ";
            line = 1;
        } else if (i > 0) {
            out += " ";
            ++line;
        }
        out += tokens[i];
        line += tokens[i].size();
    }
    return out;
}

}  // namespace

std::string domainOf(std::string_view address) {
    auto at = address.rfind('@');
    return at == std::string_view::npos ? std::string{} : toLower(address.substr(at + 1));
}

std::string newMessageId(std::string_view domain, TimePoint now) {
    return "<" + date::format("%Y%m%dT%H%M%S", now) + "." + randomHex(8) + "@" +
           (domain.empty() ? std::string("secmaild.invalid") : std::string(domain)) + ">";
}

std::string formatAddress(std::string_view name, std::string_view address) {
    std::string safeName = headerSafe(name);
    std::string safeAddress = headerSafe(address);
    if (safeName.empty()) return safeAddress;
    bool ascii = true, plain = true;
    for (char c : safeName) {
        if (static_cast<unsigned char>(c) >= 0x80)
            ascii = false;
        else if (!isAtext(c))
            plain = false;
    }
    if (!ascii) return encodeHeaderText(safeName, 6) + " <" + safeAddress + ">";
    if (plain) return safeName + " <" + safeAddress + ">";
    std::string quoted = "\"";
    for (char c : safeName) {
        if (c == '"' || c == '\\') quoted.push_back('\\');
        quoted.push_back(c);
    }
    return quoted + "\" <" + safeAddress + ">";
}

std::string encodeQuotedPrintable(std::string_view text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (auto line : splitLines(text)) {
        std::size_t column = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            auto c = static_cast<unsigned char>(line[i]);
            bool last = i + 1 == line.size();
            bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
            // Break first, then decide: the break may put this character at
            // the start of a line, where "." and "From " get mangled by some agents.
            if (column + (literal ? 1 : 3) > 75) {
                out += "=\r\n";
                column = 0;
            }
            if (column == 0 && (c == '.' || (c == 'F' && line.substr(i, 5) == "From "))) literal = false;
            if (literal) {
                out.push_back(static_cast<char>(c));
                ++column;
            } else {
                if (column + 3 > 75) {
                    out += "=\r\n";
                    column = 0;
                }
                out += '=';
                out += hex[c >> 4];
                out += hex[c & 15];
                column += 3;
            }
        }
        out += "\r\n";
    }
    return out;
}

namespace {
// Folds a structured header line at spaces so no line exceeds 78 characters
// (RFC 5322 §2.2.3). In From and To, spaces only stand between tokens or
// inside quoted strings, where folding white space is allowed.
std::string foldAtSpaces(std::string_view text) {
    std::string out;
    // The text may already be folded (encoded words): fold each physical line.
    for (std::size_t start = 0; start <= text.size();) {
        auto end = text.find("\r\n", start);
        auto line = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        while (line.size() > 78) {
            auto cut = line.rfind(' ', 78);
            if (cut == std::string_view::npos || cut == 0) break;  // one token longer than a line
            out.append(line.substr(0, cut)).append("\r\n");
            line.remove_prefix(cut);  // the space begins the continuation line
        }
        out.append(line);
        if (end == std::string_view::npos) break;
        out.append("\r\n");
        start = end + 2;
    }
    return out;
}
}  // namespace

std::string renderMail(const OutgoingMail& m) {
    std::string out;
    out += foldAtSpaces("From: " + formatAddress(m.fromName, m.fromAddress)) + "\r\n";
    out += foldAtSpaces("To: " + headerSafe(m.to)) + "\r\n";
    appendHeader(out, "Subject", encodeHeaderText(headerSafe(m.subject), 9));
    appendHeader(out, "Date", formatRfc5322(m.date));
    appendHeader(out, "Message-ID", headerSafe(m.messageId));
    if (m.inReplyTo) appendHeader(out, "In-Reply-To", headerSafe(*m.inReplyTo));
    if (!m.references.empty()) {
        std::vector<std::string> refs;
        std::size_t start = m.references.size() > kMaxReferences ? m.references.size() - kMaxReferences : 0;
        for (std::size_t i = start; i < m.references.size(); ++i) refs.push_back(headerSafe(m.references[i]));
        appendHeader(out, "References", foldTokens(12, refs));
    }
    for (const auto& [name, value] : m.extraHeaders) {
        std::string safeName;
        for (char c : name)
            if (c > 32 && c < 127 && c != ':') safeName.push_back(c);
        if (!safeName.empty()) appendHeader(out, safeName, encodeHeaderText(headerSafe(value), safeName.size() + 2));
    }
    appendHeader(out, "MIME-Version", "1.0");
    appendHeader(out, "Content-Type", "text/plain; charset=utf-8");
    appendHeader(out, "Content-Transfer-Encoding", "quoted-printable");
    out += "\r\n";
    out += encodeQuotedPrintable(sanitizeUtf8(m.body));
    return out;
}

}  // namespace secmaild::mime
