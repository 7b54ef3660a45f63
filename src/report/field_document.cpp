// Prepares a report text for field extraction: cuts and sanitises it, splits
// it into lines (CRLF, LF or CR), marks what belongs to the reply structure
// rather than the report (quoted lines, "On ... wrote:", forwarded headers, the
// signature), and learns the Markdown block structure from cmark. It does not
// decide what is a label; field_labels.cpp does.
//
// cmark only ever sees a skeleton of the text: inline syntax after a line's
// leading block markers is replaced by 'x', and those markers are capped. Block
// structure stays the same, while cmark 0.30.2's super-linear inline cases
// ("![[]()" repeated) and unbounded nesting cannot be reached. It also sees the
// text in chunks cut between blocks, which bounds the size of its tree.
#include <cmark.h>

#include <algorithm>
#include <memory>

#include "field_internal.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::report::detail {

namespace {

constexpr std::size_t npos = static_cast<std::size_t>(-1);
// Leading block markers cmark may see on one line: far beyond any real nesting,
// and it bounds the open containers (and so cmark's per-line work) to ~100.
constexpr std::size_t kMaxLeadingMarkers = 200;
// Reply-structure phrases are short; longer lines are never attribution lines.
constexpr std::size_t kMaxAttributionBytes = 500;
constexpr std::size_t kMaxTitleBytes = 300;

struct NodeFree {
    void operator()(cmark_node* node) const { cmark_node_free(node); }
};
struct IterFree {
    void operator()(cmark_iter* iter) const { cmark_iter_free(iter); }
};
using NodePtr = std::unique_ptr<cmark_node, NodeFree>;
using IterPtr = std::unique_ptr<cmark_iter, IterFree>;

bool isSpaceOrTab(char c) {
    return c == ' ' || c == '\t';
}

std::size_t leadingSpaces(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && isSpaceOrTab(line[i])) ++i;
    return i;
}

bool endsWithInsensitive(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

// ---- lines ----

void splitIntoLines(Document& doc, std::string_view text) {
    // Every line end becomes one '\n', so the copy is never longer than the
    // text plus a final '\n': with this reserve, views into it stay valid.
    doc.text.reserve(text.size() + 1);
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        bool end = i == text.size();
        if (!end && text[i] != '\n' && text[i] != '\r') continue;
        if (end && i == start && !doc.lines.empty()) break;  // the text ended with a line break
        const char* begin = doc.text.data() + doc.text.size();
        doc.text.append(text.substr(start, i - start));
        doc.text.push_back('\n');
        doc.lines.emplace_back(begin, i - start);
        if (!end && text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        start = i + 1;
        if (end) break;
    }
    doc.kinds.assign(doc.lines.size(), LineKind::Text);
    for (std::size_t i = 0; i < doc.lines.size(); ++i)
        if (isBlank(doc.lines[i])) doc.kinds[i] = LineKind::Blank;
}

// ---- fences, as a light first pass (cmark gives the exact answer later) ----

// Line indices fit 32 bits: the text is at most a few megabytes.
constexpr std::uint32_t kNoFence = static_cast<std::uint32_t>(-1);

struct FenceInfo {
    std::vector<std::uint32_t> opener;  // per line: the opening fence line it is inside of, or kNoFence
};

// Length of a fence run (``` or ~~~) at the start of the line, 0 if none.
std::size_t fenceRun(std::string_view line, char* fenceChar) {
    std::size_t i = leadingSpaces(line);
    if (i > 3 || i >= line.size() || (line[i] != '`' && line[i] != '~')) return 0;
    char c = line[i];
    std::size_t j = i;
    while (j < line.size() && line[j] == c) ++j;
    if (j - i < 3) return 0;
    if (c == '`' && line.substr(j).find('`') != std::string_view::npos) return 0;
    *fenceChar = c;
    return j - i;
}

FenceInfo trackFences(const std::vector<std::string_view>& lines) {
    FenceInfo info;
    info.opener.assign(lines.size(), kNoFence);
    std::uint32_t open = kNoFence;
    char openChar = 0;
    std::size_t openLength = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        char c = 0;
        std::size_t run = fenceRun(lines[i], &c);
        if (open == kNoFence) {
            if (run > 0) {
                open = static_cast<std::uint32_t>(i);
                openChar = c;
                openLength = run;
            }
            continue;
        }
        info.opener[i] = open;
        bool closes = run >= openLength && c == openChar && isBlank(trim(lines[i]).substr(run));
        if (closes) open = kNoFence;
    }
    return info;
}

