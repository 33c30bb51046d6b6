#pragma once
// What a peer script reports on stdout, one line per PDU it received:
//   RECV <command> seq=<n> status=<n> key=value ...
// and a last "RESULT ok" / "RESULT fail <what>" line. Values never contain
// spaces; message bytes are hex.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smpp::interop {

struct PeerLine {
    std::string command;  // "submit_sm", "deliver_sm_resp", ...
    std::map<std::string, std::string> fields;

    // The field's value, or "<absent>" so a failed comparison prints clearly.
    std::string operator[](const std::string& key) const;
    bool has(const std::string& key) const { return fields.count(key) != 0; }
};

// Parses a RECV line; nullopt for any other line.
std::optional<PeerLine> parse_peer_line(std::string_view line);

// Every RECV line for `command`, in the order they were printed.
std::vector<PeerLine> received(const std::vector<std::string>& lines, std::string_view command);

// The RESULT line's text ("ok", "fail ...") or "<no RESULT line>".
std::string peer_result(const std::vector<std::string>& lines);

// Lower-case hex of raw bytes, as the peers print message bytes.
std::string to_hex(std::string_view bytes);

}  // namespace smpp::interop
