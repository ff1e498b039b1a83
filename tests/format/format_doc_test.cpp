// docs/format.md is the prose twin of format/include/tinyforge/format/tfm.h: the issue asks the
// spec to give every field's type, size and alignment, and a spec that disagrees with the code is
// a bug. These tests parse the spec's tables and compare them with the header: record sizes and
// alignments, each field's offset, type and size, the constants, the dtype / section / op codes
// of the X-macros, and the params structs' sizes and field order.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "tinyforge/format/tfm.h"

namespace tinyforge::format {
namespace {

std::string ReadSpec() {
  std::ifstream file(std::string(TINYFORGE_SOURCE_DIR) + "/docs/format.md");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

const std::string& Spec() {
  static const std::string spec = ReadSpec();
  return spec;
}

// The text from the "## <title>" heading to the next "## " heading.
std::string SpecSection(const std::string& title) {
  const std::string& spec = Spec();
  const size_t start = spec.find("\n## " + title);
  if (start == std::string::npos) return {};
  const size_t end = spec.find("\n## ", start + 4);
  return spec.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::vector<std::string> SplitCells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  for (size_t i = 1; i < line.size(); ++i) {  // skip the leading '|'
    if (line[i] == '|') {
      const size_t first = cell.find_first_not_of(' ');
      const size_t last = cell.find_last_not_of(' ');
      cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  return cells;
}

// Rows of the first markdown table after `after` in `text` whose header starts with `first_column`.
std::vector<std::vector<std::string>> TableRows(const std::string& text,
                                                const std::string& first_column,
                                                size_t after = 0) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text.substr(after));
  std::string line;
  bool in_table = false;
  while (std::getline(lines, line)) {
    if (!in_table) {
      if (line.rfind("| " + first_column + " |", 0) == 0) {
        in_table = true;
        std::getline(lines, line);  // the |---| separator
      }
      continue;
    }
    if (line.empty() || line[0] != '|') break;
    rows.push_back(SplitCells(line));
  }
  return rows;
}

std::string Unquote(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c != '`') out += c;
  }
  return out;
}

struct FieldFact {
  std::string name;
  size_t offset;
  size_t size;
  std::string spec_type;  // how docs/format.md must spell the type
};

template <typename T>
constexpr const char* SpecTypeOf() {
  if constexpr (std::is_same_v<T, uint8_t>) return "u8";
  if constexpr (std::is_same_v<T, uint16_t>) return "u16";
  if constexpr (std::is_same_v<T, uint32_t>) return "u32";
  if constexpr (std::is_same_v<T, int32_t>) return "i32";
  if constexpr (std::is_same_v<T, float>) return "f32";
  if constexpr (std::is_same_v<T, uint32_t[4]>) return "u32[4]";
  return "?";
}

#define TF_FIELD(Struct, member)                                                          \
  FieldFact {                                                                             \
    #member, offsetof(Struct, member), sizeof(Struct::member),                            \
        SpecTypeOf<std::remove_cv_t<decltype(Struct::member)>>()                          \
  }

// Checks the spec's "| offset | type | field | ..." table in the section `title` against the
// fields, and that the fields cover the struct without gaps. Rows the code has no fixed field
// for (variable-length arrays such as `u32[tensor_count]`) are allowed only after the fixed part.
void ExpectRecordTable(const std::string& title, const std::vector<FieldFact>& fields,
                       size_t struct_bytes, size_t table_start = 0) {
  SCOPED_TRACE("docs/format.md section '" + title + "'");
  const std::string section = SpecSection(title);
  ASSERT_FALSE(section.empty()) << "no section";
  const auto rows = TableRows(section, "offset", table_start);
  ASSERT_GE(rows.size(), fields.size());
  size_t covered = 0;
  for (size_t i = 0; i < fields.size(); ++i) {
    SCOPED_TRACE("field " + fields[i].name);
    ASSERT_GE(rows[i].size(), 3u);
    EXPECT_EQ(rows[i][0], std::to_string(fields[i].offset)) << "offset";
    EXPECT_EQ(rows[i][1], fields[i].spec_type) << "type";
    EXPECT_EQ(Unquote(rows[i][2]), fields[i].name) << "name";
    EXPECT_EQ(fields[i].offset, covered) << "a gap or reordering in the struct";
    covered = fields[i].offset + fields[i].size;
  }
  EXPECT_EQ(covered, struct_bytes) << "fields do not cover the struct";
  for (size_t i = fields.size(); i < rows.size(); ++i) {
    // Anything after the fixed fields must be variable-length: raw bytes, padding or an array
    // whose count is another field (`u32[tensor_count]`), never one more fixed-size field.
    const std::string& type = rows[i][1];
    const bool variable = type == "bytes" || type == "zeros" ||
                          (type.find('[') != std::string::npos &&
                           type.find_first_of("0123456789", type.find('[')) != type.find('[') + 1);
    EXPECT_TRUE(variable) << "row '" << rows[i][2] << "' (" << type
                          << ") has no counterpart in tfm.h";
  }
}

// "(NN bytes, align A)" or ", NN bytes, align A" in the section text.
void ExpectSizeAndAlignment(const std::string& title, const std::string& record, size_t bytes,
                            size_t alignment) {
  const std::string section = SpecSection(title);
  const std::regex pattern(record + R"([ ,(][^\n]*?(\d+) bytes, align (\d+))");
  std::smatch match;
  ASSERT_TRUE(std::regex_search(section, match, pattern))
      << "docs/format.md gives no size and alignment for " << record;
  EXPECT_EQ(std::stoul(match[1]), bytes) << record << " size";
  EXPECT_EQ(std::stoul(match[2]), alignment) << record << " alignment";
}

TEST(FormatDocTest, RecordSizesAndAlignmentsMatchTheHeader) {
  ExpectSizeAndAlignment("FileHeader", "FileHeader", sizeof(FileHeader), alignof(FileHeader));
  ExpectSizeAndAlignment("SectionEntry", "SectionEntry", sizeof(SectionEntry),
                         alignof(SectionEntry));
  ExpectSizeAndAlignment("Tensors", "TensorRecord", sizeof(TensorRecord), alignof(TensorRecord));
  ExpectSizeAndAlignment("Quantization", "QuantRecord", sizeof(QuantRecord),
                         alignof(QuantRecord));
  ExpectSizeAndAlignment("Operators", "OpRecord", sizeof(OpRecord), alignof(OpRecord));
}

TEST(FormatDocTest, FileHeaderAndSectionEntryFields) {
  ExpectRecordTable("FileHeader",
                    {TF_FIELD(FileHeader, magic), TF_FIELD(FileHeader, version_major),
                     TF_FIELD(FileHeader, version_minor), TF_FIELD(FileHeader, header_bytes),
                     TF_FIELD(FileHeader, blob_bytes), TF_FIELD(FileHeader, section_table_offset),
                     TF_FIELD(FileHeader, section_count), TF_FIELD(FileHeader, flags),
                     TF_FIELD(FileHeader, crc32)},
                    sizeof(FileHeader));
  ExpectRecordTable("SectionEntry",
                    {TF_FIELD(SectionEntry, kind), TF_FIELD(SectionEntry, offset),
                     TF_FIELD(SectionEntry, length), TF_FIELD(SectionEntry, alignment)},
                    sizeof(SectionEntry));
}

TEST(FormatDocTest, MetadataTensorQuantOpAndPlanRecordFields) {
  // The metadata entry table continues with the variable key / value / padding rows.
  ExpectRecordTable("Metadata",
                    {TF_FIELD(MetadataEntryHeader, key_bytes),
                     TF_FIELD(MetadataEntryHeader, value_type),
                     TF_FIELD(MetadataEntryHeader, value_bytes)},
                    sizeof(MetadataEntryHeader));
  ExpectRecordTable("Tensors",
                    {TF_FIELD(TensorRecord, dtype), TF_FIELD(TensorRecord, rank),
                     TF_FIELD(TensorRecord, kind), TF_FIELD(TensorRecord, reserved),
                     TF_FIELD(TensorRecord, dims), TF_FIELD(TensorRecord, data_offset),
                     TF_FIELD(TensorRecord, data_bytes), TF_FIELD(TensorRecord, quantization),
                     TF_FIELD(TensorRecord, name_key)},
                    sizeof(TensorRecord));
  ExpectRecordTable("Quantization",
                    {TF_FIELD(QuantRecord, channel_count), TF_FIELD(QuantRecord, axis),
                     TF_FIELD(QuantRecord, scales_offset),
                     TF_FIELD(QuantRecord, zero_points_offset)},
                    sizeof(QuantRecord));
  ExpectRecordTable("Operators",
                    {TF_FIELD(OpRecord, opcode), TF_FIELD(OpRecord, input_count),
                     TF_FIELD(OpRecord, output_count), TF_FIELD(OpRecord, tensor_list_offset),
                     TF_FIELD(OpRecord, params_offset), TF_FIELD(OpRecord, params_bytes)},
                    sizeof(OpRecord));
  ExpectRecordTable("ArenaPlan",
                    {TF_FIELD(ArenaPlanHeader, arena_bytes), TF_FIELD(ArenaPlanHeader, tensor_count),
                     TF_FIELD(ArenaPlanHeader, op_count), TF_FIELD(ArenaPlanHeader, alignment)},
                    sizeof(ArenaPlanHeader));
}

TEST(FormatDocTest, ConstantsTableMatchesTheHeader) {
  const auto rows = TableRows(SpecSection("Constants"), "name");
  std::map<std::string, uint64_t> spec;
  for (const auto& row : rows) {
    ASSERT_GE(row.size(), 2u);
    // "`kMaxOpInputs` / `kMaxOpOutputs`" with value "8 / 1"; values may be hex and annotated.
    std::vector<std::string> names;
    std::vector<std::string> values;
    std::stringstream name_list(Unquote(row[0]));
    std::stringstream value_list(row[1]);
    for (std::string part; std::getline(name_list, part, '/');) names.push_back(part);
    for (std::string part; std::getline(value_list, part, '/');) values.push_back(part);
    ASSERT_EQ(names.size(), values.size()) << row[0];
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string name = Unquote(std::regex_replace(names[i], std::regex(" "), ""));
      const std::string value = Unquote(values[i]);
      spec[name] = std::stoull(value.substr(value.find_first_not_of(' ')), nullptr, 0);
    }
  }
  const std::map<std::string, uint64_t> code = {
      {"kMagic", kMagic},
      {"kVersionMajor", kVersionMajor},
      {"kVersionMinor", kVersionMinor},
      {"kHeaderBytes", kHeaderBytes},
      {"kConstantsAlignment", kConstantsAlignment},
      {"kMaxRank", kMaxRank},
      {"kMaxOpInputs", kMaxOpInputs},
      {"kMaxOpOutputs", kMaxOpOutputs},
      {"kMaxSections", kMaxSections},
      {"kMaxGraphIo", kMaxGraphIo},
      {"kNone32", kNone32},
      {"kNoTensor", kNoTensor},
  };
  for (const auto& [name, value] : code) {
    ASSERT_TRUE(spec.count(name)) << name << " is missing from the Constants table";
    EXPECT_EQ(spec[name], value) << name;
  }
  for (const auto& [name, value] : spec) {
    EXPECT_TRUE(code.count(name)) << name << " is in the spec, not in tfm.h (or in this test)";
  }
  // The magic's bytes as the spec spells them.
  EXPECT_NE(Spec().find("bytes `T F M 1`"), std::string::npos);
  const char magic[4] = {'T', 'F', 'M', '1'};
  uint32_t magic_le = 0;
  for (int i = 3; i >= 0; --i) magic_le = (magic_le << 8) | static_cast<uint8_t>(magic[i]);
  EXPECT_EQ(magic_le, kMagic);
}

