// The bounded structure scan (see scanner.hpp). Lines are found with memchr;
// a line starting with "--" is compared with the boundaries of the open
// multiparts, innermost first, so a missing close delimiter of an inner part
// is repaired by the outer one (as RFC 2046 readers do). Each entity's end is
// set once, when the part containing it ends, which keeps the work linear.
#include "secmaild/mime/scanner.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

#include "secmaild/mime/header_params.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::mime {

namespace {

constexpr std::size_t kUnset = std::numeric_limits<std::size_t>::max();
constexpr std::size_t kMaxProblems = 50;
constexpr std::size_t kMaxBoundaryLength = 200;  // RFC 2046 says 70; be lenient, not unbounded

struct Line {
    std::size_t begin;
    std::size_t end;   // before CR LF
    std::size_t next;  // after LF
};

Line lineAt(std::string_view raw, std::size_t pos) {
    const void* nl = std::memchr(raw.data() + pos, '\n', raw.size() - pos);
    std::size_t stop = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - raw.data()) : raw.size();
    std::size_t end = stop;
    if (end > pos && raw[end - 1] == '\r') --end;
    return {pos, end, nl ? stop + 1 : raw.size()};
}

bool isBlank(char c) {
    return c == ' ' || c == '\t';
}

// "--boundary" or "--boundary--", then only transport padding.
bool matchDelimiter(std::string_view line, std::string_view boundary, bool& close) {
    if (line.size() < boundary.size() + 2 || line[0] != '-' || line[1] != '-') return false;
    if (line.compare(2, boundary.size(), boundary) != 0) return false;
    auto rest = line.substr(boundary.size() + 2);
    close = rest.size() >= 2 && rest[0] == '-' && rest[1] == '-';
    if (close) rest.remove_prefix(2);
    for (char c : rest)
        if (!isBlank(c)) return false;
    return true;
}

// A header field starts with a name of printable ASCII other than ':' and a
// colon; blanks between name and colon are RFC 5322's obsolete syntax
// ("Subject : x"), which receivers must accept. `nameEnd` is where the name
// stops, `colon` where the colon is.
bool isFieldStart(std::string_view line, std::size_t& nameEnd, std::size_t& colon) {
    std::size_t i = 0;
    while (i < line.size()) {
        auto c = static_cast<unsigned char>(line[i]);
        if (c == ':' || c == ' ' || c == '\t') break;
        if (c < 33 || c > 126) return false;
        ++i;
    }
    nameEnd = i;
    while (i < line.size() && isBlank(line[i])) ++i;
    colon = i;
    return nameEnd > 0 && i < line.size() && line[i] == ':';
}

class Scanner {
public:
    Scanner(std::string_view raw, const ScanLimits& limits) : raw_(raw), limits_(limits) {}

    Scan run() {
        scan_.analysedBytes = raw_.size();
        std::size_t pos = startEntityChain(0, -1, 0);
        while (pos < raw_.size() && !stopped_) {
            Line l = lineAt(raw_, pos);
            if (!open_.empty() && l.end - l.begin >= 2 && raw_[l.begin] == '-' && raw_[l.begin + 1] == '-') {
                auto line = raw_.substr(l.begin, l.end - l.begin);
                bool handled = false;
                for (std::size_t k = open_.size(); k-- > 0;) {
                    bool close = false;
                    if (matchDelimiter(line, scan_.entities[open_[k].entity].boundary, close)) {
                        pos = onDelimiter(k, close, l);
                        handled = true;
                        break;
                    }
                }
                if (handled) continue;
            }
            pos = l.next;
        }
        finish();
        return std::move(scan_);
    }

private:
    struct Open {
        int entity;
        std::size_t partStart = kUnset;  // index of the current part's first entity
    };

    void problem(std::string text) {
        if (problemSet_.count(text)) return;
        if (scan_.problems.size() == kMaxProblems) {
            scan_.problems.push_back("(more problems not listed)");
            problemSet_.insert(text);
            return;
        }
        if (scan_.problems.size() > kMaxProblems) return;
        problemSet_.insert(text);
        scan_.problems.push_back(std::move(text));
    }

