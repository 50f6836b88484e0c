"""Export-control answers from the dated rules in the catalog (``fleetplan policy check``).

>>> import fleetplan
>>> a = fleetplan.policy.check(chip="h20", site="cn", buyer_hq="CN", date="2025-06-01")
>>> a.kind, a["rule_id"], a["reason"]
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from . import _native
from ._results import PolicyAnswer


def check(chip: str, site: str, buyer_hq: str, date: str, *, buyer_attributes: Sequence[str] = (),
          lease: bool = False, assume_licences: bool = False, disable_rules: Sequence[str] = (),
          enable_rules: Sequence[str] = (), grant_rules: Sequence[str] = (),
          catalog: Optional[Any] = None) -> PolicyAnswer:
    """May a buyer headquartered in ``buyer_hq`` (ISO 3166 alpha-2) own (or, with ``lease``,
    lease) ``chip`` at region ``site`` on ``date`` (YYYY-MM-DD)? The answer names the deciding
    rule, its citation, the reason, advisories and fees.

    Raises :class:`fleetplan.UnknownIdError` for an unknown chip, site, rule or buyer
    attribute, :class:`fleetplan.InputError` for a headquarters that is no country code or a
    rule both enabled and disabled.
    """
    from . import default_catalog

    cat = default_catalog() if catalog is None else catalog
    return PolicyAnswer(_native.policy_check(
        cat, chip, site, buyer_hq, date, buyer_attributes=list(buyer_attributes), lease=lease,
        assume_licences=assume_licences, disable_rules=list(disable_rules), enable_rules=list(enable_rules),
        grant_rules=list(grant_rules)))
