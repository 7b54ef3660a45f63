// The HTML guard: a tokenizer following the HTML5 data, tag, attribute,
// comment and script states, plus its own stack of open elements. It emits
// only what it tokenized itself (canonical tags, escaped text) and closes what
// it opens, so gumbo can neither read the bytes differently nor keep open what
// the guard closed. It does not decode character references and does not
// decide what html_text.cpp shows, except by dropping what it never would.
//
// Evidence behind the header's claims (gumbo 0.10.1, -O2, max_errors = 0):
// 1,000,000 nested <span>: parse 1.1 s, gumbo_destroy_output SIGSEGV (ASan:
// stack-overflow in libgumbo); 1,000,000 <span> + <frameset>: SIGSEGV inside
// gumbo_parse. 10,000 nested <div> with the default max_errors (-1): 4.2 s,
// because every parse error copies the whole stack; 100,000: OOM-killed.
// "<div><b></div>x" x 3,000 nests 3,000 deep although each <b> is closed.
#include "secmaild/mime/html_guard.hpp"

#include <gumbo.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "secmaild/util/strings.hpp"

namespace secmaild::mime {

namespace {

// How far down the model looks for the element an end tag closes. An end tag
// that needs a longer walk is dropped, which only leaves more open.
constexpr std::size_t kMaxEndTagWalk = 64;

bool isAsciiAlpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
// CR counts because the HTML input stream turns it into LF before tokenizing.
bool isTagSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}
bool isTagNameEnd(char c) {
    return isTagSpace(c) || c == '/' || c == '>';
}

struct Attribute {
    std::string_view name;
    std::string_view source;  // name[=value] exactly as written, quotes included
};

struct TagToken {
    std::string_view name;
    std::size_t end = 0;  // one past the closing '>'
    bool complete = false;
    bool selfClosing = false;
};

// Tag categories, from the HTML5 tree-construction rules as gumbo 0.10.1
// implements them. One table of flags, looked up per tag and per stack entry
// an end tag walks.
constexpr std::uint32_t kVoid = 1u << 0;
constexpr std::uint32_t kSpecial = 1u << 1;  // gumbo's is_special_node, HTML namespace
// "has an element in scope", plus select, where gumbo ignores other end tags.
constexpr std::uint32_t kScopeBoundary = 1u << 2;
constexpr std::uint32_t kListBoundary = 1u << 3;  // ol, ul: list item scope
constexpr std::uint32_t kButton = 1u << 4;        // button scope
constexpr std::uint32_t kImpliedEnd = 1u << 5;    // "generate implied end tags"
constexpr std::uint32_t kTableStop = 1u << 6;     // html, table, template (table scope), plus select
constexpr std::uint32_t kCaption = 1u << 7;
constexpr std::uint32_t kTableSection = 1u << 8;  // tbody, thead, tfoot, tr, td, th
constexpr std::uint32_t kOptionLike = 1u << 9;    // what select scope lets through
constexpr std::uint32_t kClosesP = 1u << 10;      // start tags that close a <p> in button scope
constexpr std::uint32_t kScopedEnd = 1u << 11;    // end tags handled by "in scope, then pop until it"
constexpr std::uint32_t kHeading = 1u << 12;
// Elements whose content html_text.cpp never shows and that are raw text
// up to their end tag. noscript is here because a mail client runs with
// scripting on, where it is raw text; gumbo runs with it off.
constexpr std::uint32_t kDroppedRawText = 1u << 13;
// Start tags that end svg/math content (font only with color, face or size).
constexpr std::uint32_t kBreakout = 1u << 14;

constexpr GumboTag kHeadings[] = {GUMBO_TAG_H1, GUMBO_TAG_H2, GUMBO_TAG_H3, GUMBO_TAG_H4, GUMBO_TAG_H5, GUMBO_TAG_H6};
constexpr GumboTag kVoidTags[] = {GUMBO_TAG_AREA,   GUMBO_TAG_BASE,  GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND,
                                  GUMBO_TAG_BR,     GUMBO_TAG_COL,   GUMBO_TAG_EMBED,    GUMBO_TAG_FRAME,
                                  GUMBO_TAG_HR,     GUMBO_TAG_IMG,   GUMBO_TAG_IMAGE,    GUMBO_TAG_INPUT,
                                  GUMBO_TAG_KEYGEN, GUMBO_TAG_LINK,  GUMBO_TAG_META,     GUMBO_TAG_PARAM,
                                  GUMBO_TAG_SOURCE, GUMBO_TAG_TRACK, GUMBO_TAG_WBR};
constexpr GumboTag kSpecialTags[] = {
    GUMBO_TAG_ADDRESS,   GUMBO_TAG_APPLET,   GUMBO_TAG_ARTICLE,  GUMBO_TAG_ASIDE,      GUMBO_TAG_BLOCKQUOTE,
    GUMBO_TAG_BODY,      GUMBO_TAG_BUTTON,   GUMBO_TAG_CAPTION,  GUMBO_TAG_CENTER,     GUMBO_TAG_COLGROUP,
    GUMBO_TAG_MENUITEM,  GUMBO_TAG_DD,       GUMBO_TAG_DETAILS,  GUMBO_TAG_DIR,        GUMBO_TAG_DIV,
    GUMBO_TAG_DL,        GUMBO_TAG_DT,       GUMBO_TAG_FIELDSET, GUMBO_TAG_FIGCAPTION, GUMBO_TAG_FIGURE,
    GUMBO_TAG_FOOTER,    GUMBO_TAG_FORM,     GUMBO_TAG_FRAMESET, GUMBO_TAG_HEAD,       GUMBO_TAG_HEADER,
    GUMBO_TAG_HGROUP,    GUMBO_TAG_HTML,     GUMBO_TAG_IFRAME,   GUMBO_TAG_ISINDEX,    GUMBO_TAG_LI,
    GUMBO_TAG_LISTING,   GUMBO_TAG_MARQUEE,  GUMBO_TAG_MENU,     GUMBO_TAG_NAV,        GUMBO_TAG_NOEMBED,
    GUMBO_TAG_NOFRAMES,  GUMBO_TAG_NOSCRIPT, GUMBO_TAG_OBJECT,   GUMBO_TAG_OL,         GUMBO_TAG_P,
    GUMBO_TAG_PLAINTEXT, GUMBO_TAG_PRE,      GUMBO_TAG_SCRIPT,   GUMBO_TAG_SECTION,    GUMBO_TAG_SELECT,
    GUMBO_TAG_STYLE,     GUMBO_TAG_SUMMARY,  GUMBO_TAG_TABLE,    GUMBO_TAG_TBODY,      GUMBO_TAG_TD,
    GUMBO_TAG_TEMPLATE,  GUMBO_TAG_TEXTAREA, GUMBO_TAG_TFOOT,    GUMBO_TAG_TH,         GUMBO_TAG_THEAD,
    GUMBO_TAG_TITLE,     GUMBO_TAG_TR,       GUMBO_TAG_UL,       GUMBO_TAG_XMP};
constexpr GumboTag kScopeBoundaries[] = {GUMBO_TAG_APPLET,   GUMBO_TAG_CAPTION, GUMBO_TAG_HTML,    GUMBO_TAG_TABLE,
                                         GUMBO_TAG_TD,       GUMBO_TAG_TH,      GUMBO_TAG_MARQUEE, GUMBO_TAG_OBJECT,
                                         GUMBO_TAG_TEMPLATE, GUMBO_TAG_SELECT};
constexpr GumboTag kImpliedEndTags[] = {GUMBO_TAG_DD, GUMBO_TAG_DT, GUMBO_TAG_LI, GUMBO_TAG_OPTION, GUMBO_TAG_OPTGROUP,
                                        GUMBO_TAG_P,  GUMBO_TAG_RB, GUMBO_TAG_RP, GUMBO_TAG_RT,     GUMBO_TAG_RTC};
constexpr GumboTag kTableSections[] = {GUMBO_TAG_TBODY, GUMBO_TAG_THEAD, GUMBO_TAG_TFOOT,
                                       GUMBO_TAG_TR,    GUMBO_TAG_TD,    GUMBO_TAG_TH};
constexpr GumboTag kClosesPTags[] = {
    GUMBO_TAG_ADDRESS,    GUMBO_TAG_ARTICLE, GUMBO_TAG_ASIDE,  GUMBO_TAG_BLOCKQUOTE, GUMBO_TAG_CENTER,
    GUMBO_TAG_DETAILS,    GUMBO_TAG_DIR,     GUMBO_TAG_DIV,    GUMBO_TAG_DL,         GUMBO_TAG_FIELDSET,
    GUMBO_TAG_FIGCAPTION, GUMBO_TAG_FIGURE,  GUMBO_TAG_FOOTER, GUMBO_TAG_HEADER,     GUMBO_TAG_HGROUP,
    GUMBO_TAG_MAIN,       GUMBO_TAG_MENU,    GUMBO_TAG_NAV,    GUMBO_TAG_OL,         GUMBO_TAG_P,
    GUMBO_TAG_SECTION,    GUMBO_TAG_SUMMARY, GUMBO_TAG_UL,     GUMBO_TAG_PRE,        GUMBO_TAG_LISTING,
    GUMBO_TAG_HR,         GUMBO_TAG_LI,      GUMBO_TAG_DD,     GUMBO_TAG_DT};
constexpr GumboTag kScopedEndTags[] = {GUMBO_TAG_ADDRESS, GUMBO_TAG_ARTICLE, GUMBO_TAG_ASIDE,    GUMBO_TAG_BLOCKQUOTE,
                                       GUMBO_TAG_BUTTON,  GUMBO_TAG_CENTER,  GUMBO_TAG_DETAILS,  GUMBO_TAG_DIR,
                                       GUMBO_TAG_DIV,     GUMBO_TAG_DL,      GUMBO_TAG_FIELDSET, GUMBO_TAG_FIGCAPTION,
                                       GUMBO_TAG_FIGURE,  GUMBO_TAG_FOOTER,  GUMBO_TAG_HEADER,   GUMBO_TAG_HGROUP,
                                       GUMBO_TAG_LISTING, GUMBO_TAG_MAIN,    GUMBO_TAG_MENU,     GUMBO_TAG_NAV,
                                       GUMBO_TAG_OL,      GUMBO_TAG_PRE,     GUMBO_TAG_SECTION,  GUMBO_TAG_SUMMARY,
                                       GUMBO_TAG_UL,      GUMBO_TAG_APPLET,  GUMBO_TAG_MARQUEE,  GUMBO_TAG_OBJECT,
                                       GUMBO_TAG_DD,      GUMBO_TAG_DT,      GUMBO_TAG_P,        GUMBO_TAG_LI};
constexpr GumboTag kDroppedRawTextTags[] = {GUMBO_TAG_SCRIPT,  GUMBO_TAG_STYLE,    GUMBO_TAG_TITLE,   GUMBO_TAG_IFRAME,
                                            GUMBO_TAG_NOEMBED, GUMBO_TAG_NOFRAMES, GUMBO_TAG_NOSCRIPT};
constexpr GumboTag kBreakoutTags[] = {
    GUMBO_TAG_B,       GUMBO_TAG_BIG,  GUMBO_TAG_BLOCKQUOTE, GUMBO_TAG_BODY,  GUMBO_TAG_BR,   GUMBO_TAG_CENTER,
    GUMBO_TAG_CODE,    GUMBO_TAG_DD,   GUMBO_TAG_DIV,        GUMBO_TAG_DL,    GUMBO_TAG_DT,   GUMBO_TAG_EM,
    GUMBO_TAG_EMBED,   GUMBO_TAG_HEAD, GUMBO_TAG_HR,         GUMBO_TAG_I,     GUMBO_TAG_IMG,  GUMBO_TAG_LI,
    GUMBO_TAG_LISTING, GUMBO_TAG_MENU, GUMBO_TAG_META,       GUMBO_TAG_NOBR,  GUMBO_TAG_OL,   GUMBO_TAG_P,
    GUMBO_TAG_PRE,     GUMBO_TAG_RUBY, GUMBO_TAG_S,          GUMBO_TAG_SMALL, GUMBO_TAG_SPAN, GUMBO_TAG_STRONG,
    GUMBO_TAG_STRIKE,  GUMBO_TAG_SUB,  GUMBO_TAG_SUP,        GUMBO_TAG_TABLE, GUMBO_TAG_TT,   GUMBO_TAG_U,
    GUMBO_TAG_UL,      GUMBO_TAG_VAR};

const std::array<std::uint32_t, GUMBO_TAG_LAST + 1>& tagFlags() {
    static const auto table = [] {
        std::array<std::uint32_t, GUMBO_TAG_LAST + 1> t{};
        auto mark = [&t](std::uint32_t flag, const auto& tags) {
            for (GumboTag tag : tags) t[tag] |= flag;
        };
        mark(kHeading | kSpecial | kClosesP, kHeadings);
        mark(kVoid | kSpecial, kVoidTags);
        mark(kSpecial, kSpecialTags);
        mark(kScopeBoundary, kScopeBoundaries);
        mark(kImpliedEnd, kImpliedEndTags);
        mark(kTableSection, kTableSections);
        mark(kClosesP, kClosesPTags);
        mark(kScopedEnd, kScopedEndTags);
        mark(kDroppedRawText, kDroppedRawTextTags);
        mark(kBreakout, kHeadings);
        mark(kBreakout, kBreakoutTags);
        mark(kListBoundary, std::array{GUMBO_TAG_OL, GUMBO_TAG_UL});
        mark(kTableStop, std::array{GUMBO_TAG_HTML, GUMBO_TAG_TABLE, GUMBO_TAG_TEMPLATE, GUMBO_TAG_SELECT});
        mark(kOptionLike, std::array{GUMBO_TAG_OPTION, GUMBO_TAG_OPTGROUP});
        t[GUMBO_TAG_BUTTON] |= kButton;
        t[GUMBO_TAG_CAPTION] |= kCaption;
        return t;
    }();
    return table;
}

bool is(GumboTag t, std::uint32_t flag) {
    return (tagFlags()[t] & flag) != 0;
}

bool isShownRawText(GumboTag t) {
    return t == GUMBO_TAG_XMP || t == GUMBO_TAG_TEXTAREA || t == GUMBO_TAG_PLAINTEXT;
}

// The formatting elements (gumbo's adoption agency list) become ordinary ones.
GumboTag renamedTag(GumboTag t) {
    switch (t) {
        case GUMBO_TAG_B:
        case GUMBO_TAG_STRONG:
            return GUMBO_TAG_SAMP;
        case GUMBO_TAG_A:
            return GUMBO_TAG_INS;
        case GUMBO_TAG_BIG:
        case GUMBO_TAG_CODE:
        case GUMBO_TAG_EM:
        case GUMBO_TAG_FONT:
        case GUMBO_TAG_I:
        case GUMBO_TAG_NOBR:
        case GUMBO_TAG_S:
        case GUMBO_TAG_SMALL:
        case GUMBO_TAG_STRIKE:
        case GUMBO_TAG_TT:
        case GUMBO_TAG_U:
        case GUMBO_TAG_SAMP:
        case GUMBO_TAG_INS:
            return GUMBO_TAG_SPAN;
        default:
            return t;
    }
}

std::string_view keptAttribute(GumboTag renamed) {
    switch (renamed) {
        case GUMBO_TAG_INS:
            return "href";
        case GUMBO_TAG_IMG:
        case GUMBO_TAG_IMAGE:
            return "alt";
        case GUMBO_TAG_OL:
            return "start";
        case GUMBO_TAG_LI:
            return "value";
        default:
            return {};
    }
}

bool breaksOutOfForeign(GumboTag t, const std::vector<Attribute>& attributes) {
    if (t != GUMBO_TAG_FONT) return is(t, kBreakout);
    return std::any_of(attributes.begin(), attributes.end(), [](const Attribute& a) {
        return iequals(a.name, "color") || iequals(a.name, "face") || iequals(a.name, "size");
    });
}

bool isScriptEndTagAt(std::string_view s, std::size_t i) {
    return i + 8 < s.size() && s[i] == '<' && s[i + 1] == '/' && iequals(s.substr(i + 2, 6), "script") &&
           isTagNameEnd(s[i + 8]);
}

// Where a script element's text ends: the script data states, including the
// "<!--" escape and the "<script>" double escape inside it.
std::size_t findScriptEnd(std::string_view s, std::size_t i) {
    enum class State { Data, Escaped, DoubleEscaped } state = State::Data;
    int dashes = 0;
    while (i < s.size()) {
        char c = s[i];
        if (state == State::Data) {
            if (c == '<') {
                if (isScriptEndTagAt(s, i)) return i;
                if (s.substr(i, 4) == "<!--") {
                    state = State::Escaped;
                    dashes = 2;
                    i += 4;
                    continue;
                }
            }
            ++i;
            continue;
        }
        if (c == '-') {
            dashes = dashes < 2 ? dashes + 1 : 2;
            ++i;
            continue;
        }
        if (c == '>' && dashes == 2) {
            state = State::Data;
            dashes = 0;
            ++i;
            continue;
        }
        dashes = 0;
        if (c == '<' && state == State::Escaped) {
            if (isScriptEndTagAt(s, i)) return i;
            std::size_t j = i + 1;
            while (j < s.size() && isAsciiAlpha(s[j])) ++j;
            if (j > i + 1) {
                if (j < s.size() && isTagNameEnd(s[j]) && iequals(s.substr(i + 1, j - i - 1), "script")) {
                    state = State::DoubleEscaped;
                    ++j;
                }
                i = j;
                continue;
            }
        } else if (c == '<' && state == State::DoubleEscaped && i + 1 < s.size() && s[i + 1] == '/') {
            std::size_t j = i + 2;
            while (j < s.size() && isAsciiAlpha(s[j])) ++j;
            if (j < s.size() && isTagNameEnd(s[j]) && iequals(s.substr(i + 2, j - i - 2), "script")) {
                state = State::Escaped;
                ++j;
            }
            i = j;
            continue;
        }
        ++i;
    }
    return std::string_view::npos;
}

// The end of a comment whose "<!--" ends just before p (comment start, end,
// end-bang states): "<!-->", "<!--->", "-->", "--!>", any run of dashes before '>'.
std::size_t findCommentEnd(std::string_view s, std::size_t p) {
    if (p < s.size() && s[p] == '>') return p + 1;
    if (p + 1 < s.size() && s[p] == '-' && s[p + 1] == '>') return p + 2;
    for (std::size_t q = s.find("--", p); q != std::string_view::npos; q = s.find("--", q)) {
        std::size_t r = q + 2;
        while (r < s.size() && s[r] == '-') ++r;
        if (r < s.size() && s[r] == '>') return r + 1;
        if (r + 1 < s.size() && s[r] == '!' && s[r + 1] == '>') return r + 2;
        q = r;
    }
    return s.size();
}

class Guard {
public:
    Guard(std::string_view in, const HtmlGuardLimits& limits) : in_(in), limits_(limits) {
        out_.html.reserve(in.size() + in.size() / 8);
    }

