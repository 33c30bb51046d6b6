#include "smpp/session/tls_context.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>

namespace smpp::session {

namespace ssl = boost::asio::ssl;

namespace {

// Runs one context call; on failure the error names the setting and file.
template <class F>
bool load(std::string& error, const char* what, const std::string& file, F&& f) {
    boost::system::error_code ec;
    f(ec);
    if (!ec) return true;
    error = std::string(what) + " " + file + ": " + ec.message();
    return false;
}

std::shared_ptr<ssl::context> base_context(ssl::context::method m) {
    auto ctx = std::make_shared<ssl::context>(m);
    // TLS 1.2 and up only: carriers' security reviews fail anything older.
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    return ctx;
}

}  // namespace

TlsContextResult make_client_context(const TlsClientSettings& s) {
    TlsContextResult r;
    auto ctx = base_context(ssl::context::tls_client);
    if (!s.ca_file.empty()) {
        if (!load(r.error, "ca_file", s.ca_file, [&](auto& ec) { ctx->load_verify_file(s.ca_file, ec); }))
            return r;
    } else if (s.verify_peer) {
        boost::system::error_code ec;
        ctx->set_default_verify_paths(ec);
    }
    if (!s.cert_file.empty()) {
        if (s.key_file.empty()) {
            r.error = "key_file: required with cert_file";
            return r;
        }
        if (!load(r.error, "cert_file", s.cert_file, [&](auto& ec) { ctx->use_certificate_chain_file(s.cert_file, ec); }))
            return r;
        if (!load(r.error, "key_file", s.key_file,
                  [&](auto& ec) { ctx->use_private_key_file(s.key_file, ssl::context::pem, ec); }))
            return r;
    }
    ctx->set_verify_mode(s.verify_peer ? ssl::verify_peer : ssl::verify_none);
    r.context = std::move(ctx);
    return r;
}

TlsContextResult make_server_context(const TlsServerSettings& s) {
    TlsContextResult r;
    auto ctx = base_context(ssl::context::tls_server);
    if (!load(r.error, "cert_file", s.cert_file, [&](auto& ec) { ctx->use_certificate_chain_file(s.cert_file, ec); }))
        return r;
    if (!load(r.error, "key_file", s.key_file,
              [&](auto& ec) { ctx->use_private_key_file(s.key_file, ssl::context::pem, ec); }))
        return r;
    if (!s.ca_file.empty() &&
        !load(r.error, "ca_file", s.ca_file, [&](auto& ec) { ctx->load_verify_file(s.ca_file, ec); }))
        return r;
    if (s.require_client_cert) {
        if (s.ca_file.empty()) {
            r.error = "ca_file: required with require_client_cert";
            return r;
        }
        ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    }
    r.context = std::move(ctx);
    return r;
}

std::string describe_tls_error(const boost::system::error_code& ec, const void* native_ssl) {
    std::string out = ec.message();
    if (!native_ssl) return out;
    const long verify = SSL_get_verify_result(static_cast<const SSL*>(native_ssl));
    if (verify != X509_V_OK) out += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
    return out;
}

}  // namespace smpp::session
