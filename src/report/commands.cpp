// Maintainer actions: checking an Action against its verb, describing it for
// the audit log, and reading the command lines of a maintainer's signed mail.
// Nothing here looks up a report, applies an action or judges a signature;
// the service does that with the Actions this returns. One pass over the
// lines, each line looked at a bounded number of times, so hostile mail
// costs linear time and a number of errors bounded by maxCommands.
#include "secmaild/report/commands.hpp"

#include <array>
#include <chrono>
#include <utility>

#include "secmaild/util/strings.hpp"

namespace secmaild::report {

namespace {

constexpr std::array<std::pair<Verb, std::string_view>, 10> kVerbs{{
    {Verb::Ack, "ack"},
    {Verb::Assess, "assess"},
    {Verb::Fix, "fix"},
    {Verb::Release, "release"},
    {Verb::Disclose, "disclose"},
    {Verb::Close, "close"},
    {Verb::Reopen, "reopen"},
    {Verb::Assign, "assign"},
    {Verb::Note, "note"},
    {Verb::Reply, "reply"},
}};

constexpr std::array<std::string_view, 5> kSeverities{"none", "low", "medium", "high", "critical"};
constexpr std::size_t kMaxVersionBytes = 64;
// How much of a bad value an error message or a log line repeats.
constexpr std::size_t kEchoBytes = 64;
constexpr std::size_t kDescribeBytes = 256;

// The argument fields of an Action, by the key that sets them in mail.
struct Field {
    std::string_view key;
    std::string Action::*member;
};
constexpr std::array<Field, 6> kFields{{
    {"severity", &Action::severity},
    {"version", &Action::version},
    {"date", &Action::date},
    {"reason", &Action::reason},
    {"assignee", &Action::assignee},
    {"text", &Action::text},
}};

// The one field a verb takes, or nullptr for ack/fix/reopen (and unknown values).
const Field* fieldOf(Verb v) {
    std::string_view key;
    switch (v) {
        case Verb::Assess:
            key = "severity";
            break;
        case Verb::Release:
            key = "version";
            break;
        case Verb::Disclose:
            key = "date";
            break;
        case Verb::Close:
            key = "reason";
            break;
        case Verb::Assign:
            key = "assignee";
            break;
        case Verb::Note:
        case Verb::Reply:
            key = "text";
            break;
        default:
            return nullptr;
    }
    for (const auto& f : kFields)
        if (f.key == key) return &f;
    return nullptr;
}

bool isBlank(char c) {
    return c == ' ' || c == '\t';
}
bool isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool isAsciiDigit(char c) {
    return c >= '0' && c <= '9';
}
bool isAsciiAlnum(char c) {
    return isAsciiLetter(c) || isAsciiDigit(c);
}
bool isVersionChar(char c) {
    return isAsciiAlnum(c) || c == '.' || c == '_' || c == '+' || c == '~' || c == '-';
}

// Byte length of a character at s[i] that must not appear in a one-line
// argument, 0 otherwise: C0, DEL, C1 (U+0080..U+009F), the Unicode line and
// paragraph separators, and the bidi embedding/override/isolate controls that
// can make an audit line read differently from what it holds. Expects valid UTF-8.
std::size_t forbiddenLength(std::string_view s, std::size_t i) {
    auto b = [&](std::size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
    unsigned c = b(i);
    if (c < 0x20 || c == 0x7f) return 1;
    if (c == 0xc2 && b(i + 1) >= 0x80 && b(i + 1) <= 0x9f) return 2;
    if (c == 0xe2 && b(i + 1) == 0x80 && b(i + 2) >= 0xa8 && b(i + 2) <= 0xae) return 3;  // U+2028..U+202E
    if (c == 0xe2 && b(i + 1) == 0x81 && b(i + 2) >= 0xa6 && b(i + 2) <= 0xa9) return 3;  // U+2066..U+2069
    return 0;
}

// At most `max` bytes of s, safe for one log line: invalid UTF-8 becomes
// U+FFFD, forbidden characters become \xNN, '"' and '\' are escaped.
std::string escaped(std::string_view s, std::size_t max) {
    bool cut = s.size() > max;
    std::string clean = sanitizeUtf8(utf8Prefix(s, max));
    std::string out;
    out.reserve(clean.size() + 8);
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (std::size_t i = 0; i < clean.size();) {
        std::size_t bad = forbiddenLength(clean, i);
        if (bad > 0) {
            for (std::size_t k = 0; k < bad; ++k) {
                auto c = static_cast<unsigned char>(clean[i + k]);
                out += "\\x";
                out.push_back(kHex[c >> 4]);
                out.push_back(kHex[c & 0xf]);
            }
            i += bad;
            continue;
        }
        if (clean[i] == '"' || clean[i] == '\\') out.push_back('\\');
        out.push_back(clean[i]);
        ++i;
    }
    if (cut) out += "...";
    return out;
}

std::string quoted(std::string_view s, std::size_t max = kEchoBytes) {
    return "\"" + escaped(s, max) + "\"";
}

bool isPlainToken(std::string_view s) {
    if (s.empty() || s.size() > kDescribeBytes) return false;
    for (char c : s)
        if (!isVersionChar(c)) return false;
    return true;
}

bool isSeverity(std::string_view s) {
    for (auto name : kSeverities)
        if (iequals(s, name)) return true;
    return false;
}

bool isVersion(std::string_view s) {
    if (s.empty() || s.size() > kMaxVersionBytes) return false;
    for (char c : s)
        if (!isVersionChar(c)) return false;
    return true;
}

int digitsValue(std::string_view s) {
    int v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    return v;
}

bool isCalendarDate(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (i != 4 && i != 7 && !isAsciiDigit(s[i])) return false;
    std::chrono::year_month_day ymd{std::chrono::year{digitsValue(s.substr(0, 4))},
                                    std::chrono::month{static_cast<unsigned>(digitsValue(s.substr(5, 2)))},
                                    std::chrono::day{static_cast<unsigned>(digitsValue(s.substr(8, 2)))}};
    return ymd.ok();
}

// "SEC-2026-0004", "PL-2026-12": prefix, four-digit year, number.
bool isReportId(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && isAsciiAlnum(s[i])) ++i;
    if (i == 0 || i > 32 || i >= s.size() || s[i] != '-') return false;
    auto rest = s.substr(i + 1);
    if (rest.size() < 6 || rest[4] != '-') return false;
    for (std::size_t k = 0; k < 4; ++k)
        if (!isAsciiDigit(rest[k])) return false;
    auto number = rest.substr(5);
    if (number.empty() || number.size() > 12) return false;
    for (char c : number)
        if (!isAsciiDigit(c)) return false;
    return true;
}

std::string withValue(std::string sentence, std::string_view value) {
    if (!value.empty()) sentence += ", not " + quoted(value);
    return sentence;
}

std::string textTooLong(Verb v, std::size_t size, std::size_t max) {
    return std::string(verbName(v)) + " text is " + std::to_string(size) + " bytes; at most " + std::to_string(max) +
           " are allowed";
}

std::optional<std::string> argProblem(Verb v, std::string_view key, std::string_view value, std::size_t max) {
    std::string subject = std::string(verbName(v)) + " " + std::string(key);
    std::string rule = "one line of 1 to " + std::to_string(max) + " bytes of UTF-8 text without control characters";
    if (trim(value).empty()) return std::string(verbName(v)) + " needs " + std::string(key) + "=\"...\": " + rule;
    if (value.size() > max)
        return subject + " is " + std::to_string(value.size()) + " bytes; at most " + std::to_string(max) +
               " are allowed";
    if (!isValidUtf8(value)) return subject + " is not valid UTF-8";
    for (std::size_t i = 0; i < value.size(); ++i)
        if (forbiddenLength(value, i) > 0) return subject + " contains a line break or control character; " + rule;
    return std::nullopt;
}

std::optional<std::string> textProblem(Verb v, std::string_view text, std::size_t max) {
    std::string verb(verbName(v));
    if (trim(text).empty())
        return verb + " needs text: up to " + std::to_string(max) + " bytes of UTF-8, not only blanks";
    if (text.size() > max) return textTooLong(v, text.size(), max);
    if (!isValidUtf8(text)) return verb + " text is not valid UTF-8";
    return std::nullopt;
}

std::optional<std::string> valueProblem(const Action& a, const ActionLimits& limits) {
    switch (a.verb) {
        case Verb::Assess:
            if (isSeverity(a.severity)) return std::nullopt;
            return withValue("assess needs severity=none|low|medium|high|critical", a.severity);
        case Verb::Release:
            if (isVersion(a.version)) return std::nullopt;
            return withValue("release needs version=V, 1 to 64 characters of A-Z a-z 0-9 . _ + ~ -", a.version);
        case Verb::Disclose:
            if (isCalendarDate(a.date)) return std::nullopt;
            return withValue("disclose needs date=YYYY-MM-DD, a real calendar date", a.date);
        case Verb::Close:
            return argProblem(a.verb, "reason", a.reason, limits.maxArgBytes);
        case Verb::Assign:
            return argProblem(a.verb, "assignee", a.assignee, limits.maxArgBytes);
        case Verb::Note:
        case Verb::Reply:
            return textProblem(a.verb, a.text, limits.maxTextBytes);
        default:
            return std::nullopt;
    }
}

// "ack, assess, ..., reply": the verbs, for messages.
std::string verbList() {
    std::string out;
    for (auto [v, name] : kVerbs) {
        (void)v;
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out;
}

std::string at(std::size_t lineNo, std::string_view message) {
    return "line " + std::to_string(lineNo) + ": " + std::string(message);
}

// ---- mail syntax ----

struct CommandLine {
    std::string_view word;  // after '#', up to the first blank
    std::string_view rest;  // the rest of the line, trimmed
};

std::optional<CommandLine> commandLine(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && isBlank(line[i])) ++i;
    if (i + 1 >= line.size() || line[i] != '#' || !isAsciiLetter(line[i + 1])) return std::nullopt;
    std::size_t start = i + 1, end = start;
    while (end < line.size() && !isBlank(line[end])) ++end;
    return CommandLine{line.substr(start, end - start), trim(line.substr(end))};
}

bool isEndWord(std::string_view word) {
    return iequals(word, "end");
}
bool isReportWord(std::string_view word) {
    return iequals(word, "report");
}

bool isSignatureSeparator(std::string_view line) {
    // OpenPGP clearsigning strips trailing blanks (RFC 4880 7.1), so "-- " arrives as "--".
    return line == "-- " || line == "--";
}

// What ends a #note/#reply text: #end, a known command, a signature separator.
bool endsText(std::string_view line) {
    if (isSignatureSeparator(line)) return true;
    auto cl = commandLine(line);
    return cl && (verbFromName(cl->word) || isEndWord(cl->word) || isReportWord(cl->word));
}

// A double-quoted value starting at s[pos] == '"'; pos ends after the closing
// quote. \" and \\ are escapes; any other backslash is kept as written.
std::optional<std::string> readQuoted(std::string_view s, std::size_t& pos) {
    std::string out;
    for (std::size_t i = pos + 1; i < s.size(); ++i) {
        char c = s[i];
        if (c == '"') {
            pos = i + 1;
            return out;
        }
        if (c == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) c = s[++i];
        out.push_back(c);
    }
    return std::nullopt;
}

// Length of "key" when s starts with `key=` (key: a letter, then letters, digits, '_', '-'), else 0.
std::size_t keyLength(std::string_view s) {
    if (s.empty() || !isAsciiLetter(s[0])) return 0;
    std::size_t i = 1;
    while (i < s.size() && (isAsciiAlnum(s[i]) || s[i] == '_' || s[i] == '-')) ++i;
    return i < s.size() && s[i] == '=' ? i : 0;
}

struct Token {
    std::string_view key;  // empty for a bare value
    std::string value;
};

struct Tokens {
    std::vector<Token> tokens;
    std::optional<std::string> error;
};

Tokens tokenize(std::string_view s) {
    Tokens out;
    std::size_t pos = 0;
    while (true) {
        while (pos < s.size() && isBlank(s[pos])) ++pos;
        if (pos >= s.size()) return out;
        Token t;
        if (auto k = keyLength(s.substr(pos)); k > 0) {
            t.key = s.substr(pos, k);
            pos += k + 1;
        }
        if (pos < s.size() && s[pos] == '"') {
            auto v = readQuoted(s, pos);
            if (!v) {
                out.error = "a quoted value has no closing quote";
                return out;
            }
            if (pos < s.size() && !isBlank(s[pos])) {
                out.error = "text right after a closing quote (leave a blank between values)";
                return out;
            }
            t.value = std::move(*v);
        } else {
            std::size_t start = pos;
            while (pos < s.size() && !isBlank(s[pos])) ++pos;
            t.value = std::string(s.substr(start, pos - start));
        }
        out.tokens.push_back(std::move(t));
    }
}

class Parser {
public:
    Parser(std::string_view text, const ActionLimits& limits) : lines_(splitLines(text)), limits_(limits) {}

