// Portable formatting for the platform log seam (no stdio: a fixed stack buffer, digits by hand).
#include "platform/debug_log.h"

#include "tinyforge/format/tfm.h"

namespace tinyforge::platform {
namespace {

class LineBuffer {
 public:
  void Append(const char* text) {
    while (*text != '\0' && length_ + 1 < sizeof(buffer_)) buffer_[length_++] = *text++;
    buffer_[length_] = '\0';
  }
  void AppendUnsigned(uint32_t value) {
    char digits[11];
    int count = 0;
    do {
      digits[count++] = static_cast<char>('0' + value % 10u);
      value /= 10u;
    } while (value != 0);
    char reversed[11];
    for (int i = 0; i < count; ++i) reversed[i] = digits[count - 1 - i];
    reversed[count] = '\0';
    Append(reversed);
  }
  const char* text() const { return buffer_; }

 private:
  char buffer_[96] = {};
  unsigned length_ = 0;
};

}  // namespace

void LogOpFailure(const char* stage, uint32_t op_index, uint16_t opcode, Status status) {
  LineBuffer line;
  line.Append("tinyforge: ");
  line.Append(stage);
  line.Append(" op ");
  line.AppendUnsigned(op_index);
  line.Append(" (");
  line.Append(format::OpName(opcode));
  line.Append("): ");
  line.Append(StatusName(status));
  line.Append("\n");
  DebugLog(line.text());
}

}  // namespace tinyforge::platform
