"""The partner's answers to Register a Deal, kept in the session until Register Deal."""

import uuid

from django.contrib.sessions.backends.base import SessionBase
from django.http import QueryDict

SESSION_KEY = "register_deal"


class WizardState:
    """The partner's answers so far, kept in the session as plain lists of strings.

    `data[slug]` is what the step's form was bound to (so Back shows it again
    and the last step can re-validate it); `done` lists the steps answered.
    `drafts[slug]` is what was typed on a step left with Back: shown again on
    return, never validated and never part of the registration.
    """

    def __init__(self, session: SessionBase, raw: dict) -> None:
        self.session = session
        self.raw = raw

    @classmethod
    def load(cls, session: SessionBase) -> "WizardState | None":
        raw = session.get(SESSION_KEY)
        if not isinstance(raw, dict) or "token" not in raw:
            return None
        return cls(session, raw)

    @classmethod
    def start(cls, session: SessionBase) -> "WizardState":
        raw = {"token": str(uuid.uuid4()), "data": {}, "done": []}
        session[SESSION_KEY] = raw
        return cls(session, raw)

    @staticmethod
    def clear(session: SessionBase) -> None:
        session.pop(SESSION_KEY, None)

    @property
    def token(self) -> str:
        return self.raw["token"]

    def data(self, slug: str) -> dict[str, list[str]]:
        return self.raw["data"].get(slug) or {}

    def draft(self, slug: str) -> dict[str, list[str]]:
        return (self.raw.get("drafts") or {}).get(slug) or {}

    def shown(self, slug: str) -> dict[str, list[str]]:
        """What the step's page shows: the draft left with Back, else the answer."""
        return self.draft(slug) or self.data(slug)

    def querydict(self, slug: str, *, shown: bool = False) -> QueryDict:
        qd = QueryDict(mutable=True)
        for key, values in (self.shown(slug) if shown else self.data(slug)).items():
            qd.setlist(key, list(values))
        return qd

    def value(self, slug: str, key: str, default: str = "") -> str:
        values = self.data(slug).get(key) or [default]
        return values[0]

    def is_done(self, slug: str) -> bool:
        return slug in self.raw["done"]

    def save_step(self, slug: str, data: dict[str, list[str]], *, done: bool = True) -> None:
        self.raw["data"][slug] = data
        self.raw.get("drafts", {}).pop(slug, None)
        if done and slug not in self.raw["done"]:
            self.raw["done"].append(slug)
        self.session.modified = True

    def save_draft(self, slug: str, data: dict[str, list[str]]) -> None:
        """What was typed on a page left with Back; an empty one clears it."""
        drafts = self.raw.setdefault("drafts", {})
        if data:
            drafts[slug] = data
        else:
            drafts.pop(slug, None)
        self.session.modified = True

    def forget(self, slug: str) -> None:
        """An answer that no longer fits (a contact after the customer changed)."""
        self.raw["data"].pop(slug, None)
        self.raw.get("drafts", {}).pop(slug, None)
        if slug in self.raw["done"]:
            self.raw["done"].remove(slug)
        self.session.modified = True

    def forget_done(self, slug: str) -> None:
        """Keep the answer to show again, but ask for the step once more."""
        if slug in self.raw["done"]:
            self.raw["done"].remove(slug)
        self.session.modified = True
