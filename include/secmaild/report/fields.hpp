// Report fields: what a security policy asks a reporter to include
// (description, steps to reproduce, impact, mitigation, contact, version, CVSS,
// credit) and the extractor that finds them in the text of a report mail.
//
// The text is the report's body as UTF-8, already MIME-decoded; HTML mail has
// been turned into Markdown-like text. The extractor understands the layouts
// researchers use: "Label: value" lines, Markdown headings (via cmark), bold
// labels, numbered sections, the HackerOne template and unlabelled prose. It
// ignores quoted reply text, reply attribution lines and signatures, so that a
// follow-up quoting our own acknowledgment does not count as a report.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace secmaild::report {

enum class Field { Description, Steps, Impact, Mitigation, Contact, Version, Cvss, Credit };

// "description", "steps", "impact", "mitigation", "contact", "version", "cvss",
// "credit": the keys used in policy files and the store.
std::string_view fieldKey(Field field);
// The field for a key (exact, lower-case), or nullopt. Never throws.
std::optional<Field> fieldFromKey(std::string_view key);
// Every field, in declaration order.
const std::vector<Field>& allFields();
// The built-in label aliases of a field, lower-case (e.g. "steps to reproduce").
const std::vector<std::string>& defaultAliases(Field field);

// The labels that count for one field. Aliases are compared after the same
// normalisation as labels in the text (case, emphasis, a trailing ':',
// parenthetical qualifiers such as "(if any)", runs of whitespace), so a
// policy may give them as written in its SECURITY.md.
struct FieldSpec {
    Field field;
    std::vector<std::string> aliases;
};
// Every field with its default aliases.
std::vector<FieldSpec> defaultFieldSpecs();

struct FoundField {
    Field field;
    std::string value;  // valid UTF-8, trimmed, at most ExtractOptions::maxFieldBytes
    // How it was found: "label" (Label: value), "heading" (Markdown heading),
    // "bold" (**Label:**), "numbered" (1. Label / III. Label) or "text"
    // (recognised in unlabelled prose). For a field given several times, the
    // way of its first occurrence.
    std::string how;
};

struct ExtractOptions {
    std::size_t maxTextBytes = 4u << 20;    // input beyond this is cut (on a UTF-8 boundary) first
    std::size_t maxFieldBytes = 64u << 10;  // each value is cut to this (on a UTF-8 boundary)
    // cmark sees the text in pieces of about this size, cut between blocks
    // where possible, so that its syntax tree (~150 bytes a node) stays small
    // on hostile input.
    std::size_t markdownChunkBytes = 128u << 10;
    // The project's names as reporters write them ("Personal Chatter"): a
    // version number right after one ("Personal Chatter 0.2.3") is the
    // affected version even without the word "version". Case-insensitive.
    std::vector<std::string> productNames;
};

// The fields of `specs` found in `text`, at most one entry per field, in the
// order of allFields(). A field given more than once (a repeated label) has
// its values joined by a blank line. Fields whose value is empty are left out.
// Labels of fields not in `specs` still end the previous section (with their
// default aliases) but are not reported. Linear in the text (bounded by
// maxTextBytes); never throws on any input, though std::bad_alloc may escape.
std::vector<FoundField> extractFields(std::string_view text, const std::vector<FieldSpec>& specs,
                                      const ExtractOptions& options = {});

// The first version number in `value`, without a leading "v": "v0.2.3-rc1 on
// Linux" -> "0.2.3-rc1", "0.2.x" -> "0.2.x", "2" -> "2". A number needs a dot
// unless it is written "v2" or stands alone. nullopt if there is none
// ("latest"). For matching a report against a policy's supported versions.
std::optional<std::string> versionNumber(std::string_view value);

}  // namespace secmaild::report
