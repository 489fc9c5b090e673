// Tests of the compatibility flag table and resolver (config/compat_flags.h).
#include "config/compat_flags.h"

#include <gtest/gtest.h>

#include <set>

namespace colony::config {
namespace {

CompatFlags resolveOk(std::string_view date, std::vector<std::string> flags) {
  std::vector<std::string> errors;
  CompatFlags result = resolveCompatFlags(date, flags, errors);
  EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors[0]);
  return result;
}

std::vector<std::string> resolveErrors(std::string_view date, std::vector<std::string> flags,
                                       bool allowExperimental = false) {
  std::vector<std::string> errors;
  resolveCompatFlags(date, flags, errors, allowExperimental);
  return errors;
}

TEST(CompatFlagsTable, NamesAreUniqueAndReferencesResolve) {
  std::set<std::string_view> names, fields;
  for (const auto& info : allCompatFlags()) {
    EXPECT_TRUE(fields.insert(info.field).second) << info.field;
    EXPECT_FALSE(info.enableFlag.empty()) << info.field;
    EXPECT_TRUE(names.insert(info.enableFlag).second) << info.enableFlag;
    if (!info.disableFlag.empty()) {
      EXPECT_TRUE(names.insert(info.disableFlag).second) << info.disableFlag;
    }
    if (!info.enableDate.empty()) {
      EXPECT_TRUE(isWellFormedCompatDate(info.enableDate)) << info.field;
    }
    if (!info.impliedDate.empty()) {
      EXPECT_TRUE(isWellFormedCompatDate(info.impliedDate)) << info.field;
    }
  }
  for (const auto& info : allCompatFlags()) {
    for (auto implier : info.impliedBy) {
      if (!implier.empty()) {
        EXPECT_TRUE(fields.count(implier)) << info.field << " <- " << implier;
      }
    }
  }
  EXPECT_GT(allCompatFlags().size(), 100u);
}

TEST(CompatFlagsTable, FindsByEnableAndDisableName) {
  ASSERT_NE(findCompatFlag("nodejs_compat"), nullptr);
  EXPECT_EQ(findCompatFlag("nodejs_compat")->field, "nodeJsCompat");
  ASSERT_NE(findCompatFlag("url_original"), nullptr);
  EXPECT_EQ(findCompatFlag("url_original")->field, "specCompliantUrl");
  EXPECT_EQ(findCompatFlag("no_such_flag"), nullptr);
}

TEST(CompatDate, WellFormed) {
  EXPECT_TRUE(isWellFormedCompatDate("2024-09-23"));
  EXPECT_TRUE(isWellFormedCompatDate("2021-12-31"));
  EXPECT_FALSE(isWellFormedCompatDate("2024-13-01"));
  EXPECT_FALSE(isWellFormedCompatDate("2024-00-10"));
  EXPECT_FALSE(isWellFormedCompatDate("2024-1-01"));
  EXPECT_FALSE(isWellFormedCompatDate("2024-01-32"));
  EXPECT_FALSE(isWellFormedCompatDate("2024/01/01"));
  EXPECT_FALSE(isWellFormedCompatDate(""));
  EXPECT_TRUE(isWellFormedCompatDate(todayUtc()));
}

TEST(CompatFlagsResolve, DateTurnsOnFlagsFromTheirDate) {
  auto before = resolveOk("2022-10-30", {});
  auto on = resolveOk("2022-10-31", {});
  EXPECT_FALSE(before.enabled("url_standard"));
  EXPECT_TRUE(on.enabled("url_standard"));
  EXPECT_TRUE(on.enabled("specCompliantUrl"));
  EXPECT_TRUE(before.enabled("formdata_parser_supports_files"));
  EXPECT_FALSE(on.enabled("nodejs_compat"));  // never on by date
}

TEST(CompatFlagsResolve, ExplicitFlagsWin) {
  auto flags = resolveOk("2024-01-01", {"nodejs_compat", "url_original"});
  EXPECT_TRUE(flags.enabled("nodejs_compat"));
  EXPECT_FALSE(flags.enabled("url_standard"));
  EXPECT_FALSE(flags.enabled("url_original"));  // a disable flag is not a behaviour name
  auto early = resolveOk("2021-01-01", {"url_standard"});
  EXPECT_TRUE(early.enabled("url_standard"));
}

TEST(CompatFlagsResolve, EnableAllDates) {
  EXPECT_TRUE(resolveOk("2000-01-01", {}).enabled("r2_public_beta_bindings"));
  EXPECT_FALSE(resolveOk("2000-01-01", {"r2_internal_beta_bindings"}).enabled("r2PublicBetaApi"));
}

TEST(CompatFlagsResolve, ImpliedFlagsFollowDateAndChain) {
  auto old = resolveOk("2024-09-22", {"nodejs_compat"});
  EXPECT_FALSE(old.enabled("nodejs_compat_v2"));
  auto recent = resolveOk("2024-09-23", {"nodejs_compat"});
  EXPECT_TRUE(recent.enabled("nodejs_compat_v2"));
  EXPECT_TRUE(recent.enabled("nodejs_zlib"));
  EXPECT_FALSE(recent.enabled("enable_nodejs_http_modules"));  // from 2025-08-15
  // nodeJsCompat -> enableNodejsHttpModules (2025-08-15) -> enableNodejsHttpServerModules (2025-09-01)
  auto chained = resolveOk("2025-09-01", {"nodejs_compat"});
  EXPECT_TRUE(chained.enabled("enable_nodejs_http_modules"));
  EXPECT_TRUE(chained.enabled("enable_nodejs_http_server_modules"));
  auto optedOut = resolveOk("2025-09-01", {"nodejs_compat", "disable_nodejs_http_modules"});
  EXPECT_FALSE(optedOut.enabled("enable_nodejs_http_modules"));
  EXPECT_FALSE(optedOut.enabled("enable_nodejs_http_server_modules"));
  EXPECT_FALSE(resolveOk("2025-09-01", {}).enabled("enable_nodejs_http_modules"));
}

TEST(CompatFlagsResolve, UnknownFlag) {
  auto errors = resolveErrors("2024-01-01", {"nodejs_compat", "bogus_flag"});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "unknown compatibility flag \"bogus_flag\"");
}

