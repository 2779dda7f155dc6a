"""One guard for callbacks and the views' returnUrl: every written form of a metadata,
link-local, site-local or reserved address is that address, and a host that is no host at
all is refused — for both, without resolving anything."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from docusign_connector.addresses import address_refusal, host_refusal, literal_address
from docusign_connector.callback_urls import parse_callback_url
from docusign_connector.errors import BadRequest
from docusign_connector.models.views import RecipientViewRequest, SenderViewRequest

# Hosts that must never be reached or sent to, as a URL may write them.
REFUSED_HOSTS = [
    "169.254.169.254",
    "169.254.169.254.",  # trailing dot
    "[::ffff:169.254.169.254]",  # IPv4-mapped
    "[::ffff:a9fe:a9fe]",
    "[::169.254.169.254]",  # IPv4-compatible
    "[64:ff9b::a9fe:a9fe]",  # NAT64
    "[2002:a9fe:a9fe::1]",  # 6to4
    "0xa9fea9fe",  # one hexadecimal number
    "0xA9FEA9FE",
    "2852039166",  # one decimal number
    "025177524776",  # one octal number
    "0251.0376.0251.0376",  # octal parts
    "0xa9.0xfe.0xa9.0xfe",  # hexadecimal parts
    "169.254.43518",  # three parts
    "169.16689662",  # two parts
    "0xa9.254.0251.0376.",  # mixed, trailing dot
    "[fd00:ec2::254]",  # AWS's IPv6 metadata
    "100.100.100.200",  # Alibaba Cloud's metadata
    "192.0.0.192",  # Oracle Cloud's older metadata
    "168.63.129.16",  # Azure's platform endpoint
    "metadata.google.internal",
    "metadata.google.internal.",
    "METADATA.GOOGLE.INTERNAL",
    "[fe80::1]",
    "[fec0::1]",  # IPv6 site-local (fec0::/10)
    "[feff::1]",
    "0.0.0.0",
    "0",
    "[::]",
    "224.0.0.1",
    "240.0.0.1",
    "exa mple.com",  # not a host
    "%31%36%39.254.169.254",
    "169.254.169.254\\.example.com",
    "ex_ample.com",
    "1.2.3.4.5",
    "256.0.0.1",
    "\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com",  # full-width letters
    "\uff11\uff16\uff19.254.169.254",  # full-width digits
]
ALLOWED_EVERYWHERE = ["workflow.example.com", "workflow.example.com.", "93.184.216.34"]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_a_return_url_to_any_form_of_a_refused_host_is_a_400(host: str) -> None:
    for model in (RecipientViewRequest, SenderViewRequest):
        body = {
            "returnUrl": f"https://{host}/back",
            "clientUserId": "c-1",
            "email": "ana@example.com",
            "name": "Ana",
        }
        with pytest.raises(ValidationError) as raised:
            model.model_validate(body)
        (error,) = [e for e in raised.value.errors() if e["loc"][-1] == "returnUrl"]
        assert error["type"] == "INVALID_RETURN_URL"


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_a_callback_to_any_form_of_a_refused_host_is_refused_before_resolving(host: str) -> None:
    with pytest.raises(BadRequest) as raised:
        parse_callback_url(f"https://{host}/hook", allow_loopback=True)
    assert raised.value.code == "CALLBACK_URL_NOT_ALLOWED"


@pytest.mark.parametrize("host", ALLOWED_EVERYWHERE)
def test_public_hosts_pass_both(host: str) -> None:
    assert parse_callback_url(f"https://{host}/hook", allow_loopback=False).host == host
    RecipientViewRequest.model_validate(
        {
            "returnUrl": f"https://{host}/back",
            "clientUserId": "c-1",
            "email": "ana@example.com",
            "name": "Ana",
        }
    )


def test_a_return_url_may_stay_in_the_signers_network_a_callback_may_not() -> None:
    """The browser is the signer's: an intranet page is a fine return URL. The connector
    itself never calls a private address."""
    for host in ("10.0.0.5", "192.168.1.10", "[fd12:3456::1]", "127.0.0.1"):
        assert host_refusal(host.strip("[]"), allow_loopback=True, allow_private=True) is None
        with pytest.raises(BadRequest):
            parse_callback_url(f"https://{host}/hook", allow_loopback=False)


@pytest.mark.parametrize(
    ("written", "address"),
    [
        ("0xa9fea9fe", "169.254.169.254"),
        ("2852039166", "169.254.169.254"),
        ("0251.0376.0251.0376", "169.254.169.254"),
        ("169.254.43518", "169.254.169.254"),
        ("127.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("10.0.0.1.", "10.0.0.1"),
        ("::ffff:a9fe:a9fe", "::ffff:169.254.169.254"),
    ],
)
def test_numeric_hosts_are_read_as_browsers_read_them(written: str, address: str) -> None:
    assert str(literal_address(written)) == address


def test_names_are_not_addresses() -> None:
    assert literal_address("example.com") is None
    assert literal_address("1.2.3.example") is None


@pytest.mark.parametrize("address", ["fec0::1", "fec0:1234::5", "feff:ffff::1"])
def test_site_local_ipv6_is_refused_by_the_callback_guard(address: str) -> None:
    assert address_refusal(address, allow_loopback=False) == "a site-local address"
    assert address_refusal(address, allow_loopback=True, allow_private=True) is not None
