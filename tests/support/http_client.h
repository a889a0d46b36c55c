#pragma once
// A tiny blocking HTTP/1.1 client over a plain loopback socket, so that a test sends exactly the
// bytes it says (malformed ones included). One request per connection ("Connection: close").

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace crm::testing {

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  /// A top-level member of a JSON object body, as text ("" when absent); numbers as digits.
  /// Enough for the flat members tests look at (ids, versions, titles); not a JSON parser.
  std::string json(const std::string& key) const;
};

/// A connected loopback socket (receive timeout 10 s), or -1.
int connect_to(uint16_t port);

/// Sends raw bytes on a new connection and reads the response until the server closes.
Response raw_request(uint16_t port, const std::string& bytes);

using Headers = std::vector<std::pair<std::string, std::string>>;

/// One request; a body gets Content-Type: application/json unless `headers` name another.
Response request(uint16_t port, const std::string& method, const std::string& target,
                 const std::string& body = {}, const Headers& headers = {});

}  // namespace crm::testing