    GuardedHtml run() {
        while (pos_ < in_.size() && !stop_) step();
        resolveLessThan('\0');
        return std::move(out_);
    }

private:
    void step() {
        std::size_t lt = in_.find('<', pos_);
        if (lt == std::string_view::npos) {
            emitText(pos_, in_.size());
            pos_ = in_.size();
            return;
        }
        emitText(pos_, lt);
        pos_ = lt;
        char c = lt + 1 < in_.size() ? in_[lt + 1] : '\0';
        char d = lt + 2 < in_.size() ? in_[lt + 2] : '\0';
        if (isAsciiAlpha(c)) {
            TagToken tag = tokenizeTag(lt + 1);
            if (!tag.complete) return stopAtEnd();  // EOF inside a tag: the tag never happened
            pos_ = tag.end;
            startTag(tag);
        } else if (c == '/' && isAsciiAlpha(d)) {
            TagToken tag = tokenizeTag(lt + 2);
            if (!tag.complete) return stopAtEnd();
            pos_ = tag.end;
            endTag(tag);
        } else if (c == '/' && d == '>') {
            pos_ = lt + 3;
        } else if (c == '/' && lt + 2 < in_.size()) {
            pos_ = skipPast('>', lt + 2);  // bogus comment
        } else if (c == '!') {
            markupDeclaration(lt + 2);
        } else if (c == '?') {
            pos_ = skipPast('>', lt + 1);
        } else {
            emitText(lt, lt + 1);  // a '<' that starts nothing is text
            pos_ = lt + 1;
        }
    }

