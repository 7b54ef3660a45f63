// Recognisers for fields written as prose rather than under a label: what an
// attacker can do (impact), a suggested fix (mitigation), credit and contact
// requests, and version mentions. They match short word sequences on a
// tokenised copy of each sentence, by hand and without std::regex, so they are
// linear in the text. They do not split a report into sections; fields.cpp
// decides which text they see.
#include <algorithm>
#include <unordered_map>

#include "field_internal.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::report::detail {

namespace {

constexpr std::size_t kMaxSentenceBytes = 1000;    // one reported sentence, cut beyond
constexpr std::size_t kMaxPhraseValueBytes = 200;  // a credit name or contact address
constexpr std::size_t kMaxScanWindow = 8192;       // bytes of one sentence tokenised at a time

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}
bool isAsciiAlpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool isAsciiAlnum(char c) {
    return isDigit(c) || isAsciiAlpha(c);
}
char lowerAscii(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool inList(std::string_view word, std::initializer_list<std::string_view> list) {
    return std::find(list.begin(), list.end(), word) != list.end();
}
template <std::size_t N>
bool inList(std::string_view word, const std::string_view (&list)[N]) {
    return std::find(std::begin(list), std::end(list), word) != std::end(list);
}

// ---- tokens ----

struct Token {
    std::size_t begin = 0;
    std::size_t end = 0;
    std::string word;  // lower-case; a typographic apostrophe becomes '
};

// U+2010..U+203F (dashes, quotes, bullets) separate words; U+2019 is an apostrophe.
bool isPunctuationSequence(std::string_view s, std::size_t i) {
    return i + 2 < s.size() && s[i] == '\xE2' && (s[i + 1] == '\x80' || s[i + 1] == '\x81');
}
bool isApostropheAt(std::string_view s, std::size_t i) {
    return s[i] == '\'' || (i + 2 < s.size() && s.substr(i, 3) == "\xE2\x80\x99");
}
bool isWordByte(std::string_view s, std::size_t i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) return !isPunctuationSequence(s, i);
    return isAsciiAlnum(static_cast<char>(c));
}

std::vector<Token> tokenize(std::string_view s) {
    std::vector<Token> tokens;
    std::size_t i = 0;
    while (i < s.size()) {
        if (!isWordByte(s, i)) {
            i += isPunctuationSequence(s, i) ? 3 : 1;
            continue;
        }
        Token t;
        t.begin = i;
        while (i < s.size()) {
            if (isWordByte(s, i)) {
                t.word.push_back(lowerAscii(s[i]));
                ++i;
            } else if (isApostropheAt(s, i) && !t.word.empty()) {
                std::size_t len = s[i] == '\'' ? 1 : 3;
                if (i + len >= s.size() || !isWordByte(s, i + len)) break;
                t.word.push_back('\'');
                i += len;
            } else {
                break;
            }
        }
        t.end = i;
        tokens.push_back(std::move(t));
    }
    return tokens;
}

// ---- sentences ----

bool isAbbreviationBefore(std::string_view s, std::size_t dot) {
    std::size_t b = dot;
    while (b > 0 && isAsciiAlpha(s[b - 1])) --b;
    std::string word = toLower(s.substr(b, dot - b));
    if (word.size() == 1) return true;  // an initial: "J. Doe"
    for (std::string_view a :
         {"eg", "ie", "etc", "vs", "mr", "mrs", "ms", "dr", "st", "no", "approx", "incl", "fig", "cf"})
        if (word == a) return true;
    return b > 0 && s[b - 1] == '.';  // "e.g."
}