// ---- reply structure ----

bool isQuoted(std::string_view line) {
    std::size_t i = leadingSpaces(line);
    return i <= 3 && i < line.size() && line[i] == '>';
}

bool isAttributionEnd(std::string_view trimmedLine) {
    if (trimmedLine.size() > kMaxAttributionBytes) return false;
    return endsWithInsensitive(trimmedLine, "wrote:") || endsWithInsensitive(trimmedLine, "writes:") ||
           endsWithInsensitive(trimmedLine, "schrieb:") ||
           endsWithInsensitive(trimmedLine,
                               "\xC3\xA9"
                               "crit :") ||
           endsWithInsensitive(trimmedLine,
                               "\xC3\xA9"
                               "crit:");
}

bool isOriginalMessageLine(std::string_view trimmedLine) {
    if (trimmedLine.size() > 80) return false;
    std::size_t a = 0;
    while (a < trimmedLine.size() && trimmedLine[a] == '-') ++a;
    std::size_t b = trimmedLine.size();
    while (b > a && trimmedLine[b - 1] == '-') --b;
    if (a < 3 || trimmedLine.size() - b < 3) return false;
    auto middle = trim(trimmedLine.substr(a, b - a));
    return iequals(middle, "Original Message") || istartsWith(middle, "Forwarded message");
}

bool isForwardMarker(std::string_view trimmedLine) {
    return isOriginalMessageLine(trimmedLine) && icontains(trimmedLine, "forwarded");
}

bool isUnderscoreRule(std::string_view trimmedLine) {
    return trimmedLine.size() >= 10 && trimmedLine.find_first_not_of('_') == std::string_view::npos;
}

// Outlook's reply header: "From: ..." followed within a few lines by "Sent: ...".
bool isOutlookHeaderAt(const std::vector<std::string_view>& lines, std::size_t i) {
    if (!istartsWith(trim(lines[i]), "From:")) return false;
    for (std::size_t k = i + 1; k < lines.size() && k <= i + 5; ++k)
        if (istartsWith(trim(lines[k]), "Sent:")) return true;
    return false;
}

void markIgnored(Document& doc, std::size_t from, std::size_t to) {
    for (std::size_t k = from; k < to && k < doc.kinds.size(); ++k) doc.kinds[k] = LineKind::Ignored;
}

// Marks header lines ("From: ...", "Date: ...") from `i` to the next blank line.
std::size_t markHeaderBlock(Document& doc, std::size_t i) {
    std::size_t k = i;
    while (k < doc.lines.size() && !isBlank(doc.lines[k]) && k < i + 12) ++k;
    markIgnored(doc, i, k);
    return k;
}

void markReplyStructure(Document& doc, const FenceInfo& fences) {
    auto& lines = doc.lines;
    const std::size_t n = lines.size();
    bool contentSeen = false;
    for (std::size_t i = 0; i < n; ++i) {
        if (fences.opener[i] != kNoFence) {
            contentSeen = true;
            continue;
        }
        if (doc.kinds[i] == LineKind::Ignored) continue;
        if (isQuoted(lines[i])) {
            doc.kinds[i] = LineKind::Ignored;
            continue;
        }
        std::string_view t = trim(lines[i]);
        if (t.empty()) continue;
        if (isForwardMarker(t)) {
            // A forwarded report is still the report: drop only its header lines.
            doc.kinds[i] = LineKind::Ignored;
            if (i + 1 < n) markHeaderBlock(doc, i + 1);
            continue;
        }
        bool outlookStart = isOriginalMessageLine(t) || isOutlookHeaderAt(lines, i);
        if (outlookStart) {
            // Outlook quotes without '>': after its header everything is the old
            // mail. Unless nothing came before (a bare forward), then it is the report.
            if (contentSeen) {
                // Outlook separates the quote with a line of underscores.
                std::size_t from = i;
                std::size_t k = i;
                while (k > 0 && isBlank(lines[k - 1])) --k;
                if (k > 0 && isUnderscoreRule(trim(lines[k - 1]))) from = k - 1;
                markIgnored(doc, from, n);
                return;
            }
            markHeaderBlock(doc, i);
            continue;
        }
        if (isAttributionEnd(t)) {
            std::size_t first = npos;
            for (std::size_t j = i + 1; j-- > 0 && j + 2 >= i;) {
                if (isBlank(lines[j])) break;
                if (trim(lines[j]).substr(0, 3) == "On ") {
                    first = j;
                    break;
                }
            }
            std::size_t next = i + 1;
            while (next < n && isBlank(lines[next])) ++next;
            bool quoteFollows = next < n && isQuoted(lines[next]);
            if (first != npos || quoteFollows) {
                markIgnored(doc, first != npos ? first : i, i + 1);
                continue;
            }
        }
        contentSeen = true;
    }
}