    void stopAtEnd() { pos_ = in_.size(); }

    std::size_t skipPast(char c, std::size_t from) const {
        std::size_t at = in_.find(c, from);
        return at == std::string_view::npos ? in_.size() : at + 1;
    }

    bool hidden() const { return foreignDepth_ > 0 || templateDepth_ > 0; }

    // Text goes out with '<' as "&lt;" only where the byte after it could make
    // it markup; a '<' at the end of a run waits for the next byte written.
    void emitText(std::size_t from, std::size_t to, bool escapeAmpersand = false) {
        if (hidden() || from >= to) return;
        std::string& out = out_.html;
        resolveLessThan(in_[from]);
        for (std::size_t i = from; i < to;) {
            std::size_t special = in_.find_first_of(escapeAmpersand ? "<&" : "<", i);
            if (special == std::string_view::npos || special >= to) {
                out.append(in_.substr(i, to - i));
                break;
            }
            out.append(in_.substr(i, special - i));
            i = special + 1;
            if (in_[special] == '&') {
                out += "&amp;";
            } else if (i == to) {
                lessThanPending_ = true;
            } else {
                resolveLessThan(in_[i], true);
            }
        }
    }

    void resolveLessThan(char next, bool force = false) {
        if (!lessThanPending_ && !force) return;
        lessThanPending_ = false;
        out_.html += isAsciiAlpha(next) || next == '/' || next == '!' || next == '?' ? "&lt;" : "<";
    }

