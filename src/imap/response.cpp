// IMAP response reading. The reader keeps the unconsumed bytes in one buffer
// and compacts it when more than half is consumed, so feeding a large
// literal in small pieces stays linear.
#include "secmaild/imap/response.hpp"

#include <cctype>
#include <charconv>

#include "secmaild/util/strings.hpp"

namespace secmaild::imap {

namespace {

// What a line's end announces: nothing, a literal of some size, or a literal
// too large to even count (which must end the connection, not be read as text).
struct Announcement {
    bool literal = false;
    bool tooLarge = false;
    std::size_t size = 0;
};

Announcement literalAnnouncement(std::string_view line) {
    if (line.empty() || line.back() != '}') return {};
    auto open = line.rfind('{');
    if (open == std::string_view::npos) return {};
    auto digits = line.substr(open + 1, line.size() - open - 2);
    if (!digits.empty() && digits.back() == '+') digits.remove_suffix(1);
    if (digits.empty()) return {};
    for (char c : digits)
        if (c < '0' || c > '9') return {};
    if (digits.size() > 15) return {true, true, 0};
    std::size_t n = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), n);
    return {true, false, n};
}

void classify(Response& r) {
    std::string_view t = r.text;
    if (t.substr(0, 2) == "+ " || t == "+") {
        r.kind = Response::Kind::Continuation;
        r.text = std::string(t.substr(t.size() > 1 ? 2 : 1));
        return;
    }
    auto space = t.find(' ');
    std::string first(t.substr(0, space));
    std::string rest = space == std::string_view::npos ? "" : std::string(t.substr(space + 1));
    if (first == "*") {
        r.kind = Response::Kind::Untagged;
    } else {
        r.kind = Response::Kind::Tagged;
        r.tag = first;
    }
    auto word = rest.substr(0, rest.find(' '));
    auto upper = toLower(word);
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper == "OK" || upper == "NO" || upper == "BAD" || upper == "BYE" || upper == "PREAUTH") {
        r.status = upper;
        rest = rest.size() > word.size() ? rest.substr(word.size() + 1) : "";
    }
    r.text = rest;
}

}  // namespace

Result<std::optional<Response>> ResponseReader::next() {
    for (;;) {
        if (inLiteral_) {
            std::size_t available = buffer_.size() - consumed_;
            if (available < literalPending_) return std::optional<Response>{};
            partial_.text += "{#" + std::to_string(partial_.literals.size()) + "}";
            partial_.literals.emplace_back(buffer_, consumed_, literalPending_);
            consumed_ += literalPending_;
            inLiteral_ = false;
            literalPending_ = 0;
            continue;
        }
        // Resume the search for the line end where the last call stopped, so a
        // long line fed in small pieces is scanned once.
        auto nl = buffer_.find('\n', std::max(consumed_, searched_));
        if (nl == std::string::npos) {
            searched_ = buffer_.size();
            // The pending bytes may already hold the line's CR.
            if (buffer_.size() - consumed_ > limits_.maxLineBytes + 1)
                return fail("the server sent a line longer than " + std::to_string(limits_.maxLineBytes) + " bytes");
            if (consumed_ > buffer_.size() / 2) {
                buffer_.erase(0, consumed_);
                searched_ -= consumed_;
                consumed_ = 0;
            }
            return std::optional<Response>{};
        }
        std::size_t end = nl;
        if (end > consumed_ && buffer_[end - 1] == '\r') --end;
        std::string_view line(buffer_.data() + consumed_, end - consumed_);
        if (line.size() > limits_.maxLineBytes)
            return fail("the server sent a line longer than " + std::to_string(limits_.maxLineBytes) + " bytes");
        if (!inResponse_) {
            partial_ = Response{};
            inResponse_ = true;
        }
        auto announced = literalAnnouncement(line);
        if (announced.literal) {
            if (announced.tooLarge || announced.size > limits_.maxLiteralBytes)
                return fail("the server announced a literal larger than the limit of " +
                            std::to_string(limits_.maxLiteralBytes) + " bytes");
            if (partial_.literals.size() >= limits_.maxLiterals)
                return fail("the server sent more than " + std::to_string(limits_.maxLiterals) +
                            " literals in one response");
            auto open = line.rfind('{');
            partial_.text.append(line.substr(0, open));
            consumed_ = nl + 1;
            literalPending_ = announced.size;
            inLiteral_ = true;
            continue;
        }
        partial_.text.append(line);
        consumed_ = nl + 1;
        inResponse_ = false;
        Response done = std::move(partial_);
        partial_ = Response{};
        classify(done);
        if (consumed_ > buffer_.size() / 2) {
            buffer_.erase(0, consumed_);
            searched_ = 0;
            consumed_ = 0;
        }
        return std::optional<Response>{std::move(done)};
    }
}

