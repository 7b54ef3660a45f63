// Tests of outgoing mail rendering (mime/compose.hpp): what renderMail writes
// must parse back (through our own parseMessage) to what was asked for, keep
// to the line rules of RFC 5322 and RFC 2045, and give no caller-supplied text
// a way to start a header line. Quoted-printable is checked against mimetic's
// decoder, not against our own idea of it.
#include <doctest/doctest.h>

#include <mimetic/mimetic.h>

#include <algorithm>
#include <iterator>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "secmaild/mime/address.hpp"
#include "secmaild/mime/compose.hpp"
#include "secmaild/mime/message.hpp"
#include "secmaild/util/clock.hpp"
#include "secmaild/util/strings.hpp"

using secmaild::fromUnix;
using secmaild::mime::encodeQuotedPrintable;
using secmaild::mime::formatAddress;
using secmaild::mime::newMessageId;
using secmaild::mime::OutgoingMail;
using secmaild::mime::parseAddressList;
using secmaild::mime::parseMessage;
using secmaild::mime::renderMail;
using namespace std::string_literals;

namespace {

// 2026-11-23 22:42:33 UTC
const secmaild::TimePoint kNow = fromUnix(1795473753);

OutgoingMail sampleMail() {
    OutgoingMail m;
    m.fromAddress = "security@example.org";
    m.fromName = "Example Security Team";
    m.to = "researcher@example.net";
    m.subject = "Re: Heap overflow in parse_header() \xE2\x80\x93 received [SEC-2026-0042]";
    m.messageId = "<20261123T224233.0123456789abcdef@example.org>";
    m.inReplyTo = "<report-1@example.net>";
    m.references = {"<first@example.net>", "<report-1@example.net>"};
    m.date = kNow;
    m.extraHeaders = {{"Auto-Submitted", "auto-replied"}};
    m.body =
        "Hello Rita,\n\nthanks \xE2\x80\x94 we received your report (Gr\xC3\xBC\xC3\x9F"
        "e).\n"
        "Ticket: SEC-2026-0042\n";
    return m;
}

std::vector<std::string_view> crlfLines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find("\r\n", start);
        if (end == std::string_view::npos) {
            lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 2;
    }
    return lines;
}

// Every line ends in CRLF (no bare CR or LF anywhere) and has at most `max`
// characters before it.
void checkLines(std::string_view text, std::size_t max) {
    REQUIRE(text.size() >= 2);
    CHECK(text.substr(text.size() - 2) == "\r\n");
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') CHECK((i > 0 && text[i - 1] == '\r'));
        if (text[i] == '\r') CHECK((i + 1 < text.size() && text[i + 1] == '\n'));
    }
    for (auto line : crlfLines(text)) {
        INFO("line: " << std::string(line));
        CHECK(line.size() <= max);
    }
}

std::string_view headerBlock(std::string_view mail) {
    return mail.substr(0, mail.find("\r\n\r\n") + 2);
}

// The names of the header fields, continuation lines skipped.
std::vector<std::string> fieldNames(std::string_view mail) {
    std::vector<std::string> names;
    for (auto line : crlfLines(headerBlock(mail))) {
        if (line.empty() || line[0] == ' ' || line[0] == '\t') continue;
        names.emplace_back(line.substr(0, line.find(':')));
    }
    return names;
}

std::string qpDecode(std::string_view encoded) {
    mimetic::QP::Decoder decoder;
    std::string out;
    mimetic::decode(encoded.begin(), encoded.end(), decoder, std::back_inserter(out));
    return out;
}

std::string lfToCrlf(std::string_view lf) {
    std::string out;
    for (char c : lf) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

}  // namespace

