"""Write the section's default training data: the Lambda's processed feature CSV for
generated trips (files/model_image/sample_data.py), so `--tags sagemaker` trains without
the Lambda section. Deterministic for a given --rows and --seed (the file name says
both, and the role uploads it only when its content differs).

    python files/sagemaker/sample_features.py --rows 3000 --seed 7 --output FILE
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "model_image"))

import sample_data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    partial = args.output.with_suffix(".partial")
    partial.write_bytes(sample_data.processed_csv(args.rows, seed=args.seed))
    partial.replace(args.output)  # a file that exists is complete (the task's `creates`)
    return 0


if __name__ == "__main__":
    sys.exit(main())
