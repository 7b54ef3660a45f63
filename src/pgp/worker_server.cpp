// The GPGME worker program's side of the pipe (see worker.hpp): one Gpg,
// opened by the first request, serving decrypt, verify and protect requests
// until the daemon closes the pipe.
#include "secmaild/pgp/worker.hpp"

#include "secmaild/pgp/engine.hpp"
#include "worker_wire.hpp"

namespace secmaild::pgp {

namespace {

using namespace wire;

class Server {
public:
    Server(int in, int out) : in_(in), out_(out) {}

    int run() {
        for (;;) {
            auto frame = readFrame(in_, kMaxRequestBytes);
            if (!frame) return 0;  // the client closed the pipe: done
            if (frame->empty()) return 2;
            const char op = frame->front();
            Fields f(std::string_view(*frame).substr(1));
            bool sent = serve(op, f);
            sodium_memzero(frame->data(), frame->size());
            if (!sent) return 3;
        }
    }

private:
    bool serve(char op, Fields& f) {
        Writer w;
        if (op == kInit) {
            auto problem = init(f);
            w.number(problem ? 0 : 1).field(problem.value_or(""));
            return w.sendTo(out_);
        }
        if (!gpg_) return false;
        switch (op) {
            case kDecrypt: {
                auto data = f.next();
                if (!f.ok()) return false;
                putDecryption(w, gpg_->decrypt(data));
                break;
            }
            case kVerifyDetached: {
                auto bytes = f.next();
                auto signature = f.next();
                if (!f.ok()) return false;
                putVerification(w, gpg_->verifyDetached(bytes, signature));
                break;
            }
            case kVerifyClearsigned: {
                auto armored = f.next();
                if (!f.ok()) return false;
                putVerification(w, gpg_->verifyClearsigned(armored));
                break;
            }
            case kProtect: {
                auto rendered = f.next();
                auto protection = protectionFromJson(f.next());
                if (!f.ok()) return false;
                auto wire = protectMail(rendered, protection, *gpg_);
                w.number(wire ? 1 : 0).field(wire ? *wire : wire.error().message);
                break;
            }
            default:
                return false;
        }
        return w.sendTo(out_);
    }

    // nullopt when the home (and the signing key, if any) are ready.
    std::optional<std::string> init(Fields& f) {
        GpgOptions o;
        o.home = std::string(f.next());
        bool hasPassphrase = f.number() != 0;
        auto passphrase = f.next();
        o.maxPlaintextBytes = static_cast<std::size_t>(f.number());
        o.maxKeysInData = static_cast<std::size_t>(f.number());
        o.maxSignerLookups = static_cast<std::size_t>(f.number());
        const std::string signingKey(f.next());
        if (!f.ok()) return "a broken start request";
        if (hasPassphrase) o.passphrase = std::make_shared<const Secret>(std::string(passphrase));
        initialise();
        auto gpg = Gpg::open(std::move(o));
        if (!gpg) return gpg.error().message;
        gpg_.emplace(std::move(gpg).value());
        if (!signingKey.empty())
            if (auto s = gpg_->useSigningKey(signingKey); !s) return s.error().message;
        return std::nullopt;
    }

    int in_;
    int out_;
    std::optional<Gpg> gpg_;
};

}  // namespace

int runGpgWorker(int in, int out) { return Server(in, out).run(); }

}  // namespace secmaild::pgp