TEST_CASE("a rendered mail parses back with the same subject, body, recipient and ids") {
    OutgoingMail mail = sampleMail();
    std::string rendered = renderMail(mail);
    auto parsed = parseMessage(rendered);
    CHECK(parsed.problems.empty());
    CHECK(parsed.usedMimetic);
    CHECK(parsed.subject == mail.subject);
    CHECK(parsed.text == mail.body);
    REQUIRE(parsed.to.size() == 1);
    CHECK(parsed.to[0].address == mail.to);
    REQUIRE(parsed.from.size() == 1);
    CHECK(parsed.from[0].address == mail.fromAddress);
    CHECK(parsed.from[0].name == mail.fromName);
    CHECK(parsed.messageId == mail.messageId);
    CHECK(parsed.inReplyTo == std::vector<std::string>{*mail.inReplyTo});
    CHECK(parsed.references == mail.references);
    CHECK(parsed.date == "Mon, 23 Nov 2026 22:42:33 +0000");
    CHECK(parsed.header("Auto-Submitted") == std::optional<std::string>("auto-replied"));
    CHECK(parsed.header("MIME-Version") == std::optional<std::string>("1.0"));
    REQUIRE(parsed.parts.size() == 1);
    CHECK(parsed.parts[0].charset == "utf-8");
    CHECK(parsed.parts[0].transferEncoding == "quoted-printable");
}

TEST_CASE("a body with invalid UTF-8 or bare CRs is sent as valid UTF-8 with CRLF line ends") {
    OutgoingMail mail = sampleMail();
    mail.body = "bad \xFF byte\r\nold mac\rline\nend\n";
    std::string rendered = renderMail(mail);
    checkLines(rendered, 78);
    auto parsed = parseMessage(rendered);
    CHECK(secmaild::isValidUtf8(parsed.text));
    CHECK(parsed.text.find("bad \xEF\xBF\xBD byte\n") == 0);
    CHECK(parsed.text.find("end\n") != std::string::npos);
}

TEST_CASE("without In-Reply-To and References those fields are left out") {
    OutgoingMail mail = sampleMail();
    mail.inReplyTo.reset();
    mail.references.clear();
    std::string rendered = renderMail(mail);
    auto names = fieldNames(rendered);
    CHECK(std::find(names.begin(), names.end(), "In-Reply-To") == names.end());
    CHECK(std::find(names.begin(), names.end(), "References") == names.end());
    CHECK(parseMessage(rendered).inReplyTo.empty());
}

TEST_CASE("every line of a rendered mail ends in CRLF and has at most 78 characters") {
    OutgoingMail mail = sampleMail();
    mail.subject = "Re: " + std::string(30, 'x') + " " + std::string(200, 'y') + " \xC3\xA4\xC3\xB6\xC3\xBC" +
                   std::string(100, 'z') + " \xE2\x9C\x93 done";
    for (int i = 0; i < 30; ++i) mail.references.push_back("<ref-" + std::to_string(i) + ".abcdef@example.net>");
    mail.body = std::string(500, 'a') + "\n" + std::string(300, ' ') + "\n" + "\xE2\x82\xAC" + std::string(200, 'b') +
                "\n\n.\nFrom here\n";
    std::string rendered = renderMail(mail);
    checkLines(rendered, 78);
    auto parsed = parseMessage(rendered);
    CHECK(parsed.subject == mail.subject);
    CHECK(parsed.text == mail.body);
    // Only the last 20 references are kept.
    REQUIRE(parsed.references.size() == 20);
    CHECK(parsed.references.back() == mail.references.back());
}

// Regression (compose.cpp, formatAddress/renderMail, fixed): a display name is written on
// one line with the address, never folded, so a long From name gives a From
// line over 78 characters (RFC 5322 §2.1.1 SHOULD; the brief requires <= 78).
// Plain ASCII names are not folded at all; after an RFC 2047 name the
// " <address>" is appended to the last encoded-word line without a fold.
TEST_CASE("a long From display name is folded so no line exceeds 78 characters") {
    OutgoingMail mail = sampleMail();
    mail.fromName = "The Example Project Product Security Incident Response Team (PSIRT)";
    std::string rendered = renderMail(mail);
    checkLines(rendered, 78);
    CHECK(parseMessage(rendered).from.at(0).name == mail.fromName);

    mail.fromName =
        "Sicherheitsteam der M\xC3\xBCller-L\xC3\xBC"
        "denscheidt GmbH & Co. KG, Abteilung f\xC3\xBCr Produkte";
    mail.fromAddress = "product-security-incident-response@mueller-luedenscheidt.example";
    rendered = renderMail(mail);
    checkLines(rendered, 78);
    CHECK(parseMessage(rendered).from.at(0).name == mail.fromName);
}

