"""Every model is covered by an access rule in ``service.auth.scope``, or is listed here with
why the console never reads it: a new table cannot be shown in the console unscoped by mistake."""

from __future__ import annotations

import service.models  # noqa: F401  (registers every model)
from service.auth import scope
from service.db import Base

#: Models the console never reads through Scope, each with its reason.
NEEDS_NO_RULE = {
    "AccessToken": "a link's stored token: checked by the link's own signature, never listed",
    "SignInLock": "failed sign-ins keyed by a hash of the address typed, read only at sign-in",
    "ConsentCheck": "a family member's code or date-of-birth check, read only by their own link",
    "ConsentDevice": "a browser allowed to see an answered consent form, read only by its link",
    "LinkSession": "one browser's use of one link, read only by the request that holds it",
    "MailSystemFault": "the mail system refusing the service's own sign-in: no partnership's data",
    "BounceReport": "a report read, kept as a hash so it is read once: no partnership's data",
    "BounceNotice": "the day the officer was told of an address's bounce, read by mail.bounces",
    "BouncePoll": "when a mailbox of reports was last read: no partnership's data",
    "DocumentCache": "a case's made summary PDF, served only through the case's own summary page",
    "MessageResend": "which outbox message replaced a bounced one, read with those messages",
    "RequestDelivery": "which messages carried a request, read with the request it belongs to",
}


def test_every_model_has_an_access_rule_or_a_reason_for_none():
    models = {mapper.class_ for mapper in Base.registry.mappers}
    uncovered = sorted(
        m.__name__ for m in models if m not in scope.RULES and m.__name__ not in NEEDS_NO_RULE
    )
    assert uncovered == [], "add a rule to service.auth.scope.RULES, or say here why none"


def test_the_list_of_models_needing_no_rule_names_only_real_models_without_one():
    by_name = {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}
    assert sorted(set(NEEDS_NO_RULE) - set(by_name)) == []
    assert sorted(n for n in NEEDS_NO_RULE if by_name[n] in scope.RULES) == []