    void limit(std::string text) {
        scan_.limitHit = true;
        problem(std::move(text));
    }

    bool isOpenDelimiter(std::string_view line) const {
        if (line.size() < 2 || line[0] != '-' || line[1] != '-') return false;
        for (const auto& o : open_) {
            bool close = false;
            if (matchDelimiter(line, scan_.entities[o.entity].boundary, close)) return true;
        }
        return false;
    }

    // Creates the entity at `begin` and, while it is a message/rfc822, the
    // message inside it. Returns where the line scan continues.
    std::size_t startEntityChain(std::size_t begin, int parent, std::size_t depth) {
        std::size_t pos = begin;
        for (;;) {
            int index = startEntity(pos, parent, depth);
            const auto& e = scan_.entities[static_cast<std::size_t>(index)];
            pos = e.bodyBegin;
            if (e.kind != ScannedEntity::Kind::Message || stopped_) return pos;
            parent = index;
            ++depth;
        }
    }

    int startEntity(std::size_t begin, int parent, std::size_t depth) {
        const int index = static_cast<int>(scan_.entities.size());
        scan_.entities.emplace_back();
        ScannedEntity& e = scan_.entities.back();
        e.begin = begin;
        e.end = kUnset;
        e.parent = parent;
        e.depth = depth;
        if (parent >= 0) scan_.entities[static_cast<std::size_t>(parent)].children.push_back(index);
        e.bodyBegin = parseHeaderBlock(e, begin, parent < 0);
        classify(e, parent);
        if (e.kind == ScannedEntity::Kind::Multipart) open_.push_back({index});
        return index;
    }

    std::size_t parseHeaderBlock(ScannedEntity& e, std::size_t begin, bool topLevel) {
        std::size_t pos = begin;
        std::size_t stored = 0;
        bool first = true;
        bool lastDropped = false;
        while (pos < raw_.size()) {
            Line l = lineAt(raw_, pos);
            auto line = raw_.substr(l.begin, l.end - l.begin);
            if (line.empty()) return l.next;
            if (isOpenDelimiter(line)) {
                problem("a part's header is not ended by a blank line");
                e.headerRepaired = true;
                return l.begin;
            }
            std::size_t nameEnd = 0, colon = 0;
            if (first && topLevel && line.substr(0, 5) == "From ") {
                problem("the message starts with an mbox \"From \" line");
                e.headerRepaired = true;
            } else if (isBlank(line[0])) {
                if (e.headers.empty() && !lastDropped) {
                    if (first) return headerless(e, begin);
                    problem("a header continuation line has no field to continue");
                    e.headerRepaired = true;
                } else if (!lastDropped) {
                    appendToField(e, line, stored);
                }
            } else if (isFieldStart(line, nameEnd, colon)) {
                lastDropped = !addField(e, line, nameEnd, colon, stored);
            } else {
                if (first) return headerless(e, begin);
                problem("a header line is not a header field (it was skipped)");
                e.headerRepaired = true;
                lastDropped = true;
            }
            first = false;
            pos = l.next;
        }
        if (!raw_.empty() && pos >= raw_.size() && !first) problem("the header has no end (no blank line)");
        return raw_.size();
    }

    std::size_t headerless(ScannedEntity& e, std::size_t begin) {
        problem("a part has no header");
        e.headerRepaired = true;
        return begin;
    }