    MailCommands run() {
        std::size_t i = 0;
        while (i < lines_.size()) {
            auto cl = commandLine(lines_[i]);
            if (!cl) {
                ++i;
                continue;
            }
            out_.sawCommand = true;
            std::size_t lineNo = i + 1;
            if (++commands_ > limits_.maxCommands) {
                error(lineNo, "more than " + std::to_string(limits_.maxCommands) +
                                  " commands in one mail; this one and the rest are ignored");
                break;
            }
            auto verb = verbFromName(cl->word);
            if (verb && (*verb == Verb::Note || *verb == Verb::Reply)) {
                i = textCommand(*verb, cl->rest, i);
                continue;
            }
            if (verb)
                argCommand(*verb, cl->rest, lineNo);
            else if (isReportWord(cl->word))
                reportCommand(cl->rest, lineNo);
            else if (isEndWord(cl->word))
                error(lineNo, "#end without a #note or #reply before it");
            else
                error(lineNo, "unknown command #" + escaped(cl->word, 32) + " (known: " + verbList() + ", report)");
            ++i;
        }
        return std::move(out_);
    }

private:
    void error(std::size_t lineNo, std::string_view message) { out_.errors.push_back(at(lineNo, message)); }

    void accept(Action a, std::size_t lineNo) {
        if (auto problem = actionProblem(a, limits_)) return error(lineNo, *problem);
        out_.actions.push_back(std::move(a));
    }

