"""ERA's own sandbox API (/sandboxes): create, exec (streamed through SSE), files, suspend/resume, snapshots."""

import base64
import json
from dataclasses import dataclass

from .http import Http, file_size, sse


@dataclass
class ExecResult:
    exit_code: int
    stdout: str
    stderr: str
    status: str
    execution_id: str


class Sandbox:
    """A handle on one sandbox; every method is a call to the daemon."""

    def __init__(self, client, view):
        self._client = client
        self.id = view["id"]
        self.view = view

    @property
    def state(self):
        return self.view["state"]

    def refresh(self):
        self.view = self._client.http.call("GET", f"/sandboxes/{self.id}")
        return self

    def exec(self, command, shell=None, env=None, working_dir=None, timeout=None, on_stdout=None, on_stderr=None):
        """Runs ``command`` (a string for bash, or an argv list) to its end. With ``on_stdout`` or
        ``on_stderr`` the output is streamed live to them (as text) through Server-Sent Events."""
        body = {"command": command}
        if shell:
            body["shell"] = shell
        if env:
            body["env"] = env
        if working_dir:
            body["workingDir"] = working_dir
        if timeout is not None:
            body["timeout"] = f"{int(timeout * 1000)}ms"
        http = self._client.http
        if on_stdout is None and on_stderr is None:
            return _result(http.call("POST", f"/sandboxes/{self.id}/exec", json_body=body))
        started = http.call("POST", f"/sandboxes/{self.id}/executions", json_body=body)
        eid = started["executionId"]
        stream = http.open("GET", f"/sandboxes/{self.id}/executions/{eid}/stream",
                           headers={"Accept": "text/event-stream"})
        try:
            for event, data in sse(stream):
                if event in ("stdout", "stderr"):
                    chunk = json.loads(data)
                    text = chunk["data"] if "data" in chunk else base64.b64decode(chunk["base64"]).decode(
                        "utf-8", "replace")
                    sink = on_stdout if event == "stdout" else on_stderr
                    if sink:
                        sink(text)
                elif event == "status":
                    break
        finally:
            stream.close()
            # the stream's connection is spent: the next call opens a fresh one
            http._drop()
        return self.wait(eid)

    def exec_async(self, command, shell=None):
        body = {"command": command}
        if shell:
            body["shell"] = shell
        return self._client.http.call("POST", f"/sandboxes/{self.id}/executions", json_body=body)["executionId"]

    def wait(self, execution_id, timeout=600):
        while True:
            e = self._client.http.call("POST", f"/sandboxes/{self.id}/executions/{execution_id}/wait",
                                       query={"timeout": f"{min(timeout, 60)}s"})
            if e["status"] != "running":
                return _result(e)

    def kill(self, execution_id):
        return _result(self._client.http.call("POST", f"/sandboxes/{self.id}/executions/{execution_id}/kill"))

    def upload(self, path, source):
        """Writes ``source`` (bytes or a binary file object, streamed) to ``path`` in the sandbox."""
        if isinstance(source, (bytes, bytearray)):
            body, size = bytes(source), len(source)
        else:
            body, size = source, file_size(source)
        return self._client.http.call("PUT", f"/sandboxes/{self.id}/files/content", query={"path": path}, body=body,
                                      headers={"Content-Type": "application/octet-stream",
                                               "Content-Length": str(size)})

    def download(self, path, target=None):
        """The file's bytes, or with ``target`` (a binary file object) streamed into it."""
        response = self._client.http.open("GET", f"/sandboxes/{self.id}/files/content", query={"path": path},
                                          headers={"Accept": "application/octet-stream"})
        if target is None:
            return response.read()
        while True:
            chunk = response.read(1 << 16)
            if not chunk:
                return None
            target.write(chunk)

    def suspend(self):
        self.view = self._client.http.call("POST", f"/sandboxes/{self.id}/suspend")
        return self

    def resume(self):
        self.view = self._client.http.call("POST", f"/sandboxes/{self.id}/resume")
        return self

    def snapshot(self, name=""):
        return self._client.http.call("POST", f"/sandboxes/{self.id}/snapshots", json_body={"name": name})

    def delete(self):
        self.view = self._client.http.call("DELETE", f"/sandboxes/{self.id}")
        return self


def _result(e):
    return ExecResult(e.get("exitCode", -1), e.get("stdout", ""), e.get("stderr", ""), e["status"], e["executionId"])


class EraClient:
    """ERA's native API. ``EraClient("unix:///home/me/.local/share/era/era.sock")`` needs no key;
    ``EraClient("http://127.0.0.1:7878", api_key)`` uses TCP."""

    def __init__(self, base_url, api_key=""):
        self.http = Http(base_url, api_key)

    def close(self):
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def create(self, name=None, env=None, labels=None, network=None, from_snapshot=None, idle_timeout=None,
               resources=None):
        body = {}
        for key, value in (("name", name), ("env", env), ("labels", labels), ("network", network),
                           ("fromSnapshot", from_snapshot), ("resources", resources)):
            if value:
                body[key] = value
        if idle_timeout:
            body["idleTimeout"] = f"{int(idle_timeout)}s"
        return Sandbox(self, self.http.call("POST", "/sandboxes", json_body=body))

    def get(self, sandbox_id):
        return Sandbox(self, self.http.call("GET", f"/sandboxes/{sandbox_id}"))

    def list(self):
        return [Sandbox(self, v) for v in self.http.call("GET", "/sandboxes")["sandboxes"]]

    def snapshots(self):
        return self.http.call("GET", "/snapshots")["snapshots"]

    def delete_snapshot(self, snapshot_id):
        self.http.call("DELETE", f"/snapshots/{snapshot_id}")
