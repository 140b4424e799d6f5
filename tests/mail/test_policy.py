"""The secure-recipient policy: one place decides where sensitive content may go."""

from __future__ import annotations

import pytest

from mail import policy
from service.models import InsecureRecipientAction, Partnership

ALLOW = ["*.gov.uk", "*.police.uk", "*.cjsm.net", "nhs.net"]


def partnership(action=InsecureRecipientAction.NOTICE) -> Partnership:
    return Partnership(secure_domains=ALLOW, insecure_recipient_action=action)


@pytest.mark.parametrize(
    "address",
    [
        "dhr@exampleshire.gov.uk",
        "ops@a.b.example.police.uk",
        "chair@exampleshire.cjsm.net",
        "safeguarding@nhs.net",
        "Mixed.Case@EXAMPLESHIRE.GOV.UK",
    ],
)
def test_allowlisted_domains_are_secure(address):
    assert policy.is_secure(partnership(), address)


@pytest.mark.parametrize(
    "address",
    [
        "someone@gmail.com",
        "x@gov.uk.attacker.com",  # the allowlisted name must be a suffix, not a prefix
        "x@evilgov.uk",  # *.gov.uk needs a dot boundary
        "x@gov.uk",  # *.gov.uk is any domain below gov.uk, not gov.uk itself
        "x@mail.nhs.net",  # nhs.net is that domain exactly
        "x@exampleshire.nhs.uk",
    ],
)
def test_other_domains_are_not_secure(address):
    assert not policy.is_secure(partnership(), address)


@pytest.mark.parametrize(
    "address",
    [
        "",
        "no-at-sign",
        "a@b",
        "two@at@exampleshire.gov.uk",
        '"quoted@gov.uk"@evil.com',
        "Name <dhr@exampleshire.gov.uk>",
        "dhr@exampleshire.gov.uk\r\nBcc: x@evil.com",
        "dhr@-bad-.gov.uk",
    ],
)
def test_malformed_addresses_are_refused(address):
    with pytest.raises(policy.InvalidAddress):
        policy.decide(partnership(), address, sensitive=True)


def test_sensitive_content_to_an_insecure_address_follows_the_partnership_setting():
    notice = policy.decide(partnership(), "someone@gmail.com", sensitive=True)
    held = policy.decide(
        partnership(InsecureRecipientAction.HOLD), "someone@gmail.com", sensitive=True
    )
    assert notice.decision is policy.Decision.NOTICE
    assert held.decision is policy.Decision.HOLD
    assert "someone" not in notice.reason  # reasons are logged: the domain only


def test_content_free_messages_may_go_anywhere():
    verdict = policy.decide(partnership(), "someone@gmail.com", sensitive=False)
    assert verdict.decision is policy.Decision.SECURE


def test_secure_addresses_get_the_content_with_the_domain_lower_cased():
    verdict = policy.decide(partnership(), "Dhr.Officer@Exampleshire.Gov.UK", sensitive=True)
    assert verdict.decision is policy.Decision.SECURE
    assert verdict.address == "Dhr.Officer@exampleshire.gov.uk"


@pytest.mark.parametrize("pattern", ["gov.uk*", "*", "*.", "http://x.gov.uk", "a..b"])
def test_bad_allowlist_patterns_are_refused(pattern):
    with pytest.raises(ValueError):
        policy.check_pattern(pattern)
