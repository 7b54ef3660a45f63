// OpenPGP in mail (see mail.hpp). GPGME handles byte streams only; finding
// the streams in MIME, cutting the exact signed bytes, and deciding what
// counts as the report's text are ours. Every decision that matters for
// EFAIL is in Reader::finish(): pieces of text are tagged with where they
// came from, and only pieces from inside an encryption can become reportText
// once anything in the message was encrypted.
#include "secmaild/pgp/mail.hpp"

#include <algorithm>

#include "secmaild/mime/charset.hpp"
#include "secmaild/mime/header_params.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::pgp {

std::string_view layerKindName(Layer::Kind k) {
    switch (k) {
        case Layer::Kind::MimeEncrypted: return "pgp-mime-encrypted";
        case Layer::Kind::MimeSigned: return "pgp-mime-signed";
        case Layer::Kind::InlineEncrypted: return "inline-encrypted";
        case Layer::Kind::InlineSigned: return "inline-signed";
        case Layer::Kind::EncryptedAttachment: return "encrypted-attachment";
    }
    return "unknown";
}

std::vector<Signature> MailSecurity::signatures() const {
    std::vector<Signature> out;
    for (const auto& l : layers) out.insert(out.end(), l.signatures.begin(), l.signatures.end());
    return out;
}

namespace {

enum class ArmorKind { Message, Signed, PublicKey };

struct ArmorBlock {
    ArmorKind kind;
    std::size_t begin;  // first byte of the BEGIN line
    std::size_t end;    // one past the END line (or the end of the text when it has none)
};

std::string_view lineAt(std::string_view text, std::size_t pos, std::size_t& next) {
    auto nl = text.find('\n', pos);
    next = nl == std::string_view::npos ? text.size() : nl + 1;
    auto line = text.substr(pos, (nl == std::string_view::npos ? text.size() : nl) - pos);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    return line;
}

// Armored blocks that start at the beginning of a line; quoted ("> -----BEGIN")
// blocks are text. A block without its END line runs to the end of the text
// (gpg then reports it as truncated).
std::vector<ArmorBlock> findArmor(std::string_view text) {
    std::vector<ArmorBlock> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t next = 0;
        auto line = lineAt(text, pos, next);
        std::optional<ArmorKind> kind;
        std::string_view endLine;
        if (line == "-----BEGIN PGP MESSAGE-----") {
            kind = ArmorKind::Message;
            endLine = "-----END PGP MESSAGE-----";
        } else if (line == "-----BEGIN PGP SIGNED MESSAGE-----") {
            kind = ArmorKind::Signed;
            endLine = "-----END PGP SIGNATURE-----";
        } else if (line == "-----BEGIN PGP PUBLIC KEY BLOCK-----") {
            kind = ArmorKind::PublicKey;
            endLine = "-----END PGP PUBLIC KEY BLOCK-----";
        }
        if (!kind) {
            pos = next;
            continue;
        }
        ArmorBlock block{*kind, pos, text.size()};
        for (std::size_t p = next; p < text.size();) {
            std::size_t after = 0;
            if (lineAt(text, p, after) == endLine) {
                block.end = after;
                break;
            }
            p = after;
        }
        out.push_back(block);
        pos = block.end;
    }
    return out;
}

// The charset an armored plaintext was written in: the armor's "Charset:"
// header when present (RFC 4880 §6.2), else the part's.
std::string armorCharset(std::string_view block, const std::string& fallback) {
    std::size_t pos = 0;
    std::size_t next = 0;
    lineAt(block, pos, next);  // the BEGIN line
    for (pos = next; pos < block.size(); pos = next) {
        auto line = lineAt(block, pos, next);
        if (line.empty()) break;
        if (istartsWith(line, "Charset:")) return toLower(trim(line.substr(8)));
    }
    return fallback;
}

bool endsWithAny(const std::string& name, std::initializer_list<std::string_view> suffixes) {
    auto lower = toLower(name);
    return std::any_of(suffixes.begin(), suffixes.end(), [&](std::string_view s) {
        return lower.size() >= s.size() && lower.compare(lower.size() - s.size(), s.size(), s) == 0;
    });
}

