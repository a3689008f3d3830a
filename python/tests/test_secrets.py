"""get_secret() reads a secret the user set (here through the broker's API, as `ferry secrets set` does) with the
job's API key, reuses it briefly, and an unknown name raises SecretNotFoundError naming the secret and the fix."""

import pytest

from ferry_onedrive import (
    BrokerUnreachableError,
    SecretNotFoundError,
    UnauthorizedError,
    clear_secret_cache,
    get_secret,
)


def _set(stack, name: str, value: str) -> None:
    response = stack.broker("PUT", f"/api/v1/secrets/{name}", {"value": value})
    assert response.status_code == 200, response.text


def test_get_secret_reads_the_value_with_the_jobs_api_key(stack):
    clear_secret_cache()
    _set(stack, "PY_SERVICE_KEY", "py-secret-value-\u20ac-\n-end")
    assert get_secret("PY_SERVICE_KEY") == "py-secret-value-\u20ac-\n-end"


def test_values_are_reused_briefly_then_read_again(stack):
    clear_secret_cache()
    _set(stack, "PY_ROTATING", "first")
    assert get_secret("PY_ROTATING") == "first"
    _set(stack, "PY_ROTATING", "second")
    # Within the cache window the job keeps the value it read; with max_age=0 it asks the broker.
    assert get_secret("PY_ROTATING") == "first"
    assert get_secret("PY_ROTATING", max_age=0) == "second"


def test_an_unknown_name_names_the_secret_and_how_to_set_it(stack):
    with pytest.raises(SecretNotFoundError) as raised:
        get_secret("PY_NEVER_SET")
    error = raised.value
    assert error.code == "secret_not_found"
    assert error.secret_name == "PY_NEVER_SET"
    assert "ferry secrets set PY_NEVER_SET" in str(error)
    assert isinstance(error, LookupError)


def test_a_bad_name_and_a_bad_key_are_refused_without_echoing_a_value(stack):
    _set(stack, "PY_GUARDED", "guarded-value-never-in-errors")
    with pytest.raises(Exception) as bad_name:
        get_secret("not-a-valid-name")
    assert getattr(bad_name.value, "code", None) == "invalid_secret_name"
    with pytest.raises(UnauthorizedError) as bad_key:
        get_secret("PY_GUARDED", url=stack.broker_url, api_key="fry_0123456789abcdef_wrong", max_age=0)
    assert "guarded-value" not in str(bad_key.value)
    assert "fry_0123456789abcdef_wrong" not in str(bad_key.value)


def test_an_unreachable_broker_is_named(stack):
    with pytest.raises(BrokerUnreachableError) as raised:
        get_secret("ANY", url="http://127.0.0.1:9", api_key="fry_0123456789abcdef_x", max_age=0)
    assert "127.0.0.1:9" in str(raised.value)
