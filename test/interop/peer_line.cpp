#include "peer_line.hpp"

namespace smpp::interop {

std::string PeerLine::operator[](const std::string& key) const {
    auto it = fields.find(key);
    return it == fields.end() ? "<absent>" : it->second;
}

std::optional<PeerLine> parse_peer_line(std::string_view line) {
    constexpr std::string_view prefix = "RECV ";
    if (line.substr(0, prefix.size()) != prefix) return std::nullopt;
    line.remove_prefix(prefix.size());

    PeerLine out;
    bool first = true;
    while (!line.empty()) {
        auto end = line.find(' ');
        std::string_view word = line.substr(0, end);
        line = end == std::string_view::npos ? std::string_view{} : line.substr(end + 1);
        if (word.empty()) continue;
        if (first) {
            out.command = std::string(word);
            first = false;
            continue;
        }
        auto eq = word.find('=');
        if (eq == std::string_view::npos) continue;
        out.fields[std::string(word.substr(0, eq))] = std::string(word.substr(eq + 1));
    }
    if (out.command.empty()) return std::nullopt;
    return out;
}

std::vector<PeerLine> received(const std::vector<std::string>& lines, std::string_view command) {
    std::vector<PeerLine> out;
    for (const auto& l : lines) {
        auto p = parse_peer_line(l);
        if (p && p->command == command) out.push_back(std::move(*p));
    }
    return out;
}

std::string peer_result(const std::vector<std::string>& lines) {
    constexpr std::string_view prefix = "RESULT ";
    for (auto it = lines.rbegin(); it != lines.rend(); ++it)
        if (std::string_view(*it).substr(0, prefix.size()) == prefix) return it->substr(prefix.size());
    return "<no RESULT line>";
}

std::string to_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 0x0F]);
    }
    return out;
}

}  // namespace smpp::interop