    // Tags and the doctype begin with '<', after which a text '<' is harmless.
    void emitMarkup(std::string_view s) {
        resolveLessThan('<');
        out_.html += s;
    }

    // Tokenizes the tag whose name starts at p (the tag name, before/after
    // attribute name, attribute value and self-closing start tag states).
    TagToken tokenizeTag(std::size_t p) {
        TagToken tag;
        attributes_.clear();
        std::size_t nameStart = p;
        while (p < in_.size() && !isTagNameEnd(in_[p])) ++p;
        tag.name = in_.substr(nameStart, p - nameStart);
        for (;;) {
            while (p < in_.size() && isTagSpace(in_[p])) ++p;
            if (p >= in_.size()) return tag;
            if (in_[p] == '>') break;
            if (in_[p] == '/') {
                ++p;
                if (p < in_.size() && in_[p] == '>') {
                    tag.selfClosing = true;
                    break;
                }
                continue;
            }
            std::size_t attrStart = p++;  // the first character is part of the name, even '='
            while (p < in_.size() && !isTagNameEnd(in_[p]) && in_[p] != '=') ++p;
            std::size_t nameEnd = p;
            std::size_t q = p;
            while (q < in_.size() && isTagSpace(in_[q])) ++q;
            if (q < in_.size() && in_[q] == '=') {
                ++q;
                while (q < in_.size() && isTagSpace(in_[q])) ++q;
                if (q >= in_.size()) return tag;
                if (in_[q] == '"' || in_[q] == '\'') {
                    std::size_t close = in_.find(in_[q], q + 1);
                    if (close == std::string_view::npos) return tag;
                    p = close + 1;
                } else {
                    while (q < in_.size() && !isTagSpace(in_[q]) && in_[q] != '>') ++q;
                    p = q;
                }
            }
            attributes_.push_back({in_.substr(attrStart, nameEnd - attrStart), in_.substr(attrStart, p - attrStart)});
        }
        tag.end = p + 1;
        tag.complete = true;
        return tag;
    }

