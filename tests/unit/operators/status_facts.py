"""Status facts as `operators.status.status_facts` returns them, for the page's tests."""

from __future__ import annotations

from typing import Any


def lane(ready: int | None, unacked: int | None = 0, consumers: int | None = 1) -> dict[str, Any]:
    return {"ready": ready, "unacked": unacked, "consumers": consumers}


def route(entity: str, direction: str, **changes: Any) -> dict[str, Any]:
    row = {
        "entity": entity,
        "direction": direction,
        "work": lane(0),
        "backfill": lane(0),
        "retry": [{"delay_s": 5, **lane(0)}, {"delay_s": 30, **lane(0)}],
        "dead": lane(0, consumers=0),
        "dead_letters": {},
        "replays": {},
    }
    return row | changes


def sample_facts(**changes: Any) -> dict[str, Any]:
    """Two routes, one in trouble; one organization with a failed run and a record in error."""
    troubled = route(
        "people",
        "to-app",
        work=lane(12, 3, 2),
        retry=[{"delay_s": 5, **lane(4)}, {"delay_s": 30, **lane(0)}],
        dead_letters={"invalid": 2, "retries_exhausted": 1},
        replays={"replayed": 5},
    )
    organization = {
        "tenant": "default",
        "group_id": "cld-9ax2",
        "account": "acct-2243",
        "enabled": True,
        "conflict_winner": "recent",
        "entities": {"people": "both"},
        "last_runs": [
            {
                "id": 7,
                "mode": "reconcile",
                "state": "failed",
                "counts": {"people": 40},
                "error": "partner API 503",
                "started_at": "2024-05-01T10:00:00+00:00",
                "finished_at": "2024-05-01T10:01:00+00:00",
            }
        ],
        "records_with_errors": [
            {
                "entity": "people",
                "connec_id": "c-42",
                "partner_id": None,
                "name": "Ada <b>L</b>",
                "error": "email: <script>alert(1)</script>",
                "inactive": False,
            }
        ],
        "dropped_fields": {
            "records": [{"entity": "people", "direction": "to-app", "count": 1}],
            "latest": [
                {
                    "entity": "people",
                    "direction": "to-app",
                    "record_id": "c-43",
                    "name": "Bea Chen",
                    "fields": [
                        {
                            "field": "address_work.billing.country",
                            "reason": "Not a country: 'Atlantis'.",
                        }
                    ],
                    "applied_at": "2024-05-01T10:02:00+00:00",
                }
            ],
        },
    }
    facts = {
        "broker": "amqp://guest:***@127.0.0.1:5672/%2F",
        "broker_reachable": True,
        "broker_error": None,
        "unacked_known": True,
        "queues": [],
        "collected": None,
        "dead_letters": [],
        "routes": [troubled, route("items", "to-connec")],
        "organizations": [organization],
    }
    return facts | changes
