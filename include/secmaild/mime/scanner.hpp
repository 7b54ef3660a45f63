// The bounded pre-scan that runs before mimetic sees a message. One pass over
// the lines with an explicit stack (no recursion), so any input costs time
// linear in its size. It finds every entity's header block, its MIME type and
// its exact raw byte range (multipart/signed verification needs those bytes
// untouched), enforces the size, depth and part-count limits, and notes what
// mimetic is known to mishandle (libraries.md §6) so that the parser can hand
// mimetic a repaired copy instead. It decodes nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace secmaild::mime {

struct ScanLimits {
    std::size_t maxHeaderBytes = 1u << 20;  // stored header bytes of one entity
    std::size_t maxHeaderLine = 64u << 10;  // one unfolded header field
    std::size_t maxHeaderFields = 1000;     // fields of one entity
    std::size_t maxDepth = 30;              // multipart and message/rfc822 nesting
    std::size_t maxParts = 500;             // entities in one message
};

struct RawHeaderField {
    std::string name;   // as written
    std::string value;  // unfolded: line breaks removed, leading blanks trimmed; may hold 8-bit bytes
};

struct ScannedEntity {
    enum class Kind { Leaf, Multipart, Message };
    std::size_t begin = 0;      // first byte of the header block
    std::size_t bodyBegin = 0;  // first byte after the blank line
    std::size_t end = 0;        // one past the last byte; the line break before a delimiter is not ours
    int parent = -1;
    std::size_t depth = 0;
    Kind kind = Kind::Leaf;
    std::string type = "text/plain";  // lower-case type/subtype, RFC 2045 default when absent
    std::string boundary;             // set for Multipart
    std::vector<RawHeaderField> headers;
    std::vector<int> children;
    bool closed = false;  // Multipart: its close delimiter was seen
    // The header block needed repair for mimetic: a line was skipped or cut,
    // or the declared type had to be neutralised (e.g. multipart without boundary).
    bool headerRepaired = false;
    bool typeNeutralised = false;
    // The type comes from a default rule mimetic does not know (RFC 2046
    // §5.1.5: a multipart/digest part without Content-Type is message/rfc822);
    // the copy for mimetic states it. Not a problem with the message.
    bool typeImplied = false;
};

struct Scan {
    std::vector<ScannedEntity> entities;  // pre-order; [0] is the message itself
    std::vector<std::string> problems;    // for the maintainers, in plain words
    bool limitHit = false;                // a limit stopped or cut the scan
    std::size_t analysedBytes = 0;        // the scan stopped here (== size unless a limit hit)
    bool needsRepair() const;
};

// Never throws for any input; allocation failure aside.
Scan scanMessage(std::string_view raw, const ScanLimits& limits = {});

// The first header field with this name (case-insensitive), or nullptr.
const RawHeaderField* findHeader(const std::vector<RawHeaderField>& headers, std::string_view name);

// The bytes mimetic should parse: the raw message when nothing needed repair;
// otherwise a copy with each header block rewritten from the scanned fields,
// neutralised types replaced, and everything after analysedBytes dropped — so
// mimetic's tree matches the scan by construction.
std::string repairedCopy(std::string_view raw, const Scan& scan);

}  // namespace secmaild::mime
