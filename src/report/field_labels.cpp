// Recognises a label at the start of a line or as a heading title: "Impact:",
// "**Impact:** text", "__Impact__", "1. Description", "III. Impact",
// "- Steps to reproduce the issue:", "Impact - text". A label must be a whole
// alias after normalisation, so "Impact of this change is ..." stays prose. It
// does not decide where a section ends; fields.cpp does.
#include <algorithm>

#include "field_internal.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::report::detail {

namespace {

// Aliases are short; the label part of a line is looked for in this window only,
// which keeps the work per line constant on hostile input.
constexpr std::size_t kLabelWindow = 160;
// "(if any)", "(optional)", "[required]": qualifiers, not part of the label.
constexpr std::size_t kMaxQualifierBytes = 60;

bool isAsciiAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool isDigit(char c) {
    return c >= '0' && c <= '9';
}
bool isSpaceOrTab(char c) {
    return c == ' ' || c == '\t';
}
char lowerAscii(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trimLeft(std::string_view s) {
    while (!s.empty() && isSpaceOrTab(s.front())) s.remove_prefix(1);
    return s;
}

bool startsWith(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}
bool endsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Trailing separators and punctuation a label may carry: ": ", "：", " -", "?".
std::string_view stripTrailingSeparators(std::string_view s) {
    for (bool changed = true; changed;) {
        changed = false;
        s = trim(s);
        for (std::string_view tail : {":", "\xEF\xBC\x9A", "?", ".", "!", "-", "\xE2\x80\x93", "\xE2\x80\x94"}) {
            if (endsWith(s, tail)) {
                s.remove_suffix(tail.size());
                changed = true;
            }
        }
    }
    return s;
}

// Length of a numbering prefix ("1. ", "2) ", "1.2 ", "III. ", "a) ", "(1) ")
// including the whitespace after it, or 0.
std::size_t numberingPrefix(std::string_view s) {
    std::size_t i = 0;
    bool punctuated = false;
    if (!s.empty() && s[0] == '(') {
        i = 1;
        while (i < s.size() && i <= 3 && isAsciiAlnum(s[i])) ++i;
        if (i == 1 || i >= s.size() || s[i] != ')') return 0;
        ++i;
        punctuated = true;
    } else if (!s.empty() && isDigit(s[0])) {
        while (i < s.size() && i < 3 && isDigit(s[i])) ++i;
        while (i + 1 < s.size() && s[i] == '.' && isDigit(s[i + 1])) {
            punctuated = true;
            ++i;
            while (i < s.size() && isDigit(s[i])) ++i;
        }
        if (i < s.size() && (s[i] == '.' || s[i] == ')')) {
            punctuated = true;
            ++i;
        }
    } else {
        // Roman numerals up to XXXIX, or a single letter: "III.", "iv)", "A.".
        while (i < s.size() && i < 6 && std::string_view("IVXivx").find(s[i]) != std::string_view::npos) ++i;
        if (i == 0 && !s.empty() && isAsciiAlnum(s[0])) i = 1;
        if (i == 0 || i >= s.size() || (s[i] != '.' && s[i] != ')')) return 0;
        ++i;
        punctuated = true;
    }
    if (!punctuated || i >= s.size() || !isSpaceOrTab(s[i])) return 0;
    while (i < s.size() && isSpaceOrTab(s[i])) ++i;
    return i;
}

// Length of a bullet ("- ", "* ", "+ ", "• ") including the space, or 0.
std::size_t bulletPrefix(std::string_view s) {
    if (s.size() >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '+') && isSpaceOrTab(s[1])) return 2;
    if (startsWith(s, "\xE2\x80\xA2") && s.size() > 3 && isSpaceOrTab(s[3])) return 4;
    return 0;
}

bool startsLowercase(std::string_view label) {
    for (char c : label) {
        if (c == '*' || c == '_' || c == '`' || isSpaceOrTab(c)) continue;
        return c >= 'a' && c <= 'z';
    }
    return false;
}

std::optional<AliasTarget> lookup(const LabelTable& table, std::string_view raw) {
    if (raw.size() > kLabelWindow) return std::nullopt;
    auto key = normalizeLabel(raw);
    if (key.empty()) return std::nullopt;
    auto it = table.byAlias.find(key);
    if (it == table.byAlias.end()) return std::nullopt;
    return it->second;
}

struct Emphasis {
    std::string_view inner;  // between the markers
    std::string_view after;  // after the closing marker, trimmed
};

// "**x**rest", "__x__rest", "*x*rest": the emphasised start of a line.
std::optional<Emphasis> leadingEmphasis(std::string_view s) {
    if (s.empty() || (s[0] != '*' && s[0] != '_')) return std::nullopt;
    std::size_t m = 0;
    while (m < s.size() && m < 3 && s[m] == s[0]) ++m;
    if (m >= s.size() || isSpaceOrTab(s[m])) return std::nullopt;
    std::string_view marker = s.substr(0, m);
    auto close = s.substr(0, kLabelWindow).find(marker, m + 1);
    if (close == std::string_view::npos) return std::nullopt;
    return Emphasis{s.substr(m, close - m), trim(s.substr(close + m))};
}

// The value after a separator at the start of `s` (": x", "- x", "– x"), or
// nullopt if `s` does not start with one.
std::optional<std::string_view> afterSeparator(std::string_view s) {
    for (std::string_view sep : {":", "\xEF\xBC\x9A", "-", "\xE2\x80\x93", "\xE2\x80\x94"}) {
        if (!startsWith(s, sep)) continue;
        std::string_view rest = s.substr(sep.size());
        // "-" only separates when followed by a space: "-x" is not "- x".
        if (sep != ":" && sep != "\xEF\xBC\x9A" && !rest.empty() && !isSpaceOrTab(rest[0])) return std::nullopt;
        return trim(rest);
    }
    return std::nullopt;
}

// The first ':' (or full-width '：') outside parentheses: "Impact (CVSS: 9.8): x".
std::size_t labelColon(std::string_view window, std::size_t* sepLength) {
    int depth = 0;
    for (std::size_t i = 0; i < window.size(); ++i) {
        char c = window[i];
        if (c == '(' || c == '[') ++depth;
        if ((c == ')' || c == ']') && depth > 0) --depth;
        if (depth > 0) continue;
        if (c == ':') {
            // "CVSS:3.1/...", "10:30", "https://": a colon inside a token.
            char next = i + 1 < window.size() ? window[i + 1] : ' ';
            if ((next >= '0' && next <= '9') || next == '/') return std::string_view::npos;
            *sepLength = 1;
            return i;
        }
        if (window.substr(i, 3) == "\xEF\xBC\x9A") {
            *sepLength = 3;
            return i;
        }
    }
    return std::string_view::npos;
}

}  // namespace