// ---- cmark ----

bool isMarkerChar(char c) {
    switch (c) {
        case ' ':
        case '\t':
        case '>':
        case '-':
        case '+':
        case '*':
        case '_':
        case '=':
        case '#':
        case '`':
        case '~':
        case '.':
        case ')':
            return true;
        default:
            return c >= '0' && c <= '9';
    }
}

// Characters that only mean something to cmark's inline parser.
bool isInlineSyntax(char c) {
    switch (c) {
        case '*':
        case '_':
        case '`':
        case '[':
        case ']':
        case '!':
        case '<':
        case '&':
        case '\\':
            return true;
        default:
            return false;
    }
}

void appendSkeletonLine(std::string& out, std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && i < kMaxLeadingMarkers && isMarkerChar(line[i])) out.push_back(line[i++]);
    for (; i < line.size(); ++i) {
        char c = line[i];
        bool neutral = isInlineSyntax(c) || (isMarkerChar(c) && !isSpaceOrTab(c) && !(c >= '0' && c <= '9'));
        // Past the leading markers only inline syntax matters; past the cap the
        // markers themselves are neutralised so they cannot open containers.
        if (isInlineSyntax(c) || (i >= kMaxLeadingMarkers && neutral)) c = 'x';
        out.push_back(c);
    }
    out.push_back('\n');
}

struct BlockFacts {
    std::vector<std::pair<std::size_t, std::size_t>> code;  // line ranges, inclusive
    std::vector<std::size_t> breaks;
    std::vector<HeadingBlock> headings;
    std::vector<ListBlock> lists;
};

bool isSetextUnderline(std::string_view line) {
    std::string_view t = trim(line);
    if (t.empty() || (t[0] != '=' && t[0] != '-')) return false;
    return t.find_first_not_of(t[0]) == std::string_view::npos;
}

// "## Title" (also inside a list item, "- ## Title"): 1-6 '#' then a space or the end.
bool isAtxLine(std::string_view line) {
    std::string_view t = trim(line);
    if (t.size() >= 2 && (t[0] == '-' || t[0] == '*' || t[0] == '+') && isSpaceOrTab(t[1])) t = trim(t.substr(2));
    std::size_t hashes = 0;
    while (hashes < t.size() && t[hashes] == '#') ++hashes;
    return hashes >= 1 && hashes <= 6 && (hashes == t.size() || isSpaceOrTab(t[hashes]));
}

std::string_view atxTitle(std::string_view line) {
    std::string_view t = line.substr(0, std::min(line.size(), kMaxTitleBytes));
    auto hash = t.find('#');
    if (hash == std::string_view::npos) return trim(t);
    t = t.substr(hash);
    while (!t.empty() && t.front() == '#') t.remove_prefix(1);
    t = trim(t);
    // An optional closing sequence of '#' preceded by a space.
    std::size_t end = t.size();
    while (end > 0 && t[end - 1] == '#') --end;
    if (end == 0 || (end < t.size() && isSpaceOrTab(t[end - 1]))) t = t.substr(0, end);
    return trim(t);
}