// The parts mime::parseMessage reads into the message's text (message.cpp:
// body text, and text or Markdown write-ups sent as attachments).
bool readAsText(const mime::Part& p) {
    const bool textType = p.contentType == "text/plain" || p.contentType == "text/markdown" ||
                          p.contentType == "text/x-markdown" || p.contentType == "text/html";
    if (!p.attachment) return textType;
    if (endsWithAny(p.filename, {".gpg", ".pgp", ".asc"})) return false;
    return p.contentType != "text/html" && (textType || endsWithAny(p.filename, {".txt", ".md", ".markdown"}));
}

bool startsWithArmor(std::string_view data, std::string_view what) {
    auto t = trim(data.substr(0, std::min<std::size_t>(data.size(), 200)));
    return t.substr(0, what.size()) == what;
}

// Binary OpenPGP that starts like an encrypted message: a public-key or
// symmetric-key encrypted session key packet (tags 1, 3), old or new format.
bool looksLikeBinaryEncrypted(std::string_view data) {
    if (data.empty()) return false;
    auto b = static_cast<unsigned char>(data[0]);
    if (!(b & 0x80)) return false;
    int tag = (b & 0x40) ? (b & 0x3f) : ((b >> 2) & 0x0f);
    return tag == 1 || tag == 3;
}

std::string textOf(std::string_view bytes, const std::string& charset) {
    auto converted = mime::toUtf8(bytes, charset);
    std::string out;
    out.reserve(converted.text.size());
    for (std::size_t i = 0; i < converted.text.size(); ++i) {
        if (converted.text[i] == '\r' && i + 1 < converted.text.size() && converted.text[i + 1] == '\n') continue;
        out.push_back(converted.text[i]);
    }
    return out;
}

struct Piece {
    std::string text;
    bool fromEncryption = false;
};

class Reader {
public:
    Reader(Decrypter* gpg, const MailLimits& limits) : gpg_(gpg), limits_(limits) {}

    MailSecurity run(std::string_view raw, const mime::ParsedMessage& parsed) {
        readMessage(raw, parsed, 0, "", false);
        finish();
        return std::move(out_);
    }

private:
    bool takeObject() {
        if (objects_ >= limits_.maxObjects) {
            if (!out_.limitHit)
                out_.problems.push_back("more than " + std::to_string(limits_.maxObjects) +
                                        " OpenPGP parts; the rest were not read");
            out_.limitHit = true;
            return false;
        }
        ++objects_;
        return true;
    }

    static bool underHandled(const mime::ParsedMessage& parsed, std::size_t i, const std::vector<char>& handled) {
        for (int p = parsed.parts[i].parent; p >= 0; p = parsed.parts[static_cast<std::size_t>(p)].parent)
            if (handled[static_cast<std::size_t>(p)]) return true;
        return false;
    }

    void readMessage(std::string_view raw, const mime::ParsedMessage& parsed, std::size_t depth,
                     const std::string& prefix, bool insideEncryption) {
        std::vector<char> handled(parsed.parts.size(), 0);
        for (std::size_t i = 0; i < parsed.parts.size(); ++i) {
            if (underHandled(parsed, i, handled)) {
                handled[i] = 1;
                continue;
            }
            const auto& p = parsed.parts[i];
            if (p.contentType == "multipart/encrypted") {
                handled[i] = 1;
                mimeEncrypted(raw, parsed, i, depth, prefix);
            } else if (p.contentType == "multipart/signed") {
                // The signed part stays in the walk (its text is the message's text).
                mimeSigned(raw, parsed, i, depth, prefix, insideEncryption);
            } else if (!p.container && p.attachment) {
                attachment(p, depth, prefix, insideEncryption);
            }
        }
        inlineText(parsed.text, parsed, depth, prefix, insideEncryption);
    }

    std::vector<std::size_t> children(const mime::ParsedMessage& parsed, std::size_t index) {
        std::vector<std::size_t> out;
        for (std::size_t j = index + 1; j < parsed.parts.size(); ++j)
            if (parsed.parts[j].parent == static_cast<int>(index)) out.push_back(j);
        return out;
    }

