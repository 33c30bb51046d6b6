#pragma once
// TLS for SMPP binds: the settings of each side (plain data, like the other
// *Settings) and the OpenSSL contexts built from them. Building a context
// reads the PEM files; a bad file is an error value naming the file and
// OpenSSL's reason, never an exception.
#include <memory>
#include <string>

#include <boost/system/error_code.hpp>

namespace boost::asio::ssl {
class context;
}

namespace smpp::session {

// ESME side (our binds to carriers).
struct TlsClientSettings {
    bool enabled = false;
    std::string ca_file;    // trusted CAs for the SMSC's certificate (PEM)
    std::string cert_file;  // our client certificate (PEM), optional
    std::string key_file;   // its private key (PEM), required with cert_file
    bool verify_peer = true;
    // Sent as SNI and checked against the SMSC's certificate; empty = the
    // endpoint's host.
    std::string server_name;
};

// SMSC side (the simulator and tests; the upstream listener later).
struct TlsServerSettings {
    std::string cert_file;  // our certificate chain (PEM)
    std::string key_file;
    std::string ca_file;    // CAs for client certificates; required with require_client_cert
    bool require_client_cert = false;
};

struct TlsContextResult {
    std::shared_ptr<boost::asio::ssl::context> context;  // null on error
    std::string error;                                    // "ca_file /x/ca.pem: no such file"
};

TlsContextResult make_client_context(const TlsClientSettings& s);
TlsContextResult make_server_context(const TlsServerSettings& s);

// OpenSSL's reason for a failed handshake, with the verify result when the
// peer's certificate was the problem ("certificate verify failed (unable to
// get local issuer certificate)").
std::string describe_tls_error(const boost::system::error_code& ec, const void* native_ssl);

}  // namespace smpp::session
