#pragma once
// Throwaway PKI for the TLS tests, made at runtime with the openssl CLI in a
// temporary folder: a CA, a server certificate for 127.0.0.1/localhost and a
// client certificate signed by it, and a second CA that signed neither.
// Short-lived EC keys: quick to make, never reused.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace smpp::session::test {

struct TlsCerts {
    std::filesystem::path dir;
    std::string ca, server_cert, server_key, client_cert, client_key, other_ca;
    bool ok = false;

    TlsCerts() {
        char tmpl[] = "/tmp/smpp-tls-XXXXXX";
        if (!::mkdtemp(tmpl)) return;
        dir = tmpl;
        auto p = [&](const char* f) { return (dir / f).string(); };
        ca = p("ca.pem");
        server_cert = p("server.pem");
        server_key = p("server.key");
        client_cert = p("client.pem");
        client_key = p("client.key");
        other_ca = p("other-ca.pem");
        std::ofstream(p("server.ext")) << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
        const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
        const std::string d = dir.string() + "/";
        const std::string script =
            "set -e; cd " + d + "; exec >openssl.log 2>&1;"
            "openssl req -x509" + key + " -keyout ca.key -out ca.pem -days 2 -subj /CN=smpp-test-ca;"
            "openssl req -x509" + key + " -keyout other-ca.key -out other-ca.pem -days 2 -subj /CN=smpp-other-ca;"
            "openssl req" + key + " -keyout server.key -out server.csr -subj /CN=localhost;"
            "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2"
            " -extfile server.ext;"
            "openssl req" + key + " -keyout client.key -out client.csr -subj /CN=esme1;"
            "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2;";
        ok = std::system(("sh -c '" + script + "'").c_str()) == 0;
    }
    ~TlsCerts() {
        std::error_code ec;
        if (!dir.empty()) std::filesystem::remove_all(dir, ec);
    }
};

}  // namespace smpp::session::test
