// Owning handles for GPGME's C objects (context, data buffer, key) and a
// bounded in-memory sink for GPGME output. Private to src/pgp: nothing here
// knows about OpenPGP semantics, only about who frees what.
#pragma once

#include <gpgme.h>
#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

namespace secmaild::pgp::detail {

struct ContextDeleter {
    void operator()(gpgme_ctx_t ctx) const { gpgme_release(ctx); }
};
struct DataDeleter {
    void operator()(gpgme_data_t data) const { gpgme_data_release(data); }
};
struct KeyDeleter {
    void operator()(gpgme_key_t key) const { gpgme_key_unref(key); }
};
using ContextPtr = std::unique_ptr<std::remove_pointer_t<gpgme_ctx_t>, ContextDeleter>;
using DataPtr = std::unique_ptr<std::remove_pointer_t<gpgme_data_t>, DataDeleter>;
using KeyPtr = std::unique_ptr<std::remove_pointer_t<gpgme_key_t>, KeyDeleter>;

// Output that GPGME appends to, refusing (write error EFBIG) once it would
// pass `limit` bytes. GPGME then aborts the operation and closes gpg's pipe,
// so a compression bomb costs at most `limit` bytes of memory.
class BoundedSink {
public:
    explicit BoundedSink(std::size_t limit) : limit_(limit) {}
    BoundedSink(const BoundedSink&) = delete;
    BoundedSink& operator=(const BoundedSink&) = delete;

    // The data object writing into this sink; it must not outlive the sink.
    // Null (and the error) when GPGME could not make one.
    DataPtr open(gpgme_error_t& error) {
        static gpgme_data_cbs callbacks = {nullptr, &BoundedSink::write, &BoundedSink::seek, nullptr};
        gpgme_data_t raw = nullptr;
        error = gpgme_data_new_from_cbs(&raw, &callbacks, this);
        return DataPtr(error ? nullptr : raw);
    }
    bool overflowed() const { return overflowed_; }
    std::string& text() { return text_; }

private:
    static ssize_t write(void* handle, const void* buffer, std::size_t size) {
        auto* self = static_cast<BoundedSink*>(handle);
        if (size > self->limit_ - self->text_.size()) {
            self->overflowed_ = true;
            errno = EFBIG;
            return -1;
        }
        self->text_.append(static_cast<const char*>(buffer), size);
        return static_cast<ssize_t>(size);
    }
    // Output is append-only; GPGME only asks where the end is.
    static off_t seek(void* handle, off_t offset, int whence) {
        auto* self = static_cast<BoundedSink*>(handle);
        const auto end = static_cast<off_t>(self->text_.size());
        if (offset == 0 && (whence == SEEK_END || whence == SEEK_CUR)) return end;
        if (whence == SEEK_SET && offset == end) return end;
        errno = ESPIPE;
        return -1;
    }

    std::size_t limit_;
    std::string text_;
    bool overflowed_ = false;
};

// A read-only data object over `bytes`, which must outlive it (no copy).
inline DataPtr readData(std::string_view bytes, gpgme_error_t& error) {
    gpgme_data_t raw = nullptr;
    error = gpgme_data_new_from_mem(&raw, bytes.empty() ? "" : bytes.data(), bytes.size(), 0);
    return DataPtr(error ? nullptr : raw);
}

}  // namespace secmaild::pgp::detail