// Calls visit(sentence) for each non-blank sentence. Sentences end at ". ",
// "! ", "? " (not after an abbreviation, not before a lower-case word), at a
// blank line, after a line ending in ':' and before a line starting a list item.
template <class Visit>
void forEachSentence(std::string_view s, Visit visit) {
    std::size_t start = 0;
    auto emit = [&](std::size_t end) {
        std::string_view piece = s.substr(start, end - start);
        if (!trim(piece).empty()) visit(piece);
        start = end;
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '\n') {
            std::size_t j = i + 1;
            while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
            bool blank = j >= s.size() || s[j] == '\n';
            bool item = j < s.size() && (s[j] == '-' || s[j] == '*' || s[j] == '+' || isDigit(s[j]));
            bool afterColon = i > 0 && s[i - 1] == ':';
            if (blank || item || afterColon) emit(i + 1);
            continue;
        }
        if ((c == '.' || c == '!' || c == '?') && i + 1 < s.size() && isSpace(s[i + 1])) {
            std::size_t j = i + 1;
            while (j < s.size() && isSpace(s[j])) ++j;
            if (j < s.size() && s[j] >= 'a' && s[j] <= 'z') continue;
            if (c == '.' && isAbbreviationBefore(s, i)) continue;
            emit(i + 1);
        }
    }
    emit(s.size());
}

// A sentence without punctuation can be megabytes long; it is looked at in
// windows cut at a space, so that its tokens take bounded memory. A phrase
// split by a cut is missed, which only happens to such monsters.
template <class Visit>
void forEachWindow(std::string_view sentence, Visit visit) {
    while (sentence.size() > kMaxScanWindow) {
        std::size_t cut = sentence.rfind(' ', kMaxScanWindow);
        if (cut == std::string_view::npos || cut == 0) cut = utf8Prefix(sentence, kMaxScanWindow).size();
        if (cut == 0) cut = kMaxScanWindow;
        visit(sentence.substr(0, cut));
        sentence.remove_prefix(cut);
    }
    visit(sentence);
}

// ---- phrase patterns ----

// A pattern is written as words separated by spaces; "a|b" is either word, a
// trailing '?' makes a slot optional and "*" matches any one word.
struct Slot {
    std::vector<std::string> words;
    bool optional = false;
    bool any = false;
};
using Pattern = std::vector<Slot>;

Pattern compile(std::string_view text) {
    Pattern p;
    for (auto part : split(text, ' ')) {
        if (part.empty()) continue;
        Slot slot;
        if (part.back() == '?') {
            slot.optional = true;
            part.remove_suffix(1);
        }
        if (part == "*") slot.any = true;
        for (auto w : split(part, '|'))
            if (!slot.any) slot.words.emplace_back(w);
        p.push_back(std::move(slot));
    }
    return p;
}

class PhraseSet {
public:
    explicit PhraseSet(std::initializer_list<std::string_view> patterns) {
        for (auto text : patterns) {
            patterns_.push_back(compile(text));
            // The first slot is never optional or a wildcard: it indexes the pattern.
            for (const auto& w : patterns_.back().front().words) byFirstWord_[w].push_back(patterns_.size() - 1);
        }
    }

    // The token index just past the first match starting at or after `from`,
    // with its start in *matchBegin; nullopt if none.
    std::optional<std::size_t> find(const std::vector<Token>& tokens, std::size_t from,
                                    std::size_t* matchBegin = nullptr) const {
        for (std::size_t k = from; k < tokens.size(); ++k) {
            auto it = byFirstWord_.find(tokens[k].word);
            if (it == byFirstWord_.end()) continue;
            for (std::size_t index : it->second) {
                std::size_t end = 0;
                if (matchAt(patterns_[index], 1, tokens, k + 1, &end)) {
                    if (matchBegin) *matchBegin = k;
                    return end;
                }
            }
        }
        return std::nullopt;
    }

private:
    // Backtracks over optional slots only; patterns have at most a few.
    static bool matchAt(const Pattern& p, std::size_t slot, const std::vector<Token>& tokens, std::size_t k,
                        std::size_t* end) {
        if (slot == p.size()) {
            *end = k;
            return true;
        }
        const Slot& s = p[slot];
        if (k < tokens.size() &&
            (s.any || std::find(s.words.begin(), s.words.end(), tokens[k].word) != s.words.end()) &&
            matchAt(p, slot + 1, tokens, k + 1, end))
            return true;
        return s.optional && matchAt(p, slot + 1, tokens, k, end);
    }

