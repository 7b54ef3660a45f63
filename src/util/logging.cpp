// spdlog to stderr with a journald-friendly pattern: a custom flag renders
// the syslog priority number that journald reads from "<N>" prefixes.
#include "secmaild/util/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace secmaild {

namespace {

class SyslogPriorityFlag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
        char digit = '6';
        switch (msg.level) {
            case spdlog::level::trace:
            case spdlog::level::debug:
                digit = '7';
                break;
            case spdlog::level::info:
                digit = '6';
                break;
            case spdlog::level::warn:
                digit = '4';
                break;
            case spdlog::level::err:
                digit = '3';
                break;
            case spdlog::level::critical:
                digit = '2';
                break;
            default:
                break;
        }
        dest.push_back(digit);
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<SyslogPriorityFlag>(); }
};

}  // namespace

bool isValidLogLevel(std::string_view level) {
    auto parsed = spdlog::level::from_str(std::string(level));
    // from_str maps unknown names to "off"; only accept "off" when asked for.
    return parsed != spdlog::level::off || level == "off";
}

Status setupLogging(std::string_view level, LogTarget target) {
    if (!isValidLogLevel(level)) return fail("unknown log level '" + std::string(level) + "'");
    bool journal =
        target == LogTarget::Journal || (target == LogTarget::Automatic && std::getenv("JOURNAL_STREAM") != nullptr);
    spdlog::drop("secmaild");
    auto logger = spdlog::stderr_logger_mt("secmaild");
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    if (journal)
        formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("<%*>%v");
    else
        formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
    logger->set_formatter(std::move(formatter));
    logger->set_level(spdlog::level::from_str(std::string(level)));
    spdlog::set_default_logger(logger);
    return {};
}

}  // namespace secmaild
