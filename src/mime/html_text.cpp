// HTML to text: the guard (html_guard.cpp) makes the input safe for gumbo,
// gumbo builds the tree, and a walk with an explicit stack writes the text
// through TextWriter, which owns whitespace collapsing, line prefixes ("> ",
// list indentation) and the output budget. This file decides what each
// element looks like as text; it does not look at CSS, so text hidden by
// style="display:none" is written like any other.
#include "secmaild/mime/html_text.hpp"

#include <gumbo.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "secmaild/mime/html_guard.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::mime {

namespace {

struct GumboOutputDeleter {
    void operator()(GumboOutput* output) const { gumbo_destroy_output(&kGumboDefaultOptions, output); }
};
using GumboOutputPtr = std::unique_ptr<GumboOutput, GumboOutputDeleter>;

bool isCollapsibleSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// Plain text under construction. Breaks and spaces are owed, not written,
// until the next content arrives, so that blank lines and spaces never pile
// up or trail. "Openers" are written just before the first content after
// them and dropped if none comes: list markers, heading hashes, the "**" of a
// bold label, the "| " between table cells.
class TextWriter {
public:
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

    explicit TextWriter(std::size_t maxBytes) : max_(maxBytes > 0 ? maxBytes - 1 : 0) {}  // room for the last '\n'

    bool full() const { return full_; }
    std::size_t size() const { return out_.size(); }
    void indentBy(int n) { indent_ += n; }
    void quoteBy(int n) { quoteDepth_ += n; }

    // Whether the next content starts a line.
    bool atLineStart() const { return !lineOpen_ || breaks_ > 0; }

    void space() { space_ = true; }

    void blockBoundary(int lines) {
        if (pendingLineOpeners_ > 0) return;  // "- " or "## " waits for its own text
        breaks_ = std::max(breaks_, lines);
        space_ = false;
    }

    void lineBreak() {
        if (pendingLineOpeners_ > 0) return;
        breaks_ = std::min(2, breaks_ + (lineOpen_ ? 1 : 2));
        space_ = false;
    }

    void text(std::string_view s) {
        for (std::size_t i = 0; i < s.size() && !full_;) {
            auto [kind, length] = classify(s, i);
            if (kind == CharKind::Space) space_ = true;
            if (kind != CharKind::Visible) {
                i += length;
                continue;
            }
            std::size_t j = i + length;
            while (j < s.size()) {
                auto [k, l] = classify(s, j);
                if (k != CharKind::Visible) break;
                j += l;
            }
            beginContent();
            appendContent(s.substr(i, j - i));
            i = j;
        }
    }

    void preformatted(std::string_view s) {
        std::string line;
        for (std::size_t i = 0; i < s.size() && !full_;) {
            auto [kind, length] = classify(s, i);
            bool newline = s[i] == '\n';
            if (kind == CharKind::Visible || (kind == CharKind::Space && !newline && s[i] != '\r')) {
                line += kind == CharKind::Space && s[i] != '\t' ? std::string_view(" ") : s.substr(i, length);
            }
            i += length;
            if (newline || i == s.size()) {
                if (!line.empty()) {
                    beginContent();
                    appendContent(line);
                    line.clear();
                }
                if (newline) preNewline();
            }
        }
    }

    std::size_t open(std::string text, bool startsLine) {
        openers_.push_back({std::move(text), startsLine ? indent_ : -1, false});
        pending_.push_back(openers_.size() - 1);
        if (startsLine) ++pendingLineOpeners_;
        return openers_.size() - 1;
    }

    // Ends what open() began: writes `closer` after the content if the opener
    // was written, and forgets the opener if no content came.
    void close(std::size_t id, std::string_view closer = {}) {
        if (id == kNone) return;
        if (openers_[id].written) {
            appendClosing(closer);
            return;
        }
        auto it = std::find(pending_.rbegin(), pending_.rend(), id);
        if (it != pending_.rend()) {
            if (openers_[id].indent >= 0) --pendingLineOpeners_;
            pending_.erase(std::next(it).base());
        }
    }

    // Text written right after the last content, before any owed space or break.
    void appendClosing(std::string_view s) {
        if (s.empty() || !started_) return;
        if (!lineOpen_) beginContent();
        append(s);
    }

