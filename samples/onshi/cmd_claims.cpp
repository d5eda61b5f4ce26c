// onshi's claims commands.
#include "commands.hpp"

namespace onshi::cli {

std::vector<Command> claims_commands() { return {}; }

}  // namespace onshi::cli
