"""moto's server, with each DynamoDB request handled atomically.

Real DynamoDB evaluates a condition expression and applies the write as one step. moto's
DynamoDB backend has no lock, and its server handles requests on threads, so two conditional
creates racing each other can both succeed there. Serialising DynamoDB requests (and nothing
else: SQS long polls keep their own threads) gives the tests DynamoDB's per-request atomicity.
"""

import sys
import threading

from moto.dynamodb.responses import DynamoHandler
from moto.server import main

_lock = threading.Lock()
_call_action = DynamoHandler.call_action


def _atomic_call_action(self):
    with _lock:
        return _call_action(self)


DynamoHandler.call_action = _atomic_call_action

if __name__ == "__main__":
    main(sys.argv[1:])
