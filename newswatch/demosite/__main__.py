"""CLI: python -m newswatch.demosite generate ROOT [--articles N] | serve ROOT [--port N]."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .generator import STATE_FILE, generate_site
from .server import DemoServer


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m newswatch.demosite", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="write a demo site into ROOT")
    generate.add_argument("root", type=Path)
    generate.add_argument("--articles", type=int, default=24)
    generate.add_argument("--seed", type=int, default=0)
    generate.add_argument("--base-url", default="", help="origin and/or path prefix used in links, e.g. http://127.0.0.1:8000")
    serve = commands.add_parser("serve", help="serve ROOT over HTTP until interrupted")
    serve.add_argument("root", type=Path)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--articles", type=int, default=None,
                       help="(re)generate N articles first, with absolute links to this server")
    serve.add_argument("--no-validators", action="store_true", help="send no ETag/Last-Modified")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI."""
    args = parse_args(argv)
    if args.command == "generate":
        started = time.perf_counter()
        site = generate_site(args.root, args.articles, seed=args.seed, base_path=args.base_url)
        print(f"wrote {len(site.articles)} articles to {args.root} in {time.perf_counter() - started:.2f}s")
        return 0
    with DemoServer(args.root, args.host, args.port, validators=not args.no_validators) as server:
        if args.articles is not None or not (args.root / STATE_FILE).exists():
            generate_site(args.root, args.articles or 24, base_path=server.base_url)
        print(f"serving {args.root} at {server.base_url}/ (feed {server.base_url}/feed.xml); Ctrl-C to stop", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())
