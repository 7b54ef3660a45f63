// gpg.conf in secmaild's GnuPG home (see home_options.hpp). Written beside
// and renamed over, so a gpg starting meanwhile reads the old file or the
// new one, never half of one.
#include "secmaild/pgp/home_options.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>

#include "secmaild/util/strings.hpp"

namespace secmaild::pgp {

namespace {

struct Option {
    std::string_view name;
    std::string_view why;  // the comment written above it
};

constexpr Option kHomeOptions[] = {
    {"no-random-seed-file",
     "secmaild runs several gpg at once in this home; the seed file's lock made them wait\n"
     "# 0.25 s or more each (libgcrypt seeds every process from the kernel anyway)."},
};

std::string errnoText() {
    return std::error_code(errno, std::generic_category()).message();
}

// gpg's option files: one option per line, its name first, '#' comments.
bool hasOption(std::string_view text, std::string_view name) {
    for (auto line : splitLines(text)) {
        line = trim(line);
        if (line.empty() || line.front() == '#') continue;
        auto end = line.find_first_of(" \t");
        if (line.substr(0, end) == name) return true;
    }
    return false;
}

// Closes a file descriptor when it goes out of scope.
struct FdGuard {
    int fd;
    ~FdGuard() {
        if (fd >= 0) ::close(fd);
    }
};

Status writeReplacing(const std::filesystem::path& path, const std::string& text, mode_t mode, uid_t uid, gid_t gid) {
    auto temp = path;
    temp += ".secmaild-new";
    ::unlink(temp.c_str());
    auto failed = [&](const std::string& what) {
        const std::string reason = errnoText();
        ::unlink(temp.c_str());
        return fail(what + ": " + reason);
    };
    {
        const FdGuard file{::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)};
        if (file.fd < 0) return fail("cannot create " + temp.string() + ": " + errnoText());
        // The umask may have narrowed the mode; as root, the file goes to the home's owner.
        if (::fchmod(file.fd, mode) != 0 || (::geteuid() == 0 && ::fchown(file.fd, uid, gid) != 0))
            return failed("cannot set the owner and mode of " + temp.string());
        std::string_view rest = text;
        while (!rest.empty()) {
            const auto n = ::write(file.fd, rest.data(), rest.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return failed("cannot write " + temp.string());
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
        if (::fsync(file.fd) != 0) return failed("cannot write " + temp.string());
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) return failed("cannot replace " + path.string());
    return {};
}

}  // namespace

Result<bool> ensureHomeOptions(const std::filesystem::path& home) {
    const auto path = home / "gpg.conf";
    struct stat homeStat {};
    if (::stat(home.c_str(), &homeStat) != 0) return fail("GnuPG home " + home.string() + ": " + errnoText());
    mode_t mode = 0600;
    uid_t uid = homeStat.st_uid;
    gid_t gid = homeStat.st_gid;
    std::string text;
    struct stat fileStat {};
    if (::lstat(path.c_str(), &fileStat) == 0) {
        // A link may point anywhere; replacing it would cut it, so leave it to the admin.
        if (!S_ISREG(fileStat.st_mode)) return fail(path.string() + " is not a regular file");
        std::ifstream in(path, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        if (!in) return fail("cannot read " + path.string());
        text = s.str();
        mode = fileStat.st_mode & 07777;
        uid = fileStat.st_uid;
        gid = fileStat.st_gid;
    } else if (errno != ENOENT) {
        return fail(path.string() + ": " + errnoText());
    }
    const auto before = text.size();
    for (const auto& option : kHomeOptions) {
        if (hasOption(text, option.name)) continue;
        if (!text.empty() && text.back() != '\n') text += '\n';
        text += "# Added by secmaild: ";
        text += option.why;
        text += '\n';
        text += option.name;
        text += '\n';
    }
    if (text.size() == before) return false;
    if (auto st = writeReplacing(path, text, mode, uid, gid); !st) return st.error();
    return true;
}

}  // namespace secmaild::pgp
