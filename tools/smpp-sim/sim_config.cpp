// yaml-cpp 0.7's Node::operator[] trips GCC 12's -Wdangling-pointer on a
// temporary it only compares against (a known false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif

#include "tools/smpp-sim/sim_config.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <set>
#include <sstream>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "tools/smpp-sim/receipt_text.hpp"

namespace smpp::sim {

namespace {

using Keys = std::initializer_list<std::string_view>;

std::string format(const std::string& file, int line, const std::string& message) {
    return line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
}

std::string join(Keys keys) {
    std::string out;
    for (auto k : keys) out += (out.empty() ? "" : ", ") + std::string(k);
    return out;
}

// Walks the tree; each check knows its path and the node whose Mark gives the line.
class Reader {
public:
    explicit Reader(std::string file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& path, const std::string& message) const {
        int line = at.Mark().is_null() ? 0 : at.Mark().line + 1;  // yaml-cpp counts from 0
        throw SimConfigError(file_, line, path.empty() ? message : path + ": " + message);
    }

    void expect_mapping(const YAML::Node& node, const std::string& path, Keys allowed) const {
        if (!node.IsMap()) fail(node, path, "must be a mapping");
        std::set<std::string> seen;
        for (auto it = node.begin(); it != node.end(); ++it) {
            std::string name = it->first.IsScalar() ? it->first.Scalar() : "?";
            if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
                fail(it->first, child(path, name), "unknown key (expected one of: " + join(allowed) + ")");
            if (!seen.insert(name).second) fail(it->first, child(path, name), "duplicate key");
        }
    }

    YAML::Node required(const YAML::Node& map, const std::string& path, const char* key) const {
        YAML::Node v = map[key];
        if (!v.IsDefined()) fail(map, child(path, key), "is required");
        return v;
    }

    std::string string(const YAML::Node& node, const std::string& path) const {
        if (!node.IsScalar()) fail(node, path, "must be a string");
        return node.Scalar();
    }

    std::int64_t integer(const YAML::Node& node, const std::string& path, std::int64_t min, std::int64_t max) const {
        std::int64_t v = 0;
        bool ok = node.IsScalar() && node.Tag() != "!";
        if (ok) {
            const std::string& s = node.Scalar();
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
            ok = !s.empty() && ec == std::errc{} && end == s.data() + s.size();
        }
        if (!ok) fail(node, path, "must be an integer");
        if (v < min || v > max)
            fail(node, path, "must be between " + std::to_string(min) + " and " + std::to_string(max));
        return v;
    }

    double number(const YAML::Node& node, const std::string& path, double min, double max) const {
        double v = 0;
        bool ok = node.IsScalar() && node.Tag() != "!";
        if (ok) {
            const std::string& s = node.Scalar();
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
            ok = !s.empty() && ec == std::errc{} && end == s.data() + s.size();
        }
        if (!ok) fail(node, path, "must be a number");
        if (!(v >= min && v <= max))
            fail(node, path, "must be between " + std::to_string(min) + " and " + std::to_string(max));
        return v;
    }

