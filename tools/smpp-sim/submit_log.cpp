#include "tools/smpp-sim/submit_log.hpp"

#include <algorithm>
#include <cstdio>

namespace smpp::sim {

namespace {

void append_json_string(std::string_view s, std::string& out) {
    out += '"';
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c >= 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '"';
}

void append_hex(std::string_view s, std::string& out) {
    static constexpr char digits[] = "0123456789abcdef";
    for (unsigned char c : s) {
        out += digits[c >> 4];
        out += digits[c & 0xF];
    }
}

void append_address(const char* key, const protocol::Address& a, std::string& out) {
    out += '"';
    out += key;
    out += "\":{\"ton\":" + std::to_string(a.ton) + ",\"npi\":" + std::to_string(a.npi) + ",\"addr\":";
    append_json_string(a.addr, out);
    out += '}';
}

}  // namespace

std::string to_json(const SubmitRecord& r) {
    std::string out = "{\"seq\":" + std::to_string(r.sequence_number) + ",";
    append_address("source", r.source, out);
    out += ',';
    append_address("dest", r.dest, out);
    out += ",\"esm_class\":" + std::to_string(r.esm_class);
    out += ",\"registered_delivery\":" + std::to_string(r.registered_delivery);
    out += ",\"data_coding\":" + std::to_string(r.data_coding);
    out += ",\"short_message\":\"";
    append_hex(r.short_message, out);
    out += "\",\"tlv_tags\":[";
    for (std::size_t k = 0; k < r.tlv_tags.size(); ++k) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%s\"0x%04x\"", k ? "," : "", r.tlv_tags[k]);
        out += buf;
    }
    out += "],\"message_id\":";
    append_json_string(r.message_id, out);
    char buf[32];
    std::snprintf(buf, sizeof buf, "\"0x%08x\"", static_cast<unsigned>(r.status));
    out += ",\"command_status\":";
    out += buf;
    out += r.answered ? ",\"answered\":true}" : ",\"answered\":false}";
    return out;
}

SubmitRecord& SubmitLog::next_slot() {
    ++total_;
    if (ring_.size() < capacity_) return ring_.emplace_back();
    SubmitRecord& slot = ring_[next_];
    next_ = (next_ + 1) % capacity_;
    return slot;
}

std::vector<SubmitRecord> SubmitLog::last(std::size_t n) const {
    n = std::min(n, ring_.size());
    std::vector<SubmitRecord> out;
    out.reserve(n);
    // Oldest is at next_ once the ring wrapped, at 0 before.
    const std::size_t oldest = ring_.size() < capacity_ ? 0 : next_;
    for (std::size_t k = ring_.size() - n; k < ring_.size(); ++k) out.push_back(ring_[(oldest + k) % ring_.size()]);
    return out;
}

}  // namespace smpp::sim
