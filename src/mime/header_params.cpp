// Content-Type / Content-Disposition values: a single forward scan over the field
// body (comments, quoted strings, parameters), then RFC 2231 assembly and
// charset conversion per parameter. It does not know which types or parameters
// are valid for which field; callers apply RFC 2045 defaults themselves.
#include "secmaild/mime/header_params.hpp"

#include <map>

#include "secmaild/mime/charset.hpp"
#include "secmaild/mime/encoded_words.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::mime {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

bool isWsp(char c) {
    return c == ' ' || c == '\t';
}
bool isCtl(char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}

// RFC 2045 token characters.
bool isTokenChar(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
    return std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percentDecode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 && hexValue(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

std::string scrubControls(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (isCtl(c) && c != '\t') {
            out += kReplacement;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

struct Section {
    bool present = false;
    bool extended = false;
    std::string text;
};

// Everything seen for one parameter name, in its three RFC 2231 spellings.
struct RawParam {
    std::string name;
    std::optional<std::string> plain;     // name=
    std::optional<std::string> extended;  // name*=
    std::vector<Section> sections;        // name*N= and name*N*=
};

class Scanner {
public:
    Scanner(std::string_view unfolded, const HeaderValueLimits& limits, HeaderValue& out)
        : s_(unfolded), limits_(limits), out_(out) {}

    void run() {
        readMainValue();
        while (i_ < s_.size()) {
            if (s_[i_] == ';') ++i_;
            skipCfws();
            if (i_ >= s_.size()) break;
            if (s_[i_] == ';') continue;
            readParam();
        }
        for (RawParam& p : params_) finish(p);
    }

private:
    bool atEnd() const { return i_ >= s_.size(); }

    // Whitespace and comments, which nest and may contain quoted-pairs.
    void skipCfws() {
        for (;;) {
            while (!atEnd() && isWsp(s_[i_])) ++i_;
            if (atEnd() || s_[i_] != '(') return;
            std::size_t depth = 0;
            for (; !atEnd(); ++i_) {
                char c = s_[i_];
                if (c == '\\') {
                    ++i_;
                } else if (c == '(') {
                    ++depth;
                } else if (c == ')' && --depth == 0) {
                    ++i_;
                    break;
                }
            }
            if (depth != 0) out_.malformed = true;
            if (i_ > s_.size()) i_ = s_.size();
        }
    }

    // Skips to the next ';' that is not inside a quoted string or comment.
    void skipGarbage() {
        out_.malformed = true;
        while (!atEnd() && s_[i_] != ';') {
            if (s_[i_] == '"') {
                readQuoted();
            } else if (s_[i_] == '(') {
                skipCfws();
            } else {
                ++i_;
            }
        }
    }

    std::string_view readToken() {
        std::size_t start = i_;
        while (!atEnd() && isTokenChar(s_[i_])) ++i_;
        return s_.substr(start, i_ - start);
    }

    void readMainValue() {
        skipCfws();
        std::string_view type = readToken();
        std::string value(type);
        skipCfws();
        if (!atEnd() && s_[i_] == '/') {
            ++i_;
            skipCfws();
            std::string_view subtype = readToken();
            if (type.empty() || subtype.empty()) out_.malformed = true;
            value += '/';
            value += subtype;
            skipCfws();
        }
        if (type.empty()) out_.malformed = true;
        out_.value = toLower(value);
        // As after a parameter value: RFC 2231's own §4.1 example omits the ';'.
        if (!atEnd() && s_[i_] != ';') out_.malformed = true;
    }

    // At the opening quote. A backslash escapes only '"' and '\'.
    std::string readQuoted() {
        std::string text;
        ++i_;
        while (!atEnd()) {
            char c = s_[i_];
            if (c == '"') {
                ++i_;
                return text;
            }
            if (c == '\\' && i_ + 1 < s_.size() && (s_[i_ + 1] == '"' || s_[i_ + 1] == '\\')) ++i_;
            text.push_back(s_[i_]);
            ++i_;
        }
        out_.malformed = true;  // unterminated: the rest of the field is the value
        return text;
    }

    // Unquoted values are read up to whitespace, ';', a comment or a quote;
    // lenient beyond RFC 2045 tokens because senders leave '=', '/' and '?' unquoted.
    std::string readBareValue() {
        std::size_t start = i_;
        while (!atEnd() && !isWsp(s_[i_]) && !isCtl(s_[i_]) && s_[i_] != ';' && s_[i_] != '(' && s_[i_] != '"') ++i_;
        return std::string(s_.substr(start, i_ - start));
    }

    void readParam() {
        std::size_t start = i_;
        while (!atEnd() && s_[i_] != '=' && s_[i_] != ';' && s_[i_] != '"' && s_[i_] != '(' && !isWsp(s_[i_]) &&
               !isCtl(s_[i_]))
            ++i_;
        std::string name = toLower(s_.substr(start, i_ - start));
        skipCfws();
        if (name.empty() || atEnd() || s_[i_] != '=') {
            skipGarbage();
            return;
        }
        ++i_;
        skipCfws();
        std::string value;
        bool quoted = !atEnd() && s_[i_] == '"';
        if (quoted) {
            value = readQuoted();
        } else {
            value = readBareValue();
            if (value.empty()) out_.malformed = true;
        }
        skipCfws();
        // Text after the value without ';': the loop reads it as the next parameter,
        // which recovers a forgotten ';' and reports anything else as garbage.
        if (!atEnd() && s_[i_] != ';') out_.malformed = true;
        store(name, std::move(value));
    }

    // `name` is "attr", "attr*", "attr*N" or "attr*N*" (RFC 2231 §3, §4).
    void store(std::string_view name, std::string value) {
        for (char c : name) {
            if (!isTokenChar(c)) {
                out_.malformed = true;
                return;
            }
        }
        bool extended = !name.empty() && name.back() == '*';
        if (extended) name.remove_suffix(1);
        std::optional<std::size_t> section;
        if (auto star = name.find('*'); star != std::string_view::npos) {
            std::string_view digits = name.substr(star + 1);
            name = name.substr(0, star);
            if (digits.empty() || digits.size() > 9 || (digits.size() > 1 && digits[0] == '0')) {
                out_.malformed = true;
                return;
            }
            std::size_t n = 0;
            for (char c : digits) {
                if (c < '0' || c > '9') {
                    out_.malformed = true;
                    return;
                }
                n = n * 10 + static_cast<std::size_t>(c - '0');
            }
            section = n;
        }
        if (name.empty()) {
            out_.malformed = true;
            return;
        }
        RawParam* p = find(name);
        if (!p) return;
        if (section) {
            if (*section >= limits_.maxContinuations) {
                out_.malformed = true;
                return;
            }
            if (p->sections.size() <= *section) p->sections.resize(*section + 1);
            Section& sec = p->sections[*section];
            if (sec.present) {
                out_.malformed = true;
                return;
            }
            sec = Section{true, extended, std::move(value)};
            return;
        }
        std::optional<std::string>& slot = extended ? p->extended : p->plain;
        if (slot) {
            out_.malformed = true;
            return;
        }
        slot = std::move(value);
    }

    // The entry for `name`, created if there is room; null when over maxParams.
    RawParam* find(std::string_view name) {
        if (auto it = index_.find(name); it != index_.end()) return &params_[it->second];
        if (params_.size() >= limits_.maxParams) {
            out_.malformed = true;
            return nullptr;
        }
        index_.emplace(std::string(name), params_.size());
        params_.push_back(RawParam{std::string(name), {}, {}, {}});
        return &params_.back();
    }

    // charset'language'%XX... (RFC 2231 §4); without the quotes the charset is unknown.
    std::string decodeExtendedInitial(std::string_view text, std::string& charset) {
        auto q1 = text.find('\'');
        auto q2 = q1 == std::string_view::npos ? q1 : text.find('\'', q1 + 1);
        if (q2 == std::string_view::npos) {
            out_.malformed = true;
            return percentDecode(text);
        }
        charset = std::string(text.substr(0, q1));
        return percentDecode(text.substr(q2 + 1));
    }

    void finish(RawParam& p) {
        bool exact = p.name == "boundary";
        std::optional<std::string> value;
        std::string charset;
        bool has2231 = false;
        if (p.extended) {
            has2231 = true;
            std::string bytes = decodeExtendedInitial(*p.extended, charset);  // sets charset first
            value = toUtf8(bytes, charset).text;
        }
        if (!p.sections.empty()) {
            if (has2231 || !p.sections[0].present) out_.malformed = true;
            if (!has2231 && p.sections[0].present) {
                has2231 = true;
                value = joinSections(p.sections);
            }
        }
        if (has2231) {
            out_.params.emplace_back(p.name, scrubControls(*value));
            return;
        }
        if (!p.plain) return;
        if (exact) {
            out_.params.emplace_back(p.name, std::move(*p.plain));
        } else if (p.name == "name" || p.name == "filename") {
            out_.params.emplace_back(p.name, decodeHeaderText(*p.plain));
        } else {
            out_.params.emplace_back(p.name, scrubControls(toUtf8(*p.plain, "").text));
        }
    }

    // Sections up to the first gap; only extended ones are percent-encoded, and
    // the charset comes from section 0.
    std::string joinSections(const std::vector<Section>& sections) {
        std::string charset;
        std::string bytes;
        std::size_t n = 0;
        for (; n < sections.size() && sections[n].present; ++n) {
            const Section& sec = sections[n];
            if (!sec.extended) {
                bytes += sec.text;
            } else if (n == 0) {
                bytes += decodeExtendedInitial(sec.text, charset);
            } else {
                bytes += percentDecode(sec.text);
            }
        }
        if (n != sections.size()) out_.malformed = true;
        return toUtf8(bytes, charset).text;
    }

    std::string_view s_;
    const HeaderValueLimits& limits_;
    HeaderValue& out_;
    std::size_t i_ = 0;
    std::vector<RawParam> params_;
    std::map<std::string, std::size_t, std::less<>> index_;
};

}  // namespace

HeaderValue parseHeaderValue(std::string_view raw, const HeaderValueLimits& limits) {
    // Unfolding (RFC 5322 §2.2.3) removes the line breaks and keeps the whitespace.
    std::string unfolded;
    unfolded.reserve(raw.size());
    for (char c : raw)
        if (c != '\r' && c != '\n') unfolded.push_back(c);
    HeaderValue out;
    Scanner(unfolded, limits, out).run();
    return out;
}

std::optional<std::string> param(const HeaderValue& v, std::string_view name) {
    for (const auto& [n, value] : v.params)
        if (iequals(n, name)) return value;
    return std::nullopt;
}

}  // namespace secmaild::mime
