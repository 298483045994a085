"""The stop stress test (issue 20): every long-running command is started again and again and
sent SIGTERM at a random moment (during start-up, while serving, while busy: records applied,
lines logged, a slow target), under CPU contention. Each stop must end within 10 s with the
exit status of a graceful stop; a process that does not gets SIGABRT, and the thread stacks
faulthandler prints then are the failure's message. Where a command moves records, the ledger
checks of the fault suite (chaos.checker) say that nothing was lost or applied twice.

- `chaos/stops/driver.py`: one stop measured, CPU burners, the figures per command;
- `chaos/stops/targets.py`: the standalone commands (consume on memory://, sandbox,
  sync --every, the demo `run`) and what each stop must leave behind;
- `chaos/stops/traffic.py`: consumers and the receiver on RabbitMQ, stopped under the fault
  suite's traffic (chaos.cluster), with its ledgers;
- `python -m chaos.stops --stops 200` (`make stress`); `tests/e2e/test_stops.py` runs a CI-sized
  count in `make test`.
"""
