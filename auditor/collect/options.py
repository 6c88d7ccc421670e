"""What a collection run is asked to do, validated before any network or credential is touched.

Two modes. *Azure*: ``DefaultAzureCredential`` against the ARM endpoint of ``--cloud``. *Emulator*:
a placeholder token against an HTTPS emulator on the loopback interface, verified with the
emulator's own CA. The modes never mix: a real token must only ever travel to Azure's own
endpoints, so emulator mode refuses every option that selects real credentials or clouds.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from auditor.errors import InputError

DEFAULT_CONCURRENCY = 64
MAX_CONCURRENCY = 256


@dataclass(frozen=True)
class Cloud:
    name: str
    arm_endpoint: str  # https://host, no trailing slash
    authority_host: str  # Entra ID host for DefaultAzureCredential
    log_analytics_endpoint: str  # Log Analytics query API (data plane), https://host
    storage_suffix: str  # blob endpoints are https://<account>.blob.<suffix>

    @property
    def token_scope(self) -> str:
        return self.arm_endpoint + "/.default"


CLOUDS: dict[str, Cloud] = {
    "AzureCloud": Cloud("AzureCloud", "https://management.azure.com", "login.microsoftonline.com",
                        "https://api.loganalytics.io", "core.windows.net"),
    "AzureUSGovernment": Cloud("AzureUSGovernment", "https://management.usgovcloudapi.net",
                               "login.microsoftonline.us", "https://api.loganalytics.us", "core.usgovcloudapi.net"),
    "AzureChinaCloud": Cloud("AzureChinaCloud", "https://management.chinacloudapi.cn", "login.chinacloudapi.cn",
                             "https://api.loganalytics.azure.cn", "core.chinacloudapi.cn"),
}
DEFAULT_CLOUD = "AzureCloud"

# Environment variables that make DefaultAzureCredential pick a real identity. Emulator mode
# never constructs that credential, so they are harmless there; they are listed to say so in
# the refusal message when a user tries to combine them with an explicit cloud.
_LOOPBACK_NAMES = {"localhost"}


@dataclass
class CollectOptions:
    """Inputs of :func:`auditor.collect.run_collection`.

    ``output`` may be None to collect without writing (the result still carries the snapshot).
    ``cloud`` None means the default cloud; another cloud is refused in emulator mode.
    ``progress`` None shows a progress display only when stdout and stderr are terminals.
    """

    output: str | Path | None = None
    management_group: str | None = None
    cloud: str | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    emulator: str | None = None
    ca_cert: str | Path | None = None
    progress: bool | None = None
    summary: bool = True  # print the one-line summary on stderr at the end
    retry_backoff: float = 0.5  # seconds; doubles per retry (full jitter), capped at 30 s
    verify_delivery: bool = False  # also read delivery evidence (data planes), Defender plans, Sentinel
    delivery_window_days: int = 7

    @property
    def cloud_name(self) -> str:
        return self.cloud or DEFAULT_CLOUD

    @property
    def endpoint(self) -> str:
        if self.emulator:
            return self.emulator.rstrip("/")
        return CLOUDS[self.cloud_name].arm_endpoint

    @property
    def token_scope(self) -> str:
        if self.emulator:
            return self.endpoint + "/.default"
        return CLOUDS[self.cloud_name].token_scope

    @property
    def log_analytics_endpoint(self) -> str:
        """The Log Analytics query host (the emulator serves it on its own host)."""
        return self.endpoint if self.emulator else CLOUDS[self.cloud_name].log_analytics_endpoint

    def blob_account_url(self, account: str, documented: str | None) -> str:
        """Where an account's blobs are listed: path-style on the emulator, else the account's blob endpoint."""
        if self.emulator:
            return f"{self.endpoint}/{account}"
        return (documented or f"https://{account}.blob.{CLOUDS[self.cloud_name].storage_suffix}").rstrip("/")


def validate(options: CollectOptions) -> None:
    """Raise InputError (exit 2) for any inconsistent or unsafe combination."""
    if options.cloud is not None and options.cloud not in CLOUDS:
        raise InputError(f"unknown cloud {options.cloud!r}; expected one of {', '.join(CLOUDS)}")
    if not 1 <= int(options.concurrency) <= MAX_CONCURRENCY:
        raise InputError(f"--concurrency must be between 1 and {MAX_CONCURRENCY}, got {options.concurrency}")
    if not 1 <= int(options.delivery_window_days) <= 90:
        raise InputError(f"--delivery-window-days must be between 1 and 90, got {options.delivery_window_days}")
    if not 0 <= float(options.retry_backoff) <= 30:
        raise InputError(f"retry backoff must be between 0 and 30 seconds, got {options.retry_backoff}")
    if options.management_group is not None and not _management_group_name(options.management_group):
        raise InputError(f"--management-group {options.management_group!r} is not a management group name or id")
    if options.emulator is None:
        if options.ca_cert is not None:
            raise InputError("--ca-cert is only valid with --emulator (Azure endpoints use the system trust store)")
        return
    if options.cloud not in (None, DEFAULT_CLOUD):
        raise InputError(
            f"--emulator cannot be combined with --cloud {options.cloud}: emulator mode uses a placeholder "
            "token and never loads real credentials"
        )
    _check_emulator_url(options.emulator)
    if options.ca_cert is None:
        raise InputError("--emulator needs --ca-cert (the CA certificate the emulator printed)")
    ca = Path(options.ca_cert)
    if not ca.is_file():
        raise InputError(f"--ca-cert {ca} is not a readable file")
    try:
        head = ca.read_bytes()[:4096]
    except OSError as e:
        raise InputError(f"cannot read --ca-cert {ca}: {e.strerror or e}") from None
    if b"-----BEGIN CERTIFICATE-----" not in head:
        raise InputError(f"--ca-cert {ca} is not a PEM certificate")


def _check_emulator_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise InputError(f"--emulator URL must use https, got {url!r}")
    host = parts.hostname or ""
    if not _is_loopback(host):
        raise InputError(f"--emulator URL must point at the loopback interface (127.0.0.1, ::1), got host {host!r}")
    if parts.username or parts.password:
        raise InputError("--emulator URL must not carry credentials")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InputError(f"--emulator URL must be just scheme, host and port, got {url!r}")


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _management_group_name(value: str) -> str:
    """Group name from a bare name or a full group id."""
    v = value.strip().rstrip("/")
    marker = "/providers/microsoft.management/managementgroups/"
    low = v.lower()
    if marker in low:
        v = v[low.index(marker) + len(marker):]
    if not v or "/" in v:
        return ""
    return v


def management_group_name(value: str) -> str:
    name = _management_group_name(value)
    if not name:
        raise InputError(f"{value!r} is not a management group name or id")
    return name


def emulator_env_warning() -> str | None:
    """A note when real-credential variables are present in emulator mode (they are ignored)."""
    present = [k for k in ("AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE")
               if os.environ.get(k)]
    if not present:
        return None
    return f"emulator mode ignores {', '.join(present)}: no real credential is loaded"