    void markupDeclaration(std::size_t p) {
        if (in_.substr(p, 2) == "--") {
            pos_ = findCommentEnd(in_, p + 2);
        } else if (istartsWith(in_.substr(p), "doctype")) {
            pos_ = skipPast('>', p);
            if (!hidden()) {
                emitMarkup(in_.substr(p - 2, pos_ - (p - 2)));
                if (out_.html.back() != '>') out_.html += '>';
            }
        } else if (foreignDepth_ > 0 && in_.substr(p, 7) == "[CDATA[") {
            std::size_t end = in_.find("]]>", p + 7);
            pos_ = end == std::string_view::npos ? in_.size() : end + 3;
        } else {
            pos_ = skipPast('>', p);  // bogus comment, including "<![CDATA[" in HTML content
        }
    }

    // Where the text of a raw-text element named `name` ends (before its end
    // tag), and where scanning resumes (after that end tag).
    std::pair<std::size_t, std::size_t> rawTextEnd(GumboTag tag, std::string_view name) {
        std::size_t end = std::string_view::npos;
        if (tag == GUMBO_TAG_SCRIPT) {
            end = findScriptEnd(in_, pos_);
        } else if (tag != GUMBO_TAG_PLAINTEXT) {
            for (std::size_t k = in_.find("</", pos_); k != std::string_view::npos; k = in_.find("</", k + 1)) {
                std::size_t after = k + 2 + name.size();
                if (after < in_.size() && iequals(in_.substr(k + 2, name.size()), name) && isTagNameEnd(in_[after])) {
                    end = k;
                    break;
                }
            }
        }
        if (end == std::string_view::npos) return {in_.size(), in_.size()};
        TagToken closing = tokenizeTag(end + 2);
        return {end, closing.complete ? closing.end : in_.size()};
    }

