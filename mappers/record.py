"""A record's mapping: its rules, its lines, and what the registry and link-back need to know."""

from __future__ import annotations

from dataclasses import dataclass

from mappers.errors import InvalidRecord
from mappers.ids import MappingContext, fold, merged, own_partner_id
from mappers.rules import MISSING, Ref, apply_to_connec, apply_to_partner


@dataclass(frozen=True)
class Lines:
    """Nested lines (`partner` key <-> `connec` key), each mapped by `rules`, order kept.

    With `ids`, a line's id is an id reference: a Connec! line's own partner id is written to the
    partner (a line without one is new), a partner line id is folded for Connec!, and link-back
    carries each line's merged id array. Partner lines and Connec! lines match by position.
    """

    partner: str
    connec: str
    rules: tuple
    ids: bool = True

    def to_partner(self, source: dict, target: dict, ctx: MappingContext, where: str) -> None:
        lines = source.get(self.connec, MISSING)
        if lines is not MISSING:
            target[self.partner] = [
                self._line_to_partner(line, ctx, f"{where}{self.connec}.{number}.")
                for number, line in enumerate(lines or ())
            ]

    def to_connec(self, source: dict, target: dict, ctx: MappingContext) -> None:
        lines = source.get(self.partner, MISSING)
        if lines is not MISSING:
            target[self.connec] = [self._line_to_connec(line, ctx) for line in lines or ()]

    def _line_to_partner(self, line: dict, ctx: MappingContext, where: str) -> dict:
        mapped = apply_to_partner(self.rules, line, ctx, where)
        partner_id = own_partner_id(line.get("id"), ctx.provider, ctx.realm) if self.ids else None
        return mapped if partner_id is None else {"id": partner_id, **mapped}

    def _line_to_connec(self, line: dict, ctx: MappingContext) -> dict:
        mapped = apply_to_connec(self.rules, line, ctx)
        return {"id": fold(line["id"], ctx), **mapped} if self.ids and line.get("id") else mapped

    def linked_back(self, connec_lines: list, partner_lines: list, ctx: MappingContext) -> list:
        """Each Connec! line's id array merged with the id of the partner line at its position."""
        if len(connec_lines) != len(partner_lines):
            problem = f"{len(partner_lines)} partner lines for {len(connec_lines)} Connec! lines."
            raise InvalidRecord({self.partner: [problem]})
        return [
            {"id": merged(ours.get("id"), theirs.get("id"), ctx)}
            for ours, theirs in zip(connec_lines, partner_lines, strict=True)
        ]


@dataclass(frozen=True)
class RecordMapping:
    """An entity's mapping, declared as a tuple of rules (`Field`, `Status`, `Ref`, `Const`,
    and at most one `Lines`).

    `archive_status` is the Connec! status that stands for a record deleted in the partner app.
    """

    rules: tuple
    archive_status: str = "ARCHIVED"

    def to_partner(self, record: dict, ctx: MappingContext) -> dict:
        """A validated Connec! record as a partner body (no id); may raise MissingReference."""
        return apply_to_partner(self.rules, record, ctx)

    def to_connec(self, record: dict, ctx: MappingContext) -> dict:
        """A validated partner record as a Connec! record, ids folded; lines fully replaced."""
        mapped = {"id": fold(record["id"], ctx), **apply_to_connec(self.rules, record, ctx)}
        return mapped if self.lines is None else {**mapped, "opts": {"sparse": False}}

    @property
    def lines(self) -> Lines | None:
        return next((rule for rule in self.rules if isinstance(rule, Lines)), None)

    @property
    def references(self) -> tuple[tuple[str, str], ...]:
        """(Connec! field, referenced collection) of every reference; lines' as `lines.<field>`."""
        own = tuple((rule.connec, rule.entity) for rule in self.rules if isinstance(rule, Ref))
        lines = self.lines
        if lines is None:
            return own
        nested = RecordMapping(lines.rules).references
        return own + tuple((f"{lines.connec}.{field}", entity) for field, entity in nested)

    @property
    def partner_fields(self) -> frozenset[str]:
        """The top-level partner fields this mapping writes to the partner."""
        return frozenset(
            rule.partner.split(".")[0]
            for rule in self.rules
            if getattr(rule, "writes_partner", hasattr(rule, "partner"))
        )
