// Small file and polling helpers shared by the test harness's sources (mail_env*.cpp).
// Failures are Status values; nothing here throws except std::bad_alloc.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>

#include "secmaild/util/result.hpp"

namespace secmaild::testing {

// The curl command line, looked up in PATH: the harness's SMTP and IMAP client.
inline constexpr const char* kCurlCommand = "curl";

inline bool isAsciiAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Calls pred() every `every` until it returns true (then true) or the deadline passes (false).
template <class Pred>
bool pollUntil(std::chrono::steady_clock::time_point deadline, Pred pred,
               std::chrono::milliseconds every = std::chrono::milliseconds(10)) {
    for (;;) {
        if (pred()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(every);
    }
}

// Writes the bytes (replacing the file) and sets its permissions.
Status writeFile(const std::filesystem::path& path, std::string_view content,
                 std::filesystem::perms perms = std::filesystem::perms(0644));
// The whole file; "" when it cannot be read.
std::string readFile(const std::filesystem::path& path);
// Creates the directory and its parents, sets its permissions and, when uid >= 0, its owner.
Status makeDir(const std::filesystem::path& path, std::filesystem::perms perms, int uid = -1, int gid = -1);
// The last n lines of a text file, or a note that it does not exist.
std::string tailLines(const std::filesystem::path& path, std::size_t n);

}  // namespace secmaild::testing
