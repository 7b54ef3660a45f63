// Rewrites untrusted HTML into a form that gumbo 0.10 parses in bounded time,
// memory and stack, by one linear tokenizing pass in front of it. What gumbo
// does with hostile input when left alone (measured, see html_guard.cpp):
// its tree teardown recurses once per nesting level and overflowed an 8 MB
// stack at 300,000 levels (and <frameset> runs that teardown during the parse);
// tree building does work proportional to the depth for many tokens (100,000
// nested <div>s: 30 s), the adoption agency and formatting-element reconstruction
// nest elements that the markup closes, attribute handling is quadratic per tag,
// and each 4 input bytes can become a ~400-byte node (8 MB of "<p>x": 890 MB).
// The guard does not produce text and does not decide what is visible beyond
// dropping what html_text.cpp would never show.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace secmaild::mime {

struct HtmlGuardLimits {
    // Start tags that would open an element deeper than this are dropped; their
    // text stays. The guard closes every element it opens itself, so gumbo's
    // depth stays within twice this plus three (implied html, body, tbody, tr);
    // Blink flattens at 512 for the same reason.
    std::size_t maxNestingDepth = 256;
    // Elements handed to gumbo (start tags; </p>, </br> where they make one); the input is cut at the
    // first one over. Each costs gumbo up to ~3 nodes of ~200 bytes.
    std::size_t maxElements = 100000;
};

// What gumbo gets. Compared with the input:
// - comments, processing instructions and CDATA are gone; '<' in text is "&lt;";
// - script, style, title, iframe, noembed, noframes and noscript (read as with
//   scripting on, like a mail client) are gone with their content, and so are
//   template, svg and math subtrees (svg/math end at an HTML breakout tag, as
//   in a browser);
// - xmp, textarea and plaintext become <pre> with their text escaped, so gumbo
//   never meets raw text;
// - b and strong become <samp>, a becomes <ins> (keeping href), and the other
//   formatting elements, samp and ins become <span>, so that gumbo's adoption
//   agency and reconstruction never run;
// - attributes are dropped except ins href, img alt, ol start and li value;
// - every element is closed by an explicit end tag, innermost first, where the
//   HTML tree builder would close it (near enough), and end tags that close
//   nothing are dropped (except </p> and </br>, which make an element).
struct GuardedHtml {
    std::string html;
    bool cut = false;        // the element budget ran out; the rest of the input is missing
    bool flattened = false;  // some start tags were dropped for depth; their text is kept
};

// Never throws except std::bad_alloc; linear in html.size().
GuardedHtml guardHtmlForGumbo(std::string_view html, const HtmlGuardLimits& limits = {});

}  // namespace secmaild::mime