    std::vector<Pattern> patterns_;
    std::unordered_map<std::string, std::vector<std::size_t>> byFirstWord_;
};

const PhraseSet& impactPhrases() {
    static const PhraseSet set{
        "attacker|attackers|adversary|adversaries|hacker|hackers can|could|may|might|will",
        // "an attacker who has stolen a key could ...", "an attacker with network access can ..."
        "attacker|attackers|adversary|adversaries who|that|with|on|in * *? *? *? *? can|could|may|might|will",
        "attacker|attackers|adversary|adversaries|hacker|hackers is|are|would|will|could|may|might be? able",
        "malicious user|users|actor|actors|party|website|site|page can|could|may|might|will",
        "allow|allows|allowed|allowing|let|lets|letting|enable|enables|enabling|permit|permits|permitting *? *? *? "
        "attacker|attackers|adversary|adversaries|hacker|hackers",
        "could|can|may|might|will|would lead|result to|in",
        "leads|results|leading|resulting to|in",
    };
    return set;
}

const PhraseSet& mitigationPhrases() {
    static const PhraseSet set{
        "fix|solution|mitigation|workaround|remedy|remediation would|could|might|may be",
        "fix|solution|mitigation|workaround|remedy|remediation is to",
        "can|could|may|might|should be fixed|mitigated|prevented|resolved|addressed|remediated|avoided "
        "by|with|using|via",
        "i|we suggest|recommend|propose|advise",
        "i'd|we'd suggest|recommend|propose|advise",
        "i|we would suggest|recommend|propose|advise",
        "my suggestion|recommendation",
        "suggested|recommended|proposed|possible fix|mitigation|remediation|solution|workaround",
        "should|must validate|escape|sanitize|sanitise|check|verify|reject|filter|encode|restrict|limit|enforce|use|"
        "upgrade|update|strip|quote|normalize|normalise|disable|remove|require|implement|add|apply",
        "should|must be validated|escaped|sanitized|sanitised|checked|verified|rejected|filtered|encoded|restricted|"
        "limited|enforced|quoted|normalized|normalised|disabled|removed|updated|upgraded|patched",
        "to fix|mitigate|remediate|prevent|address this|it|that|the",
        "as a workaround",
        "consider using|adding|validating|escaping|sanitizing|sanitising|enforcing|restricting|upgrading|"
        "implementing|disabling|removing|encoding",
    };
    return set;
}

const PhraseSet& creditNamePhrases() {
    static const PhraseSet set{
        "credit|acknowledge|mention|list|name|thank me as|with",
        "credited|acknowledged|listed|mentioned as",
        "credit goes|should to",
        "give credit to",
    };
    return set;
}

const PhraseSet& anonymousPhrases() {
    static const PhraseSet set{
        "remain|stay|be anonymous",
        "keep me anonymous",
        "kept anonymous",
        "prefer anonymity",
        "no credit",
        "don't|dont credit me",
        "do not credit me",
        "not be credited|named|mentioned",
        "no need to credit",
        "don't|dont need credit",
        "do not need credit",
    };
    return set;
}

const PhraseSet& contactPhrases() {
    static const PhraseSet set{
        "reach|contact|email|mail|ping me at|via|on|by|through|using",
        "be reached at|via|on|by|through",
        "i'm|i am reachable at|via|on|by",
        "my email|mail address? is",
        "my e mail address? is",
        "my contact is",
        "write to me at",
    };
    return set;
}

// ---- values after a phrase ----

