"""The summary of a case part-way through its trawl: always the latest version of each return,
no-trace returns, outstanding, overdue and extended agencies, who knew whom, consent and IMRs."""

from __future__ import annotations

from service import clock
from service.summaries.build import AgencyStatus, build
from tests.summaries import factories as f


def summary_at(session, story, moment):
    with clock.frozen_at(moment):
        return build(session, story.case)


def line(summary, story, name):
    agency_id = story.requests[name].agency_id
    (found,) = [a for a in summary.agencies if a.agency_id == agency_id]
    return found


def test_an_amended_return_is_summarised_from_its_latest_version_only(session, partnership):
    story = f.story(session, partnership)
    summary = summary_at(session, story, f.DURING)

    police = line(summary, story, "police")
    assert police.status is AgencyStatus.INVOLVEMENT
    assert police.version == 2 and "Amended: version 2" in police.notes
    # Days taken count to the first return (2 days), not to the amendment.
    assert police.days_taken == 2
    victim, suspect, _child = summary.people
    natures = [k.nature for k in victim.known_to]
    assert f.AMENDED_NATURE in natures
    assert all(f.FIRST_NATURE not in n for n in natures)
    # The amendment added the suspect, with its own risk indicators.
    (known,) = [k for k in suspect.known_to if k.agency == police.name]
    assert known.risk_other == "Previous partner abused too."
    assert known.dash_risk == "High" and known.marac == "Yes"
    # And its second chronology entry, which the first version did not have.
    assert any("bailed with conditions" in e.information for e in summary.chronology)


def test_no_trace_outstanding_extension_and_withheld_while_the_trawl_runs(session, partnership):
    story = f.story(session, partnership)
    summary = summary_at(session, story, f.DURING)

    gp = line(summary, story, "gp")
    assert gp.status is AgencyStatus.NO_TRACE and gp.days_taken == 4
    assert gp.status_text == "Returned: no trace"
    housing = line(summary, story, "housing")
    assert housing.status is AgencyStatus.EXTENSION
    assert housing.status_text == "Extension to 11 January 2027"
    social_care = line(summary, story, "social_care")
    assert social_care.status is AgencyStatus.OUTSTANDING and social_care.days_taken is None
    recovery = line(summary, story, "recovery")
    assert recovery.status is AgencyStatus.OUTSTANDING and recovery.link_withheld
    assert "Link withheld: no secure email address" in recovery.notes

    assert {a.agency_id for a in summary.outstanding} == {
        story.requests[n].agency_id for n in ("housing", "social_care", "recovery")
    }
    assert not summary.complete
    victim = summary.people[0]
    assert gp.name in victim.no_trace_from
    assert {k.agency for k in victim.known_to} == {
        line(summary, story, "police").name,
        line(summary, story, "hospital").name,
    }


def test_after_the_due_date_the_silent_agencies_are_overdue_but_the_extension_holds(
    session, partnership
):
    story = f.story(session, partnership)
    summary = summary_at(session, story, f.AFTER_DUE)

    assert line(summary, story, "social_care").status is AgencyStatus.OVERDUE
    assert line(summary, story, "recovery").status is AgencyStatus.OVERDUE
    assert line(summary, story, "housing").status is AgencyStatus.EXTENSION
    later = summary_at(session, story, f.AFTER_DUE.replace(year=2027, month=1, day=12))
    housing = line(later, story, "housing")
    assert housing.status is AgencyStatus.OVERDUE
    assert "Extension approved to 11 January 2027" in housing.notes
    assert later.counts()["overdue"] == 3


def test_systems_records_panel_consent_and_imrs(session, partnership):
    story = f.story(session, partnership)
    summary = summary_at(session, story, f.DURING)

    hospital = line(summary, story, "hospital")
    assert hospital.systems_checked == f.HOSPITAL_SYSTEMS
    assert [(r.person, r.answer) for r in hospital.records_secured] == [
        ("Alice Example (Victim)", "Yes")
    ]
    assert summary.trawls[0].sent_on == "7 December 2026"
    assert summary.trawls[0].due_on == "21 December 2026"
    assert summary.trawls[0].scope_to == "1 September 2026"

    # By default: the agencies with involvement.
    assert not summary.panel.adjusted
    assert summary.panel.reason == "Recommended because of involvement"
    assert set(summary.panel.agency_ids) == {
        story.requests["police"].agency_id,
        story.requests["hospital"].agency_id,
    }

    assert [(c.name, c.status_text) for c in summary.consent] == [
        ("Sam Relative", "Given"),
        ("Jo Relative", "Awaiting an answer"),
    ]
    (imr,) = summary.imrs
    assert imr.status_text == "Submitted: version 1"
    assert [(c.number, c.answer, c.comment) for c in imr.flagged] == [
        (3, "No", "Legal advice was not sought."),
        (13, "Partially", "Research cited is from 2009."),
    ]
    assert imr.flagged[0].text == "Access to legal advice available for critical aspects"