    void argCommand(Verb verb, std::string_view rest, std::size_t lineNo) {
        std::string name(verbName(verb));
        const Field* own = fieldOf(verb);
        Action a;
        a.verb = verb;
        if (!own) {
            if (!rest.empty()) return error(lineNo, "#" + name + " takes no arguments");
            return accept(std::move(a), lineNo);
        }
        if (!rest.empty() && keyLength(rest) == 0) {
            auto bare = bareValue(verb, rest, lineNo);
            if (!bare) return;
            a.*(own->member) = std::move(*bare);
        } else {
            auto tokens = tokenize(rest);
            if (tokens.error) return error(lineNo, "#" + name + ": " + *tokens.error);
            bool seen = false;
            for (auto& t : tokens.tokens) {
                if (t.key.empty())
                    return error(lineNo, "#" + name + ": " + quoted(t.value) + " needs a key (" +
                                             std::string(own->key) + "=...)");
                if (!iequals(t.key, own->key)) {
                    bool known = false;
                    for (const auto& f : kFields) known = known || iequals(t.key, f.key);
                    return error(lineNo, (known ? "#" + name + " does not take " : "unknown key ") +
                                             escaped(t.key, 32) + "= (#" + name + " takes " + std::string(own->key) +
                                             "=)");
                }
                if (seen) return error(lineNo, "#" + name + " gives " + std::string(own->key) + "= twice");
                seen = true;
                a.*(own->member) = std::move(t.value);
            }
        }
        normalizeAction(a);
        accept(std::move(a), lineNo);
    }

