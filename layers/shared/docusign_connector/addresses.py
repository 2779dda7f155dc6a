"""The one guard on where the connector sends something: a callback it POSTs, and the
`returnUrl` DocuSign sends a signer's browser to. Pure; resolving names is
`adapters.callbacks`.

A host is read the way resolvers and browsers read it, never compared as text: a trailing
dot, an IPv4 address written as one decimal, hexadecimal or octal number (or in two or three
parts, the WHATWG URL standard's IPv4 parser), IPv6 in brackets, and IPv4 inside IPv6
(mapped, compatible, NAT64, 6to4, Teredo) all stand for the address they name, and that
address is what is checked. Anything that is not a DNS name or an IP address (a space, a
percent sign, a backslash, non-ASCII text) is no host at all.
"""

from __future__ import annotations

import ipaddress
import re

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services beyond the link-local range (169.254.0.0/16, where AWS, Azure, GCP
# and others answer): AWS's IPv6 one, Alibaba Cloud's, Oracle Cloud's older one, and Azure's
# platform endpoint (WireServer).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("fd00:ec2::254", "100.100.100.200", "192.0.0.192", "168.63.129.16")
)
# Names that resolve to a metadata service inside a cloud (GCP, AWS, Tencent Cloud).
METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
    }
)
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DNS_NAME = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}")
_HEX_NUMBER = re.compile(r"0x[0-9a-f]*")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")


class InvalidHost(ValueError):
    """Not a host name or an IP address."""


def _ipv4_part(text: str) -> int:
    """One part of a numeric IPv4 host: decimal, 0x-hexadecimal or 0-octal."""
    base, digits = 10, text
    if text.startswith("0x"):
        base, digits = 16, text[2:]
    elif len(text) > 1 and text.startswith("0"):
        base, digits = 8, text[1:]
    if digits == "":
        if base == 10:
            raise InvalidHost(text)
        return 0
    allowed = {10: "0123456789", 8: "01234567", 16: "0123456789abcdef"}[base]
    if any(c not in allowed for c in digits):
        raise InvalidHost(text)
    return int(digits, base)


def _numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """A host whose last label is a number is an IPv4 address (WHATWG URL, "ends in a
    number"): up to four parts, the last filling the remaining bytes. None for a name."""
    labels = host.split(".")
    last = labels[-1]
    if not (last.isascii() and (last.isdigit() or _HEX_NUMBER.fullmatch(last))):
        return None
    if len(labels) > 4:
        raise InvalidHost(host)
    numbers = [_ipv4_part(label) for label in labels]
    *leading, final = numbers
    if any(n > 255 for n in leading) or final >= 256 ** (5 - len(numbers)):
        raise InvalidHost(host)
    value = final + sum(n << (8 * (3 - i)) for i, n in enumerate(leading))
    return ipaddress.IPv4Address(value)


def literal_address(host: str) -> IpAddress | None:
    """The IP address a URL's host (as `urlsplit(...).hostname` gives it: lower case, IPv6
    without brackets) stands for; None when it is a DNS name. `InvalidHost` when it is
    neither."""
    host = host.lower()
    if host.endswith(".") and not host.endswith(".."):
        host = host[:-1]
    if not host or not host.isascii():
        raise InvalidHost(host)
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise InvalidHost(host) from None
    numeric = _numeric_ipv4(host)
    if numeric is None and not _DNS_NAME.fullmatch(host):
        raise InvalidHost(host)
    return numeric


def _embedded(ip: IpAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries, which is where its packets end up."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    return found


def _refusal(ip: IpAddress, allow_loopback: bool, allow_private: bool) -> str | None:
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    if ip.is_link_local:
        return "a link-local address (this includes the instance metadata service)"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "a site-local address"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "an unspecified, multicast or reserved address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "a shared (carrier-grade NAT) address"
    if ip.is_private:
        return None if allow_private else "a private address"
    if not ip.is_global:
        return "an address that is not public"
    return None


def address_refusal(
    address: str | IpAddress, *, allow_loopback: bool, allow_private: bool = False
) -> str | None:
    """Why nothing may be sent to this IP address, or None when it may: metadata,
    link-local, site-local, reserved, shared and non-public addresses are refused, loopback
    and private ones unless allowed — and so is an IPv6 address carrying a refused IPv4 one."""
    if isinstance(address, str):
        address = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # an IPv4 address written as IPv6: that address alone
    for ip in [*_embedded(address), address]:
        reason = _refusal(ip, allow_loopback, allow_private)
        if reason is not None:
            return reason
    return None


def host_refusal(host: str, *, allow_loopback: bool, allow_private: bool = False) -> str | None:
    """Why nothing may be sent to this URL host, or None when it may (a DNS name is then
    checked again by what it resolves to, where the connector connects itself)."""
    try:
        address = literal_address(host)
    except InvalidHost:
        return "a host that is neither a DNS name nor an IP address"
    if address is None:
        name = host.lower().rstrip(".")
        return "a cloud metadata host" if name in METADATA_HOSTS else None
    return address_refusal(address, allow_loopback=allow_loopback, allow_private=allow_private)