    void startTag(const TagToken& token) {
        GumboTag tag = gumbo_tagn_enum(token.name.data(), static_cast<unsigned>(token.name.size()));
        if (foreignDepth_ > 0) {
            if (!breaksOutOfForeign(tag, attributes_)) {
                if ((tag == GUMBO_TAG_SVG || tag == GUMBO_TAG_MATH) && !token.selfClosing) ++foreignDepth_;
                return;
            }
            foreignDepth_ = 0;
        }
        if (tag == GUMBO_TAG_SVG || tag == GUMBO_TAG_MATH) {
            if (!token.selfClosing) ++foreignDepth_;
            return;
        }
        if (is(tag, kDroppedRawText)) {
            pos_ = rawTextEnd(tag, token.name).second;
            return;
        }
        if (isShownRawText(tag)) return rawTextAsPre(tag, token.name);
        if (tag == GUMBO_TAG_TEMPLATE) {
            ++templateDepth_;
            return;
        }
        if (templateDepth_ > 0 || tag == GUMBO_TAG_ISINDEX) return;  // isindex makes five elements

        GumboTag renamed = renamedTag(tag);
        bool pushes =
            !is(renamed, kVoid) && renamed != GUMBO_TAG_HTML && renamed != GUMBO_TAG_HEAD && renamed != GUMBO_TAG_BODY;
        if (pushes) {
            closeImplied(renamed);
            if (stack_.size() >= limits_.maxNestingDepth) {
                out_.flattened = true;
                return;
            }
        }
        if (!spendElement()) return;
        if (pushes) push(renamed, token.name);
        emitStartTag(renamed, token.name);
    }

