"""Console: the panel of a case. Its members (secure addresses only), its meetings with when
their papers go, the papers, and what each member was sent and whether it went.

The work is in ``service.panels``; every row is read through the user's Scope, and every view
and change is audited.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from forms import options
from forms import panel as panel_forms
from service import clock, db, i18n, uploads
from service.auth import scope, web
from service.models import (
    Agency,
    Case,
    CaseStatus,
    MeetingStatus,
    PanelMeeting,
    PanelMember,
    PanelPaper,
    Partnership,
)
from service.panels import dispatch, dispatch_dates, meetings, members, overview, papers
from service.views.console import bp, common
from service.workdays import LONDON

_record = common.record


def _case(s: Session, sc: scope.Scope, case_id: int) -> Case:
    return common.found(s, sc, Case, case_id)


def _meeting(s: Session, sc: scope.Scope, meeting_id: int) -> PanelMeeting:
    return common.found(s, sc, PanelMeeting, meeting_id)


def _agency_choice(agencies: list[Agency], value: str | None) -> Agency | None:
    return next((a for a in agencies if str(a.id) == str(value or "")), None)


def _languages(partnership: Partnership) -> list[str]:
    return list(partnership.languages or ())


def _language_of(partnership: Partnership):  # noqa: ANN202
    """The panel page's "Language of emails" column, where the partnership offers more than
    one: each member's language, by name."""
    if len(_languages(partnership)) < 2:
        return None
    return lambda member: i18n.NAMES[members.language_of(partnership, member)]


def _panel_page(s: Session, sc: scope.Scope, case: Case, agency_form=None):  # noqa: ANN001, ANN202
    return render_template(
        "console/panel.html",
        case=case,
        members=overview.current_members(s, sc, case),
        meetings=overview.listed_meetings(s, sc, case),
        can_manage=scope.can(sc.user, "panels.manage") and case.status is CaseStatus.OPEN,
        agency_form=agency_form
        or (_agency_form(s, case) if scope.can(sc.user, "panels.manage") else None),
        language_of=_language_of(s.get(Partnership, case.partnership_id)),
    )


# --- the case's panel ---------------------------------------------------------------------------


@bp.get("/cases/<int:case_id>/panel")
@web.requires("panels.view")
def panel(case_id: int):
    """The case's panel members and meetings. Audited."""
    sc = web.current_scope()
    with db.transaction() as s:
        case = _case(s, sc, case_id)
        _record(s, sc, "panel.viewed", object_type="case", object_id=case.id, case_id=case.id)
    return _panel_page(s, sc, case)


def _agency_form(s: Session, case: Case, form: panel_forms.AgencyMemberForm | None = None):
    form = form or panel_forms.AgencyMemberForm(formdata=None)
    reachable = overview.with_representative(s, case)
    form.agency.choices = options(
        [("", "Select an agency"), *((str(a.id), a.name) for a in reachable)]
    )
    return form


@bp.route("/cases/<int:case_id>/panel/members/new", methods=["GET", "POST"])
@web.requires("panels.manage")
def panel_member_new(case_id: int):
    """Add someone to the case's panel; their address must be secure."""
    sc = web.current_scope()
    s = db.Sessions()
    case = _case(s, sc, case_id)
    agencies = overview.agencies(s, case)
    partnership = s.get(Partnership, case.partnership_id)
    # The language of their emails, asked where the partnership offers more than one.
    form = panel_forms.MemberForm(languages=_languages(partnership))
    if form.language is not None and not form.is_submitted():
        form.language.data = _languages(partnership)[0]
    form.agency.choices = options([("", "None"), *((str(a.id), a.name) for a in agencies)])
    if form.validate_on_submit():
        chosen = _agency_choice(agencies, form.agency.data)
        if form.agency.data and chosen is None:
            form.agency.errors = ["Select an agency from the list"]
        else:
            try:
                with db.transaction() as t:
                    member = members.add(
                        t, _case(t, sc, case_id), name=form.name.data, email=form.email.data,
                        agency=t.get(Agency, chosen.id) if chosen else None,
                        role=form.role.data, actor=common.actor(sc),
                        client_address=web.client_address(),
                        language=form.language.data if form.language is not None else None,
                    )  # fmt: skip
                    name = member.name
            except members.MemberRefused as refused:
                getattr(form, refused.field).errors = [str(refused)]
            else:
                flash(f"{name} is now on the panel", "success")
                return redirect(url_for("console.panel", case_id=case_id))
    return render_template("console/panel_member_new.html", case=case, form=form), (
        400 if form.errors else 200
    )


