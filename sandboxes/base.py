"""What both sandboxes' state objects share: fault knobs, the request log, a webhook sender."""

from __future__ import annotations

from collections.abc import Sequence

from sandboxes.faults import Faults
from sandboxes.request_log import RequestLog
from sandboxes.webhooks import WebhookSender


class SandboxBase:
    def __init__(
        self,
        *,
        seed: int,
        window_s: float,
        retry_schedule_s: Sequence[float],
        timeout_s: float,
        sender_name: str,
    ) -> None:
        self.faults = Faults(seed)
        self.request_log = RequestLog()
        self.sender = WebhookSender(
            self.faults,
            retry_schedule_s=retry_schedule_s,
            window_s=window_s,
            timeout_s=timeout_s,
            name=sender_name,
        )

    def forget_activity(self) -> None:
        """Clear the request log and pending webhooks; reset the fault knobs."""
        self.request_log.clear()
        self.sender.clear()
        self.faults.reset()

    def close(self) -> None:
        """Stop the webhook sender (pending webhooks are dropped)."""
        self.sender.stop()
