#include <onshi/disaster/desk.hpp>

#include <algorithm>

namespace onshi::disaster {
namespace {

std::string subject_of(const PersonRecord& p) {
  if (p.insurer.empty()) return "candidate:" + p.candidate_id;
  return "insurer:" + p.insurer.insurer_number + " symbol:" + p.insurer.symbol + " number:" + p.insurer.number +
         " branch:" + p.insurer.branch;
}

Error refused(std::string what, std::string hint) {
  return make_error(ONSHI_E_REFUSED, "disaster", std::move(what), std::move(hint));
}

}  // namespace

Result<DisasterDesk> DisasterDesk::create(DeskConfig config, AuditSink& audit) {
  return DisasterDesk(std::move(config), audit);
}

Result<const NameMatcher*> DisasterDesk::matcher() {
  if (!matcher_) {
    auto made = NameMatcher::create();
    if (!made) return std::move(made).error();
    matcher_.emplace(std::move(*made));
  }
  return &*matcher_;
}

Result<void> DisasterDesk::record(AuditRecord r, const Operator& who) {
  r.operator_id = who.id;
  r.role = who.role;
  r.authorised_by = who.authorised_by;
  auto written = audit_->write(r);
  if (!written) {
    Error e = written.error();
    e.code = ONSHI_E_REFUSED;
    e.message = "refused because the audit record could not be written: " + e.message;
    return e;
  }
  return {};
}

Error DisasterDesk::refuse(const Operator& who, TimePoint now, std::string why, std::string hint) {
  AuditRecord r;
  r.at = now;
  r.event = AuditEvent::refused;
  r.operator_id = who.id;
  r.role = who.role;
  r.authorised_by = who.authorised_by;
  r.declaration = declaration_ ? declaration_->reference : "";
  r.outcome = why;
  // The refusal stands even if the audit write fails; that failure is not hidden.
  auto written = audit_->write(r);
  if (!written) why += " (and the audit record of this refusal could not be written: " + written.error().message + ")";
  return refused(std::move(why), std::move(hint));
}

DeclarationStatus DisasterDesk::status(TimePoint now) const {
  DeclarationStatus s;
  s.declaration = declaration_;
  s.ended_at = ended_at_;
  s.end_reason = end_reason_;
  if (!declaration_) s.state = DeclarationState::none;
  else if (ended_at_ && *ended_at_ <= now) s.state = DeclarationState::ended_by_hand;
  else if (now >= declaration_->closes_at) s.state = DeclarationState::expired;
  else if (now < declaration_->opens_at) s.state = DeclarationState::scheduled;
  else s.state = DeclarationState::active;
  return s;
}

void DisasterDesk::restore(std::optional<Declaration> declaration, std::optional<TimePoint> ended_at,
                           std::string end_reason) {
  declaration_ = std::move(declaration);
  ended_at_ = declaration_ ? ended_at : std::nullopt;
  end_reason_ = declaration_ ? std::move(end_reason) : std::string{};
}

Result<void> DisasterDesk::declare(Declaration d, const Operator& by, TimePoint now) {
  if (!may_look_up(by))
    return refuse(by, now, std::string("role ") + role_name(by.role) + " may not switch disaster mode on",
                  "ask a doctor, dentist, pharmacist or staff authorised by the head of the facility");
  auto invalid = [](std::string what, std::string hint) {
    return make_error(ONSHI_E_INVALID_ARGUMENT, "disaster", "declaration: " + what, std::move(hint));
  };
  if (d.reference.empty()) return invalid("the reference is empty", "enter the 事務連絡 that opened disaster mode");
  if (d.area.empty()) return invalid("the area is empty", "enter the prefectures or municipalities it covers");
  for (const auto& a : d.area)
    if (a.prefecture_code.size() != 2)
      return invalid("area entry '" + a.name + "' has prefecture code '" + a.prefecture_code + "'",
                     "use the 2-digit prefecture code (e.g. 17 for 石川県)");
  if (d.closes_at <= d.opens_at) return invalid("it closes before it opens", "check the period's end date and time");
  if (auto s = status(now); s.state == DeclarationState::active && s.declaration->reference != d.reference)
    return refused("declaration '" + s.declaration->reference + "' is still active",
                   "end it before declaring another, or extend it");
  AuditRecord r{now, AuditEvent::declaration_on, by.id, by.role, d.reference, ConsentKind::none, {}, -1, "ok"};
  if (auto w = record(r, by); !w) return w;
  declaration_ = std::move(d);
  ended_at_.reset();
  end_reason_.clear();
  return {};
}

Result<void> DisasterDesk::extend(TimePoint new_closes_at, std::string notice, const Operator& by, TimePoint now) {
  if (!may_look_up(by))
    return refuse(by, now, std::string("role ") + role_name(by.role) + " may not extend disaster mode",
                  "ask a doctor, dentist, pharmacist or staff authorised by the head of the facility");
  if (!declaration_ || ended_at_)
    return refused("no declaration to extend", "declare it again with the new notice");
  if (new_closes_at <= declaration_->closes_at)
    return make_error(ONSHI_E_INVALID_ARGUMENT, "disaster", "extension: the new end is not after the current end",
                      "enter the end date and time of the extension notice");
  AuditRecord r{now, AuditEvent::declaration_extended, by.id, by.role, declaration_->reference, ConsentKind::none, {}, -1,
                "extended to " + iso_time(new_closes_at) + " by " + notice};
  if (auto w = record(r, by); !w) return w;
  declaration_->closes_at = new_closes_at;
  return {};
}

Result<void> DisasterDesk::end(std::string reason, const Operator& by, TimePoint now) {
  if (!may_look_up(by))
    return refuse(by, now, std::string("role ") + role_name(by.role) + " may not switch disaster mode off",
                  "ask a doctor, dentist, pharmacist or staff authorised by the head of the facility");
  if (!declaration_ || ended_at_) return refused("no declaration to end", "nothing to do");
  AuditRecord r{now, AuditEvent::declaration_off, by.id, by.role, declaration_->reference, ConsentKind::none, {}, -1,
                "ended: " + reason};
  if (auto w = record(r, by); !w) return w;
  ended_at_ = now;
  end_reason_ = std::move(reason);
  return {};
}

Result<void> DisasterDesk::check_active(const Operator& viewer, const std::string& declaration, TimePoint now) {
  if (!may_look_up(viewer))
    return refuse(viewer, now, std::string("role ") + role_name(viewer.role) + " may not look up disaster drug information",
                  "a doctor, dentist, pharmacist or staff authorised by the head of the facility must do it");
  DeclarationStatus s = status(now);
  switch (s.state) {
    case DeclarationState::none:
      return refuse(viewer, now, "no disaster is declared; drug information is available only in a declared disaster",
                    "use the normal look-up with the patient's card consent");
    case DeclarationState::scheduled:
      return refuse(viewer, now, "declaration '" + s.declaration->reference + "' opens only at " +
                    iso_time(s.declaration->opens_at), "wait until the period opens");
    case DeclarationState::ended_by_hand:
      return refuse(viewer, now, "declaration '" + s.declaration->reference + "' was ended at " + iso_time(*s.ended_at),
                    "use the normal look-up with the patient's card consent");
    case DeclarationState::expired:
      return refuse(viewer, now, "declaration '" + s.declaration->reference + "' closed at " +
                    iso_time(s.declaration->closes_at), "if an extension was announced, enter it first");
    case DeclarationState::active: break;
  }
  if (!covers(*s.declaration, config_.location))
    return refuse(viewer, now, "declaration '" + s.declaration->reference + "' does not cover this facility's municipality (" +
                  config_.location.prefecture_code + "/" + config_.location.municipality_code + ")",
                  "check the facility location in the settings, or the area of the notice");
  if (!declaration.empty() && declaration != s.declaration->reference)
    return refuse(viewer, now, "the look-up was opened under declaration '" + declaration + "', which is no longer the one in force",
                  "open the look-up again");
  return {};
}

Result<void> DisasterDesk::audit_read(const Operator& reader, TimePoint now, std::string what) {
  if (!may_look_up(reader))
    return refuse(reader, now, "reading the audit log needs a doctor, dentist, pharmacist or authorised staff",
                  "ask the person responsible for disaster mode at this facility");
  return record({now, AuditEvent::audit_read, {}, {}, declaration_ ? declaration_->reference : "", ConsentKind::none, {},
                 -1, std::move(what)},
                reader);
}

Result<LookupPermit> DisasterDesk::open_lookup(const Operator& viewer, TimePoint now) {
  if (auto ok = check_active(viewer, {}, now); !ok) return std::move(ok).error();
  return LookupPermit(viewer, declaration_->reference);
}

Result<void> DisasterDesk::record_step(const LookupPermit& permit, AuditEvent event, TimePoint now, ConsentKind consent,
                                       const PersonRecord* subject, int candidate_count) {
  if (auto ok = check_active(permit.viewer(), permit.declaration(), now); !ok) return ok;
  return record({now, event, {}, {}, permit.declaration(), consent, subject ? subject_of(*subject) : std::string{},
                 candidate_count, "ok"},
                permit.viewer());
}

MessageContext DisasterDesk::context(const LookupPermit& permit, std::string file_id, TimePoint now) const {
  return {config_.medical_institution_code, std::move(file_id), permit.declaration(), permit.viewer(), now};
}

Result<std::string> DisasterDesk::search_request(const LookupPermit& permit, const PersonQuery& query,
                                                 std::string file_id, TimePoint now) {
  if (auto ok = validate(query); !ok) return std::move(ok).error();
  if (auto ok = record_step(permit, AuditEvent::search_sent, now, ConsentKind::none, nullptr); !ok)
    return std::move(ok).error();
  return write_search_request(context(permit, std::move(file_id), now), query);
}

Result<NarrowingOutcome> DisasterDesk::read_search_response(const LookupPermit& permit, const PersonQuery& query,
                                                            std::string_view response_xml, TimePoint now) {
  if (auto ok = validate(query); !ok) return std::move(ok).error();
  auto response = onshi::disaster::read_search_response(response_xml);
  if (!response) return std::move(response).error();
  auto names = matcher();
  if (!names) return std::move(names).error();
  NarrowingOutcome out = Narrowing::narrow(**names, query, response->candidates, response->total_candidates);
  const PersonRecord* subject = out.person ? &out.person->person() : nullptr;
  if (auto ok = record_step(permit, AuditEvent::candidates_narrowed, now, ConsentKind::none, subject, out.candidate_count); !ok)
    return std::move(ok).error();
  return out;
}

Result<std::string> DisasterDesk::drug_request(const LookupPermit& permit, const ConfirmedPerson& person,
                                               const Consent& consent, DrugPeriod period, std::string file_id,
                                               TimePoint now) {
  if (auto ok = check_active(permit.viewer(), permit.declaration(), now); !ok) return std::move(ok).error();
  // The exception is logged as such, with who decided it and why.
  const std::string how = consent.kind() == ConsentKind::verbal
                              ? "ok: verbal consent recorded by " + consent.by()
                              : "ok: no consent (patient cannot express intent; viewing protects life or body), "
                                "decided by " + consent.by() + ": " + consent.circumstances();
  if (auto ok = record({now, AuditEvent::consent_recorded, {}, {}, permit.declaration(), consent.kind(),
                        subject_of(person.person()), -1, how},
                       permit.viewer());
      !ok)
    return std::move(ok).error();
  if (auto ok = record_step(permit, AuditEvent::drug_history_requested, now, consent.kind(), &person.person()); !ok)
    return std::move(ok).error();
  return write_drug_request(context(permit, std::move(file_id), now), person.person(), consent, period);
}

Result<DrugHistoryView> DisasterDesk::view_drug_history(const LookupPermit& permit, const ConfirmedPerson& person,
                                                        const Consent& consent, const std::vector<DrugRecord>& records,
                                                        TimePoint now) {
  if (auto ok = record_step(permit, AuditEvent::drug_history_viewed, now, consent.kind(), &person.person()); !ok)
    return std::move(ok).error();
  auto names = matcher();
  if (!names) return std::move(names).error();
  return merge_history(**names, records);
}

Result<void> DisasterDesk::keep_for_later(const LookupPermit& permit, const ConfirmedPerson& person,
                                          const Consent& consent, const std::vector<DrugRecord>& national_records,
                                          LocalHistoryStore& store, TimePoint now) {
  // The exception lets staff view to protect life now; it is not consent to keep.
  if (consent.kind() != ConsentKind::verbal)
    return refused("the drug history is kept only with the patient's own consent",
                   "ask the patient for consent to keep it once they can give it");
  if (auto ok = record_step(permit, AuditEvent::local_history_kept, now, consent.kind(), &person.person()); !ok) return ok;
  RetainedRetrieval r{person.person(), national_records, now, now + kRetention, permit.declaration(), permit.viewer().id};
  for (auto& d : r.drugs) d.source = DrugSource::local_history;
  return store.keep(r);
}

Result<LocalFinding> DisasterDesk::search_local_history(const LookupPermit& permit, const PersonQuery& query,
                                                        const Consent& consent, LocalHistoryStore& store, TimePoint now) {
  if (auto ok = validate(query); !ok) return std::move(ok).error();
  auto kept = store.born_on(*query.birthdate);
  if (!kept) return std::move(kept).error();
  std::vector<const RetainedRetrieval*> live;
  std::vector<PersonRecord> people;
  for (const auto& r : *kept) {
    if (!retained_at(r, now)) continue;
    live.push_back(&r);
    // Several retrievals of one person are one candidate, not a homonym.
    bool known = std::any_of(people.begin(), people.end(),
                             [&](const PersonRecord& p) { return p.candidate_id == r.person.candidate_id; });
    if (!known) people.push_back(r.person);
  }
  auto names = matcher();
  if (!names) return std::move(names).error();
  LocalFinding found{Narrowing::narrow(**names, query, people, static_cast<int>(people.size())), {}};
  const PersonRecord* subject = found.outcome.person ? &found.outcome.person->person() : nullptr;
  if (auto ok = record_step(permit, AuditEvent::local_history_searched, now, consent.kind(), subject,
                            found.outcome.candidate_count); !ok)
    return std::move(ok).error();
  if (subject)
    for (const auto* r : live)
      if (r->person.candidate_id == subject->candidate_id)
        found.drugs.insert(found.drugs.end(), r->drugs.begin(), r->drugs.end());
  return found;
}

}  // namespace onshi::disaster
