"""A model whose table lacks its plugin's prefix; imported only by one loader test."""

from sqlalchemy.orm import Mapped, mapped_column

from lms.db import db


class Unprefixed(db.Model):
    __tablename__ = "unprefixed_thing"

    id: Mapped[int] = mapped_column(primary_key=True)
