# Reads ONNX backend node test cases (Debian's libonnx-testdata) with the ONNX project's own reader
# (python3-onnx: onnx.TensorProto, onnx.numpy_helper) and prints one JSON line per case:
#   {"case": name, "datasets": [{"inputs": [tensor...], "outputs": [tensor...]}]}
# A tensor is {"name", "elem" (TensorProto.DataType), "dims", "raw"} with "raw" its little-endian bytes in base64,
# or, for STRING, {"name", "elem": 8, "dims", "strings"} with each element's bytes in base64. A value the graph
# declares as something else (a sequence, an optional, a map) is {"name", "kind": "sequence" | ...}, unread.
# Usage: python3 read-cases.py SUITE_DIR CASE...
import base64
import glob
import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

BFLOAT16 = 16
STRING = 8


def index(path):
    return int(path.rsplit("_", 1)[1].split(".")[0])


def b64(data):
    return base64.b64encode(bytes(data)).decode("ascii")


def read_tensor(data):
    t = onnx.TensorProto()
    t.ParseFromString(data)
    out = {"name": t.name, "elem": t.data_type, "dims": [int(d) for d in t.dims]}
    if t.data_type == STRING:
        out["strings"] = [b64(s) for s in t.string_data]
    elif t.data_type == BFLOAT16:
        # onnx 1.12's numpy_helper widens bfloat16; the stored bits are what onnxruntime receives.
        bits = np.frombuffer(t.raw_data, "<u2") if t.raw_data else np.array(t.int32_data, "<u2")
        out["raw"] = b64(bits.tobytes())
    else:
        a = numpy_helper.to_array(t)
        out["raw"] = b64(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes())
    return out


KINDS = {"tensor_type": "tensor", "sequence_type": "sequence", "optional_type": "optional", "map_type": "map"}


def read_value(path, value_info):
    kind = KINDS.get(value_info.type.WhichOneof("value") if value_info else None, "unknown")
    if kind != "tensor":
        return {"name": value_info.name if value_info else "", "kind": kind}
    with open(path, "rb") as f:
        return read_tensor(f.read())


def read_case(suite, name):
    model = onnx.load(os.path.join(suite, name, "model.onnx"))
    initializers = {t.name for t in model.graph.initializer}
    graph_inputs = [v for v in model.graph.input if v.name not in initializers]
    graph_outputs = list(model.graph.output)
    pick = lambda values, i: values[i] if i < len(values) else None
    datasets = []
    for d in sorted(glob.glob(os.path.join(suite, name, "test_data_set_*")), key=index):
        inputs = [read_value(p, pick(graph_inputs, index(p))) for p in sorted(glob.glob(os.path.join(d, "input_*.pb")), key=index)]
        outputs = [read_value(p, pick(graph_outputs, index(p))) for p in sorted(glob.glob(os.path.join(d, "output_*.pb")), key=index)]
        datasets.append({"inputs": inputs, "outputs": outputs})
    return {"case": name, "datasets": datasets}


def main():
    suite = sys.argv[1]
    for name in sys.argv[2:]:
        try:
            line = read_case(suite, name)
        except Exception as err:  # one unreadable case must not hide the others
            line = {"case": name, "error": f"{type(err).__name__}: {err}"}
        sys.stdout.write(json.dumps(line) + "\n")


main()
