// onshi-sim's answers to the SDK's own disaster search messages (docs/disaster-search-message.md):
//   DSTsiquc01 → DSTsiquc01res  candidates (identity only) matched on the 4 basic items or insurer numbers
//   DSTsiquc02 → DSTsiquc02res  one candidate's drug information, in the YZKsiquc01res shape
// Not an official interface: every answer says so in a comment. Data: the personas of personas.json
// (every persona whose first result has a name and a birth date is a person the search can find).
#pragma once

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <string>

namespace onshi_sim {

// Fills `res` for a request whose file name starts with `op` ("DSTsiquc01", "DSTsiquc02").
// False when the request is of no disaster interface (the caller rejects it with a .err).
bool disaster_answer(const nlohmann::ordered_json& data, const std::string& op, const pugi::xml_document& req,
                     pugi::xml_document& res, bool sjis);

// The opaque, stable CandidateIdentifier of a persona (from its name; never from a personal number).
std::string candidate_id(const std::string& persona_name);

}  // namespace onshi_sim