    void mimeEncrypted(std::string_view raw, const mime::ParsedMessage& parsed, std::size_t index, std::size_t depth,
                       const std::string& prefix) {
        (void)raw;
        const auto& part = parsed.parts[index];
        Layer layer;
        layer.kind = Layer::Kind::MimeEncrypted;
        layer.part = prefix + part.path;
        layer.encrypted = true;
        layer.depth = depth;
        auto protocol = toLower(mime::param(mime::parseHeaderValue(part.contentTypeHeader), "protocol").value_or(""));
        auto kids = children(parsed, index);
        if (protocol != "application/pgp-encrypted") {
            layer.decryption = DecryptStatus::Unsupported;
            layer.detail = protocol.empty() ? "multipart/encrypted without a protocol parameter"
                                            : "multipart/encrypted with protocol \"" +
                                                  headerSafe(utf8Prefix(protocol, 60)) +
                                                  "\", not application/pgp-encrypted";
        } else if (kids.size() != 2 || parsed.parts[kids[1]].container) {
            layer.decryption = DecryptStatus::Corrupt;
            layer.detail = "multipart/encrypted must have two parts, the second holding the ciphertext";
        } else {
            const auto& control = parsed.parts[kids[0]];
            if (control.contentType != "application/pgp-encrypted" ||
                control.decoded.find("Version: 1") == std::string::npos)
                out_.problems.push_back("the first part of multipart/encrypted is not \"Version: 1\" "
                                        "application/pgp-encrypted (read anyway)");
            decryptInto(layer, parsed.parts[kids[1]].decoded, depth, prefix + part.path, true);
        }
        out_.layers.push_back(std::move(layer));
    }

    // Decrypts `data`; a decrypted MIME entity (`mimeEntity`) is read again as
    // a message, anything else as text.
    void decryptInto(Layer& layer, std::string_view data, std::size_t depth, const std::string& where,
                     bool mimeEntity, const std::string& charset = "", const std::string& name = "") {
        if (!gpg_) {
            layer.decryption = DecryptStatus::Failed;
            layer.detail = "OpenPGP is off in this secmaild (no [gpg] section)";
            return;
        }
        if (!takeObject()) {
            layer.decryption = DecryptStatus::Failed;
            layer.detail = "not read: too many OpenPGP parts in one message";
            return;
        }
        auto d = gpg_->decrypt(data);
        layer.decryption = d.status;
        layer.detail = d.detail;
        layer.signatures = d.signatures;
        layer.recipientKeyIds = d.recipientKeyIds;
        if (!d.ok()) return;
        if (d.status == DecryptStatus::NotEncrypted) layer.encrypted = false;
        const bool fromEncryption = d.status == DecryptStatus::Decrypted;
        if (!d.signatures.empty()) out_.signedContent = true;
        if (mimeEntity) {
            if (depth + 1 > limits_.maxNesting) {
                out_.limitHit = true;
                out_.problems.push_back("encrypted content nested more than " + std::to_string(limits_.maxNesting) +
                                        " deep was not read");
                return;
            }
            auto inner = mime::parseMessage(d.plaintext, limits_.message);
            for (const auto& problem : inner.problems) out_.problems.push_back("inside the encryption: " + problem);
            if (inner.limitHit) out_.limitHit = true;
            if (depth == 0 && fromEncryption && inner.header("Subject")) out_.protectedSubject = inner.subject;
            const std::string innerPrefix = "decrypted:" + (where.empty() ? std::string("0") : where) + ":";
            for (const auto& p : inner.parts) {
                if (p.container) continue;
                mime::Part copy = p;
                copy.path = innerPrefix + p.path;
                copy.rawBegin = copy.bodyBegin = copy.rawEnd = 0;
                out_.decryptedParts.push_back(std::move(copy));
            }
            if (!d.signatures.empty()) signedTexts_.push_back(inner.text);
            readMessage(d.plaintext, inner, depth + 1, innerPrefix, fromEncryption);
        } else {
            std::string text = textOf(d.plaintext, charset);
            if (!d.signatures.empty()) signedTexts_.push_back(text);
            if (!name.empty()) {
                mime::Part p;
                p.path = "decrypted:" + where;
                p.contentType = "application/octet-stream";
                p.filename = name;
                p.attachment = true;
                p.decoded = d.plaintext;
                out_.decryptedParts.push_back(std::move(p));
                text = "[" + name + "]\n" + text;
            }
            pieces_.push_back({std::move(text), fromEncryption});
        }
    }

