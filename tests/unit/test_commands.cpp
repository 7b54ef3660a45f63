// Maintainer actions and the mail command parser: each verb by mail and by
// hand, the argument syntax, where note/reply text ends, and that every
// error names its line.
#include <doctest/doctest.h>

#include <string>

#include "secmaild/report/commands.hpp"

using secmaild::report::Action;
using secmaild::report::ActionLimits;
using secmaild::report::actionProblem;
using secmaild::report::allVerbs;
using secmaild::report::describeAction;
using secmaild::report::MailCommands;
using secmaild::report::normalizeAction;
using secmaild::report::parseMailCommands;
using secmaild::report::Verb;
using secmaild::report::verbFromName;
using secmaild::report::verbName;

namespace {

Action make(Verb v) {
    Action a;
    a.verb = v;
    return a;
}

// The single action of a mail that must parse without errors.
Action only(std::string_view mail) {
    auto r = parseMailCommands(mail);
    INFO(mail);
    REQUIRE(r.errors.empty());
    REQUIRE(r.actions.size() == 1);
    return r.actions[0];
}

// The single error of a mail.
std::string onlyError(std::string_view mail, const ActionLimits& limits = {}) {
    auto r = parseMailCommands(mail, limits);
    INFO(mail);
    REQUIRE(r.errors.size() == 1);
    return r.errors[0];
}

bool startsWith(const std::string& s, std::string_view prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

// ---- verbs ----

TEST_CASE("every verb's name maps back to the verb, in any case") {
    REQUIRE(allVerbs().size() == 10);
    for (Verb v : allVerbs()) {
        std::string name(verbName(v));
        CHECK(verbFromName(name) == v);
        std::string upper = name;
        for (char& c : upper) c = static_cast<char>(c - 'a' + 'A');
        CHECK(verbFromName(upper) == v);
    }
    CHECK(verbName(Verb::Disclose) == "disclose");
    CHECK_FALSE(verbFromName("asses"));
    CHECK_FALSE(verbFromName("report"));
    CHECK_FALSE(verbFromName(""));
}

// ---- actionProblem on hand-built actions (the secmailctl path) ----

TEST_CASE("a hand-built action with what its verb needs is accepted, for every verb") {
    auto assess = make(Verb::Assess);
    assess.severity = "critical";
    auto release = make(Verb::Release);
    release.version = "1.0.0-rc1";
    auto disclose = make(Verb::Disclose);
    disclose.date = "2024-02-29";
    auto close = make(Verb::Close);
    close.reason = "duplicate of SEC-2026-0001 — same root cause";
    auto assign = make(Verb::Assign);
    assign.assignee = "alice@example.org";
    auto note = make(Verb::Note);
    note.text = "line one\nline two";
    auto reply = make(Verb::Reply);
    reply.text = "Thanks, confirmed.";
    for (const Action& a : {make(Verb::Ack), assess, make(Verb::Fix), release, disclose, close, make(Verb::Reopen),
                            assign, note, reply}) {
        INFO(describeAction(a));
        CHECK_FALSE(actionProblem(a));
    }
}

TEST_CASE("a hand-built action missing its argument is refused with a sentence naming what is allowed") {
    CHECK(actionProblem(make(Verb::Assess)) == "assess needs severity=none|low|medium|high|critical");
    auto p = actionProblem(make(Verb::Release));
    REQUIRE(p);
    CHECK(startsWith(*p, "release needs version="));
    p = actionProblem(make(Verb::Disclose));
    REQUIRE(p);
    CHECK(startsWith(*p, "disclose needs date=YYYY-MM-DD"));
    p = actionProblem(make(Verb::Close));
    REQUIRE(p);
    CHECK(startsWith(*p, "close needs reason="));
    p = actionProblem(make(Verb::Assign));
    REQUIRE(p);
    CHECK(startsWith(*p, "assign needs assignee="));
    p = actionProblem(make(Verb::Reply));
    REQUIRE(p);
    CHECK(startsWith(*p, "reply needs text"));
}

TEST_CASE("severity is accepted in any case and normalizeAction stores it lower-case") {
    auto a = make(Verb::Assess);
    a.severity = "High";
    CHECK_FALSE(actionProblem(a));
    normalizeAction(a);
    CHECK(a.severity == "high");
    a.severity = "urgent";
    auto p = actionProblem(a);
    REQUIRE(p);
    CHECK(*p == "assess needs severity=none|low|medium|high|critical, not \"urgent\"");
}

TEST_CASE("an argument the verb does not take is refused") {
    auto a = make(Verb::Assess);
    a.severity = "low";
    a.version = "1.0";
    CHECK(actionProblem(a) == "assess does not take version (it takes severity)");

    auto ack = make(Verb::Ack);
    ack.reason = "x";
    CHECK(actionProblem(ack) == "ack takes no arguments (it was given reason)");

    auto close = make(Verb::Close);
    close.reason = "fixed";
    close.text = "secret";
    CHECK(actionProblem(close) == "close does not take text (it takes reason)");
}

TEST_CASE("a version is 1 to 64 characters of letters, digits and . _ + ~ -") {
    auto a = make(Verb::Release);
    for (const char* good : {"0.2.7", "1.0.0-rc1", "2.0+git.20260101~1", "v3_1"}) {
        a.version = good;
        CHECK_MESSAGE(!actionProblem(a), good);
    }
    a.version = std::string(64, '1');
    CHECK_FALSE(actionProblem(a));
    for (std::string bad : {std::string(65, '1'), std::string("1.0 beta"), std::string("1.0/x"), std::string("1.0\n"),
                            std::string("\xc3\xa9")}) {
        a.version = bad;
        CHECK_MESSAGE(actionProblem(a), bad);
    }
}

TEST_CASE("a disclosure date must be a real calendar date written YYYY-MM-DD") {
    auto a = make(Verb::Disclose);
    a.date = "2026-12-01";
    CHECK_FALSE(actionProblem(a));
    a.date = "2024-02-29";  // leap year
    CHECK_FALSE(actionProblem(a));
    for (const char* bad : {"2026-02-30", "2026-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "2026/12/01",
                            "26-12-01", "2026-12-01x", "2026-12-0a"}) {
        a.date = bad;
        CHECK_MESSAGE(actionProblem(a), bad);
    }
}

TEST_CASE("a reason or assignee is one line of valid UTF-8 within maxArgBytes") {
    ActionLimits limits;
    limits.maxArgBytes = 10;
    auto a = make(Verb::Close);
    a.reason = std::string(10, 'x');
    CHECK_FALSE(actionProblem(a, limits));
    a.reason = std::string(11, 'x');
    auto p = actionProblem(a, limits);
    REQUIRE(p);
    CHECK(*p == "close reason is 11 bytes; at most 10 are allowed");

    a.reason = "dup\xff";
    CHECK(actionProblem(a) == "close reason is not valid UTF-8");
    for (const char* bad :
         {"two\nlines", "tab\there", "bell\a", "c1 \xc2\x85 next line", "bidi \xe2\x80\xae x", "   "}) {
        a.reason = bad;
        CHECK_MESSAGE(actionProblem(a), bad);
    }
    auto as = make(Verb::Assign);
    as.assignee = "alice\r\nBcc: x";
    CHECK(actionProblem(as));
}

TEST_CASE("note and reply text must be non-blank, within maxTextBytes and valid UTF-8") {
    ActionLimits limits;
    limits.maxTextBytes = 8;
    auto a = make(Verb::Note);
    a.text = "12345678";
    CHECK_FALSE(actionProblem(a, limits));
    a.text = "123456789";
    CHECK(actionProblem(a, limits) == "note text is 9 bytes; at most 8 are allowed");
    a.text = " \n\t\n";
    CHECK(actionProblem(a));
    a.verb = Verb::Reply;
    a.text = "ok \xc0\x80";
    CHECK(actionProblem(a) == "reply text is not valid UTF-8");
}

TEST_CASE("an Action with a verb outside the enum is refused, not trusted") {
    auto a = make(static_cast<Verb>(42));
    CHECK(verbName(a.verb) == "unknown");
    CHECK(actionProblem(a));
}

// ---- describeAction ----

TEST_CASE("describeAction gives the verb and its argument in command syntax") {
    auto a = make(Verb::Assess);
    a.severity = "high";
    CHECK(describeAction(a) == "assess severity=high");
    a = make(Verb::Release);
    a.version = "0.2.7";
    CHECK(describeAction(a) == "release version=0.2.7");
    a = make(Verb::Close);
    a.reason = "duplicate";
    CHECK(describeAction(a) == "close reason=\"duplicate\"");
    a = make(Verb::Ack);
    CHECK(describeAction(a) == "ack");
    a = make(Verb::Reply);
    a.text = std::string(312, 'r');
    CHECK(describeAction(a) == "reply (312 bytes)");
}

TEST_CASE("describeAction never contains note or reply text") {
    for (Verb v : {Verb::Note, Verb::Reply}) {
        auto a = make(v);
        a.text = "the exploit is CANARY-TEXT-7731 in parse_header()";
        auto d = describeAction(a);
        CHECK(d.find("CANARY") == std::string::npos);
        CHECK(d.find("parse_header") == std::string::npos);
    }
    auto close = make(Verb::Close);  // text on a non-text verb is not shown either
    close.reason = "x";
    close.text = "CANARY-TEXT-7731";
    CHECK(describeAction(close).find("CANARY") == std::string::npos);
}

TEST_CASE("describeAction escapes quotes, control characters and invalid UTF-8 so a log line stays one line") {
    auto a = make(Verb::Close);
    a.reason = "a \"b\"\nINJECTED \xff";
    auto d = describeAction(a);
    CHECK(d.find('\n') == std::string::npos);
    CHECK(d.find("\\\"b\\\"") != std::string::npos);
    CHECK(d.find("\\x0A") != std::string::npos);
    CHECK(d.find('\xff') == std::string::npos);
    auto r = make(Verb::Release);
    r.version = "1.0 \x1b[31m";
    CHECK(describeAction(r).find('\x1b') == std::string::npos);
}

// ---- mail: each verb ----

TEST_CASE("one mail carries every verb, read in order") {
    auto r = parseMailCommands(
        "Hi all,\n"
        "#report SEC-2026-0004\n"
        "#ack\n"
        "#assess severity=high\n"
        "#fix\n"
        "#release version=0.2.7\n"
        "#disclose date=2026-12-01\n"
        "#close reason=\"duplicate of SEC-2026-0001\"\n"
        "#reopen\n"
        "#assign assignee=alice@example.org\n"
        "#note internal: reproduced on 0.2.6\n"
        "#reply\n"
        "Thanks, we confirmed it.\n"
        "#end\n");
    REQUIRE(r.errors.empty());
    CHECK(r.sawCommand);
    CHECK(r.reportId == "SEC-2026-0004");
    REQUIRE(r.actions.size() == 10);
    Verb expected[] = {Verb::Ack,   Verb::Assess, Verb::Fix,    Verb::Release, Verb::Disclose,
                       Verb::Close, Verb::Reopen, Verb::Assign, Verb::Note,    Verb::Reply};
    for (std::size_t i = 0; i < 10; ++i) CHECK(r.actions[i].verb == expected[i]);
    CHECK(r.actions[1].severity == "high");
    CHECK(r.actions[3].version == "0.2.7");
    CHECK(r.actions[4].date == "2026-12-01");
    CHECK(r.actions[5].reason == "duplicate of SEC-2026-0001");
    CHECK(r.actions[7].assignee == "alice@example.org");
    CHECK(r.actions[8].text == "internal: reproduced on 0.2.6");
    CHECK(r.actions[9].text == "Thanks, we confirmed it.");
}

TEST_CASE("shorthand with one bare value gives the same action as key=value") {
    CHECK(only("#assess high").severity == "high");
    CHECK(only("#release 0.2.7").version == "0.2.7");
    CHECK(only("#disclose 2026-12-01").date == "2026-12-01");
    CHECK(only("#assign alice@example.org").assignee == "alice@example.org");
    // close and assign take the rest of the line
    CHECK(only("#close duplicate of SEC-2026-0001").reason == "duplicate of SEC-2026-0001");
    CHECK(only("#assign Alice Example").assignee == "Alice Example");
    CHECK(only("#close \"dup \\\"x\\\"\"").reason == "dup \"x\"");
}

TEST_CASE("verbs, keys and severities are case-insensitive and severity is stored lower-case") {
    auto a = only("#ASSESS Severity=CRITICAL");
    CHECK(a.verb == Verb::Assess);
    CHECK(a.severity == "critical");
    CHECK(only("#Assess Medium").severity == "medium");
}

TEST_CASE("a quoted value keeps blanks and unescapes \\\" and \\\\") {
    auto a = only(R"(#close reason="said \"dup\" in C:\\tmp and C:\new")");
    CHECK(a.reason == R"(said "dup" in C:\tmp and C:\new)");
    CHECK(only("#release version=\"1.0.0\"").version == "1.0.0");
}

TEST_CASE("a command may be indented") {
    CHECK(only("   \t#fix").verb == Verb::Fix);
}

TEST_CASE("CRLF line ends read like LF, and note text carries no CR") {
    auto lf = parseMailCommands("x\n#assess low\n#note a\nb\n#end\n#ack\n");
    auto crlf = parseMailCommands("x\r\n#assess low\r\n#note a\r\nb\r\n#end\r\n#ack\r\n");
    REQUIRE(lf.errors.empty());
    REQUIRE(crlf.errors.empty());
    REQUIRE(crlf.actions.size() == 3);
    REQUIRE(lf.actions.size() == 3);
    CHECK(crlf.actions[0].severity == "low");
    CHECK(crlf.actions[1].text == "a\nb");
    CHECK(crlf.actions[1].text == lf.actions[1].text);
    CHECK(crlf.actions[2].verb == Verb::Ack);
}

TEST_CASE("quoted '>' lines are never commands") {
    auto r = parseMailCommands("On Monday you wrote:\n> #assess high\n>#close done\n  > #fix\n");
    CHECK(r.actions.empty());
    CHECK(r.errors.empty());
    CHECK_FALSE(r.sawCommand);
}

TEST_CASE("'# Heading', '#1' and prose are not commands") {
    auto r = parseMailCommands("# Heading\n#1 priority\n## Sub\n#\nplain text #ack\n");
    CHECK(r.actions.empty());
    CHECK(r.errors.empty());
    CHECK_FALSE(r.sawCommand);
}

// ---- note / reply text ----

TEST_CASE("note text ends at a line #end, and commands after it are read") {
    auto r = parseMailCommands("#note first\nsecond\n#end\n#fix\n");
    REQUIRE(r.errors.empty());
    REQUIRE(r.actions.size() == 2);
    CHECK(r.actions[0].text == "first\nsecond");
    CHECK(r.actions[1].verb == Verb::Fix);
}

TEST_CASE("reply text ends at the next known command, which is then read") {
    auto r = parseMailCommands("#reply\nWe fixed it.\n#release 0.2.8\n");
    REQUIRE(r.errors.empty());
    REQUIRE(r.actions.size() == 2);
    CHECK(r.actions[0].text == "We fixed it.");
    CHECK(r.actions[1].version == "0.2.8");
}

TEST_CASE("reply text ends at a #report line, which still names the report") {
    auto r = parseMailCommands("#reply\nThanks.\n#report SEC-2026-0007\n");
    REQUIRE(r.errors.empty());
    REQUIRE(r.actions.size() == 1);
    CHECK(r.actions[0].text == "Thanks.");
    CHECK(r.reportId == "SEC-2026-0007");
}

TEST_CASE("reply text ends at a signature separator, with or without its trailing blank") {
    CHECK(only("#reply\nThanks.\n-- \nAlice\nMaintainer\n").text == "Thanks.");
    // OpenPGP clearsigned text has trailing blanks stripped.
    CHECK(only("#reply\nThanks.\n--\nAlice\n").text == "Thanks.");
    // "---" and "-- x" are text
    CHECK(only("#note a\n---\n-- x\nb\n").text == "a\n---\n-- x\nb");
}

TEST_CASE("reply text runs to the end of the mail when nothing ends it") {
    CHECK(only("#reply Dear reporter,\n\nconfirmed.\nregards").text == "Dear reporter,\n\nconfirmed.\nregards");
}

TEST_CASE("reply text keeps '#include', unknown #words and quoted lines verbatim") {
    auto a = only(
        "#reply\n"
        "The crash is in:\n"
        "#include <stdio.h>\n"
        "#define X 1\n"
        "> #assess low\n"
        "> you wrote this\n"
        "    indented line  \n"
        "#end\n");
    CHECK(a.text ==
          "The crash is in:\n#include <stdio.h>\n#define X 1\n> #assess low\n> you wrote this\n"
          "    indented line  ");
}

TEST_CASE("leading and trailing blank lines of a text are trimmed, inner ones kept") {
    CHECK(only("#note\n\n  \n\tfirst\n\nlast\n\n \n#end").text == "\tfirst\n\nlast");
    CHECK(only("#note   inline   \n\n").text == "inline");
}

TEST_CASE("an empty reply is an error on the #reply line") {
    auto e = onlyError("Hello\n#reply\n\n   \n#end\n");
    CHECK(startsWith(e, "line 2: reply needs text"));
    auto r = parseMailCommands("#reply\n#ack\n");
    REQUIRE(r.errors.size() == 1);
    CHECK(startsWith(r.errors[0], "line 1: reply needs text"));
    REQUIRE(r.actions.size() == 1);  // the #ack that ended it is still read
    CHECK(r.actions[0].verb == Verb::Ack);
}

TEST_CASE("a text over maxTextBytes is an error on its command line") {
    ActionLimits limits;
    limits.maxTextBytes = 10;
    auto e = onlyError("\n#note\n0123456789\nx\n#end\n", limits);
    CHECK(e == "line 2: note text is 12 bytes; at most 10 are allowed");
}

TEST_CASE("#end with something after it ends the text and is an error") {
    auto r = parseMailCommands("#note a\n#end now\n");
    REQUIRE(r.errors.size() == 1);
    CHECK(startsWith(r.errors[0], "line 2: #end"));
}

TEST_CASE("an #end without a text before it is an error") {
    CHECK(startsWith(onlyError("#ack\n#end\n"), "line 2: #end without"));
}

// ---- errors name their lines ----

TEST_CASE("an unknown command is an error naming its line and the known commands") {
    auto e = onlyError("Hi\n\n#asses high\n");
    CHECK(startsWith(e,
                     "line 3: unknown command #asses (known: ack, assess, fix, release, disclose, close, reopen, "
                     "assign, note, reply, report)"));
}

TEST_CASE("an unknown command's name is escaped in the error") {
    auto e = onlyError("#ack\x1b[2J\n");
    CHECK(e.find('\x1b') == std::string::npos);
}

TEST_CASE("an unknown key is an error naming its line") {
    CHECK(onlyError("#ack\n#assess level=high\n") == "line 2: unknown key level= (#assess takes severity=)");
    CHECK(onlyError("#release ver=1.0\n") == "line 1: unknown key ver= (#release takes version=)");
}

TEST_CASE("another verb's key is refused") {
    CHECK(onlyError("#assess version=1.0\n") == "line 1: #assess does not take version= (#assess takes severity=)");
}

TEST_CASE("a key given twice is an error") {
    CHECK(onlyError("#assess severity=low severity=high\n") == "line 1: #assess gives severity= twice");
}

TEST_CASE("a bare value after key=value pairs is an error") {
    auto e = onlyError("x\n#close reason=dup extra\n");
    CHECK(startsWith(e, "line 2: #close: \"extra\" needs a key"));
}

TEST_CASE("two bare values for a one-value verb are an error") {
    CHECK(startsWith(onlyError("#assess high low\n"), "line 1: #assess takes one value"));
    CHECK(startsWith(onlyError("#assess high severity=low\n"), "line 1: #assess takes one value"));
}

TEST_CASE("ack, fix and reopen refuse arguments") {
    CHECK(onlyError("#ack now\n") == "line 1: #ack takes no arguments");
    CHECK(onlyError("\n#fix reason=x\n") == "line 2: #fix takes no arguments");
    CHECK(onlyError("\n\n#reopen please\n") == "line 3: #reopen takes no arguments");
}

TEST_CASE("an unterminated quote is an error") {
    CHECK(startsWith(onlyError("#close reason=\"dup\n"), "line 1: #close: a quoted value has no closing quote"));
}

TEST_CASE("text glued to a closing quote is an error") {
    CHECK(startsWith(onlyError("#close reason=\"dup\"x\n"), "line 1: #close: text right after"));
}

TEST_CASE("a bad severity is an error naming its line and the allowed values") {
    CHECK(onlyError("a\nb\n#assess urgent\n") ==
          "line 3: assess needs severity=none|low|medium|high|critical, not \"urgent\"");
    CHECK(onlyError("#assess\n") == "line 1: assess needs severity=none|low|medium|high|critical");
}

TEST_CASE("a bad version is an error naming its line") {
    CHECK(startsWith(onlyError("\n#release 1.0/evil\n"), "line 2: release needs version="));
}

TEST_CASE("2026-02-30 is not a disclosure date") {
    CHECK(onlyError("#ack\n#disclose 2026-02-30\n") ==
          "line 2: disclose needs date=YYYY-MM-DD, a real calendar date, not \"2026-02-30\"");
}

TEST_CASE("invalid UTF-8 in a close reason is an error") {
    CHECK(onlyError("#close dup\xff\xfe of another\n") == "line 1: close reason is not valid UTF-8");
}

TEST_CASE("every error is reported and only valid commands become actions") {
    auto r = parseMailCommands("#ack\n#assess urgent\n#fix\n#frobnicate\n#release\n#reopen\n");
    CHECK(r.errors.size() == 3);
    CHECK(startsWith(r.errors[0], "line 2:"));
    CHECK(startsWith(r.errors[1], "line 4:"));
    CHECK(startsWith(r.errors[2], "line 5:"));
    REQUIRE(r.actions.size() == 3);
    CHECK(r.actions[0].verb == Verb::Ack);
    CHECK(r.actions[1].verb == Verb::Fix);
    CHECK(r.actions[2].verb == Verb::Reopen);
    CHECK(r.sawCommand);
}

// ---- #report ----

TEST_CASE("#report accepts prefix-year-number ids") {
    CHECK(parseMailCommands("#report PL-2026-12\n#ack").reportId == "PL-2026-12");
    for (const char* bad : {"#report", "#report SEC-26-0004", "#report SEC-2026-", "#report SEC_2026_0004",
                            "#report SEC-2026-0004 SEC-2026-0005", "#report -2026-1"}) {
        auto r = parseMailCommands(bad);
        CHECK_MESSAGE(r.errors.size() == 1, bad);
        CHECK_FALSE(r.reportId);
    }
}

TEST_CASE("two #report lines naming different reports are an error; the same one twice is not") {
    auto r = parseMailCommands("#report SEC-2026-0004\n#ack\n#report SEC-2026-0005\n");
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0] == "line 3: #report names SEC-2026-0005, but line 1 named SEC-2026-0004 (one report per mail)");
    CHECK(r.reportId == "SEC-2026-0004");
    auto same = parseMailCommands("#report SEC-2026-0004\n#ack\n#report SEC-2026-0004\n");
    CHECK(same.errors.empty());
}