    void endTag(const TagToken& token) {
        GumboTag tag = gumbo_tagn_enum(token.name.data(), static_cast<unsigned>(token.name.size()));
        if (foreignDepth_ > 0) {
            if (tag == GUMBO_TAG_SVG || tag == GUMBO_TAG_MATH) --foreignDepth_;
            if (tag != GUMBO_TAG_P && tag != GUMBO_TAG_BR) return;
            foreignDepth_ = 0;  // </p> and </br> break out like a start tag
        }
        if (templateDepth_ > 0) {
            if (tag == GUMBO_TAG_TEMPLATE) --templateDepth_;
            return;
        }
        GumboTag renamed = renamedTag(tag);
        if (renamed == GUMBO_TAG_BR) {  // gumbo reads </br> as <br>
            if (spendElement()) emitMarkup("<br>");
            return;
        }
        std::size_t at = matchingOpenElement(renamed);
        if (at != kNone) {
            popThrough(at);
        } else if (renamed == GUMBO_TAG_P && spendElement()) {
            emitMarkup("</p>");  // gumbo makes an empty <p>, as a browser does
        }
    }

    // xmp, textarea and plaintext: their text, escaped, inside a <pre>.
    void rawTextAsPre(GumboTag tag, std::string_view name) {
        auto [textEnd, resume] = rawTextEnd(tag, name);
        std::size_t textStart = pos_;
        pos_ = resume;
        if (hidden()) return;
        bool opened = false;
        closeImplied(GUMBO_TAG_PRE);
        if (stack_.size() >= limits_.maxNestingDepth) {
            out_.flattened = true;
        } else {
            if (!spendElement()) return;
            push(GUMBO_TAG_PRE, "pre");
            emitMarkup("<pre>");
            opened = true;
        }
        // textarea is RCDATA: its character references are decoded, as in <pre>.
        emitText(textStart, textEnd, tag != GUMBO_TAG_TEXTAREA);
        if (opened) popThrough(stack_.size() - 1);
    }

    bool spendElement() {
        if (elements_ >= limits_.maxElements) {
            out_.cut = true;
            stop_ = true;
            return false;
        }
        ++elements_;
        return true;
    }

    std::string_view tagName(GumboTag tag, std::string_view original) const {
        return tag == GUMBO_TAG_UNKNOWN ? original : std::string_view(gumbo_normalized_tagname(tag));
    }

    void emitStartTag(GumboTag tag, std::string_view original) {
        std::string& out = out_.html;
        emitMarkup("<");
        out += tagName(tag, original);
        std::string_view kept = keptAttribute(tag);
        if (!kept.empty()) {
            for (const auto& a : attributes_) {
                if (iequals(a.name, kept)) {  // the first one wins in gumbo too
                    out += ' ';
                    out += a.source;
                    break;
                }
            }
        }
        out += '>';
    }

    // --- the stack of open elements ---
    //
    // The guard's own stack decides the structure: every element it closes,
    // it closes with an explicit end tag, innermost first, so gumbo only sees
    // properly nested tags. Gumbo pops an element whose end tag arrives while
    // it is the current node, closes others earlier on its own, and adds only
    // implied html/head/body and tbody/tr/colgroup, so its depth stays within
    // twice the guard's. The rules below only choose what to close and when,
    // to come near what a browser builds.

    struct Open {
        GumboTag tag;
        std::string_view name;  // as written, for unknown elements
    };

    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

    GumboTag top(std::size_t fromTop = 0) const {
        return stack_.size() > fromTop ? stack_[stack_.size() - 1 - fromTop].tag : GUMBO_TAG_LAST;
    }

    void push(GumboTag t, std::string_view name) {
        stack_.push_back({t, name});
        ++open_[t];
    }

    void popThrough(std::size_t index) {
        while (stack_.size() > index) {
            const Open& e = stack_.back();
            emitMarkup("</");
            out_.html += tagName(e.tag, e.name);
            out_.html += '>';
            --open_[e.tag];
            stack_.pop_back();
        }
    }

    // The index of the nearest open element `matches` accepts, looking down
    // from the top and giving up at one `stops` accepts; kNone if none.
    template <typename Matches, typename Stops>
    std::size_t findOpen(Matches matches, Stops stops) const {
        std::size_t steps = 0;
        for (std::size_t i = stack_.size(); i-- > 0 && steps++ < kMaxEndTagWalk;) {
            if (matches(stack_[i].tag)) return i;
            if (stops(stack_[i].tag)) return kNone;
        }
        return kNone;
    }

