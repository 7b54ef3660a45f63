// Report-field extraction: every layout researchers use (labels, Markdown
// headings, bold labels, numbered sections, the HackerOne template, prose),
// the phrasings of the two seed policies, reply structure that must not count
// (quotes, attributions, signatures), limits, and hostile input.
#include <doctest/doctest.h>

#include <string>

#include "secmaild/report/fields.hpp"
#include "secmaild/util/strings.hpp"

using namespace secmaild::report;

namespace {

struct Result {
    std::vector<FoundField> fields;

    const FoundField* get(Field f) const {
        for (const auto& x : fields)
            if (x.field == f) return &x;
        return nullptr;
    }
    bool has(Field f) const { return get(f) != nullptr; }
    std::string value(Field f) const { return has(f) ? get(f)->value : std::string("<absent>"); }
    std::string how(Field f) const { return has(f) ? get(f)->how : std::string("<absent>"); }
};

Result extract(std::string_view text, const ExtractOptions& options = {}) {
    return Result{extractFields(text, defaultFieldSpecs(), options)};
}

Result extractWith(std::string_view text, std::vector<FieldSpec> specs) {
    return Result{extractFields(text, specs)};
}

bool trimmedValidUtf8(const Result& r) {
    for (const auto& f : r.fields) {
        if (!secmaild::isValidUtf8(f.value) || f.value.empty()) return false;
        if (secmaild::trim(f.value).size() != f.value.size()) return false;
    }
    return true;
}

}  // namespace

// ---- the catalogue ----

TEST_CASE("every field has a key that maps back to it") {
    CHECK(allFields().size() == 8);
    for (Field f : allFields()) {
        auto back = fieldFromKey(fieldKey(f));
        REQUIRE(back);
        CHECK(*back == f);
    }
    CHECK(fieldKey(Field::Steps) == "steps");
    CHECK(fieldKey(Field::Cvss) == "cvss");
    CHECK_FALSE(fieldFromKey("Steps"));
    CHECK_FALSE(fieldFromKey("severity"));
}

TEST_CASE("default aliases are lower-case and default specs cover every field") {
    auto specs = defaultFieldSpecs();
    REQUIRE(specs.size() == allFields().size());
    for (const auto& spec : specs) {
        CHECK_FALSE(spec.aliases.empty());
        for (const auto& alias : spec.aliases) CHECK(alias == secmaild::toLower(alias));
        CHECK(spec.aliases == defaultAliases(spec.field));
    }
}

// ---- layout 1: "Label: value" lines ----

TEST_CASE("inline label values are taken and each ends at the next label") {
    auto r = extract(
        "Description: The export endpoint leaks other users' files.\n"
        "Impact: an attacker can read any user's exports.\n"
        "Version: 0.2.3\n");
    CHECK(r.value(Field::Description) == "The export endpoint leaks other users' files.");
    CHECK(r.how(Field::Description) == "label");
    CHECK(r.value(Field::Impact) == "an attacker can read any user's exports.");
    CHECK(r.value(Field::Version) == "0.2.3");
}

TEST_CASE("a label alone on its line takes the list below it") {
    auto r = extract(
        "Steps to reproduce:\n"
        "1. Log in as alice\n"
        "2. GET /api/export?user=bob\n"
        "\n"
        "Impact: data exposure\n");
    CHECK(r.value(Field::Steps) == "1. Log in as alice\n2. GET /api/export?user=bob");
    CHECK(r.how(Field::Steps) == "label");
    CHECK(r.value(Field::Impact) == "data exposure");
}

TEST_CASE("a value continues over following lines and paragraphs until the next label") {
    auto r = extract(
        "Impact: an attacker can\n"
        "read every file.\n"
        "\n"
        "It also works unauthenticated.\n"
        "Mitigation: check ownership\n");
    CHECK(r.value(Field::Impact) == "an attacker can\nread every file.\n\nIt also works unauthenticated.");
    CHECK(r.value(Field::Mitigation) == "check ownership");
}

TEST_CASE("prose that merely starts with an alias is not a label") {
    auto r = extract(
        "Description: the session cookie lacks HttpOnly.\n"
        "Impact of this change is that scripts can read it.\n"
        "Fixing it is easy.\n");
    CHECK(r.value(Field::Description) ==
          "the session cookie lacks HttpOnly.\nImpact of this change is that scripts can read it.\nFixing it is easy.");
    CHECK_FALSE(r.has(Field::Impact));
}

