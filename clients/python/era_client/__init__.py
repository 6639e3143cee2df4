"""ERA's Python client, standard library only.

* ``EraClient``: ERA's own sandbox API (over TCP with a key, or the daemon's Unix socket).
* ``DevboxClient``: RunLoop's devbox API, which ERA also serves: the same code talks to both.
* ``create_runtime``: the three-method runtime interface (connect, run_command, upload_file), with
  the provider ("runloop" or "era") chosen by one setting, RUNTIME_PROVIDER.
"""

from .devboxes import DevboxClient
from .http import ApiError
from .runtime import CommandResult, DevboxRuntime, Runtime, create_runtime
from .sandboxes import EraClient, ExecResult, Sandbox

__all__ = ["ApiError", "CommandResult", "DevboxClient", "DevboxRuntime", "EraClient", "ExecResult", "Runtime",
           "Sandbox", "create_runtime"]