    // Collects the text written while a link is open, to compare it with the target.
    void captureBy(int n) { capturing_ += n; }
    std::size_t captureSize() const { return capture_.size(); }
    std::string_view capturedSince(std::size_t from) const { return std::string_view(capture_).substr(from); }
    void dropCapture() {
        if (capturing_ == 0) capture_.clear();
    }

    std::string finish() {
        while (!out_.empty() && (out_.back() == '\n' || out_.back() == ' ' || out_.back() == '>')) {
            std::size_t lineStart = out_.rfind('\n', out_.size() - 1);
            lineStart = lineStart == std::string::npos ? 0 : lineStart + 1;
            std::string_view last = std::string_view(out_).substr(lineStart);
            if (out_.back() == '\n') {
                out_.pop_back();
            } else if (last.find_first_not_of("> ") == std::string_view::npos) {
                out_.resize(lineStart);  // a line of nothing but quote marks
            } else {
                break;
            }
        }
        if (!out_.empty()) out_ += '\n';
        return std::move(out_);
    }

private:
    struct Opener {
        std::string text;
        int indent;  // >= 0: starts a line, indented this far
        bool written;
    };

    enum class CharKind { Visible, Space, Ignored };

    // Spaces are ASCII whitespace and U+00A0, which mail HTML uses for blank
    // lines ("<p>&nbsp;</p>") and indentation. Other C0 and C1 controls and
    // DEL are ignored.
    static std::pair<CharKind, std::size_t> classify(std::string_view s, std::size_t i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (isCollapsibleSpace(static_cast<char>(c))) return {CharKind::Space, 1};
        if (c < 0x20 || c == 0x7f) return {CharKind::Ignored, 1};
        if (c == 0xc2 && i + 1 < s.size()) {
            auto d = static_cast<unsigned char>(s[i + 1]);
            if (d == 0xa0) return {CharKind::Space, 2};
            if (d >= 0x80 && d <= 0x9f) return {CharKind::Ignored, 2};
        }
        return {CharKind::Visible, 1};
    }

    void appendContent(std::string_view s) {
        if (s.empty()) return;
        if (capturing_ > 0 && capture_.size() < kMaxCapture) capture_.append(s.substr(0, kMaxCapture));
        append(s);
    }

    void append(std::string_view s) {
        if (full_) return;
        if (out_.size() + s.size() > max_) {
            out_.append(utf8Prefix(s, max_ - out_.size()));
            full_ = true;
            return;
        }
        out_.append(s);
    }

    std::string blankLinePrefix() const {
        std::string p;
        for (int i = 0; i < std::min(quoteDepth_, lastLineQuote_); ++i) p += i ? " >" : ">";
        return p;
    }

    void flushBreaks() {
        if (breaks_ > 0 && started_) {
            if (lineOpen_) {
                append("\n");
                lineOpen_ = false;
                lastLineBlank_ = false;
            }
            if (breaks_ >= 2 && !lastLineBlank_) {
                append(blankLinePrefix());
                append("\n");
                lastLineBlank_ = true;
            }
        }
        breaks_ = 0;
    }

    void preNewline() {
        flushBreaks();
        if (!started_) return;  // no blank lines before the first text
        if (!lineOpen_) append(blankLinePrefix());
        append("\n");
        lastLineBlank_ = !lineOpen_;
        lineOpen_ = false;
        space_ = false;
    }

    void beginContent() {
        flushBreaks();
        if (!lineOpen_) {
            int lineIndent = indent_;
            if (!pending_.empty() && openers_[pending_.front()].indent >= 0)
                lineIndent = openers_[pending_.front()].indent;
            std::string prefix;
            for (int i = 0; i < quoteDepth_; ++i) prefix += "> ";
            prefix.append(static_cast<std::size_t>(std::max(lineIndent, 0)), ' ');
            append(prefix);
            lineOpen_ = true;
            started_ = true;
            lastLineQuote_ = quoteDepth_;
        } else if (space_) {
            append(" ");
            if (capturing_ > 0 && capture_.size() < kMaxCapture) capture_ += ' ';
        }
        space_ = false;
        for (std::size_t id : pending_) {
            append(openers_[id].text);
            openers_[id].written = true;
        }
        pending_.clear();
        pendingLineOpeners_ = 0;
    }

