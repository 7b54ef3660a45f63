// The report fields (keys and default label aliases) and the extractor that
// assembles them: it walks the prepared lines (field_document.cpp), opens a
// section at every label (field_labels.cpp) or known heading and closes it at
// the next one, then fills what no label gave from unlabelled prose
// (field_free_text.cpp). It never looks at mail headers; the caller may add
// the sender's address as a contact of last resort.
#include "secmaild/report/fields.hpp"

#include <algorithm>

#include "field_internal.hpp"
#include "secmaild/report/cvss.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::report {

namespace {

struct FieldInfo {
    Field field;
    std::string_view key;
    std::vector<std::string> aliases;
};

const std::vector<FieldInfo>& catalogue() {
    static const std::vector<FieldInfo> fields = {
        {Field::Description,
         "description",
         {"description", "summary", "details", "vulnerability details", "overview", "description of the vulnerability",
          "vulnerability description", "description of the issue", "issue description", "vulnerability summary"}},
        {Field::Steps,
         "steps",
         {"steps", "steps to reproduce", "steps to reproduce the issue", "steps to reproduce the vulnerability",
          "reproduction steps", "how to reproduce", "to reproduce", "reproduction", "proof of concept",
          "proof-of-concept", "poc", "repro", "repro steps", "exploit"}},
        {Field::Impact,
         "impact",
         {"impact", "security impact", "potential impact", "potential impact assessment", "impact assessment",
          "attack scenario", "risk"}},
        {Field::Mitigation,
         "mitigation",
         {"mitigation", "mitigations", "suggested mitigation", "suggested fix", "suggested fixes",
          "any suggested fixes", "fix", "fixes", "possible fix", "proposed fix", "recommended fix", "how to fix",
          "solution", "remediation", "recommendation", "recommendations", "workaround"}},
        {Field::Contact,
         "contact",
         {"contact", "contact information", "your contact information", "contact info", "contact details"}},
        {Field::Version,
         "version",
         {"version", "versions", "affected version", "affected versions", "versions affected", "tested on",
          "tested version", "tested versions", "product version", "software version", "affected release"}},
        {Field::Cvss,
         "cvss",
         {"cvss", "cvss vector", "cvss score", "cvss base score", "cvss v3", "cvss v3.1", "cvss 3.1", "cvss v4",
          "cvss v4.0", "cvss 4.0", "severity"}},
        {Field::Credit,
         "credit",
         {"credit", "credits", "credit as", "attribution", "acknowledgment", "acknowledgement", "acknowledgments",
          "acknowledgements", "reported by", "discovered by", "found by"}},
    };
    return fields;
}

}  // namespace

std::string_view fieldKey(Field field) {
    return catalogue()[static_cast<std::size_t>(field)].key;
}

std::optional<Field> fieldFromKey(std::string_view key) {
    for (const auto& info : catalogue())
        if (info.key == key) return info.field;
    return std::nullopt;
}

const std::vector<Field>& allFields() {
    static const std::vector<Field> fields = [] {
        std::vector<Field> out;
        for (const auto& info : catalogue()) out.push_back(info.field);
        return out;
    }();
    return fields;
}

const std::vector<std::string>& defaultAliases(Field field) {
    return catalogue()[static_cast<std::size_t>(field)].aliases;
}

std::vector<FieldSpec> defaultFieldSpecs() {
    std::vector<FieldSpec> specs;
    for (const auto& info : catalogue()) specs.push_back({info.field, info.aliases});
    return specs;
}