// From `from` to the end of the line or sentence: the name or address a
// phrase introduces, with trailing punctuation and quotes removed.
std::string phraseValue(std::string_view sentence, std::size_t from, bool stopAtComma) {
    std::string_view rest = sentence.substr(std::min(from, sentence.size()));
    auto newline = rest.find('\n');
    if (newline != std::string_view::npos) rest = rest.substr(0, newline);
    if (stopAtComma) {
        auto cut = rest.find_first_of(",;");
        if (cut != std::string_view::npos) rest = rest.substr(0, cut);
    }
    rest = trim(rest);
    while (!rest.empty() && std::string_view(".,;:!\"'").find(rest.back()) != std::string_view::npos)
        rest.remove_suffix(1);
    while (!rest.empty() && (rest.front() == ':' || rest.front() == '"' || rest.front() == '\'')) rest.remove_prefix(1);
    return std::string(trim(utf8Prefix(rest, kMaxPhraseValueBytes)));
}

bool looksLikeContact(std::string_view v) {
    if (v.find('@') != std::string_view::npos || v.find("://") != std::string_view::npos) return true;
    std::size_t digits = 0;
    for (char c : v) digits += isDigit(c) ? 1 : 0;
    if (digits >= 6) return true;
    for (std::string_view service : {"signal", "keybase", "matrix", "telegram", "twitter", "mastodon", "discord",
                                     "linkedin", "xmpp", "wire", "threema", "session"})
        if (icontains(v, service)) return true;
    return false;
}

std::string sentenceText(std::string_view sentence) {
    std::string out(trim(utf8Prefix(sentence, kMaxSentenceBytes)));
    for (char& c : out)
        if (c == '\n' || c == '\t' || c == '\r') c = ' ';
    return out;
}

void appendSentence(std::string& out, std::string_view sentence, std::size_t cap) {
    if (out.size() >= cap) return;
    if (!out.empty()) out.push_back(' ');
    out += sentenceText(sentence);
    if (out.size() > cap) out.resize(utf8Prefix(out, cap).size());
}

// "please credit me as X" -> X, "I'd like to remain anonymous" -> "anonymous".
std::optional<std::string> creditIn(std::string_view sentence, const std::vector<Token>& tokens) {
    std::size_t nameAt = 0;
    std::size_t anonAt = 0;
    auto name = creditNamePhrases().find(tokens, 0, &nameAt);
    auto anon = anonymousPhrases().find(tokens, 0, &anonAt);
    // "no credit card" is not a request for anonymity.
    if (anon && *anon < tokens.size() && tokens[*anon - 1].word == "credit" &&
        inList(tokens[*anon].word, {"card", "cards", "check", "score", "history", "limit"}))
        anon.reset();
    if (anon && (!name || anonAt <= nameAt)) return std::string("anonymous");
    if (name) {
        auto value = phraseValue(sentence, tokens[*name - 1].end, true);
        if (!value.empty()) return value;
    }
    return std::nullopt;
}

std::optional<std::string> contactIn(std::string_view sentence, const std::vector<Token>& tokens) {
    std::size_t from = 0;
    while (auto end = contactPhrases().find(tokens, from)) {
        auto value = phraseValue(sentence, tokens[*end - 1].end, false);
        if (looksLikeContact(value)) return value;
        from = *end;
    }
    return std::nullopt;
}

// ---- versions ----

struct VersionToken {
    std::size_t begin = 0;  // at the 'v' if any
    std::size_t end = 0;
    std::size_t dots = 0;
    bool wildcard = false;
    bool vPrefix = false;
};

bool isWordChar(char c) {
    return isAsciiAlnum(c) || c == '_';
}

