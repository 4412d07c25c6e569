// Helpers shared by the test suites: temporary directories, the real data
// in ../shared when present, and running our real executables.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace test_support {

// A fresh directory, removed with everything in it at scope exit.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& contents);

// ../shared/data/<relative>, or nothing when the shared data is not there
// (a user's machine): tests that need it skip cleanly.
std::optional<std::filesystem::path> shared_data_file(const std::string& relative);
// The project's data/ directory (synonyms, brand aliases, sample listings).
std::filesystem::path project_data_dir();
// Path of one of our executables, from the environment meson sets.
std::filesystem::path binary(const char* env_name);

struct CommandResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};
CommandResult run_command(const std::vector<std::string>& arguments);

// Rows of a delimited file with CSV-style quoting ("" escapes a quote,
// quoted fields may span lines), header included; at most max_rows rows.
std::vector<std::vector<std::string>> read_delimited(const std::filesystem::path& path, char delimiter,
                                                     std::size_t max_rows);

// Up to `limit` listings (0 = all) of a Mercari TSV file as feed JSON lines,
// converted by the project's script.
std::filesystem::path mercari_feed(const std::filesystem::path& tsv, const std::filesystem::path& out_dir,
                                   std::size_t limit = 0);

// A child process, killed if still running at scope exit. Its output
// (stdout and stderr together) is discarded, or appended to `output`.
class ChildProcess {
public:
    explicit ChildProcess(const std::vector<std::string>& arguments, const std::filesystem::path& output = {});
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    // True if it has already exited; its exit code is then in exit_code().
    bool finished();
    int wait();        // blocks until it exits; returns exit_code()
    void kill_hard();  // SIGKILL and reap
    void send_signal(int signal_number) const;
    int pid() const { return pid_; }
    // -1 when it was killed by a signal.
    int exit_code() const { return exit_code_; }

private:
    void reap(int options);

    int pid_ = -1;
    int exit_code_ = -1;
};

// Polls `condition` every 10 ms until it holds or `timeout` passes; true if it held.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// The real search-server binary on an ephemeral loopback port; killed when
// this goes out of scope. Its stderr goes to `log_file` when one is given.
class ServerProcess {
public:
    explicit ServerProcess(std::vector<std::string> arguments, const std::filesystem::path& log_file = {});
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;
    int port() const { return port_; }
    int pid() const { return pid_; }
    bool running() const;
    void send_signal(int signal_number) const;
    // SIGTERM, then waits for it to exit; its exit code.
    int stop();

private:
    int pid_ = -1;
    int port_ = 0;
    int output_fd_ = -1;
};

// A TCP connection to a loopback port that sends exactly the bytes it is
// given, for the clients no HTTP library would be: slow, oversized,
// malformed, or many at once. Not thread-safe.
class RawConnection {
public:
    explicit RawConnection(int port);
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    // False once the server has closed the connection (or reset it).
    bool send(const std::string& bytes);

    struct Response {
        int status = 0;  // 0: none arrived in time, or the connection was closed first
        std::string head;
        std::string body;
    };
    // The next response (head and Content-Length body), or status 0 after
    // `timeout`.
    Response read_response(std::chrono::milliseconds timeout);
    // Whether the server closes the connection within `timeout` (input
    // before the close is skipped).
    bool closed_within(std::chrono::milliseconds timeout);

private:
    int fd_ = -1;
    std::string buffered_;
};

}  // namespace test_support