    void mimeSigned(std::string_view raw, const mime::ParsedMessage& parsed, std::size_t index, std::size_t depth,
                    const std::string& prefix, bool insideEncryption) {
        (void)insideEncryption;
        const auto& part = parsed.parts[index];
        Layer layer;
        layer.kind = Layer::Kind::MimeSigned;
        layer.part = prefix + part.path;
        layer.depth = depth;
        auto protocol = toLower(mime::param(mime::parseHeaderValue(part.contentTypeHeader), "protocol").value_or(""));
        auto kids = children(parsed, index);
        if (protocol != "application/pgp-signature") {
            layer.detail = "multipart/signed with protocol \"" + headerSafe(utf8Prefix(protocol, 60)) +
                           "\" is not OpenPGP; not verified";
        } else if (kids.size() < 2 || parsed.parts[kids[1]].contentType != "application/pgp-signature") {
            layer.detail = "the signature part of multipart/signed is missing";
        } else if (!gpg_) {
            layer.detail = "OpenPGP is off in this secmaild (no [gpg] section)";
        } else if (takeObject()) {
            const auto& first = parsed.parts[kids[0]];
            // Signed over CRLF line ends (RFC 3156 §5); a pipe may have dropped the CRs.
            auto signedBytes = toCrlf(raw.substr(first.rawBegin, first.rawEnd - first.rawBegin));
            auto v = gpg_->verifyDetached(signedBytes, parsed.parts[kids[1]].decoded);
            layer.signatures = v.signatures;
            layer.detail = v.detail;
            if (!v.signatures.empty()) out_.signedContent = true;
            auto signedEntity = mime::parseMessage(signedBytes, limits_.message);
            signedTexts_.push_back(signedEntity.text);
        }
        if (!layer.detail.empty() && layer.signatures.empty()) out_.problems.push_back(layer.detail);
        out_.layers.push_back(std::move(layer));
    }

    void attachment(const mime::Part& p, std::size_t depth, const std::string& prefix, bool insideEncryption) {
        // A write-up attachment is read into the message's text by the MIME
        // layer, so its armored blocks are inlineText()'s: handling it here
        // too would decrypt it twice.
        if (readAsText(p)) return;
        const std::string_view data = p.decoded;
        // By content first: mime.types calls every ".asc" application/pgp-keys
        // and every ".pgp" application/pgp-encrypted, whatever they hold.
        const bool named = endsWithAny(p.filename, {".gpg", ".pgp", ".asc"});
        const bool pgpType = p.contentType == "application/octet-stream" ||
                             p.contentType == "application/pgp-encrypted" || p.contentType == "application/pgp-keys";
        const bool encrypted = startsWithArmor(data, "-----BEGIN PGP MESSAGE-----") ||
                               ((named || pgpType) && looksLikeBinaryEncrypted(data));
        if (!encrypted) {
            if (startsWithArmor(data, "-----BEGIN PGP PUBLIC KEY BLOCK-----") ||
                (p.contentType == "application/pgp-keys" && !startsWithArmor(data, "-----BEGIN PGP")))
                if (out_.keys.size() < limits_.maxObjects)
                    out_.keys.push_back({p.decoded, insideEncryption, prefix + p.path});
            return;
        }
        Layer layer;
        layer.kind = Layer::Kind::EncryptedAttachment;
        layer.part = prefix + p.path;
        layer.encrypted = true;
        layer.depth = depth;
        std::string name = p.filename;
        if (named) name.erase(name.size() - 4);
        if (name.empty()) name = "attachment";
        decryptInto(layer, data, depth, prefix + p.path, false, p.charset, name);
        if (!layer.encrypted && layer.signatures.empty()) return;
        out_.layers.push_back(std::move(layer));
    }