namespace {

using namespace detail;

constexpr std::size_t kNoLine = static_cast<std::size_t>(-1);
constexpr int kOrphan = -1;  // content outside every section
// Unlabelled text before the first label is a description only if it says
// something: "Hi team, here is my report:" does not.
constexpr std::size_t kMinDescriptionWords = 5;

struct Section {
    AliasTarget target;
    const char* how;
    int headingLevel;        // 0 unless opened by a heading
    std::size_t labelLine;   // the label (or heading) that opened it
    std::size_t labelLast;   // its last line: a setext heading has two
    std::size_t contentEnd;  // content is every line after labelLast and before this
    std::string_view inlineValue;
};

// What the walk learned: the sections, and for each line the section that
// owns it (or kOrphan).
struct Layout {
    std::vector<Section> sections;
    std::vector<int> owner;
    std::size_t firstLabelLine = kNoLine;
};

// The text line `i` contributes: a label line its inline value, a blank,
// ignored or break line nothing, any other line itself.
std::string_view contentOf(const Document& doc, const Layout& layout, std::size_t i) {
    LineKind kind = doc.kinds[i];
    if (kind == LineKind::Blank || kind == LineKind::Ignored || kind == LineKind::Break) return {};
    if (int owner = layout.owner[i]; owner != kOrphan) {
        const Section& s = layout.sections[static_cast<std::size_t>(owner)];
        if (i >= s.labelLine && i <= s.labelLast) return i == s.labelLine ? s.inlineValue : std::string_view{};
    }
    return doc.lines[i];
}

bool startsWithLowerCase(std::string_view line) {
    for (char c : line) {
        if (c >= 'a' && c <= 'z') return true;
        if (c >= 'A' && c <= 'Z') return false;
    }
    return false;
}

// "To reproduce: do this and that." in the middle of a prose mail is a label,
// but the paragraphs after it, with no label following, are more prose
// (impact, credit, a closing remark) rather than more steps. So the last
// section, when its label carried an inline value, ends at its paragraph.
void endLastInlineSection(const Document& doc, Layout& layout) {
    if (layout.sections.empty()) return;
    Section& last = layout.sections.back();
    if (last.inlineValue.empty() || last.headingLevel > 0) return;
    for (std::size_t i = last.labelLast + 1; i < last.contentEnd; ++i) {
        if (doc.kinds[i] != LineKind::Blank && doc.kinds[i] != LineKind::Ignored) continue;
        for (std::size_t k = i; k < last.contentEnd; ++k) layout.owner[k] = kOrphan;
        last.contentEnd = i;
        return;
    }
}

Layout walkSections(const Document& doc, const LabelTable& table) {
    const std::size_t n = doc.lines.size();
    Layout layout;
    layout.owner.assign(n, kOrphan);
    int current = kOrphan;
    LabelPlace place = LabelPlace::AfterBreak;
    std::size_t nextHeading = 0;

    auto addContent = [&](std::size_t i) {
        layout.owner[i] = current;
        if (current != kOrphan) layout.sections[static_cast<std::size_t>(current)].contentEnd = i + 1;
    };
    auto open = [&](std::size_t i, std::size_t last, const LabelMatch& m, int level) {
        layout.sections.push_back(Section{m.target, m.how, level, i, last, last + 1, m.value});
        current = static_cast<int>(layout.sections.size() - 1);
        for (std::size_t k = i; k <= last; ++k) layout.owner[k] = current;
        layout.firstLabelLine = std::min(layout.firstLabelLine, i);
    };

    for (std::size_t i = 0; i < n; ++i) {
        switch (doc.kinds[i]) {
            case LineKind::Ignored:
            case LineKind::Blank:
            case LineKind::Code:
                addContent(i);
                place = LabelPlace::AfterBreak;
                break;
            case LineKind::Break:
                current = kOrphan;
                layout.owner[i] = kOrphan;
                place = LabelPlace::AfterBreak;
                break;
            case LineKind::Heading: {
                while (nextHeading < doc.headings.size() && doc.headings[nextHeading].first < i) ++nextHeading;
                if (nextHeading >= doc.headings.size() || doc.headings[nextHeading].first != i) {
                    addContent(i);  // not reachable: every heading line is listed
                    break;
                }
                const HeadingBlock& h = doc.headings[nextHeading];
                if (auto m = matchLabel(headingTitle(doc, h), table, LabelPlace::HeadingTitle)) {
                    open(i, h.last, *m, h.level);
                } else {
                    // An unknown heading ends the section, unless it is a
                    // subheading of the heading that opened it.
                    bool subheading = current != kOrphan &&
                                      layout.sections[static_cast<std::size_t>(current)].headingLevel > 0 &&
                                      h.level > layout.sections[static_cast<std::size_t>(current)].headingLevel;
                    if (!subheading) current = kOrphan;
                    for (std::size_t k = i; k <= h.last; ++k) addContent(k);
                }
                i = h.last;
                place = LabelPlace::AfterBreak;
                break;
            }
            case LineKind::Text:
                if (auto m = matchLabel(doc.lines[i], table, place)) {
                    open(i, i, *m, 0);
                    // An inline value is text: the next line may continue it. A
                    // lower-case label there is prose, unless this report writes
                    // its labels in lower case.
                    bool lowerCaseLabels = startsWithLowerCase(doc.lines[i]);
                    place = m->value.empty() || lowerCaseLabels ? LabelPlace::AfterBreak : LabelPlace::AfterText;
                } else {
                    addContent(i);
                    place = LabelPlace::AfterText;
                }
                break;
        }
    }
    endLastInlineSection(doc, layout);
    return layout;
}

// Joins content lines into a value: runs of blank lines become one, trailing
// spaces go (not in code), the result is trimmed and cut to `cap`.
class ValueBuilder {
public:
    explicit ValueBuilder(std::size_t cap) : cap_(cap) {}