    // Link text is kept only to compare it with the target; past this it
    // counts as different, whatever follows.
    static constexpr std::size_t kMaxCapture = 4096;

    std::string out_;
    std::size_t max_;
    bool full_ = false;
    bool started_ = false;   // some content has been written
    bool lineOpen_ = false;  // the current line has content and no '\n' yet
    bool lastLineBlank_ = false;
    bool space_ = false;
    int breaks_ = 0;  // owed: 1 = new line, 2 = blank line
    int indent_ = 0;
    int quoteDepth_ = 0;
    int lastLineQuote_ = 0;
    std::vector<Opener> openers_;
    std::vector<std::size_t> pending_;
    int pendingLineOpeners_ = 0;
    std::string capture_;
    int capturing_ = 0;
};

std::string_view attribute(const GumboNode* node, const char* name) {
    const GumboAttribute* a = gumbo_get_attribute(&node->v.element.attributes, name);
    return a ? std::string_view(a->value) : std::string_view();
}

// An http, https or mailto target with the whitespace and control characters
// browsers ignore removed; empty for anything else (javascript:, data:, relative).
std::string linkTarget(std::string_view href) {
    std::string url;
    for (char c : href)
        if (static_cast<unsigned char>(c) > 0x20 && c != 0x7f) url += c;
    if (istartsWith(url, "http://") || istartsWith(url, "https://") || istartsWith(url, "mailto:")) return url;
    return {};
}

std::string comparable(std::string_view s) {
    s = trim(s);
    for (std::string_view scheme : {"mailto:", "http://", "https://"})
        if (istartsWith(s, scheme)) s.remove_prefix(scheme.size());
    while (!s.empty() && s.back() == '/') s.remove_suffix(1);
    return toLower(s);
}

long long parseListNumber(std::string_view s, long long fallback) {
    s = trim(s);
    long long v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end == s.data()) return fallback;
    return std::clamp(v, -1'000'000'000LL, 1'000'000'000LL);
}

enum class Shape { Inline, Dropped, Line, Paragraph };

Shape shapeOf(GumboTag t) {
    switch (t) {
        case GUMBO_TAG_HEAD:
        case GUMBO_TAG_SCRIPT:
        case GUMBO_TAG_STYLE:
        case GUMBO_TAG_TEMPLATE:
        case GUMBO_TAG_NOSCRIPT:
        case GUMBO_TAG_TITLE:
        case GUMBO_TAG_SVG:
        case GUMBO_TAG_MATH:
        case GUMBO_TAG_IFRAME:
        case GUMBO_TAG_NOEMBED:
        case GUMBO_TAG_NOFRAMES:
        case GUMBO_TAG_INPUT:
        case GUMBO_TAG_TEXTAREA:
            return Shape::Dropped;
        case GUMBO_TAG_P:
        case GUMBO_TAG_TABLE:
        case GUMBO_TAG_DL:
        case GUMBO_TAG_FIGURE:
        case GUMBO_TAG_ADDRESS:
        case GUMBO_TAG_FIELDSET:
            return Shape::Paragraph;
        case GUMBO_TAG_DIV:
        case GUMBO_TAG_SECTION:
        case GUMBO_TAG_ARTICLE:
        case GUMBO_TAG_HEADER:
        case GUMBO_TAG_FOOTER:
        case GUMBO_TAG_NAV:
        case GUMBO_TAG_ASIDE:
        case GUMBO_TAG_MAIN:
        case GUMBO_TAG_CENTER:
        case GUMBO_TAG_CAPTION:
        case GUMBO_TAG_FORM:
        case GUMBO_TAG_FIGCAPTION:
        case GUMBO_TAG_DETAILS:
        case GUMBO_TAG_SUMMARY:
        case GUMBO_TAG_HGROUP:
        case GUMBO_TAG_LEGEND:
        case GUMBO_TAG_OPTION:
        case GUMBO_TAG_DT:
        case GUMBO_TAG_TBODY:
        case GUMBO_TAG_THEAD:
        case GUMBO_TAG_TFOOT:
            return Shape::Line;
        default:
            return Shape::Inline;
    }
}

class Renderer {
public:
    explicit Renderer(std::size_t maxOutputBytes) : out_(maxOutputBytes) {}

