// The bounded OpenPGP key filter of key_filter.hpp: ASCII armor removal with
// its CRC-24, packet framing (RFC 4880 / RFC 9580 §4.2), and a walk over the
// transferable-public-key grammar that keeps the sender's user IDs. It checks
// no signature and parses no key material: a kept user ID whose self-signature
// is bad is gpg's to drop on import. Kept packets are copied byte for byte,
// so the output is never larger than the input. Every length is checked
// against the bytes left, and every loop is bounded by the input or a limit.
#include "secmaild/pgp/key_filter.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "secmaild/util/strings.hpp"

namespace secmaild::pgp {
namespace {

const char* const kNotKeyData = "not OpenPGP key data";

Error tooLarge(std::size_t max) {
    return fail("larger than " + std::to_string(max) + " bytes");
}

// ---- ASCII armor (RFC 4880 §6, RFC 9580 §6) ----

// Strips the line's end: CR (from CRLF mail) and trailing blanks, which mail
// software adds and removes at will.
std::string_view nextLine(std::string_view data, std::size_t& pos) {
    std::size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) end = data.size();
    std::string_view line = data.substr(pos, end - pos);
    pos = end < data.size() ? end + 1 : end;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    return line;
}

std::uint32_t crc24(std::string_view data) {
    std::uint32_t crc = 0xB704CEu;
    for (unsigned char c : data) {
        crc ^= static_cast<std::uint32_t>(c) << 16;
        for (int i = 0; i < 8; ++i) {
            crc <<= 1;
            if (crc & 0x1000000u) crc ^= 0x1864CFBu;
        }
    }
    return crc & 0xFFFFFFu;
}

// The checksum line is '=' and exactly four base64 characters; a body line
// starting with '=' can only be padding, which is shorter.
std::optional<std::uint32_t> checksumLine(std::string_view line) {
    if (line.size() != 5 || line[0] != '=') return std::nullopt;
    std::uint32_t v = 0;
    for (char c : line.substr(1)) {
        int d = base64Digit(c);
        if (d < 0) return std::nullopt;
        v = (v << 6) | static_cast<std::uint32_t>(d);
    }
    return v;
}

// Base64 fed line by line; blanks inside lines are skipped, missing final
// padding is tolerated, anything else outside the alphabet is an error.
class Base64Decoder {
public:
    Base64Decoder(std::string& out, std::size_t maxBytes) : out_(out), maxBytes_(maxBytes) {}

    // False when the text is not base64; `tooLarge()` tells the output limit apart.
    bool add(std::string_view line) {
        for (char c : line) {
            if (c == ' ' || c == '\t') continue;
            if (c == '=') {
                if (!padded_ && quad_ < 2) return false;
                if (!padded_) {
                    if (!flush()) return false;
                    padded_ = true;
                }
                if (++quad_ > 4) return false;
                continue;
            }
            int v = base64Digit(c);
            if (v < 0 || padded_) return false;
            acc_ = (acc_ << 6) | static_cast<std::uint32_t>(v);
            if (++quad_ == 4 && !flush()) return false;
        }
        return true;
    }

    bool finish() {
        if (padded_) return true;
        if (quad_ == 1) return false;
        return flush();
    }

    bool tooLarge() const { return tooLarge_; }

private:
    // Emits the bytes of the characters collected in the current quad.
    bool flush() {
        std::size_t bytes = quad_ == 4 ? 3 : quad_ == 3 ? 2 : quad_ == 2 ? 1 : 0;
        std::uint32_t bits = acc_ << (6 * (4 - quad_));  // left-align to 24 bits
        if (bytes > maxBytes_ - out_.size()) {
            tooLarge_ = true;
            return false;
        }
        for (std::size_t i = 0; i < bytes; ++i) out_.push_back(static_cast<char>((bits >> (16 - 8 * i)) & 0xFF));
        if (quad_ == 4) quad_ = 0;
        acc_ = 0;
        return true;
    }