TEST(CompatFlagsResolve, RepeatedFlag) {
  auto errors = resolveErrors("2024-01-01", {"nodejs_compat", "nodejs_compat"});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "compatibility flag \"nodejs_compat\" is listed more than once");
}

TEST(CompatFlagsResolve, ContradictoryFlags) {
  auto errors = resolveErrors("2024-01-01", {"nodejs_compat", "no_nodejs_compat"});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0],
            "compatibility flags \"nodejs_compat\" and \"no_nodejs_compat\" contradict each other");
}

TEST(CompatFlagsResolve, RedundantEnableFlag) {
  auto errors = resolveErrors("2024-01-01", {"url_standard"});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0],
            "compatibility flag \"url_standard\" is on by default since 2022-10-31; remove it "
            "from compatibilityFlags");
  EXPECT_TRUE(resolveErrors("2021-01-01", {"url_original"}).empty());
}

TEST(CompatFlagsResolve, ExperimentalNeedsPermission) {
  auto errors = resolveErrors("2024-01-01", {"rtti_api"});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("\"rtti_api\" is experimental"), std::string::npos);
  EXPECT_TRUE(resolveErrors("2024-01-01", {"rtti_api"}, true).empty());
  std::vector<std::string> none;
  std::vector<std::string> flags = {"rtti_api"};
  EXPECT_TRUE(resolveCompatFlags("2024-01-01", flags, none, true).enabled("rtti_api"));
}

}  // namespace
}  // namespace colony::config
