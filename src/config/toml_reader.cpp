// TableReader: checked TOML reading (see toml_reader.hpp).
#include "secmaild/config/toml_reader.hpp"

#include <charconv>
#include <sstream>

#include "secmaild/util/duration.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::config {

void TableReader::problem(std::string_view key, std::string message) {
    problems_.push_back({file_, qualified(key), std::move(message)});
}

const toml::node* TableReader::node(std::string_view key) {
    known_.insert(std::string(key));
    return table_ ? table_->get(key) : nullptr;
}

std::optional<std::string> TableReader::string(std::string_view key, bool required) {
    auto n = node(key);
    if (!n) {
        if (required) problem(key, "is required");
        return std::nullopt;
    }
    auto v = n->value<std::string>();
    if (!v) problem(key, "must be a string");
    return v;
}

std::optional<std::int64_t> TableReader::integer(std::string_view key, std::int64_t min, std::int64_t max) {
    auto n = node(key);
    if (!n) return std::nullopt;
    auto v = n->value<std::int64_t>();
    if (!v || !n->is_integer()) {
        problem(key, "must be an integer");
        return std::nullopt;
    }
    if (*v < min || *v > max) {
        problem(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
        return std::nullopt;
    }
    return v;
}

std::optional<bool> TableReader::boolean(std::string_view key) {
    auto n = node(key);
    if (!n) return std::nullopt;
    auto v = n->value<bool>();
    if (!v || !n->is_boolean()) problem(key, "must be true or false");
    return v;
}

std::optional<std::chrono::seconds> TableReader::duration(std::string_view key, std::chrono::seconds min) {
    auto n = node(key);
    if (!n) return std::nullopt;
    Result<std::chrono::seconds> d = fail("must be a duration such as \"60s\" or \"5m\"");
    if (n->is_integer())
        d = std::chrono::seconds{*n->value<std::int64_t>()};
    else if (n->is_string())
        d = parseDuration(*n->value<std::string>());
    if (!d) {
        problem(key, d.error().message);
        return std::nullopt;
    }
    if (*d < min) {
        problem(key, "must be at least " + formatDuration(min));
        return std::nullopt;
    }
    return *d;
}

std::optional<std::uint64_t> TableReader::size(std::string_view key, std::uint64_t min, std::uint64_t max) {
    auto n = node(key);
    if (!n) return std::nullopt;
    std::optional<std::uint64_t> bytes;
    if (n->is_integer() && *n->value<std::int64_t>() >= 0) {
        bytes = static_cast<std::uint64_t>(*n->value<std::int64_t>());
    } else if (n->is_string()) {
        auto text = trimmed(*n->value<std::string>());
        std::uint64_t number = 0;
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
        std::string unit = toLower(trim(std::string_view(ptr, text.data() + text.size() - ptr)));
        if (!unit.empty() && unit.back() == 'b') unit.pop_back();
        if (!unit.empty() && unit.back() == 'i') unit.pop_back();
        int shift = unit.empty() ? 0 : unit == "k" ? 10 : unit == "m" ? 20 : unit == "g" ? 30 : -1;
        if (ec == std::errc{} && ptr != text.data() && shift >= 0 && number <= (max >> shift)) bytes = number << shift;
    }
    if (!bytes) {
        problem(key, "must be a size in bytes, such as 65536 or \"64K\" or \"50M\"");
        return std::nullopt;
    }
    if (*bytes < min || *bytes > max) {
        problem(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + " bytes");
        return std::nullopt;
    }
    return bytes;
}

std::optional<std::vector<std::string>> TableReader::stringList(std::string_view key) {
    auto n = node(key);
    if (!n) return std::nullopt;
    auto arr = n->as_array();
    if (!arr) {
        problem(key, "must be a list of strings");
        return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& el : *arr) {
        auto v = el.value<std::string>();
        if (!v || !el.is_string()) {
            problem(key, "must be a list of strings");
            return std::nullopt;
        }
        out.push_back(*v);
    }
    return out;
}

std::optional<std::filesystem::path> TableReader::path(std::string_view key, const std::filesystem::path& base,
                                                       bool required) {
    auto s = string(key, required);
    if (!s) return std::nullopt;
    if (s->empty()) {
        if (required) problem(key, "must not be empty");
        return std::filesystem::path{};
    }
    std::filesystem::path p{*s};
    return p.is_absolute() ? p : base / p;
}

void TableReader::rejectUnknownKeys() {
    if (!table_) return;
    for (const auto& [k, v] : *table_) {
        std::string key{k.str()};
        if (!known_.count(key)) problem(key, "unknown key");
    }
}

const toml::table* TableReader::table(std::string_view key, bool required) {
    auto n = node(key);
    if (!n) {
        if (required) problem(key, "section [" + qualified(key) + "] is required");
        return nullptr;
    }
    if (!n->is_table()) {
        problem(key, "must be a section [" + qualified(key) + "]");
        return nullptr;
    }
    return n->as_table();
}

std::string TableReader::qualified(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

std::optional<toml::table> parseToml(std::string_view text, const std::string& file, std::vector<Problem>& problems) {
    try {
        return toml::parse(text, file);
    } catch (const toml::parse_error& e) {
        std::ostringstream where;
        where << "line " << e.source().begin.line << ", column " << e.source().begin.column << ": " << e.description();
        problems.push_back({file, "", where.str()});
        return std::nullopt;
    }
}

}  // namespace secmaild::config
