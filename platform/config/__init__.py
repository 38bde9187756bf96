"""Django configuration. Importing it puts the project's two import roots on sys.path.

`platform/` is a plain folder, not a package: a package named `platform` would shadow Python's stdlib
module (uuid, pytest and the ASGI servers import it). Its apps (core, accounts, …) and this `config`
package are imported from inside it; `tenants`, `schema` and `subscriptions` from the project root.
"""

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
APPS_ROOT = PROJECT_ROOT / "platform"

for _path in (str(APPS_ROOT), str(PROJECT_ROOT)):
    if _path not in sys.path:
        sys.path.append(_path)
