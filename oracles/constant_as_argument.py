"""The constant-as-argument oracle (metamorphic, in the spirit of equivalence modulo inputs).

The program and its rewrite with every constant that reaches an op's destination
(directly, or as what a destination computed from constants only is computed from, such
as a broadcast constant bias) passed in as an argument (`constants_to_args`) compute the
same function, so in
the same cell, on the same inputs (plus the constants' values), they must give
the same outputs: bit for bit where values are exact (`value_facts`), else the
output is not compared. A difference is a `miscompile` caused by how IREE
handles constants, found without any model of the ops: the decoupling pass,
constant inlining and copy-on-write act on the original, not on the rewrite.

It compiles and runs the rewrite in every cell that ran, so it abstains where
the numpy reference already judges (programs fuzzir models), where no constant
reaches a destination, and on outputs whose exactness is not established.
"""

from __future__ import annotations

import os

from fuzzir.compiler import compile_program
from fuzzir.findings import Observation
from fuzzir.oracles import Abstain, Evidence, register
from fuzzir.oracles.constants_to_args import constants_to_args
from fuzzir.oracles.outputs import differ, result_facts, tolerance
from fuzzir.runner import run_module

_DIR = "constants-as-arguments"


class ConstantAsArgument:
    name = "constant-as-argument"

    def judge(self, ev: Evidence) -> list[Observation] | Abstain:
        if ev.expectation is not None:
            return Abstain("the numpy reference judges this cell")
        if ev.run is None:
            return Abstain(f"not run: {ev.facts.invalid}" if ev.facts and ev.facts.invalid
                           else f"no {ev.cell.target.name} device here: compiled, not run")
        if not ev.run.ok or ev.inputs is None or ev.source is None:
            return Abstain("the module did not run")
        if not ev.lowered:
            return Abstain("the program has no input-phase IR to rewrite")
        tols = [tolerance(ev, j) for j in range(len(ev.run.outputs))]
        judged = [j for j, t in enumerate(tols) if not isinstance(t, str)]
        if not judged:
            return Abstain(f"no output can be compared: {next((t for t in tols if isinstance(t, str)), 'none')}")
        rewrite = constants_to_args(ev.lowered, ev.source.function)
        if rewrite.problem:
            return Abstain(rewrite.problem)
        work = os.path.join(ev.work, _DIR)
        os.makedirs(work, exist_ok=True)
        path = os.path.join(work, "rewritten.mlir")
        with open(path, "w") as f:
            f.write(rewrite.text)
        c = ev.cell
        res = compile_program(path, c.target, c.variant, flags=c.flags, workdir=work,
                              timeout=ev.limits.compile_timeout, pass_name=ev.limits.pass_name, dump_phases=False,
                              mem_limit_mb=ev.limits.rss_limit_mb)
        if not res.ok or res.vmfb is None:
            return Abstain(f"the rewrite did not compile: {res.first_error or res.status}")
        run = run_module(res.vmfb, c.target, [*ev.inputs, *rewrite.values], workdir=work,
                         timeout=ev.limits.run_timeout, function=ev.source.function,
                         mem_limit_mb=ev.limits.rss_limit_mb,
                         result_types=ev.source.result_types())
        if not run.ok or len(run.outputs) != len(ev.run.outputs):
            return Abstain("the rewrite did not run")
        obs = []
        for j in judged:
            problem = differ(run.outputs[j], ev.run.outputs[j], tols[j])
            if problem is None:
                continue
            index, name, family, init, dclass = result_facts(ev, j)
            problem = problem.replace("expected", "with them as arguments").replace("got", "as constants")
            obs.append(Observation(
                "miscompile", c.variant, c.target.name, c.flags, "run",
                f"result {j} changes when its constants ({', '.join(rewrite.names)}) are passed as arguments: "
                f"{problem}", op_index=index, op_name=name, family=family, init_kind=init, dtype_class=dclass))
        return obs


register(ConstantAsArgument())
