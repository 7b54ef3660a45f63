// The worker's wire format (see worker.hpp), shared by the client
// (worker.cpp) and the worker program (worker_server.cpp). Private to one
// build: the worker is installed with the daemon. A frame is a 32-bit length
// and a payload; a payload is a one-byte operation (requests only) and
// fields, each a 32-bit length and its bytes. Every length is checked, so a
// broken frame is an error value, never a read past the buffer.
#pragma once

#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "secmaild/pgp/gpg.hpp"

namespace secmaild::pgp::wire {


inline constexpr std::uint32_t kMaxRequestBytes = 1u << 30;
// Replies hold at most the plaintext limit, twice over for a verified text.
inline std::size_t maxReplyBytes(const GpgOptions& o) { return 2 * o.maxPlaintextBytes + (16u << 20); }

enum Op : char {
    kInit = 'I',
    kDecrypt = 'D',
    kVerifyDetached = 'V',
    kVerifyClearsigned = 'C',
    kProtect = 'P',
};

// ---- framing ---------------------------------------------------------------

inline bool writeAll(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

inline bool readAll(int fd, char* p, std::size_t n) {
    while (n > 0) {
        ssize_t r = ::read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

inline void appendU32(std::string& out, std::uint32_t v) {
    char b[4];
    std::memcpy(b, &v, 4);
    out.append(b, 4);
}

class Writer {
public:
    explicit Writer(std::optional<char> op = std::nullopt) {
        buffer_.resize(4);
        if (op) buffer_.push_back(*op);
    }
    ~Writer() { sodium_memzero(buffer_.data(), buffer_.size()); }  // requests may carry the passphrase
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    Writer& field(std::string_view v) {
        appendU32(buffer_, static_cast<std::uint32_t>(v.size()));
        buffer_.append(v);
        return *this;
    }
    Writer& number(std::int64_t v) { return field(std::to_string(v)); }
    bool sendTo(int fd) {
        const auto n = static_cast<std::uint32_t>(buffer_.size() - 4);
        std::memcpy(buffer_.data(), &n, 4);
        return writeAll(fd, buffer_.data(), buffer_.size());
    }

private:
    std::string buffer_;
};

// Reads one frame; nullopt at EOF, on a short read, or over `limit`.
inline std::optional<std::string> readFrame(int fd, std::size_t limit) {
    std::uint32_t n = 0;
    if (!readAll(fd, reinterpret_cast<char*>(&n), 4) || n > limit) return std::nullopt;
    std::string payload(n, '\0');
    if (!readAll(fd, payload.data(), n)) return std::nullopt;
    return payload;
}

class Fields {
public:
    explicit Fields(std::string_view payload) : rest_(payload) {}
    bool ok() const { return ok_; }
    std::string_view next() {
        std::uint32_t n = 0;
        if (!ok_ || rest_.size() < 4) return broken();
        std::memcpy(&n, rest_.data(), 4);
        if (rest_.size() - 4 < n) return broken();
        auto v = rest_.substr(4, n);
        rest_.remove_prefix(4 + n);
        return v;
    }
    std::int64_t number() {
        auto v = next();
        std::int64_t out = 0;
        bool negative = !v.empty() && v.front() == '-';
        if (negative) v.remove_prefix(1);
        if (v.empty() || v.size() > 18) return broken(), 0;
        for (char c : v) {
            if (c < '0' || c > '9') return broken(), 0;
            out = out * 10 + (c - '0');
        }
        return negative ? -out : out;
    }

private:
    std::string_view broken() {
        ok_ = false;
        return {};
    }
    std::string_view rest_;
    bool ok_ = true;
};

// ---- the results on the wire ----------------------------------------------

inline void putSignatures(Writer& w, const std::vector<Signature>& signatures) {
    w.number(static_cast<std::int64_t>(signatures.size()));
    for (const auto& s : signatures) {
        w.number(static_cast<int>(s.status)).field(s.fingerprint).number(s.created ? 1 : 0);
        w.number(s.created ? toUnix(*s.created) : 0).field(s.detail);
    }
}

inline std::vector<Signature> takeSignatures(Fields& f) {
    std::vector<Signature> out;
    auto n = f.number();
    for (std::int64_t i = 0; f.ok() && i < n && i < 10000; ++i) {
        Signature s;
        auto status = f.number();
        s.status = status >= 0 && status <= static_cast<int>(SignatureStatus::Error)
                       ? static_cast<SignatureStatus>(status)
                       : SignatureStatus::Error;
        s.fingerprint = f.next();
        bool created = f.number() != 0;
        auto when = f.number();
        if (created) s.created = fromUnix(when);
        s.detail = f.next();
        out.push_back(std::move(s));
    }
    return out;
}

inline void putDecryption(Writer& w, const Decryption& d) {
    w.number(static_cast<int>(d.status)).field(d.plaintext).field(d.fileName).field(d.detail);
    w.number(static_cast<std::int64_t>(d.recipientKeyIds.size()));
    for (const auto& r : d.recipientKeyIds) w.field(r);
    putSignatures(w, d.signatures);
}

inline std::optional<Decryption> takeDecryption(std::string_view payload) {
    Fields f(payload);
    Decryption d;
    auto status = f.number();
    d.status = status >= 0 && status <= static_cast<int>(DecryptStatus::Failed) ? static_cast<DecryptStatus>(status)
                                                                                 : DecryptStatus::Failed;
    d.plaintext = f.next();
    d.fileName = f.next();
    d.detail = f.next();
    auto n = f.number();
    for (std::int64_t i = 0; f.ok() && i < n && i < 10000; ++i) d.recipientKeyIds.emplace_back(f.next());
    d.signatures = takeSignatures(f);
    if (!f.ok()) return std::nullopt;
    return d;
}

inline void putVerification(Writer& w, const Verification& v) {
    w.field(v.plaintext).field(v.detail);
    putSignatures(w, v.signatures);
}

inline std::optional<Verification> takeVerification(std::string_view payload) {
    Fields f(payload);
    Verification v;
    v.plaintext = f.next();
    v.detail = f.next();
    v.signatures = takeSignatures(f);
    if (!f.ok()) return std::nullopt;
    return v;
}

inline Decryption failedDecryption(std::string reason) {
    Decryption d;
    d.status = DecryptStatus::Failed;
    d.detail = std::move(reason);
    return d;
}

inline Verification failedVerification(std::string reason) {
    Verification v;
    v.detail = std::move(reason);
    return v;
}

}  // namespace secmaild::pgp::wire
