import os

from support import KEY, URL, DaemonTest

from era_client import ApiError, DevboxClient


class DevboxesTest(DaemonTest):
    """RunLoop's wire API, spoken by the same client that talks to api.runloop.ai."""

    def setUp(self):
        self.client = DevboxClient(URL, KEY)
        self.addCleanup(self.client.close)
        self.devbox = self.client.create(name="python devbox", metadata={"suite": "python"})
        self.addCleanup(self._shutdown, self.devbox["id"])

    def _shutdown(self, devbox_id):
        try:
            self.client.shutdown(devbox_id)
        except ApiError:
            pass

    def test_a_created_devbox_runs_and_is_listed(self):
        self.assertEqual(self.devbox["status"], "running")
        self.assertEqual(self.devbox["metadata"], {"suite": "python"})
        self.assertIn(self.devbox["id"], [d["id"] for d in self.client.list(page_size=1)])

    def test_execute_streams_and_named_shells_keep_state(self):
        chunks = []
        r = self.client.execute(self.devbox["id"], "cd /tmp && export X=7; echo a; sleep 0.2; echo b",
                                shell_name="s1", on_stdout=chunks.append)
        self.assertEqual((r["exit_status"], "".join(chunks)), (0, "a\nb\n"))
        again = self.client.execute(self.devbox["id"], "pwd; echo $X", shell_name="s1")
        self.assertEqual(again["stdout"], "/tmp\n7\n")

    def test_an_async_command_is_killed(self):
        e = self.client.execute_async(self.devbox["id"], "sleep 60")
        killed = self.client.kill(self.devbox["id"], e["execution_id"])
        self.assertEqual(killed["status"], "completed")
        self.assertNotEqual(killed["exit_status"], 0)

    def test_files_text_and_binary(self):
        d = self.devbox["id"]
        self.client.write_file(d, "/workspace/t.txt", "h\u00e9")
        self.assertEqual(self.client.read_file(d, "/workspace/t.txt"), "h\u00e9")
        data = os.urandom(2 << 20)
        self.client.upload_file(d, "/workspace/b.bin", data)
        self.assertEqual(self.client.download_file(d, "/workspace/b.bin"), data)

    def test_suspend_resume_and_a_snapshot_keep_the_workspace(self):
        d = self.devbox["id"]
        self.client.write_file(d, "/workspace/keep.txt", "v1")
        self.assertEqual(self.client.suspend(d)["status"], "suspended")
        self.assertEqual(self.client.resume(d)["status"], "running")
        snapshot = self.client.snapshot_disk(d, name="py-snap")
        self.addCleanup(self.client.delete_snapshot, snapshot["id"])
        copy = self.client.create(snapshot_id=snapshot["id"])
        self.addCleanup(self._shutdown, copy["id"])
        self.assertEqual(self.client.read_file(copy["id"], "/workspace/keep.txt"), "v1")
