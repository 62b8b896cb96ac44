"""Real servers a test can start, stop and restart: the gateway under uvicorn or as its own process, a
redis-server, a TCP relay."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from pydantic_settings import NoDecode

import auth
from gateway import Settings, create_app
from gateway.serve import server_config


@contextlib.asynccontextmanager
async def running_gateway(
    settings: Settings, *, clock: auth.Clock | None = None, mailer: auth.Mailer | None = None
) -> AsyncIterator[str]:
    """Serve ``create_app(settings, clock=, mailer=)`` with uvicorn on an ephemeral loopback port.

    Yields:
        Its base URL.
    """
    app = create_app(settings, clock=clock, mailer=mailer)
    async with serving(uvicorn.Server(server_config(app, host="127.0.0.1", port=0))) as port:
        yield f"http://127.0.0.1:{port}"


@contextlib.asynccontextmanager
async def serving(server: uvicorn.Server) -> AsyncIterator[int]:
    """Run a configured uvicorn server (port 0) until the block ends.

    Yields:
        The port it listens on.
    """
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(20):
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("server stopped during start-up")
            await asyncio.sleep(0.02)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await task


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A throw-away Debian redis-server on a fixed loopback port; restartable with its data kept.

    Args:
        appendonly: Persist with an append-only file in ``folder`` (as production runs it); default none.
    """

    def __init__(self, *, appendonly: bool = False) -> None:
        self.port = free_port()
        self.appendonly = appendonly
        self.folder = tempfile.mkdtemp(prefix="portal-redis-")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed (scripts/bootstrap.sh installs it)"
        persistence = (
            ["--appendonly", "yes", "--appendfsync", "everysec"]
            if self.appendonly
            else ["--appendonly", "no"]
        )
        args = [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--dir", self.folder]
        self._process = subprocess.Popen(  # noqa: S603, ASYNC220 - fixed arguments; starts in milliseconds
            args + persistence,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        async with asyncio.timeout(10):
            while True:
                with contextlib.suppress(OSError):
                    _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                    writer.close()
                    return
                await asyncio.sleep(0.05)

    async def stop(self) -> None:
        """SIGTERM: Redis shuts down cleanly and fsyncs the AOF, as a service manager would stop it."""
        if self._process is not None:
            self._process.terminate()
            await asyncio.to_thread(self._process.wait, 10)
            self._process = None

    async def close(self) -> None:
        await self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class TcpRelay:
    """Forwards a loopback port to a target; ``stop`` cuts it (refused connections), ``start`` restores it.

    Lets a test take the real HAPI server away from the gateway and give it back without restarting HAPI.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.connections = 0
        self.holding = False

    def relayed(self, url: str) -> str:
        """``url`` (the target's, e.g. the FHIR base) as reached through this relay."""
        return str(httpx.URL(url).copy_with(host="127.0.0.1", port=self.port))

    def hold(self, holding: bool = True) -> None:
        """Fault injection: accept new connections but never answer (an EHR that hangs), or forward again."""
        self.holding = holding

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()
            self._server = None

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self.holding:
            self._writers.add(client_writer)
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while await client_reader.read(65536):
                    pass
            client_writer.close()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.close()
            return
        self._writers |= {client_writer, upstream_writer}

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            writer.close()

        await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))
        self._writers -= {client_writer, upstream_writer}


def settings_environment(settings: Settings) -> dict[str, str]:
    """``settings`` as the ``PORTAL_*`` environment that makes a gateway process read the same values."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        plain = any(m is NoDecode for m in type(settings).model_fields[name].metadata)
        if isinstance(value, list | tuple) and plain:
            text = ",".join(str(item) for item in value)  # a field that reads comma-separated text
        elif isinstance(value, list | tuple | dict):
            text = json.dumps(value, default=str)  # how pydantic-settings reads complex values
        else:
            text = str(value).lower() if isinstance(value, bool) else str(value)
        env[f"PORTAL_{name.upper()}"] = text
    return env


@dataclass(frozen=True)
class GatewayProcess:
    """A gateway running as its own OS process: its base URL, its pid (a test may kill it) and its log."""

    url: str
    pid: int
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextlib.asynccontextmanager
async def gateway_process(settings: Settings, *, workers: int = 1) -> AsyncIterator[GatewayProcess]:
    """A second gateway as its own OS process (``python -m gateway serve``) with ``settings``.

    It shares nothing with the test process but Redis, HAPI and the SMTP server, as a second worker or host
    behind a load balancer would. Its log goes to a temporary file, shown when it fails to start.

    Yields:
        Its base URL and pid.
    """
    port = free_port()
    env = {
        **os.environ,
        **settings_environment(settings),
        "PORTAL_HOST": "127.0.0.1",
        "PORTAL_PORT": str(port),
    }
    log = tempfile.NamedTemporaryFile(prefix="portal-gateway-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603, ASYNC220 - our own module with fixed arguments
        [sys.executable, "-m", "gateway", "serve", "--workers", str(workers)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=2) as client, asyncio.timeout(60):
            while True:
                if process.poll() is not None:
                    output = await asyncio.to_thread(Path(log.name).read_text)
                    raise RuntimeError(f"gateway process exited: {output[-2000:]}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
        yield GatewayProcess(base, process.pid, Path(log.name))
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 20)
        log.close()
        os.unlink(log.name)