    static std::string child(const std::string& path, std::string_view key) {
        return path.empty() ? std::string(key) : path + "." + std::string(key);
    }

private:
    std::string file_;
};

constexpr std::int64_t max_ms = 86'400'000;

MessageIdFormat read_id_format(const Reader& r, const YAML::Node& node, const std::string& path) {
    r.expect_mapping(node, path, {"format", "width", "case"});
    MessageIdFormat f;
    if (auto n = node["format"]; n.IsDefined()) {
        auto base = parse_id_base(r.string(n, path + ".format"));
        if (!base) r.fail(n, path + ".format", "must be hex, decimal or uuid");
        f.base = *base;
    }
    if (auto n = node["width"]; n.IsDefined()) f.width = static_cast<std::uint32_t>(r.integer(n, path + ".width", 0, 64));
    if (auto n = node["case"]; n.IsDefined()) {
        auto c = parse_id_case(r.string(n, path + ".case"));
        if (!c) r.fail(n, path + ".case", "must be lower or upper");
        f.letter_case = *c;
    }
    return f;
}

void read_receipts(const Reader& r, const YAML::Node& node, const std::string& path, CarrierSettings& c) {
    r.expect_mapping(node, path, {"mode", "delay_ms", "on", "status"});
    if (auto n = node["mode"]; n.IsDefined()) {
        auto m = r.string(n, path + ".mode");
        if (m == "text") c.receipts = receipt_mode::text;
        else if (m == "tlv") c.receipts = receipt_mode::tlv;
        else if (m == "both") c.receipts = receipt_mode::both;
        else r.fail(n, path + ".mode", "must be text, tlv or both");
    }
    if (auto n = node["delay_ms"]; n.IsDefined())
        c.receipt_delay = std::chrono::milliseconds(r.integer(n, path + ".delay_ms", 0, max_ms));
    if (auto n = node["on"]; n.IsDefined()) {
        auto m = r.string(n, path + ".on");
        if (m == "same") c.receipt_on = receipt_route::same;
        else if (m == "other") c.receipt_on = receipt_route::other;
        else r.fail(n, path + ".on", "must be same or other");
    }
    if (auto n = node["status"]; n.IsDefined()) {
        const std::string spath = path + ".status";
        if (!n.IsMap() || n.size() == 0) r.fail(n, spath, "must be a mapping of final states to weights");
        c.final_status.clear();
        double total = 0;
        for (auto it = n.begin(); it != n.end(); ++it) {
            std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
            auto state = parse_message_state(key);
            if (!state)
                r.fail(it->first, Reader::child(spath, key),
                       "unknown final state (delivered, expired, deleted, undeliverable, accepted, unknown, rejected)");
            double w = r.number(it->second, Reader::child(spath, key), 0, 1e9);
            total += w;
            c.final_status.emplace_back(*state, w);
        }
        if (!(total > 0)) r.fail(n, spath, "weights must add up to more than 0");
    }
}

// The config speaks the control port's fault words: "latency_ms: 50" is
// "latency_ms 50", "submit_status: [0x58, 0.1]" is "submit_status 0x58 0.1",
// "receipts: {drop: 0.1}" is "receipts drop 0.1".
void read_faults(const Reader& r, const YAML::Node& node, const std::string& path, FaultPlan& plan) {
    r.expect_mapping(node, path,
                     {"submit_status", "latency_ms", "no_response", "disconnect_after", "refuse_binds", "receipts"});
    auto apply = [&](const YAML::Node& at, const std::string& at_path, std::vector<std::string> words) {
        std::vector<std::string_view> views(words.begin(), words.end());
        if (auto e = apply_fault(plan, views); !e.empty()) r.fail(at, at_path, e);
    };
    for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string key = it->first.Scalar();
        const std::string kpath = Reader::child(path, key);
        const YAML::Node v = it->second;
        if (key == "receipts") {
            r.expect_mapping(v, kpath, {"drop", "duplicate", "reorder", "before_resp"});
            for (auto jt = v.begin(); jt != v.end(); ++jt)
                apply(jt->second, Reader::child(kpath, jt->first.Scalar()),
                      {"receipts", jt->first.Scalar(), r.string(jt->second, Reader::child(kpath, jt->first.Scalar()))});
        } else if (v.IsSequence()) {
            std::vector<std::string> words{key};
            for (const auto& item : v) words.push_back(r.string(item, kpath));
            apply(v, kpath, std::move(words));
        } else {
            apply(v, kpath, {key, r.string(v, kpath)});
        }
    }
}

CarrierSettings read_carrier(const Reader& r, const YAML::Node& node, const std::string& path,
                             const session::SessionSettings& session, std::size_t record_limit, std::uint64_t seed) {
    r.expect_mapping(node, path,
                     {"name", "host", "port", "system_id", "password", "message_id", "receipt_message_id",
                      "first_message_id", "receipts", "faults", "record_limit", "seed", "tls"});
    CarrierSettings c;
    c.session = session;
    c.record_limit = record_limit;
    c.seed = seed;
    c.name = r.string(r.required(node, path, "name"), path + ".name");
    c.session.system_id = c.name.substr(0, protocol::limits::system_id - 1);
    if (auto n = node["host"]; n.IsDefined()) c.host = r.string(n, path + ".host");
    c.port = static_cast<std::uint16_t>(r.integer(r.required(node, path, "port"), path + ".port", 0, 65535));
    c.system_id = r.string(r.required(node, path, "system_id"), path + ".system_id");
    c.password = r.string(r.required(node, path, "password"), path + ".password");
    if (auto n = node["message_id"]; n.IsDefined()) c.message_id = read_id_format(r, n, path + ".message_id");
    c.receipt_message_id = c.message_id;
    if (auto n = node["receipt_message_id"]; n.IsDefined())
        c.receipt_message_id = read_id_format(r, n, path + ".receipt_message_id");
    if (auto n = node["first_message_id"]; n.IsDefined())
        c.first_message_id = static_cast<std::uint64_t>(
            r.integer(n, path + ".first_message_id", 0, std::numeric_limits<std::int64_t>::max()));
    if (auto n = node["receipts"]; n.IsDefined()) read_receipts(r, n, path + ".receipts", c);
    if (auto n = node["faults"]; n.IsDefined()) read_faults(r, n, path + ".faults", c.faults);
    if (auto n = node["record_limit"]; n.IsDefined())
        c.record_limit = static_cast<std::size_t>(r.integer(n, path + ".record_limit", 1, 100'000'000));
    if (auto n = node["seed"]; n.IsDefined())
        c.seed = static_cast<std::uint64_t>(r.integer(n, path + ".seed", 0, std::numeric_limits<std::int64_t>::max()));
    if (auto n = node["tls"]; n.IsDefined()) {
        // A ca_file asks every ESME for a client certificate signed by it.
        const auto tpath = path + ".tls";
        r.expect_mapping(n, tpath, {"cert_file", "key_file", "ca_file"});
        session::TlsServerSettings t;
        t.cert_file = r.string(r.required(n, tpath, "cert_file"), tpath + ".cert_file");
        t.key_file = r.string(r.required(n, tpath, "key_file"), tpath + ".key_file");
        if (auto v = n["ca_file"]; v.IsDefined()) t.ca_file = r.string(v, tpath + ".ca_file");
        t.require_client_cert = !t.ca_file.empty();
        if (auto ctx = session::make_server_context(t); !ctx.context) r.fail(n, tpath, ctx.error);
        c.tls = std::move(t);
    }
    if (auto e = c.validate(); !e.empty()) r.fail(node, path, e);
    return c;
}

}  // namespace