TEST(FormatDocTest, DTypeCodesAndSizesMatchTheXMacro) {
  // TensorRecord.dtype row: "1 Float32 (4 B), 2 Int8 (1 B), ..."
  const std::string tensors = SpecSection("Tensors");
  const std::regex entry(R"((\d+) (\w+) \((\d+) B\))");
  std::map<uint32_t, std::pair<std::string, uint32_t>> spec;
  for (auto it = std::sregex_iterator(tensors.begin(), tensors.end(), entry);
       it != std::sregex_iterator(); ++it) {
    spec[static_cast<uint32_t>(std::stoul((*it)[1]))] = {
        (*it)[2], static_cast<uint32_t>(std::stoul((*it)[3]))};
  }
  std::map<uint32_t, std::pair<std::string, uint32_t>> code;
#define TF_DOC_TEST_DTYPE(name, c, bytes) code[c] = {#name, bytes};
  TINYFORGE_DTYPES(TF_DOC_TEST_DTYPE)
#undef TF_DOC_TEST_DTYPE
  EXPECT_EQ(spec, code);
}

TEST(FormatDocTest, SectionKindsMatchTheXMacro) {
  // "Sections: 1 Metadata, 2 Tensors, ..., 7 GraphIo."
  const std::string section = SpecSection("SectionEntry");
  const size_t list = section.find("Sections: ");
  ASSERT_NE(list, std::string::npos);
  const std::string text = section.substr(list, section.find('.', list) - list);
  const std::regex entry(R"((\d+) (\w+))");
  std::map<uint32_t, std::string> spec;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), entry);
       it != std::sregex_iterator(); ++it) {
    spec[static_cast<uint32_t>(std::stoul((*it)[1]))] = (*it)[2];
  }
  std::map<uint32_t, std::string> code;
