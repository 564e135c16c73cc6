"""Decoding intake bodies (integrations.body.parse_json) against orjson.loads alone, which is
what it costs on top of decoding: looking for NUL escapes and nesting past 64 levels. Bodies: a
PagerDuty event and Alertmanager webhooks of 1, 50 and 500 alerts. Prints the best of many runs
per body, in microseconds, so that a busy machine disturbs it little.

    .venv/bin/python bench/json_body.py [--repeat 300]
"""

from __future__ import annotations

import argparse
import json
import timeit
from collections.abc import Callable
from typing import Any

import orjson

from onwatch.integrations.body import parse_json


def _alert(index: int) -> dict[str, Any]:
    return {
        "status": "firing",
        "labels": {"alertname": f"DiskFull{index}", "severity": "critical", "instance": "db1"},
        "annotations": {"summary": f"Disk {index} 95% full on db1"},
        "startsAt": "2026-03-02T13:59:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph?g0.expr=up",
        "fingerprint": f"fp-{index}",
    }


def _webhook(alerts: int) -> bytes:
    body = {
        "version": "4",
        "groupKey": '{}:{alertname="DiskFull"}',
        "status": "firing",
        "receiver": "onwatch",
        "groupLabels": {"alertname": "DiskFull"},
        "externalURL": "http://alertmanager.example",
        "alerts": [_alert(i) for i in range(alerts)],
    }
    return json.dumps(body).encode()


BODIES = {
    "pagerduty event": json.dumps(
        {
            "routing_key": "owi_" + "a" * 43,
            "event_action": "trigger",
            "payload": {
                "summary": "Disk 95% full on db1",
                "source": "db1",
                "severity": "error",
                "custom_details": {"free": "5%", "mount": "/var"},
            },
        }
    ).encode(),
    "alertmanager, 1 alert": _webhook(1),
    "alertmanager, 50 alerts": _webhook(50),
    "alertmanager, 500 alerts": _webhook(500),
}


def best(call: Callable[[], object], size: int, repeat: int) -> float:
    number = max(1, 20_000 // size)
    return min(timeit.repeat(call, number=number, repeat=repeat)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    print(f"{'body':<26}{'bytes':>8}{'parse_json us':>15}{'orjson us':>11}{'extra us':>10}")
    for name, body in BODIES.items():
        ours = best(lambda body=body: parse_json(body), len(body), args.repeat)
        bare = best(lambda body=body: orjson.loads(body), len(body), args.repeat)
        print(f"{name:<26}{len(body):>8}{ours:>15.2f}{bare:>11.2f}{ours - bare:>10.2f}")


if __name__ == "__main__":
    main()
