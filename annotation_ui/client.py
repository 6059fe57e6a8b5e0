"""A small Label Studio REST client on httpx: only the calls emocurate needs, with one-line errors.

Why not the SDK: its client retries POSTs on its own (an import retried after a lost
response duplicates tasks), raises transport errors that are not its own, and pins
numpy/opencv versions that clash with the model extras. Here, reads are retried,
writes never are (push retries them itself, idempotently), and every failure becomes
an `EmocurateError` whose one line says what to do.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx

from emocurate.errors import EmocurateError


class LabelStudioError(EmocurateError):
    """Label Studio answered with an error."""

    kind = "label_studio"


class ServerUnreachable(LabelStudioError):
    """No Label Studio answers at the configured URL (or the connection broke)."""

    kind = "server_down"


class TokenRejected(LabelStudioError):
    """The server does not accept the workspace's token."""

    kind = "auth"


_READ_RETRIES = 2


class LabelStudio:
    """The REST API of one server, authenticated with one user's token."""

    def __init__(self, url: str, token: str | None, timeout: float = 120.0) -> None:
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Token {token}"} if token else {}
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> LabelStudio:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport -------------------------------------------------------------
    def request(self, method: str, path: str, *, retries: int | None = None, **kwargs: Any) -> Any:
        """JSON of the response; reads are retried on transport errors, writes are not."""
        attempts = 1 + (
            retries if retries is not None else (_READ_RETRIES if method == "GET" else 0)
        )
        for attempt in range(attempts):
            try:
                response = self.http.request(method, path, **kwargs)
                break
            except httpx.ConnectError:
                if attempt + 1 < attempts:
                    time.sleep(0.5 * (attempt + 1))
                    continue
                raise ServerUnreachable(
                    f"Label Studio is not reachable at {self.url}: start it with "
                    "`emocurate annotate serve` (or fix [label_studio] url in emocurate.toml)"
                ) from None
            except httpx.TransportError as exc:
                if attempt + 1 < attempts:
                    time.sleep(0.5 * (attempt + 1))
                    continue
                raise ServerUnreachable(
                    f"the connection to Label Studio at {self.url} broke ({type(exc).__name__}) "
                    f"during {method} {path}: check `emocurate annotate status`, then re-run "
                    "(re-running never duplicates)"
                ) from None
        return self._check(method, path, response)

    def _check(self, method: str, path: str, response: httpx.Response) -> Any:
        if response.status_code in (401, 403) and "/user/" not in path:
            raise TokenRejected(
                f"Label Studio at {self.url} rejected the API token (HTTP {response.status_code}): "
                "this server was not started for this workspace; run `emocurate annotate stop` "
                "and `emocurate annotate serve` here, or fix [label_studio] url in emocurate.toml"
            )
        if response.status_code >= 400:
            detail = _detail(response)
            raise LabelStudioError(
                f"Label Studio {method} {path} failed (HTTP {response.status_code}): {detail}"
            )
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.request("PATCH", path, **kwargs)

    # -- server ----------------------------------------------------------------
    def healthy(self) -> bool:
        try:
            return self.http.get("/health", timeout=5.0).status_code == 200
        except httpx.HTTPError:
            return False

    def whoami(self) -> dict[str, Any]:
        return self.get("/api/current-user/whoami")

    # -- projects --------------------------------------------------------------
    def projects(self) -> list[dict[str, Any]]:
        return list(self._pages("/api/projects/", {"page_size": 100}))

    def create_project(self, **fields: Any) -> dict[str, Any]:
        return self.post("/api/projects/", json=fields)

    def update_project(self, project_id: int, **fields: Any) -> dict[str, Any]:
        return self.patch(f"/api/projects/{project_id}/", json=fields)

    def validate_config(self, label_config: str) -> None:
        """Raise LabelStudioError with the server's reason when it rejects the config."""
        self.post("/api/projects/validate/", json={"label_config": label_config})

    def local_storages(self, project_id: int) -> list[dict[str, Any]]:
        return self.get("/api/storages/localfiles/", params={"project": project_id})

    def create_local_storage(self, project_id: int, path: str, title: str) -> dict[str, Any]:
        return self.post(
            "/api/storages/localfiles/",
            json={"project": project_id, "path": path, "title": title, "use_blob_urls": True},
        )

    # -- tasks -----------------------------------------------------------------
    def tasks(self, project_id: int, page_size: int = 1000) -> Iterator[dict[str, Any]]:
        """Every task of a project (id and data only)."""
        page = 1
        while True:
            params = {
                "project": project_id,
                "page": page,
                "page_size": page_size,
                "fields": "task_only",
                "include": "id,data",  # 3x faster than the full task serialization
            }
            try:
                body = self.get("/api/tasks/", params=params)
            except LabelStudioError as exc:
                if "HTTP 404" in str(exc):  # past the last page
                    return
                raise
            tasks = body.get("tasks", []) if isinstance(body, dict) else body
            yield from tasks
            if len(tasks) < page_size:
                return
            page += 1

    def import_tasks(self, project_id: int, tasks: list[dict[str, Any]]) -> list[int]:
        """Create tasks (one request, never retried here); returns their ids."""
        body = self.post(
            f"/api/projects/{project_id}/import", params={"return_task_ids": "true"}, json=tasks
        )
        return list(body.get("task_ids", []))

    def export(self, project_id: int) -> list[dict[str, Any]]:
        """Every annotated task of a project with its annotations (Label Studio JSON export)."""
        return self.get(
            f"/api/projects/{project_id}/export",
            params={"exportType": "JSON", "download_all_tasks": "false"},
        )

    # -- users -----------------------------------------------------------------
    def users(self) -> list[dict[str, Any]]:
        return self.get("/api/users/")

    def invite_token(self) -> str:
        body = self.get("/api/invite")
        return str(body["token"])

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            body = self.get(path, params={**params, "page": page})
            if isinstance(body, list):
                yield from body
                return
            yield from body.get("results", [])
            if not body.get("next"):
                return
            page += 1