    bool full() const { return out_.size() >= cap_; }

    void addLine(std::string_view text, bool code) {
        if (full()) return;
        if (!code) text = trimRight(text);
        if (isBlank(text)) {
            pendingBlank_ = !out_.empty();
            return;
        }
        if (!out_.empty()) out_ += pendingBlank_ ? "\n\n" : "\n";
        pendingBlank_ = false;
        // A little over the cap, so that take() can tell a cut value from a
        // full one; always on a character boundary.
        out_.append(utf8Prefix(text, cap_ + 4 - std::min(cap_ + 4, out_.size())));
    }
    void addParagraphBreak() { pendingBlank_ = !out_.empty(); }

    std::string take() { return std::string(trim(utf8Prefix(trim(out_), cap_))); }

private:
    static std::string_view trimRight(std::string_view s) {
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
        return s;
    }
    std::size_t cap_;
    std::string out_;
    bool pendingBlank_ = false;
};

std::string renderSection(const Document& doc, const Section& section, std::size_t cap) {
    ValueBuilder value(cap);
    value.addLine(section.inlineValue, false);
    for (std::size_t i = section.labelLast + 1; i < section.contentEnd; ++i) {
        bool code = doc.kinds[i] == LineKind::Code;
        bool empty = doc.kinds[i] == LineKind::Ignored || doc.kinds[i] == LineKind::Blank;
        value.addLine(empty ? std::string_view{} : doc.lines[i], code);
        if (value.full()) break;
    }
    return value.take();
}

// The text of the lines for which `wanted(i)` holds, other lines as blank
// lines, so that paragraphs and sentences keep their boundaries.
template <class Predicate>
std::string regionText(const Document& doc, const Layout& layout, Predicate wanted) {
    std::string out;
    for (std::size_t i = 0; i < doc.lines.size(); ++i) {
        if (wanted(i)) out.append(contentOf(doc, layout, i));
        out.push_back('\n');
    }
    return out;
}

struct Found {
    std::string value;
    std::string how;
    bool full = false;  // cut at the cap: later sections add nothing
};

class Extraction {
public:
    Extraction(const Document& doc, const Layout& layout, const std::vector<FieldSpec>& specs,
               const ExtractOptions& options)
        : doc_(doc),
          layout_(layout),
          options_(options),
          found_(allFields().size()),
          reported_(allFields().size(), false) {
        for (const auto& spec : specs) reported_[index(spec.field)] = true;
    }

    std::vector<FoundField> run() {
        collectLabelled();
        fillDescription();
        fillFromFreeText();
        std::vector<FoundField> out;
        for (Field field : allFields()) {
            auto& f = found_[index(field)];
            if (reported_[index(field)] && !f.value.empty()) out.push_back({field, std::move(f.value), f.how});
        }
        return out;
    }

private:
    static std::size_t index(Field field) { return static_cast<std::size_t>(field); }

    bool wants(Field field) const { return reported_[index(field)] && found_[index(field)].value.empty(); }

    void collectLabelled() {
        const std::size_t cap = options_.maxFieldBytes;
        for (const auto& section : layout_.sections) {
            if (!section.target.reported) continue;
            auto& f = found_[index(section.target.field)];
            if (f.full) continue;
            std::string value = renderSection(doc_, section, cap);
            if (value.empty()) continue;
            if (f.value.empty()) {
                f.how = section.how;
            } else {
                f.value += "\n\n";
            }
            f.value += value;
            if (f.value.size() >= cap) {
                f.value = std::string(trim(utf8Prefix(f.value, cap)));
                f.full = true;
            }
        }
        auto& credit = found_[index(Field::Credit)];
        if (!credit.value.empty() && isAnonymousCredit(credit.value)) credit.value = "anonymous";
    }

    bool isFree(std::size_t i) const {
        int owner = layout_.owner[i];
        if (owner == kOrphan) return true;
        const auto& target = layout_.sections[static_cast<std::size_t>(owner)].target;
        return target.reported && target.field == Field::Description;
    }
    bool isProse(std::size_t i) const {
        auto kind = doc_.kinds[i];
        return kind != LineKind::Code && kind != LineKind::Ignored;
    }

