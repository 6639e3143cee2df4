"""The three-method runtime interface agent code is written against, and the factory that picks
the provider from one setting. Both providers speak RunLoop's devbox API, so one implementation
serves both: only the base URL and the key differ."""

import os
from dataclasses import dataclass

from .devboxes import DevboxClient

PROVIDERS = {
    # provider: (base URL variable, default base URL, key variable)
    "runloop": ("RUNLOOP_BASE_URL", "https://api.runloop.ai", "RUNLOOP_API_KEY"),
    "era": ("ERA_URL", "http://127.0.0.1:7878", "ERA_API_KEY"),
}
SETTING = "RUNTIME_PROVIDER"


@dataclass
class CommandResult:
    exit_code: int
    stdout: str
    stderr: str


class Runtime:
    """What agent code needs of a sandbox: ``connect``, ``run_command``, ``upload_file``."""

    def connect(self):
        raise NotImplementedError

    def run_command(self, command, on_output=None):
        raise NotImplementedError

    def upload_file(self, local_path, remote_path):
        raise NotImplementedError


class DevboxRuntime(Runtime):
    """A runtime on one devbox: ``connect`` creates it (or attaches to ``devbox_id``) and waits until it runs."""

    def __init__(self, client, devbox_id=None, name=None, shell_name="agent"):
        self.client = client
        self.devbox_id = devbox_id
        self._created = False
        self.name = name
        # one named shell: cd and export carry over from one command to the next, as in a terminal
        self.shell_name = shell_name

    @property
    def base_url(self):
        return self.client.http.base_url

    def connect(self):
        if self.devbox_id:
            self.client.await_status(self.devbox_id, "running", ["running", "failure", "shutdown"])
        else:
            self.devbox_id = self.client.create(name=self.name)["id"]
            self._created = True
        return self

    def run_command(self, command, on_output=None):
        r = self.client.execute(self.devbox_id, command, shell_name=self.shell_name, on_stdout=on_output,
                                on_stderr=on_output)
        return CommandResult(r.get("exit_status"), r.get("stdout") or "", r.get("stderr") or "")

    def upload_file(self, local_path, remote_path):
        with open(local_path, "rb") as f:
            self.client.upload_file(self.devbox_id, remote_path, f)

    def close(self):
        """Shuts the devbox down (unless it was attached to by id) and closes the connection."""
        if self.devbox_id and self._created:
            self.client.shutdown(self.devbox_id)
            self.devbox_id = None
        self.client.close()


def create_runtime(provider=None, env=None, **options):
    """The runtime of the provider named by ``provider`` or, when None, by the ``RUNTIME_PROVIDER``
    setting ("runloop" or "era", default "era"). The provider's base URL and key come from its own
    variables (RUNLOOP_BASE_URL/RUNLOOP_API_KEY or ERA_URL/ERA_API_KEY)."""
    env = os.environ if env is None else env
    name = (provider or env.get(SETTING) or "era").strip().lower()
    if name not in PROVIDERS:
        raise ValueError(f"{SETTING} must be one of {', '.join(sorted(PROVIDERS))}, not {name!r}")
    url_var, default_url, key_var = PROVIDERS[name]
    return DevboxRuntime(DevboxClient(env.get(url_var) or default_url, env.get(key_var, "")), **options)
