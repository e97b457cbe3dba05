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
    from fastact._bench import parse_size

    try:
        return [parse_size(t) for t in text.split(",") if t.strip()]
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def build_parser() -> argparse.ArgumentParser:
    from fastact import _bench as B

    p = argparse.ArgumentParser(
        prog="python -m fastact",
        description="fastact command line: benchmark against the peers installed here,"
                    " or show the build configuration.")
    sub = p.add_subparsers(dest="command", metavar="{bench,info}")
    sub.add_parser("info", help="print the build, ISA and thread configuration")
    b = sub.add_parser(
        "bench", help="time fastact against NumPy/SciPy, numexpr, PyTorch, ONNX Runtime",
        description="Time fastact and every peer found (NumPy/SciPy always; numexpr, torch,"
                    " onnxruntime+onnx when installed) side by side on the same data, with"
                    " the same thread count, and print a table per dtype.",
        epilog="examples:  python -m fastact bench --quick\n"
               "           python -m fastact bench --ops sigmoid,gelu --sizes 1e5,1e7"
               " --dtypes float32\n"
               "           python -m fastact bench --json bench.json --plot bench.png",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("--ops", type=_list(B.OPS), default=list(B.OPS),
                   help=f"comma-separated ops (default: all: {','.join(B.OPS)})")
    b.add_argument("--sizes", type=_sizes, default=None,
                   help="comma-separated element counts, e.g. 1e3,1e5,1e7 (default; --quick:"
                        " 1e3,1e5); softmax/log_softmax use rows of 1000")
    b.add_argument("--dtypes", type=_list(B.DTYPES), default=list(B.DTYPES),
                   help="float32,float64 (default: both)")
    b.add_argument("--threads", type=int, default=None,
                   help="threads for fastact and every threaded peer (default:"
                        " $FASTACT_BENCH_THREADS or fastact.get_num_threads())")
    b.add_argument("--repeat", type=int, default=None,
                   help="samples per implementation; the median is reported (default 7;"
                        " --quick: 3)")
    b.add_argument("--min-time", type=float, default=None, metavar="SECONDS",
                   help="duration of one sample (default 0.02; --quick: 0.005)")
    b.add_argument("--quick", action="store_true",
                   help="a fast smoke run: sizes 1e3,1e5, 3 short samples")
    b.add_argument("--peers", type=_list(B.PEERS + B.CEILINGS), default=None,
                   help="restrict the peers (default: every one installed):"
                        f" {','.join(B.PEERS + B.CEILINGS)}")
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
        from fastact import _bench as B

        sizes = args.sizes or list(B.QUICK_SIZES if args.quick else B.SIZES)
        repeat = args.repeat if args.repeat is not None else (3 if args.quick else 7)
        target = args.min_time if args.min_time is not None else (0.005 if args.quick else 0.02)
        if repeat < 1 or target <= 0:
            parser.error("--repeat and --min-time must be positive")
        try:
            B.run_bench(ops=args.ops, sizes=sizes, dtypes=args.dtypes, threads=args.threads,
                        repeat=repeat, target=target, peers=args.peers, isa=args.isa,
                        json_path=args.json, plot_path=args.plot,
                        progress=not args.no_progress)
        except KeyboardInterrupt:
            print("\ninterrupted", file=sys.stderr)
            return 130
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
