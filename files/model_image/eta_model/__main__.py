"""The image's entry point: `train`, `serve` or `monitor`, as SageMaker passes them
(docker run IMAGE train; a processing job's ContainerArguments ["monitor", ...])."""

import sys

USAGE = "usage: train | serve | monitor [--setting value ...]"


def main(argv: list[str]) -> int:
    if argv[:1] == ["monitor"]:
        from eta_model import monitor

        return monitor.main(argv[1:])
    if len(argv) != 1 or argv[0] not in ("train", "serve"):
        print(USAGE, file=sys.stderr)
        return 2
    if argv[0] == "train":
        from eta_model import train

        return train.main()
    from eta_model import serve

    return serve.main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
