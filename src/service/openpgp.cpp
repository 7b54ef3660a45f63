// OpenPGP start-up (see openpgp.hpp). The maintainers' keys file is the
// source of authority: it is read and imported at every start, so removing a
// key from the file removes its authority at the next start (the key may
// still sit in the home; authority is by fingerprint from the file only).
#include "secmaild/service/openpgp.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "secmaild/pgp/home_options.hpp"
#include "secmaild/store/sealer.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::service {

namespace {

constexpr std::uintmax_t kMaxKeysFile = 16u << 20;

std::optional<std::string> readSmallFile(const std::filesystem::path& path, std::string& error) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec) {
        error = "cannot be read: " + ec.message();
        return std::nullopt;
    }
    if (size > kMaxKeysFile) {
        error = "is larger than 16 MB";
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot be read";
        return std::nullopt;
    }
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

pgp::GpgOptions gpgOptions(const config::Config& c, const std::shared_ptr<const Secret>& passphrase) {
    pgp::GpgOptions options;
    options.home = c.gpg->home;
    options.passphrase = passphrase;
    options.maxPlaintextBytes = c.limits.maxMessageBytes;
    return options;
}

std::optional<std::unique_ptr<pgp::Gpg>> openContext(const config::Config& c,
                                                     const std::shared_ptr<const Secret>& passphrase,
                                                     std::vector<config::Problem>& problems) {
    auto gpg = pgp::Gpg::open(gpgOptions(c, passphrase));
    if (!gpg) {
        problems.push_back({c.file.string(), "gpg.home", gpg.error().message});
        return std::nullopt;
    }
    return std::make_unique<pgp::Gpg>(std::move(gpg).value());
}

// A home whose gpg.conf cannot be written still works, only slower when
// several gpg run at once: a warning, not a refusal to start.
void noteHomeOptions(const std::filesystem::path& home) {
    auto changed = pgp::ensureHomeOptions(home);
    if (!changed)
        spdlog::warn(
            "gpg.home_options_unchanged error=\"{}\" effect=\"parallel gpg operations may wait on random_seed's lock\"",
            changed.error().message);
    else if (*changed)
        spdlog::info("gpg.home_options_added file={}", (home / "gpg.conf").string());
}

std::optional<pgp::KeyInfo> findOurKey(const config::Config& c, pgp::Gpg& gpg, std::vector<config::Problem>& problems) {
    const auto file = c.file.string();
    auto secret = gpg.listKeys(true);
    std::optional<pgp::KeyInfo> chosen;
    for (const auto& k : secret) {
        if (!c.gpg->keyFingerprint.empty()) {
            if (k.fingerprint == c.gpg->keyFingerprint) chosen = k;
            continue;
        }
        bool ours = std::find(k.emails.begin(), k.emails.end(), toLower(c.smtp.from)) != k.emails.end();
        bool usable = !k.revoked && !k.expired && !k.invalid && !k.disabled && k.canSign;
        if (ours && usable && (!chosen || (k.canEncrypt && !chosen->canEncrypt))) chosen = k;
    }
    if (!chosen) {
        problems.push_back(
            {file, c.gpg->keyFingerprint.empty() ? "gpg.home" : "gpg.key",
             c.gpg->keyFingerprint.empty()
                 ? "no usable secret key for " + c.smtp.from + " in " + c.gpg->home.string() +
                       "; make one with `secmailctl --config " + file + " key init`"
                 : "no secret key " + c.gpg->keyFingerprint + " in " + c.gpg->home.string()});
        return std::nullopt;
    }
    if (chosen->revoked || chosen->expired || !chosen->canSign) {
        problems.push_back({file, "gpg.key",
                            "secmaild's key " + chosen->fingerprint + " is " +
                                (chosen->revoked ? "revoked" : chosen->expired ? "expired" : "not able to sign") +
                                "; make a new one with `secmailctl key init` and publish it"});
        return std::nullopt;
    }
    if (!chosen->canEncrypt)
        problems.push_back({file, "gpg.key",
                            "secmaild's key " + chosen->fingerprint +
                                " has no usable encryption subkey: reporters could not encrypt to it"});
    return chosen;
}

}  // namespace

