"""ferry-onedrive: OneDrive for Python jobs through a Ferry broker, and ``onedrive://`` paths for pandas and fsspec.

    from ferry_onedrive import onedrive_connect

    conn = onedrive_connect()            # the broker from the arguments, FERRY_URL + FERRY_API_KEY, or FERRY_HOME
    conn.list("reports")                 # raw driveItem dicts, every page
    pd.read_csv("onedrive://data/measurements.csv")   # no import needed: fsspec finds the filesystem

The API and the error codes are those of the Node client (``ferry`` on npm); see README.md.
"""

__version__ = "0.1.0"

from .connection import OneDriveConnection, current_connection, onedrive_connect  # noqa: E402
from .credentials import BrokerCredentials, find_credentials  # noqa: E402
from .errors import (  # noqa: E402
    AuthError,
    BrokerError,
    BrokerUnreachableError,
    ConflictError,
    CredentialsError,
    FerryError,
    GraphError,
    IntegrityError,
    InvalidPathError,
    IsAFolderError,
    NeedsReconnectError,
    NotAFolderError,
    NotConnectedError,
    NotFoundError,
    ThrottledError,
    UnauthorizedError,
    UploadSessionGoneError,
)
from .filesystem import OneDriveFile, OneDriveFileSystem  # noqa: E402
from .paths import check_name, item_path, normalize_path  # noqa: E402
from .quickxorhash import QuickXorHash, quickxorhash  # noqa: E402
from .secrets import SecretNotFoundError, clear_secret_cache, get_secret  # noqa: E402

__all__ = [
    "AuthError",
    "BrokerCredentials",
    "BrokerError",
    "BrokerUnreachableError",
    "ConflictError",
    "CredentialsError",
    "FerryError",
    "GraphError",
    "IntegrityError",
    "InvalidPathError",
    "IsAFolderError",
    "NeedsReconnectError",
    "NotAFolderError",
    "NotConnectedError",
    "NotFoundError",
    "OneDriveConnection",
    "OneDriveFile",
    "OneDriveFileSystem",
    "QuickXorHash",
    "SecretNotFoundError",
    "ThrottledError",
    "UnauthorizedError",
    "UploadSessionGoneError",
    "check_name",
    "clear_secret_cache",
    "current_connection",
    "find_credentials",
    "get_secret",
    "item_path",
    "normalize_path",
    "onedrive_connect",
    "quickxorhash",
]
