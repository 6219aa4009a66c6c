"""A deploy target: a boto3 session, an optional endpoint, a region and a stage."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.exceptions
from botocore.config import Config

from maestro_watch.errors import TargetError
from maestro_watch.logs import get_logger

log = get_logger("target")

# moto's server accepts any credentials and reports this account for them.
EMULATOR_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
# maestro retries with tenacity itself, so botocore makes a single attempt per call.
_CLIENT_CONFIG = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=120, max_pool_connections=32)


@dataclass
class Target:
    """One place to deploy to. ``emulator`` is True for maestro's embedded moto server."""

    region: str
    stage: str
    endpoint_url: str | None = None
    profile: str | None = None
    emulator: bool = False
    _session: boto3.Session | None = field(default=None, repr=False)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _account_id: str | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def session(self) -> boto3.Session:
        if self._session is None:
            if self.emulator:
                self._session = boto3.Session(region_name=self.region, **EMULATOR_CREDENTIALS)
            else:
                self._session = boto3.Session(profile_name=self.profile, region_name=self.region)
        return self._session

    def client(self, service: str) -> Any:
        """Return a cached client; botocore clients are safe to share between threads."""
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self.session.client(service, endpoint_url=self.endpoint_url, config=_CLIENT_CONFIG)
            return self._clients[service]

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    @property
    def account_id(self) -> str:
        """Return the account id from STS, which also proves the endpoint and credentials work."""
        if self._account_id is None:
            self._account_id = self._caller_account()
        return self._account_id

    def _caller_account(self) -> str:
        where = self.endpoint_url or f"AWS in {self.region}"
        try:
            return self.client("sts").get_caller_identity()["Account"]
        except botocore.exceptions.EndpointConnectionError:
            hint = "start it with 'maestro emulator', or check --endpoint-url" if self.endpoint_url else "check your network"
            raise TargetError(f"cannot reach {where}", hint=hint) from None
        except botocore.exceptions.NoCredentialsError:
            raise TargetError(
                "no AWS credentials found",
                hint="configure a profile (aws configure), set AWS_PROFILE, or use --local for the embedded emulator",
            ) from None
        except botocore.exceptions.ClientError as error:
            raise TargetError(f"{where} rejected the credentials: {error}", hint="check the profile or keys") from None

    @property
    def key(self) -> str:
        """Return the state file's name: one per account, region and stage, or emulator endpoint and stage."""
        if self.emulator or self.endpoint_url:
            endpoint = re.sub(r"^[a-z]+://", "", self.endpoint_url or "")
            label = "local" if self.emulator else "endpoint"
            return _safe(f"{label}-{endpoint}-{self.region}-{self.stage}")
        return _safe(f"aws-{self.account_id}-{self.region}-{self.stage}")

    def describe(self) -> str:
        if self.emulator:
            return f"embedded emulator at {self.endpoint_url} ({self.region}, stage {self.stage})"
        if self.endpoint_url:
            return f"{self.endpoint_url} ({self.region}, stage {self.stage})"
        return f"AWS account {self.account_id} in {self.region}, stage {self.stage}"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)
