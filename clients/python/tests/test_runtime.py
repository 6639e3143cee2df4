import os
import tempfile

from support import KEY, URL, DaemonTest

from era_client import create_runtime


def agent_step(runtime, local_file):
    """Agent code as it is written against the interface: it never learns which provider it has."""
    runtime.connect()
    runtime.upload_file(local_file, "/workspace/task.txt")
    runtime.run_command("mkdir -p /workspace/out && cd /workspace/out")
    return runtime.run_command("pwd; wc -c < /workspace/task.txt")


class RuntimeFactoryTest(DaemonTest):
    def setUp(self):
        fd, self.local = tempfile.mkstemp()
        os.write(fd, b"x" * 1234)
        os.close(fd)
        self.addCleanup(os.remove, self.local)

    def run_agent(self, env):
        runtime = create_runtime(env=env)
        try:
            return runtime, agent_step(runtime, self.local)
        finally:
            runtime.close()

    def test_era_is_picked_by_the_setting(self):
        runtime, result = self.run_agent({"RUNTIME_PROVIDER": "era", "ERA_URL": URL, "ERA_API_KEY": KEY})
        self.assertEqual(runtime.base_url, URL)
        self.assertEqual((result.exit_code, result.stdout), (0, "/workspace/out\n1234\n"))

    def test_runloop_is_picked_by_the_same_setting_and_its_client_speaks_to_era_unchanged(self):
        self.assertEqual(create_runtime(env={"RUNTIME_PROVIDER": "runloop"}).base_url, "https://api.runloop.ai")
        # the very same RunLoop provider, pointed at ERA the way RunLoop's own SDKs are (RUNLOOP_BASE_URL)
        runtime, result = self.run_agent({"RUNTIME_PROVIDER": "runloop", "RUNLOOP_BASE_URL": URL,
                                          "RUNLOOP_API_KEY": KEY})
        self.assertEqual(runtime.base_url, URL)
        self.assertEqual((result.exit_code, result.stdout), (0, "/workspace/out\n1234\n"))

    def test_output_can_be_followed_live(self):
        runtime = create_runtime(env={"RUNTIME_PROVIDER": "era", "ERA_URL": URL, "ERA_API_KEY": KEY}).connect()
        self.addCleanup(runtime.close)
        seen = []
        result = runtime.run_command("echo one; echo two >&2", on_output=seen.append)
        self.assertEqual(sorted("".join(seen).split()), ["one", "two"])
        self.assertEqual(result.exit_code, 0)

    def test_an_unknown_provider_is_refused_by_name(self):
        with self.assertRaisesRegex(ValueError, "RUNTIME_PROVIDER must be one of era, runloop"):
            create_runtime(env={"RUNTIME_PROVIDER": "e2b"})
