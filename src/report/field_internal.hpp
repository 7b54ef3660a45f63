// Internal interfaces of the report-field extractor (not installed): the
// prepared document, label recognition and the free-text recognisers, each in
// its own source file. Only src/report/field*.cpp include this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "secmaild/report/fields.hpp"

namespace secmaild::report::detail {

// ---- field_document.cpp: lines, reply structure, Markdown blocks ----

enum class LineKind : std::uint8_t {
    Text,     // ordinary line: may hold a label
    Blank,    // empty or whitespace only
    Ignored,  // quoted reply, attribution, forwarded headers, signature and after
    Code,     // inside a fenced or indented code block: content, never a label
    Heading,  // part of a Markdown heading (see Document::headings)
    Break,    // a thematic break (---, ***)
};

struct HeadingBlock {
    std::size_t first = 0;  // line index of the heading text
    std::size_t last = 0;   // last line (the underline of a setext heading)
    int level = 1;
    bool setext = false;
};

struct ListBlock {
    std::size_t first = 0;
    std::size_t last = 0;
    std::size_t items = 0;
};

// Views point into `text`, so a Document stays where it was built: it can be
// neither copied nor moved (a moved short string would move its bytes).
struct Document {
    Document() = default;
    Document(const Document&) = delete;
    Document& operator=(const Document&) = delete;

    std::string text;                     // sanitised UTF-8 with '\n' line ends
    std::vector<std::string_view> lines;  // views into text, without line ends
    std::vector<LineKind> kinds;          // one per line
    std::vector<HeadingBlock> headings;   // in line order
    std::vector<ListBlock> orderedLists;  // cmark ordered lists, in line order
};

// Cuts, sanitises and splits `text`, marks the reply structure and asks cmark
// (in chunks, on a copy with inline syntax neutralised) where code blocks,
// headings, thematic breaks and ordered lists are.
void parseDocument(std::string_view text, const ExtractOptions& options, Document& doc);

bool isBlank(std::string_view line);

// The heading's text as written (a view into doc.text), '#' markers removed;
// a setext heading's lines keep their line breaks.
std::string_view headingTitle(const Document& doc, const HeadingBlock& heading);

// ---- field_labels.cpp: recognising a label ----

// Lower-case, emphasis and parenthetical qualifiers removed, a trailing ':' or
// '-' dropped, whitespace collapsed: "**Suggested mitigation (if any):**" ->
// "suggested mitigation".
std::string normalizeLabel(std::string_view raw);

struct AliasTarget {
    Field field;
    // False for aliases that only end the previous section: the default
    // aliases of fields missing from the caller's specs, or missing from a
    // spec's own alias list.
    bool reported;
};

struct LabelTable {
    std::unordered_map<std::string, AliasTarget> byAlias;  // normalised alias -> target
};
LabelTable makeLabelTable(const std::vector<FieldSpec>& specs);

enum class LabelPlace {
    AfterBreak,    // first line, or after a blank line, heading, label or code
    AfterText,     // right after a line of ordinary text
    HeadingTitle,  // the title of a Markdown heading
};

struct LabelMatch {
    AliasTarget target;
    std::string_view value;  // inline value after the label, trimmed (may be empty)
    const char* how;         // "label", "bold", "numbered" or "heading"
};

std::optional<LabelMatch> matchLabel(std::string_view line, const LabelTable& table, LabelPlace place);

// ---- field_free_text.cpp: recognisers for unlabelled prose ----

struct ProseWants {
    bool impact = false;
    bool mitigation = false;
    bool credit = false;
    bool contact = false;
};
struct ProseFinds {
    std::string impact;      // sentences saying what an attacker can do, joined by a space
    std::string mitigation;  // sentences suggesting a fix
    // "please credit me as X" -> X; "I'd like to remain anonymous" -> "anonymous".
    std::optional<std::string> credit;
    // "you can reach me at X" -> X (X must look like an address, URL or number).
    std::optional<std::string> contact;
};
// Looks for what `wants` asks in one pass over the sentences of `text`; the
// sentence lists are cut to `cap` bytes.
ProseFinds scanProse(std::string_view text, const ProseWants& wants, std::size_t cap);
// "version 0.2.3" -> "0.2.3", "affects 1.2.0 through 1.3.1" -> "1.2.0 through 1.3.1".
std::optional<std::string> findVersionMention(std::string_view text, const std::vector<std::string>& productNames);
// True if a labelled credit value asks for no credit ("none", "anonymous please").
bool isAnonymousCredit(std::string_view value);
// "Hi team," / "Dear security team," / "Here is my report:": carries no content.
bool isSalutationLine(std::string_view line);
// Rough count of words (runs of letters or digits) in `text`.
std::size_t countWords(std::string_view text);

}  // namespace secmaild::report::detail
