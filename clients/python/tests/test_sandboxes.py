import io
import os
import time

from support import KEY, SOCKET, URL, DaemonTest

from era_client import ApiError, EraClient


class SandboxesTest(DaemonTest):
    def setUp(self):
        self.era = EraClient(URL, KEY)
        self.addCleanup(self.era.close)
        self.box = self.era.create(labels={"suite": "python"})
        self.addCleanup(self._delete)

    def _delete(self):
        try:
            self.box.delete()
        except ApiError:
            pass

    def test_exec_returns_exit_code_and_output(self):
        r = self.box.exec("echo out; echo err >&2; exit 3")
        self.assertEqual((r.exit_code, r.stdout, r.stderr), (3, "out\n", "err\n"))

    def test_exec_streams_output_while_the_command_runs(self):
        seen = []
        r = self.box.exec("for i in 1 2 3; do echo line $i; sleep 0.3; done; echo bye >&2",
                          on_stdout=lambda t: seen.append((time.monotonic(), t)), on_stderr=lambda t: None)
        end = time.monotonic()
        self.assertEqual("".join(t for _, t in seen), "line 1\nline 2\nline 3\n")
        self.assertGreater(end - seen[0][0], 0.4, "the first line only came at the end: not streamed")
        self.assertEqual(r.exit_code, 0)

    def test_files_go_up_and_come_down_byte_for_byte(self):
        data = os.urandom(3 << 20)
        self.box.upload("/workspace/blob.bin", io.BytesIO(data))
        self.assertEqual(self.box.download("/workspace/blob.bin"), data)
        sink = io.BytesIO()
        self.box.download("/workspace/blob.bin", sink)
        self.assertEqual(sink.getvalue(), data)

    def test_the_workspace_survives_suspend_and_resume(self):
        self.box.upload("/workspace/kept.txt", b"still here")
        self.assertEqual(self.box.suspend().state, "SUSPENDED")
        self.assertEqual(self.box.resume().state, "RUNNING")
        self.assertEqual(self.box.exec("cat /workspace/kept.txt").stdout, "still here")

    def test_a_killed_command_ends(self):
        eid = self.box.exec_async("sleep 60")
        r = self.box.kill(eid)
        self.assertEqual(r.status, "killed")

    def test_the_unix_socket_needs_no_key(self):
        if not SOCKET:
            self.fail("set ERA_SOCKET to the daemon's era.sock")
        local = EraClient("unix://" + SOCKET)
        self.addCleanup(local.close)
        self.assertIn(self.box.id, [s.id for s in local.list()])
        self.assertEqual(local.get(self.box.id).exec("echo via socket").stdout, "via socket\n")

    def test_a_deleted_sandbox_is_gone(self):
        self.box.delete()
        with self.assertRaises(ApiError) as e:
            self.era.get(self.box.id)
        self.assertEqual(e.exception.status, 404)