    void render(const GumboNode* document) {
        std::vector<Frame> stack;
        stack.push_back({document});
        while (!stack.empty() && !out_.full()) {
            Frame& frame = stack.back();
            const GumboVector& children = frame.node->type == GUMBO_NODE_DOCUMENT ? frame.node->v.document.children
                                                                                  : frame.node->v.element.children;
            if (frame.next >= children.length) {
                if (frame.node->type == GUMBO_NODE_ELEMENT) leave(frame);
                stack.pop_back();
                continue;
            }
            const auto* child = static_cast<const GumboNode*>(children.data[frame.next++]);
            if (child->type == GUMBO_NODE_TEXT || child->type == GUMBO_NODE_WHITESPACE ||
                child->type == GUMBO_NODE_CDATA) {
                if (preDepth_ > 0) {
                    out_.preformatted(child->v.text.text);
                } else {
                    out_.text(child->v.text.text);
                }
            } else if (child->type == GUMBO_NODE_ELEMENT) {
                Frame entered{child};
                if (enter(entered)) stack.push_back(entered);  // invalidates `frame`
            }
        }
    }

    bool truncated() const { return out_.full(); }
    std::string finish() { return out_.finish(); }

private:
    struct Frame {
        const GumboNode* node;
        unsigned next = 0;
        std::size_t opener = TextWriter::kNone;
        std::size_t mark = 0;  // output size or capture size at entry
    };

    struct List {
        bool ordered;
        long long next;
    };

    struct Link {
        std::string url;
        std::size_t captureStart;
    };

    void block(int lines) {
        if (headingDepth_ > 0) {
            out_.space();  // a heading stays on one line
        } else {
            out_.blockBoundary(lines);
        }
    }

    // Returns whether the element's children are to be walked.
    bool enter(Frame& f) {
        GumboTag tag = f.node->v.element.tag;
        Shape shape = shapeOf(tag);
        if (shape == Shape::Dropped) return false;
        if (shape == Shape::Line) block(1);
        if (shape == Shape::Paragraph) block(2);
        switch (tag) {
            case GUMBO_TAG_BR:
                if (headingDepth_ > 0) {
                    out_.space();
                } else if (preDepth_ > 0) {
                    out_.preformatted("\n");
                } else {
                    out_.lineBreak();
                }
                return false;
            case GUMBO_TAG_HR:
                block(2);
                out_.text("---");
                block(2);
                return false;
            case GUMBO_TAG_IMG: {
                std::string alt = trimmed(attribute(f.node, "alt"));
                if (!alt.empty()) out_.text("[image: " + alt + "]");
                return false;
            }
            case GUMBO_TAG_H1:
            case GUMBO_TAG_H2:
            case GUMBO_TAG_H3:
            case GUMBO_TAG_H4:
            case GUMBO_TAG_H5:
            case GUMBO_TAG_H6:
                block(2);
                if (headingDepth_++ == 0)
                    f.opener =
                        out_.open(std::string(static_cast<std::size_t>(tag - GUMBO_TAG_H1 + 1), '#') + " ", true);
                return true;
            case GUMBO_TAG_PRE:
            case GUMBO_TAG_LISTING:
                block(2);
                ++preDepth_;
                return true;
            case GUMBO_TAG_BLOCKQUOTE:
                block(2);
                out_.quoteBy(1);
                return true;
            case GUMBO_TAG_UL:
            case GUMBO_TAG_OL:
            case GUMBO_TAG_MENU:
            case GUMBO_TAG_DIR: {
                block(lists_.empty() ? 2 : 1);
                bool ordered = tag == GUMBO_TAG_OL;
                lists_.push_back({ordered, ordered ? parseListNumber(attribute(f.node, "start"), 1) : 1});
                return true;
            }
            case GUMBO_TAG_LI: {
                block(1);
                std::string marker = "- ";
                if (!lists_.empty() && lists_.back().ordered) {
                    List& list = lists_.back();
                    list.next = parseListNumber(attribute(f.node, "value"), list.next);
                    marker = std::to_string(list.next) + ". ";
                    ++list.next;
                }
                if (headingDepth_ == 0) f.opener = out_.open(marker, true);
                out_.indentBy(2);
                return true;
            }
            case GUMBO_TAG_DD:
                block(1);
                out_.indentBy(2);
                return true;
            case GUMBO_TAG_TR:
                block(1);
                rowHasCell_.push_back(false);
                return true;
            case GUMBO_TAG_TD:
            case GUMBO_TAG_TH:
                f.mark = out_.size();
                if (!rowHasCell_.empty() && rowHasCell_.back()) {
                    out_.space();
                    f.opener = out_.open("| ", false);
                }
                return true;
            case GUMBO_TAG_SAMP:  // <b> and <strong>, renamed by the guard
                if (boldDepth_++ == 0 && headingDepth_ == 0 && preDepth_ == 0 && out_.atLineStart())
                    f.opener = out_.open("**", false);
                return true;
            case GUMBO_TAG_INS:  // <a>, renamed by the guard
                links_.push_back({linkTarget(attribute(f.node, "href")), out_.captureSize()});
                out_.captureBy(1);
                return true;
            default:
                return true;
        }
    }

