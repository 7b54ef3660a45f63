// `secmailctl overdue` and `secmailctl timeline ID`: what is late and since
// when, and each stage's due, done and escalation times. JSON first, text
// rendered from it, like the other views.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <vector>
#include <string>

#include <nlohmann/json.hpp>

#include "secmaild/service/runtime.hpp"

namespace secmaild::ctl {

// Visits every stage late at `now`, the longest late first (by due time,
// report id, stage). The stored plans are read in that order and merged with
// the reports changed since the daemon's last pass, computed here; all are
// computed when the plans were made under another policy text.
void forEachOverdue(service::Runtime& runtime, TimePoint now,
                    const std::function<void(const store::DeadlineRow&)>& visit);

// The next deadline after `now`, planned or not (status, STATUS=).
std::optional<store::DeadlineRow> nextDeadline(service::Runtime& runtime, TimePoint now);

// `secmailctl overdue`. JSON: {"now", "overdue": [{"report_id", "state",
// "reporter", "stage", "title", "due", "late_seconds", "alerts_sent",
// "last_alert": {"kind", "level", "sent_at"} | null}]}, one stage per line.
// Text: one line per stage. Written as the rows come: a JSON tree of 66,000
// objects took longer than the 100 ms the whole command has.
class OverdueWriter {
public:
    enum class Format { Json, Text };
    OverdueWriter(std::ostream& out, Format format, const policy::Policy& policy, TimePoint now);
    void add(const store::DeadlineRow& late);
    void finish();
    std::size_t rows() const { return rows_; }

private:
    static constexpr std::size_t kFlushAt = 1 << 16;
    std::ostream& out_;
    Format format_;
    const policy::Policy& policy_;
    TimePoint now_;
    std::string buffer_;
    std::size_t rows_ = 0;
};

// Writes what is late at the runtime's clock; returns how many stages.
std::size_t writeOverdue(std::ostream& out, service::Runtime& runtime, OverdueWriter::Format format);
// The JSON above, parsed (for tests and callers that want a tree).
nlohmann::json overdueReports(service::Runtime& runtime);

std::optional<nlohmann::json> reportTimeline(service::Runtime& runtime, const std::string& id);

std::string timelineAsText(const nlohmann::json& timeline);

}  // namespace secmaild::ctl
