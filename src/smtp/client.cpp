// libcurl SMTP client. The easy handle and its options live as long as the
// Client; each send only changes the envelope and the upload.
#include "secmaild/smtp/client.hpp"

#include <curl/curl.h>

#include <cstring>

namespace secmaild::smtp {

namespace {

struct Upload {
    const std::string* data;
    std::size_t offset = 0;
};

std::size_t readUpload(char* buffer, std::size_t size, std::size_t count, void* userdata) {
    auto* upload = static_cast<Upload*>(userdata);
    std::size_t room = size * count;
    std::size_t left = upload->data->size() - upload->offset;
    std::size_t n = std::min(room, left);
    std::memcpy(buffer, upload->data->data() + upload->offset, n);
    upload->offset += n;
    return n;
}

struct SlistFree {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

struct Client::Impl {
    struct Cleanup {
        void operator()(CURL* h) const { curl_easy_cleanup(h); }
    };
    std::unique_ptr<CURL, Cleanup> handle;
    char errorText[CURL_ERROR_SIZE] = {0};
};

Client::Client(const config::Smtp& s, const Secret* password) : impl_(std::make_unique<Impl>()) {
    impl_->handle.reset(curl_easy_init());
    CURL* h = impl_->handle.get();
    if (!h) return;
    curl_easy_setopt(h, CURLOPT_URL, s.url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, impl_->errorText);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(s.timeout.count() * 1000));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(s.timeout.count() * 1000));
    // Keep the connection for the whole batch, however slow it is.
    curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, 3600L);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, readUpload);
    if (!s.user.empty() && password) {
        curl_easy_setopt(h, CURLOPT_USERNAME, s.user.c_str());
        curl_easy_setopt(h, CURLOPT_PASSWORD, password->reveal().c_str());
    }
    if (s.tls == config::TlsMode::Required) {
        curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, s.tlsVerify ? 1L : 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, s.tlsVerify ? 2L : 0L);
        if (!s.caFile.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, s.caFile.c_str());
    }
}

Client::~Client() = default;

Classified Client::send(const Envelope& envelope, const std::string& raw) {
    CURL* h = impl_->handle.get();
    if (!h) return {Verdict::Transient, true, "libcurl could not create a handle"};
    std::string from = "<" + envelope.from + ">";
    std::string to = "<" + envelope.recipient + ">";
    std::unique_ptr<curl_slist, SlistFree> recipients(curl_slist_append(nullptr, to.c_str()));
    Upload upload{&raw};
    impl_->errorText[0] = '\0';
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
    curl_easy_setopt(h, CURLOPT_READDATA, &upload);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(raw.size()));
    CURLcode rc = curl_easy_perform(h);
    long reply = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, nullptr);
    curl_easy_setopt(h, CURLOPT_READDATA, nullptr);
    std::string message = curl_easy_strerror(rc);
    if (impl_->errorText[0]) message += std::string(": ") + impl_->errorText;
    return classify(rc, reply, message);
}

}  // namespace secmaild::smtp