// A version token at `i`: [v]digits(.digits|.x)*[-suffix|+build|rc1].
std::optional<VersionToken> versionTokenAt(std::string_view s, std::size_t i) {
    if (i > 0 && (isWordChar(s[i - 1]) || s[i - 1] == '.')) return std::nullopt;
    VersionToken t;
    t.begin = i;
    std::size_t j = i;
    if (j < s.size() && (s[j] == 'v' || s[j] == 'V')) {
        t.vPrefix = true;
        ++j;
    }
    std::size_t digits = j;
    while (j < s.size() && isDigit(s[j]) && j - digits < 9) ++j;
    if (j == digits) return std::nullopt;
    while (j + 1 < s.size() && s[j] == '.' && t.dots < 5) {
        char next = s[j + 1];
        if (isDigit(next)) {
            j += 1;
            while (j < s.size() && isDigit(s[j])) ++j;
        } else if ((next == 'x' || next == 'X' || next == '*') && (j + 2 >= s.size() || !isWordChar(s[j + 2]))) {
            j += 2;
            t.wildcard = true;
        } else {
            break;
        }
        ++t.dots;
    }
    // Pre-release and build suffixes: "-rc1", "+build.5", "rc1", "b2".
    std::size_t suffixStart = j;
    if (j + 1 < s.size() && ((s[j] == '-' && isAsciiAlpha(s[j + 1])) || (s[j] == '+' && isAsciiAlnum(s[j + 1])))) ++j;
    if (j < s.size() && isAsciiAlpha(s[j]) && (j > suffixStart || t.dots > 0)) {
        while (j < s.size() && j - suffixStart < 30 && (isAsciiAlnum(s[j]) || s[j] == '.')) ++j;
        while (j > suffixStart && s[j - 1] == '.') --j;
    } else {
        j = suffixStart;
    }
    if (j < s.size() && isWordChar(s[j])) return std::nullopt;
    t.end = j;
    return t;
}

// Up to three words before `pos` on the same line, nearest first, lower-case;
// symbols such as "<=" count as words.
std::vector<std::pair<std::string, std::size_t>> wordsBefore(std::string_view s, std::size_t pos) {
    std::vector<std::pair<std::string, std::size_t>> out;
    std::size_t i = pos;
    std::size_t limit = pos > 60 ? pos - 60 : 0;
    while (out.size() < 3 && i > limit) {
        while (i > limit && (s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == ':' || s[i - 1] == '(' ||
                             s[i - 1] == '"' || s[i - 1] == ','))
            --i;
        if (i == limit || s[i - 1] == '\n') break;
        std::size_t end = i;
        if (s[i - 1] == '=' || s[i - 1] == '<' || s[i - 1] == '>') {
            while (i > limit && (s[i - 1] == '=' || s[i - 1] == '<' || s[i - 1] == '>')) --i;
        } else if (isAsciiAlpha(s[i - 1])) {
            while (i > limit && isAsciiAlpha(s[i - 1])) --i;
        } else {
            break;
        }
        out.emplace_back(toLower(s.substr(i, end - i)), i);
    }
    return out;
}

constexpr std::string_view kStrongCues[] = {"version", "versions", "ver",       "release", "releases",
                                            "affects", "affected", "affecting", "tested",  "build"};
// Words that may sit between a cue and the number ("versions up to 1.2.3").
constexpr std::string_view kWeakCues[] = {"in",      "on",  "before", "after", "since", "until", "through",
                                          "from",    "to",  "up",     "upto",  "below", "above", "prior",
                                          "the",     "all", "any",    "is",    "are",   "was",   "latest",
                                          "current", "and", "or",     "<",     "<=",    ">",     ">="};
// Numbers that are versions of something else.
constexpr std::string_view kOtherProducts[] = {
    "cvss", "tls",    "ssl",    "http",    "https", "oauth", "python",  "node",   "nodejs",  "java",   "php",
    "ruby", "ubuntu", "debian", "windows", "macos", "ios",   "android", "chrome", "firefox", "kernel", "linux"};
// Qualifiers kept in the value: "before 0.2.4" is not "0.2.4".
constexpr std::string_view kQualifiers[] = {"before", "below", "until", "prior", "up",   "<",
                                            "<=",     ">",     ">=",    "since", "after"};

