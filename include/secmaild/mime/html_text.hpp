// Text from text/html-only mail, for the report-field extractor: gumbo parses
// the HTML (behind html_guard.hpp) and the tree is written out as plain text
// that keeps the structure visible in Markdown terms: "## Heading",
// "**Label:** value", "- item", "> quoted", "cell | cell". Nothing is fetched
// and no remote content is referenced except link targets written as text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace secmaild::mime {

struct HtmlTextOptions {
    std::size_t maxInputBytes = 8u << 20;   // longer input is cut (on a UTF-8 boundary) first
    std::size_t maxOutputBytes = 4u << 20;  // the text stops here
    // Passed to the guard (html_guard.hpp): deeper start tags lose their tag
    // but keep their text; past maxElements the rest of the input is dropped.
    std::size_t maxNestingDepth = 256;
    std::size_t maxElements = 100000;
};

struct HtmlText {
    std::string text;        // valid UTF-8, lines end in '\n', no blank line at either end
    bool truncated = false;  // some input was not converted or some output was cut off
};

// Converts UTF-8 HTML (the caller has already converted the charset) to plain
// UTF-8 text. Rules: head, script, style, template, noscript, svg, math,
// comments and inputs are dropped; blocks start on a new line, paragraphs,
// headings, lists, quotes, tables and pre are set off by one blank line;
// whitespace collapses except in <pre>; h1-h6 become "# ".."###### ";
// bold at the start of a line becomes "**text**"; <br> is a line break;
// list items are "- " or "N. " (ol start and li value respected), indented
// two spaces per nesting level; links are "text (URL)" for http, https and
// mailto targets that differ from the text, otherwise just the text; images
// are "[image: alt]"; table cells are joined by " | ", one row per line;
// blockquote lines start with "> ". Never throws except std::bad_alloc;
// linear in the input.
HtmlText htmlToText(std::string_view utf8Html, const HtmlTextOptions& options = {});

}  // namespace secmaild::mime