std::string normalizeLabel(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '(' || c == '[') {
            char closer = c == '(' ? ')' : ']';
            auto end = raw.substr(i, kMaxQualifierBytes).find(closer);
            if (end != std::string_view::npos) {
                i += end;
                out.push_back(' ');
                continue;
            }
        }
        if (c == '*' || c == '`') continue;
        // '_' is emphasis at a word's edge and part of the word inside it.
        if (c == '_' && !(i > 0 && i + 1 < raw.size() && isAsciiAlnum(raw[i - 1]) && isAsciiAlnum(raw[i + 1])))
            continue;
        if (c == '\xC2' && i + 1 < raw.size() && raw[i + 1] == '\xA0') {  // no-break space
            ++i;
            c = ' ';
        }
        if (c == '\t' || c == '\r' || c == '\n') c = ' ';
        if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
        out.push_back(lowerAscii(c));
    }
    std::string_view v = stripTrailingSeparators(out);
    while (!v.empty() && (v.front() == '#' || v.front() == ' ' || v.front() == '-')) v.remove_prefix(1);
    v = stripTrailingSeparators(v);
    return std::string(v);
}

LabelTable makeLabelTable(const std::vector<FieldSpec>& specs) {
    LabelTable table;
    for (const auto& spec : specs) {
        for (const auto& alias : spec.aliases) {
            auto key = normalizeLabel(alias);
            if (!key.empty()) table.byAlias.emplace(std::move(key), AliasTarget{spec.field, true});
        }
    }
    // Known labels outside the specs still end a section, so that a policy
    // asking for fewer fields does not glue "Contact: ..." onto the impact.
    static const auto defaults = [] {
        std::vector<std::pair<std::string, Field>> out;
        for (Field field : allFields())
            for (const auto& alias : defaultAliases(field)) out.emplace_back(normalizeLabel(alias), field);
        return out;
    }();
    for (const auto& [key, field] : defaults) table.byAlias.emplace(key, AliasTarget{field, false});
    return table;
}