TEST_CASE("a lower-case alias with a colon continuing a wrapped sentence is prose") {
    auto r = extract(
        "Description: we measured the\n"
        "impact: it was larger than expected.\n");
    CHECK_FALSE(r.has(Field::Impact));
    CHECK(r.value(Field::Description) == "we measured the\nimpact: it was larger than expected.");
}

TEST_CASE("a label may be separated from its value by a dash") {
    auto r = extract("Impact - an attacker can delete any chat.\nFix \xE2\x80\x93 check the owner.\n");
    CHECK(r.value(Field::Impact) == "an attacker can delete any chat.");
    CHECK(r.value(Field::Mitigation) == "check the owner.");
}

TEST_CASE("label matching ignores case, parenthetical qualifiers and extra whitespace") {
    auto r = extract(
        "SUGGESTED   MITIGATION (if any):  escape the output\n"
        "Affected version(s): 0.2.1\n"
        "Impact (CVSS: 9.8): full takeover\n");
    CHECK(r.value(Field::Mitigation) == "escape the output");
    CHECK(r.value(Field::Version) == "0.2.1");
    CHECK(r.value(Field::Impact) == "full takeover");
}

TEST_CASE("a bulleted label, as when a reporter fills in the policy's list, is a label") {
    auto r = extract(
        "- Description of the vulnerability: SQL injection in /search\n"
        "- Steps to reproduce the issue: send q=' OR 1=1--\n");
    CHECK(r.value(Field::Description) == "SQL injection in /search");
    CHECK(r.value(Field::Steps) == "send q=' OR 1=1--");
}

