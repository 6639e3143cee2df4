"""RunLoop's devbox API (/v1/devboxes), which RunLoop serves and ERA serves too: the same calls
work against https://api.runloop.ai with a RunLoop key and against an ERA daemon with an ERA key."""

import json
import os
import threading
import time

from .http import ApiError, Http, file_size, sse

RUNNING_OR_DONE = ["running", "failure", "shutdown"]


class DevboxClient:
    def __init__(self, base_url, api_key):
        self.http = Http(base_url, api_key)

    def close(self):
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- devboxes ------------------------------------------------------------------------------

    def create(self, name=None, environment_variables=None, metadata=None, snapshot_id=None,
               launch_parameters=None):
        """Creates a devbox and waits until it runs; returns its view (a dict)."""
        body = {k: v for k, v in (("name", name), ("environment_variables", environment_variables),
                                  ("metadata", metadata), ("snapshot_id", snapshot_id),
                                  ("launch_parameters", launch_parameters)) if v}
        devbox = self.http.call("POST", "/v1/devboxes", json_body=body)
        return self.await_status(devbox["id"], "running", RUNNING_OR_DONE)

    def retrieve(self, devbox_id):
        return self.http.call("GET", f"/v1/devboxes/{devbox_id}")

    def list(self, status=None, page_size=50):
        """Every devbox, page by page (the API's cursor is the last id of a page)."""
        after = None
        while True:
            page = self.http.call("GET", "/v1/devboxes", query={"limit": page_size, "starting_after": after,
                                                               "status": status})
            yield from page["devboxes"]
            if not page["has_more"] or not page["devboxes"]:
                return
            after = page["devboxes"][-1]["id"]

    def await_status(self, devbox_id, wanted, stop_at, timeout=300):
        """Long-polls wait_for_status (the server holds each call up to 25 s, then answers 408)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                devbox = self.http.call("POST", f"/v1/devboxes/{devbox_id}/wait_for_status",
                                        json_body={"statuses": stop_at})
            except ApiError as e:
                if e.status != 408 or time.monotonic() > deadline:
                    raise
                continue
            if devbox["status"] != wanted:
                raise ApiError(409, "unexpected_status", f"devbox {devbox_id} is {devbox['status']}, not {wanted}")
            return devbox

    def suspend(self, devbox_id):
        self.http.call("POST", f"/v1/devboxes/{devbox_id}/suspend")
        return self.await_status(devbox_id, "suspended", ["suspended", "failure", "shutdown"])

    def resume(self, devbox_id):
        self.http.call("POST", f"/v1/devboxes/{devbox_id}/resume")
        return self.await_status(devbox_id, "running", RUNNING_OR_DONE)

    def shutdown(self, devbox_id):
        return self.http.call("POST", f"/v1/devboxes/{devbox_id}/shutdown")

    # ---- commands ------------------------------------------------------------------------------

    def execute(self, devbox_id, command, shell_name=None, on_stdout=None, on_stderr=None):
        """Runs a command to its end: ``{"exit_status", "stdout", "stderr", ...}``. With ``on_stdout``
        or ``on_stderr`` the output reaches them live, through the SSE output streams."""
        body = {"command": command}
        if shell_name:
            body["shell_name"] = shell_name
        if on_stdout is None and on_stderr is None:
            execution = self.http.call("POST", f"/v1/devboxes/{devbox_id}/execute", json_body=body)
            return self.await_execution(devbox_id, execution)
        execution = self.http.call("POST", f"/v1/devboxes/{devbox_id}/execute_async", json_body=body)
        eid = execution["execution_id"]
        # each stream on its own thread (and so its own connection), as the two arrive independently
        threads = [threading.Thread(target=self._follow, args=(devbox_id, eid, stream, sink), daemon=True)
                   for stream, sink in (("stdout", on_stdout), ("stderr", on_stderr)) if sink]
        for t in threads:
            t.start()
        result = self.await_execution(devbox_id, execution)
        for t in threads:
            t.join(60)
        return result

    def _follow(self, devbox_id, execution_id, stream, sink):
        response = self.http.open("GET", f"/v1/devboxes/{devbox_id}/executions/{execution_id}/stream_{stream}_updates",
                                  query={"offset": "0"}, headers={"Accept": "text/event-stream"})
        try:
            for _, data in sse(response):
                sink(json.loads(data)["output"])
        finally:
            response.close()
            self.http._drop()

    def execute_async(self, devbox_id, command, shell_name=None):
        body = {"command": command}
        if shell_name:
            body["shell_name"] = shell_name
        return self.http.call("POST", f"/v1/devboxes/{devbox_id}/execute_async", json_body=body)

    def await_execution(self, devbox_id, execution, timeout=3600):
        deadline = time.monotonic() + timeout
        while execution["status"] != "completed":
            try:
                execution = self.http.call(
                    "POST", f"/v1/devboxes/{devbox_id}/executions/{execution['execution_id']}/wait_for_status",
                    json_body={"statuses": ["completed"]})
            except ApiError as e:
                if e.status != 408 or time.monotonic() > deadline:
                    raise
        return execution

    def kill(self, devbox_id, execution_id):
        return self.http.call("POST", f"/v1/devboxes/{devbox_id}/executions/{execution_id}/kill", json_body={})

    # ---- files ---------------------------------------------------------------------------------

    def write_file(self, devbox_id, path, text):
        return self.http.call("POST", f"/v1/devboxes/{devbox_id}/write_file_contents",
                              json_body={"file_path": path, "contents": text})

    def read_file(self, devbox_id, path):
        data = self.http.call("POST", f"/v1/devboxes/{devbox_id}/read_file_contents", json_body={"file_path": path},
                              headers={"Accept": "text/plain"})
        return data.decode("utf-8") if isinstance(data, bytes) else data

    def upload_file(self, devbox_id, path, source):
        """Multipart upload of bytes or a binary file object (streamed, not read into memory)."""
        if isinstance(source, (bytes, bytearray)):
            import io
            source = io.BytesIO(bytes(source))
        return self.http.multipart(f"/v1/devboxes/{devbox_id}/upload_file", {"path": path}, "file",
                                   os.path.basename(path) or "file", source, file_size(source))

    def download_file(self, devbox_id, path):
        return self.http.open("POST", f"/v1/devboxes/{devbox_id}/download_file", json_body={"path": path},
                              headers={"Accept": "application/octet-stream"}).read()

    # ---- snapshots -----------------------------------------------------------------------------

    def snapshot_disk(self, devbox_id, name=None, timeout=600):
        """Snapshots the disk and waits until the snapshot is complete; returns its view."""
        snapshot = self.http.call("POST", f"/v1/devboxes/{devbox_id}/snapshot_disk_async",
                                  json_body={"name": name} if name else {})
        deadline = time.monotonic() + timeout
        while True:
            status = self.http.call("GET", f"/v1/devboxes/disk_snapshots/{snapshot['id']}/status")
            if status["status"] == "complete":
                return status["snapshot"]
            if status["status"] != "in_progress" or time.monotonic() > deadline:
                raise ApiError(409, "snapshot_" + status["status"], status.get("error_message") or "not complete")
            time.sleep(0.05)

    def delete_snapshot(self, snapshot_id):
        return self.http.call("POST", f"/v1/devboxes/disk_snapshots/{snapshot_id}/delete")