std::optional<LabelMatch> matchLabel(std::string_view line, const LabelTable& table, LabelPlace place) {
    std::string_view s = trim(line);
    if (s.empty()) return std::nullopt;
    bool bullet = false;
    if (auto b = bulletPrefix(s)) {
        bullet = true;
        s = trimLeft(s.substr(b));
    }
    bool numbered = false;
    if (auto len = numberingPrefix(s)) {
        numbered = true;
        s = s.substr(len);
    }
    // "#Impact" (no space) is not a Markdown heading but is plainly meant as one.
    if (place != LabelPlace::HeadingTitle && !s.empty() && s[0] == '#') {
        while (!s.empty() && s[0] == '#') s.remove_prefix(1);
        s = trimLeft(s);
    }
    if (s.empty()) return std::nullopt;
    const char* how = place == LabelPlace::HeadingTitle ? "heading" : numbered ? "numbered" : "label";
    // Prose wrapped onto a new line ("... the\nimpact: was big") is not a label.
    bool proseRisk = place == LabelPlace::AfterText && !numbered && !bullet;

    if (auto emphasis = leadingEmphasis(s)) {
        const char* boldHow = place == LabelPlace::HeadingTitle ? "heading" : numbered ? "numbered" : "bold";
        std::string_view inner = trim(emphasis->inner);
        std::string_view label = inner;
        std::string_view value;
        bool isLabel = true;
        auto colon = inner.find(':');
        if (colon != std::string_view::npos) {
            // "**Impact:** text", and "**Impact: high**" whose value is inside.
            label = inner.substr(0, colon);
            std::string_view innerValue = trim(inner.substr(colon + 1));
            value = innerValue.empty() ? emphasis->after : innerValue;
            isLabel = innerValue.empty() || emphasis->after.empty();  // "**A: b** c" is prose
        } else if (!emphasis->after.empty()) {
            auto after = afterSeparator(emphasis->after);
            isLabel = after.has_value();
            if (isLabel) value = *after;
        }
        if (isLabel) {
            if (auto target = lookup(table, label)) return LabelMatch{*target, value, boldHow};
        }
    }

    std::string_view window = s.substr(0, kLabelWindow);
    std::size_t sepLength = 1;
    auto colon = labelColon(window, &sepLength);
    if (colon != std::string_view::npos) {
        std::string_view label = s.substr(0, colon);
        if (auto target = lookup(table, label)) {
            if (proseRisk && startsLowercase(label)) return std::nullopt;
            return LabelMatch{*target, trim(s.substr(colon + sepLength)), how};
        }
    }
    for (std::string_view sep : {" - ", " \xE2\x80\x93 ", " \xE2\x80\x94 "}) {
        auto pos = window.find(sep);
        if (pos == std::string_view::npos) continue;
        std::string_view label = s.substr(0, pos);
        if (auto target = lookup(table, label)) {
            if (proseRisk && startsLowercase(label)) return std::nullopt;
            return LabelMatch{*target, trim(s.substr(pos + sep.size())), how};
        }
    }
    // A label alone on its line: only where a new section can start, since
    // "Steps to reproduce" alone could also be the middle of a wrapped sentence.
    bool standaloneOk = place != LabelPlace::AfterText || numbered;
    if (standaloneOk && s.size() <= kLabelWindow) {
        if (auto target = lookup(table, s)) return LabelMatch{*target, std::string_view{}, how};
    }
    return std::nullopt;
}

}  // namespace secmaild::report::detail
