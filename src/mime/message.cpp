// parseMessage: scan (bounded) -> guard -> mimetic -> cross-check -> decode.
// Each leaf is decoded from the exact bytes the scan found for it, with
// mimetic's transfer codecs: fuzzing showed mimetic's own reading of a body
// can differ from the structure it reports (a bare CR in a header, transport
// padding after a delimiter), so its tree is a second opinion on the
// structure, never the source of content. Charsets, encoded words and RFC
// 2231 are ours (charset.cpp, encoded_words.cpp, header_params.cpp);
// HTML-only mail is turned into text with gumbo (html_text.cpp).
#include "secmaild/mime/message.hpp"

#include <mimetic/mimetic.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <iterator>
#include <memory>

#include "secmaild/mime/charset.hpp"
#include "secmaild/mime/encoded_words.hpp"
#include "secmaild/mime/header_params.hpp"
#include "secmaild/mime/html_text.hpp"
#include "secmaild/mime/mimetic_guard.hpp"
#include "secmaild/util/hash.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::mime {

namespace {

using Entity = mimetic::MimeEntity;

// mimetic's tree in pre-order, without recursion. Entities are only ever
// read through const pointers: non-const accessors insert missing fields
// and copying an entity crashes (libraries.md §6, 27-28).
std::vector<const Entity*> flatten(const Entity& root) {
    std::vector<const Entity*> out;
    std::vector<const Entity*> stack{&root};
    while (!stack.empty()) {
        const Entity* e = stack.back();
        stack.pop_back();
        out.push_back(e);
        const auto& children = e->body().parts();
        for (auto it = children.rbegin(); it != children.rend(); ++it) stack.push_back(*it);
    }
    return out;
}

// mimetic throws on some hostile input (std::length_error from its boundary
// search, found by fuzzing) and leaks the tree it had built. Each throw is
// caught and the message read from the scan; after this many, mimetic is not
// consulted again by this process, so a sender cannot grow our memory.
constexpr int kMimeticFailureBudget = 100;
// mimetic holds about 3.5 times a message in memory; above this size (in
// practice: big attachments) the cross-check is skipped. Content never comes
// from mimetic, so this changes no reading, only what is double-checked.
constexpr std::size_t kMimeticMaxBytes = 16u << 20;
std::atomic<int> mimeticFailures{0};

// The same tree: same entities in the same order, same children, same types.
bool sameStructure(const Scan& scan, const std::vector<const Entity*>& theirs) {
    if (scan.entities.size() != theirs.size()) return false;
    for (std::size_t i = 0; i < theirs.size(); ++i) {
        const auto& ours = scan.entities[i];
        if (ours.children.size() != theirs[i]->body().parts().size()) return false;
        const auto& ct = theirs[i]->header().contentType();
        bool theirsMultipart = ct.isMultipart();
        if ((ours.kind == ScannedEntity::Kind::Multipart) != theirsMultipart) return false;
        std::string type = toLower(std::string(ct.type()) + "/" + std::string(ct.subtype()));
        if (type == "/") type = "text/plain";  // no Content-Type: the RFC 2045 default
        if (type != ours.type) return false;
    }
    return true;
}

std::string decodeTransfer(std::string_view body, const std::string& encoding, bool& unknown) {
    std::string out;
    if (encoding == "base64") {
        mimetic::Base64::Decoder decoder;
        out.reserve(body.size() / 4 * 3);
        mimetic::decode(body.begin(), body.end(), decoder, std::back_inserter(out));
    } else if (encoding == "quoted-printable") {
        mimetic::QP::Decoder decoder;
        out.reserve(body.size());
        mimetic::decode(body.begin(), body.end(), decoder, std::back_inserter(out));
    } else {
        unknown = !(encoding.empty() || encoding == "7bit" || encoding == "8bit" || encoding == "binary");
        out.assign(body);
    }
    return out;
}

bool isBodyText(std::string_view type) {
    return type == "text/plain" || type == "text/markdown" || type == "text/x-markdown" || type == "text/html";
}

bool endsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

// A write-up sent as an attachment is read like the body.
bool isWriteUp(const Part& p) {
    // An OpenPGP file is read by pgp/mail.cpp, whatever type a client gave it
    // (mutt calls random ciphertext text/plain now and then).
    if (endsWith(p.filename, ".gpg") || endsWith(p.filename, ".pgp") || endsWith(p.filename, ".asc")) return false;
    if (p.contentType == "text/plain" || p.contentType == "text/markdown" || p.contentType == "text/x-markdown")
        return true;
    return endsWith(p.filename, ".txt") || endsWith(p.filename, ".md") || endsWith(p.filename, ".markdown");
}

std::string normaliseNewlines(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            out.push_back('\n');
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

std::string headerValue(const ScannedEntity& e, std::string_view name) {
    const RawHeaderField* f = findHeader(e.headers, name);
    return f ? f->value : std::string{};
}

// The preferred child of a multipart/alternative: plain text over Markdown
// over HTML (we read text, and HTML is the likeliest to hide things).
int chooseAlternative(const Scan& scan, const ScannedEntity& alternative) {
    int best = -1;
    int bestRank = 99;
    for (int child : alternative.children) {
        const auto& type = scan.entities[static_cast<std::size_t>(child)].type;
        int rank = type == "text/plain"                                     ? 0
                   : (type == "text/markdown" || type == "text/x-markdown") ? 1
                   : type == "text/html"                                    ? 2
                                                                            : 3;
        if (rank < bestRank) {
            best = child;
            bestRank = rank;
        }
    }
    return best;
}

class Builder {
public:
    Builder(std::string_view raw, const MessageLimits& limits) : raw_(raw), limits_(limits) {}

    ParsedMessage build() {
        scan_ = scanMessage(raw_, limits_.scan);
        msg_.problems = scan_.problems;
        msg_.limitHit = scan_.limitHit;
        readWithMimetic();
        buildParts();
        readHeaders();
        readText();
        const auto& top = scan_.entities.front();
        msg_.bodySha256 = sha256Hex(raw_.substr(std::min(top.bodyBegin, raw_.size())));
        return std::move(msg_);
    }

private:
    void readWithMimetic() {
        std::string_view bytes = raw_;
        if (scan_.needsRepair()) {
            copy_ = repairedCopy(raw_, scan_);
            bytes = copy_;
        }
        if (bytes.size() > kMimeticMaxBytes) return;
        auto verdict = checkForMimetic(bytes);
        if (!verdict.safe) {
            msg_.problems.push_back("read without mimetic: " + verdict.reason);
            return;
        }
        if (mimeticFailures.load() >= kMimeticFailureBudget) return;
        try {
            entity_ = std::make_unique<Entity>(bytes.begin(), bytes.end());
        } catch (const std::exception& e) {
            msg_.parseProblem = true;
            msg_.problems.push_back(std::string("the MIME structure made mimetic fail (") + e.what() +
                                    "); the message was read from the bounded scan");
            if (++mimeticFailures == kMimeticFailureBudget)
                spdlog::warn("mime.mimetic_retired failures={} (mimetic is not consulted again until restart)",
                             kMimeticFailureBudget);
            return;
        }
        if (!sameStructure(scan_, flatten(*entity_))) {
            msg_.parseProblem = true;
            msg_.problems.push_back(
                "two readings of the MIME structure disagree; the message was read from the bounded scan");
            return;
        }
        msg_.usedMimetic = true;
    }

    void buildParts() {
        const auto& entities = scan_.entities;
        msg_.parts.reserve(entities.size());
        std::vector<int> childNumber(entities.size(), 0);
        for (std::size_t i = 0; i < entities.size(); ++i) {
            const auto& e = entities[i];
            Part p;
            if (e.parent >= 0) {
                const auto& parentPath = msg_.parts[static_cast<std::size_t>(e.parent)].path;
                auto number = std::to_string(++childNumber[static_cast<std::size_t>(e.parent)]);
                p.path = parentPath.empty() ? number : parentPath + "." + number;
            }
            p.parent = e.parent;
            p.contentType = e.type;
            p.rawBegin = e.begin;
            p.bodyBegin = e.bodyBegin;
            p.rawEnd = e.end;
            p.container = e.kind != ScannedEntity::Kind::Leaf;
            p.contentTypeHeader = headerValue(e, "Content-Type");
            auto contentType = parseHeaderValue(p.contentTypeHeader);
            p.charset = toLower(param(contentType, "charset").value_or(""));
            p.transferEncoding = toLower(trim(headerValue(e, "Content-Transfer-Encoding")));
            auto disposition = parseHeaderValue(headerValue(e, "Content-Disposition"));
            p.disposition = disposition.value;
            auto filename = param(disposition, "filename");
            if (!filename || filename->empty()) filename = param(contentType, "name");
            if (filename) p.filename = headerSafe(utf8Prefix(*filename, 255));
            if (!p.container) decodeLeaf(i, p);
            msg_.parts.push_back(std::move(p));
        }
    }

    void decodeLeaf(std::size_t index, Part& p) {
        const auto& e = scan_.entities[index];
        std::string_view body = raw_.substr(e.bodyBegin, e.end - e.bodyBegin);
        bool unknownEncoding = false;
        p.decoded = decodeTransfer(body, p.transferEncoding, unknownEncoding);
        if (unknownEncoding)
            msg_.problems.push_back("unknown transfer encoding '" + headerSafe(utf8Prefix(p.transferEncoding, 40)) +
                                    "' (kept as it was)");
        bool text = isBodyText(p.contentType);
        p.attachment = !text || p.disposition == "attachment" || !p.filename.empty();
    }

    void readHeaders() {
        const auto& top = scan_.entities.front();
        msg_.headers = top.headers;
        msg_.subject = headerSafe(decodeHeaderText(headerValue(top, "Subject")));
        msg_.from = parseAddressList(headerValue(top, "From"));
        msg_.replyTo = parseAddressList(headerValue(top, "Reply-To"));
        msg_.to = parseAddressList(headerValue(top, "To"));
        msg_.cc = parseAddressList(headerValue(top, "Cc"));
        msg_.sender = parseAddressList(headerValue(top, "Sender"));
        if (findHeader(top.headers, "Return-Path")) msg_.returnPath = parseReturnPath(headerValue(top, "Return-Path"));
        auto ids = parseMessageIds(headerValue(top, "Message-ID"), 1);
        if (!ids.empty()) msg_.messageId = ids.front();
        msg_.inReplyTo = parseMessageIds(headerValue(top, "In-Reply-To"));
        msg_.references = parseMessageIds(headerValue(top, "References"));
        msg_.date = headerSafe(utf8Prefix(headerValue(top, "Date"), 200));
    }

    void readText() {
        const auto& entities = scan_.entities;
        std::vector<char> skipped(entities.size(), 0);
        std::vector<int> chosen(entities.size(), -1);
        std::string text;
        for (std::size_t i = 0; i < entities.size(); ++i) {
            const auto& e = entities[i];
            if (e.type == "multipart/alternative") chosen[i] = chooseAlternative(scan_, e);
            if (e.parent >= 0) {
                auto parent = static_cast<std::size_t>(e.parent);
                if (skipped[parent] || (chosen[parent] >= 0 && chosen[parent] != static_cast<int>(i))) skipped[i] = 1;
            }
            const Part& p = msg_.parts[i];
            if (skipped[i] || p.container) continue;
            bool read = (!p.attachment && isBodyText(p.contentType)) || (p.attachment && isWriteUp(p));
            if (!read) continue;
            auto converted = toUtf8(p.decoded, p.charset);
            if (converted.unknownCharset)
                msg_.problems.push_back("unknown charset '" + headerSafe(utf8Prefix(p.charset, 40)) + "'");
            std::string piece;
            if (p.contentType == "text/html") {
                HtmlTextOptions options;
                options.maxOutputBytes = limits_.maxTextBytes;
                piece = htmlToText(converted.text, options).text;
            } else {
                piece = normaliseNewlines(converted.text);
            }
            if (trim(piece).empty()) continue;
            if (!text.empty()) text += "\n\n";
            text += piece;
            if (text.size() > limits_.maxTextBytes) break;
        }
        if (text.size() > limits_.maxTextBytes) {
            text = std::string(utf8Prefix(text, limits_.maxTextBytes));
            msg_.limitHit = true;
            msg_.problems.push_back("the text is longer than " + std::to_string(limits_.maxTextBytes) +
                                    " bytes; only the start was read");
        }
        msg_.text = std::move(text);
    }

    std::string_view raw_;
    MessageLimits limits_;
    Scan scan_;
    ParsedMessage msg_;
    std::string copy_;
    std::unique_ptr<Entity> entity_;
};

}  // namespace

std::optional<std::string> ParsedMessage::header(std::string_view name) const {
    const RawHeaderField* f = findHeader(headers, name);
    if (!f) return std::nullopt;
    return f->value;
}

std::vector<std::string> ParsedMessage::headersNamed(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& f : headers)
        if (iequals(f.name, name)) out.push_back(f.value);
    return out;
}

std::vector<std::string> parseMessageIds(std::string_view value, std::size_t max) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (out.size() < max) {
        auto open = value.find('<', pos);
        if (open == std::string_view::npos) break;
        auto close = value.find('>', open + 1);
        if (close == std::string_view::npos) break;
        auto id = value.substr(open, close - open + 1);
        bool ok = id.size() > 2 && id.size() <= 250;
        for (char c : id.substr(1, id.size() - 2)) {
            auto u = static_cast<unsigned char>(c);
            if (u <= 32 || u >= 127 || c == '<') ok = false;
        }
        if (ok) out.emplace_back(id);
        pos = close + 1;
    }
    return out;
}

ParsedMessage parseMessage(std::string_view raw, const MessageLimits& limits) {
    return Builder(raw, limits).build();
}

}  // namespace secmaild::mime
