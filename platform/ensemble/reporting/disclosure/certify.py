"""Certificates: proofs, without a linear program, that a hidden cell stays wide.

A hidden cell is protected for a reader when its *residual* — the cell minus its
published sub-cells, minus what the reader knows — can be moved up by p and
down by min(p, value) (its whole value when two or more centres make it) while
every published figure stays the same. Such moves shift figures between centres
the reader does not know:

- a *pair move* takes mass from centre b and gives it to centre a; it keeps
  every published cell when every cell containing exactly one of them is hidden
  (cities a and b in one département; départements too when both are hidden),
  and every published panel contains both or neither (same *signature*);
- a *single move* changes one centre alone: valid when every cell containing it
  is hidden (its city, département and network) and it belongs to no panel;
- a breakdown keeps adding up: a move of a total carries the same move of one
  part, between centres that gave the full breakdown (rows hidden in both
  layers); a *swap* moves a part up and the others down in one centre and the
  reverse in a partner centre (rows whose breakdown is hidden).

Moves give feasible points only: a certified cell is protected; a cell that is
not certified goes to the linear program (`lp.py`), which decides.

Every reader is covered at once. The cells a move draws from lose, for the worst
reader, the most one reader knows of them (`a_reader`: one centre, or a group
read together). A reader inside the hidden cell knows part of its residual; if
that part is a whole *unit* (an atom, or a class of atoms of a département) the
moves into that unit vanish for them, and the rest must still cover what the
residual hides from them: each such *fragile* unit is checked apart.

Bounded indicators (a catalogue maximum; 1 for a yes-or-no question): a move may
raise a centre only up to the maximum. A unit receives at most its *headroom*
(the room its unknown centres have left under the maximum, less what one reader
inside knows of it unless the unit is fragile), and gives away at most what its
partners have room for; single moves are capped the same way. The protection of
a bounded residual is capped by what the maximum allows (never above every
unknown centre at the maximum), and a yes-or-no residual of zero is a target too:
it must be able to rise by one centre.

Vectorised over every block: a pass costs a few group sums over the atoms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ensemble.reporting.disclosure.model import (
    CITY,
    DEPARTEMENT,
    FULL,
    NETWORK,
    OTHER,
    PARTS,
    TOTAL,
    Arrays,
    Segments,
)
from ensemble.reporting.disclosure.rules import EPSILON, Rules

INF = np.inf


@dataclass
class Certificate:
    """Per cell (rows × keys): whether it is a target (hidden, with something to
    hide) and whether moves prove it protected for every reader."""

    target: np.ndarray
    certified: np.ndarray
    residual: np.ndarray  # what the cell hides from every reader (named centres excluded)
    residual_count: np.ndarray

    @property
    def failing(self) -> np.ndarray:
        return self.target & ~self.certified


class Certifier:
    """Static groupings of the atoms, reused by every pass. `sensitive` (rows × keys)
    are the cells the primary rules keep secret: the targets, when hidden (a cell
    hidden only to protect them is not protected for its own sake — what it holds
    beyond them could have been published; every centre's figure stays protected,
    which the tests check apart)."""

    def __init__(self, arrays: Arrays, rules: Rules, sensitive: np.ndarray):
        self.a = a = arrays
        self.rules = rules
        # Given by the caller (protect.sensitive_cells): the rules live above this module.
        self.sensitive = sensitive
        self.atom_dep = a.r_parent[a.a_row]
        self.atom_net = a.r_net[a.a_row]
        self.movable = a.a_pattern != OTHER
        self.full = a.a_pattern == FULL
        # Groups: (département, class) and (network, class).
        self.ga, ga_first = _compact(self.atom_dep * 16 + a.a_class)
        self.gb, gb_first = _compact(self.atom_net * 16 + a.a_class)
        self.ga_dep = self.atom_dep[ga_first]
        self.ga_gb = self.gb[ga_first]
        self.ga_sig = a.a_sig[ga_first]
        self.ga_full = self.full[ga_first]
        self.ga_movable = self.movable[ga_first]
        self.gb_net = self.atom_net[gb_first]
        self.gb_sig = a.a_sig[gb_first]
        self.gb_full = self.full[gb_first]
        self.gb_movable = self.movable[gb_first]
        self.nga, self.ngb = len(ga_first), len(gb_first)
        self.max_coalition = a.b_max_coalition[a.r_block]
        self.K = a.K
        self.key_in_block = np.arange(a.K)[None, :] < a.b_nkeys[a.r_block][:, None]
        self.people = a.people_of_row()[:, None]
        self.upper = a.b_upper[a.r_block][:, None]  # per row; inf: no maximum
        self.binary = a.b_binary[a.r_block][:, None]
        self.bounded = bool(np.isfinite(a.b_upper).any())
        n = a.rows
        self.seg_ga = Segments(self.ga, self.nga)
        self.seg_gb = Segments(self.gb, self.ngb)
        self.seg_atom_row = Segments(a.a_row, n)
        self.seg_ga_dep = Segments(self.ga_dep, n)
        self.seg_gb_net = Segments(self.gb_net, n)
        self.seg_ga_gb = Segments(self.ga_gb, self.ngb)
        self.city_rows = np.flatnonzero(a.r_level == CITY)
        self.dep_rows = np.flatnonzero(a.r_level == DEPARTEMENT)
        self.seg_city_dep = Segments(a.r_parent[self.city_rows], n)
        self.seg_dep_net = Segments(a.r_parent[self.dep_rows], n)
        self.atom_ids = np.arange(len(self.ga))[:, None]
        self._pos_cache: dict[int, np.ndarray] = {}
        self.ga_ids = np.arange(self.nga)[:, None]

    def free(self, hidden: np.ndarray) -> np.ndarray:
        """Rows × layers through which moves may go: hidden and never published, or
        not published at all (absent)."""
        a = self.a
        return (hidden & ~a.forced) | a.r_absent[:, None]

    def protection(self, value: np.ndarray) -> np.ndarray:
        return self.rules.protection(value, self.people, self.binary)

    def need_up(self, value, count, people, binary, upper) -> np.ndarray:
        """How far up the residual must go: p, capped by the room the maximum leaves
        (`count` unknown centres at most at `upper` each)."""
        p = self.rules.protection(value, people, binary)
        room = np.where(
            np.isfinite(upper), count * np.where(np.isfinite(upper), upper, 0.0) - value, INF
        )
        return np.minimum(p, np.maximum(room, 0.0))

    def need_down(self, value: np.ndarray, count: np.ndarray) -> np.ndarray:
        """How far down the residual must go: all of it when two or more centres make
        it (so that a reader inside keeps their own protection), else min(p, value)."""
        return np.where(count >= 2, value, np.minimum(self.protection(value), value))

    # --- one pass -------------------------------------------------------------------

    def run(self, hidden: np.ndarray) -> Certificate:
        a = self.a
        free = self.free(hidden)
        both = free[:, TOTAL] & free[:, PARTS]
        residual, residual_count = self._residual(free)
        n = a.rows
        ok_up = np.zeros((n, self.K), dtype=bool)
        ok_down = np.zeros((n, self.K), dtype=bool)
        ctx = (residual, residual_count)

        totals = self._stats(free[:, TOTAL], a.a_unknown, a.a_reader, free_full=both)
        if self.bounded:
            totals["room"] = self._stats(
                free[:, TOTAL], a.a_headroom, a.a_headroom_reader, free_full=both
            )
        for judge in (self._cities, self._deps, self._networks):
            up, down = judge(totals, ctx, self.movable)
            ok_up[:, :1] |= up[:, :1]
            ok_down[:, :1] |= down[:, :1]

        if (a.b_nkeys > 1).any():
            parts = self._stats(both, a.a_unknown, a.a_reader)
            if self.bounded:
                parts["room"] = self._stats(both, a.a_headroom, a.a_headroom_reader)
            for judge in (self._cities, self._deps, self._networks):
                up, down = judge(parts, ctx, self.full)
                ok_up[:, 1:] |= up[:, 1:] & both[:, None]
                ok_down[:, 1:] |= down[:, 1:] & both[:, None]
            up, down = self._swaps(free[:, PARTS], ctx)
            ok_up[:, 1:] |= up[:, 1:]
            ok_down[:, 1:] |= down[:, 1:]

        targets = hidden & ~a.forced & ~a.r_absent[:, None]
        layer_of_key = np.r_[TOTAL, np.full(self.K - 1, PARTS)]
        target = targets[:, layer_of_key] & a.c_present & self.key_in_block
        # A yes-or-no residual of zero is protected too (all « non » is an answer).
        target &= ((residual > EPSILON) | (self.binary & (residual_count >= 1))) & self.sensitive
        return Certificate(target, ok_up & ok_down, residual, residual_count)

    def _residual(self, free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What each row hides: itself for a city; its hidden cities for a
        département; the hidden cities of its hidden départements for the network."""
        a = self.a
        city, deps = self.city_rows, self.dep_rows
        res = np.zeros((a.rows, self.K))
        cnt = np.zeros((a.rows, self.K), dtype=np.int64)
        res[city] = a.c_unknown[city]
        cnt[city] = a.c_unknown_count[city]
        top = a.r_level == NETWORK
        for layer, keys in ((TOTAL, slice(0, 1)), (PARTS, slice(1, self.K))):
            fc = free[city, layer][:, None]
            part = self.seg_city_dep.sum(np.where(fc, a.c_unknown[city], 0.0))
            pcnt = self.seg_city_dep.sum(np.where(fc, a.c_unknown_count[city], 0))
            res[deps, keys] = part[deps, keys]
            cnt[deps, keys] = pcnt[deps, keys]
            fd = free[deps, layer][:, None]
            net = self.seg_dep_net.sum(np.where(fd, part[deps], 0.0))
            ncnt = self.seg_dep_net.sum(np.where(fd, pcnt[deps], 0))
            res[top, keys] = net[top, keys]
            cnt[top, keys] = ncnt[top, keys]
        return res, cnt

    def _stats(self, free_rows, values, readers, free_full=None) -> dict:
        """Group sums of `values` over atoms of rows free in `free_rows`
        (`free_full` for atoms of centres that gave the full breakdown)."""
        if free_full is None:
            free_full = free_rows

        def at(rows, full):
            return np.where(full, free_full[rows], free_rows[rows])

        xf = at(self.a.a_row, self.full)
        df = at(self.atom_dep, self.full)
        nf = at(self.atom_net, self.full)
        in_a = xf & self.movable
        in_b = in_a & df
        ma, mb = in_a[:, None], in_b[:, None]
        ga_top1, ga_arg, ga_top2 = self.seg_ga.top2(readers, in_a)
        dep_free = at(self.ga_dep, self.ga_full)
        gb_top1, gb_arg, gb_top2 = self.seg_ga_gb.top2(ga_top1, dep_free)
        return {
            "values": values,
            "xf": xf,
            "df": df,
            "nf": nf,
            "dep_free": dep_free,
            "ga_net_free": at(self.a.r_net[self.ga_dep], self.ga_full),
            "gb_net_free": at(self.gb_net, self.gb_full),
            "ga_sum": self.seg_ga.sum(np.where(ma, values, 0.0)),
            "ga_cnt": self.seg_ga.sum(np.where(ma, self.a.a_count, 0)),
            "gb_sum": self.seg_gb.sum(np.where(mb, values, 0.0)),
            "gb_cnt": self.seg_gb.sum(np.where(mb, self.a.a_count, 0)),
            "ga_top1": ga_top1,
            "ga_arg": ga_arg,
            "ga_top2": ga_top2,
            "gb_top1": gb_top1,
            "gb_arg": gb_arg,
            "gb_top2": gb_top2,
        }

    def _atom_partners(self, s: dict):
        """For each atom: partner sum, most one reader knows of the partners, number
        of partner centres, and whether a single move is valid."""
        ga, gb = self.ga, self.gb
        values = s["values"]
        xf, df, nf = s["xf"], s["df"], s["nf"]
        own = np.where(xf[:, None], values, 0.0)
        own_cnt = np.where(xf[:, None], self.a.a_count, 0)
        same = s["ga_sum"][ga] - own
        same_cnt = s["ga_cnt"][ga] - own_cnt
        same_reader = np.where(s["ga_arg"][ga] == self.atom_ids, s["ga_top2"][ga], s["ga_top1"][ga])
        dfc = df[:, None]
        cross = np.where(dfc, s["gb_sum"][gb] - s["ga_sum"][ga], 0.0)
        cross_cnt = np.where(dfc, s["gb_cnt"][gb] - s["ga_cnt"][ga], 0)
        cross_reader = np.where(s["gb_arg"][gb] == ga[:, None], s["gb_top2"][gb], s["gb_top1"][gb])
        cross_reader = np.where(dfc, cross_reader, 0.0)
        total = same + cross
        reader = np.minimum(np.maximum(same_reader, cross_reader), total)
        count = same_cnt + cross_cnt
        single = (df & nf & (self.a.a_sig == 0))[:, None]
        return total, reader, count, single

    def _cities(self, s, ctx, allowed):
        a = self.a
        total, reader, count, single = self._atom_partners(s)
        ok = (allowed & s["xf"])[:, None] & (a.a_count > 0)
        maxc = self.max_coalition[a.a_row][:, None]
        gain = np.where(ok, np.where(single, INF, total), 0.0)
        lost = np.where(ok & ~single, reader, 0.0)
        valid = ok & (single | (count > maxc))
        mask = a.r_level == CITY
        caps = None
        if "room" in s:
            r = s["room"]
            room_total, room_reader, _count, _single = self._atom_partners(r)
            inside = np.where(a.a_count > maxc, a.a_headroom_reader, 0.0)
            own = np.where(r["xf"][:, None], a.a_headroom, 0.0)
            caps = (
                np.maximum(own - inside, 0.0),
                np.where(single, INF, np.maximum(room_total - room_reader, 0.0)),
                np.isfinite(self.upper[a.a_row]),
            )
        return self._judge(
            self.seg_atom_row, a.a_row, gain, lost, valid, a.a_unknown, a.a_count, maxc, ctx, mask,
            caps,
        )  # fmt: skip

    def _deps(self, s, ctx, allowed):
        a = self.a
        group_ok = self.ga_full if allowed is self.full else self.ga_movable
        present = (group_ok & s["dep_free"])[:, None] & (s["ga_cnt"] > 0)
        inside = s["ga_sum"]
        partner = s["gb_sum"][self.ga_gb] - inside
        partner_cnt = s["gb_cnt"][self.ga_gb] - s["ga_cnt"]
        reader = np.where(
            s["gb_arg"][self.ga_gb] == self.ga_ids,
            s["gb_top2"][self.ga_gb],
            s["gb_top1"][self.ga_gb],
        )
        reader = np.minimum(reader, partner)
        single = (s["ga_net_free"] & (self.ga_sig == 0))[:, None]
        maxc = self.max_coalition[self.ga_dep][:, None]
        gain = np.where(present, np.where(single, INF, partner), 0.0)
        lost = np.where(present & ~single, reader, 0.0)
        valid = present & (single | (partner_cnt > maxc))
        mask = a.r_level == DEPARTEMENT
        caps = None
        if "room" in s:
            r = s["room"]
            gb = self.ga_gb
            room_partner = r["gb_sum"][gb] - r["ga_sum"]
            room_reader = np.where(
                r["gb_arg"][gb] == self.ga_ids, r["gb_top2"][gb], r["gb_top1"][gb]
            )
            inside_reader = np.where(s["ga_cnt"] > maxc, r["ga_top1"], 0.0)
            caps = (
                np.maximum(r["ga_sum"] - inside_reader, 0.0),
                np.where(single, INF, np.maximum(room_partner - room_reader, 0.0)),
                np.isfinite(self.upper[self.ga_dep]),
            )
        return self._judge(
            self.seg_ga_dep, self.ga_dep, gain, lost, valid, inside, s["ga_cnt"], maxc, ctx, mask,
            caps,
        )  # fmt: skip

    def _networks(self, s, ctx, allowed):
        a = self.a
        group_ok = self.gb_full if allowed is self.full else self.gb_movable
        present = (group_ok & s["gb_net_free"])[:, None] & (s["gb_cnt"] > 0)
        single = present & (self.gb_sig == 0)[:, None]
        gain = np.where(single, INF, 0.0)
        lost = np.zeros_like(gain)
        maxc = self.max_coalition[self.gb_net][:, None]
        mask = a.r_level == NETWORK
        caps = None
        if "room" in s:
            r = s["room"]
            inside_reader = np.where(s["gb_cnt"] > maxc, r["gb_top1"], 0.0)
            caps = (
                np.maximum(r["gb_sum"] - inside_reader, 0.0),
                np.full_like(gain, INF),
                np.isfinite(self.upper[self.gb_net]),
            )
        return self._judge(
            self.seg_gb_net, self.gb_net, gain, lost, single, s["gb_sum"], s["gb_cnt"], maxc,
            ctx, mask, caps,
        )  # fmt: skip

    def _judge(
        self, seg, unit_row, gain, lost, valid, unit_mass, unit_count, maxc, ctx, mask, caps=None
    ):
        """Rows' verdicts from their units (atoms or classes) — up and down, for readers
        outside every unit and for a reader who knows a whole fragile unit. Computed
        on the rows that have units only. `caps` (bounded blocks): what each unit may
        receive, what its partners may take, and which units are bounded."""
        residual_all, count_all = ctx
        rows = seg.rows
        pos = self._positions(seg)
        residual, residual_count = residual_all[rows], count_all[rows]
        people = self.people[rows]
        binary, upper = self.binary[rows], self.upper[rows]
        given = np.where(valid, unit_mass, 0.0)
        if caps is not None:
            receive, take, bounded = caps
            bounded = bounded[:, None] if bounded.ndim == 1 else bounded
            # One reader's knowledge of a unit's partners costs that unit at most
            # what it takes below the cap.
            capped = np.minimum(gain, receive)
            lost = np.where(bounded, capped - np.minimum(gain - lost, receive), lost)
            gain = np.where(bounded, capped, gain)
            given = np.where(bounded, np.minimum(given, take), given)
        is_inf = np.isinf(gain)
        n_inf = seg.sum(is_inf.astype(np.int64), compact=True)
        finite = seg.sum(np.where(is_inf, 0.0, gain), compact=True)
        worst = seg.max(lost, compact=True)
        moved = seg.sum(given, compact=True)
        up_all = np.where(n_inf > 0, INF, finite - worst)
        need = self.rules.protection(residual, people, binary)
        ok_up = up_all >= self.need_up(residual, residual_count, people, binary, upper) - EPSILON
        need_down = np.where(residual_count >= 2, residual, np.minimum(need, residual))
        ok_down = moved >= need_down - EPSILON
        # A reader who knows every unknown centre of one unit.
        fragile = (unit_count > 0) & (unit_count <= maxc)
        if fragile.any():
            others_inf = (n_inf[pos] - is_inf) > 0
            up_f = np.where(others_inf, INF, finite[pos] - np.where(is_inf, 0.0, gain) - worst[pos])
            res_f = residual[pos] - unit_mass
            cnt_f = residual_count[pos] - unit_count
            need_f = self.rules.protection(res_f, people[pos], binary[pos])
            up_need_f = self.need_up(res_f, cnt_f, people[pos], binary[pos], upper[pos])
            left_f = (res_f > EPSILON) | (binary[pos] & (cnt_f >= 1))
            bad_up = fragile & left_f & (up_f < up_need_f - EPSILON)
            down_f = moved[pos] - given
            need_down_f = np.where(cnt_f >= 2, res_f, np.minimum(need_f, res_f))
            bad_down = fragile & left_f & (down_f < need_down_f - EPSILON)
            ok_up &= ~seg.any(bad_up, compact=True)
            ok_down &= ~seg.any(bad_down, compact=True)
            # Groups of centres may know several fragile units: take them all away,
            # against the largest residual such a reader could be left with.
            if (maxc > 1).any():
                f_inf = seg.sum((fragile & is_inf).astype(np.int64), compact=True)
                f_fin = seg.sum(np.where(fragile & ~is_inf, gain, 0.0), compact=True)
                f_min = seg.min(np.where(fragile, unit_mass, INF), compact=True)
                up_g = np.where(n_inf - f_inf > 0, INF, finite - f_fin - worst)
                res_g = np.where(np.isinf(f_min), residual, residual - f_min)
                several = seg.sum(fragile.astype(np.int64), compact=True) >= 2
                row_groups = (self.max_coalition[rows] > 1)[:, None]
                bad = several & row_groups & ((res_g > EPSILON) | binary)
                bad &= up_g < self.rules.protection(res_g, people, binary) - EPSILON
                ok_up &= ~bad
        keep = mask[rows]
        out_up = np.zeros((self.a.rows, self.K), dtype=bool)
        out_down = np.zeros((self.a.rows, self.K), dtype=bool)
        out_up[rows[keep]] = ok_up[keep]
        out_down[rows[keep]] = ok_down[keep]
        return out_up, out_down

    def _positions(self, seg):
        cached = self._pos_cache.get(id(seg))
        if cached is None:
            cached = self._pos_cache[id(seg)] = seg.unit_position()
        return cached

    def _swaps(self, free_parts: np.ndarray, ctx):
        """(ii): a part up and the others down in one centre, the reverse in a partner
        centre — or alone, when every cell containing the centre has its breakdown
        hidden. Inside readers: the most one reader knows of the other parts is
        taken away when two or more centres make the cell."""
        a = self.a
        residual, residual_count = ctx
        n = a.rows
        s_part = self._stats(free_parts, a.a_unknown, a.a_reader)
        s_other = self._stats(free_parts, a.a_other, a.a_other_reader)
        p_sum, p_reader, _c, _s = self._atom_partners(s_part)
        o_sum, o_reader, _c, _s = self._atom_partners(s_other)
        # Totals do not change: panels do not constrain a swap.
        alone_atom = (s_part["df"] & s_part["nf"])[:, None]
        ok = (self.full & s_part["xf"])[:, None] & (a.a_count > 0)
        several = residual_count >= 2
        up = np.zeros((n, self.K))
        down = np.zeros((n, self.K))
        seg = self.seg_atom_row
        give = seg.sum(np.where(ok, p_sum, 0.0))
        lose = seg.max(np.where(ok, p_reader, 0.0))
        other_in = seg.sum(np.where(ok, a.a_other, 0.0))
        other_in_reader = a.r_other_reader_in
        partner_other = seg.sum(np.where(ok, o_sum, 0.0))
        partner_other_reader = seg.max(np.where(ok, o_reader, 0.0))
        part_in = seg.sum(np.where(ok, a.a_unknown, 0.0))
        alone = seg.any(ok & alone_atom)
        robust_other = other_in - np.where(several, other_in_reader, 0.0)
        pair_up = np.minimum(give - lose, robust_other)
        pair_down = np.minimum(part_in, partner_other - partner_other_reader)
        city = a.r_level == CITY
        up[city] = np.where(alone, np.maximum(pair_up, robust_other), pair_up)[city]
        down[city] = np.where(alone, part_in, pair_down)[city]
        # Départements: their hidden cities against other hidden départements'.
        ok_g = (self.ga_full & s_part["dep_free"])[:, None] & (s_part["ga_cnt"] > 0)

        def excl(s):
            gb = self.ga_gb
            return np.where(s["gb_arg"][gb] == self.ga_ids, s["gb_top2"][gb], s["gb_top1"][gb])

        part_in_g = s_part["ga_sum"]
        other_in_g = s_other["ga_sum"]
        partner_part = s_part["gb_sum"][self.ga_gb] - part_in_g
        partner_oth = s_other["gb_sum"][self.ga_gb] - other_in_g
        g_give = np.where(ok_g, partner_part - np.minimum(excl(s_part), partner_part), 0.0)
        g_down = np.where(
            ok_g, np.minimum(part_in_g, partner_oth - np.minimum(excl(s_other), partner_oth)), 0.0
        )
        sd = self.seg_ga_dep
        d_give = sd.sum(g_give)
        d_other = sd.sum(np.where(ok_g, other_in_g, 0.0))
        d_other_reader = sd.max(np.where(ok_g, s_other["ga_top1"], 0.0))
        d_part = sd.sum(np.where(ok_g, part_in_g, 0.0))
        d_down = sd.sum(g_down)
        d_alone = sd.any(ok_g & s_part["ga_net_free"][:, None])
        d_robust = d_other - np.where(several, d_other_reader, 0.0)
        d_pair_up = np.minimum(d_give, d_robust)
        dep = a.r_level == DEPARTEMENT
        up[dep] = np.where(d_alone, np.maximum(d_pair_up, d_robust), d_pair_up)[dep]
        down[dep] = np.where(d_alone, d_part, d_down)[dep]
        # Networks: alone in the hidden cities of hidden départements.
        ok_n = (self.gb_full & s_part["gb_net_free"])[:, None] & (s_part["gb_cnt"] > 0)
        sn = self.seg_gb_net
        n_other = sn.sum(np.where(ok_n, s_other["gb_sum"], 0.0))
        n_other_reader = sn.max(np.where(ok_n, s_other["gb_top1"], 0.0))
        n_part = sn.sum(np.where(ok_n, s_part["gb_sum"], 0.0))
        top = a.r_level == NETWORK
        up[top] = (n_other - np.where(several, n_other_reader, 0.0))[top]
        down[top] = n_part[top]
        need_up = self.protection(residual)
        need_down = self.need_down(residual, residual_count)
        return up >= need_up - EPSILON, down >= need_down - EPSILON


