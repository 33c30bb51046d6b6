#pragma once
// The one exception of configuration loading: it names the file, the line
// and the field, and main prints what() and exits.
#include <stdexcept>
#include <string>

namespace smpp::conf {

// what() is "<file>:<line>: <path>: <message>" (line 1-based), or
// "<file>: <message>" when no line applies (the file cannot be read).
class ConfigError : public std::runtime_error {
public:
    ConfigError(std::string file, int line, const std::string& message);
    const std::string& file() const noexcept { return file_; }
    int line() const noexcept { return line_; }  // 0 when none applies

private:
    std::string file_;
    int line_;
};

}  // namespace smpp::conf
