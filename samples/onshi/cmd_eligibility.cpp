// onshi's eligibility commands.
#include "commands.hpp"

namespace onshi::cli {

std::vector<Command> eligibility_commands() { return {}; }

}  // namespace onshi::cli
