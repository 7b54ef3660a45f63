// Mail to a reporter (see reporter_mail.hpp).
#include "secmaild/service/reporter_mail.hpp"

#include "secmaild/mime/compose.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::service {

pgp::Protection reporterProtection(Runtime& rt, const std::optional<std::string>& reporterKey) {
    pgp::Protection p;
    if (!rt.openpgp) return p;
    p.sign = rt.config.gpg->signAnswers;
    if (rt.config.gpg->encryptAnswers && reporterKey) {
        auto key = rt.openpgp->gpg->findKey(*reporterKey);
        if (key && key->canEncrypt) p.encryptTo = {*reporterKey};
    }
    return p;
}

std::string queueReporterMail(Runtime& rt, store::Store& store, const ReporterMail& m, TimePoint now) {
    auto mail = answer::composeReply(rt.config.smtp, m.reply, now);
    if (m.writtenByPerson)
        std::erase_if(mail.extraHeaders, [](const auto& h) { return iequals(h.first, "Auto-Submitted"); });
    store::OutboxItem item;
    item.createdAt = now;
    item.kind = m.kind;
    item.reportId = m.reply.reportId;
    item.inReplyTo = m.aboutMessage;
    item.recipient = toLower(m.reply.to.address);
    item.envelopeFrom = rt.config.smtp.from;
    item.messageId = mail.messageId;
    item.raw = mime::renderMail(mail);
    item.nextAttemptAt = now;
    item.protection = pgp::protectionJson(reporterProtection(rt, m.reporterKey));
    store.enqueue(item);
    store.addThreadMessageId(mail.messageId, m.reply.reportId);
    return mail.messageId;
}

}  // namespace secmaild::service
