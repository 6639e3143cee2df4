"""HTTP/1.1 with the standard library only: TCP (http, https) or ERA's Unix socket, JSON bodies,
streamed bodies, multipart uploads and Server-Sent Events."""

import http.client
import json
import socket
import threading
import uuid
from urllib.parse import quote, urlencode, urlsplit, unquote


class ApiError(Exception):
    """A 4xx/5xx answer. ERA's errors carry ``code``, ``message`` and ``details``; RunLoop's a message."""

    def __init__(self, status, code, message, details=None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self._path)
        self.sock = s


class Http:
    """One base URL and API key. ``unix:///path/to/era.sock`` talks to a daemon's socket (no key
    needed); ``http://`` and ``https://`` use TCP with ``Authorization: Bearer <key>``. Each thread
    keeps one persistent connection."""

    def __init__(self, base_url, api_key="", timeout=600.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        parts = urlsplit(self.base_url)
        self._scheme = parts.scheme
        if parts.scheme == "unix":
            self._socket = unquote(parts.path)
            self._prefix = ""
        elif parts.scheme in ("http", "https"):
            self._host = parts.hostname
            self._port = parts.port
            self._prefix = parts.path
        else:
            raise ValueError(f"base URL must start with http://, https:// or unix://, not {base_url!r}")
        self._local = threading.local()

    def _connection(self):
        c = getattr(self._local, "connection", None)
        if c is None:
            if self._scheme == "unix":
                c = _UnixConnection(self._socket, self.timeout)
            elif self._scheme == "https":
                c = http.client.HTTPSConnection(self._host, self._port, timeout=self.timeout)
            else:
                c = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
            self._local.connection = c
        return c

    def close(self):
        """Closes this thread's connection (a later call opens a new one)."""
        self._drop()

    def _drop(self):
        c = getattr(self._local, "connection", None)
        if c is not None:
            c.close()
        self._local.connection = None

    def open(self, method, path, query=None, json_body=None, body=None, headers=None):
        """Sends a request and returns the open response (read it, or iterate it for a stream)."""
        target = self._prefix + quote(path, safe="/:@-._~")
        if query:
            target += "?" + urlencode({k: v for k, v in query.items() if v is not None})
        h = {"Accept": "application/json"}
        if self.api_key and self._scheme != "unix":
            h["Authorization"] = "Bearer " + self.api_key
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        for attempt in (0, 1):
            c = self._connection()
            try:
                c.request(method, target, body=body, headers=h)
                response = c.getresponse()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # a kept-alive connection the server closed while idle: once more on a fresh one
                self._drop()
                if attempt == 1 or (body is not None and hasattr(body, "read")):
                    raise
        if response.status >= 400:
            raise self._error(response)
        return response

    def call(self, method, path, query=None, json_body=None, body=None, headers=None):
        """A request whose answer is JSON (or nothing)."""
        response = self.open(method, path, query, json_body, body, headers)
        data = response.read()
        if not data:
            return None
        if response.getheader("Content-Type", "").startswith("application/json"):
            return json.loads(data)
        return data

    def _error(self, response):
        data = response.read()
        try:
            e = json.loads(data)
        except ValueError:
            return ApiError(response.status, "http_" + str(response.status), data.decode("utf-8", "replace"))
        if isinstance(e, dict):
            code = e.get("error") if isinstance(e.get("error"), str) else str(e.get("code", response.status))
            return ApiError(response.status, code, e.get("message", str(e)), e.get("details"))
        return ApiError(response.status, str(response.status), str(e))

    def multipart(self, path, fields, file_field, file_name, stream, size):
        """POSTs form ``fields`` and one file, streaming the file from ``stream`` (``size`` bytes)."""
        boundary = "----era" + uuid.uuid4().hex
        head = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode("utf-8")
            for k, v in fields.items())
        head += (f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{file_name}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n").encode("utf-8")
        tail = f"\r\n--{boundary}--\r\n".encode("utf-8")
        body = _Chain([head, stream, tail])
        headers = {"Content-Type": "multipart/form-data; boundary=" + boundary,
                   "Content-Length": str(len(head) + size + len(tail))}
        response = self.open("POST", path, body=body, headers=headers)
        data = response.read()
        return json.loads(data) if data else None


class _Chain:
    """Bytes and file objects read one after another, for http.client to send without buffering."""

    def __init__(self, parts):
        self._parts = list(parts)

    def read(self, n=65536):
        while self._parts:
            p = self._parts[0]
            if isinstance(p, (bytes, bytearray)):
                self._parts.pop(0)
                if p:
                    return bytes(p)
                continue
            chunk = p.read(n)
            if chunk:
                return chunk
            self._parts.pop(0)
        return b""


def sse(response):
    """Yields ``(event, data)`` for each Server-Sent Event of a streamed response; comments are skipped."""
    event, data = None, []
    while True:
        raw = response.readline()
        if not raw:
            return
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line:
            if data:
                yield event or "message", "\n".join(data)
            event, data = None, []
        elif line.startswith(":"):
            continue
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)


def file_size(f):
    """Bytes left in a seekable file object."""
    here = f.tell()
    end = f.seek(0, 2)
    f.seek(here)
    return end - here