    bool addField(ScannedEntity& e, std::string_view line, std::size_t nameEnd, std::size_t colon,
                  std::size_t& stored) {
        if (e.headers.size() >= limits_.maxHeaderFields) {
            limit("more than " + std::to_string(limits_.maxHeaderFields) + " header fields (the rest were skipped)");
            e.headerRepaired = true;
            return false;
        }
        if (stored >= limits_.maxHeaderBytes) {
            limit("a header block is larger than " + std::to_string(limits_.maxHeaderBytes) +
                  " bytes (the rest was skipped)");
            e.headerRepaired = true;
            return false;
        }
        RawHeaderField f;
        f.name = std::string(line.substr(0, nameEnd));
        if (nameEnd != colon) e.headerRepaired = true;  // mimetic would not read "Name : value"
        auto value = line.substr(colon + 1);
        while (!value.empty() && isBlank(value.front())) value.remove_prefix(1);
        e.headers.push_back(std::move(f));
        appendValue(e, value, stored);
        return true;
    }

    void appendToField(ScannedEntity& e, std::string_view line, std::size_t& stored) {
        // "To:" with the value on the next line: the value starts without blanks.
        if (e.headers.back().value.empty())
            while (!line.empty() && isBlank(line.front())) line.remove_prefix(1);
        appendValue(e, line, stored);
    }

    void appendValue(ScannedEntity& e, std::string_view text, std::size_t& stored) {
        auto& f = e.headers.back();
        std::size_t room = limits_.maxHeaderLine > f.value.size() ? limits_.maxHeaderLine - f.value.size() : 0;
        if (text.size() > room) {
            limit("the header field " + headerSafe(utf8Prefix(f.name, 60)) + " is longer than " +
                  std::to_string(limits_.maxHeaderLine) + " bytes (it was cut)");
            e.headerRepaired = true;
            text = text.substr(0, room);
        }
        f.value.append(text);
        stored += text.size();
    }

    void classify(ScannedEntity& e, int parent) {
        const RawHeaderField* ct = findHeader(e.headers, "Content-Type");
        bool parentIsDigest =
            parent >= 0 && scan_.entities[static_cast<std::size_t>(parent)].type == "multipart/digest";
        e.type = parentIsDigest ? "message/rfc822" : "text/plain";
        e.typeImplied = parentIsDigest && !ct;
        HeaderValue value;
        if (ct) {
            value = parseHeaderValue(ct->value);
            if (value.value.find('/') != std::string::npos && value.value.front() != '/' && value.value.back() != '/') {
                e.type = value.value;
            } else {
                problem("a Content-Type cannot be read; treated as text/plain");
                e.type = "text/plain";
                e.typeNeutralised = true;
            }
        }
        if (istartsWith(e.type, "multipart/")) {
            auto boundary = param(value, "boundary");
            if (!boundary || boundary->empty() || boundary->size() > kMaxBoundaryLength ||
                boundary->find_first_of("\r\n") != std::string::npos) {
                problem("a multipart has no usable boundary; its body is read as text");
                e.type = "text/plain";
                e.typeNeutralised = true;
                return;
            }
            if (e.depth >= limits_.maxDepth) {
                limit("parts are nested deeper than " + std::to_string(limits_.maxDepth) +
                      " levels (the deeper ones were not read)");
                e.type = "application/octet-stream";
                e.typeNeutralised = true;
                return;
            }
            e.kind = ScannedEntity::Kind::Multipart;
            e.boundary = *boundary;
        } else if (e.type == "message/rfc822") {
            const RawHeaderField* cte = findHeader(e.headers, "Content-Transfer-Encoding");
            std::string encoding = cte ? toLower(trim(cte->value)) : "";
            if (encoding == "base64" || encoding == "quoted-printable") {
                problem("an attached message is transfer-encoded; it is kept as an attachment");
                e.type = "application/octet-stream";
                e.typeNeutralised = true;
                return;
            }
            if (e.depth >= limits_.maxDepth) {
                limit("messages are nested deeper than " + std::to_string(limits_.maxDepth) +
                      " levels (the deeper ones were not read)");
                e.type = "application/octet-stream";
                e.typeNeutralised = true;
                return;
            }
            e.kind = ScannedEntity::Kind::Message;
        }
    }

