"""Every error shellring raises derives from ShellringError and declares whether the flow retries it."""

from __future__ import annotations

import importlib
import pkgutil

import duckdb
import pytest

from shellring.flows.core.errors import ShellringError
from shellring.flows.core.rules import RuleRegistryError
from shellring.flows.core.sqlsteps import SqlStepError
from shellring.flows.distributed.cluster import ClusterError
from shellring.flows.orchestration.audit import is_transient
from shellring.flows.orchestration.national import NationalFolderError
from shellring.flows.orchestration.regions import RegionsError
from shellring.flows.pipeline.columns import ExtractError
from shellring.flows.pipeline.ingest import ExtractMissingError
from shellring.flows.pipeline.national_hubs import NationalHubsError
from shellring.flows.pipeline.pseudonyms import MissingKeyError
from shellring.flows.results.reveal import RevealRefused
from shellring.flows.results.verdicts import VerdictError

# error type -> (transient, the built-in bases it kept so older `except` clauses still catch it)
EXPECTED: dict[type[ShellringError], tuple[bool, tuple[type[BaseException], ...]]] = {
    RegionsError: (False, (ValueError,)),
    VerdictError: (False, (ValueError,)),
    ExtractError: (False, ()),
    ExtractMissingError: (True, (ExtractError, FileNotFoundError, OSError)),
    RevealRefused: (False, (RuntimeError,)),
    MissingKeyError: (False, (RuntimeError,)),
    SqlStepError: (False, (RuntimeError,)),
    RuleRegistryError: (False, ()),
    # the cluster is opened before the flow starts: the command reports it and is run again, nothing retries
    ClusterError: (False, (RuntimeError,)),
    NationalFolderError: (False, (ValueError,)),
    NationalHubsError: (False, (ValueError,)),
}


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


def test_every_error_type_is_declared_here():
    """A new ShellringError subclass must be added to EXPECTED with its transient flag decided on purpose."""
    import shellring.flows
    import shellring.matchers

    for package in (shellring.flows, shellring.matchers):  # import every module, so every subclass is seen
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    assert _all_subclasses(ShellringError) == set(EXPECTED)


@pytest.mark.parametrize("cls", list(EXPECTED), ids=lambda cls: cls.__name__)
def test_transient_flag_drives_the_retry_rule(cls):
    transient, bases = EXPECTED[cls]
    exc = cls("some/file.csv: what went wrong")
    assert cls.transient is transient
    assert is_transient(exc) is transient
    assert isinstance(exc, ShellringError) and all(isinstance(exc, base) for base in bases)
    assert str(exc) == "some/file.csv: what went wrong"


def test_foreign_errors_are_transient_only_when_io():
    assert is_transient(FileNotFoundError("extract not there yet"))
    assert is_transient(PermissionError("locked"))
    assert is_transient(duckdb.IOException("Could not set lock on file"))
    assert not is_transient(ValueError("a bug"))
    assert not is_transient(duckdb.BinderException("no such column"))
    assert not is_transient(None)


def test_shellring_error_defaults_to_not_transient():
    assert ShellringError.transient is False
    assert not is_transient(ShellringError("x"))