SimConfigError::SimConfigError(std::string file, int line, const std::string& message)
    : std::runtime_error(format(file, line, message)), file_(std::move(file)), line_(line) {}

SimConfig parse_sim_config(const std::string& yaml, const std::string& file) {
    Reader r(file);
    YAML::Node root;
    try {
        // YAML::Load would keep the first document and drop the rest unsaid.
        const auto documents = YAML::LoadAll(yaml);
        if (documents.size() > 1) {
            const auto mark = documents[1].Mark();
            throw SimConfigError(file, mark.is_null() ? 0 : mark.line + 1,
                                 "a second YAML document (after a '---'): the file must hold one document");
        }
        if (!documents.empty()) root = documents.front();
    } catch (const YAML::Exception& e) {
        throw SimConfigError(file, e.mark.is_null() ? 0 : e.mark.line + 1, e.msg);
    }
    r.expect_mapping(root, "", {"seed", "control", "log_level", "record_limit", "session", "carriers"});
    SimConfig cfg;
    if (auto n = root["seed"]; n.IsDefined())
        cfg.seed = static_cast<std::uint64_t>(r.integer(n, "seed", 0, std::numeric_limits<std::int64_t>::max()));
    if (auto n = root["log_level"]; n.IsDefined()) cfg.log_level = r.string(n, "log_level");
    if (auto n = root["control"]; n.IsDefined()) {
        r.expect_mapping(n, "control", {"host", "port"});
        cfg.control.enabled = true;
        if (auto h = n["host"]; h.IsDefined()) cfg.control.host = r.string(h, "control.host");
        cfg.control.port = static_cast<std::uint16_t>(r.integer(r.required(n, "control", "port"), "control.port", 0, 65535));
    }
    std::size_t record_limit = 100'000;
    if (auto n = root["record_limit"]; n.IsDefined())
        record_limit = static_cast<std::size_t>(r.integer(n, "record_limit", 1, 100'000'000));
    session::SessionSettings session;
    // A simulator must outrun what it tests: a wide window for its receipts.
    session.window = 1000;
    if (auto n = root["session"]; n.IsDefined()) {
        r.expect_mapping(n, "session", {"window", "response_timeout_ms", "enquire_link_interval_ms", "bind_timeout_ms"});
        if (auto v = n["window"]; v.IsDefined()) session.window = static_cast<std::uint32_t>(r.integer(v, "session.window", 1, 100'000));
        if (auto v = n["response_timeout_ms"]; v.IsDefined())
            session.response_timeout = std::chrono::milliseconds(r.integer(v, "session.response_timeout_ms", 1, max_ms));
        if (auto v = n["enquire_link_interval_ms"]; v.IsDefined())
            session.enquire_link_interval =
                std::chrono::milliseconds(r.integer(v, "session.enquire_link_interval_ms", 0, max_ms));
        if (auto v = n["bind_timeout_ms"]; v.IsDefined())
            session.bind_timeout = std::chrono::milliseconds(r.integer(v, "session.bind_timeout_ms", 1, max_ms));
    }
    const YAML::Node carriers = r.required(root, "", "carriers");
    if (!carriers.IsSequence() || carriers.size() == 0) r.fail(carriers, "carriers", "must be a non-empty list");
    std::set<std::string> names;
    std::set<std::uint16_t> ports;
    for (std::size_t i = 0; i < carriers.size(); ++i) {
        const std::string path = "carriers[" + std::to_string(i) + "]";
        // Each carrier its own stream, all from the one seed.
        const std::uint64_t seed = cfg.seed * 0x9E3779B97F4A7C15ULL + i + 1;
        auto c = read_carrier(r, carriers[i], path, session, record_limit, seed);
        if (!names.insert(c.name).second) r.fail(carriers[i]["name"], path + ".name", "duplicate carrier name");
        if (c.port != 0 && !ports.insert(c.port).second) r.fail(carriers[i]["port"], path + ".port", "duplicate port");
        cfg.carriers.push_back(std::move(c));
    }
    return cfg;
}

SimConfig load_sim_config(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw SimConfigError(path, 0, "cannot read the file");
    std::stringstream s;
    s << in.rdbuf();
    return parse_sim_config(s.str(), path);
}

}  // namespace smpp::sim
