import datetime

import pytest

from articles.models import Source
from tests.articles.demo_staff import demo_credentials  # noqa: F401 (a fixture)
from tests.articles.source_helpers import GUIDELINE_NAME, OLD_DOI
from tests.factories import SourceFactory, editor, reviewer


@pytest.fixture
def people():
    return {
        "author": editor(email="author@example.com"),
        "recorder": editor(email="recorder@example.com", first_name="Rita", last_name="Recorder"),
        "corrector": editor(
            email="corrector@example.com", first_name="Cory", last_name="Corrector"
        ),
        "checker": reviewer(email="checker@example.com"),
        "second_checker": reviewer(
            email="second.checker@example.com", display_name="Dr. Sam Second", credentials="MD"
        ),
    }


@pytest.fixture
def guideline():
    return SourceFactory(
        key="aad-2024",
        kind=Source.Kind.GUIDELINE,
        short_name=GUIDELINE_NAME,
        authors="Reynolds RV, Yeung H",
        title="Guidelines of care for the management of acne vulgaris",
        publisher="J Am Acad Dermatol",
        year=2024,
        volume="90(5)",
        pages="1006.e1-1006.e30",
        doi=OLD_DOI,
        edition="2024 edition",
        published_on=datetime.date(2024, 1, 30),
        url="https://www.aad.org/acne-guideline",
    )