bool qualifies(std::string_view s, const VersionToken& t, std::size_t* valueBegin) {
    auto before = wordsBefore(s, t.begin);
    *valueBegin = t.begin;
    if (!before.empty() && inList(before[0].first, kOtherProducts)) return false;
    // "up to"/"prior to": the qualifier is the word before "to".
    for (std::size_t k = 0; k < before.size() && k < 2; ++k) {
        if (inList(before[k].first, kQualifiers)) *valueBegin = before[k].second;
        if (before[k].first != "to") break;
    }
    // "/api/v1/", "?v=2", "file_1.2": parts of paths and identifiers.
    if (t.begin > 0 && std::string_view("/\\=#_").find(s[t.begin - 1]) != std::string_view::npos) return false;
    if ((t.vPrefix && t.dots > 0) || t.wildcard) return true;
    if (!before.empty() && inList(before[0].first, kWeakCues) && t.dots == 2) return true;
    for (const auto& [word, at] : before) {
        (void)at;
        if (inList(word, kStrongCues)) return true;
        if (!inList(word, kWeakCues)) return false;
    }
    return false;
}

// "Personal Chatter 0.2.3", "PersonaLab v1.4": the project's own name right
// before the number.
bool followsProductName(std::string_view s, std::size_t pos, const std::vector<std::string>& names) {
    std::size_t end = pos;
    while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == ':' || s[end - 1] == '@')) --end;
    if (end == pos && pos > 0 && s[pos - 1] != '@') return false;  // "Chatter0.2.3" is one word
    for (const auto& name : names) {
        std::string_view n = trim(name);
        if (n.empty() || n.size() > end) continue;
        std::size_t start = end - n.size();
        if (!iequals(s.substr(start, n.size()), n)) continue;
        if (start == 0 || !isWordChar(s[start - 1])) return true;
    }
    return false;
}

// After a token: "through 1.3.1", "- 1.3.1", "and earlier".
std::size_t extendRange(std::string_view s, std::size_t end) {
    std::size_t i = end;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t wordEnd = i;
    while (wordEnd < s.size() && isAsciiAlpha(s[wordEnd])) ++wordEnd;
    std::string word = toLower(s.substr(i, wordEnd - i));
    if (word.empty() && i < s.size() && s[i] == '-') wordEnd = i + 1;
    if (word.empty() && s.substr(i, 3) == "\xE2\x80\x93") wordEnd = i + 3;
    if (word == "and" || word == "or") {
        std::size_t j = wordEnd;
        while (j < s.size() && s[j] == ' ') ++j;
        std::size_t k = j;
        while (k < s.size() && isAsciiAlpha(s[k])) ++k;
        std::string next = toLower(s.substr(j, k - j));
        if (inList(next, {"earlier", "below", "older", "prior", "lower", "later", "above", "newer", "higher"}))
            return k;
    }
    if (wordEnd == i || !(word.empty() || inList(word, {"through", "thru", "to", "until", "and", "or"}))) return end;
    std::size_t j = wordEnd;
    while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
    if (auto t = versionTokenAt(s, j);
        t && j < s.size() && (isDigit(s[j]) || isDigit(s[std::min(j + 1, s.size() - 1)])))
        return t->end;
    return end;
}

}  // namespace

ProseFinds scanProse(std::string_view text, const ProseWants& wants, std::size_t cap) {
    ProseFinds finds;
    // One pass: each sentence is tokenised once for every recogniser.
    forEachSentence(text, [&](std::string_view whole) {
        forEachWindow(whole, [&](std::string_view sentence) {
            auto tokens = tokenize(sentence);
            if (wants.impact && impactPhrases().find(tokens, 0)) appendSentence(finds.impact, sentence, cap);
            if (wants.mitigation && mitigationPhrases().find(tokens, 0))
                appendSentence(finds.mitigation, sentence, cap);
            if (wants.credit && !finds.credit) finds.credit = creditIn(sentence, tokens);
            if (wants.contact && !finds.contact) finds.contact = contactIn(sentence, tokens);
        });
    });
    return finds;
}

