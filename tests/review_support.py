"""Helpers for the review tests: a small generated run on the fixture graph, the review server
as a real process on a real socket, and headless Chromium (Debian's, through Selenium)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from generate.ledger import read_jsonl
from generate.llm.offline import OfflineClient
from generate.plan import RunConfig
from generate.run import Runner, RunOptions
from kg.settings import Settings
from kg.store import open_store
from tests import ports
from tests.gen_graph import DBG, make_store
from validate.api import Validator

REPO = Path(__file__).resolve().parent.parent


def make_run(
    tmp: Path, *, count: int = 8, seed: int = 3, name: str = "run.jsonl", settings: Settings | None = None
) -> tuple[Settings, Path]:
    """A graph (the generation fixture) and an offline run of ``count`` examples on it."""
    settings = settings or make_store(tmp / "graph")
    out = tmp / name
    config = RunConfig(version=DBG, count=count, seed=seed)
    with open_store(settings) as store:
        Runner(store, config, OfflineClient(), RunOptions(out=out), Validator(store, settings, compile=False)).run()
    assert len(list(read_jsonl(out))) == count
    return settings, out


def cli_env(settings: Settings, home: Path) -> dict[str, str]:
    env = {**os.environ, "OOTKG_DB": str(settings.db), "OOTKG_REVIEW_DIR": str(home), "PYTHONPATH": str(REPO)}
    env.pop("OOTKG_DECOMP", None)
    return env


def add_reviewer(settings: Settings, home: Path, name: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "ootkg", "review", "add-reviewer", name],
        env=cli_env(settings, home),
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def ootkg(settings: Settings, home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ootkg", *args], env=cli_env(settings, home), capture_output=True, text=True
    )


class Server:
    """``ootkg review serve RUN`` in its own process."""

    def __init__(
        self, settings: Settings, home: Path, run: Path, *, decomp: Path | None = None, graph: bool = True
    ) -> None:
        for _ in range(ports.ATTEMPTS):  # again on another port if this one was taken
            self.port = ports.free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            args = [sys.executable, "-m", "ootkg", "review", "serve", str(run), "--port", str(self.port)]
            if decomp:
                args += ["--decomp", str(decomp)]
            if not graph:
                args.append("--no-graph")
            self.log = tempfile.NamedTemporaryFile(prefix="review-serve-", suffix=".log", delete=False)
            self.proc = subprocess.Popen(args, env=cli_env(settings, home), stdout=self.log, stderr=subprocess.STDOUT)
            if self._answers():
                return
        raise RuntimeError(f"the server found no free port: {self.output()}")

    def _answers(self) -> bool:
        """True once this server answers on its port; False if the port was taken."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                if ports.bind_failed(self.output()):
                    return False
                raise RuntimeError(f"the server exited: {self.output()}")
            try:  # (another process may answer on the port until ours fails to bind it)
                if (
                    httpx.get(self.url + "/healthz", timeout=1).status_code == 200
                    and ports.listens(self.proc.pid, self.port) is not False
                ):
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"the server did not answer: {self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> str:
        """Ctrl-C, as a person stops it (it then syncs Review nodes to the graph)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout=60)
        return self.output()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


def chromium() -> tuple[str, str] | str:
    """(browser, driver) paths, or why there are none."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        return (
            "Debian's chromium and chromium-driver are not installed (apt-get install "
            "chromium chromium-driver; .ci/run installs them)"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return browser, driver


def driver(profile: Path):  # noqa: ANN201 - selenium's type, imported lazily
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = chromium()
    assert isinstance(found, tuple), found
    browser, drv = found
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1400,1000",
    ):
        opts.add_argument(flag)
    return webdriver.Chrome(service=Service(drv), options=opts)