    void leave(const Frame& f) {
        GumboTag tag = f.node->v.element.tag;
        switch (tag) {
            case GUMBO_TAG_H1:
            case GUMBO_TAG_H2:
            case GUMBO_TAG_H3:
            case GUMBO_TAG_H4:
            case GUMBO_TAG_H5:
            case GUMBO_TAG_H6:
                out_.close(f.opener);
                --headingDepth_;
                block(2);
                return;
            case GUMBO_TAG_PRE:
            case GUMBO_TAG_LISTING:
                --preDepth_;
                block(2);
                return;
            case GUMBO_TAG_BLOCKQUOTE:
                out_.quoteBy(-1);
                block(2);
                return;
            case GUMBO_TAG_UL:
            case GUMBO_TAG_OL:
            case GUMBO_TAG_MENU:
            case GUMBO_TAG_DIR:
                lists_.pop_back();
                block(lists_.empty() ? 2 : 1);
                return;
            case GUMBO_TAG_LI:
                out_.indentBy(-2);
                out_.close(f.opener);
                block(1);
                return;
            case GUMBO_TAG_DD:
                out_.indentBy(-2);
                block(1);
                return;
            case GUMBO_TAG_TR:
                rowHasCell_.pop_back();
                block(1);
                return;
            case GUMBO_TAG_TD:
            case GUMBO_TAG_TH:
                out_.close(f.opener);
                if (!rowHasCell_.empty() && out_.size() > f.mark) rowHasCell_.back() = true;
                return;
            case GUMBO_TAG_SAMP:
                out_.close(f.opener, "**");
                --boldDepth_;
                return;
            case GUMBO_TAG_INS: {
                const Link& link = links_.back();
                std::string_view text = out_.capturedSince(link.captureStart);
                out_.captureBy(-1);
                if (!link.url.empty() && !trim(text).empty() && comparable(text) != comparable(link.url))
                    out_.appendClosing(" (" + link.url + ")");
                links_.pop_back();
                out_.dropCapture();
                return;
            }
            default:
                break;
        }
        Shape shape = shapeOf(tag);
        if (shape == Shape::Line) block(1);
        if (shape == Shape::Paragraph) block(2);
    }

    TextWriter out_;
    std::vector<List> lists_;
    std::vector<bool> rowHasCell_;
    std::vector<Link> links_;
    int headingDepth_ = 0;
    int preDepth_ = 0;
    int boldDepth_ = 0;
};

}  // namespace

HtmlText htmlToText(std::string_view utf8Html, const HtmlTextOptions& options) {
    HtmlText result;
    std::string_view input = utf8Prefix(utf8Html, options.maxInputBytes);
    result.truncated = input.size() < utf8Html.size();

    GuardedHtml guarded = guardHtmlForGumbo(input, {options.maxNestingDepth, options.maxElements});
    result.truncated = result.truncated || guarded.cut;

    GumboOptions gumboOptions = kGumboDefaultOptions;
    gumboOptions.max_errors = 0;  // each recorded error copies the whole stack of open elements
    GumboOutputPtr parsed(gumbo_parse_with_options(&gumboOptions, guarded.html.data(), guarded.html.size()));
    if (!parsed) return result;

    Renderer renderer(options.maxOutputBytes);
    renderer.render(parsed->document);
    result.truncated = result.truncated || renderer.truncated();
    result.text = renderer.finish();
    if (!isValidUtf8(result.text)) result.text = sanitizeUtf8(result.text);
    return result;
}

}  // namespace secmaild::mime
