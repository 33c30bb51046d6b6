#pragma once
// Walks a YAML tree for the config loaders: every check knows the field
// path it is at and the node whose mark gives the line, so each rejection
// reads "<file>:<line>: <path>: <message>". Throws ConfigError.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "conf/config_error.hpp"

namespace smpp::conf {

class YamlReader {
public:
    using Keys = std::initializer_list<std::string_view>;

    explicit YamlReader(std::string file) : file_(std::move(file)) {}
    const std::string& file() const noexcept { return file_; }

    [[noreturn]] void fail(const YAML::Node& at, const std::string& path, const std::string& message) const;

    // A mapping with only the given keys, each at most once.
    void expect_mapping(const YAML::Node& node, const std::string& path, Keys allowed) const;
    const YAML::Node required(const YAML::Node& map, const std::string& path, const char* key) const;
    std::string string(const YAML::Node& node, const std::string& path) const;
    // Integers are plain scalars: a quoted "100" is a string, not a number.
    std::int64_t integer(const YAML::Node& node, const std::string& path, std::int64_t min, std::int64_t max) const;
    // A plain scalar number (integers too), within [min, max].
    double number(const YAML::Node& node, const std::string& path, double min, double max) const;
    // true/false, on/off, yes/no (plain scalars only).
    bool boolean(const YAML::Node& node, const std::string& path) const;

    static std::string child(const std::string& path, std::string_view key) {
        return path.empty() ? std::string(key) : path + "." + std::string(key);
    }
    static std::string index(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

private:
    std::string file_;
};

// Parses YAML text; a syntax error becomes a ConfigError with its line.
YAML::Node parse_yaml(const std::string& yaml, const std::string& file);
// The whole file as text; ConfigError "<file>: cannot open the file" otherwise.
std::string read_config_file(const std::string& path);

}  // namespace smpp::conf
