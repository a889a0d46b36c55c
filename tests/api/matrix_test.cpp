// Every route of the table × every role (and no token): allowed roles never see 401/403 or a 5xx,
// the others get 403, and without a token 401 (except the public routes).

#include "tests/api/fixture.h"

namespace crm::api::test {
namespace {

using RouteRoleMatrix = ServerFixture;

TEST_F(RouteRoleMatrix, EveryRouteByEveryRole) {
  const std::vector<std::pair<std::string, uint8_t>> roles = {
      {"operator", kOperator}, {"manager", kManager}, {"auditor", kAuditor}, {"admin", kAdmin}};
  const auto& names = api_->route_names();
  ASSERT_GT(names.size(), 60u);
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string method = names[i].substr(0, names[i].find(' '));
    std::string path = names[i].substr(names[i].find(' ') + 1);
    for (size_t open; (open = path.find('{')) != std::string::npos;)
      path.replace(open, path.find('}', open) - open + 1, "x1");
    const std::string body = method == "POST" || method == "PATCH" ? "{}" : "";
    const uint8_t allowed = api_->route_roles(i);

    auto anonymous = request(port_, method, path, body);
    if (allowed == 0)
      EXPECT_TRUE(anonymous.status != 401 && anonymous.status < 500)
          << names[i] << " is public: " << anonymous.status;
    else
      EXPECT_EQ(anonymous.status, 401) << names[i];

    for (const auto& [role, bit] : roles) {
      // Logging out ends the session: give that route a session of its own.
      const Headers h = path == "/api/v1/sessions/current"
                            ? Headers{{"Authorization", "Bearer " + token(role)}}
                            : auth(role);
      auto r = request(port_, method, path, body, h);
      if (allowed == 0 || (allowed & bit))
        EXPECT_TRUE(r.status != 401 && r.status != 403 && r.status < 500 && r.status >= 200)
            << names[i] << " as " << role << ": " << r.status << " " << r.body;
      else
        EXPECT_EQ(r.status, 403) << names[i] << " as " << role;
    }
  }
}

}  // namespace
}  // namespace crm::api::test
