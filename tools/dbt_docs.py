"""`make docs`: dbt docs of the built warehouse, generated and served on localhost, offline.

``dbt docs generate`` runs against the warehouse ``make run`` built, so the catalog has every
relation's columns and types next to the descriptions from the YAML. The page dbt writes
(``index.html``) is one self-contained file (scripts and styles inline); the only thing it would
fetch from the network is dbt's usage tracker, loaded only when the manifest says
``send_anonymous_usage_stats: true``, so generation runs with usage stats off. Served by Python's
own HTTP server on 127.0.0.1; ``static_index.html`` (manifest and catalog embedded) also opens
from disk without a server.

    python -m tools.dbt_docs [--serve] [--port 8080] [--target-path DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import re
import sys
from pathlib import Path

from lending.dbt import run_dbt
from lending.settings import DBT_PROJECT_DIR, Settings

# A tag that loads something from another host (http:, https: or protocol-relative //).
_EXTERNAL = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"'](?:https?:)?//",
                       re.IGNORECASE)


class NoWarehouseError(SystemExit):
    """The docs describe a built warehouse: there is none yet."""


def generate(settings: Settings, target_path: Path | None = None, compile_sql: bool = True) -> Path:
    """``dbt docs generate`` against the settings' warehouse; returns the folder holding index.html."""
    if not settings.warehouse_path.is_file():
        raise NoWarehouseError(f"No warehouse at {settings.warehouse_path}: run `make run` first.")
    target_path = Path(target_path or DBT_PROJECT_DIR / "target")
    if not compile_sql:  # `docs generate --no-compile` reads the manifest, it does not write one
        run_dbt(["parse"], settings, target_path, check=True)
    run_dbt(["docs", "generate", "--static", *([] if compile_sql else ["--no-compile"])],
            settings, target_path, check=True)
    return target_path


def offline_problems(target_path: Path) -> list[str]:
    """Why the generated docs would need the network (empty list: they do not)."""
    problems = []
    for page in ("index.html", "static_index.html"):
        html = (Path(target_path) / page).read_text(encoding="utf-8")
        problems += [f"{page} loads {m.group(0)}" for m in _EXTERNAL.finditer(html)]
    manifest = json.loads((Path(target_path) / "manifest.json").read_text(encoding="utf-8"))
    if manifest["metadata"].get("send_anonymous_usage_stats"):
        problems.append("manifest enables usage stats: index.html would load a remote tracker")
    return problems


def serve(target_path: Path, port: int, host: str = "127.0.0.1") -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(target_path))
    with http.server.ThreadingHTTPServer((host, port), handler) as server:
        print(f"dbt docs on http://{host}:{port} (or open {target_path}/static_index.html); "
              "Ctrl-C stops", flush=True)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how it stops
            server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help="serve the docs after generating")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--target-path", type=Path, default=DBT_PROJECT_DIR / "target")
    args = parser.parse_args(argv)
    target = generate(Settings.from_env(), args.target_path)
    problems = offline_problems(target)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    if args.serve:
        serve(target, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
