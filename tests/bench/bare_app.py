"""The baseline for a form POST: a bare Flask + SQLAlchemy endpoint inserting one row.

Served by gunicorn with as many workers as `dhr web`, against the same Postgres, so the
difference to the service's own POST is the service's work and nothing else.
"""

from __future__ import annotations

import os

from flask import Flask, redirect, request
from sqlalchemy import Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, scoped_session, sessionmaker


class Base(DeclarativeBase):
    pass


class Row(Base):
    __tablename__ = "bench_bare_row"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[str] = mapped_column(String(2000))


engine = create_engine(os.environ["BENCH_DATABASE_URL"], pool_pre_ping=True)
Sessions = scoped_session(sessionmaker(bind=engine))
app = Flask(__name__)


@app.post("/insert")
def insert():  # noqa: ANN201
    session = Sessions()
    session.add(Row(body=request.form.get("referrer_name", "")[:2000]))
    session.commit()
    return redirect("/done")


app.teardown_appcontext(lambda _exc: Sessions.remove())


def create_schema() -> None:
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