    void closeAt(std::size_t index) {
        if (index != kNone) popThrough(index);
    }

    // What the tree builder closes before inserting `t`.
    void closeImplied(GumboTag t) {
        auto tagIs = [](GumboTag wanted) { return [wanted](GumboTag e) { return e == wanted; }; };
        auto flagged = [](std::uint32_t flag) { return [flag](GumboTag e) { return is(e, flag); }; };
        if (t == GUMBO_TAG_LI || t == GUMBO_TAG_DD || t == GUMBO_TAG_DT) {
            auto item = [t](GumboTag e) {
                return t == GUMBO_TAG_LI ? e == GUMBO_TAG_LI : (e == GUMBO_TAG_DD || e == GUMBO_TAG_DT);
            };
            auto stops = [](GumboTag e) {
                return is(e, kSpecial) && e != GUMBO_TAG_ADDRESS && e != GUMBO_TAG_DIV && e != GUMBO_TAG_P;
            };
            closeAt(findOpen(item, stops));
        }
        if (is(t, kClosesP)) closeAt(findOpen(tagIs(GUMBO_TAG_P), flagged(kScopeBoundary | kButton)));
        if (is(t, kHeading) && is(top(), kHeading)) popThrough(stack_.size() - 1);
        switch (t) {
            case GUMBO_TAG_BUTTON:
                closeAt(findOpen(tagIs(GUMBO_TAG_BUTTON), flagged(kScopeBoundary)));
                break;
            case GUMBO_TAG_OPTION:
            case GUMBO_TAG_OPTGROUP:
                if (top() == GUMBO_TAG_OPTION) popThrough(stack_.size() - 1);
                break;
            case GUMBO_TAG_TD:
            case GUMBO_TAG_TH:
            case GUMBO_TAG_TR: {
                auto cell = [](GumboTag e) { return e == GUMBO_TAG_TD || e == GUMBO_TAG_TH; };
                closeAt(findOpen(cell, flagged(kTableStop)));
                if (t == GUMBO_TAG_TR) closeAt(findOpen(tagIs(GUMBO_TAG_TR), flagged(kTableStop)));
                break;
            }
            default:
                break;
        }
    }

    // The element an end tag for `t` closes, by the rule gumbo applies to t
    // ("in scope, then pop until it", the table and select rules, or "any other
    // end tag"); kNone when the tag would be ignored.
    std::size_t matchingOpenElement(GumboTag t) const {
        bool heading = is(t, kHeading);
        if (!heading && open_[t] == 0) return kNone;
        std::uint32_t stopAt = kSpecial;  // "any other end tag"
        bool stopUnlessIn = false;        // stop at entries *without* stopAt flags
        if (heading || is(t, kScopedEnd)) {
            stopAt = kScopeBoundary | (t == GUMBO_TAG_P ? kButton : 0) | (t == GUMBO_TAG_LI ? kListBoundary : 0);
        } else if (t == GUMBO_TAG_FORM) {
            stopAt = kImpliedEnd;  // gumbo removes just the form
            stopUnlessIn = true;
        } else if (t == GUMBO_TAG_TABLE) {
            stopAt = kTableStop;
        } else if (is(t, kTableSection)) {
            stopAt = kTableStop | kCaption;
        } else if (t == GUMBO_TAG_CAPTION) {
            stopAt = kTableStop | kTableSection;
        } else if (t == GUMBO_TAG_SELECT) {
            stopAt = kOptionLike;
            stopUnlessIn = true;
        } else if (t == GUMBO_TAG_COLGROUP || t == GUMBO_TAG_FRAMESET) {
            stopAt = 0;  // only the current node
            stopUnlessIn = true;
        }
        return findOpen([&](GumboTag e) { return heading ? is(e, kHeading) : e == t; },
                        [&](GumboTag e) { return is(e, stopAt) != stopUnlessIn; });
    }

    std::string_view in_;
    HtmlGuardLimits limits_;
    GuardedHtml out_;
    std::size_t pos_ = 0;
    bool stop_ = false;
    bool lessThanPending_ = false;  // a text '<' not yet written
    std::size_t elements_ = 0;
    std::size_t foreignDepth_ = 0;   // open svg/math elements being dropped
    std::size_t templateDepth_ = 0;  // open template elements being dropped
    std::vector<Attribute> attributes_;
    std::vector<Open> stack_;
    std::array<std::uint32_t, GUMBO_TAG_LAST + 1> open_{};
};

}  // namespace

GuardedHtml guardHtmlForGumbo(std::string_view html, const HtmlGuardLimits& limits) {
    return Guard(html, limits).run();
}

}  // namespace secmaild::mime