#define TF_DOC_TEST_SECTION(name, c) code[c] = #name;
  TINYFORGE_SECTIONS(TF_DOC_TEST_SECTION)
#undef TF_DOC_TEST_SECTION
  EXPECT_EQ(spec, code);
  EXPECT_EQ(code.size(), kSectionKindCount);
}

TEST(FormatDocTest, OpTableListsEveryOpCodeOfTheXMacro) {
  // "| code | op | inputs | params (bytes) |", rows like "| 5, 6 | MaxPool2D, AveragePool2D | ...".
  const auto rows = TableRows(SpecSection("Operators"), "code");
  std::map<uint32_t, std::string> spec;
  for (const auto& row : rows) {
    ASSERT_GE(row.size(), 2u);
    std::vector<uint32_t> codes;
    std::vector<std::string> names;
    std::stringstream code_list(row[0]);
    std::stringstream name_list(row[1]);
    for (std::string part; std::getline(code_list, part, ',');) {
      codes.push_back(static_cast<uint32_t>(std::stoul(part)));
    }
    for (std::string part; std::getline(name_list, part, ',');) {
      names.push_back(part.substr(part.find_first_not_of(' ')));
    }
    ASSERT_EQ(codes.size(), names.size()) << row[0];
    for (size_t i = 0; i < codes.size(); ++i) spec[codes[i]] = names[i];
  }
  std::map<uint32_t, std::string> code;
#define TF_DOC_TEST_OP(name, c) code[c] = #name;
  TINYFORGE_OPS(TF_DOC_TEST_OP)
#undef TF_DOC_TEST_OP
  EXPECT_EQ(spec, code);
  EXPECT_EQ(code.size(), kOpCodeCount);
  // OpName walks one packed string of names: every code gets its own name, others "unknown".
  for (const auto& [op_code, name] : code) {
    EXPECT_STREQ(OpName(static_cast<uint16_t>(op_code)), name.c_str()) << op_code;
  }
  EXPECT_STREQ(OpName(0), "unknown");
  EXPECT_STREQ(OpName(static_cast<uint16_t>(kOpCodeCount + 1)), "unknown");
  // The OpRecord.opcode rule names the range.
  EXPECT_NE(SpecSection("Operators").find("`OpCode` 1.." + std::to_string(kOpCodeCount)),
            std::string::npos)
      << "the opcode rule does not say 1.." << kOpCodeCount;
}

