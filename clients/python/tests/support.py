"""Where the daemon under test is: ERA_URL and ERA_API_KEY (and ERA_SOCKET for the Unix socket).
The tests run against a real daemon; without one they fail and say what to set."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

URL = os.environ.get("ERA_URL", "")
KEY = os.environ.get("ERA_API_KEY", "")
SOCKET = os.environ.get("ERA_SOCKET", "")


class DaemonTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not URL or not KEY:
            raise RuntimeError("set ERA_URL and ERA_API_KEY to a running daemon (era serve prints the key at its "
                               "first start); era-daemon's CompatClientsTest does this for ./mvnw verify")