@bp.post("/cases/<int:case_id>/panel/members/agency")
@web.requires("panels.manage")
def panel_member_from_agency(case_id: int):
    """Add an agency's representative, reached at the agency's secure address."""
    sc = web.current_scope()
    s = db.Sessions()
    case = _case(s, sc, case_id)
    form = _agency_form(s, case, panel_forms.AgencyMemberForm())
    if form.validate_on_submit():
        agency = _agency_choice(overview.agencies(s, case), form.agency.data)
        partnership = s.get(Partnership, case.partnership_id)
        address = members.representative_address(partnership, agency) if agency else None
        if address is None:
            form.agency.errors = ["Select an agency with a secure email address"]
        else:
            try:
                with db.transaction() as t:
                    members.add(
                        t, _case(t, sc, case_id), name=f"{agency.name} representative",
                        email=address, agency=t.get(Agency, agency.id),
                        role="Agency representative", actor=common.actor(sc),
                        client_address=web.client_address(),
                    )  # fmt: skip
            except members.MemberRefused as refused:
                form.agency.errors = [str(refused)]
            else:
                flash(f"{agency.name} representative is now on the panel", "success")
                return redirect(url_for("console.panel", case_id=case_id))
    return _panel_page(s, sc, case, agency_form=form), 400


@bp.post("/panel-members/<int:member_id>/remove")
@web.requires("panels.manage")
def panel_member_remove(member_id: int):
    sc = web.current_scope()
    with db.transaction() as s:
        member = common.found(s, sc, PanelMember, member_id)
        case_id, name = member.case_id, member.name
        if member.removed_at is None:
            members.remove(s, member, actor=common.actor(sc), client_address=web.client_address())
    flash(f"{name} is no longer on the panel", "success")
    return redirect(url_for("console.panel", case_id=case_id))


@bp.route("/panel-members/<int:member_id>/language", methods=["GET", "POST"])
@web.requires("panels.manage")
def panel_member_language(member_id: int):
    """Change the language of a member's emails (where the partnership offers more than one)."""
    sc = web.current_scope()
    s = db.Sessions()
    member = common.found(s, sc, PanelMember, member_id)
    case = _case(s, sc, member.case_id)
    partnership = s.get(Partnership, case.partnership_id)
    form = panel_forms.MemberLanguageForm(languages=_languages(partnership))
    if form.language is None or member.removed_at is not None:
        abort(404)
    if not form.is_submitted():
        form.language.data = members.language_of(partnership, member)
    elif form.validate():
        with db.transaction() as t:
            changed = members.change_language(
                t, common.found(t, sc, PanelMember, member_id), form.language.data,
                actor=common.actor(sc), client_address=web.client_address(),
            )  # fmt: skip
        if changed:
            flash(f"{member.name}’s emails are now in {i18n.NAMES[form.language.data]}", "success")
        return redirect(url_for("console.panel", case_id=case.id))
    return render_template(
        "console/panel_member_language.html", case=case, member=member, form=form
    ), (400 if form.errors else 200)


# --- meetings -----------------------------------------------------------------------------------


def _details(form: panel_forms.MeetingForm) -> meetings.Details:
    return meetings.Details(
        date=form.date.date,
        start=form.start_time,
        duration_minutes=int(form.duration.data),
        location=form.location.data or None,
        joining_details=form.joining_details.data or None,
        note=form.note.data or None,
    )


def _late_notice(plan: dispatch_dates.Schedule | None, partnership_days: int) -> None:
    if plan is not None and plan.late:
        flash(
            f"This meeting is less than {partnership_days} working days away, so the papers "
            f"cannot reach members {partnership_days} working days before it. The invitation "
            "and the papers uploaded so far go within a few minutes; papers you upload after "
            "that go at once as additional papers, marked late.",
            "important",
        )


