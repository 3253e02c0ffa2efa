"""Private SIMD building block for the running-window kernels: an in-register prefix sum.

LLVM does not vectorise a prefix sum (each output depends on the previous one), so
``scan_block`` emits the vector code itself through a Numba intrinsic. It reads
``BLOCK`` = 8 samples, widens them to float64 (squares them for AGC), forms the inclusive
prefix sum of each group of 4 lanes with two shift-and-add steps (Hillis-Steele), joins the
two groups, adds the running carry and stores the 8 prefix sums. The carry chain from one block
to the next is a single scalar addition. With ``NUMBA_DISABLE_JIT=1`` the plain NumPy twin
``scan_block_py`` (same operations in the same order) is used instead. ``scan_row`` runs the
same block scan over a whole row inside one intrinsic, keeping the carry in a vector register
(bit-identical; twin ``scan_row_py``); AGC uses it.

References
----------
.. [1] Hillis, W. D., & Steele, G. L. (1986). Data parallel algorithms. *Communications of the
   ACM*, 29(12), 1170-1183 (the log-step scan used inside one vector).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir
from numba import config, types
from numba.extending import intrinsic

LANES = 4  # float64 lanes of one 256-bit vector
BLOCK = 2 * LANES  # samples per call
_I32 = ir.IntType(32)


def _mask(values: Any) -> ir.Constant:
    values = list(values)
    return ir.Constant(ir.VectorType(_I32, len(values)), values)


def scan_block_py(src: Any, i: int, dst: Any, j: int, carry: float, square: bool) -> float:
    """NumPy twin of ``scan_block``: ``dst[j + k] = carry + sum(a[i .. i + k])`` for k < 8 with
    ``a = float64(src)`` (squared if ``square``); returns ``carry + sum(a[i .. i + 7])``."""
    offset = np.float64(carry)
    run = np.float64(0.0)
    for g in range(2):
        v = np.asarray(src[i + g * LANES : i + (g + 1) * LANES], dtype=np.float64).copy()
        if square:
            v = v * v
        k = 1
        while k < LANES:
            shifted = np.zeros(LANES)
            shifted[k:] = v[:-k]
            v = v + shifted
            k *= 2
        dst[j + g * LANES : j + (g + 1) * LANES] = v + offset
        run = v[-1] if g == 0 else run + v[-1]
        if g == 0:
            offset = np.float64(carry) + run
    return float(np.float64(carry) + run)


@intrinsic
def _scan_block(typingctx: Any, src: Any, i: Any, dst: Any, j: Any, carry: Any, square: Any) -> Any:
    sig = types.float64(src, i, dst, j, carry, square)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        src_v, i_v, dst_v, j_v, carry_v, square_v = args
        src_arr = context.make_array(signature.args[0])(context, builder, src_v)
        dst_arr = context.make_array(signature.args[2])(context, builder, dst_v)
        element = context.get_data_type(signature.args[0].dtype)
        vec_src = ir.VectorType(element, LANES)
        vec = ir.VectorType(ir.DoubleType(), LANES)
        zero = ir.Constant(vec, None)
        locals_ = []
        for g in range(2):
            index = builder.add(i_v, ir.Constant(i_v.type, g * LANES))
            pointer = builder.bitcast(builder.gep(src_arr.data, [index]), vec_src.as_pointer())
            v = builder.load(pointer, align=1)
            if element != ir.DoubleType():
                v = builder.fpext(v, vec)
            v = builder.select(square_v, builder.fmul(v, v), v)
            k = 1
            while k < LANES:  # lane m += lane m - k (zero shifted in)
                shifted = builder.shuffle_vector(
                    zero, v, _mask(LANES + m - k for m in range(LANES))
                )
                v = builder.fadd(v, shifted)
                k *= 2
            locals_.append(v)
        offset = carry_v
        run = None
        for g, v in enumerate(locals_):
            total = builder.extract_element(v, ir.Constant(_I32, LANES - 1))
            splat = builder.insert_element(
                ir.Constant(vec, ir.Undefined), offset, ir.Constant(_I32, 0)
            )
            splat = builder.shuffle_vector(splat, splat, _mask([0] * LANES))
            index = builder.add(j_v, ir.Constant(j_v.type, g * LANES))
            pointer = builder.bitcast(builder.gep(dst_arr.data, [index]), vec.as_pointer())
            builder.store(builder.fadd(v, splat), pointer, align=8)
            run = total if run is None else builder.fadd(run, total)
            if g == 0:
                offset = builder.fadd(carry_v, run)
        return builder.fadd(carry_v, run)

    return sig, codegen


scan_block: Any = scan_block_py if getattr(config, "DISABLE_JIT", False) else _scan_block


def scan_row_py(src: Any, dst: Any, j: int, n_blocks: int, square: bool) -> float:
    """NumPy twin of ``scan_row``: ``scan_block_py`` over the first ``n_blocks`` blocks of
    ``src``, writing ``dst[j:j + 8 * n_blocks]``; returns the last prefix sum (0 if none)."""
    carry = 0.0
    for b in range(n_blocks):
        carry = scan_block_py(src, b * BLOCK, dst, j + b * BLOCK, carry, square)
    return carry


@intrinsic
def _scan_row(typingctx: Any, src: Any, dst: Any, j: Any, n_blocks: Any, square: Any) -> Any:
    """The whole-row loop of ``scan_block`` as one intrinsic, so that the carry stays a vector.

    Same operations in the same order as ``scan_block`` (bit-identical results), but the
    running carry is kept broadcast in all lanes across blocks: the group totals are splat with
    one lane permute each instead of being extracted to a scalar and broadcast back, which
    saves a few shuffle uops per block (about 9 % of the AGC kernel).
    """
    sig = types.float64(src, dst, j, n_blocks, square)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        src_v, dst_v, j_v, nb_v, square_v = args
        src_arr = context.make_array(signature.args[0])(context, builder, src_v)
        dst_arr = context.make_array(signature.args[1])(context, builder, dst_v)
        element = context.get_data_type(signature.args[0].dtype)
        vec_src = ir.VectorType(element, LANES)
        vec = ir.VectorType(ir.DoubleType(), LANES)
        zero = ir.Constant(vec, None)
        top = _mask([LANES - 1] * LANES)
        index_type = nb_v.type
        j_v = builder.sext(j_v, index_type) if j_v.type != index_type else j_v
        entry = builder.block
        loop = builder.append_basic_block("scan_row.loop")
        body = builder.append_basic_block("scan_row.body")
        done = builder.append_basic_block("scan_row.done")
        builder.branch(loop)
        builder.position_at_end(loop)
        b = builder.phi(index_type)
        carry = builder.phi(vec)
        b.add_incoming(ir.Constant(index_type, 0), entry)
        carry.add_incoming(zero, entry)
        builder.cbranch(builder.icmp_signed("<", b, nb_v), body, done)
        builder.position_at_end(body)
        start = builder.mul(b, ir.Constant(index_type, BLOCK))
        locals_ = []
        for g in range(2):
            index = builder.add(start, ir.Constant(index_type, g * LANES))
            pointer = builder.bitcast(builder.gep(src_arr.data, [index]), vec_src.as_pointer())
            v = builder.load(pointer, align=1)
            if element != ir.DoubleType():
                v = builder.fpext(v, vec)
            v = builder.select(square_v, builder.fmul(v, v), v)
            k = 1
            while k < LANES:  # lane m += lane m - k (zero shifted in)
                shifted = builder.shuffle_vector(
                    zero, v, _mask(LANES + m - k for m in range(LANES))
                )
                v = builder.fadd(v, shifted)
                k *= 2
            locals_.append(v)
        total0 = builder.shuffle_vector(locals_[0], locals_[0], top)
        total1 = builder.shuffle_vector(locals_[1], locals_[1], top)
        offsets = [carry, builder.fadd(carry, total0)]  # as scan_block: carry + run
        for g in range(2):
            index = builder.add(builder.add(j_v, start), ir.Constant(index_type, g * LANES))
            pointer = builder.bitcast(builder.gep(dst_arr.data, [index]), vec.as_pointer())
            builder.store(builder.fadd(locals_[g], offsets[g]), pointer, align=8)
        carry_next = builder.fadd(carry, builder.fadd(total0, total1))
        b.add_incoming(builder.add(b, ir.Constant(index_type, 1)), builder.block)
        carry.add_incoming(carry_next, builder.block)
        builder.branch(loop)
        builder.position_at_end(done)
        return builder.extract_element(carry, ir.Constant(_I32, 0))

    return sig, codegen


scan_row: Any = scan_row_py if getattr(config, "DISABLE_JIT", False) else _scan_row
