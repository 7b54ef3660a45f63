// Maintainer commands by mail (see mail_commands.hpp). The order of the
// checks: is it a command at all (a signed text with command lines, or a
// maintainer's address claiming to send some); then who signed it; then
// whether this signature may still be used; then which report; then the
// commands themselves, applied in order until one is refused.
#include "secmaild/service/mail_commands.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "secmaild/report/classify.hpp"
#include "secmaild/report/commands.hpp"
#include "secmaild/service/actions.hpp"
#include "secmaild/service/maintainer_mail.hpp"
#include "secmaild/util/strings.hpp"
#include "secmaild/util/time_format.hpp"

namespace secmaild::service {

namespace {

using nlohmann::json;

// Every address the config and the keys file give a maintainer.
std::set<std::string> maintainerAddresses(const Runtime& rt) {
    std::set<std::string> out(rt.config.notify.maintainers.begin(), rt.config.notify.maintainers.end());
    if (rt.openpgp)
        for (const auto& k : rt.openpgp->maintainerKeys) out.insert(k.emails.begin(), k.emails.end());
    for (const auto& level : rt.policy.escalation.levels) out.insert(level.addresses.begin(), level.addresses.end());
    out.erase(toLower(rt.config.smtp.from));
    return out;
}

const pgp::KeyInfo* authorityKey(const Runtime& rt, const std::string& fingerprint) {
    if (!rt.openpgp) return nullptr;
    for (const auto& k : rt.openpgp->maintainerKeys)
        if (k.fingerprint == fingerprint) return &k;
    return nullptr;
}

class CommandRun {
public:
    CommandRun(Runtime& rt, store::Store& store, const CommandMail& mail, TimePoint now)
        : rt_(rt), store_(store), mail_(mail), now_(now) {}

    CommandVerdict run() {
        const auto signatures = mail_.security->signatures();
        const auto commands = report::parseMailCommands(mail_.security->signedText);
        const bool fromMaintainer = maintainerAddresses(rt_).count(mail_.from) > 0;
        const bool unsignedCommands = !commands.sawCommand && report::parseMailCommands(mail_.text).sawCommand;

        // The report it is about: a "#report" line in the signed text wins
        // over the Subject, which no signature covers.
        std::optional<std::string> named = commands.reportId;
        if (!named) named = report::findReportTag(mail_.subject, rt_.policy.reportPrefix);
        if (named && store_.report(*named)) reportId_ = *named;

        const pgp::Signature* byMaintainer = nullptr;
        for (const auto& s : signatures)
            if (s.status == pgp::SignatureStatus::Valid && authorityKey(rt_, s.fingerprint)) byMaintainer = &s;

        if (!byMaintainer) {
            // Only a maintainer's address claiming to send commands is
            // answered; anyone else's "#assess" is just text in a report.
            if (!fromMaintainer || (!commands.sawCommand && !unsignedCommands)) return {};
            replyTo_ = mail_.from;
            return refuse(whyNotSigned(signatures), {});
        }
        const auto* key = authorityKey(rt_, byMaintainer->fingerprint);
        actor_ = "maintainer:" + key->fingerprint;
        // The answer goes to the key's own address: the From line is not signed.
        replyTo_ = std::find(key->emails.begin(), key->emails.end(), mail_.from) != key->emails.end()
                       ? mail_.from
                       : (key->emails.empty() ? std::string() : key->emails.front());
        if (!commands.sawCommand) {
            if (unsignedCommands) return refuse("the command lines are outside the signed text", {});
            return {};  // a signed mail from a maintainer without commands: filed as usual
        }
        for (const auto& s : signatures)
            if (s.status != pgp::SignatureStatus::Valid || s.fingerprint != key->fingerprint)
                return refuse("the mail carries another signature besides the maintainer's (" +
                                  std::string(pgp::signatureStatusName(s.status)) + ", " + s.fingerprint + ")",
                              {});
        if (std::find(key->emails.begin(), key->emails.end(), mail_.from) == key->emails.end())
            return refuse("From <" + mail_.from + "> is not an address of the signing key " + key->fingerprint, {});
        if (!byMaintainer->created) return refuse("the signature has no creation time", {});
        const auto signedAt = *byMaintainer->created;
        if (signedAt + rt_.config.maintainers.commandMaxAge < mail_.receivedAt)
            return refuse("the signature was made " + formatIsoUtc(signedAt) +
                              ", longer before the mail arrived than [maintainers] command_max_age allows",
                          {});
        if (signedAt > mail_.receivedAt + std::chrono::hours{1})
            return refuse("the signature claims to be made " + formatIsoUtc(signedAt) + ", after the mail arrived", {});
        if (!commands.errors.empty()) return refuse("the commands have errors", commands.errors);

        if (!named) return refuse("no report named: put the report id in the subject or a \"#report ID\" line", {});
        if (reportId_.empty()) return refuse("there is no report " + *named, {});
        if (commands.actions.empty()) return refuse("no command besides #report", {});
        // Used once, whatever follows: a refused command's signature is spent too.
        if (!store_.useCommandSignature(key->fingerprint, signedAt, mail_.security->signedText, mail_.messageId,
                                        now_))
            return refuse("this signature has already been used for a command (a replayed mail)", {});

        std::vector<std::string> done;
        for (const auto& action : commands.actions) {
            auto outcome = applyAction(rt_, store_, reportId_, action, actor_, now_, mail_.messageId);
            if (!outcome.done) {
                if (!done.empty()) answer(true, "", done);
                return refuse(outcome.description + ": " + outcome.refusal, {});
            }
            done.push_back(outcome.description);
        }
        answer(true, "", done);
        CommandVerdict v;
        v.handled = true;
        v.reportId = reportId_;
        v.reason = "maintainer command by " + key->fingerprint + ": " + join(done, "; ");
        return v;
    }

private:
    static std::string whyNotSigned(const std::vector<pgp::Signature>& signatures) {
        if (signatures.empty()) return "the mail is not signed";
        for (const auto& s : signatures) {
            if (s.status == pgp::SignatureStatus::Valid)
                return "it is signed by " + s.fingerprint + ", which is not in the maintainers' keys file";
            if (s.status == pgp::SignatureStatus::UnknownKey)
                return "it is signed by an unknown key (" + s.fingerprint + ")";
        }
        return "its signature is " + std::string(pgp::signatureStatusName(signatures.front().status));
    }

