// The bench executables' flag reader: garbage, trailing characters, out-of-range values and a
// missing value end with exit code 2 and a message naming the flag (they threw std::invalid_argument
// from std::stoi before, or ran with 0).
#include "bench/common/bench_flags.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tinyforge::bench {
namespace {

struct Argv {
  explicit Argv(std::vector<std::string> args) : storage(std::move(args)) {
    for (auto& arg : storage) pointers.push_back(arg.data());
  }
  int argc() const { return static_cast<int>(pointers.size()); }
  char** argv() { return pointers.data(); }
  std::vector<std::string> storage;
  std::vector<char*> pointers;
};

TEST(BenchFlagsTest, ParsesWholeNumbersWithinRange) {
  int value = 0;
  EXPECT_TRUE(ParseFlagNumber<int>("42", 1, 100, &value));
  EXPECT_EQ(value, 42);
  EXPECT_FALSE(ParseFlagNumber<int>("42x", 1, 100, &value));
  EXPECT_FALSE(ParseFlagNumber<int>("abc", 1, 100, &value));
  EXPECT_FALSE(ParseFlagNumber<int>("", 1, 100, &value));
  EXPECT_FALSE(ParseFlagNumber<int>("0", 1, 100, &value));
  EXPECT_FALSE(ParseFlagNumber<int>("99999999999", 1, 100, &value));
  EXPECT_FALSE(ParseFlagNumber<int>("-5", 1, 100, &value));
  EXPECT_EQ(value, 42);
}

TEST(BenchFlagsTest, ParsesDecimalsAndRefusesNan) {
  double value = 0;
  EXPECT_TRUE(ParseFlagNumber<double>("2.5", 0.1, 10.0, &value));
  EXPECT_DOUBLE_EQ(value, 2.5);
  EXPECT_FALSE(ParseFlagNumber<double>("nan", 0.1, 10.0, &value));
  EXPECT_FALSE(ParseFlagNumber<double>("1e9", 0.1, 10.0, &value));
  EXPECT_FALSE(ParseFlagNumber<double>("2.5s", 0.1, 10.0, &value));
}

TEST(BenchFlagsTest, ReadsFlagsTextAndLists) {
  Argv args({"bench", "--devices", "10", "--out", "x.json", "--sizes", "1,20,300"});
  FlagReader flags(args.argc(), args.argv(), "[--devices N]");
  size_t devices = 0;
  std::string out;
  std::vector<int> sizes;
  while (flags.Next()) {
    if (flags.Is("--devices")) devices = flags.Number<size_t>(1, 100);
    else if (flags.Is("--out")) out = flags.Text();
    else if (flags.Is("--sizes")) sizes = flags.NumberList<int>(1, 1000);
    else flags.Unknown();
  }
  EXPECT_EQ(devices, 10u);
  EXPECT_EQ(out, "x.json");
  EXPECT_EQ(sizes, (std::vector<int>{1, 20, 300}));
}

void ReadAllNumbers(std::vector<std::string> arguments) {
  Argv args(std::move(arguments));
  FlagReader flags(args.argc(), args.argv(), "[--devices N]");
  while (flags.Next()) {
    if (flags.Is("--devices")) (void)flags.Number<int>(1, 100);
    else if (flags.Is("--sizes")) (void)flags.NumberList<int>(1, 100);
    else flags.Unknown();
  }
}

TEST(BenchFlagsDeathTest, GarbageNumberExitsWithTheFlagNamed) {
  EXPECT_EXIT(ReadAllNumbers({"bench", "--devices", "ten"}), testing::ExitedWithCode(2),
              "--devices 'ten': expected a number in \\[1, 100\\]");
}

TEST(BenchFlagsDeathTest, MissingValueExits) {
  EXPECT_EXIT(ReadAllNumbers({"bench", "--devices"}), testing::ExitedWithCode(2), "missing value for --devices");
}

TEST(BenchFlagsDeathTest, BadListItemExitsNamingTheItem) {
  EXPECT_EXIT(ReadAllNumbers({"bench", "--sizes", "1,,3"}), testing::ExitedWithCode(2), "item '' is not a number");
}

TEST(BenchFlagsDeathTest, UnknownFlagExits) {
  EXPECT_EXIT(ReadAllNumbers({"bench", "--bogus"}), testing::ExitedWithCode(2), "unknown argument --bogus");
}

}  // namespace
}  // namespace tinyforge::bench
