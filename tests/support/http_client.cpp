#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>

namespace crm::testing {

std::string Response::json(const std::string& key) const {
  const std::string quoted = "\"" + key + "\":";
  size_t at = body.find(quoted);
  if (at == std::string::npos) return {};
  at += quoted.size();
  if (at < body.size() && body[at] == '"') {
    std::string out;
    for (size_t i = at + 1; i < body.size() && body[i] != '"'; ++i) {
      if (body[i] == '\\' && i + 1 < body.size()) ++i;
      out.push_back(body[i]);
    }
    return out;
  }
  const size_t end = body.find_first_of(",}]", at);
  return body.substr(at, end - at);
}

int connect_to(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

Response raw_request(uint16_t port, const std::string& bytes) {
  Response r;
  const int fd = connect_to(port);
  if (fd < 0) return r;
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string in;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  const size_t end = in.find("\r\n\r\n");
  if (in.size() < 12 || end == std::string::npos) return r;
  r.status = std::stoi(in.substr(9, 3));
  size_t line = in.find("\r\n") + 2;
  while (line < end) {
    const size_t next = in.find("\r\n", line);
    const std::string h = in.substr(line, next - line);
    const size_t colon = h.find(':');
    std::string name = h.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = h.substr(h.find_first_not_of(' ', colon + 1));
    line = next + 2;
  }
  r.body = in.substr(end + 4);
  return r;
}

Response request(uint16_t port, const std::string& method, const std::string& target,
                 const std::string& body, const Headers& headers) {
  std::string bytes =
      method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  bool typed = false;
  for (const auto& [k, v] : headers) {
    bytes += k + ": " + v + "\r\n";
    typed = typed || k == "Content-Type";
  }
  if (!body.empty() && !typed) bytes += "Content-Type: application/json\r\n";
  if (!body.empty() || method == "POST" || method == "PATCH")
    bytes += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  bytes += "\r\n" + body;
  return raw_request(port, bytes);
}

}  // namespace crm::testing