bool isAnonymousCredit(std::string_view value) {
    std::string v = toLower(trim(value));
    while (!v.empty() && std::string_view(".!").find(v.back()) != std::string_view::npos) v.pop_back();
    for (std::string_view word : {"anonymous", "anon", "none", "no", "no thanks", "no credit", "no credit please",
                                  "not needed", "anonymous please", "please keep me anonymous"})
        if (v == word) return true;
    auto found = scanProse(value, ProseWants{false, false, true, false}, 0).credit;
    return found && *found == "anonymous";
}

std::optional<std::string> findVersionMention(std::string_view text, const std::vector<std::string>& productNames) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (!isDigit(c) && !((c == 'v' || c == 'V') && i + 1 < text.size() && isDigit(text[i + 1]))) continue;
        auto token = versionTokenAt(text, i);
        if (!token) {
            while (i + 1 < text.size() && isWordChar(text[i + 1])) ++i;  // skip the rest of the word
            continue;
        }
        std::size_t begin = 0;
        if (qualifies(text, *token, &begin) || followsProductName(text, token->begin, productNames)) {
            std::size_t end = extendRange(text, token->end);
            return std::string(trim(text.substr(begin, end - begin)));
        }
        i = std::max(i, token->end - 1);
    }
    return std::nullopt;
}

bool isSalutationLine(std::string_view line) {
    std::string_view t = trim(line);
    if (t.empty() || t.size() > 100) return t.empty();
    std::string lower = toLower(t);
    for (std::string_view start : {"hi", "hello", "hey", "dear", "greetings", "good morning", "good afternoon",
                                   "good evening", "to whom it may concern", "hallo", "hola", "bonjour"}) {
        if (lower.rfind(start, 0) != 0) continue;
        if (lower.size() != start.size() && isAsciiAlpha(lower[start.size()])) continue;
        // Only an addressee may follow ("Hi team,", "Dear security team:"): a
        // sentence after the greeting ("Hi, the search box is injectable.")
        // is the report itself.
        std::string_view rest = std::string_view(lower).substr(start.size());
        while (!rest.empty() && (rest.back() == ',' || rest.back() == '!' || rest.back() == ':' || rest.back() == ' '))
            rest.remove_suffix(1);
        if (rest.find_first_of(".?;") != std::string_view::npos) return false;
        return t.size() <= 60 && countWords(rest) <= 5;
    }
    // "Here is my report:" introduces what follows and says nothing itself.
    if (lower.back() != ':') return false;
    for (std::string_view start :
         {"here is", "here's", "here are", "please find", "below is", "below are", "see below", "attached is",
          "attached are", "i am sending", "i'm sending", "the following", "as follows", "details", "report"}) {
        if (lower.rfind(start, 0) == 0) return true;
    }
    return false;
}

std::size_t countWords(std::string_view text) {
    std::size_t words = 0;
    bool inWord = false;
    for (char c : text) {
        bool w = isAsciiAlnum(c) || static_cast<unsigned char>(c) >= 0x80;
        if (w && !inWord) ++words;
        inWord = w;
    }
    return words;
}

}  // namespace secmaild::report::detail

namespace secmaild::report {

std::optional<std::string> versionNumber(std::string_view value) {
    using detail::versionTokenAt;
    for (std::size_t i = 0; i < value.size(); ++i) {
        char c = value[i];
        bool start = (c >= '0' && c <= '9') ||
                     ((c == 'v' || c == 'V') && i + 1 < value.size() && value[i + 1] >= '0' && value[i + 1] <= '9');
        if (!start) continue;
        auto token = versionTokenAt(value, i);
        if (!token) continue;
        if (token->dots > 0 || token->vPrefix || trim(value).size() == token->end - token->begin) {
            std::size_t from = token->begin + (token->vPrefix ? 1 : 0);
            return std::string(value.substr(from, token->end - from));
        }
        i = token->end;
    }
    return std::nullopt;
}

}  // namespace secmaild::report
