// onshi's card commands.
#include "commands.hpp"

namespace onshi::cli {

std::vector<Command> card_commands() { return {}; }

}  // namespace onshi::cli
