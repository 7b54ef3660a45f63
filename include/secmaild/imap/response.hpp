// Reading IMAP server responses (RFC 3501 §7) from a byte stream: lines,
// with literals ({n} CRLF followed by n bytes) taken by count, never by
// looking for line ends inside them — so a message body that contains a line
// like "A004 OK" cannot end a command early. Pure and incremental: feed bytes
// in any pieces, take whole responses out. Also the small tokenizer for the
// parenthesised data in FETCH, STATUS and response codes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "secmaild/util/result.hpp"

namespace secmaild::imap {

struct Response {
    enum class Kind { Untagged, Tagged, Continuation };
    Kind kind = Kind::Untagged;
    std::string tag;     // for Tagged
    std::string status;  // upper-case OK, NO, BAD, BYE, PREAUTH, or "" (e.g. "* 3 EXISTS")
    // The response without its tag, with each literal replaced by a marker
    // "{#i}" (i = index into literals) so tokens can refer to it.
    std::string text;
    std::vector<std::string> literals;
};

struct ReaderLimits {
    std::size_t maxLineBytes = 8u << 20;     // one line between literals
    std::size_t maxLiteralBytes = 1u << 30;  // one literal (a message)
    std::size_t maxLiterals = 1000;          // literals in one response
};

class ResponseReader {
public:
    explicit ResponseReader(ReaderLimits limits = {}) : limits_(limits) {}

    void feed(std::string_view bytes) { buffer_.append(bytes); }
    // The next complete response, nullopt when more bytes are needed, or an
    // error when the stream breaks a limit or the grammar (the connection
    // must then be dropped: we no longer know where responses start).
    Result<std::optional<Response>> next();

private:
    ReaderLimits limits_;
    std::string buffer_;
    std::size_t consumed_ = 0;
    std::size_t searched_ = 0;  // no line end before this offset
    Response partial_;
    bool inResponse_ = false;
    std::size_t literalPending_ = 0;
    bool inLiteral_ = false;
};

// A token of IMAP data: atom, number, quoted string, literal, NIL, or list.
struct Token {
    enum class Type { Atom, String, List, Nil };
    Type type = Type::Atom;
    std::string value;         // Atom / String (a literal is a String)
    std::vector<Token> items;  // List
};

// Tokenizes `text` (with literal markers) into top-level tokens. Brackets of
// response codes and section specs ("BODY[]<0>") stay inside atoms. Bounded
// nesting (64) and token count (100,000).
Result<std::vector<Token>> tokenize(std::string_view text, const std::vector<std::string>& literals);

// The response code inside "[...]" at the start of a status text, e.g.
// "UIDVALIDITY 3857529045" from "OK [UIDVALIDITY 3857529045] UIDs valid".
std::optional<std::string> responseCode(std::string_view statusText);

}  // namespace secmaild::imap
