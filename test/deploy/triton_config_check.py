# Independent check of a Triton model repository written by `ood export triton`:
#   1. compile model_config_subset.proto with protoc and parse config.pbtxt with protobuf's text_format (strict:
#      an unknown field, a wrong type or a bad escape is an error);
#   2. load <version>/model.onnx with the onnx package (external data beside it) and check every input and output
#      against the config: name, data type, dims (batch dimension stripped when max_batch_size > 0, -1 for a
#      dynamic dimension, [1] reshaped to [] for a tensor with no dims left).
# Prints the parsed config as JSON. Usage: triton_config_check.py PROTO MODEL_DIR VERSION
import json, os, subprocess, sys, tempfile

proto, model_dir, version = sys.argv[1], sys.argv[2], sys.argv[3]
out = tempfile.mkdtemp(prefix='ood-protoc-')
subprocess.run(['protoc', f'--proto_path={os.path.dirname(proto)}', f'--python_out={out}', proto], check=True)
sys.path.insert(0, out)
import model_config_subset_pb2 as pb  # noqa: E402
from google.protobuf import json_format, text_format  # noqa: E402
import onnx  # noqa: E402

with open(os.path.join(model_dir, 'config.pbtxt'), encoding='utf-8') as f:
    config = text_format.Parse(f.read(), pb.ModelConfig())

ONNX_TO_TRITON = {
    onnx.TensorProto.BOOL: 'TYPE_BOOL', onnx.TensorProto.UINT8: 'TYPE_UINT8', onnx.TensorProto.UINT16: 'TYPE_UINT16',
    onnx.TensorProto.UINT32: 'TYPE_UINT32', onnx.TensorProto.UINT64: 'TYPE_UINT64', onnx.TensorProto.INT8: 'TYPE_INT8',
    onnx.TensorProto.INT16: 'TYPE_INT16', onnx.TensorProto.INT32: 'TYPE_INT32', onnx.TensorProto.INT64: 'TYPE_INT64',
    onnx.TensorProto.FLOAT16: 'TYPE_FP16', onnx.TensorProto.FLOAT: 'TYPE_FP32', onnx.TensorProto.DOUBLE: 'TYPE_FP64',
    onnx.TensorProto.STRING: 'TYPE_STRING',
}

model_path = os.path.join(model_dir, version, 'model.onnx')
model = onnx.load(model_path)  # loads external data from beside model.onnx; fails if it is missing
onnx.checker.check_model(model)
problems = []
batch = config.max_batch_size

def check(kind, graph_values, config_values):
    if [v.name for v in graph_values] != [c.name for c in config_values]:
        problems.append(f'{kind} names: graph {[v.name for v in graph_values]}, config {[c.name for c in config_values]}')
        return
    for v, c in zip(graph_values, config_values):
        t = v.type.tensor_type
        want_type = ONNX_TO_TRITON[t.elem_type]
        got_type = pb.DataType.Name(c.data_type)
        if want_type != got_type:
            problems.append(f'{kind} {v.name}: data_type {got_type}, graph {want_type}')
        dims = [d.dim_value if d.HasField('dim_value') else -1 for d in t.shape.dim]
        if batch > 0:
            if not dims or dims[0] != -1:
                problems.append(f'{kind} {v.name}: max_batch_size {batch} but first dim is {dims[:1]}')
            dims = dims[1:]
        want = dims if dims else [1]
        if list(c.dims) != want:
            problems.append(f'{kind} {v.name}: dims {list(c.dims)}, graph {want}')
        has_reshape = c.HasField('reshape')
        if has_reshape != (not dims) or (has_reshape and list(c.reshape.shape) != []):
            problems.append(f'{kind} {v.name}: reshape {c.reshape if has_reshape else None} for graph dims {dims}')

check('input', [i for i in model.graph.input if i.name not in {x.name for x in model.graph.initializer}], config.input)
check('output', model.graph.output, config.output)
if batch > 0 and not config.HasField('dynamic_batching'):
    problems.append('max_batch_size > 0 without dynamic_batching')
for o in config.output:
    if o.label_filename and not os.path.isfile(os.path.join(model_dir, o.label_filename)):
        problems.append(f'output {o.name}: label_filename {o.label_filename} is not in the model directory')
if config.name != os.path.basename(os.path.normpath(model_dir)):
    problems.append(f'name {config.name!r} is not the directory name')
if problems:
    sys.stderr.write('\n'.join(problems))
    sys.exit(3)
print(json.dumps(json_format.MessageToDict(config, preserving_proto_field_name=True)))