def _compact(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense group ids for `keys`, and the first member of each group."""
    _uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return inverse, first


def split_certified(a: Arrays, hidden: np.ndarray, rules: Rules) -> np.ndarray:
    """For blocks with panels: True per block when every *split* part of a cell — the
    centres of one signature in a city or a département that holds several — stays
    protected for every reader. Moves: 4-cycles that swap mass between the two
    signatures inside the cell and the reverse in a city outside it (every
    territory cell and every panel keeps its sum).

    Conservative everywhere: the worst reader on each side is taken away (a whole
    city's contribution when the receiving part is one the reader may know), and a
    published city with a single signature determines its part (not a residual)."""
    ok = np.ones(len(a.b_measure), dtype=bool)
    blocks = sorted({b for b, _ in a.panels})
    if not blocks:
        return ok
    # The 4-cycles raise centres without regard to a maximum: a bounded block is
    # certified only where no move could reach it (every unknown centre has more
    # room than the block's whole unknown mass) — never for a yes-or-no question.
    for b in blocks:
        if np.isfinite(a.b_upper[b]):
            inside = (a.e_block == b) & ~a.e_known
            mass = float(np.nansum(a.e_values[inside, 0]))
            room = a.b_upper[b] - np.nan_to_num(a.e_values[inside, 0])
            ok[b] = not bool(inside.any()) or bool(room.min() > mass + EPSILON)
    blocks = [b for b in blocks if ok[b]]
    free = (hidden & ~a.forced) | a.r_absent[:, None]
    city_rows = np.flatnonzero(a.r_level == CITY)
    index = {int(r): i for i, r in enumerate(city_rows)}
    nc = len(city_rows)
    nsig = 1 << 2
    U = np.zeros((nc, nsig, 3))
    C = np.zeros((nc, nsig, 3), dtype=np.int64)
    R = np.zeros((nc, nsig, 3))
    ci = np.array([index[int(r)] for r in a.a_row], dtype=np.int64)
    U[ci, a.a_sig, a.a_pattern] = a.a_unknown[:, 0]
    C[ci, a.a_sig, a.a_pattern] = a.a_count[:, 0]
    R[ci, a.a_sig, a.a_pattern] = a.a_reader[:, 0]
    # Signatures present in each city, known centres included.
    present = np.zeros((nc, nsig), dtype=bool)
    present[np.array([index[int(r)] for r in a.e_row]), a.e_sig] = True
    split_city = present.sum(axis=1) >= 2
    block_of_city = a.r_block[city_rows]
    dep_of_city = a.r_parent[city_rows]
    maxc = a.b_max_coalition[block_of_city]
    fragile = (C > 0) & (maxc[:, None, None] >= C)
    people = a.b_people[block_of_city]
    for b in blocks:
        cities = np.flatnonzero(block_of_city == b)
        deps = np.unique(dep_of_city[cities])
        # Targets: each city, and each département, with each signature.
        groups = [(np.array([c]), True) for c in cities] + [
            (cities[dep_of_city[cities] == d], False) for d in deps
        ]
        for members, is_city in groups:
            holds = present[members].any(axis=0)
            if is_city and not split_city[members[0]]:
                continue
            if not is_city and holds.sum() < 2:
                continue
            # A published city holding one signature determines its part.
            counted = members[split_city[members] | free[city_rows[members], TOTAL]]
            outside = np.setdiff1d(cities, members)
            for s in np.flatnonzero(holds):
                value = U[counted, s].sum()
                count = C[counted, s].sum()
                if value <= EPSILON:
                    continue
                p = float(rules.protection(value, people[members[0]]))
                need_down = value if count >= 2 else min(p, value)
                best_up = best_down = 0.0
                for s2 in range(nsig):
                    if s2 == s:
                        continue
                    up = down = 0.0
                    for pat in (FULL, 1):
                        both_in = members[(C[members, s, pat] > 0) & (C[members, s2, pat] > 0)]
                        both_out = outside[(C[outside, s, pat] > 0) & (C[outside, s2, pat] > 0)]
                        if not len(both_in) or not len(both_out):
                            continue
                        # Up: inside gives s2, outside gives s.
                        side1 = U[both_in, s2, pat]
                        side2 = U[both_out, s, pat]
                        cut1 = np.maximum(R[both_in, s2, pat], fragile[both_in, s, pat] * side1)
                        cut2 = np.maximum(R[both_out, s, pat], fragile[both_out, s2, pat] * side2)
                        up += max(0.0, min(side1.sum() - cut1.max(), side2.sum() - cut2.max()))
                        # Down: inside gives s, outside gives s2.
                        side1 = U[both_in, s, pat]
                        side2 = U[both_out, s2, pat]
                        cut1 = fragile[both_in, s2, pat] * side1
                        cut2 = np.maximum(R[both_out, s2, pat], fragile[both_out, s, pat] * side2)
                        down += max(0.0, min(side1.sum() - cut1.max(), side2.sum() - cut2.max()))
                    best_up, best_down = max(best_up, up), max(best_down, down)
                if best_up < p - EPSILON or best_down < need_down - EPSILON:
                    ok[b] = False
                    break
            if not ok[b]:
                break
    return ok
