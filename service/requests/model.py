"""The columns every request to an agency carries: whose it is, when it was sent and is due,
its link, its chasers and its first answer.

A kind of request is a model that mixes in ``AgencyRequest`` and adds what is its own (a
trawl's people and returns, an IMR's terms of reference and submissions). The column names and
types are those of the ``trawl_request`` and ``imr_request`` tables, so mixing it in changes no
schema.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, ForeignKey
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from service import clock
from service.models.types import JSON, UTCDateTime

if TYPE_CHECKING:
    from service.models.agency import Agency


class AgencyRequest:
    """Mixin for a model whose rows ask one agency for something by a date."""

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dhr_case.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    due_date: Mapped[dt.date] = mapped_column(Date)
    # The agency had no secure address when it was sent: it got a notice without the link.
    link_withheld: Mapped[bool] = mapped_column(default=False)
    # The chaser engine (service.requests.chasing): the next chaser goes at this moment unless
    # an answer arrives first.
    next_chaser_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    chasers_sent: Mapped[int] = mapped_column(default=0)
    # Chasers since the due date last moved (a new due date starts the count again).
    chasers_this_round: Mapped[int] = mapped_column(default=0)
    last_chased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by the first answer; later versions do not move it. It stops the chasers.
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The agency's answers saved but not yet submitted ("save and come back later").
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    @declared_attr
    def agency(cls) -> Mapped[Agency]:
        return relationship("Agency")