// ---- limits and size ----

TEST_CASE("commands beyond maxCommands give one error and are ignored") {
    std::string mail;
    for (int i = 0; i < 25; ++i) mail += "#ack\n";
    auto r = parseMailCommands(mail);
    REQUIRE(r.errors.size() == 1);
    CHECK(startsWith(r.errors[0], "line 21: more than 20 commands"));
    CHECK(r.actions.size() == 20);

    ActionLimits limits;
    limits.maxCommands = 2;
    auto small = parseMailCommands("#report SEC-2026-1\n#ack\n#bogus\n#bogus\n#bogus\n", limits);
    REQUIRE(small.errors.size() == 1);
    CHECK(startsWith(small.errors[0], "line 3: more than 2 commands"));
}

TEST_CASE("a mail of many unknown commands yields a bounded number of errors") {
    std::string mail;
    for (int i = 0; i < 100000; ++i) mail += "#bogus\n";
    auto r = parseMailCommands(mail);
    CHECK(r.errors.size() == 21);  // 20 unknown-command errors, then the limit
    CHECK(r.actions.empty());
}

TEST_CASE("a 200,000-line mail parses, its commands found at both ends") {
    std::string mail = "#assess low\n";
    for (int i = 0; i < 200000; ++i) mail += "some ordinary line of the report, number " + std::to_string(i) + "\n";
    mail += "#fix\n";
    auto r = parseMailCommands(mail);
    REQUIRE(r.errors.empty());
    REQUIRE(r.actions.size() == 2);
    CHECK(r.actions[1].verb == Verb::Fix);
}

TEST_CASE("a 200,000-line reply over the text limit is refused without losing later commands") {
    std::string mail = "#reply\n";
    for (int i = 0; i < 200000; ++i) mail += "#include <line.h>\n";
    mail += "#ack\n";
    auto r = parseMailCommands(mail);
    REQUIRE(r.errors.size() == 1);
    // 200,000 lines of "#include <line.h>" (17 bytes) joined by LF: 200000 * 18 - 1.
    CHECK(startsWith(r.errors[0], "line 1: reply text is 3599999 bytes"));
    REQUIRE(r.actions.size() == 1);
    CHECK(r.actions[0].verb == Verb::Ack);
}

TEST_CASE("an empty mail and a mail without commands give nothing") {
    for (const char* mail : {"", "\n", "\r\n", "Just a thank-you note.\n-- \nBob\n"}) {
        auto r = parseMailCommands(mail);
        CHECK(r.actions.empty());
        CHECK(r.errors.empty());
        CHECK_FALSE(r.sawCommand);
        CHECK_FALSE(r.reportId);
    }
}
