// yaml-cpp 0.7's Node::operator[] trips GCC 12's -Wdangling-pointer on a
// temporary it only compares against (a known false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif

#include "conf/carrier_config.hpp"

#include <chrono>
#include <filesystem>
#include <set>
#include <string_view>

#include <boost/asio/ip/address_v6.hpp>
#include <yaml-cpp/yaml.h>

#include "conf/yaml_reader.hpp"

namespace smpp::conf {

namespace {

using carrier::CarrierSettings;
using Reader = YamlReader;
using ms = std::chrono::milliseconds;

constexpr std::int64_t max_ms = 86'400'000;  // a day: longer is a typo, not a timeout

// "host:port", or "[2001:db8::1]:2775" for an IPv6 address: its own colons
// would otherwise be taken for the port's ("2001:db8::1" read as host
// "2001:db8:", port 1).
session::Endpoint read_endpoint(const Reader& r, const YAML::Node& node, const std::string& path) {
    const std::string text = r.string(node, path);
    session::Endpoint e;
    std::string port;
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string::npos || close + 1 == text.size() || text[close + 1] != ':')
            r.fail(node, path, "must be [IPv6 address]:port, like [2001:db8::1]:2775");
        e.host = text.substr(1, close - 1);
        boost::system::error_code ec;
        boost::asio::ip::make_address_v6(e.host, ec);
        if (ec) r.fail(node, path, "'" + e.host + "' in brackets must be an IPv6 address, like [2001:db8::1]:2775");
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string::npos) r.fail(node, path, "must be host:port");
        e.host = text.substr(0, colon);
        if (e.host.find(':') != std::string::npos)
            r.fail(node, path, "an IPv6 address must be in brackets with its port, like [2001:db8::1]:2775");
        if (e.host.empty()) r.fail(node, path, "must be host:port with a host before the ':'");
        port = text.substr(colon + 1);
    }
    int p = 0;
    for (char c : port) {
        if (c < '0' || c > '9' || p > 65535) r.fail(node, path, "must be host:port with a port of 1 to 65535");
        p = p * 10 + (c - '0');
    }
    if (p < 1 || p > 65535) r.fail(node, path, "must be host:port with a port of 1 to 65535");
    e.port = static_cast<std::uint16_t>(p);
    return e;
}

std::string resolve(const std::string& file, const std::string& path) {
    if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
    return (std::filesystem::path(file).parent_path() / path).string();
}

void read_tls(const Reader& r, const YAML::Node& node, const std::string& path, carrier::TlsSettings& out) {
    r.expect_mapping(node, path, {"enabled", "ca_file", "cert_file", "key_file", "verify_peer", "server_name"});
    out.enabled = r.boolean(r.required(node, path, "enabled"), path + ".enabled");
    if (const YAML::Node v = node["verify_peer"]; v.IsDefined()) out.verify_peer = r.boolean(v, path + ".verify_peer");
    if (const YAML::Node v = node["server_name"]; v.IsDefined()) out.server_name = r.string(v, path + ".server_name");
    auto file = [&](const char* key, std::string& field) {
        if (const YAML::Node v = node[key]; v.IsDefined()) field = resolve(r.file(), r.string(v, Reader::child(path, key)));
    };
    file("ca_file", out.ca_file);
    file("cert_file", out.cert_file);
    file("key_file", out.key_file);
}

void read_reconnect(const Reader& r, const YAML::Node& node, const std::string& path, session::BackoffSettings& out) {
    r.expect_mapping(node, path, {"base_ms", "max_ms", "jitter"});
    if (const YAML::Node v = node["base_ms"]; v.IsDefined()) out.base = ms(r.integer(v, path + ".base_ms", 1, max_ms));
    if (const YAML::Node v = node["max_ms"]; v.IsDefined()) out.max = ms(r.integer(v, path + ".max_ms", 1, max_ms));
    if (const YAML::Node v = node["jitter"]; v.IsDefined()) out.jitter = r.number(v, path + ".jitter", 0, 1);
}