    CommandVerdict refuse(const std::string& reason, const std::vector<std::string>& errors) {
        spdlog::warn("command.refused message={} from={} report={} reason=\"{}\"", mail_.messageId, mail_.from,
                     reportId_.empty() ? "-" : reportId_, reason);
        store_.audit(now_, reportId_.empty() ? std::nullopt : std::optional(reportId_), mail_.messageId,
                     actor_.empty() ? mail_.from : actor_, "command.refused",
                     json{{"reason", reason}, {"errors", errors}, {"from", mail_.from}}.dump(
                         -1, ' ', false, json::error_handler_t::replace));
        answer(false, reason, errors);
        CommandVerdict v;
        v.handled = true;
        v.refused = true;
        v.reason = reason;
        if (!reportId_.empty() && store_.report(reportId_)) v.reportId = reportId_;
        return v;
    }

    // To the maintainer: what was done, or why nothing was.
    void answer(bool done, const std::string& reason, const std::vector<std::string>& lines) {
        if (replyTo_.empty()) return;
        json ctx{{"done", done},
                 {"refused", !done},
                 {"report_id", reportId_.empty() ? std::string("(none)") : reportId_},
                 {"actor", actor_},
                 {"actions", done ? lines : std::vector<std::string>{}},
                 {"subject", mail_.subject},
                 {"reason", reason},
                 {"errors", done ? std::vector<std::string>{} : lines},
                 {"has_errors", !done && !lines.empty()},
                 {"our_address", rt_.config.smtp.from}};
        MaintainerMail m;
        m.reportId = reportId_;
        m.aboutMessage = mail_.messageId;
        m.to = replyTo_;
        m.kind = "command-result";
        m.subject = (reportId_.empty() ? std::string() : "[" + reportId_ + "] ") +
                    (done ? "Done: your commands" : "Refused: your commands");
        m.body = rt_.templates.render("command-result", ctx);
        queueMaintainerMail(rt_, store_, m, now_);
    }

    Runtime& rt_;
    store::Store& store_;
    const CommandMail& mail_;
    TimePoint now_;
    std::string actor_;
    std::string replyTo_;
    std::string reportId_;
};

}  // namespace

CommandVerdict handleMailCommands(Runtime& rt, store::Store& store, const CommandMail& mail, TimePoint now) {
    return CommandRun(rt, store, mail, now).run();
}

}  // namespace secmaild::service
