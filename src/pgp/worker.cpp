// The daemon's side of a GPGME worker (see worker.hpp): spawning it with
// nothing but its two pipes, one request at a time, and a new worker after
// one died.
#include "secmaild/pgp/worker.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "worker_wire.hpp"

extern char** environ;

namespace secmaild::pgp {

namespace {

using namespace wire;

// A pipe end at fd 3 or above, so the child's dup2 onto 0 and 3 cannot
// overwrite another end first.
int aboveStdio(int fd) {
    if (fd > 2) return fd;
    int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    ::close(fd);
    return moved;
}

}  // namespace

GpgWorker::GpgWorker(WorkerOptions options) : options_(std::move(options)) {}

GpgWorker::~GpgWorker() { stop(); }

Result<std::unique_ptr<GpgWorker>> GpgWorker::start(WorkerOptions options) {
    if (options.command.empty()) return fail("no worker program");
    std::unique_ptr<GpgWorker> worker(new GpgWorker(std::move(options)));
    if (auto s = worker->spawn(); !s) return fail(s.error().message);
    return worker;
}

Status GpgWorker::spawn() {
    int requests[2], replies[2];
    if (::pipe2(requests, O_CLOEXEC) != 0) return fail(std::string("pipe: ") + std::strerror(errno));
    if (::pipe2(replies, O_CLOEXEC) != 0) {
        ::close(requests[0]);
        ::close(requests[1]);
        return fail(std::string("pipe: ") + std::strerror(errno));
    }
    for (int* fd : {&requests[0], &requests[1], &replies[0], &replies[1]}) *fd = aboveStdio(*fd);

    // Requests on 0, replies on 3, stdout to stderr; nothing else: another
    // thread's GPGME pipes must not stay open in the worker, or that thread's
    // gpg never sees EOF.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, requests[0], 0);
    posix_spawn_file_actions_adddup2(&actions, replies[1], 3);
    posix_spawn_file_actions_adddup2(&actions, 2, 1);
    posix_spawn_file_actions_addclosefrom_np(&actions, 4);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&defaults, s);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    std::vector<char*> argv;
    for (auto& a : options_.command) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = ::posix_spawn(&pid_, argv[0], &actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    ::close(requests[0]);
    ::close(replies[1]);
    toWorker_ = requests[1];
    fromWorker_ = replies[0];
    if (rc != 0) {
        pid_ = -1;
        stop();
        return fail("could not start " + options_.command.front() + ": " + std::strerror(rc));
    }

    const auto& g = options_.gpg;
    Writer init(kInit);
    init.field(g.home.string()).number(g.passphrase ? 1 : 0).field(g.passphrase ? g.passphrase->reveal() : "");
    init.number(static_cast<std::int64_t>(g.maxPlaintextBytes)).number(static_cast<std::int64_t>(g.maxKeysInData));
    init.number(static_cast<std::int64_t>(g.maxSignerLookups)).field(options_.signingKey);
    std::optional<std::string> reply;
    if (init.sendTo(toWorker_)) reply = readFrame(fromWorker_, 1u << 20);
    if (!reply) {
        stop();
        return fail("the gpg worker " + options_.command.front() + " did not start");
    }
    Fields f(*reply);
    bool ready = f.number() == 1;
    std::string problem(f.next());
    if (!f.ok() || !ready) {
        stop();
        return fail(problem.empty() ? "the gpg worker sent a broken reply" : problem);
    }
    return {};
}

void GpgWorker::stop() {
    if (toWorker_ >= 0) ::close(toWorker_);
    if (fromWorker_ >= 0) ::close(fromWorker_);
    toWorker_ = fromWorker_ = -1;
    if (pid_ <= 0) return;
    // EOF on its requests ends the worker; one that hangs (a stuck gpg) is killed.
    for (int i = 0; i < 100; ++i) {
        pid_t r = ::waitpid(pid_, nullptr, WNOHANG);
        if (r == pid_ || (r < 0 && errno != EINTR)) {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
}

Result<std::string> GpgWorker::call(char op, const std::vector<std::string_view>& fields) {
    if (pid_ <= 0) {
        if (auto s = spawn(); !s) {
            ++failures_;
            return fail("gpg worker: " + s.error().message);
        }
    }
    Writer request(op);
    for (auto f : fields) request.field(f);
    std::optional<std::string> reply;
    if (request.sendTo(toWorker_)) reply = readFrame(fromWorker_, maxReplyBytes(options_.gpg));
    if (!reply) {
        // Dead, or its reply broke the frame: a new worker for the next call.
        ++failures_;
        stop();
        return fail("the gpg worker stopped during the operation; it is restarted for the next one");
    }
    return std::move(*reply);
}

Decryption GpgWorker::decrypt(std::string_view data) {
    auto reply = call(kDecrypt, {data});
    if (!reply) return failedDecryption(reply.error().message);
    auto d = takeDecryption(*reply);
    if (!d) ++failures_;
    return d ? std::move(*d) : failedDecryption("the gpg worker sent a broken reply");
}

Verification GpgWorker::verifyDetached(std::string_view signedBytes, std::string_view signature) {
    auto reply = call(kVerifyDetached, {signedBytes, signature});
    if (!reply) return failedVerification(reply.error().message);
    auto v = takeVerification(*reply);
    if (!v) ++failures_;
    return v ? std::move(*v) : failedVerification("the gpg worker sent a broken reply");
}

Verification GpgWorker::verifyClearsigned(std::string_view armored) {
    auto reply = call(kVerifyClearsigned, {armored});
    if (!reply) return failedVerification(reply.error().message);
    auto v = takeVerification(*reply);
    if (!v) ++failures_;
    return v ? std::move(*v) : failedVerification("the gpg worker sent a broken reply");
}

Result<std::string> GpgWorker::protect(std::string_view rendered, const Protection& protection) {
    const auto json = protectionJson(protection);
    auto reply = call(kProtect, {rendered, json});
    if (!reply) return fail(reply.error().message);
    Fields f(*reply);
    bool ok = f.number() == 1;
    std::string text(f.next());
    if (!f.ok()) {
        ++failures_;
        return fail("the gpg worker sent a broken reply");
    }
    if (!ok) return fail(text);
    return text;
}

}  // namespace secmaild::pgp