def session(url: str, email: str, password: str) -> LabelStudio:
    """A client logged in through the login form (cookie session), as a browser would be."""
    client = LabelStudio(url, token=None)
    _form_post(client, "/user/login/", {"email": email, "password": password})
    return client


def signup(url: str, invite_token: str, email: str, password: str) -> tuple[int, str]:
    """Create an account through the invite link; returns (user id, its API token)."""
    with LabelStudio(url, token=None) as client:
        _form_post(
            client, f"/user/signup/?token={invite_token}", {"email": email, "password": password}
        )
        user = client.whoami()
        token = client.get("/api/current-user/token")["token"]
    return int(user["id"]), str(token)


def user_token(url: str, email: str, password: str) -> str:
    """An existing user's API token, fetched by logging in."""
    with session(url, email, password) as client:
        return str(client.get("/api/current-user/token")["token"])


def _form_post(client: LabelStudio, path: str, fields: dict[str, str]) -> None:
    """POST a Django form (CSRF cookie first); a form shown again means it was refused."""
    try:
        client.http.get(path)
        csrf = client.http.cookies.get("csrftoken", "")
        response = client.http.post(
            path,
            data={**fields, "csrfmiddlewaretoken": csrf},
            headers={"Referer": client.url + path, "X-CSRFToken": csrf},
        )
    except httpx.ConnectError:
        raise ServerUnreachable(
            f"Label Studio is not reachable at {client.url}: "
            "start it with `emocurate annotate serve`"
        ) from None
    if response.status_code != 302:
        reason = "refused" if response.status_code < 400 else f"HTTP {response.status_code}"
        raise LabelStudioError(
            f"Label Studio {path.split('?')[0]} {reason} for {fields.get('email')}: "
            "check the email and password (a password needs 8+ characters)"
        )


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip().splitlines()[0][:200] if response.text.strip() else "no detail"
    if isinstance(body, dict):
        for key in ("validation_errors", "label_config", "detail", "message"):
            if key in body:
                return " ".join(str(body[key]).split())[:300]
    return " ".join(str(body).split())[:300]
