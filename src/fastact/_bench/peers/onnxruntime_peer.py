"""ONNX Runtime: the spec as an ONNX graph, run with IO binding onto x and out.

Spec (``Variant.peers["onnxruntime"]``): an expression whose calls are ONNX
operators (default domain, opset ``OPSET``); positional arguments are inputs,
keyword arguments attributes: ``"Elu(x, alpha=alpha)"``,
``"Gelu(x, approximate='tanh')"``, ``"Softmax(x, axis=axis)"``.  ``+ - * / **``,
comparisons and unary minus become Add, Sub, Mul, Div, Pow, Greater, ..., Neg
nodes (``"x * Sigmoid(x)"`` is SiLU, which ORT fuses).  Numbers and parameters
used as inputs become scalar initializers of the input's dtype; as attributes
they take the type the operator's schema gives.  intra_op_num_threads is the
bench's thread count, with one sequential inter-op thread.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .base import Adapter, Unsupported, module_version, try_import
from .spec import BinOp, Call, Const, Name, Neg, SpecError, walk

OPSET = 20  # Gelu is opset 20
_NODES = {"+": "Add", "-": "Sub", "*": "Mul", "/": "Div", "**": "Pow", ">": "Greater",
          "<": "Less", ">=": "GreaterOrEqual", "<=": "LessOrEqual", "==": "Equal"}
# ONNX tensor element types by bench dtype name (TensorProto attribute names)
_ELEM = {"float32": "FLOAT", "float64": "DOUBLE", "float16": "FLOAT16", "bfloat16": "BFLOAT16"}


def _schema(op: str):
    from onnx import defs

    try:
        return defs.get_schema(op, OPSET)
    except defs.SchemaError:
        raise SpecError(f"{op}: not an ONNX operator of opset {OPSET}") from None


def _check(node, v) -> None:
    have_onnx = try_import("onnx") is not None
    for n in walk(node):
        if isinstance(n, BinOp) and n.op not in _NODES:
            raise SpecError(f"{n.op}: no ONNX operator")
        if not isinstance(n, Call):
            continue
        if "." in n.fn:
            raise SpecError(f"{n.fn}: ONNX operators of the default domain only")
        if any(not isinstance(a, (Name, Const)) for _, a in n.kwargs):
            raise SpecError(f"{n.fn}: attributes must be constants or parameters")
        if have_onnx:
            attrs = _schema(n.fn).attributes
            bad = [k for k, _ in n.kwargs if k not in attrs]
            if bad:
                raise SpecError(f"{n.fn} has no attribute {', '.join(bad)}")


def _attribute(schema, key, value):
    from onnx import AttributeProto as A

    kind = schema.attributes[key].type
    conv = {A.FLOAT: float, A.INT: int, A.STRING: str}.get(kind)
    return conv(value) if conv is not None else value


def _model(node, x, env):
    from onnx import TensorProto, helper, numpy_helper

    if str(x.dtype) not in _ELEM:
        raise Unsupported(f"no {x.dtype} in the ONNX adapter")
    elem = getattr(TensorProto, _ELEM[str(x.dtype)])
    nodes, inits = [], []

    def value(n):
        return n.value if isinstance(n, Const) else env[n.id]

    def emit(n):
        if isinstance(n, Name) and n.id == "x":
            return "X"
        if isinstance(n, (Name, Const)):
            name = f"c{len(inits)}"
            inits.append(numpy_helper.from_array(np.array(value(n), dtype=x.dtype), name))
            return name
        if isinstance(n, Neg):
            op, inputs, attrs = "Neg", [emit(n.arg)], {}
        elif isinstance(n, BinOp):
            op, inputs, attrs = _NODES[n.op], [emit(n.left), emit(n.right)], {}
        else:
            schema = _schema(n.fn)
            op, inputs = n.fn, [emit(a) for a in n.args]
            attrs = {k: _attribute(schema, k, value(a)) for k, a in n.kwargs}
        name = f"t{len(nodes)}"
        nodes.append(helper.make_node(op, inputs, [name], **attrs))
        return name

    emit(node)
    nodes[-1].output[0] = "Y"  # the last node computes the whole expression
    X = helper.make_tensor_value_info("X", elem, list(x.shape))
    Y = helper.make_tensor_value_info("Y", elem, list(x.shape))
    graph = helper.make_graph(nodes, "peer", [X], [Y], initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=9)


def _build(node, x, out, env, threads):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.log_severity_level = 3
    try:
        sess = ort.InferenceSession(_model(node, x, env).SerializeToString(), so,
                                    providers=["CPUExecutionProvider"])
    except Exception as e:
        msg = str(e).split("\n")[0]
        raise Unsupported(f"no {x.dtype} kernel in onnxruntime" if "NOT_IMPLEMENTED" in msg
                          else msg) from None
    if out is None:
        return (lambda: sess.run(None, {"X": x})[0]), True
    io = sess.io_binding()
    xv = ort.OrtValue.ortvalue_from_numpy(x)
    ov = ort.OrtValue.ortvalue_from_numpy(out)
    io.bind_ortvalue_input("X", xv)
    io.bind_ortvalue_output("Y", ov)
    run = partial(sess.run_with_iobinding, io)
    run.keep = (xv, ov)  # the bound OrtValues must live as long as the call
    return run, False


ADAPTERS = (
    Adapter("onnxruntime", "onnxrt", "peer", _build, ("onnxruntime", "onnx"), check=_check,
            install=(("onnxruntime", "pip install onnxruntime"),
                     ("onnx", "pip install onnx (builds the one-operator models)")),
            version=lambda: module_version("onnxruntime")),
)