    // The current part of open_[k] ended at `endAt`: every entity created
    // since the part began is inside it and ends there if still open.
    void finishPart(const Open& o, std::size_t endAt) {
        if (o.partStart == kUnset) return;
        for (std::size_t i = o.partStart; i < scan_.entities.size(); ++i) {
            auto& e = scan_.entities[i];
            if (e.end != kUnset) continue;
            // An entity that would start after the part ends (an attached
            // message with an empty body) is empty, at the part's end.
            e.begin = std::min(e.begin, endAt);
            e.end = endAt;
            e.bodyBegin = std::clamp(e.bodyBegin, e.begin, e.end);
        }
    }

    std::size_t onDelimiter(std::size_t k, bool close, const Line& l) {
        // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
        std::size_t endAt = l.begin;
        if (endAt > 0 && raw_[endAt - 1] == '\n') {
            --endAt;
            if (endAt > 0 && raw_[endAt - 1] == '\r') --endAt;
        }
        while (open_.size() > k + 1) {
            problem("a multipart is not closed before its parent's next part");
            finishPart(open_.back(), endAt);
            open_.pop_back();
        }
        finishPart(open_[k], endAt);
        if (close) {
            scan_.entities[open_[k].entity].closed = true;
            open_.pop_back();
            return l.next;
        }
        if (scan_.entities.size() >= limits_.maxParts) {
            limit("more than " + std::to_string(limits_.maxParts) + " parts (the rest were not read)");
            stopped_ = true;
            scan_.analysedBytes = l.begin;
            return l.begin;
        }
        const auto& container = scan_.entities[open_[k].entity];
        std::size_t childDepth = container.depth + 1;
        int containerIndex = open_[k].entity;
        open_[k].partStart = scan_.entities.size();
        return startEntityChain(l.next, containerIndex, childDepth);
    }

    void finish() {
        for (const auto& o : open_) {
            if (!stopped_) problem("a multipart has no closing delimiter (the message may be truncated)");
            (void)o;
        }
        for (auto& e : scan_.entities) {
            if (e.end == kUnset) e.end = std::max(scan_.analysedBytes, e.begin);
            e.bodyBegin = std::min(e.bodyBegin, e.end);
        }
    }

    std::string_view raw_;
    ScanLimits limits_;
    Scan scan_;
    std::vector<Open> open_;
    std::set<std::string> problemSet_;
    bool stopped_ = false;
};

}  // namespace

bool Scan::needsRepair() const {
    if (limitHit) return true;
    for (const auto& e : entities)
        if (e.headerRepaired || e.typeNeutralised || e.typeImplied) return true;
    return false;
}

Scan scanMessage(std::string_view raw, const ScanLimits& limits) {
    return Scanner(raw, limits).run();
}

const RawHeaderField* findHeader(const std::vector<RawHeaderField>& headers, std::string_view name) {
    for (const auto& f : headers)
        if (iequals(f.name, name)) return &f;
    return nullptr;
}

std::string repairedCopy(std::string_view raw, const Scan& scan) {
    std::string out;
    out.reserve(scan.analysedBytes + 256);
    std::size_t cursor = 0;
    for (const auto& e : scan.entities) {
        bool statesType = e.typeNeutralised || e.typeImplied;
        if (!e.headerRepaired && !statesType) continue;
        if (e.begin < cursor || e.begin > scan.analysedBytes) continue;
        out.append(raw.substr(cursor, e.begin - cursor));
        // A part at the very end after a delimiter with no line break: the
        // header must start on a line of its own.
        if (!out.empty() && out.back() != '\n') out.append("\r\n");
        for (const auto& f : e.headers) {
            if (iequals(f.name, "Content-Type") && statesType) continue;
            out.append(f.name).append(": ").append(f.value).append("\r\n");
        }
        if (statesType) out.append("Content-Type: ").append(e.type).append("\r\n");
        out.append("\r\n");
        cursor = std::min(std::max(e.bodyBegin, e.begin), scan.analysedBytes);
    }
    if (cursor < scan.analysedBytes) out.append(raw.substr(cursor, scan.analysedBytes - cursor));
    return out;
}

}  // namespace secmaild::mime
