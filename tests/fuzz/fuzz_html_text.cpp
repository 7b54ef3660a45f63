// libFuzzer target for htmlToText and the HTML guard in front of gumbo. Beyond
// crashes, sanitizer reports and slow units it aborts when a promise breaks:
// valid UTF-8 within the output budget with no blank line at either end, and,
// parsing the guard's output with gumbo here, a tree no deeper than twice the
// guard's depth limit (plus implied elements), at most six nodes (elements and
// text) per element of budget, and none of the elements the guard removes.
// The first input byte picks small limits so that they are reached.
#include <gumbo.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "secmaild/mime/html_guard.hpp"
#include "secmaild/mime/html_text.hpp"
#include "secmaild/util/strings.hpp"

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

struct OutputDeleter {
    void operator()(GumboOutput* output) const { gumbo_destroy_output(&kGumboDefaultOptions, output); }
};

bool removedByGuard(const GumboElement& e) {
    if (e.tag_namespace != GUMBO_NAMESPACE_HTML) return true;  // svg and math are dropped
    switch (e.tag) {
        case GUMBO_TAG_A:
        case GUMBO_TAG_B:
        case GUMBO_TAG_BIG:
        case GUMBO_TAG_CODE:
        case GUMBO_TAG_EM:
        case GUMBO_TAG_FONT:
        case GUMBO_TAG_I:
        case GUMBO_TAG_NOBR:
        case GUMBO_TAG_S:
        case GUMBO_TAG_SMALL:
        case GUMBO_TAG_STRIKE:
        case GUMBO_TAG_STRONG:
        case GUMBO_TAG_TT:
        case GUMBO_TAG_U:
        case GUMBO_TAG_SCRIPT:
        case GUMBO_TAG_STYLE:
        case GUMBO_TAG_TITLE:
        case GUMBO_TAG_TEMPLATE:
        case GUMBO_TAG_NOSCRIPT:
        case GUMBO_TAG_IFRAME:
        case GUMBO_TAG_TEXTAREA:
        case GUMBO_TAG_XMP:
        case GUMBO_TAG_PLAINTEXT:
            return true;
        default:
            return false;
    }
}

void checkGuardedTree(std::string_view html, const secmaild::mime::HtmlGuardLimits& limits) {
    GumboOptions options = kGumboDefaultOptions;
    options.max_errors = 0;
    std::unique_ptr<GumboOutput, OutputDeleter> out(gumbo_parse_with_options(&options, html.data(), html.size()));
    require(out != nullptr);
    std::vector<std::pair<const GumboNode*, std::size_t>> stack{{out->document, 0}};
    std::size_t nodes = 0;
    while (!stack.empty()) {
        auto [node, depth] = stack.back();
        stack.pop_back();
        ++nodes;
        require(node->type != GUMBO_NODE_COMMENT && node->type != GUMBO_NODE_TEMPLATE &&
                node->type != GUMBO_NODE_CDATA);
        const GumboVector* children = nullptr;
        if (node->type == GUMBO_NODE_DOCUMENT) {
            children = &node->v.document.children;
        } else if (node->type == GUMBO_NODE_ELEMENT) {
            // html and body, then per table two implied levels (tbody, tr) over
            // its cell, or colgroup over a col.
            require(depth <= 2 * limits.maxNestingDepth + 3);
            require(!removedByGuard(node->v.element));
            require(node->v.element.attributes.length <= 1);
            children = &node->v.element.children;
        }
        if (children)
            for (unsigned i = 0; i < children->length; ++i)
                stack.push_back({static_cast<const GumboNode*>(children->data[i]), depth + 1});
    }
    // Elements (about three per unit of budget: an implied tbody and tr per
    // cell) and the text between them, plus the document, html, head, body.
    require(nodes <= 6 * limits.maxElements + 8);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);  // for -Wmissing-declarations

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace secmaild::mime;
    if (size == 0) return 0;
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

    HtmlGuardLimits limits;
    limits.maxNestingDepth = 1 + data[0] % 16;
    limits.maxElements = 8 + (data[0] >> 4) * 64;
    GuardedHtml guarded = guardHtmlForGumbo(input, limits);
    checkGuardedTree(guarded.html, limits);

    HtmlTextOptions options;
    options.maxOutputBytes = (data[0] & 1) ? 64 : options.maxOutputBytes;
    options.maxNestingDepth = limits.maxNestingDepth;
    options.maxElements = limits.maxElements;
    HtmlText converted = htmlToText(input, options);
    const std::string& text = converted.text;
    require(secmaild::isValidUtf8(text));
    require(text.size() <= options.maxOutputBytes);
    if (!text.empty()) {
        require(text.back() == '\n' && text.front() != '\n');
        require(text.size() < 2 || text[text.size() - 2] != '\n');
    }
    return 0;
}
