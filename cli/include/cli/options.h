// Command-line options for our executables, declared once as a table:
// each option's flag, environment variable, default and help text together.
// Header-only and used only by executables, never by the libraries.
#pragma once

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace cli {

struct Option {
    std::string name;           // "--port" is written as "port"
    std::string env;            // environment variable consulted when the flag is absent; may be empty
    std::string default_value;  // used when neither is given
    std::string help;
    bool is_switch = false;     // takes no value: present means "true"
};

class Values {
public:
    const std::string& get(const std::string& name) const { return values_.at(name); }
    bool is_on(const std::string& name) const { return values_.at(name) == "true"; }
    void set(const std::string& name, std::string value) { values_[name] = std::move(value); }

    // A whole number within [min, max]; exits with a clear message otherwise.
    long long get_integer(const std::string& name, long long min, long long max) const {
        const std::string& text = get(name);
        char* end = nullptr;
        errno = 0;
        const long long number = std::strtoll(text.c_str(), &end, 10);
        if (text.empty() || *end != '\0' || errno != 0 || number < min || number > max) {
            fail("--" + name + " must be a whole number from " + std::to_string(min) + " to " +
                 std::to_string(max) + ", not \"" + text + "\"");
        }
        return number;
    }

    // "on" (true) or "off" (false); exits with a clear message otherwise.
    bool get_on_off(const std::string& name) const {
        const std::string& text = get(name);
        if (text != "on" && text != "off") fail("--" + name + " must be on or off, not \"" + text + "\"");
        return text == "on";
    }

    // A finite number within [min, max]; exits with a clear message otherwise.
    double get_number(const std::string& name, double min, double max) const {
        const std::string& text = get(name);
        char* end = nullptr;
        errno = 0;
        const double number = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(number) || number < min || number > max) {
            fail("--" + name + " must be a number from " + shown(min) + " to " + shown(max) + ", not \"" + text + "\"");
        }
        return number;
    }

    std::vector<std::string> positional;

    [[noreturn]] static void fail(const std::string& message) {
        std::cerr << "error: " << message << "\n(see --help)\n";
        std::exit(2);
    }

private:
    friend class Parser;
    static std::string shown(double number) {
        std::ostringstream text;
        text << number;
        return text.str();
    }
    std::map<std::string, std::string> values_;
};

class Parser {
public:
    Parser(std::string usage, std::string summary, std::vector<Option> options)
        : usage_(std::move(usage)), summary_(std::move(summary)), options_(std::move(options)) {}

    // Prints help and exits 0 on --help; prints the problem and exits 2 on a
    // bad command line.
    Values parse(int argc, char** argv, int first_argument = 1) const {
        Values values;
        for (int i = first_argument; i < argc; ++i) {
            const std::string argument = argv[i];
            if (argument == "--help" || argument == "-h") print_help_and_exit();
            if (argument.rfind("--", 0) != 0) {
                values.positional.push_back(argument);
                continue;
            }
            std::string name = argument.substr(2), value;
            const auto equals = name.find('=');
            if (equals != std::string::npos) {
                value = name.substr(equals + 1);
                name.resize(equals);
            }
            const Option* option = find(name);
            if (option == nullptr) Values::fail("unknown option --" + name);
            if (option->is_switch) {
                value = equals == std::string::npos ? "true" : value;
            } else if (equals == std::string::npos) {
                if (i + 1 >= argc) Values::fail("--" + name + " needs a value");
                value = argv[++i];
            }
            values.values_[name] = value;
        }
        fill_defaults(values);
        return values;
    }

private:
    const Option* find(const std::string& name) const {
        for (const auto& option : options_) {
            if (option.name == name) return &option;
        }
        return nullptr;
    }

    void fill_defaults(Values& values) const {
        for (const auto& option : options_) {
            if (values.values_.count(option.name)) continue;
            const char* from_env = option.env.empty() ? nullptr : std::getenv(option.env.c_str());
            values.values_[option.name] = from_env ? from_env : option.default_value;
        }
    }

    [[noreturn]] void print_help_and_exit() const {
        std::cout << "usage: " << usage_ << "\n\n" << summary_ << "\n\noptions:\n";
        for (const auto& option : options_) {
            std::string flag = "  --" + option.name + (option.is_switch ? "" : " VALUE");
            // A flag too long for the column gets its own line.
            flag = flag.size() < 26 ? flag + std::string(26 - flag.size(), ' ') : flag + "\n" + std::string(26, ' ');
            std::cout << flag << option.help;
            if (!option.default_value.empty()) std::cout << " (default: " << option.default_value << ")";
            if (!option.env.empty()) std::cout << " [env " << option.env << "]";
            std::cout << "\n";
        }
        std::cout << "  --help                  show this help\n";
        std::exit(0);
    }

    std::string usage_, summary_;
    std::vector<Option> options_;
};

}  // namespace cli