    void fillDescription() {
        if (!wants(Field::Description)) return;
        ValueBuilder value(options_.maxFieldBytes);
        // Without any label the whole text is the description; otherwise only
        // what comes before the first label, salutations aside.
        std::size_t end = std::min(layout_.firstLabelLine, doc_.lines.size());
        bool leading = true;
        for (std::size_t i = 0; i < end && !value.full(); ++i) {
            if (layout_.owner[i] != kOrphan || doc_.kinds[i] == LineKind::Ignored || doc_.kinds[i] == LineKind::Break) {
                value.addParagraphBreak();
                continue;
            }
            std::string_view text = contentOf(doc_, layout_, i);
            if (leading && isSalutationLine(text)) continue;
            leading = false;
            value.addLine(text, doc_.kinds[i] == LineKind::Code);
        }
        std::string description = value.take();
        bool labelled = layout_.firstLabelLine != kNoLine;
        if (labelled && countWords(description) < kMinDescriptionWords) return;
        if (!description.empty()) found_[index(Field::Description)] = {std::move(description), "text", true};
    }

    void fillFromFreeText() {
        const std::size_t cap = options_.maxFieldBytes;
        auto set = [&](Field field, std::string value) {
            value = std::string(trim(utf8Prefix(value, cap)));
            if (!value.empty()) found_[index(field)] = {std::move(value), "text", true};
        };
        if (wants(Field::Steps)) set(Field::Steps, orderedListSteps());

        // Impact and fix sentences count only outside other fields' sections
        // (an "attacker can" in the steps is not the impact statement); credit,
        // contact and version phrases count anywhere in the prose.
        ProseWants inFree{wants(Field::Impact), wants(Field::Mitigation), false, false};
        ProseWants inProse{false, false, wants(Field::Credit), wants(Field::Contact)};
        bool unlabelled = layout_.firstLabelLine == kNoLine;  // then every line is free
        if (unlabelled) {
            std::swap(inFree.credit, inProse.credit);
            std::swap(inFree.contact, inProse.contact);
        }
        ProseFinds finds;
        std::string text;
        if (inFree.impact || inFree.mitigation || inFree.credit || inFree.contact) {
            text = regionText(doc_, layout_, [&](std::size_t i) { return isFree(i) && isProse(i); });
            finds = scanProse(text, inFree, cap);
        }
        bool proseNeeded = inProse.credit || inProse.contact || wants(Field::Version);
        if (proseNeeded && !(unlabelled && !text.empty()))
            text = regionText(doc_, layout_, [&](std::size_t i) { return isProse(i); });
        if (inProse.credit || inProse.contact) {
            auto more = scanProse(text, inProse, cap);
            if (inProse.credit) finds.credit = std::move(more.credit);
            if (inProse.contact) finds.contact = std::move(more.contact);
        }
        if (wants(Field::Impact)) set(Field::Impact, std::move(finds.impact));
        if (wants(Field::Mitigation)) set(Field::Mitigation, std::move(finds.mitigation));
        if (wants(Field::Credit)) set(Field::Credit, finds.credit.value_or(""));
        if (wants(Field::Contact)) set(Field::Contact, finds.contact.value_or(""));
        if (wants(Field::Version)) set(Field::Version, findVersionMention(text, options_.productNames).value_or(""));

        if (wants(Field::Cvss)) {
            // A vector is unambiguous even inside a code block.
            text = regionText(doc_, layout_, [&](std::size_t i) { return doc_.kinds[i] != LineKind::Ignored; });
            if (auto vector = findCvssVector(text)) set(Field::Cvss, vector->vector);
        }
    }

    // Numbered steps without a label: the first ordered list of two or more
    // items in the description or unlabelled text.
    std::string orderedListSteps() const {
        for (const auto& list : doc_.orderedLists) {
            if (list.items < 2 || list.first >= doc_.lines.size()) continue;
            if (!isFree(list.first) || !isProse(list.first)) continue;
            ValueBuilder value(options_.maxFieldBytes);
            for (std::size_t i = list.first; i <= list.last && i < doc_.lines.size(); ++i) {
                bool empty = doc_.kinds[i] == LineKind::Ignored || doc_.kinds[i] == LineKind::Blank;
                value.addLine(empty ? std::string_view{} : doc_.lines[i], doc_.kinds[i] == LineKind::Code);
            }
            return value.take();
        }
        return {};
    }

    const Document& doc_;
    const Layout& layout_;
    const ExtractOptions& options_;
    std::vector<Found> found_;
    std::vector<bool> reported_;
};

}  // namespace

std::vector<FoundField> extractFields(std::string_view text, const std::vector<FieldSpec>& specs,
                                      const ExtractOptions& options) {
    Document doc;
    parseDocument(text, options, doc);
    LabelTable table = makeLabelTable(specs);
    Layout layout = walkSections(doc, table);
    return Extraction(doc, layout, specs, options).run();
}

}  // namespace secmaild::report