TEST_CASE("a line holding only a CVSS vector is not a 'CVSS:' label") {
    auto r = extract("## Impact\nFile read.\n\nCVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N\n");
    CHECK(r.value(Field::Cvss) == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N");
    CHECK(r.how(Field::Cvss) == "text");
    CHECK(extract("CVSS: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N\n").how(Field::Cvss) == "label");
}

TEST_CASE("an inline label in a prose mail takes its paragraph, not the rest of the mail") {
    auto r = extract(
        "Revoked API keys keep working for a day because sessions are cached.\n"
        "\n"
        "To reproduce: create a key, log in, revoke it, keep using the session.\n"
        "\n"
        "An attacker who stole a key could keep access. I suggest clearing the cache on revocation.\n");
    CHECK(r.value(Field::Steps) == "create a key, log in, revoke it, keep using the session.");
    CHECK(r.value(Field::Impact) == "An attacker who stole a key could keep access.");
    CHECK(r.value(Field::Mitigation) == "I suggest clearing the cache on revocation.");
    CHECK(r.value(Field::Description) == "Revoked API keys keep working for a day because sessions are cached.");
}

TEST_CASE("a repeated label appends its value after a blank line") {
    auto r = extract("Impact: reads files.\nSteps: run it\nImpact: also deletes them.\n");
    CHECK(r.value(Field::Impact) == "reads files.\n\nalso deletes them.");
    CHECK(r.how(Field::Impact) == "label");
}

TEST_CASE("a label with an empty value leaves the field out") {
    auto r = extract("Suggested mitigation (if any):\nYour contact information: bob@example.org\n");
    CHECK_FALSE(r.has(Field::Mitigation));
    CHECK(r.value(Field::Contact) == "bob@example.org");
}

// ---- layout 2: Markdown headings ----

TEST_CASE("ATX headings open sections") {
    auto r = extract(
        "# Report\n\n"
        "## Description\n"
        "Path traversal in the model loader.\n\n"
        "## Steps to reproduce\n"
        "1. Upload `../../etc/passwd` as a model name\n"
        "2. Load it\n\n"
        "### Impact ###\n"
        "Arbitrary file read.\n");
    CHECK(r.value(Field::Description) == "Path traversal in the model loader.");
    CHECK(r.how(Field::Description) == "heading");
    CHECK(r.value(Field::Steps) == "1. Upload `../../etc/passwd` as a model name\n2. Load it");
    CHECK(r.value(Field::Impact) == "Arbitrary file read.");
}

TEST_CASE("setext headings open sections") {
    auto r = extract(
        "Summary\n"
        "=======\n"
        "Open redirect on /login.\n"
        "\n"
        "Impact\n"
        "------\n"
        "Phishing with our domain.\n");
    CHECK(r.value(Field::Description) == "Open redirect on /login.");
    CHECK(r.how(Field::Description) == "heading");
    CHECK(r.value(Field::Impact) == "Phishing with our domain.");
}

TEST_CASE("a heading title may carry an inline value") {
    auto r = extract("## Severity: High\nText.\n\nAffected\nversion: 0.2.3\n===\n");
    CHECK(r.value(Field::Cvss) == "High\nText.");
    CHECK(r.how(Field::Cvss) == "heading");
    // A two-line setext title reads as one line.
    CHECK(r.value(Field::Version) == "0.2.3");
    CHECK(r.how(Field::Version) == "heading");
}

TEST_CASE("a heading with an unknown title ends the previous section") {
    auto r = extract(
        "## Impact\n"
        "Account takeover.\n\n"
        "## References\n"
        "https://owasp.org/\n");
    CHECK(r.value(Field::Impact) == "Account takeover.");
}

TEST_CASE("an unknown subheading stays inside the section of its parent heading") {
    auto r = extract(
        "## Description\n"
        "The token check is skipped.\n\n"
        "### Root cause\n"
        "`verify()` returns early.\n\n"
        "## Impact\n"
        "Bypass.\n");
    CHECK(r.value(Field::Description) == "The token check is skipped.\n\n### Root cause\n`verify()` returns early.");
    CHECK(r.value(Field::Impact) == "Bypass.");
}

TEST_CASE("a label inside a fenced code block is content, not a label") {
    auto r = extract(
        "Steps to reproduce:\n"
        "```\n"
        "$ curl -i https://chat.example/api\n"
        "Impact: none\n"
        "## Mitigation\n"
        "```\n"
        "Impact: the API answers without a token.\n");
    CHECK(r.value(Field::Steps) == "```\n$ curl -i https://chat.example/api\nImpact: none\n## Mitigation\n```");
    CHECK(r.value(Field::Impact) == "the API answers without a token.");
    CHECK_FALSE(r.has(Field::Mitigation));
}

TEST_CASE("a label inside an indented code block is content, not a label") {
    auto r = extract(
        "Proof of concept:\n"
        "\n"
        "    HTTP/1.1 200 OK\n"
        "    Version: 9.9.9\n"
        "\n"
        "Version: 0.2.3\n");
    CHECK(r.value(Field::Steps) == "HTTP/1.1 200 OK\n    Version: 9.9.9");
    CHECK(r.value(Field::Version) == "0.2.3");
}

// ---- layout 3: bold labels ----

TEST_CASE("bold labels with the colon inside or outside the emphasis") {
    auto r = extract(
        "**Description:** Stored XSS in chat titles.\n"
        "**Impact**: session theft.\n"
        "*Mitigation:* escape titles\n");
    CHECK(r.value(Field::Description) == "Stored XSS in chat titles.");
    CHECK(r.how(Field::Description) == "bold");
    CHECK(r.value(Field::Impact) == "session theft.");
    CHECK(r.value(Field::Mitigation) == "escape titles");
}

TEST_CASE("a bold label alone on its line opens a section, with ** or __") {
    auto r = extract(
        "Intro text about the report, which is longer than a greeting.\n"
        "**Impact**\n"
        "Remote code execution.\n"
        "__Steps to reproduce__\n"
        "Run the attached script.\n");
    CHECK(r.value(Field::Impact) == "Remote code execution.");
    CHECK(r.how(Field::Impact) == "bold");
    CHECK(r.value(Field::Steps) == "Run the attached script.");
}

TEST_CASE("emphasised prose is not a label") {
    auto r = extract("Description: odd.\n**Note** the impact is small.\n");
    CHECK_FALSE(r.has(Field::Impact));
    CHECK(r.value(Field::Description) == "odd.\n**Note** the impact is small.");
}

// ---- layout 4: numbered sections ----

TEST_CASE("numbered sections open fields, numbered steps inside them stay content") {
    auto r = extract(
        "1. Description\n"
        "The admin panel has no CSRF token.\n"
        "2) Steps to reproduce:\n"
        "1. Open the app\n"
        "2. Visit the attacker page\n"
        "III. Impact\n"
        "Settings change silently.\n");
    CHECK(r.value(Field::Description) == "The admin panel has no CSRF token.");
    CHECK(r.how(Field::Description) == "numbered");
    CHECK(r.value(Field::Steps) == "1. Open the app\n2. Visit the attacker page");
    CHECK(r.how(Field::Steps) == "numbered");
    CHECK(r.value(Field::Impact) == "Settings change silently.");
}

// ---- layout 5: the HackerOne template ----

TEST_CASE("the HackerOne template: Summary is the description, references end the steps") {
    auto r = extract(
        "## Summary:\n"
        "IDOR on /api/v1/conversations/{id}.\n"
        "\n"
        "## Steps To Reproduce:\n"
        "  1. Log in as user A\n"
        "  2. Request user B's conversation id\n"
        "\n"
        "## Supporting Material/References:\n"
        "  * screenshot.png\n"
        "\n"
        "## Impact\n"
        "Read any conversation.\n");
    CHECK(r.value(Field::Description) == "IDOR on /api/v1/conversations/{id}.");
    CHECK(r.value(Field::Steps) == "1. Log in as user A\n  2. Request user B's conversation id");
    CHECK(r.value(Field::Impact) == "Read any conversation.");
    CHECK(r.how(Field::Impact) == "heading");
}

// ---- layout 6: prose ----

TEST_CASE("a report without labels is all description") {
    auto r = extract(
        "Hello,\n\n"
        "the password reset token is the user id in base64, so anyone can reset any account.\n"
        "I noticed it while testing my own installation.\n");
    // The greeting is not part of it.
    CHECK(r.value(Field::Description) ==
          "the password reset token is the user id in base64, so anyone can reset any account.\n"
          "I noticed it while testing my own installation.");
    CHECK(r.how(Field::Description) == "text");
    CHECK_FALSE(r.has(Field::Steps));
}

TEST_CASE("a CVSS vector anywhere in prose is the cvss field, canonicalised") {
    auto r = extract("It is bad (CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N), please fix.\n");
    CHECK(r.value(Field::Cvss) == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    CHECK(r.how(Field::Cvss) == "text");
}

TEST_CASE("version mentions in prose are recognised") {
    CHECK(extract("This happens in version 0.2.3 of the server.").value(Field::Version) == "0.2.3");
    CHECK(extract("Tested against v1.4 yesterday.").value(Field::Version) == "v1.4");
    CHECK(extract("The bug is in 0.2.x and maybe older.").value(Field::Version) == "0.2.x");
    CHECK(extract("It affects 1.2.0 through 1.3.1 at least.").value(Field::Version) == "1.2.0 through 1.3.1");
    CHECK(extract("All versions before 0.2.4 are affected.").value(Field::Version) == "before 0.2.4");
}

TEST_CASE("numbers that are not the project's version are not taken as one") {
    CHECK_FALSE(extract("I used Python 3.11 on Ubuntu 22.04 and it took 2.5 seconds.").has(Field::Version));
    CHECK_FALSE(extract("The score is CVSS v3.1 9.8 and the server is at 10.0.0.1.").has(Field::Version));
    CHECK_FALSE(extract("Call /api/v1/export or /static/app_2.1.3.js?v=4.5 to see it.").has(Field::Version));
}

TEST_CASE("a version right after a configured product name is the version") {
    ExtractOptions options;
    options.productNames = {"Personal Chatter"};
    std::string text = "The import endpoint of personal chatter 0.2.3 joins paths unsafely.";
    CHECK(extract(text, options).value(Field::Version) == "0.2.3");
    CHECK_FALSE(extract(text).has(Field::Version));
    CHECK_FALSE(extract("Personal Chatterbox 0.2.3 is fine.", options).has(Field::Version));
}

TEST_CASE("an ordered list of two or more items in prose is the steps") {
    auto r = extract(
        "The upload handler trusts the file name.\n\n"
        "1. Upload a file named ../x\n"
        "2. Fetch /x\n\n"
        "That is all.\n");
    CHECK(r.value(Field::Steps) == "1. Upload a file named ../x\n2. Fetch /x");
    CHECK(r.how(Field::Steps) == "text");
    CHECK_FALSE(extract("Only one thing:\n\n1. Upload a file\n").has(Field::Steps));
}

TEST_CASE("sentences saying what an attacker can do are the impact") {
    auto r = extract(
        "The avatar URL is fetched server-side. An attacker can make the server request internal hosts. "
        "The fix is simple.\n");
    CHECK(r.value(Field::Impact) == "An attacker can make the server request internal hosts.");
    auto s = extract("This allows remote unauthenticated attackers to execute code. Found on Monday.");
    CHECK(s.value(Field::Impact) == "This allows remote unauthenticated attackers to execute code.");
    CHECK_FALSE(extract("The page renders slowly on old phones.").has(Field::Impact));
}

TEST_CASE("an attacker described by a relative clause still makes an impact sentence") {
    auto r = extract("Keys stay valid. An attacker who has stolen a key could keep access after revocation.");
    CHECK(r.value(Field::Impact) == "An attacker who has stolen a key could keep access after revocation.");
    CHECK(extract("An attacker with network access can read chats.").has(Field::Impact));
}

TEST_CASE("sentences suggesting a fix are the mitigation") {
    auto r =
        extract("The filename is used as-is. The server should validate the path. I suggest using a random name.\n");
    CHECK(r.value(Field::Mitigation) == "The server should validate the path. I suggest using a random name.");
    CHECK(r.how(Field::Mitigation) == "text");
    CHECK(extract("This can be fixed by escaping the title.").value(Field::Mitigation) ==
          "This can be fixed by escaping the title.");
    CHECK(extract("A fix would be to drop the header.").value(Field::Mitigation) ==
          "A fix would be to drop the header.");
}

TEST_CASE("a credit request names the person; a wish for anonymity gives 'anonymous'") {
    CHECK(extract("Bug details here. Please credit me as Jane Q. Doe (@jdoe), thanks!").value(Field::Credit) ==
          "Jane Q. Doe (@jdoe)");
    CHECK(extract("Bug details here. I'd like to remain anonymous.").value(Field::Credit) == "anonymous");
    CHECK(extract("Bug details here. No credit please.").value(Field::Credit) == "anonymous");
    CHECK(extract("Credit: none\nImpact: x\n").value(Field::Credit) == "anonymous");
    CHECK(extract("Credit: Jane Doe\n").value(Field::Credit) == "Jane Doe");
    CHECK_FALSE(extract("The app stores no credit card numbers.").has(Field::Credit));
}

TEST_CASE("a contact phrase with an address is the contact") {
    CHECK(extract("Found a bug. You can reach me at jane@example.org for details.").value(Field::Contact) ==
          "jane@example.org for details");
    CHECK(extract("Found a bug. Contact me on Signal +44 7700 900123.").value(Field::Contact) ==
          "Signal +44 7700 900123");
    CHECK_FALSE(extract("Found a bug. Contact me at your convenience.").has(Field::Contact));
}

TEST_CASE("text before the first label is the description when no label gives one") {
    auto r = extract(
        "Hi team,\n\n"
        "I found that chat exports are readable by any logged-in user.\n\n"
        "Steps to reproduce:\n1. a\n2. b\n");
    CHECK(r.value(Field::Description) == "I found that chat exports are readable by any logged-in user.");
    CHECK(r.how(Field::Description) == "text");
    auto trivial = extract("Hi team,\nHere is my report:\n\nSteps to reproduce:\n1. a\n2. b\n");
    CHECK_FALSE(trivial.has(Field::Description));
}

// ---- the seed policies ----

TEST_CASE("a report following the Personal Chatter policy's list yields all five fields") {
    auto r = extract(
        "Hello Personal Chatter team,\n"
        "\n"
        "Description of the vulnerability\n"
        "The /api/chat endpoint passes user input into a shell command.\n"
        "\n"
        "Steps to reproduce the issue\n"
        "1. Start the server (version 0.2.1)\n"
        "2. POST {\"model\": \"x; id\"} to /api/chat\n"
        "\n"
        "Potential impact assessment\n"
        "Remote code execution as the server user.\n"
        "\n"
        "Suggested mitigation (if any)\n"
        "Use subprocess with an argument list.\n"
        "\n"
        "Your contact information\n"
        "jane@example.org, PGP 0xDEADBEEF\n");
    CHECK(r.value(Field::Description) == "The /api/chat endpoint passes user input into a shell command.");
    CHECK(r.value(Field::Steps) == "1. Start the server (version 0.2.1)\n2. POST {\"model\": \"x; id\"} to /api/chat");
    CHECK(r.value(Field::Impact) == "Remote code execution as the server user.");
    CHECK(r.value(Field::Mitigation) == "Use subprocess with an argument list.");
    CHECK(r.value(Field::Contact) == "jane@example.org, PGP 0xDEADBEEF");
    CHECK(r.value(Field::Version) == "0.2.1");
    CHECK(r.how(Field::Version) == "text");
}

TEST_CASE("the PersonaLab policy: 'Any suggested fixes (if available)' is mitigation, contact is not asked") {
    std::vector<FieldSpec> personaLab = {
        {Field::Description, {"Description of the vulnerability"}},
        {Field::Steps, {"Steps to reproduce the issue"}},
        {Field::Impact, {"Potential impact assessment"}},
        {Field::Mitigation, {"Any suggested fixes (if available)"}},
    };
    auto r = extractWith(
        "Description of the vulnerability: API keys are logged in plain text.\n"
        "Steps to reproduce the issue: enable debug logging and call any endpoint.\n"
        "Potential impact assessment: anyone with log access gets the keys.\n"
        "Any suggested fixes (if available): redact keys before logging.\n"
        "Contact: bob@example.org\n",
        personaLab);
    CHECK(r.value(Field::Mitigation) == "redact keys before logging.");
    CHECK(r.how(Field::Mitigation) == "label");
    CHECK(r.value(Field::Impact) == "anyone with log access gets the keys.");
    CHECK_FALSE(r.has(Field::Contact));  // not in the specs, and not glued onto the mitigation
    CHECK(r.fields.size() == 4);
}

TEST_CASE("aliases given by a policy are normalised like labels in the text") {
    std::vector<FieldSpec> specs = {{Field::Impact, {"**Business Impact:**"}}};
    auto r = extractWith("Business impact: revenue loss\n", specs);
    CHECK(r.value(Field::Impact) == "revenue loss");
    // With only that alias, the default "Impact:" is not a label for the field.
    CHECK_FALSE(extractWith("Intro.\nImpact: revenue loss\n", specs).has(Field::Impact));
}

TEST_CASE("fields come out once each, in the order of allFields, and only those asked for") {
    auto r = extractWith(
        "Impact: a\nDescription: b\nImpact: c\n",
        {{Field::Impact, defaultAliases(Field::Impact)}, {Field::Description, defaultAliases(Field::Description)}});
    REQUIRE(r.fields.size() == 2);
    CHECK(r.fields[0].field == Field::Description);
    CHECK(r.fields[1].field == Field::Impact);
}

// ---- mixed layouts ----

TEST_CASE("headings, bold labels and label lines mix in one report") {
    auto r = extract(
        "# Stored XSS in chat titles\n\n"
        "**Severity:** High\n\n"
        "## Details\n"
        "Titles are inserted with innerHTML.\n\n"
        "Steps to reproduce:\n"
        "1. Rename a chat to <img src=x onerror=alert(1)>\n"
        "2. Share it\n\n"
        "## Impact\n"
        "An attacker can run script in other users' sessions.\n\n"
        "Affected versions: 0.2.0 - 0.2.3\n");
    CHECK(r.value(Field::Cvss) == "High");
    CHECK(r.how(Field::Cvss) == "bold");
    CHECK(r.value(Field::Description) == "Titles are inserted with innerHTML.");
    CHECK(r.value(Field::Steps) == "1. Rename a chat to <img src=x onerror=alert(1)>\n2. Share it");
    CHECK(r.value(Field::Impact) == "An attacker can run script in other users' sessions.");
    CHECK(r.value(Field::Version) == "0.2.0 - 0.2.3");
}

// ---- reply structure ----

TEST_CASE("a follow-up quoting our acknowledgment does not count its field names") {
    auto r = extract(
        "Here is the missing PoC, sorry.\n"
        "\n"
        "On Tue, 14 Jan 2025 at 10:02, Personal Chatter Security <security@personal-chatter.org> wrote:\n"
        "> Thank you for your report. It still lacks:\n"
        "> - Steps to reproduce the issue:\n"
        "> - Potential impact assessment: \n"
        ">> Description: earlier text\n");
    CHECK_FALSE(r.has(Field::Steps));
    CHECK_FALSE(r.has(Field::Impact));
    CHECK(r.value(Field::Description) == "Here is the missing PoC, sorry.");
}

TEST_CASE("an attribution line wrapped over two lines is ignored") {
    auto r = extract(
        "Thanks, see below.\n"
        "\n"
        "On Tue, Jan 14, 2025 at 10:02 AM Personal Chatter Security <\n"
        "security@personal-chatter.org> wrote:\n"
        "\n"
        "> Impact: quoted\n");
    CHECK(r.value(Field::Description) == "Thanks, see below.");
}

TEST_CASE("the signature after '-- ' is ignored") {
    auto r = extract(
        "Impact: token theft\n"
        "-- \n"
        "Jane Doe\n"
        "Contact: +1 555 0100 | Version: 9.9\n");
    CHECK(r.value(Field::Impact) == "token theft");
    CHECK_FALSE(r.has(Field::Contact));
    CHECK_FALSE(r.has(Field::Version));
    auto s = extract("Impact: token theft\n\n--\nContact: sig@example.org\n");
    CHECK_FALSE(s.has(Field::Contact));
}

TEST_CASE("a closing at the end belongs to no field") {
    auto r = extract("Your contact information: jane@example.org\n\nThanks,\nJane\n");
    CHECK(r.value(Field::Contact) == "jane@example.org");
}

TEST_CASE("an Outlook-style quoted message below a reply is ignored") {
    auto r = extract(
        "Adding the impact: an attacker can read the database.\n"
        "\n"
        "-----Original Message-----\n"
        "From: Security <security@example.org>\n"
        "Sent: Tuesday, January 14, 2025 10:02 AM\n"
        "Steps to reproduce: quoted\n");
    CHECK_FALSE(r.has(Field::Steps));
    CHECK(r.value(Field::Impact) == "Adding the impact: an attacker can read the database.");
}

TEST_CASE("Outlook's underscore rule and reply header end the new text") {
    auto r = extract(
        "Here are the steps you asked for:\n"
        "\n"
        "1. Open the chat settings\n"
        "2. Paste the payload into the nickname\n"
        "\n"
        "________________________________\n"
        "From: Security <security@example.org>\n"
        "Sent: Wednesday, January 15, 2025 9:00 AM\n"
        "Subject: Re: XSS\n"
        "\n"
        "We still need:\n"
        "- Your contact information: \n");
    CHECK(r.value(Field::Steps) == "1. Open the chat settings\n2. Paste the payload into the nickname");
    CHECK_FALSE(r.has(Field::Contact));
}

TEST_CASE("a forwarded report without new text above it is still the report") {
    auto r = extract(
        "---------- Forwarded message ---------\n"
        "From: Jane <jane@example.org>\n"
        "Date: Tue, 14 Jan 2025\n"
        "Subject: XSS\n"
        "\n"
        "Impact: session theft\n");
    CHECK(r.value(Field::Impact) == "session theft");
}

TEST_CASE("'>' lines inside a fenced code block are content, not quotes") {
    auto r = extract(
        "Proof of concept:\n"
        "```\n"
        ">>> import chatter\n"
        ">>> chatter.load('../../x')\n"
        "```\n");
    CHECK(r.value(Field::Steps) == "```\n>>> import chatter\n>>> chatter.load('../../x')\n```");
}

// ---- line endings, encoding and limits ----

TEST_CASE("Windows and old Mac line endings work like LF") {
    auto crlf = extract("Description: a\r\nmore\r\n\r\n## Impact\r\nbig\r\n");
    CHECK(crlf.value(Field::Description) == "a\nmore");
    CHECK(crlf.value(Field::Impact) == "big");
    auto cr = extract("Description: a\rImpact: big\r");
    CHECK(cr.value(Field::Impact) == "big");
}

TEST_CASE("invalid UTF-8 comes out replaced, values stay valid") {
    auto r = extract("Impact: caf\xE9 \xFF\xFE broken\n");
    CHECK(r.value(Field::Impact) == "caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD broken");
    CHECK(trimmedValidUtf8(r));
}

TEST_CASE("values are cut to maxFieldBytes on a UTF-8 boundary") {
    ExtractOptions options;
    options.maxFieldBytes = 10;
    std::string text = "Impact: ";
    for (int i = 0; i < 20; ++i) text += "\xC3\xA9";  // é, two bytes
    auto r = extract(text, options);
    CHECK(r.value(Field::Impact).size() == 10);
    options.maxFieldBytes = 9;
    r = extract(text, options);
    CHECK(r.value(Field::Impact).size() == 8);
    CHECK(trimmedValidUtf8(r));
}

TEST_CASE("a value cut inside a code line still ends on a character boundary") {
    ExtractOptions options;
    options.maxFieldBytes = 2;
    auto r = extract("    \xE2\x82\xAC euro in an indented code block", options);
    CHECK_FALSE(r.has(Field::Description));  // two bytes cannot hold the three-byte first character
    CHECK(trimmedValidUtf8(r));
}

TEST_CASE("input over maxTextBytes is cut before anything is looked at") {
    ExtractOptions options;
    options.maxTextBytes = 30;
    auto r = extract("Impact: short\nMitigation: this label is beyond the limit\n", options);
    CHECK(r.value(Field::Impact) == "short");
    CHECK(r.value(Field::Mitigation) == "this");  // 14 + 16 bytes
}

TEST_CASE("a report larger than one cmark chunk keeps code blocks and headings intact") {
    ExtractOptions options;
    options.markdownChunkBytes = 1024;  // the minimum
    std::string text = "## Steps to reproduce\n```\n";
    for (int i = 0; i < 200; ++i) text += "Impact: inside code " + std::to_string(i) + "\n";
    text += "```\n\n";
    for (int i = 0; i < 100; ++i) text += "Filler paragraph number " + std::to_string(i) + ".\n\n";
    text += "## Impact\nReal impact.\n";
    auto r = extract(text, options);
    CHECK(r.value(Field::Impact) == "Real impact.");
    CHECK(r.value(Field::Steps).find("Impact: inside code 199") != std::string::npos);
}

// ---- hostile input ----

TEST_CASE("four megabytes on one line are handled") {
    std::string text = "Impact: " + std::string(4u << 20, 'a');
    auto r = extract(text);
    CHECK(r.value(Field::Impact).size() == ExtractOptions{}.maxFieldBytes);
}

TEST_CASE("100k lines of labels are handled and the repeated field is capped") {
    std::string text;
    for (int i = 0; i < 100000; ++i) text += "Impact: an attacker can do thing " + std::to_string(i) + "\n";
    auto r = extract(text);
    CHECK(r.value(Field::Impact).size() <= ExtractOptions{}.maxFieldBytes);
    CHECK(r.value(Field::Impact).rfind("an attacker can do thing 0\n\n", 0) == 0);
}

TEST_CASE("deeply nested lists, blockquotes and cmark's slow inline patterns are handled") {
    std::string lists;
    for (int i = 0; i < 10000; ++i) lists += std::string(static_cast<std::size_t>(i) * 2 % 4000, ' ') + "- x\n";
    CHECK(trimmedValidUtf8(extract(lists)));
    std::string oneLine;
    for (int i = 0; i < 10000; ++i) oneLine += "- > ";
    oneLine += "Impact: x\n";
    CHECK(trimmedValidUtf8(extract(oneLine)));
    std::string quotes;
    for (int i = 1; i <= 10000; ++i) quotes += std::string(static_cast<std::size_t>(i), '>') + " q\n";
    CHECK_FALSE(extract(quotes).has(Field::Description));
    std::string brackets;
    while (brackets.size() < (1u << 20)) brackets += "![[]()";
    CHECK(extract(brackets).has(Field::Description));
}

// ---- versionNumber ----

TEST_CASE("versionNumber finds the first version in a value") {
    CHECK(versionNumber("v0.2.3-rc1 on Linux") == "0.2.3-rc1");
    CHECK(versionNumber("0.2.x") == "0.2.x");
    CHECK(versionNumber("Personal Chatter 0.1.9 (docker)") == "0.1.9");
    CHECK(versionNumber("1.2.0 through 1.3.1") == "1.2.0");
    CHECK(versionNumber("V2") == "2");
    CHECK(versionNumber(" 2 ") == "2");
    CHECK(versionNumber("0.2.3+build.7") == "0.2.3+build.7");
    CHECK_FALSE(versionNumber("latest"));
    CHECK_FALSE(versionNumber("build 2 of the app"));
    CHECK_FALSE(versionNumber("abc1.2"));
    CHECK_FALSE(versionNumber(""));
}

TEST_CASE("a greeting that opens a sentence is part of the description, not a salutation to skip") {
    auto r = extract("Hi, the search box seems injectable. I am on 0.1.4.");
    CHECK(r.value(Field::Description) == "Hi, the search box seems injectable. I am on 0.1.4.");
    CHECK(r.value(Field::Version) == "0.1.4");
    auto dear = extract("Dear security team: the login form tells whether an account exists.");
    CHECK(dear.value(Field::Description) == "Dear security team: the login form tells whether an account exists.");
}

TEST_CASE("a greeting line of its own is skipped, and the description starts after it") {
    auto r = extract("Hi team,\n\nthe search box is injectable with ' OR 1=1.\n\nThanks,\nMax");
    CHECK(r.value(Field::Description) == "the search box is injectable with ' OR 1=1.");
    CHECK(extract("Hello security team!\nXSS in the title.").value(Field::Description) == "XSS in the title.");
}