    // The shorthand `#assess high`, `#close duplicate of SEC-2026-0001`.
    std::optional<std::string> bareValue(Verb verb, std::string_view rest, std::size_t lineNo) {
        bool restOfLine = verb == Verb::Close || verb == Verb::Assign;
        if (restOfLine && rest.front() != '"') return std::string(rest);
        auto tokens = tokenize(rest);
        std::string name(verbName(verb));
        if (tokens.error) {
            error(lineNo, "#" + name + ": " + *tokens.error);
            return std::nullopt;
        }
        if (tokens.tokens.size() != 1 || !tokens.tokens[0].key.empty()) {
            error(lineNo, "#" + name + " takes one value, not several (quote it, or give " +
                              std::string(fieldOf(verb)->key) + "=\"...\")");
            return std::nullopt;
        }
        return std::move(tokens.tokens[0].value);
    }

    void reportCommand(std::string_view rest, std::size_t lineNo) {
        if (!isReportId(rest))
            return error(lineNo, rest.empty() ? std::string("#report needs a report id like SEC-2026-0004")
                                              : "#report needs a report id like SEC-2026-0004, not " + quoted(rest));
        if (!out_.reportId) {
            out_.reportId = std::string(rest);
            reportLine_ = lineNo;
        } else if (!iequals(*out_.reportId, rest)) {
            error(lineNo, "#report names " + std::string(rest) + ", but line " + std::to_string(reportLine_) +
                              " named " + *out_.reportId + " (one report per mail)");
        }
    }