void collectChunk(const Document& doc, std::size_t first, std::size_t last, std::string_view prefixLine,
                  BlockFacts& facts) {
    std::string skeleton;
    std::size_t prefixLines = 0;
    if (!prefixLine.empty()) {
        skeleton.append(prefixLine);
        skeleton.push_back('\n');
        prefixLines = 1;
    }
    for (std::size_t i = first; i < last; ++i) {
        if (doc.kinds[i] == LineKind::Ignored)
            skeleton.push_back('\n');
        else
            appendSkeletonLine(skeleton, doc.lines[i]);
    }
    NodePtr root(cmark_parse_document(skeleton.data(), skeleton.size(), CMARK_OPT_DEFAULT));
    if (!root) return;
    IterPtr iter(cmark_iter_new(root.get()));
    if (!iter) return;
    // cmark line numbers are 1-based within the chunk; map them back, clamped.
    auto toLine = [&](int cmarkLine) -> std::size_t {
        auto local = static_cast<std::size_t>(std::max(cmarkLine, 1) - 1);
        if (local < prefixLines) return first;
        return std::min(first + local - prefixLines, last - 1);
    };
    cmark_event_type event;
    while ((event = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
        if (event != CMARK_EVENT_ENTER) continue;
        cmark_node* node = cmark_iter_get_node(iter.get());
        std::size_t start = toLine(cmark_node_get_start_line(node));
        std::size_t end = std::max(start, toLine(cmark_node_get_end_line(node)));
        switch (cmark_node_get_type(node)) {
            case CMARK_NODE_CODE_BLOCK:
                facts.code.emplace_back(start, end);
                break;
            case CMARK_NODE_THEMATIC_BREAK:
                facts.breaks.push_back(start);
                break;
            case CMARK_NODE_HEADING: {
                HeadingBlock h;
                h.first = start;
                h.level = cmark_node_get_heading_level(node);
                h.last = start;
                if (end > start && !isAtxLine(doc.lines[start])) {
                    // cmark 0.30.2 may report a setext heading as ending one line
                    // after its underline; the underline is the first such line.
                    std::size_t underline = start + 1;
                    while (underline < end && !isSetextUnderline(doc.lines[underline])) ++underline;
                    h.last = underline;
                    h.setext = true;
                }
                facts.headings.push_back(std::move(h));
                break;
            }
            case CMARK_NODE_LIST:
                if (cmark_node_get_list_type(node) == CMARK_ORDERED_LIST) {
                    ListBlock list{start, end, 0};
                    for (cmark_node* item = cmark_node_first_child(node); item; item = cmark_node_next(item))
                        ++list.items;
                    facts.lists.push_back(list);
                }
                break;
            default:
                break;
        }
    }
}

// A place where a chunk may end: the previous line is blank and this one starts
// at the margin outside any fence, so every container and paragraph is closed.
bool isChunkBoundary(const Document& doc, const FenceInfo& fences, std::size_t i) {
    if (i == 0 || i >= doc.lines.size()) return false;
    bool previousBlank = doc.kinds[i - 1] == LineKind::Blank || doc.kinds[i - 1] == LineKind::Ignored;
    std::string_view line = doc.lines[i];
    return previousBlank && !line.empty() && !isSpaceOrTab(line[0]) && fences.opener[i] == kNoFence;
}

BlockFacts collectBlocks(const Document& doc, const FenceInfo& fences, std::size_t chunkBytes) {
    BlockFacts facts;
    const std::size_t n = doc.lines.size();
    if (n == 0) return facts;
    chunkBytes = std::max<std::size_t>(chunkBytes, 1024);
    auto offsetOf = [&](std::size_t line) {
        return line < n ? static_cast<std::size_t>(doc.lines[line].data() - doc.text.data()) : doc.text.size();
    };
    std::size_t start = 0;
    std::size_t lastBoundary = npos;
    auto emit = [&](std::size_t end) {
        std::string prefix;
        std::uint32_t opener = fences.opener[start];
        if (opener != kNoFence) {
            // A forced cut inside a fence: reopen it so the rest stays code.
            char c = 0;
            std::size_t run = fenceRun(doc.lines[opener], &c);
            prefix.assign(run, c);
        }
        collectChunk(doc, start, end, prefix, facts);
        start = end;
        lastBoundary = npos;
    };
    for (std::size_t i = 0; i < n; ++i) {
        if (i > start && isChunkBoundary(doc, fences, i)) lastBoundary = i;
        if (offsetOf(i + 1) - offsetOf(start) >= chunkBytes && i + 1 < n)
            emit(lastBoundary != npos ? lastBoundary : i + 1);
    }
    if (start < n) emit(n);
    return facts;
}

std::size_t findSignature(const Document& doc, const std::vector<bool>& code) {
    for (std::size_t i = 0; i < doc.lines.size(); ++i) {
        if (code[i] || doc.kinds[i] == LineKind::Ignored) continue;
        std::string_view line = doc.lines[i];
        if (line == "-- ") return i;
        // Without its trailing space (stripped by some clients) "--" could be a
        // setext underline, so it only counts after a blank line.
        if (line == "--" && (i == 0 || doc.kinds[i - 1] == LineKind::Blank)) return i;
    }
    return npos;
}

bool isValediction(std::string_view line) {
    std::string_view t = trim(line);
    while (!t.empty() && (t.back() == ',' || t.back() == '!' || t.back() == '.')) t.remove_suffix(1);
    if (t.size() > 30) return false;
    for (std::string_view v : {"thanks", "thank you", "thanks in advance", "many thanks", "thx", "best", "regards",
                               "best regards", "kind regards", "warm regards", "cheers", "sincerely", "yours sincerely",
                               "best wishes", "br", "greetings", "all the best"})
        if (iequals(t, v)) return true;
    return false;
}

// A closing without the "-- " delimiter ("Thanks,\nJane\nAcme Security") at
// the very end belongs to no field. Returns its first line, or npos.
std::size_t findClosing(const Document& doc, std::size_t end) {
    constexpr std::size_t kMaxClosingLines = 4;  // valediction, name, title, company
    std::size_t lines = 0;
    for (std::size_t i = end; i-- > 0;) {
        LineKind kind = doc.kinds[i];
        if (kind == LineKind::Ignored || kind == LineKind::Blank || kind == LineKind::Break) continue;
        if (kind != LineKind::Text || doc.lines[i].size() > 80 || ++lines > kMaxClosingLines) return npos;
        bool afterBreak = i == 0 || doc.kinds[i - 1] == LineKind::Blank || doc.kinds[i - 1] == LineKind::Ignored;
        if (afterBreak && isValediction(doc.lines[i])) return i;
    }
    return npos;
}

}  // namespace

