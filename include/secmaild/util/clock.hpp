// Time as an input. Everything that decides by the time takes a Clock (or a
// `now` value); only the daemon's edge uses the system clock, so tests can
// run months of deadlines in milliseconds with FakeClock.
#pragma once

#include <chrono>
#include <cstdint>

namespace secmaild {

using TimePoint = std::chrono::sys_seconds;

// Unix seconds, the unit stored in the database.
inline std::int64_t toUnix(TimePoint t) {
    return t.time_since_epoch().count();
}
inline TimePoint fromUnix(std::int64_t s) {
    return TimePoint{std::chrono::seconds{s}};
}

class Clock {
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
public:
    TimePoint now() const override {
        return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    }
};

class FakeClock final : public Clock {
public:
    explicit FakeClock(TimePoint start) : now_(start) {}
    TimePoint now() const override { return now_; }
    void set(TimePoint t) { now_ = t; }
    void advance(std::chrono::seconds d) { now_ += d; }

private:
    TimePoint now_;
};

}  // namespace secmaild
