#!/usr/bin/env python3
"""Regenerates the gRPC stubs of src/redbank/v1 from the repository's proto/ (needs
grpcio-tools: `pip install grpcio-tools`). `--check` compares instead of writing,
and fails when the committed stubs are stale (a test runs it)."""

import filecmp
import os
import shutil
import sys
import tempfile

from grpc_tools import protoc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO = os.path.join(HERE, "..", "..", "proto")
FILES = ["bank_pb2.py", "bank_pb2.pyi", "bank_pb2_grpc.py"]


def generate(out):
    args = ["protoc", f"-I{PROTO}", f"-I{os.path.dirname(protoc.__file__)}/_proto",
            f"--python_out={out}", f"--pyi_out={out}", f"--grpc_python_out={out}", "redbank/v1/bank.proto"]
    if protoc.main(args) != 0:
        sys.exit("protoc failed")
    return os.path.join(out, "redbank", "v1")


def main():
    target = os.path.join(HERE, "src", "redbank", "v1")
    with tempfile.TemporaryDirectory() as tmp:
        made = generate(tmp)
        if "--check" in sys.argv:
            stale = [f for f in FILES if not filecmp.cmp(os.path.join(made, f), os.path.join(target, f), shallow=False)]
            if stale:
                sys.exit(f"stale stubs: {stale}; run clients/python/generate.py")
            print("the stubs match proto/")
            return
        for f in FILES:
            shutil.copy(os.path.join(made, f), os.path.join(target, f))
        print("wrote", ", ".join(FILES), "to", target)


if __name__ == "__main__":
    main()
