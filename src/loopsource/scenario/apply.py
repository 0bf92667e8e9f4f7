"""Applying a scenario's operations to a copy of the snapshot's flows.

Each operation is applied, in order, to a *copy* of the purchase flows, products and loops
(records are replaced with ``dataclasses.replace``; the snapshot and the store are never
touched). ``_State`` is the working copy shared by the operations of one scenario: candidate
capacity used by one operation is gone for the next.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..analysis import metrics
from ..analysis.snapshot import Candidate, Loop, Product, Purchase, Site, Snapshot
from ..definitions import supplier_of
from ..geo import haversine_km
from .network_ops import NetworkContext, NetworkPlan, context, make_at, open_hub, serve_market, start_plan
from .parse import Operation, Scenario, err_at, region_matcher

#: Relative tolerance below which a remainder of moved or unmet volume counts as zero.
_EPS = 1e-9


@dataclass(frozen=True)
class UnmetDemand:
    """Demand of a plant for a material that lost its supply and found no replacement."""

    material: str
    plant: str
    kg: float
    remaining_sources: int  # supplier organisations still delivering it (definitions.supplier_of)


@dataclass(frozen=True)
class OperationResult:
    index: int
    op: str
    line: int
    moved_kg: float  # volume moved to another supplier (shift, add-source, reshore, nearshore, resupply)
    removed_kg: float  # supply removed (disrupt)
    unmet_kg: float  # removed supply that found no candidate (disrupt)
    changed: int  # records changed (purchases, products or loops)
    notes: tuple[str, ...]


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    snapshot: Snapshot  # the modified copy
    operations: tuple[OperationResult, ...]
    unmet_demand: tuple[UnmetDemand, ...]
    network: NetworkPlan | None = None  # the network plan, when an operation changed it (network_ops.py)


class _State:
    """Mutable working copy used while operations run; frozen into a Snapshot at the end."""

    def __init__(self, snapshot: Snapshot, file: str, ctx: NetworkContext | None = None):
        self.snap = snapshot
        self.ctx = ctx
        self.plan: NetworkPlan | None = None
        self.file = file  # the scenario file, for errors found while applying
        self.purchases: list[Purchase] = list(snapshot.purchases)
        self.products: dict[str, Product] = dict(snapshot.products)
        self.loops: list[Loop] = list(snapshot.loops)
        self.cand: dict[tuple[str, str], Candidate] = {(c.site, c.material): c for c in snapshot.candidates}
        # Candidate capacity is extra capacity available to this buyer, shared by all the
        # operations of one scenario (two operations cannot both use the same kilograms).
        self.capacity: dict[tuple[str, str], float] = {k: c.capacity_kg for k, c in self.cand.items()}
        self.unmet: dict[tuple[str, str], float] = {}
        self.serial = 0
        self._ranked: dict[tuple[str, str], list[Candidate]] = {}

    def site(self, site_id: str) -> Site:
        return self.snap.sites[site_id]

    def move(self, p: Purchase, to_site: str, kg: float, mode: str | None) -> tuple[Purchase | None, Purchase]:
        """Split ``kg`` of purchase ``p`` off to supplier ``to_site``: (remainder or None, moved)."""
        self.serial += 1
        frac = kg / p.mass_kg if p.mass_kg else 0.0
        cand = self.cand.get((to_site, p.material))
        if cand is not None and cand.unit_price is not None:
            spend, currency = kg * cand.unit_price, cand.currency
        else:
            spend = None if p.spend is None else p.spend * frac
            currency = p.currency
        lead = cand.lead_time_days if cand is not None and cand.lead_time_days is not None else p.lead_time_days
        moved = replace(p, id=f"{p.id}~{self.serial}", supplier_site=to_site, quantity=p.quantity * frac,
                        mass_kg=kg, spend=spend, currency=currency, lead_time_days=lead,
                        transport_mode=mode or self.default_mode(p, to_site))
        rest_kg = p.mass_kg - kg
        rest = None if rest_kg <= _EPS * max(1.0, p.mass_kg) else replace(
            p, quantity=p.quantity * (1 - frac), mass_kg=rest_kg,
            spend=None if p.spend is None else p.spend * (1 - frac))
        return rest, moved

    def default_mode(self, p: Purchase, to_site: str) -> str | None:
        # Moved volume from inside the buyer's M49 region goes by road unless the operation
        # says otherwise; intercontinental volume keeps the mode it had.
        buyer, new = self.site(p.buyer_site), self.site(to_site)
        if buyer.region is not None and buyer.region == new.region:
            return "road"
        return p.transport_mode

    def take_capacity(self, site: str, material: str, wanted: float) -> float:
        key = (site, material)
        if key not in self.capacity:
            return wanted
        got = min(wanted, self.capacity[key])
        self.capacity[key] -= got
        return got

    def km(self, a: str, b: str) -> float:
        pa, pb = metrics.site_position(self.site(a)), metrics.site_position(self.site(b))
        if pa is None or pb is None:
            return math.inf
        return haversine_km(pa[0], pa[1], pb[0], pb[1])

    def price(self, c: Candidate) -> float:
        if c.unit_price is None:
            return math.inf
        rate = self.snap.fx.get(c.currency or "", 1.0)
        return c.unit_price * rate

    def ranked(self, material: str, buyer: str, where: Callable[[Site], bool], exclude: str) -> list[Candidate]:
        """Candidates for a material inside an area: nearest to the buyer first, then cheapest."""
        key = (material, buyer)
        ranked = self._ranked.get(key)
        if ranked is None:  # sorted once per material and plant; the area filter is cheap
            cands = [c for c in self.snap.candidates if c.material == material and c.site in self.snap.sites]
            ranked = self._ranked[key] = sorted(cands, key=lambda c: (self.km(c.site, buyer), self.price(c), c.site))
        return [c for c in ranked if c.site != exclude and where(self.site(c.site))]

    def freeze(self) -> Snapshot:
        return replace(self.snap, purchases=tuple(self.purchases), products=dict(self.products),
                       loops=tuple(self.loops))


def _supplier_filter(op: Operation, state: _State) -> Callable[[Site], bool]:
    if op.get("from_site"):
        sid = op.get("from_site")
        return lambda s: s.id == sid
    if op.get("from_country"):
        cc = op.get("from_country").upper()
        return lambda s: s.country == cc
    match = region_matcher(op.get("from_region"), state.snap)
    assert match is not None  # checked by check_scenario
    return match


def _scope(op: Operation, p: Purchase) -> bool:
    mat, buyer = op.params.get("material"), op.params.get("buyer")
    return (mat is None or p.material == mat) and (buyer is None or p.buyer_site == buyer)


def _apply_shift(op: Operation, st: _State) -> OperationResult:
    match = _supplier_filter(op, st)
    to, share, mode = op.get("to"), op.get("share"), op.get("transport_mode")
    out: list[Purchase] = []
    moved_kg, changed, short = 0.0, 0, 0.0
    for p in st.purchases:
        if _scope(op, p) and p.supplier_site != to and match(st.site(p.supplier_site)) and share > 0:
            wanted = p.mass_kg * share
            kg = st.take_capacity(to, p.material, wanted)
            short += wanted - kg
            if kg > 0:
                rest, moved = st.move(p, to, kg, mode)
                out.extend(x for x in (rest, moved) if x is not None)
                moved_kg += kg
                changed += 1
                continue
        out.append(p)
    st.purchases = out
    notes = []
    if changed == 0:
        notes.append("no purchase matched: nothing was moved")
    if short > _EPS:
        notes.append(f"{short:,.0f} kg not moved: candidate capacity of {to} reached")
    return OperationResult(0, op.op, op.line, moved_kg, 0.0, 0.0, changed, tuple(notes))


def _apply_add_source(op: Operation, st: _State) -> OperationResult:
    site, share, mode = op.get("candidate"), op.get("share"), op.get("transport_mode")
    targets = [p for p in st.purchases if _scope(op, p) and p.supplier_site != site]
    wanted = sum(p.mass_kg for p in targets) * share
    got = st.take_capacity(site, op.get("material"), wanted)
    # When capacity binds, every purchase gives up the same smaller fraction, so no plant or
    # supplier is favoured by the order of the rows.
    eff = share * (got / wanted) if wanted > 0 else 0.0
    notes = []
    if wanted - got > _EPS:
        notes.append(f"capacity of {site} ({got:,.0f} kg) covers {eff:.4g} of the volume instead of {share:g}")
    if not targets:
        notes.append("no purchase matched: nothing was moved")
    ids = {id(p) for p in targets}
    out: list[Purchase] = []
    moved_kg = 0.0
    for p in st.purchases:
        if id(p) in ids and eff > 0:
            rest, moved = st.move(p, site, p.mass_kg * eff, mode)
            out.extend(x for x in (rest, moved) if x is not None)
            moved_kg += moved.mass_kg
        else:
            out.append(p)
    st.purchases = out
    return OperationResult(0, op.op, op.line, moved_kg, 0.0, 0.0, len(targets) if eff > 0 else 0, tuple(notes))


def _fill(p: Purchase, kg: float, cands: Sequence[Candidate], st: _State, mode: str | None) -> tuple[list[Purchase], float]:
    """Move up to ``kg`` of ``p`` to ranked candidates within capacity: (new purchases, kg left)."""
    out: list[Purchase] = []
    rest: Purchase | None = p
    left = kg
    for c in cands:
        if left <= _EPS or rest is None:
            break
        got = st.take_capacity(c.site, c.material, left)
        if got <= _EPS:
            continue
        rest, moved = st.move(rest, c.site, got, mode)
        out.append(moved)
        left -= got
    if rest is not None:
        out.append(rest)
    return out, max(left, 0.0)


def _apply_shore(op: Operation, st: _State) -> OperationResult:
    share, mode = op.get("share"), op.get("transport_mode")
    inside: Callable[[Site, Site], bool]
    if op.op == "reshore":
        inside = lambda buyer, s: s.country == buyer.country  # noqa: E731
    else:
        inside = lambda buyer, s: buyer.region is not None and s.region == buyer.region  # noqa: E731
    out: list[Purchase] = []
    moved_kg, changed, short = 0.0, 0, 0.0
    # Rows are visited in list order (purchase id order, moved volume next to its origin),
    # so that when capacity runs out the same purchases are served first on every run.
    for p in st.purchases:
        if not (share > 0 and _scope(op, p)):
            out.append(p)
            continue
        buyer = st.site(p.buyer_site)
        if inside(buyer, st.site(p.supplier_site)):
            out.append(p)
            continue
        cands = st.ranked(p.material, p.buyer_site, lambda s, b=buyer: inside(b, s), p.supplier_site)
        wanted = p.mass_kg * share
        new, left = _fill(p, wanted, cands, st, mode)
        moved_kg += wanted - left
        short += left
        changed += 1 if wanted - left > _EPS else 0
        out.extend(new)
    st.purchases = out
    area = "country" if op.op == "reshore" else "M49 region"
    notes = []
    if short > _EPS:
        notes.append(f"{short:,.0f} kg stays outside the buyer's {area}: no candidate capacity left inside it")
    if changed == 0 and short <= _EPS:
        notes.append(f"no purchase from outside the buyer's {area} matched")
    return OperationResult(0, op.op, op.line, moved_kg, 0.0, 0.0, changed, tuple(notes))


def _apply_disrupt(op: Operation, st: _State) -> OperationResult:
    if op.get("country"):
        cc = op.get("country").upper()
        hit: Callable[[Site], bool] = lambda s: s.country == cc  # noqa: E731
        area = cc
    else:
        match = region_matcher(op.get("region"), st.snap)
        assert match is not None
        hit, area = match, op.get("region")
    resupply = op.get("resupply", True)
    kept = [p for p in st.purchases if not hit(st.site(p.supplier_site))]
    lost = sorted((p for p in st.purchases if hit(st.site(p.supplier_site))), key=lambda x: x.id)
    removed = sum(p.mass_kg for p in lost)
    moved_kg, unmet_kg = 0.0, 0.0
    for p in lost:
        # Lost volume is re-sourced from candidates outside the disrupted area (nearest to the
        # plant, then cheapest, within capacity). What no candidate can take is unmet demand;
        # remaining suppliers are not assumed to scale up, as their spare capacity is unknown.
        cands = st.ranked(p.material, p.buyer_site, lambda s: not hit(s), p.supplier_site) if resupply else []
        new, left = _fill(p, p.mass_kg, cands, st, None)
        kept.extend(x for x in new if x.supplier_site != p.supplier_site)
        moved_kg += p.mass_kg - left
        if left > _EPS:
            key = (p.material, p.buyer_site)
            st.unmet[key] = st.unmet.get(key, 0.0) + left
            unmet_kg += left
    st.purchases = kept
    notes = [] if lost else [f"no purchase is supplied from {area}"]
    return OperationResult(0, op.op, op.line, moved_kg, removed, unmet_kg, len(lost), tuple(notes))


def _apply_loop(op: Operation, st: _State) -> OperationResult:
    changed = 0
    notes: list[str] = []
    if op.get("product"):
        pid = op.get("product")
        changes = {k: v for k, v in op.params.items() if k != "product"}
        new = replace(st.products[pid], **changes)
        if new.collection_recycling_share + new.collection_reuse_share > 1 + _EPS:
            raise err_at(st.file, op.line, f"loop: collection_recycling_share + collection_reuse_share of "
                                             f"{pid} would be above 1")
        st.products[pid] = new
        return OperationResult(0, op.op, op.line, 0.0, 0.0, 0.0, 1, ())
    mat = op.get("material")
    rec, reu = op.get("recycled_share"), op.get("reused_share")
    if rec is not None or reu is not None:
        out = []
        for p in st.purchases:
            if p.material == mat:
                q = replace(p, recycled_share=rec if rec is not None else p.recycled_share,
                            reused_share=reu if reu is not None else p.reused_share)
                if (q.recycled_share or 0) + (q.reused_share or 0) > 1 + _EPS:
                    raise err_at(st.file, op.line, f"loop: recycled_share + reused_share of {mat} would be above 1 "
                                                     f"(purchase {p.id})")
                out.append(q)
                changed += 1
            else:
                out.append(p)
        st.purchases = out
    if op.get("outflow_from"):
        src, dst, share = op.get("outflow_from"), op.get("outflow_to"), op.get("outflow_share")
        loops: list[Loop] = []
        n = 0
        for lp in st.loops:
            if lp.material == mat and lp.strategy == src and share > 0:
                n += 1
                kept_kg = lp.mass_kg * (1 - share)
                if kept_kg > _EPS:
                    loops.append(replace(lp, mass_kg=kept_kg))
                loops.append(replace(lp, id=f"{lp.id}~{dst}", strategy=dst, mass_kg=lp.mass_kg * share))
            else:
                loops.append(lp)
        st.loops = loops
        changed += n
        if n == 0:
            notes.append(f"no loop of {mat} with strategy {src}")
    return OperationResult(0, op.op, op.line, 0.0, 0.0, 0.0, changed, tuple(notes))


def _apply_network(op: Operation, st: _State) -> OperationResult:
    """open-hub, serve-market, make-at: change the network plan (scenario/network_ops.py)."""
    snap = st.freeze()
    if st.ctx is None:
        st.ctx = context(snap)
    if st.plan is None:
        st.plan = start_plan(st.ctx.data(snap))
    if op.op == "open-hub":
        n, kg, notes = open_hub(op, snap, st.ctx, st.plan)
        return OperationResult(0, op.op, op.line, kg, 0.0, 0.0, n, tuple(notes))
    if op.op == "serve-market":
        serve_market(op, snap, st.plan)
        return OperationResult(0, op.op, op.line, 0.0, 0.0, 0.0, 1, ())

    def new_id(pid: str) -> str:
        st.serial += 1
        return f"{pid}~{st.serial}"

    st.purchases, n, kg, notes = make_at(op, snap, st.plan, st.purchases, new_id)
    return OperationResult(0, op.op, op.line, kg, 0.0, 0.0, n, tuple(notes))


_APPLY: dict[str, Callable[[Operation, _State], OperationResult]] = {
    "shift": _apply_shift, "add-source": _apply_add_source, "reshore": _apply_shore, "nearshore": _apply_shore,
    "disrupt": _apply_disrupt, "loop": _apply_loop,
    "open-hub": _apply_network, "serve-market": _apply_network, "make-at": _apply_network,
}


def apply_scenario(scenario: Scenario, snapshot: Snapshot, ctx: NetworkContext | None = None) -> ScenarioResult:
    """Apply the operations, in order, to a copy of the snapshot's flows (and network plan;
    ``ctx`` prices the network operations: default costs and emission factors when None)."""
    st = _State(snapshot, scenario.file, ctx)
    results = []
    for i, op in enumerate(scenario.operations, start=1):
        r = _APPLY[op.op](op, st)
        results.append(replace(r, index=i))
    snap = st.freeze()
    sources: dict[tuple[str, str], set[str]] = {}
    if st.unmet:
        for p in snap.purchases:
            site = snap.sites.get(p.supplier_site)
            sources.setdefault((p.material, p.buyer_site), set()).add(
                supplier_of(site.organisation if site else None, p.supplier_site))
    unmet = [UnmetDemand(mat, plant, kg, len(sources.get((mat, plant), ())))
             for (mat, plant), kg in sorted(st.unmet.items())]
    return ScenarioResult(scenario, snap, tuple(results), tuple(unmet), st.plan)
