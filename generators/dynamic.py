"""Dynamic-shaped arguments: which argument dims a generated program prints as `?`.

Frontends emit `tensor<?x8xf32>` arguments; linalg lets such an input meet a static
destination (`ins(%a : tensor<?x8xf32>) outs(%cst : tensor<4x8xf32>)`), and IREE 3.13
compiles that on llvm-cpu, vmvx and vulkan without a `tensor.cast`. A dim is made dynamic only
where a static operand of every op reading it fixes its size, so `fuzzir.parse` reads the same
sizes back from the text (the model keeps them: they are the inputs fuzzir passes).
`linalg.reduce` is the exception: its verifier compares its input's kept dims with its init's,
so its input stays static (a generic reduction mixes them freely).
"""

from __future__ import annotations

from hypothesis import strategies as st

from fuzzir.model import Program, Ref


def pinned(program: Program, dynamic: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The (argument, dim) pairs of `dynamic` whose size a static operand fixes in every op reading
    the argument (a bare loop dim shared with a dim that is not dynamic), found as a fixed point:
    dropping a pair makes its dim static, which can only fix more. So `fuzzir.parse` reads the
    same sizes back from the text; arguments used as inits or results stay static."""
    # `linalg.reduce`'s verifier wants its input's kept dims to equal its init's, statically; a tensor
    # op (insert_slice, scatter) has no indexing maps to fix a size by, so its operands stay static too.
    keep = {(a, d) for a, d in dynamic
            if not any(r.kind == "arg" and r.index == a for op in program.ops
                       for r in (op.operands if op.name == "linalg.reduce" or not op.all_maps else op.inits))
            and Ref("arg", a) not in program.results}
    while True:
        bad = set()
        for a, d in keep:
            for op in program.ops:
                if not op.all_maps:
                    continue
                for ref, amap in zip(op.operands, op.all_maps, strict=True):
                    if ref != Ref("arg", a):
                        continue
                    e = amap[d]
                    loop = e.terms[0][0] if e.is_dim() else None
                    fixed = loop is not None and any(
                        f.is_dim() and f.terms[0][0] == loop and not (r.kind == "arg" and (r.index, j) in keep)
                        for r, m in zip(op.operands, op.all_maps, strict=True) for j, f in enumerate(m))
                    if not fixed:
                        bad.add((a, d))
        if not bad:
            return keep
        keep -= bad


def dynamic_dims(program: Program, draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    """Some argument dims printed `?`: drawn per dim, kept where a static operand fixes the size."""
    drawn = {(a, d) for a, t in enumerate(program.args) for d in range(len(t.shape)) if draw(st.booleans())}
    return tuple(sorted(pinned(program, drawn)))
