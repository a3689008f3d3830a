"""How onedrive_connect() finds its broker: arguments, then FERRY_URL + FERRY_API_KEY, then the credentials file
the CLI writes (refused when other users can read it)."""

import json
import os

import pytest

from ferry_onedrive import CredentialsError, find_credentials, onedrive_connect


def write(home, data, mode=0o600):
    path = home / "credentials.json"
    path.write_text(json.dumps(data) if isinstance(data, dict) else data)
    os.chmod(path, mode)
    return path


def test_arguments_then_environment_then_the_file(tmp_path):
    write(tmp_path, {"url": "http://file", "apiKey": "k-file", "graphUrl": "http://graph-file/v1.0"})
    env = {"FERRY_HOME": str(tmp_path), "FERRY_URL": "http://env", "FERRY_API_KEY": "k-env"}
    assert find_credentials("http://arg", "k-arg", env=env).url == "http://arg"
    assert find_credentials(env=env).url == "http://env"
    assert find_credentials(env=env).source == "environment"
    from_file = find_credentials(env={"FERRY_HOME": str(tmp_path)})
    assert (from_file.url, from_file.api_key, from_file.graph_url, from_file.source) == (
        "http://file",
        "k-file",
        "http://graph-file/v1.0",
        "credentials file",
    )
    # FERRY_GRAPH_URL overrides the file's Graph base.
    over = find_credentials(env={"FERRY_HOME": str(tmp_path), "FERRY_GRAPH_URL": "http://other/v1.0"})
    assert over.graph_url == "http://other/v1.0"


def test_half_given_arguments_or_environment_are_refused():
    with pytest.raises(CredentialsError, match="needs both `url` and `api_key`"):
        find_credentials(url="http://x", env={})
    with pytest.raises(CredentialsError, match=r"only FERRY_URL is set"):
        find_credentials(env={"FERRY_URL": "http://x"})
    with pytest.raises(CredentialsError, match=r"only FERRY_API_KEY is set"):
        find_credentials(env={"FERRY_API_KEY": "k"})


def test_nothing_configured_says_how_to_configure(tmp_path):
    with pytest.raises(CredentialsError) as refused:
        find_credentials(env={"FERRY_HOME": str(tmp_path)})
    assert refused.value.code == "no_credentials"
    assert "ferry login" in str(refused.value) and "FERRY_URL" in str(refused.value)


def test_a_file_other_users_can_read_is_refused(tmp_path):
    path = write(tmp_path, {"url": "http://file", "apiKey": "k"}, mode=0o644)
    with pytest.raises(CredentialsError) as refused:
        find_credentials(env={"FERRY_HOME": str(tmp_path)})
    assert refused.value.code == "credentials_unsafe"
    assert str(refused.value) == f"{path} is readable by other users; fix it with: chmod 600 {path}"


def test_a_broken_file_says_to_log_in_again(tmp_path):
    write(tmp_path, "{not json")
    with pytest.raises(CredentialsError, match="not valid JSON; run `ferry login` again") as refused:
        find_credentials(env={"FERRY_HOME": str(tmp_path)})
    assert refused.value.code == "credentials_invalid"
    write(tmp_path, {"url": "http://file"})
    with pytest.raises(CredentialsError, match="lacks url or apiKey"):
        find_credentials(env={"FERRY_HOME": str(tmp_path)})


def test_the_api_key_never_shows_in_a_repr():
    conn = onedrive_connect("http://127.0.0.1:9", "fry_secret_value")
    assert "fry_secret_value" not in repr(conn)
    assert "fry_secret_value" not in repr(conn.credentials)
    assert "fry_secret_value" not in repr(conn.fs)
