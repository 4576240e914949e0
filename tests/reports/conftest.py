import pytest

from stq.reports.layout import load
from stq.reports.periods import named_period

from .factories import q1_fixture


@pytest.fixture
def q1(org):
    return q1_fixture(org)


@pytest.fixture
def form19():
    return load("19")


@pytest.fixture
def form20():
    return load("20")


@pytest.fixture
def Q1():
    return named_period("2026-Q1")
