"""The differential oracle: every cell that ran must compute the same outputs.

Cells are the same program compiled for different targets (llvm-cpu, vmvx,
vulkan ...) and `with` or `without` the decoupling pass; on the same inputs they
must agree bit for bit wherever the values are exact (the numpy reference says
so for programs fuzzir models; `value_facts` establishes it for the others), and
within twice the reference's derived error bound where one exists. Otherwise an
output is not compared, and a cell with no comparable output abstains.

It needs no model of the ops, so it judges programs fuzzir did not write (for
programs fuzzir models it abstains: the numpy reference judges each cell against
the expected values, which is strictly stronger).

Which cell is wrong is decided by majority among *targets* of one variant and
flag set: backends are independent, so the cells outside the largest group of
agreeing targets are reported (`miscompile`). Variants are not independent: a
bug of the pass shows on every target `with` it, so `with` would outvote
`without` however right `without` is. When `with` and `without` disagree on a
target, or two targets tie, nothing establishes which side is wrong and the
cells abstain saying so (blaming the right side would be a false positive); a
pass that changes values is caught by the constant-as-argument oracle instead.
"""

from __future__ import annotations

from fuzzir.findings import Observation
from fuzzir.oracles import Abstain, Evidence, Verdict, register
from fuzzir.oracles.outputs import differ, result_facts, tolerance


def _name(ev: Evidence) -> str:
    return f"{ev.cell.target.name}/{ev.cell.variant}"


class Differential:
    name = "differential"

    def judge_case(self, evidences: list[Evidence]) -> list[Verdict]:
        if evidences[0].expectation is not None:
            return [Abstain("the numpy reference judges every cell") for _ in evidences]
        ran = [ev for ev in evidences if ev.run is not None and ev.run.ok]
        if not ran:
            return [self._idle(ev, "no cell ran") for ev in evidences]
        n_out = len(ran[0].run.outputs)
        tols = [tolerance(ran[0], j) for j in range(n_out)]
        judged = [j for j, t in enumerate(tols) if not isinstance(t, str)]
        if len(ran) < 2:
            return [self._idle(ev, "no other cell ran to compare with") for ev in evidences]
        if not judged:
            why = next(t for t in tols if isinstance(t, str)) if tols else "the function has no outputs"
            return [self._idle(ev, f"no output can be compared: {why}") for ev in evidences]
        verdicts: dict[int, Verdict] = {}
        for variant in {(ev.cell.variant, ev.cell.flags) for ev in ran}:
            same = [ev for ev in ran if (ev.cell.variant, ev.cell.flags) == variant]
            verdicts.update(self._vote(same, judged, tols))
        for ev in ran:  # with vs without on one target: a disagreement no vote can settle
            for other in ran:
                if (other.cell.target.name, other.cell.flags) == (ev.cell.target.name, ev.cell.flags) and (
                        other.cell.variant != ev.cell.variant) and not self._agree(ev, other, judged, tols):
                    if verdicts.get(id(ev)) == []:
                        verdicts[id(ev)] = Abstain(f"{_name(ev)} and {_name(other)} disagree: the pass changes "
                                                   "the values, and which is right is not established")
        return [verdicts.get(id(ev), self._idle(ev, "")) for ev in evidences]

    def _vote(self, cells: list[Evidence], judged: list[int], tols: list) -> dict[int, Verdict]:
        """Majority among the targets of one variant: the cells outside it are reported."""
        groups: list[list[Evidence]] = []
        for ev in cells:
            for g in groups:
                if self._agree(g[0], ev, judged, tols):
                    g.append(ev)
                    break
            else:
                groups.append([ev])
        sizes = sorted((len(g) for g in groups), reverse=True)
        if len(sizes) > 1 and sizes[0] == sizes[1]:
            split = " vs ".join("+".join(_name(e) for e in g) for g in groups)
            why = f"targets disagree with no majority ({split}): which is wrong is not established"
            return {id(ev): Abstain(why) for ev in cells}
        good = max(groups, key=len)
        return {id(ev): [] if ev in good else self._report(ev, good, judged, tols) for ev in cells}

    @staticmethod
    def _idle(ev: Evidence, why: str) -> Abstain:
        if ev.run is None:
            return Abstain(f"no {ev.cell.target.name} device here: compiled, not run" if not (
                ev.facts and ev.facts.invalid) else f"not run: {ev.facts.invalid}")
        if not ev.run.ok:
            return Abstain("the module did not run")
        return Abstain(why)

    @staticmethod
    def _agree(a: Evidence, b: Evidence, judged: list[int], tols: list) -> bool:
        if len(a.run.outputs) != len(b.run.outputs):
            return False
        return all(differ(a.run.outputs[j], b.run.outputs[j], tols[j]) is None for j in judged)

    @staticmethod
    def _report(ev: Evidence, good: list[Evidence], judged: list[int], tols: list) -> list[Observation]:
        c = ev.cell
        ref = good[0]
        how = f"the {len(good)} cells that agree ({', '.join(_name(g) for g in good)})"
        if len(ev.run.outputs) != len(ref.run.outputs):
            return [Observation("miscompile", c.variant, c.target.name, c.flags, "run",
                                f"{len(ev.run.outputs)} outputs, {len(ref.run.outputs)} in {how}")]
        obs = []
        for j in judged:
            problem = differ(ref.run.outputs[j], ev.run.outputs[j], tols[j])
            if problem is None:
                continue
            index, name, family, init, dclass = result_facts(ev, j)
            exactness = "exact" if tols[j] is None else "within derived tolerance"
            problem = problem.replace("expected", "there").replace("got", "here")
            obs.append(Observation(
                "miscompile", c.variant, c.target.name, c.flags, "run",
                f"result {j} ({exactness} compare) differs from {how}: {problem}",
                op_index=index, op_name=name, family=family, init_kind=init, dtype_class=dclass))
        return obs

register(Differential())
