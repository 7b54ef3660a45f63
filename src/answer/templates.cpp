// Template loading and rendering. kainjow-mustache compiles a template from
// its source each time it is constructed, which costs microseconds for mails
// of this size; we keep the sources and compile per render so a Templates
// value is trivially copyable and thread-safe.
#include "secmaild/answer/templates.hpp"

#include <kainjow/mustache.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace secmaild::answer {

namespace {

namespace mu = kainjow::mustache;

// kainjow-mustache 4.1 applies the spec's "standalone line" rule only to
// sections it renders, so a false section leaves a blank line behind. We
// apply the rule ourselves (a line holding only a section, inverted-section,
// end or comment tag and whitespace is removed with its line break) and hide
// the remaining line breaks from kainjow while it renders, so it has no lines
// to second-guess.
constexpr char kLineBreak = '\x1e';  // ASCII record separator: never in our templates or data

mu::data toMustache(const nlohmann::json& j) {
    switch (j.type()) {
        case nlohmann::json::value_t::object: {
            mu::data d{mu::data::type::object};
            for (auto it = j.begin(); it != j.end(); ++it) d.set(it.key(), toMustache(it.value()));
            return d;
        }
        case nlohmann::json::value_t::array: {
            mu::data d{mu::data::type::list};
            for (const auto& el : j) d.push_back(toMustache(el));
            return d;
        }
        case nlohmann::json::value_t::string: {
            auto text = j.get<std::string>();
            text.erase(std::remove(text.begin(), text.end(), kLineBreak), text.end());
            return mu::data{text};
        }
        case nlohmann::json::value_t::boolean:
            return j.get<bool>() ? mu::data{mu::data::type::bool_true} : mu::data{mu::data::type::bool_false};
        case nlohmann::json::value_t::number_integer:
        case nlohmann::json::value_t::number_unsigned:
        case nlohmann::json::value_t::number_float:
            return mu::data{j.dump()};
        default:
            return mu::data{mu::data::type::bool_false};
    }
}

std::string applyStandaloneRule(const std::string& source) {
    std::string out;
    out.reserve(source.size());
    std::size_t pos = 0;
    while (pos < source.size()) {
        auto nl = source.find('\n', pos);
        std::size_t end = nl == std::string::npos ? source.size() : nl + 1;
        std::string_view line(source.data() + pos, end - pos);
        std::string_view content = line;
        while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.remove_suffix(1);
        std::size_t first = content.find_first_not_of(" \t");
        std::size_t last = content.find_last_not_of(" \t");
        std::string_view tag;
        if (first != std::string_view::npos) tag = content.substr(first, last - first + 1);
        bool standalone = tag.size() >= 5 && tag.substr(0, 2) == "{{" && tag.substr(tag.size() - 2) == "}}" &&
                          std::string_view("#/^!").find(tag[2]) != std::string_view::npos &&
                          tag.find("{{", 2) == std::string_view::npos;
        out.append(standalone ? tag : line);
        pos = end;
    }
    for (auto& c : out)
        if (c == '\n') c = kLineBreak;
    return out;
}

}  // namespace

struct Templates::Compiled {
    std::map<std::string, std::unique_ptr<mu::mustache>> byName;

    void add(const std::string& name, const std::string& source) {
        auto compiled = std::make_unique<mu::mustache>(source);
        compiled->set_custom_escape([](const std::string& text) { return text; });
        byName[name] = std::move(compiled);
    }
};

const std::vector<std::string>& requiredTemplates() {
    static const std::vector<std::string> names{"acknowledgment", "follow-up",     "maintainer-notice", "escalation",
                                                "status",         "reply",         "command-result",    "key-health"};
    return names;
}

Result<Templates> Templates::load(const std::filesystem::path& dir, std::vector<config::Problem>& problems) {
    std::map<std::string, std::string> sources;
    std::size_t before = problems.size();
    for (const auto& name : requiredTemplates()) {
        auto file = dir / (name + ".txt.mustache");
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            problems.push_back({file.string(), "", "the template is missing or cannot be read"});
            continue;
        }
        std::ostringstream text;
        text << in.rdbuf();
        auto source = applyStandaloneRule(text.str());
        mu::mustache compiled{source};
        if (!compiled.is_valid()) {
            problems.push_back({file.string(), "", "template error: " + compiled.error_message()});
            continue;
        }
        sources[name] = std::move(source);
    }
    if (problems.size() != before) return fail("templates in " + dir.string() + " have problems");
    Templates t;
    t.compiled_ = std::make_shared<Compiled>();
    for (const auto& [name, source] : sources) t.compiled_->add(name, source);
    return t;
}

Templates Templates::fromStrings(const std::map<std::string, std::string>& sources) {
    Templates t;
    t.compiled_ = std::make_shared<Compiled>();
    for (const auto& [name, source] : sources) t.compiled_->add(name, applyStandaloneRule(source));
    return t;
}

std::string Templates::render(const std::string& name, const nlohmann::json& context) const {
    auto it = compiled_ ? compiled_->byName.find(name) : decltype(compiled_->byName.end()){};
    if (!compiled_ || it == compiled_->byName.end()) throw std::logic_error("template '" + name + "' was not loaded");
    auto text = it->second->render(toMustache(context));
    std::replace(text.begin(), text.end(), kLineBreak, '\n');
    return text;
}

}  // namespace secmaild::answer