bool OpenPgp::isMaintainerKey(const std::string& fingerprint) const {
    return std::any_of(maintainerKeys.begin(), maintainerKeys.end(),
                       [&](const pgp::KeyInfo& k) { return k.fingerprint == fingerprint; });
}

std::optional<std::string> OpenPgp::maintainerKeyFor(const std::string& address) const {
    const auto wanted = toLower(address);
    for (const auto& k : maintainerKeys)
        if (k.canEncrypt && std::find(k.emails.begin(), k.emails.end(), wanted) != k.emails.end()) return k.fingerprint;
    return std::nullopt;
}

namespace {

struct MaintainerFile {
    std::string text;
    std::vector<pgp::KeyInfo> keys;
};

// The keys file, read once: its text (to import) and the keys in it.
std::optional<MaintainerFile> readMaintainerFile(const config::Config& c, pgp::Gpg& gpg,
                                                 std::vector<config::Problem>& problems) {
    if (c.maintainers.keysFile.empty()) return std::nullopt;
    std::string error;
    auto text = readSmallFile(c.maintainers.keysFile, error);
    if (!text) {
        problems.push_back({c.file.string(), "maintainers.keys", c.maintainers.keysFile.string() + " " + error});
        return std::nullopt;
    }
    auto keys = gpg.keysInData(*text);
    if (!keys || keys->empty()) {
        problems.push_back({c.maintainers.keysFile.string(), "",
                            "holds no OpenPGP public key" + (keys ? std::string() : ": " + keys.error().message)});
        return std::nullopt;
    }
    for (const auto& k : *keys) {
        if (k.hasSecret) {
            problems.push_back({c.maintainers.keysFile.string(), "",
                                "holds secret key material (" + k.fingerprint +
                                    "); export only the public keys (gpg --export --armor)"});
            return std::nullopt;
        }
    }
    return MaintainerFile{std::move(*text), std::move(keys).value()};
}

}  // namespace

std::vector<pgp::KeyInfo> readMaintainerKeys(const config::Config& c, pgp::Gpg& gpg,
                                             std::vector<config::Problem>& problems) {
    auto file = readMaintainerFile(c, gpg, problems);
    return file ? file->keys : std::vector<pgp::KeyInfo>{};
}

std::optional<OpenPgp> setUpOpenPgp(const config::Config& c, OpenPgpUse use, std::vector<config::Problem>& problems) {
    if (!c.gpg) return std::nullopt;
    const auto file = c.file.string();
    OpenPgp o;
    if (c.gpg->passphrase.configured()) {
        auto secret = readSecret(c.gpg->passphrase, std::getenv("CREDENTIALS_DIRECTORY"));
        if (!secret) {
            problems.push_back({file, c.gpg->passphrase.file.empty() ? "gpg.passphrase_credential" : "gpg.passphrase_file",
                                secret.error().message});
            return std::nullopt;
        }
        o.passphrase = std::make_shared<const Secret>(std::move(secret).value());
    }
    auto gpg = openContext(c, o.passphrase, problems);
    if (!gpg) return std::nullopt;
    o.gpg = std::move(*gpg);
    if (use == OpenPgpUse::Run) noteHomeOptions(o.gpg->home());
    auto ours = findOurKey(c, *o.gpg, problems);
    // Reading an archive with a maintainer's own GnuPG home: no secmaild key
    // there, but theirs may unwrap the data key.
    if (!ours && use == OpenPgpUse::Read) return o;
    if (!ours) return std::nullopt;
    o.ourKey = *ours;
    if (auto s = o.gpg->useSigningKey(o.ourKey.fingerprint); !s) {
        problems.push_back({file, "gpg.key", s.error().message});
        return std::nullopt;
    }
    auto keysFile = readMaintainerFile(c, *o.gpg, problems);
    const std::vector<pgp::KeyInfo> listed = keysFile ? keysFile->keys : std::vector<pgp::KeyInfo>{};
    if (use != OpenPgpUse::Run) {
        o.maintainerKeys = listed;
    } else if (!listed.empty()) {
        auto imported = o.gpg->importKeys(keysFile->text);
        if (!imported) {
            problems.push_back({c.maintainers.keysFile.string(), "", "could not be imported: " + imported.error().message});
            return std::nullopt;
        }
        for (const auto& k : listed) {
            // The home's view knows expiry and revocation as of now.
            auto known = o.gpg->findKey(k.fingerprint);
            o.maintainerKeys.push_back(known ? *known : k);
        }
    }
    if (use == OpenPgpUse::Run) {
        auto sender = openContext(c, o.passphrase, problems);
        if (!sender) return std::nullopt;
        o.senderGpg = std::move(*sender);
        if (auto s = o.senderGpg->useSigningKey(o.ourKey.fingerprint); !s) {
            problems.push_back({file, "gpg.key", s.error().message});
            return std::nullopt;
        }
    }
    return o;
}