void read_throttle(const Reader& r, const YAML::Node& node, const std::string& path, carrier::ThrottleSettings& out) {
    r.expect_mapping(node, path,
                     {"decrease_factor", "recovery_step", "recovery_interval_ms", "floor_tps", "cut_hold_ms",
                      "max_retries"});
    if (const YAML::Node v = node["decrease_factor"]; v.IsDefined())
        out.decrease_factor = r.number(v, path + ".decrease_factor", 0.01, 0.99);
    if (const YAML::Node v = node["recovery_step"]; v.IsDefined())
        out.recovery_step = r.number(v, path + ".recovery_step", 0, 100'000);
    if (const YAML::Node v = node["recovery_interval_ms"]; v.IsDefined())
        out.recovery_interval = ms(r.integer(v, path + ".recovery_interval_ms", 1, max_ms));
    if (const YAML::Node v = node["floor_tps"]; v.IsDefined()) out.floor_tps = r.number(v, path + ".floor_tps", 0.01, 100'000);
    if (const YAML::Node v = node["cut_hold_ms"]; v.IsDefined())
        out.cut_hold = ms(r.integer(v, path + ".cut_hold_ms", 0, max_ms));
    if (const YAML::Node v = node["max_retries"]; v.IsDefined())
        out.max_retries = static_cast<std::uint32_t>(r.integer(v, path + ".max_retries", 0, 1000));
}



// The node a validate() field path ("reconnect.base_ms") names, or the
// deepest one that exists.
YAML::Node locate(const YAML::Node& entry, const std::string& field) {
    YAML::Node at = entry;
    std::string_view rest = field;
    while (!rest.empty()) {
        const auto dot = rest.find('.');
        const std::string key(rest.substr(0, dot));
        const YAML::Node next = at[key];
        if (!next.IsDefined()) break;
        at = next;
        rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
    }
    return at;
}

CarrierSettings read_carrier(const Reader& r, const YAML::Node& node, const std::string& path) {
    r.expect_mapping(node, path,
                     {
    "id", "name", "endpoints", "tls", "system_id", "password", "system_type", "addr_ton", "addr_npi",
    "address_range", "bind_mode", "binds", "window", "max_tps", "enquire_link_interval_ms", "response_timeout_ms",
    "bind_timeout_ms", "connect_timeout_ms", "unbound_timeout_ms", "reconnect", "max_failed_binds", "hold_off_ms", "throttle",
    "default_data_coding", "default_alphabet", "receipt_id_format", "accepts_message_payload", "max_message_parts",
    "queue_limit", "max_sending", "backup"});
    CarrierSettings c;
    auto str = [&](const char* key, std::string& field) {
        if (const YAML::Node v = node[key]; v.IsDefined()) field = r.string(v, Reader::child(path, key));
    };
    auto u32 = [&](const char* key, std::uint32_t& field, std::int64_t min, std::int64_t max) {
        if (const YAML::Node v = node[key]; v.IsDefined())
            field = static_cast<std::uint32_t>(r.integer(v, Reader::child(path, key), min, max));
    };
    auto u8 = [&](const char* key, std::uint8_t& field) {
        if (const YAML::Node v = node[key]; v.IsDefined())
            field = static_cast<std::uint8_t>(r.integer(v, Reader::child(path, key), 0, 255));
    };
    auto duration = [&](const char* key, ms& field, std::int64_t min) {
        if (const YAML::Node v = node[key]; v.IsDefined()) field = ms(r.integer(v, Reader::child(path, key), min, max_ms));
    };
    auto flag = [&](const char* key, bool& field) {
        if (const YAML::Node v = node[key]; v.IsDefined()) field = r.boolean(v, Reader::child(path, key));
    };

    c.id = r.string(r.required(node, path, "id"), path + ".id");
    str("name", c.name);
    const YAML::Node endpoints = r.required(node, path, "endpoints");
    if (!endpoints.IsSequence() || endpoints.size() == 0) r.fail(endpoints, path + ".endpoints", "must be a non-empty list");
    for (std::size_t i = 0; i < endpoints.size(); ++i)
        c.endpoints.push_back(read_endpoint(r, endpoints[i], Reader::index(path + ".endpoints", i)));
    if (const YAML::Node v = node["tls"]; v.IsDefined()) read_tls(r, v, path + ".tls", c.tls);
    c.system_id = r.string(r.required(node, path, "system_id"), path + ".system_id");
    c.password = r.string(r.required(node, path, "password"), path + ".password");
    str("system_type", c.system_type);
    u8("addr_ton", c.addr_ton);
    u8("addr_npi", c.addr_npi);
    str("address_range", c.address_range);
    if (const YAML::Node v = node["bind_mode"]; v.IsDefined()) {
        const std::string m = r.string(v, path + ".bind_mode");
        if (m == "transceiver")
            c.mode = carrier::bind_mode::transceiver;
        else if (m == "transmitter_receiver")
            c.mode = carrier::bind_mode::transmitter_receiver;
        else
            r.fail(v, path + ".bind_mode", "must be one of transceiver, transmitter_receiver");
    }
    u32("binds", c.binds, 1, 64);
    u32("window", c.window, 1, 10'000);
    u32("max_tps", c.max_tps, 1, 1'000'000);
    duration("enquire_link_interval_ms", c.enquire_link_interval, 0);
    duration("response_timeout_ms", c.response_timeout, 1);
    duration("bind_timeout_ms", c.bind_timeout, 1);
    duration("connect_timeout_ms", c.connect_timeout, 1);
    duration("unbound_timeout_ms", c.unbound_timeout, 0);
    if (const YAML::Node v = node["reconnect"]; v.IsDefined()) read_reconnect(r, v, path + ".reconnect", c.reconnect);
    u32("max_failed_binds", c.max_failed_binds, 1, 1000);
    duration("hold_off_ms", c.hold_off, 1);
    if (const YAML::Node v = node["throttle"]; v.IsDefined()) read_throttle(r, v, path + ".throttle", c.throttle);
    u8("default_data_coding", c.default_data_coding);
    str("default_alphabet", c.default_alphabet);
    if (const YAML::Node v = node["receipt_id_format"]; v.IsDefined()) {
        const std::string f = r.string(v, path + ".receipt_id_format");
        if (f == "hex") c.receipt_id = carrier::receipt_id_format::hex;
        else if (f == "decimal") c.receipt_id = carrier::receipt_id_format::decimal;
        else if (f == "uuid") c.receipt_id = carrier::receipt_id_format::uuid;
        else if (f == "text") c.receipt_id = carrier::receipt_id_format::text;
        else if (f == "hex_to_decimal") c.receipt_id = carrier::receipt_id_format::hex_to_decimal;
        else if (f == "decimal_to_hex") c.receipt_id = carrier::receipt_id_format::decimal_to_hex;
        else
            r.fail(v, path + ".receipt_id_format",
                   "must be one of hex, decimal, uuid, text, hex_to_decimal, decimal_to_hex");
    }
    flag("accepts_message_payload", c.accepts_message_payload);
    u32("max_message_parts", c.max_message_parts, 1, 255);
    if (const YAML::Node v = node["queue_limit"]; v.IsDefined())
        c.queue_limit = static_cast<std::size_t>(r.integer(v, path + ".queue_limit", 1, 10'000'000));
    u32("max_sending", c.max_sending, 1, 10'000'000);
    flag("backup", c.backup);

    if (auto e = c.validate()) {
        const YAML::Node at = locate(node, e->field);
        r.fail(at, Reader::child(path, e->field), e->message);
    }
    return c;
}

}  // namespace

std::vector<CarrierSettings> parse_carrier_config(const std::string& yaml, const std::string& file) {
    const YAML::Node root = parse_yaml(yaml, file);
    Reader r(file);
    if (!root.IsMap()) throw ConfigError(file, 1, "the configuration must be a mapping");
    r.expect_mapping(root, "", {"carriers"});
    const YAML::Node list = r.required(root, "", "carriers");
    // An empty list would start a connector that takes binds and refuses
    // every submit, and leave last run's queued messages unresumed.
    if (!list.IsSequence() || list.size() == 0) r.fail(list, "carriers", "must be a non-empty list");
    std::vector<CarrierSettings> out;
    std::set<std::string> ids;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string path = Reader::index("carriers", i);
        out.push_back(read_carrier(r, list[i], path));
        if (!ids.insert(out.back().id).second) r.fail(list[i]["id"], path + ".id", "duplicate carrier id " + out.back().id);
    }
    return out;
}

std::vector<CarrierSettings> load_carrier_config(const std::string& path) {
    return parse_carrier_config(read_config_file(path), path);
}

}  // namespace smpp::conf