// One params struct: its size and, in declaration order, each field's offset and spec type.
struct ParamsFact {
  size_t bytes;
  std::vector<FieldFact> fields;
};

// Parses "u8 activation, u8 reserved[3], i32 left_shift, input1_multiplier" into (type, name)
// pairs; a bare name repeats the previous type.
std::vector<std::pair<std::string, std::string>> ParseLayout(const std::string& layout) {
  std::vector<std::pair<std::string, std::string>> fields;
  std::stringstream parts(layout);
  std::string type;
  for (std::string part; std::getline(parts, part, ',');) {
    std::stringstream words(part);
    std::string first;
    std::string second;
    words >> first >> second;
    if (second.empty()) {
      fields.push_back({type, first});
    } else {
      type = first;
      fields.push_back({type, second});
    }
  }
  return fields;
}

size_t SpecTypeBytes(const std::string& type) {
  if (type == "u8") return 1;
  if (type == "u16") return 2;
  if (type == "u32" || type == "i32" || type == "f32") return 4;
  return 0;
}

TEST(FormatDocTest, ParamsStructLayoutsMatchTheHeader) {
  const std::map<std::string, ParamsFact> code = {
      {"FullyConnectedParams", {sizeof(FullyConnectedParams),
                                {TF_FIELD(FullyConnectedParams, activation)}}},
      {"Conv1DParams", {sizeof(Conv1DParams),
                        {TF_FIELD(Conv1DParams, activation), TF_FIELD(Conv1DParams, reserved),
                         TF_FIELD(Conv1DParams, stride), TF_FIELD(Conv1DParams, dilation),
                         TF_FIELD(Conv1DParams, pad_left)}}},
      {"Conv2DParams", {sizeof(Conv2DParams),
                        {TF_FIELD(Conv2DParams, activation), TF_FIELD(Conv2DParams, reserved),
                         TF_FIELD(Conv2DParams, stride_height),
                         TF_FIELD(Conv2DParams, stride_width),
                         TF_FIELD(Conv2DParams, dilation_height),
                         TF_FIELD(Conv2DParams, dilation_width), TF_FIELD(Conv2DParams, pad_top),
                         TF_FIELD(Conv2DParams, pad_left),
                         TF_FIELD(Conv2DParams, depth_multiplier)}}},
      {"Pool2DParams", {sizeof(Pool2DParams),
                        {TF_FIELD(Pool2DParams, activation), TF_FIELD(Pool2DParams, reserved),
                         TF_FIELD(Pool2DParams, filter_height),
                         TF_FIELD(Pool2DParams, filter_width),
                         TF_FIELD(Pool2DParams, stride_height),
                         TF_FIELD(Pool2DParams, stride_width), TF_FIELD(Pool2DParams, pad_top),
                         TF_FIELD(Pool2DParams, pad_left), TF_FIELD(Pool2DParams, reserved2)}}},
      {"ElementwiseParams",
       {sizeof(ElementwiseParams),
        {TF_FIELD(ElementwiseParams, activation), TF_FIELD(ElementwiseParams, left_shift),
         TF_FIELD(ElementwiseParams, input1_multiplier), TF_FIELD(ElementwiseParams, input1_shift),
         TF_FIELD(ElementwiseParams, input2_multiplier), TF_FIELD(ElementwiseParams, input2_shift),
         TF_FIELD(ElementwiseParams, output_multiplier),
         TF_FIELD(ElementwiseParams, output_shift)}}},
      {"SoftmaxParams", {sizeof(SoftmaxParams), {TF_FIELD(SoftmaxParams, beta)}}},
      {"ConcatParams", {sizeof(ConcatParams), {TF_FIELD(ConcatParams, axis)}}},
  };
  const auto rows = TableRows(SpecSection("Operators"), "struct");
  std::set<std::string> seen;
  const std::regex head(R"((\w+) \((\d+)\))");
  for (const auto& row : rows) {
    ASSERT_GE(row.size(), 2u);
    std::smatch match;
    ASSERT_TRUE(std::regex_match(row[0], match, head)) << row[0];
    const std::string name = match[1];
    const auto it = code.find(name);
    if (it == code.end()) continue;  // a struct this test does not know yet (its size is below)
    SCOPED_TRACE(name);
    seen.insert(name);
    EXPECT_EQ(std::stoul(match[2]), it->second.bytes) << "size";
    // Walk the spec's layout with natural alignment and compare every named field.
    const auto layout = ParseLayout(row[1]);
    size_t offset = 0;
    size_t covered = 0;
    for (const auto& [type, field] : layout) {
      const size_t bracket = field.find('[');
      const std::string base = field.substr(0, bracket);
      const size_t count = bracket == std::string::npos ? 1 : std::stoul(field.substr(bracket + 1));
      const size_t bytes = SpecTypeBytes(type);
      ASSERT_NE(bytes, 0u) << "unknown type '" << type << "' for " << field;
      offset = (offset + bytes - 1) / bytes * bytes;
      for (const FieldFact& fact : it->second.fields) {
        if (fact.name != base) continue;
        EXPECT_EQ(fact.offset, offset) << base << " offset";
        EXPECT_EQ(fact.spec_type, type) << base << " type";
      }
      offset += bytes * count;
      covered = offset;
    }
    EXPECT_EQ(covered, it->second.bytes) << "the layout does not add up to the struct's size";
  }
  for (const auto& [name, fact] : code) EXPECT_TRUE(seen.count(name)) << name << " not in spec";
  // The op table quotes the same sizes.
  const auto op_rows = TableRows(SpecSection("Operators"), "code");
  for (const auto& row : op_rows) {
    ASSERT_GE(row.size(), 4u);
    std::smatch match;
    if (!std::regex_search(row[3], match, head)) continue;
    const auto it = code.find(match[1]);
    if (it != code.end()) {
      EXPECT_EQ(std::stoul(match[2]), it->second.bytes) << row[3];
    }
  }
}

}  // namespace
}  // namespace tinyforge::format
