"""A whole listing printed as json or yaml is fetched in the largest pages the model allows."""

from __future__ import annotations

import pytest

from tests.cli.helpers import ecrtui

LARGEST = '"maxResults": 1000'  # as botocore logs the request body


def request_bodies(stderr: str) -> list[str]:
    """The request bodies --debug logs (botocore's "Making request ..." lines)."""
    return [line for line in stderr.splitlines() if "Making request for" in line]


@pytest.mark.parametrize("output", ["json", "yaml"])
def test_a_whole_listing_asks_for_1000_a_page(
    endpoint_url: str, repository: str, output: str
) -> None:
    done = ecrtui(
        "describe-repositories", "--endpoint-url", endpoint_url, "--output", output, "--debug"
    )
    assert done.returncode == 0, done.stderr
    requests = request_bodies(done.stderr)
    assert requests and all(LARGEST in line for line in requests)
    assert repository in done.stdout


@pytest.mark.parametrize(
    "extra",
    [
        ["--output", "text"],  # printed page by page, as the service pages it
        ["--page-size", "5"],
        ["--max-items", "5"],
        ["--repository-names", "REPOSITORY"],  # a page size is refused with names
    ],
)
def test_other_listings_keep_their_page_size(
    endpoint_url: str, repository: str, extra: list[str]
) -> None:
    extra = [repository if word == "REPOSITORY" else word for word in extra]
    done = ecrtui("describe-repositories", "--endpoint-url", endpoint_url, "--debug", *extra)
    assert done.returncode == 0, done.stderr
    requests = request_bodies(done.stderr)
    assert requests and not any(LARGEST in line for line in requests)