std::string_view headingTitle(const Document& doc, const HeadingBlock& heading) {
    if (!heading.setext || heading.last <= heading.first) return atxTitle(doc.lines[heading.first]);
    // The text lines are contiguous in doc.text; label matching reads the line
    // breaks between them as spaces.
    std::string_view first = doc.lines[heading.first];
    std::string_view lastText = doc.lines[heading.last - 1];
    std::string_view all(first.data(), static_cast<std::size_t>(lastText.data() + lastText.size() - first.data()));
    return trim(utf8Prefix(all, kMaxTitleBytes));
}

bool isBlank(std::string_view line) {
    for (char c : line)
        if (c != ' ' && c != '\t' && c != '\f' && c != '\v') return false;
    return true;
}

void parseDocument(std::string_view text, const ExtractOptions& options, Document& doc) {
    std::string clean = sanitizeUtf8(utf8Prefix(text, options.maxTextBytes));
    // Replacement characters can make the text longer; the limit is on bytes.
    splitIntoLines(doc, utf8Prefix(clean, options.maxTextBytes));
    clean.clear();
    clean.shrink_to_fit();
    const std::size_t n = doc.lines.size();

    FenceInfo fences = trackFences(doc.lines);
    markReplyStructure(doc, fences);
    BlockFacts facts = collectBlocks(doc, fences, options.markdownChunkBytes);

    std::vector<bool> code(n, false);
    for (auto [from, to] : facts.code)
        for (std::size_t k = from; k <= to && k < n; ++k) code[k] = true;
    std::size_t signature = findSignature(doc, code);
    std::size_t end = signature == npos ? n : signature;

    for (std::size_t k = 0; k < end; ++k)
        if (code[k] && doc.kinds[k] != LineKind::Ignored) doc.kinds[k] = LineKind::Code;
    for (std::size_t b : facts.breaks)
        if (b < end && doc.kinds[b] == LineKind::Text) doc.kinds[b] = LineKind::Break;
    for (auto& h : facts.headings) {
        // A "text\n-- " signature looks like a setext heading; it is not one.
        if (h.last >= end || doc.kinds[h.first] != LineKind::Text) continue;
        for (std::size_t k = h.first; k <= h.last; ++k)
            if (doc.kinds[k] != LineKind::Ignored) doc.kinds[k] = LineKind::Heading;
        doc.headings.push_back(std::move(h));
    }
    for (auto& list : facts.lists)
        if (list.first < end) doc.orderedLists.push_back(list);
    markIgnored(doc, end, n);
    if (std::size_t closing = findClosing(doc, end); closing != npos) markIgnored(doc, closing, end);
}

}  // namespace secmaild::report::detail
