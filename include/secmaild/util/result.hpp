// Result<T>: the value of an operation whose failure is an expected outcome
// (a server refused us, a file is missing, a policy line is wrong). Bugs and
// corruption are not Results: they throw, and are caught per message or per
// start-up phase (see style.md, "Errors").
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace secmaild {

struct Error {
    std::string message;
};

inline Error fail(std::string message) {
    return Error{std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    // Reading the value of a failed Result is a programming error.
    const T& value() const& {
        check();
        return std::get<0>(v_);
    }
    T& value() & {
        check();
        return std::get<0>(v_);
    }
    T&& value() && {
        check();
        return std::get<0>(std::move(v_));
    }
    const T* operator->() const { return &value(); }
    T* operator->() { return &value(); }
    const T& operator*() const& { return value(); }
    T& operator*() & { return value(); }

    const Error& error() const {
        if (ok()) throw std::logic_error("Result::error() on a success");
        return std::get<1>(v_);
    }

private:
    void check() const {
        if (!ok()) throw std::logic_error("Result::value() on a failure: " + std::get<1>(v_).message);
    }
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), failed_(true) {}
    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const {
        if (!failed_) throw std::logic_error("Result::error() on a success");
        return error_;
    }

private:
    Error error_;
    bool failed_ = false;
};

using Status = Result<void>;

}  // namespace secmaild