    void inlineText(const std::string& text, const mime::ParsedMessage& parsed, std::size_t depth,
                    const std::string& prefix, bool insideEncryption) {
        (void)parsed;
        auto blocks = findArmor(text);
        std::size_t pos = 0;
        std::string clear;
        for (const auto& b : blocks) {
            clear += text.substr(pos, b.begin - pos);
            pos = b.end;
            std::string_view block(text.data() + b.begin, b.end - b.begin);
            if (b.kind == ArmorKind::PublicKey) {
                if (out_.keys.size() < limits_.maxObjects) out_.keys.push_back({std::string(block), insideEncryption, prefix});
                continue;
            }
            Layer layer;
            layer.part = prefix;
            layer.depth = depth;
            if (b.kind == ArmorKind::Message) {
                // Flush the clear text before the block so that the order of the text is kept.
                flushClear(clear, insideEncryption);
                layer.kind = Layer::Kind::InlineEncrypted;
                layer.encrypted = true;
                // The block text is UTF-8 already (the part was converted); its plaintext is in the armor's charset.
                decryptInto(layer, block, depth, prefix.empty() ? "inline" : prefix + "inline", false,
                            armorCharset(block, "utf-8"));
                if (!layer.encrypted) layer.kind = Layer::Kind::InlineSigned;
            } else {
                layer.kind = Layer::Kind::InlineSigned;
                if (!gpg_) {
                    layer.detail = "OpenPGP is off in this secmaild (no [gpg] section)";
                    clear += block;
                } else if (takeObject()) {
                    auto v = gpg_->verifyClearsigned(block);
                    layer.signatures = v.signatures;
                    layer.detail = v.detail;
                    if (!v.signatures.empty()) out_.signedContent = true;
                    std::string signedText = textOf(v.plaintext, "utf-8");
                    signedTexts_.push_back(signedText);
                    // Clearsigned text is clear: it stays where it was, without the armor.
                    clear += signedText;
                    if (!signedText.empty() && signedText.back() != '\n') clear += '\n';
                } else {
                    clear += block;
                }
            }
            out_.layers.push_back(std::move(layer));
        }
        clear += text.substr(std::min(pos, text.size()));
        flushClear(clear, insideEncryption);
    }

    void flushClear(std::string& clear, bool insideEncryption) {
        if (!trim(clear).empty()) pieces_.push_back({clear, insideEncryption});
        clear.clear();
    }

    static void append(std::string& to, const std::string& piece) {
        auto t = trim(piece);
        if (t.empty()) return;
        if (!to.empty()) to += "\n\n";
        to += t;
    }

    void finish() {
        for (const auto& l : out_.layers)
            if (l.encrypted) out_.encrypted = true;
        out_.allDecrypted = out_.encrypted;
        for (const auto& l : out_.layers)
            if (l.encrypted && l.decryption != DecryptStatus::Decrypted) out_.allDecrypted = false;
        for (const auto& piece : pieces_) {
            if (!out_.encrypted || piece.fromEncryption)
                append(out_.reportText, piece.text);
            else
                append(out_.unauthenticatedText, piece.text);
        }
        for (const auto& t : signedTexts_) append(out_.signedText, t);
        std::size_t max = limits_.message.maxTextBytes;
        for (auto* t : {&out_.reportText, &out_.unauthenticatedText, &out_.signedText}) {
            if (t->size() > max) {
                *t = std::string(utf8Prefix(*t, max));
                out_.limitHit = true;
            }
        }
    }

    Decrypter* gpg_;
    MailLimits limits_;
    MailSecurity out_;
    std::vector<Piece> pieces_;
    std::vector<std::string> signedTexts_;
    std::size_t objects_ = 0;
};

}  // namespace

MailSecurity readOpenPgp(std::string_view raw, const mime::ParsedMessage& parsed, Decrypter* gpg, const MailLimits& limits) {
    return Reader(gpg, limits).run(raw, parsed);
}

}  // namespace secmaild::pgp