@bp.route("/cases/<int:case_id>/panel/meetings/new", methods=["GET", "POST"])
@web.requires("panels.manage")
def panel_meeting_new(case_id: int):
    """Schedule a meeting of the case's panel."""
    sc = web.current_scope()
    s = db.Sessions()
    case = _case(s, sc, case_id)
    panel_members = overview.current_members(s, sc, case)
    form = panel_forms.MeetingForm()
    form.members.choices = options((str(m.id), m.name) for m in panel_members)
    if not form.is_submitted():
        form.members.data = [str(m.id) for m in panel_members]
    elif form.validate_on_submit():
        try:
            with db.transaction() as t:
                meeting, plan = meetings.schedule(
                    t,
                    _case(t, sc, case_id),
                    _details(form),
                    form.member_ids,
                    created_by=sc.user.id,
                    actor=common.actor(sc),
                    client_address=web.client_address(),
                )
                meeting_id = meeting.id
                days = t.get(Partnership, case.partnership_id).papers_working_days
        except meetings.MeetingRefused as refused:
            getattr(form, refused.field).errors = [str(refused)]
        else:
            flash("Meeting scheduled", "success")
            _late_notice(plan, days)
            return redirect(url_for("console.panel_meeting", meeting_id=meeting_id))
    return render_template(
        "console/panel_meeting_form.html", case=case, form=form, members=panel_members,
        meeting=None,
    ), (400 if form.errors else 200)  # fmt: skip


@bp.get("/panel-meetings/<int:meeting_id>")
@web.requires("panels.view")
def panel_meeting(meeting_id: int):
    """One meeting: when, its papers, who is invited and what each was sent. Audited."""
    sc = web.current_scope()
    with db.transaction() as s:
        meeting = _meeting(s, sc, meeting_id)
        _record(s, sc, "panel.meeting_viewed", object_type="panel_meeting",
                object_id=meeting.id, case_id=meeting.case_id)  # fmt: skip
    case = _case(s, sc, meeting.case_id)
    detail = overview.meeting_detail(s, sc, meeting)
    partnership = detail.partnership
    return render_template(
        "console/panel_meeting.html",
        case=case,
        meeting=meeting,
        when=dispatch.when(meeting),
        status=meetings.status(meeting, detail.papers),
        papers=[{"row": p, "file": detail.files.get(p.file_id)} for p in detail.papers],
        invitations=detail.invitations,
        deliveries=detail.deliveries,
        days=partnership.papers_working_days,
        papers_reason=dispatch_dates.dispatch_reason(partnership, meeting),
        can_manage=scope.can(sc.user, "panels.manage")
        and meeting.status is MeetingStatus.SCHEDULED,
        started=meeting.starts_at <= clock.now(),
    )