TEST_CASE("CR and LF in subject, from name, recipient or extra headers cannot create a header") {
    OutgoingMail mail = sampleMail();
    mail.subject = "Hello\r\nBcc: victim@example.com\r\n\r\nbody injected";
    mail.fromName = "Team\r\nX-Injected: 1";
    mail.to = "researcher@example.net\r\nBcc: victim2@example.com";
    mail.inReplyTo = "<a@b>\r\nX-Injected-2: 1";
    mail.references = {"<r@x>\nX-Injected-3: 1"};
    mail.extraHeaders = {{"X-Ok\r\nBcc", "v\r\nX-Injected-4: 1"}, {"Auto-Submitted", "auto-replied\nBcc: x@y.z"}};
    std::string rendered = renderMail(mail);
    checkLines(rendered, 998);
    const std::set<std::string> allowed = {
        "From",       "To",      "Subject",        "Date",         "Message-ID",   "In-Reply-To",
        "References", "X-OkBcc", "Auto-Submitted", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"};
    for (const auto& name : fieldNames(rendered)) {
        INFO("field " << name);
        CHECK(allowed.count(name) == 1);
    }
    auto parsed = parseMessage(rendered);
    CHECK_FALSE(parsed.header("Bcc").has_value());
    CHECK_FALSE(parsed.header("X-Injected").has_value());
    CHECK(parsed.text == mail.body);
    REQUIRE(parsed.to.size() <= 1);
    // The injected text may survive inside a value, never at a line start.
    for (auto line : crlfLines(headerBlock(rendered))) {
        CHECK(line.substr(0, 4) != "Bcc:");
        CHECK(line.substr(0, 10) != "X-Injected");
    }
}

TEST_CASE("quoted-printable lines have at most 76 characters and end in CRLF") {
    std::string text;
    for (int i = 0; i < 50; ++i) text += std::string(static_cast<std::size_t>(i * 7), 'q') + "=\xC3\xA4 \t\n";
    std::string encoded = encodeQuotedPrintable(text);
    checkLines(encoded, 76);
    for (auto line : crlfLines(encoded)) {
        for (char c : line) {
            bool allowed = (c >= 33 && c <= 126) || c == ' ' || c == '\t';
            CHECK(allowed);
        }
    }
}

TEST_CASE("quoted-printable encodes whitespace at a line end, '=' and 8-bit bytes") {
    CHECK(encodeQuotedPrintable("trailing space \n") == "trailing space=20\r\n");
    CHECK(encodeQuotedPrintable("trailing tab\t\n") == "trailing tab=09\r\n");
    CHECK(encodeQuotedPrintable("inner  spaces stay\n") == "inner  spaces stay\r\n");
    CHECK(encodeQuotedPrintable("a=b\n") == "a=3Db\r\n");
    CHECK(encodeQuotedPrintable("\xC3\xA4\n") == "=C3=A4\r\n");
    CHECK(encodeQuotedPrintable("crlf in\r\nstays one break\r\n") == "crlf in\r\nstays one break\r\n");
}

TEST_CASE("quoted-printable encodes \"From \" and \".\" at the start of a line") {
    CHECK(encodeQuotedPrintable("From me\n") == "=46rom me\r\n");
    CHECK(encodeQuotedPrintable(".\n") == "=2E\r\n");
    CHECK(encodeQuotedPrintable(".hidden\nnot From here\nFromage\n") == "=2Ehidden\r\nnot From here\r\nFromage\r\n");
}

// Regression (compose.cpp, encodeQuotedPrintable, fixed): the "." / "From " check looks at
// the column before emit() inserts a soft line break, so a "." or "From " that
// the break moves to the start of the next encoded line is written literally.
// 75 characters followed by "." give an encoded line that is just ".", the
// SMTP end-of-data marker if the transport does not dot-stuff.
TEST_CASE("no encoded line starts with \".\" or \"From \", also after a soft line break") {
    for (std::size_t lead = 70; lead <= 80; ++lead) {
        for (std::string tail : {".", ".x", "From you"}) {
            std::string text = std::string(lead, 'a') + tail + "\n";
            INFO("lead " << lead << ", tail '" << tail << "'");
            std::string encoded = encodeQuotedPrintable(text);
            for (auto line : crlfLines(encoded)) {
                CHECK_FALSE(line.substr(0, 1) == ".");
                CHECK_FALSE(line.substr(0, 5) == "From ");
            }
            CHECK(qpDecode(encoded) == text);
        }
    }
}

// The encoder writes CRLF line ends; mimetic's decoder turns each encoded
// line break into LF, so an LF-ended input must come back unchanged.
TEST_CASE("quoted-printable round-trips through mimetic's decoder") {
    const std::vector<std::string> inputs = {
        "",
        "plain\n",
        "\n\n\n",
        std::string(75, 'x') + "\n" + std::string(76, 'y') + "\n" + std::string(77, 'z') + "\n",
        std::string(300, '=') + "\n",
        std::string(74, 'a') + " \n" + std::string(75, 'b') + "\t\n",
        "From the start\n.\n..\nFrom\n",
        "\xE2\x80\x94\xE2\x9C\x93\xF0\x9F\x94\x92 unicode " + std::string(40, '\xC3') + "\n",
        "=\n=20\n=3D\n= \n",
        "nul\0byte and \x01\x7f controls\n"s,
        "carriage\rreturn\n",
    };
    for (const auto& input : inputs) {
        INFO("input: " << input);
        std::string encoded = encodeQuotedPrintable(input);
        if (!input.empty()) checkLines(encoded, 76);
        CHECK(qpDecode(encoded) == input);
        if (!input.empty()) CHECK(qpDecode(encodeQuotedPrintable(lfToCrlf(input))) == input);
    }
}

TEST_CASE("newMessageId is unique, carries the time and the domain") {
    std::set<std::string> ids;
    for (int i = 0; i < 1000; ++i) ids.insert(newMessageId("example.org", kNow));
    CHECK(ids.size() == 1000);
    for (const auto& id : ids) {
        CHECK(id.substr(0, 17) == "<20261123T224233.");
        CHECK(id.substr(id.size() - 13) == "@example.org>");
        CHECK(secmaild::mime::parseMessageIds(id) == std::vector<std::string>{id});
    }
    std::string fallback = newMessageId("", kNow);
    CHECK(fallback.substr(fallback.size() - 18) == "@secmaild.invalid>");
}

TEST_CASE("domainOf lower-cases the domain of an address") {
    CHECK(secmaild::mime::domainOf("Security@Example.ORG") == "example.org");
    CHECK(secmaild::mime::domainOf("no-at-sign").empty());
}

TEST_CASE("formatAddress quotes specials, escapes quotes, encodes non-ASCII, and parses back") {
    CHECK(formatAddress("", "a@example.org") == "a@example.org");
    CHECK(formatAddress("Plain Name", "a@example.org") == "Plain Name <a@example.org>");
    CHECK(formatAddress("Doe, John", "j@example.org") == "\"Doe, John\" <j@example.org>");
    CHECK(formatAddress("J. R. \"Bob\" \\o/", "b@example.org") == "\"J. R. \\\"Bob\\\" \\\\o/\" <b@example.org>");
    std::string encoded = formatAddress("J\xC3\xBCrgen M\xC3\xBCller", "jm@example.org");
    CHECK(encoded.find("=?") == 0);
    for (char c : encoded) CHECK(static_cast<unsigned char>(c) < 0x80);
    CHECK(formatAddress("Team\r\nBcc: x@y.z", "a@example.org").find('\n') == std::string::npos);

    for (std::string name : {"Plain Name", "Doe, John", "J. R. \"Bob\" \\o/", "J\xC3\xBCrgen M\xC3\xBCller",
                             "Team (PSIRT) <security>", "a@b.c: d;"}) {
        INFO("name: " << name);
        auto list = parseAddressList(formatAddress(name, "x@example.org"));
        REQUIRE(list.size() == 1);
        CHECK(list[0].name == name);
        CHECK(list[0].address == "x@example.org");
    }
}