    std::string& out_;
    std::size_t maxBytes_;
    std::uint32_t acc_ = 0;
    int quad_ = 0;  // characters of the current group of four, '=' included
    bool padded_ = false;
    bool tooLarge_ = false;
};

// Offset of the first line that starts "-----BEGIN PGP " (after blanks) and
// ends "-----". Text before it, such as "here is my key:", is skipped.
std::optional<std::size_t> findArmorStart(std::string_view data) {
    constexpr std::string_view kBegin = "-----BEGIN PGP ";
    for (std::size_t at = data.find(kBegin); at != std::string_view::npos; at = data.find(kBegin, at + 1)) {
        // Only blanks are walked back over, never a previous candidate: linear.
        std::size_t lineStart = at;
        while (lineStart > 0 && (data[lineStart - 1] == ' ' || data[lineStart - 1] == '\t')) --lineStart;
        if (lineStart != 0 && data[lineStart - 1] != '\n') continue;
        std::size_t pos = at;
        std::string_view line = nextLine(data, pos);
        if (line.size() >= kBegin.size() + 5 && line.substr(line.size() - 5) == "-----") return at;
    }
    return std::nullopt;
}

// ---- Packet framing (RFC 9580 §4.2) ----

struct Packet {
    unsigned tag = 0;
    std::string_view raw;  // header and body, exactly as read
    std::string_view body;
};

std::uint32_t bigEndian(std::string_view bytes) {
    std::uint32_t v = 0;
    for (unsigned char c : bytes) v = (v << 8) | c;
    return v;
}

// Reads the packet at `pos` and moves past it. Partial and indeterminate
// lengths are streaming forms for data packets; keys never use them, and gpg
// refuses them in keys ("indeterminate length for invalid packet type").
Result<Packet> readPacket(std::string_view data, std::size_t& pos) {
    const std::size_t start = pos;
    const std::size_t left = data.size() - start;
    const auto ctb = static_cast<unsigned char>(data[start]);
    if (!(ctb & 0x80)) return fail("malformed packet header");
    Packet p;
    std::size_t headerBytes = 0;
    std::uint64_t length = 0;
    if (ctb & 0x40) {  // OpenPGP (new) format
        p.tag = ctb & 0x3F;
        if (left < 2) return fail("truncated packet");
        const auto first = static_cast<unsigned char>(data[start + 1]);
        if (first < 192) {
            headerBytes = 2;
            length = first;
        } else if (first < 224) {
            if (left < 3) return fail("truncated packet");
            headerBytes = 3;
            length = ((first - 192u) << 8) + static_cast<unsigned char>(data[start + 2]) + 192u;
        } else if (first == 255) {
            if (left < 6) return fail("truncated packet");
            headerBytes = 6;
            length = bigEndian(data.substr(start + 2, 4));
        } else {
            return fail("partial body length in a key packet");
        }
    } else {  // legacy format
        p.tag = (ctb >> 2) & 0x0F;
        const unsigned lengthType = ctb & 0x03;
        if (lengthType == 3) return fail("indeterminate packet length in a key packet");
        const std::size_t lengthBytes = lengthType == 0 ? 1 : lengthType == 1 ? 2 : 4;
        if (left < 1 + lengthBytes) return fail("truncated packet");
        headerBytes = 1 + lengthBytes;
        length = bigEndian(data.substr(start + 1, lengthBytes));
    }
    if (p.tag == 0) return fail("malformed packet header");
    if (length > left - headerBytes) return fail("truncated packet");
    const auto bodyBytes = static_cast<std::size_t>(length);
    p.raw = data.substr(start, headerBytes + bodyBytes);
    p.body = data.substr(start + headerBytes, bodyBytes);
    pos = start + headerBytes + bodyBytes;
    return p;
}

// ---- The transferable public key (RFC 9580 §10.1.1) ----

enum Tag : unsigned {
    kSignature = 2,
    kSecretKey = 5,
    kPublicKey = 6,
    kSecretSubkey = 7,
    kMarker = 10,
    kTrust = 12,
    kUserId = 13,
    kPublicSubkey = 14,
    kUserAttribute = 17,
    kPadding = 21,  // RFC 9580
};

// The address of a user ID: inside the last "<...>", else the whole text
// when it looks like a bare address; "" when there is none.
std::string_view userIdAddress(std::string_view uid) {
    std::size_t open = uid.rfind('<');
    if (open != std::string_view::npos) {
        std::size_t close = uid.find('>', open + 1);
        if (close != std::string_view::npos) return trim(uid.substr(open + 1, close - open - 1));
    }
    std::string_view whole = trim(uid);
    return whole.find('@') != std::string_view::npos ? whole : std::string_view();
}

// Which part of the key the packets being read belong to; a signature
// belongs to the packet before it.
enum class Section { Primary, KeptUserId, DroppedUserId, UserAttribute, Subkey };

}  // namespace

