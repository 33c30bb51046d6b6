#pragma once
#include <string>

namespace smpp::upstream {

// What is wrong with one field of a settings struct; conf/ turns `field`
// into the YAML path and line.
struct FieldError {
    std::string field;    // "max_binds", "bind_types"
    std::string message;  // "must be between 1 and 64"
    friend bool operator==(const FieldError&, const FieldError&) = default;
};

}  // namespace smpp::upstream
