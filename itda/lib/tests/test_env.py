from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from itda.lib.env import env_bool, env_int, env_secret, parse_database_url


def test_booleans_are_read_strictly(monkeypatch):
    monkeypatch.setenv("ITDA_FLAG", "yes")
    assert env_bool("ITDA_FLAG") is True
    monkeypatch.setenv("ITDA_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="ITDA_FLAG must be a boolean"):
        env_bool("ITDA_FLAG")


def test_integers_are_read_strictly(monkeypatch):
    monkeypatch.setenv("ITDA_NUMBER", "12")
    assert env_int("ITDA_NUMBER", 1) == 12
    monkeypatch.setenv("ITDA_NUMBER", "twelve")
    with pytest.raises(ImproperlyConfigured):
        env_int("ITDA_NUMBER", 1)


def test_a_secret_can_come_from_a_file_but_not_from_both(monkeypatch, tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-file\n")
    monkeypatch.setenv("ITDA_TOKEN_FILE", str(secret_file))
    assert env_secret("ITDA_TOKEN") == "from-file"
    monkeypatch.setenv("ITDA_TOKEN", "direct")
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_secret("ITDA_TOKEN")


def test_database_urls_for_sqlite_and_postgresql(tmp_path):
    sqlite = parse_database_url("sqlite:///var/test.sqlite3", tmp_path)
    postgres = parse_database_url("postgres://itda:pw@db.example:5433/itda?sslmode=require", Path("/"))

    assert sqlite["NAME"] == str(tmp_path / "var" / "test.sqlite3")
    assert sqlite["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert (postgres["HOST"], postgres["PORT"], postgres["NAME"], postgres["USER"]) == ("db.example", "5433", "itda", "itda")
    assert postgres["OPTIONS"] == {"sslmode": "require"}
    with pytest.raises(ImproperlyConfigured):
        parse_database_url("mysql://x/y", tmp_path)