namespace {

class Tokenizer {
public:
    Tokenizer(std::string_view text, const std::vector<std::string>& literals) : text_(text), literals_(literals) {}

    Result<std::vector<Token>> run() {
        std::vector<std::vector<Token>> stack(1);
        while (pos_ < text_.size()) {
            char c = text_[pos_];
            if (c == ' ') {
                ++pos_;
            } else if (c == '(') {
                if (stack.size() > 64) return fail("IMAP data nested too deeply");
                stack.emplace_back();
                ++pos_;
            } else if (c == ')') {
                if (stack.size() == 1) return fail("unbalanced ')' in IMAP data");
                Token list;
                list.type = Token::Type::List;
                list.items = std::move(stack.back());
                stack.pop_back();
                if (!add(stack.back(), std::move(list))) return fail("too many IMAP tokens");
                ++pos_;
            } else if (c == '"') {
                auto s = quoted();
                if (!s) return fail("unterminated quoted string in IMAP data");
                if (!add(stack.back(), Token{Token::Type::String, std::move(*s), {}}))
                    return fail("too many IMAP tokens");
            } else if (c == '{' && text_.substr(pos_, 2) == "{#") {
                auto close = text_.find('}', pos_);
                std::size_t index = 0;
                auto digits = text_.substr(pos_ + 2, close == std::string_view::npos ? 0 : close - pos_ - 2);
                auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
                if (close == std::string_view::npos || ec != std::errc{} || index >= literals_.size())
                    return fail("bad literal reference in IMAP data");
                pos_ = close + 1;
                if (!add(stack.back(), Token{Token::Type::String, literals_[index], {}}))
                    return fail("too many IMAP tokens");
            } else {
                auto a = atom();
                Token t{iequals(a, "NIL") ? Token::Type::Nil : Token::Type::Atom, std::move(a), {}};
                if (!add(stack.back(), std::move(t))) return fail("too many IMAP tokens");
            }
        }
        if (stack.size() != 1) return fail("unbalanced '(' in IMAP data");
        return std::move(stack.front());
    }

private:
    bool add(std::vector<Token>& list, Token t) {
        if (++count_ > 100000) return false;
        list.push_back(std::move(t));
        return true;
    }

    std::optional<std::string> quoted() {
        std::string out;
        ++pos_;
        while (pos_ < text_.size()) {
            char c = text_[pos_++];
            if (c == '\\' && pos_ < text_.size())
                out.push_back(text_[pos_++]);
            else if (c == '"')
                return out;
            else
                out.push_back(c);
        }
        return std::nullopt;
    }

    // An atom, with "[...]" sections and "<...>" partial specs kept inside it.
    std::string atom() {
        std::size_t start = pos_;
        int brackets = 0;
        while (pos_ < text_.size()) {
            char c = text_[pos_];
            if (c == '[')
                ++brackets;
            else if (c == ']' && brackets > 0)
                --brackets;
            else if (brackets == 0 && (c == ' ' || c == '(' || c == ')'))
                break;
            ++pos_;
        }
        return std::string(text_.substr(start, pos_ - start));
    }

    std::string_view text_;
    const std::vector<std::string>& literals_;
    std::size_t pos_ = 0;
    std::size_t count_ = 0;
};

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view text, const std::vector<std::string>& literals) {
    return Tokenizer(text, literals).run();
}

std::optional<std::string> responseCode(std::string_view statusText) {
    auto t = trim(statusText);
    if (t.empty() || t.front() != '[') return std::nullopt;
    auto close = t.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return std::string(t.substr(1, close - 1));
}

}  // namespace secmaild::imap