    // #note / #reply on line index `i`; returns the index of the next line to read.
    std::size_t textCommand(Verb verb, std::string_view inline_, std::size_t i) {
        std::size_t lineNo = i + 1;
        std::size_t j = i + 1;
        while (j < lines_.size() && !endsText(lines_[j])) ++j;
        std::size_t next = j;
        if (j < lines_.size()) {
            auto cl = commandLine(lines_[j]);
            if (cl && isEndWord(cl->word)) {
                if (!cl->rest.empty()) error(j + 1, "#end takes nothing after it");
                next = j + 1;
            }
        }
        // Pieces: the rest of the command line, then lines i+1 .. j-1.
        auto piece = [&](std::size_t k) { return k == 0 ? inline_ : lines_[i + k]; };
        std::size_t lo = 0, hi = j - i;
        while (lo < hi && trim(piece(lo)).empty()) ++lo;
        while (hi > lo && trim(piece(hi - 1)).empty()) --hi;
        std::size_t size = 0;
        for (std::size_t k = lo; k < hi; ++k) size += piece(k).size() + (k > lo ? 1 : 0);
        if (size > limits_.maxTextBytes) {
            // Refused before it is copied: a text block may be most of a 10 MB mail.
            error(lineNo, textTooLong(verb, size, limits_.maxTextBytes));
            return next;
        }
        Action a;
        a.verb = verb;
        a.text.reserve(size);
        for (std::size_t k = lo; k < hi; ++k) {
            if (k > lo) a.text.push_back('\n');
            a.text.append(piece(k));
        }
        accept(std::move(a), lineNo);
        return next;
    }

    std::vector<std::string_view> lines_;
    const ActionLimits& limits_;
    MailCommands out_;
    std::size_t commands_ = 0;
    std::size_t reportLine_ = 0;
};

}  // namespace

std::string_view verbName(Verb v) {
    for (auto [value, name] : kVerbs)
        if (value == v) return name;
    return "unknown";
}

std::optional<Verb> verbFromName(std::string_view name) {
    for (auto [value, n] : kVerbs)
        if (iequals(n, name)) return value;
    return std::nullopt;
}

const std::vector<Verb>& allVerbs() {
    static const std::vector<Verb> verbs = [] {
        std::vector<Verb> out;
        for (auto [value, name] : kVerbs) {
            (void)name;
            out.push_back(value);
        }
        return out;
    }();
    return verbs;
}

std::optional<std::string> actionProblem(const Action& a, const ActionLimits& limits) {
    if (verbName(a.verb) == "unknown") return "unknown verb (known: " + verbList() + ")";
    if (auto p = valueProblem(a, limits)) return p;
    // Whatever a hand-built Action carries beyond its verb's field is refused,
    // so that secmailctl cannot record a version on an assessment.
    const Field* own = fieldOf(a.verb);
    std::string name(verbName(a.verb));
    for (const auto& f : kFields) {
        if (&f == own || (a.*(f.member)).empty()) continue;
        if (!own) return name + " takes no arguments (it was given " + std::string(f.key) + ")";
        return name + " does not take " + std::string(f.key) + " (it takes " + std::string(own->key) + ")";
    }
    return std::nullopt;
}

void normalizeAction(Action& a) {
    a.severity = toLower(a.severity);
}

std::string describeAction(const Action& a) {
    std::string out(verbName(a.verb));
    for (const auto& f : kFields) {
        const std::string& value = a.*(f.member);
        if (f.key == "text" || value.empty()) continue;
        bool alwaysQuote = f.key == "reason" || f.key == "assignee";
        out += ' ';
        out += f.key;
        out += '=';
        out += (alwaysQuote || !isPlainToken(value)) ? quoted(value, kDescribeBytes) : value;
    }
    if (a.verb == Verb::Note || a.verb == Verb::Reply)
        out += " (" + std::to_string(a.text.size()) + " bytes)";
    else if (!a.text.empty())
        out += " text=(" + std::to_string(a.text.size()) + " bytes)";
    return out;
}

MailCommands parseMailCommands(std::string_view signedText, const ActionLimits& limits) {
    return Parser(signedText, limits).run();
}

}  // namespace secmaild::report
