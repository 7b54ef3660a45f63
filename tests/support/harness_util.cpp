// File helpers of the test harness (see harness_util.hpp).
#include "harness_util.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>

#include "process.hpp"

namespace secmaild::testing {

namespace fs = std::filesystem;

Status writeFile(const fs::path& path, std::string_view content, fs::perms perms) {
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        if (!out) return fail("cannot write " + path.string());
    }
    std::error_code ec;
    fs::permissions(path, perms, ec);
    if (ec) return fail("cannot chmod " + path.string() + ": " + ec.message());
    return {};
}

std::string readFile(const fs::path& path) {
    std::string out;
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return out;
    char buf[65536];
    for (;;) {
        const ssize_t got = ::read(fd.get(), buf, sizeof buf);
        if (got > 0) {
            out.append(buf, static_cast<std::size_t>(got));
        } else if (got == 0 || errno != EINTR) {
            return out;
        }
    }
}

Status makeDir(const fs::path& path, fs::perms perms, int uid, int gid) {
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec) return fail("cannot create " + path.string() + ": " + ec.message());
    fs::permissions(path, perms, ec);
    if (ec) return fail("cannot chmod " + path.string() + ": " + ec.message());
    if (uid >= 0 && ::chown(path.c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(gid)) != 0)
        return fail("cannot chown " + path.string() + ": " + std::strerror(errno));
    return {};
}

std::string tailLines(const fs::path& path, std::size_t n) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "(no " + path.string() + ")\n";
    std::deque<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        lines.push_back(std::move(line));
        if (lines.size() > n) lines.pop_front();
    }
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

}  // namespace secmaild::testing