@bp.route("/panel-meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@web.requires("panels.manage")
def panel_meeting_edit(meeting_id: int):
    """Change or move a meeting; the members are told of a move with an updated invitation."""
    sc = web.current_scope()
    s = db.Sessions()
    meeting = _meeting(s, sc, meeting_id)
    case = _case(s, sc, meeting.case_id)
    if meeting.status is not MeetingStatus.SCHEDULED:
        flash("This meeting has been cancelled: it cannot be changed", "important")
        return redirect(url_for("console.panel_meeting", meeting_id=meeting.id))
    panel_members = overview.current_members(s, sc, case)
    form = panel_forms.MeetingForm()
    form.members.choices = options((str(m.id), m.name) for m in panel_members)
    if not form.is_submitted():
        local = clock.as_utc(meeting.starts_at).astimezone(LONDON)
        form.process(
            data={
                "date": panel_forms.date_parts(local.date()),
                "start": local.strftime("%H:%M"),
                "duration": str(meeting.duration_minutes),
                "location": meeting.location,
                "joining_details": meeting.joining_details,
                "note": meeting.note,
                "members": [str(i.member_id) for i in meeting.invitations if i.removed_at is None],
            }
        )
    elif form.validate_on_submit():
        try:
            with db.transaction() as t:
                done = meetings.change(
                    t, _meeting(t, sc, meeting_id), _details(form), form.member_ids,
                    resend_papers=bool(form.resend_papers.data), actor=common.actor(sc),
                    client_address=web.client_address(),
                )  # fmt: skip
                days = t.get(Partnership, meeting.partnership_id).papers_working_days
        except meetings.MeetingRefused as refused:
            getattr(form, refused.field).errors = [str(refused)]
        else:
            if done.moved:
                who = "member was" if done.told == 1 else "members were"
                flash(f"Meeting moved. {done.told} {who} sent the new date and an updated "
                      "invitation.", "success")  # fmt: skip
            else:
                flash("Meeting updated", "success")
            _late_notice(done.plan, days)
            return redirect(url_for("console.panel_meeting", meeting_id=meeting_id))
    return render_template(
        "console/panel_meeting_form.html", case=case, form=form, members=panel_members,
        meeting=meeting,
    ), (400 if form.errors else 200)  # fmt: skip


@bp.route("/panel-meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
@web.requires("panels.manage")
def panel_meeting_cancel(meeting_id: int):
    """Cancel a meeting: every invited member gets a cancellation, and nothing more is sent."""
    sc = web.current_scope()
    s = db.Sessions()
    meeting = _meeting(s, sc, meeting_id)
    case = _case(s, sc, meeting.case_id)
    if meeting.status is not MeetingStatus.SCHEDULED:
        flash("This meeting has already been cancelled", "important")
        return redirect(url_for("console.panel_meeting", meeting_id=meeting.id))
    form = panel_forms.CancelForm()
    if form.validate_on_submit():
        try:
            with db.transaction() as t:
                told = meetings.cancel(
                    t, _meeting(t, sc, meeting_id), reason=form.reason.data or None,
                    user_id=sc.user.id, actor=common.actor(sc), client_address=web.client_address(),
                )  # fmt: skip
        except meetings.MeetingRefused as refused:
            form.reason.errors = [str(refused)]
        else:
            flash(f"Meeting cancelled. {told} {'member was' if told == 1 else 'members were'} "
                  "sent the cancellation.", "success")  # fmt: skip
            return redirect(url_for("console.panel_meeting", meeting_id=meeting_id))
    return render_template(
        "console/panel_meeting_cancel.html", case=case, meeting=meeting, form=form,
        when=dispatch.when(meeting),
    ), (400 if form.errors else 200)  # fmt: skip


# --- papers -------------------------------------------------------------------------------------


@bp.route("/panel-meetings/<int:meeting_id>/papers/new", methods=["GET", "POST"])
@web.requires("panels.manage")
@uploads.allow_upload(papers.PAPER_MAX_BYTES)
def panel_paper_new(meeting_id: int):
    """Upload a paper; after the papers have gone it goes to the members at once, marked late."""
    sc = web.current_scope()
    s = db.Sessions()
    meeting = _meeting(s, sc, meeting_id)
    case = _case(s, sc, meeting.case_id)
    form = panel_forms.PaperForm()
    if form.validate_on_submit():
        upload = request.files.get("paper")
        if upload is None or not upload.filename:
            form.paper.errors = [panel_forms.PAPER_REQUIRED]
        else:
            data = upload.stream.read(papers.PAPER_MAX_BYTES + 1)
            try:
                with db.transaction() as t:
                    paper = papers.add_paper(
                        t, _meeting(t, sc, meeting_id), title=form.title.data,
                        filename=upload.filename, data=data, uploaded_by=sc.user.id,
                        actor=common.actor(sc), client_address=web.client_address(),
                    )  # fmt: skip
                    late = paper.late
                    days = t.get(Partnership, meeting.partnership_id).papers_working_days
            except meetings.MeetingRefused as refused:
                form.paper.errors = [str(refused)]
            except uploads.UploadRefused as refused:
                form.paper.errors = [refused.message]
            else:
                if late:
                    flash(
                        "The papers had already gone, so this paper was sent to the members at "
                        f"once as an additional paper. It is late: it reached them less than "
                        f"{days} working days before the meeting.",
                        "important",
                    )
                else:
                    flash("Paper uploaded", "success")
                return redirect(url_for("console.panel_meeting", meeting_id=meeting_id))
    return render_template(
        "console/panel_paper_new.html", case=case, meeting=meeting, form=form,
        when=dispatch.when(meeting), max_size=uploads.size_text(papers.PAPER_MAX_BYTES),
    ), (400 if form.errors else 200)  # fmt: skip


@bp.post("/panel-papers/<int:paper_id>/remove")
@web.requires("panels.manage")
def panel_paper_remove(paper_id: int):
    sc = web.current_scope()
    s = db.Sessions()
    paper = common.found(s, sc, PanelPaper, paper_id)
    meeting_id, title = paper.meeting_id, paper.title
    try:
        with db.transaction() as t:
            papers.remove_paper(
                t, common.found(t, sc, PanelPaper, paper_id), actor=common.actor(sc),
                client_address=web.client_address(),
            )  # fmt: skip
    except meetings.MeetingRefused as refused:
        flash(str(refused), "important")
    else:
        flash(f"{title} removed", "success")
    return redirect(url_for("console.panel_meeting", meeting_id=meeting_id))
