// Key health notices (see key_health.hpp).
#include "secmaild/service/key_health.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "secmaild/pgp/gpg.hpp"
#include "secmaild/service/maintainer_mail.hpp"
#include "secmaild/util/time_format.hpp"

namespace secmaild::service {

namespace {

using nlohmann::json;

std::vector<std::string> noticeAddresses(const Runtime& rt) {
    if (!rt.config.notify.maintainers.empty()) return rt.config.notify.maintainers;
    if (!rt.policy.escalation.levels.empty()) return rt.policy.escalation.levels.front().addresses;
    return {};
}

std::string stateText(const std::string& state, const pgp::KeyInfo& k) {
    if (state == "expires-soon") return "expires on " + (k.expires ? formatIsoUtc(*k.expires) : std::string("?"));
    if (state == "expired") return "has EXPIRED";
    if (state == "revoked") return "has been REVOKED";
    return "cannot be used for encryption";
}

}  // namespace

int noticeKeyHealth(Runtime& rt, TimePoint now) {
    if (!rt.openpgp) return 0;
    std::vector<std::pair<bool, const pgp::KeyInfo*>> keys;
    if (!rt.openpgp->ourKey.fingerprint.empty()) keys.emplace_back(true, &rt.openpgp->ourKey);
    for (const auto& k : rt.openpgp->maintainerKeys) keys.emplace_back(false, &k);
    int queued = 0;
    auto& store = *rt.store;
    for (const auto& [ours, key] : keys) {
        const auto state = pgp::keyHealth(*key, now);
        if (state == "ok") continue;
        const std::string name = "key_notice:" + key->fingerprint;
        if (auto last = store.serviceStatus(name)) {
            auto before = json::parse(last->value, nullptr, false);
            const bool sameState = before.is_object() && before.value("state", "") == state;
            if (sameState && now - last->at < kKeyNoticeEvery) continue;
        }
        const auto to = noticeAddresses(rt);
        if (to.empty()) {
            spdlog::error("key.unhealthy fingerprint={} state={} (no [notify] maintainers or escalation level to tell)",
                          key->fingerprint, state);
            continue;
        }
        json ctx{{"ours", ours},
                 {"role_text", ours ? "secmaild's own key" : "The maintainer key"},
                 {"fingerprint", key->fingerprint},
                 {"user_ids", key->userIds},
                 {"state", state},
                 {"state_text", stateText(state, *key)},
                 {"expires", key->expires ? formatIsoUtc(*key->expires) : std::string("never")},
                 {"config_file", rt.config.file.string()},
                 {"project", rt.policy.project}};
        const std::string body = rt.templates.render("key-health", ctx);
        const std::string subject = std::string(ours ? "secmaild's key " : "Maintainer key ") +
                                    key->fingerprint.substr(key->fingerprint.size() - 16) + " " + stateText(state, *key);
        store::Transaction tx(store.db());
        for (const auto& address : to) {
            queueMaintainerMail(rt, store, {"", std::nullopt, address, "key-health", subject, body}, now);
            ++queued;
        }
        store.setServiceStatus(name, json{{"state", state}}.dump(), now);
        store.audit(now, std::nullopt, std::nullopt, "secmaild", "key.notice",
                    json{{"fingerprint", key->fingerprint}, {"state", state}, {"to", to}}.dump());
        tx.commit();
        spdlog::warn("key.unhealthy fingerprint={} state={} told={}", key->fingerprint, state, to.size());
    }
    return queued;
}

}  // namespace secmaild::service
