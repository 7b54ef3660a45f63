// PGP/MIME for what secmaild sends (RFC 3156 §4 and §5). The signed bytes
// are exactly the first body part up to, not including, the CRLF before the
// next delimiter, with CRLF line ends — what a verifier will hash.
#include "secmaild/pgp/protect.hpp"

#include <nlohmann/json.hpp>

#include "secmaild/util/hash.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::pgp {

std::string protectionJson(const Protection& p) {
    return nlohmann::json{{"sign", p.sign}, {"encrypt_to", p.encryptTo}}.dump();
}

Protection protectionFromJson(std::string_view text) {
    Protection p;
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) return p;
    if (auto s = j.find("sign"); s != j.end() && s->is_boolean()) p.sign = s->get<bool>();
    if (auto e = j.find("encrypt_to"); e != j.end() && e->is_array())
        for (const auto& f : *e)
            if (f.is_string()) p.encryptTo.push_back(f.get<std::string>());
    return p;
}

namespace {

struct Split {
    std::string outer;    // header fields that stay outside, each ending in CRLF
    std::string content;  // Content-* fields, each ending in CRLF
    std::string body;
};

bool isContentField(std::string_view field) {
    return istartsWith(field, "Content-");
}

Result<Split> splitMail(std::string_view rendered) {
    auto end = rendered.find("\r\n\r\n");
    if (end == std::string_view::npos) return fail("the mail has no header block");
    Split s;
    std::string_view headers = rendered.substr(0, end + 2);
    s.body = std::string(rendered.substr(end + 4));
    std::size_t pos = 0;
    std::string* current = nullptr;
    while (pos < headers.size()) {
        auto nl = headers.find("\r\n", pos);
        auto line = headers.substr(pos, nl - pos + 2);
        pos = nl + 2;
        if (line[0] == ' ' || line[0] == '\t') {
            if (current) *current += line;
            continue;
        }
        current = isContentField(line) ? &s.content : &s.outer;
        *current += line;
    }
    if (s.content.empty()) s.content = "Content-Type: text/plain; charset=utf-8\r\n";
    return s;
}

// Armor from GPGME has LF line ends; mail wants CRLF and a final line break.
std::string armorLines(std::string_view armor) {
    std::string out = toCrlf(armor);
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
    return out;
}

}  // namespace

Result<std::string> protectMail(std::string_view rendered, const Protection& protection, Gpg& gpg) {
    if (!protection.any()) return std::string(rendered);
    auto split = splitMail(rendered);
    if (!split) return split.error();
    std::string body = split->body;
    if (body.size() < 2 || body.compare(body.size() - 2, 2, "\r\n") != 0) body += "\r\n";
    const std::string inner = split->content + "\r\n" + body;
    const std::string boundary = "=-secmaild-" + randomHex(12);

    if (protection.encryptTo.empty()) {
        // The CRLF before the delimiter belongs to the delimiter, not to the signed part.
        std::string_view signedPart(inner.data(), inner.size() - 2);
        auto sig = gpg.signDetached(signedPart);
        if (!sig) return fail("signing the answer failed: " + sig.error().message);
        std::string out = split->outer;
        out += "Content-Type: multipart/signed; micalg=\"" + sig->micalg +
               "\"; protocol=\"application/pgp-signature\";\r\n boundary=\"" + boundary + "\"\r\n\r\n";
        out += "This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n";
        out += "--" + boundary + "\r\n";
        out += inner;
        out += "--" + boundary + "\r\n";
        out += "Content-Type: application/pgp-signature; name=\"signature.asc\"\r\n";
        out += "Content-Description: OpenPGP digital signature\r\n";
        out += "Content-Disposition: attachment; filename=\"signature.asc\"\r\n\r\n";
        out += armorLines(sig->armored);
        out += "--" + boundary + "--\r\n";
        return out;
    }

    auto cipher = gpg.encrypt(inner, protection.encryptTo, protection.sign);
    if (!cipher) return fail("encrypting the answer failed: " + cipher.error().message);
    std::string out = split->outer;
    out += "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";\r\n boundary=\"" + boundary +
           "\"\r\n\r\n";
    out += "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n";
    out += "--" + boundary + "\r\n";
    out += "Content-Type: application/pgp-encrypted\r\n";
    out += "Content-Description: PGP/MIME version identification\r\n\r\n";
    out += "Version: 1\r\n\r\n";
    out += "--" + boundary + "\r\n";
    out += "Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n";
    out += "Content-Description: OpenPGP encrypted message\r\n";
    out += "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n";
    out += armorLines(*cipher);
    out += "--" + boundary + "--\r\n";
    return out;
}

}  // namespace secmaild::pgp