std::vector<std::string> archiveRecipients(const config::Config& c, const OpenPgp& o,
                                           std::vector<config::Problem>& problems) {
    std::set<std::string> out{o.ourKey.fingerprint};
    for (const auto& r : c.atRest.archiveRecipients) {
        if (r == "maintainers") {
            for (const auto& k : o.maintainerKeys)
                if (k.canEncrypt) out.insert(k.fingerprint);
            continue;
        }
        auto key = o.gpg->findKey(r);
        if (!key || !key->canEncrypt)
            problems.push_back({c.file.string(), "store.archive_recipients",
                                r + " is not a usable encryption key in " + c.gpg->home.string() +
                                    " (put it in the maintainers' keys file)"});
        else
            out.insert(r);
    }
    return {out.begin(), out.end()};
}

void unlockStore(const config::Config& c, OpenPgp& o, store::Store& store, bool mayWrite, TimePoint now,
                 std::vector<config::Problem>& problems) {
    const auto file = c.file.string();
    auto wrapped = store.wrappedDataKey();
    if (!c.atRest.encrypt && !wrapped) return;
    if (!wrapped) {
        if (!mayWrite) return;
        auto recipients = archiveRecipients(c, o, problems);
        auto key = store::Sealer::generateKey();
        auto sealed = o.gpg->encrypt(key, recipients, false);
        if (!sealed) {
            problems.push_back({file, "store.encrypt", "the data key could not be wrapped: " + sealed.error().message});
            return;
        }
        store::Transaction tx(store.db(), store::Transaction::Sync::Durable);
        store.saveWrappedDataKey({*sealed, recipients, now, now});
        tx.commit();
        store.setSealer(std::make_shared<const store::Sealer>(key));
        std::fill(key.begin(), key.end(), '\0');
        spdlog::info("store.data_key_created recipients={}", join(recipients, ","));
    } else {
        auto opened = o.gpg->decrypt(wrapped->wrapped);
        if (opened.status != pgp::DecryptStatus::Decrypted || opened.plaintext.size() != store::Sealer::kKeyBytes) {
            problems.push_back({file, "gpg.home",
                                "the store's data key cannot be unwrapped with the keys in " + c.gpg->home.string() +
                                    " (" + std::string(pgp::decryptStatusName(opened.status)) +
                                    (opened.detail.empty() ? "" : ": " + opened.detail) + ")"});
            return;
        }
        std::string key = std::move(opened.plaintext);
        store.setSealer(std::make_shared<const store::Sealer>(key));
        struct Wipe {
            std::string& s;
            ~Wipe() { std::fill(s.begin(), s.end(), '\0'); }
        } wipe{key};
        if (mayWrite) {
            // Key rotation: when the recipients changed (a new secmaild key, a
            // maintainer joined or left), the same data key is wrapped again.
            auto recipients = archiveRecipients(c, o, problems);
            auto before = wrapped->recipients;
            std::sort(before.begin(), before.end());
            if (before != recipients) {
                auto rewrapped = o.gpg->encrypt(key, recipients, false);
                if (!rewrapped) {
                    problems.push_back(
                        {file, "store.archive_recipients", "the data key could not be re-wrapped: " + rewrapped.error().message});
                    return;
                }
                store::Transaction tx(store.db(), store::Transaction::Sync::Durable);
                store.saveWrappedDataKey({*rewrapped, recipients, wrapped->createdAt, now});
                tx.commit();
                spdlog::info("store.data_key_rewrapped recipients={} before={}", join(recipients, ","),
                             join(before, ","));
            }
        }
    }
    if (mayWrite && c.atRest.encrypt && store.hasUnsealedRecords()) {
        auto n = store.sealExistingRecords();
        spdlog::info("store.sealed_existing rows={}", n);
    }
}

