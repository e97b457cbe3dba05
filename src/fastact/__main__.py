"""Command line: ``python -m fastact bench [options]`` and ``python -m fastact info``."""

from __future__ import annotations

import argparse
import sys


def _list(choices):
    def parse(text):
        items = [t.strip() for t in text.split(",") if t.strip()]
        bad = [t for t in items if t not in choices]
        if bad or not items:
            raise argparse.ArgumentTypeError(
                f"unknown {', '.join(bad) or '(empty)'}; choose from {', '.join(choices)}")
        return items
    return parse


def _sizes(text):
    from fastact._bench.cases import parse_size

    try:
        return [parse_size(t) for t in text.split(",") if t.strip()]
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def build_parser() -> argparse.ArgumentParser:
    from fastact._bench import cases as C
    from fastact._bench import peers

    sizes = lambda s: ",".join(map(C.format_size, s))  # noqa: E731
    extra = "; ".join(f"{', '.join(who)} also at {C.format_size(s)}"
                      for s, who in C.DEFAULT_EXTRA.items())
    p = argparse.ArgumentParser(
        prog="python -m fastact",
        description="fastact command line: benchmark against the peers installed here,"
                    " or show the build configuration.")
    sub = p.add_subparsers(dest="command", metavar="{bench,info}")
    sub.add_parser("info", help="print the build, ISA and thread configuration")
    b = sub.add_parser(
        "bench", help="time fastact against NumPy/SciPy, numexpr, PyTorch, ONNX Runtime",
        description="Time fastact and every peer found (NumPy/SciPy always; numexpr, torch,\n"
                    "onnxruntime+onnx when installed) side by side on the same data, with the\n"
                    "same thread count, and print a table per dtype.  The default run is every\n"
                    f"op at n = {sizes(C.DEFAULT_SIZES)} ({extra})"
                    f" in {','.join(C.DEFAULT['dtypes'])}; --full is every op at\n"
                    f"n = {sizes(C.SIZES)} in {','.join(C.FULL['dtypes'])}.",
        epilog="examples:  python -m fastact bench --full --json bench.json --plot bench.png\n"
               "           python -m fastact bench --ops sigmoid,gelu --sizes 1e5,1e7"
               " --dtypes float32,float64",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ops = C.ops()
    b.add_argument("--ops", type=_list(ops), default=None,
                   help=f"comma-separated ops (default: all: {','.join(ops)})")
    b.add_argument("--sizes", type=_sizes, default=None,
                   help=f"comma-separated element counts for every op, e.g. {sizes(C.SIZES)}"
                        f" (default {sizes(C.DEFAULT_SIZES)}, {extra}; --full:"
                        f" {sizes(C.SIZES)}); row ops use rows of"
                        f" {C.ROW_LEN}")
    b.add_argument("--dtypes", type=_list(tuple(C.DTYPES)), default=None,
                   help=f"{','.join(C.DTYPES)} (default {','.join(C.DEFAULT['dtypes'])};"
                        f" --full: {','.join(C.FULL['dtypes'])})")
    b.add_argument("--full", action="store_true",
                   help="the whole grid: every op x float32,float64 x"
                        f" {sizes(C.SIZES)}, {C.FULL['repeat']} samples of"
                        f" {C.FULL['target'] * 1e3:g} ms (several minutes)")
    b.add_argument("--quick", action="store_true",
                   help=f"a smoke run: n = {sizes(C.QUICK['sizes'])}, {C.QUICK['repeat']}"
                        f" samples of {C.QUICK['target'] * 1e3:g} ms")
    b.add_argument("--threads", type=int, default=None,
                   help="threads for fastact and every threaded peer (default:"
                        " $FASTACT_BENCH_THREADS or fastact.get_num_threads())")
    b.add_argument("--repeat", type=int, default=None,
                   help="samples per implementation; the median is reported (default"
                        f" {C.DEFAULT['repeat']}; --full: {C.FULL['repeat']})")
    b.add_argument("--min-time", type=float, default=None, metavar="SECONDS",
                   help=f"duration of one sample (default {C.DEFAULT['target']:g};"
                        f" --full: {C.FULL['target']:g})")
    others = [n for n in peers.names() if peers.adapter(n).kind != "fastact"]
    b.add_argument("--peers", type=_list(others), default=None,
                   help=f"restrict the peers (default: every one installed): {','.join(others)}")
    b.add_argument("--isa", default=None,
                   help="time fastact at a lower ISA level (scalar, sse2, avx2, avx512)")
    b.add_argument("--json", metavar="FILE", default=None,
                   help="also write every sample and the environment as JSON")
    b.add_argument("--plot", metavar="FILE.png", default=None,
                   help="draw throughput (elements/s) vs size, one panel per op"
                        " (needs matplotlib)")
    b.add_argument("--no-progress", action="store_true",
                   help="no progress lines on stderr")
    return p


def main(argv=None) -> int:
    try:
        parser = build_parser()
    except ImportError as e:  # the extension is not built
        print(f"fastact cannot be imported: {e}", file=sys.stderr)
        return 1
    args = parser.parse_args(argv)
    if args.command == "info":
        import fastact

        fastact.show_config()
        return 0
    if args.command == "bench":
        from fastact._bench import cases
        from fastact._bench.run import run_bench

        if args.full and args.quick:
            parser.error("--full and --quick exclude each other")
        if (args.repeat is not None and args.repeat < 1) or (
                args.min_time is not None and args.min_time <= 0):
            parser.error("--repeat and --min-time must be positive")
        plan = cases.plan(ops=args.ops, dtypes=args.dtypes, sizes=args.sizes,
                          repeat=args.repeat, target=args.min_time, full=args.full,
                          quick=args.quick)
        try:
            run_bench(plan, threads=args.threads, peers_wanted=args.peers, isa=args.isa,
                      json_path=args.json, plot_path=args.plot, progress=not args.no_progress)
        except KeyboardInterrupt:
            print("\ninterrupted", file=sys.stderr)
            return 130
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
