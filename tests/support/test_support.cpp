#include "test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace test_support {
namespace {

std::string env_or_empty(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

std::vector<char*> to_argv(std::vector<std::string>& arguments) {
    std::vector<char*> argv;
    for (auto& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    return argv;
}

}  // namespace

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "listing-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream contents;
    contents << in.rdbuf();
    return contents.str();
}

void write_file(const std::filesystem::path& path, const std::string& contents) {
    std::ofstream out(path, std::ios::binary);
    out << contents;
}

std::optional<std::filesystem::path> shared_data_file(const std::string& relative) {
    const std::string root = env_or_empty("SHARED_DATA_DIR");
    if (root.empty()) return std::nullopt;
    const auto path = std::filesystem::path(root) / relative;
    if (!std::filesystem::exists(path)) return std::nullopt;
    return path;
}

std::filesystem::path project_data_dir() { return env_or_empty("PROJECT_DATA_DIR"); }

std::filesystem::path binary(const char* env_name) {
    const std::string path = env_or_empty(env_name);
    if (path.empty()) throw std::runtime_error(std::string(env_name) + " is not set (run the tests with meson test)");
    return path;
}

CommandResult run_command(const std::vector<std::string>& arguments) {
    std::string command;
    for (const auto& argument : arguments) {
        command += "'";
        for (char c : argument) command += c == '\'' ? std::string("'\\''") : std::string(1, c);
        command += "' ";
    }
    command += "2>&1";
    CommandResult result;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) result.output.append(buffer, n);
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

std::vector<std::vector<std::string>> read_delimited(const std::filesystem::path& path, char delimiter,
                                                     std::size_t max_rows) {
    const std::string text = read_file(path);
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size() && rows.size() < max_rows; ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field.push_back('"');
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field.push_back(c);
            }
        } else if (c == '"' && field.empty()) {
            quoted = true;
        } else if (c == delimiter) {
            row.push_back(std::move(field));
            field.clear();
        } else if (c == '\n') {
            row.push_back(std::move(field));
            field.clear();
            rows.push_back(std::move(row));
            row.clear();
        } else if (c != '\r') {
            field.push_back(c);
        }
    }
    return rows;
}

std::filesystem::path mercari_feed(const std::filesystem::path& tsv, const std::filesystem::path& out_dir,
                                   std::size_t limit) {
    const auto script = project_data_dir().parent_path() / "scripts" / "mercari_to_jsonl.py";
    const auto output = out_dir / (tsv.stem().string() + ".jsonl");
    std::vector<std::string> command{"python3", script.string(), tsv.string(), "--output", output.string()};
    if (limit > 0) {
        command.push_back("--limit");
        command.push_back(std::to_string(limit));
    }
    const CommandResult converted = run_command(command);
    if (converted.exit_code != 0) throw std::runtime_error("mercari_to_jsonl.py failed: " + converted.output);
    return output;
}

ChildProcess::ChildProcess(const std::vector<std::string>& arguments, const std::filesystem::path& output) {
    std::vector<std::string> copy = arguments;
    auto argv = to_argv(copy);
    const std::string output_path = output.empty() ? "/dev/null" : output.string();
    pid_ = ::fork();
    if (pid_ == 0) {
        const int out = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::dup2(out, STDOUT_FILENO);
        ::dup2(out, STDERR_FILENO);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
}

void ChildProcess::reap(int options) {
    if (pid_ <= 0) return;
    int status = 0;
    if (::waitpid(pid_, &status, options) != pid_) return;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    pid_ = -1;
}

bool ChildProcess::finished() {
    reap(WNOHANG);
    return pid_ <= 0;
}

int ChildProcess::wait() {
    reap(0);
    return exit_code_;
}

void ChildProcess::kill_hard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    reap(0);
}

void ChildProcess::send_signal(int signal_number) const {
    if (pid_ > 0) ::kill(pid_, signal_number);
}

ChildProcess::~ChildProcess() { kill_hard(); }

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}

ServerProcess::ServerProcess(std::vector<std::string> arguments, const std::filesystem::path& log_file) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    arguments.insert(arguments.begin(), binary("SERVER_BIN").string());
    arguments.push_back("--port");
    arguments.push_back("0");
    auto argv = to_argv(arguments);
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        ::close(out[0]);
        ::close(out[1]);
        if (!log_file.empty()) {
            const int log = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            ::dup2(log, STDERR_FILENO);
        }
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(out[1]);
    // The server prints "listening on http://127.0.0.1:PORT" once bound.
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    output_fd_ = out[0];  // kept open: closing it would SIGPIPE the server's next write
    const auto colon = line.rfind(':');
    if (line.rfind("listening on", 0) != 0 || colon == std::string::npos) {
        throw std::runtime_error("search-server did not start: \"" + line + "\"");
    }
    port_ = std::stoi(line.substr(colon + 1));
}

bool ServerProcess::running() const {
    int status = 0;
    return pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == 0;
}

void ServerProcess::send_signal(int signal_number) const {
    if (pid_ > 0) ::kill(pid_, signal_number);
}

int ServerProcess::stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

ServerProcess::~ServerProcess() {
    if (output_fd_ >= 0) ::close(output_fd_);
    stop();
}

RawConnection::RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        throw std::runtime_error("cannot connect to port " + std::to_string(port));
    }
}

RawConnection::~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

namespace {

// Reads what arrives before `deadline` into `buffer`; false at end of input.
bool read_some(int fd, std::string& buffer, std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd waiting{.fd = fd, .events = POLLIN, .revents = 0};
    if (left.count() <= 0 || ::poll(&waiting, 1, static_cast<int>(left.count())) <= 0) return true;
    char chunk[16384];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
    return true;
}

std::size_t content_length_of(const std::string& head) {
    std::string lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    const auto at = lower.find("\r\ncontent-length:");
    return at == std::string::npos ? 0 : std::stoul(lower.substr(at + 17));
}

}  // namespace

RawConnection::Response RawConnection::read_response(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    Response response;
    std::size_t head_end = std::string::npos;
    while ((head_end = buffered_.find("\r\n\r\n")) == std::string::npos) {
        if (std::chrono::steady_clock::now() >= deadline || !read_some(fd_, buffered_, deadline)) return response;
    }
    response.head = buffered_.substr(0, head_end + 2);
    const std::size_t body_size = content_length_of(response.head);
    while (buffered_.size() < head_end + 4 + body_size) {
        if (std::chrono::steady_clock::now() >= deadline || !read_some(fd_, buffered_, deadline)) return response;
    }
    response.body = buffered_.substr(head_end + 4, body_size);
    buffered_.erase(0, head_end + 4 + body_size);
    response.status = std::stoi(response.head.substr(9, 3));
    return response;
}

bool RawConnection::closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!read_some(fd_, buffered_, deadline)) return true;
    }
    return false;
}

}  // namespace test_support