void startGpgWorkers(const config::Config& c, OpenPgp& o, const std::vector<std::string>& command) {
    if (!c.gpg || c.gpg->workers <= 0 || o.ourKey.fingerprint.empty()) return;
    const auto count = static_cast<std::size_t>(c.gpg->workers);
    // Started side by side: each costs an exec and a key listing.
    std::vector<std::optional<Result<std::unique_ptr<pgp::GpgWorker>>>> started(2 * count);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < started.size(); ++i) {
        threads.emplace_back([&, i] {
            pgp::WorkerOptions w{command, gpgOptions(c, o.passphrase), i < count ? "" : o.ourKey.fingerprint};
            started[i].emplace(pgp::GpgWorker::start(std::move(w)));
        });
    }
    for (auto& t : threads) t.join();
    for (std::size_t i = 0; i < started.size(); ++i) {
        auto& worker = *started[i];
        if (!worker) {
            spdlog::warn("gpg.worker_failed error=\"{}\" (GPGME runs in the daemon's threads instead)",
                         worker.error().message);
            continue;
        }
        (i < count ? o.readers : o.signers).push_back(std::move(worker).value());
    }
    spdlog::info("gpg.workers readers={} signers={}", o.readers.size(), o.signers.size());
}

Result<pgp::KeyInfo> createOurKey(const config::Config& c, std::optional<std::chrono::seconds> expiry) {
    if (!c.gpg) return fail("the config has no [gpg] section");
    std::vector<config::Problem> problems;
    std::shared_ptr<const Secret> passphrase;
    if (c.gpg->passphrase.configured()) {
        auto secret = readSecret(c.gpg->passphrase, std::getenv("CREDENTIALS_DIRECTORY"));
        if (!secret) return fail(secret.error().message);
        passphrase = std::make_shared<const Secret>(std::move(secret).value());
    }
    auto gpg = openContext(c, passphrase, problems);
    if (!gpg) return fail(problems.front().message);
    noteHomeOptions((*gpg)->home());
    for (const auto& k : (*gpg)->listKeys(true)) {
        bool ours = std::find(k.emails.begin(), k.emails.end(), toLower(c.smtp.from)) != k.emails.end();
        if (ours && !k.revoked && !k.expired && !k.invalid)
            return fail("a key for " + c.smtp.from + " exists already: " + k.fingerprint);
    }
    std::string uid = c.smtp.fromName.empty() ? c.smtp.from : c.smtp.fromName + " <" + c.smtp.from + ">";
    auto fpr = (*gpg)->createKey(uid, "future-default", expiry);
    if (!fpr) return fail(fpr.error().message);
    auto key = (*gpg)->findKey(*fpr, true);
    if (!key) return fail("the new key " + *fpr + " is not in " + c.gpg->home.string());
    return *key;
}

}  // namespace secmaild::service
