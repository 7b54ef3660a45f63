// Maintainer mail (see maintainer_mail.hpp). Auto-Submitted: auto-generated
// (RFC 3834) so that vacation responders and list software stay quiet.
#include "secmaild/service/maintainer_mail.hpp"

#include <nlohmann/json.hpp>

#include "secmaild/mime/compose.hpp"
#include "secmaild/pgp/protect.hpp"

namespace secmaild::service {

std::optional<std::string> maintainerKey(const Runtime& rt, const std::string& address) {
    if (!rt.openpgp) return std::nullopt;
    return rt.openpgp->maintainerKeyFor(address);
}

std::int64_t queueMaintainerMail(Runtime& rt, store::Store& store, const MaintainerMail& m, TimePoint now) {
    mime::OutgoingMail mail;
    mail.fromAddress = rt.config.smtp.from;
    mail.fromName = rt.config.smtp.fromName;
    mail.to = m.to;
    mail.subject = m.subject;
    mail.messageId = mime::newMessageId(mime::domainOf(rt.config.smtp.from), now);
    mail.date = now;
    mail.extraHeaders = {{"Auto-Submitted", "auto-generated"}, {"X-Auto-Response-Suppress", "All"}};
    mail.body = m.body;
    store::OutboxItem item;
    item.createdAt = now;
    item.kind = m.kind;
    if (!m.reportId.empty()) item.reportId = m.reportId;
    item.inReplyTo = m.aboutMessage;
    item.recipient = m.to;
    item.envelopeFrom = rt.config.smtp.from;
    item.messageId = mail.messageId;
    item.raw = mime::renderMail(mail);
    item.nextAttemptAt = now;
    pgp::Protection protection;
    if (auto key = maintainerKey(rt, m.to)) protection.encryptTo = {*key};
    protection.sign = rt.openpgp && rt.config.gpg->signAnswers;
    item.protection = pgp::protectionJson(protection);
    auto id = store.enqueue(item);
    // Replies and bounces to it belong to the report's thread.
    if (!m.reportId.empty()) store.addThreadMessageId(mail.messageId, m.reportId);
    return id;
}

}  // namespace secmaild::service
