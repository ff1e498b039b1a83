// Tests of the CSV reader: good files with timestamps, labels and missing cells, and every error
// with a message naming the file, line and column.
#include <cmath>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "toolchain/data/csv_reader.h"

namespace tinyforge::toolchain {
namespace {

using ::testing::HasSubstr;

const std::string kFixture = std::string(TINYFORGE_SOURCE_DIR) + "/tests/data/sensor_small.csv";

CsvOptions TimeAndLabel() {
  CsvOptions options;
  options.timestamp_column = "time";
  options.label_column = "state";
  return options;
}

std::string ErrorOf(std::string_view text, const CsvOptions& options = {}) {
  Result<TimeSeries> result = ParseCsv(text, "in.csv", options);
  return result.ok() ? std::string("<ok>") : result.error().message;
}

TEST(CsvReaderTest, ReadsChannelsTimestampsLabelsAndMissingCells) {
  Result<TimeSeries> result = ReadCsv(kFixture, TimeAndLabel());
  ASSERT_TRUE(result.ok()) << result.error().message;
  const TimeSeries& d = *result;
  EXPECT_EQ(d.source, kFixture);
  ASSERT_EQ(d.channel_names, (std::vector<std::string>{"accel_x", "accel_y"}));
  ASSERT_EQ(d.sample_count(), 6u);
  EXPECT_FLOAT_EQ(d.channels[0][1], 0.20f);
  EXPECT_TRUE(std::isnan(d.channels[0][2]));  // "NA"
  EXPECT_TRUE(std::isnan(d.channels[1][1]));  // empty
  EXPECT_TRUE(std::isnan(d.channels[1][3]));  // "NaN"
  EXPECT_EQ(d.timestamps, (std::vector<double>{0.0, 0.01, 0.02, 0.03, 0.05, 0.06}));
  EXPECT_EQ(d.labels[0], "idle");
  EXPECT_EQ(d.labels[5], "run");
  EXPECT_EQ(d.source_lines.front(), 2u);
  EXPECT_EQ(d.source_lines.back(), 7u);
}

TEST(CsvReaderTest, AcceptsCrLfQuotesPlusSignsAndTrailingBlankLines) {
  Result<TimeSeries> result = ParseCsv("\"a\", b\r\n+1.5, \"2\"\r\n-3e2,4\r\n\r\n", "in.csv", {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->channel_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(result->channels[0], (std::vector<float>{1.5f, -300.0f}));
  EXPECT_EQ(result->channels[1], (std::vector<float>{2.0f, 4.0f}));
}

TEST(CsvReaderTest, RejectsEmptyFileAtLineOne) {
  EXPECT_EQ(ErrorOf(""), "in.csv:1:1: empty file: expected a header row");
  EXPECT_EQ(ErrorOf("\n\n"), "in.csv:1:1: empty file: expected a header row");
}

TEST(CsvReaderTest, RejectsHeaderWithoutDataRows) {
  EXPECT_EQ(ErrorOf("a,b\n"), "in.csv:2:1: no data rows after the header");
}

TEST(CsvReaderTest, RejectsRaggedRowNamingItsLine) {
  Result<TimeSeries> result = ReadCsv(std::string(TINYFORGE_SOURCE_DIR) + "/tests/data/ragged.csv", {});
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error().message, HasSubstr("tests/data/ragged.csv:3:3: row has 3 cells, header has 2"));
  EXPECT_EQ(ErrorOf("a,b\n1,2\n3\n"), "in.csv:3:2: row has 1 cells, header has 2");
  EXPECT_EQ(ErrorOf("a,b\n1,2\n\n5,6\n"), "in.csv:3:2: row has 1 cells, header has 2");
}

TEST(CsvReaderTest, RejectsNonNumericCellNamingLineAndColumn) {
  EXPECT_EQ(ErrorOf("a,b\n1,2\n3,x4\n"), "in.csv:3:2: cell 'x4' in column 'b' is not a number");
  EXPECT_EQ(ErrorOf("a,b\n1,2 3\n"), "in.csv:2:2: cell '2 3' in column 'b' is not a number");
}

TEST(CsvReaderTest, RejectsInfinityAndOutOfRangeValues) {
  EXPECT_EQ(ErrorOf("a\n1\ninf\n"), "in.csv:3:1: infinite value 'inf' in column 'a'");
  EXPECT_EQ(ErrorOf("a\n-Infinity\n"), "in.csv:2:1: infinite value '-Infinity' in column 'a'");
  EXPECT_EQ(ErrorOf("a\n1e300\n"), "in.csv:2:1: value '1e300' in column 'a' is outside the float range");
}

TEST(CsvReaderTest, RejectsMissingValuesWhenNotAllowed) {
  CsvOptions options;
  options.allow_missing = false;
  EXPECT_EQ(ErrorOf("a,b\n1,2\n3,NaN\n", options), "in.csv:3:2: missing value in column 'b'");
  EXPECT_EQ(ErrorOf("a,b\n,2\n", options), "in.csv:2:1: missing value in column 'a'");
}

TEST(CsvReaderTest, RejectsUnknownTimestampOrLabelColumn) {
  EXPECT_EQ(ErrorOf("a,b\n1,2\n", TimeAndLabel()), "in.csv:1:1: no timestamp column named 'time'");
  CsvOptions label_only;
  label_only.label_column = "y";
  EXPECT_EQ(ErrorOf("a,b\n1,2\n", label_only), "in.csv:1:1: no label column named 'y'");
}

TEST(CsvReaderTest, RejectsBadTimestampsAndEmptyLabels) {
  EXPECT_EQ(ErrorOf("time,a,state\n0,1,x\n0,2,x\n", TimeAndLabel()),
            "in.csv:3:1: timestamp 0 is not after the previous row's");
  EXPECT_EQ(ErrorOf("time,a,state\n0,1,x\n,2,x\n", TimeAndLabel()),
            "in.csv:3:1: timestamp '' is not a finite number");
  EXPECT_EQ(ErrorOf("time,a,state\n0,1,x\n1,2,\n", TimeAndLabel()), "in.csv:3:3: empty label");
}

TEST(CsvReaderTest, RejectsHeaderWithoutDataColumnsOrWithEmptyName) {
  CsvOptions label_only;
  label_only.label_column = "y";
  EXPECT_EQ(ErrorOf("y\nx\n", label_only), "in.csv:1:1: no data column in header");
  EXPECT_EQ(ErrorOf("a,,c\n1,2,3\n"), "in.csv:1:2: empty column name in header");
}

TEST(CsvReaderTest, ReportsUnreadableFileByPath) {
  Result<TimeSeries> result = ReadCsv("/nonexistent/x.csv", {});
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error().message, HasSubstr("/nonexistent/x.csv: cannot open"));
}

TEST(SplitCsvLineTest, HandlesQuotedDelimitersAndEscapedQuotes) {
  EXPECT_EQ(SplitCsvLine("\"a,b\", \"say \"\"hi\"\"\" ,c", ','),
            (std::vector<std::string>{"a,b", "say \"hi\"", "c"}));
  EXPECT_EQ(SplitCsvLine("1;2", ';'), (std::vector<std::string>{"1", "2"}));
}

}  // namespace
}  // namespace tinyforge::toolchain