def test_the_officers_choice_of_panel_agencies_is_used_when_there_is_one(session, partnership):
    story = f.story(session, partnership)
    gp = story.requests["gp"].agency_id
    story.case.panel_agency_ids = [gp]
    session.commit()
    summary = summary_at(session, story, f.DURING)
    assert summary.panel.adjusted and summary.panel.reason == "Adjusted by the DHR officer"
    assert [(a.agency_id, a.involvement) for a in summary.panel.agencies] == [(gp, False)]


def test_every_return_of_a_case_with_two_trawls(session, partnership):
    story = f.story(session, partnership)
    second = f.send_trawl(session, partnership, story.case, ["probation"], at=f.AMENDED_AT)
    (request,) = second.requests
    f.submit(session, request, f.answers(second, systems="nDelius"), at=f.DURING)
    session.commit()
    summary = summary_at(session, story, f.DURING)
    assert [t.number for t in summary.trawls] == [1, 2]
    (probation,) = [a for a in summary.agencies if a.request_id == request.id]
    assert probation.trawl_number == 2 and probation.status is AgencyStatus.NO_TRACE
    # The same people across both trawls: one entry each.
    assert len(summary.people) == 3
    assert probation.name in summary.people[0].no_trace_from


def test_the_representative_each_invited_agency_names_is_summarised_as_typed(session, partnership):
    story = f.story(session, partnership, invited=True)
    # A later request that does not invite its agency: a representative named there (optional,
    # for the review) is not the scoping meeting's, so the summary leaves it out.
    second = f.send_trawl(session, partnership, story.case, ["probation"], at=f.AMENDED_AT)
    (request,) = second.requests
    later = {"name": "Kit Later", "role": "Manager"}
    uninvited = f.answers(second, systems="nDelius", representative=later)
    f.submit(session, request, uninvited, at=f.DURING)
    session.commit()
    summary = summary_at(session, story, f.DURING)

    assert summary.invites
    police, hospital = line(summary, story, "police"), line(summary, story, "hospital")
    assert police.invited and police.representative == (
        "Robin Liaison, Detective Inspector, public protection"
    )
    assert hospital.representative_text == "Dr Asha Mistry, Named nurse – adult safeguarding"
    assert line(summary, story, "gp").representative == "Lee O'Neill, Practice manager"
    social_care = line(summary, story, "social_care")
    assert social_care.invited and social_care.representative == ""
    assert social_care.representative_text == "Not returned yet"
    (probation,) = [a for a in summary.agencies if a.request_id == request.id]
    assert not probation.invited and probation.returned
    assert (probation.representative, probation.representative_text) == ("", "")
    # Without an invitation anywhere the summary has no representatives at all.
    plain = f.story(session, partnership, reference="EXA-DHR-2026-02")
    assert not summary_at(session, plain, f.DURING).invites


def test_an_agency_whose_request_bounced_shows_it_never_got_it_until_it_returns(
    session, partnership
):
    from service.summaries.to_officer import outstanding_text

    story = f.story(session, partnership)
    f.bounce_request(session, story.requests["social_care"])
    summary = summary_at(session, story, f.AFTER_DUE)

    social_care = line(summary, story, "social_care")
    assert social_care.status is AgencyStatus.BOUNCED  # not overdue: it never got the request
    assert social_care.status_text == "Email bounced on 7 December 2026"
    assert social_care.tag_class == "govuk-tag--red"
    assert social_care.bounced_at == f.BOUNCED_AT
    assert "Not reaching the agency: correct its address and send it again" in social_care.notes
    assert not social_care.returned and social_care in summary.outstanding
    assert summary.counts()["bounced"] == 1 and summary.counts()["overdue"] == 1  # recovery
    assert outstanding_text(social_care).endswith(
        ": its email bounced on 7 December 2026, so the request is not reaching it"
    )
    # An agency whose request did not bounce reads as before.
    assert line(summary, story, "recovery").status is AgencyStatus.OVERDUE
    assert line(summary, story, "recovery").bounced_on == ""

    # It got the request after all (another way) and returned: its return is what counts.
    f.submit(session, story.requests["social_care"], f.answers(story.trawl), at=f.AFTER_DUE)
    session.commit()
    returned = line(summary_at(session, story, f.AFTER_DUE), story, "social_care")
    assert returned.status is AgencyStatus.NO_TRACE
    assert (returned.bounced_on, returned.bounced_at) == ("", None)