Result<std::string> dearmor(std::string_view data, std::size_t maxBytes) {
    if (data.empty()) return fail(kNotKeyData);
    if (static_cast<unsigned char>(data[0]) & 0x80) {
        if (data.size() > maxBytes) return tooLarge(maxBytes);
        return std::string(data);
    }
    auto start = findArmorStart(data);
    if (!start) return fail(kNotKeyData);
    std::size_t pos = *start;
    (void)nextLine(data, pos);  // the BEGIN line

    // Armor headers ("Version: ...", "Comment: ...") end at a blank line.
    // Base64 has no ':', so a line without one is tolerated as the first of
    // the body when a sender dropped the blank line.
    std::size_t bodyStart = pos;
    while (pos < data.size()) {
        std::size_t lineStart = pos;
        std::string_view line = nextLine(data, pos);
        if (trim(line).empty()) {
            bodyStart = pos;
            break;
        }
        if (line.find(':') == std::string_view::npos) {
            bodyStart = lineStart;
            break;
        }
        bodyStart = pos;
    }

    std::string out;
    Base64Decoder decoder(out, maxBytes);
    std::optional<std::uint32_t> checksum;
    pos = bodyStart;
    while (pos < data.size()) {
        std::string_view line = trim(nextLine(data, pos));
        if (line.starts_with("-----END PGP")) {
            if (!decoder.finish()) return decoder.tooLarge() ? tooLarge(maxBytes) : fail("armor is not valid base64");
            if (checksum && *checksum != crc24(out)) return fail("armor checksum mismatch");
            return out;
        }
        if (checksum) {
            if (line.empty()) continue;
            return fail("armor has text after its checksum");
        }
        if ((checksum = checksumLine(line))) continue;
        if (!decoder.add(line)) return decoder.tooLarge() ? tooLarge(maxBytes) : fail("armor is not valid base64");
    }
    return fail("armor ends without its END line");
}

Result<std::vector<FilteredKey>> keepUserIdsFor(std::string_view keyData, std::string_view email,
                                                const KeyFilterLimits& limits) {
    if (keyData.size() > limits.maxInputBytes) return tooLarge(limits.maxInputBytes);
    auto binary = dearmor(keyData, limits.maxInputBytes);
    if (!binary) return binary.error();
    const std::string_view data = *binary;
    if (data.empty()) return fail(kNotKeyData);
    const std::string_view wanted = trim(email);

    std::vector<FilteredKey> keys;
    // A plain value and a flag, not std::optional: GCC 12 gives a false
    // -Wmaybe-uninitialized for optional<FilteredKey> under the sanitizers.
    FilteredKey current;
    bool inKey = false;
    Section section = Section::Primary;
    std::size_t keysRead = 0;
    std::size_t packets = 0;
    auto finishKey = [&] {
        if (inKey && current.userIdsKept > 0) keys.push_back(std::move(current));
        current = FilteredKey{};
        inKey = false;
    };

    std::size_t pos = 0;
    while (pos < data.size()) {
        if (packets == limits.maxPackets) return fail("more than " + std::to_string(limits.maxPackets) + " packets");
        ++packets;
        auto packet = readPacket(data, pos);
        if (!packet) return packet.error();
        const Packet& p = *packet;

        if (p.tag == kSecretKey || p.tag == kSecretSubkey) return fail("secret key material is never imported");
        // Marker and padding packets carry nothing; trust packets are local
        // state of someone else's keyring; tags 40-63 are non-critical (RFC 9580 §4.3).
        if (p.tag == kMarker || p.tag == kPadding || p.tag == kTrust || p.tag >= 40) continue;
        if (p.tag == kPublicKey) {
            finishKey();
            if (keysRead == limits.maxKeys) return fail("more than " + std::to_string(limits.maxKeys) + " keys");
            ++keysRead;
            inKey = true;
            current.binary.append(p.raw);
            section = Section::Primary;
            continue;
        }
        if (!inKey) return fail(kNotKeyData);

        switch (p.tag) {
            case kSignature:
                if (section != Section::DroppedUserId && section != Section::UserAttribute)
                    current.binary.append(p.raw);
                break;
            case kUserId:
                if (!wanted.empty() && iequals(userIdAddress(p.body), wanted)) {
                    section = Section::KeptUserId;
                    ++current.userIdsKept;
                    current.binary.append(p.raw);
                } else {
                    section = Section::DroppedUserId;
                    ++current.userIdsDropped;
                }
                break;
            case kUserAttribute:
                section = Section::UserAttribute;
                ++current.userAttributesDropped;
                break;
            case kPublicSubkey:
                section = Section::Subkey;
                current.binary.append(p.raw);
                break;
            default:
                return fail("unexpected packet (tag " + std::to_string(p.tag) + ") in a key");
        }
    }
    finishKey();
    return keys;
}

}  // namespace secmaild::pgp
