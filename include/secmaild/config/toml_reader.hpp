// Checked reading of one TOML table: each accessor validates the type and
// range of a key and records a Problem (file, dotted key, message) instead of
// throwing; rejectUnknownKeys() then reports every key nobody asked about.
// Shared by the config and policy loaders.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "secmaild/config/config.hpp"

namespace secmaild::config {

class TableReader {
public:
    TableReader(const toml::table* table, std::string prefix, std::string file, std::vector<Problem>& problems)
        : table_(table), prefix_(std::move(prefix)), file_(std::move(file)), problems_(problems) {}

    void problem(std::string_view key, std::string message);
    const toml::node* node(std::string_view key);
    std::optional<std::string> string(std::string_view key, bool required = false);
    std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
    std::optional<bool> boolean(std::string_view key);
    std::optional<std::chrono::seconds> duration(std::string_view key, std::chrono::seconds min);
    // Byte sizes: an integer, or a string with a K, M or G suffix (powers of 1024).
    std::optional<std::uint64_t> size(std::string_view key, std::uint64_t min, std::uint64_t max);
    std::optional<std::vector<std::string>> stringList(std::string_view key);
    // A path, resolved against `base` when relative.
    std::optional<std::filesystem::path> path(std::string_view key, const std::filesystem::path& base,
                                              bool required = false);
    // A sub-table; reports a problem when the key holds something else.
    const toml::table* table(std::string_view key, bool required = false);
    void rejectUnknownKeys();
    std::string qualified(std::string_view key) const;
    const std::string& file() const { return file_; }
    std::vector<Problem>& problems() { return problems_; }

private:
    const toml::table* table_;
    std::string prefix_;
    std::string file_;
    std::vector<Problem>& problems_;
    std::set<std::string> known_;
};

// Parses TOML text; on a syntax error records one Problem with line and column.
std::optional<toml::table> parseToml(std::string_view text, const std::string& file, std::vector<Problem>& problems);

}  // namespace secmaild::config
