"""The API's own dependency: the boot of the path, if the caller may read it.

Everything else a route needs (settings, database, session, queue, caller) comes from
``app.http.deps``, which the pages share.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from app.db.models import Boot
from app.http.deps import PrincipalDep, SessionDep
from app.http.params import BootIdPath
from app.service.permissions import readable_boot


def get_readable_boot(boot_id: BootIdPath, session: SessionDep, principal: PrincipalDep) -> Boot:
    """404 unless readable (existence is not revealed); 401 for an anonymous caller."""
    return readable_boot(session, principal, boot_id)


ReadableBoot = Annotated[Boot, Depends(get_readable_boot)]
